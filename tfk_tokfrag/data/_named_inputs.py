"""`(inputs, label)` batches cut to the named inputs a model takes: for a Keras model
(`training.select_model_inputs`) and for a SavedModel (`export.evaluate_saved_model`)."""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf


def check_input_names(given, names: Sequence[str] | None, model: str = "the model") -> None:
    """Raises a `ValueError` when inputs of structure `given` (a dataset's
    `element_spec[0]`: a dict, or one unnamed spec) cannot feed a model taking the
    inputs `names` (`None`: one unnamed input), naming the model as `model`."""
    if names is None:
        return
    names = list(names)
    if not isinstance(given, dict):
        if len(names) != 1:
            raise ValueError(f"The dataset gives one unnamed input; {model} takes the "
                             f"inputs {names}.")
        return
    missing = sorted(set(names) - set(given))
    if missing:
        raise ValueError(f"The dataset has no {missing} input for {model}; it has "
                         f"{sorted(given)}.")


def select_inputs(
    dataset: tf.data.Dataset, names: Sequence[str] | None, model: str = "the model"
) -> tf.data.Dataset:
    """Gives a model exactly the named inputs it takes, from `(inputs, label)` batches.

    A dataset with more named inputs than the model (e.g. `digit_scenes` for an
    image-only model) keeps only the model's (a Keras model would otherwise match them
    by position; a SavedModel's signature takes no others); a plain tensor (e.g. a
    text folder's strings) for a model with one named input (`{"text": ...}`) is
    wrapped under that name.

    Args:
        dataset: batches of `(inputs, label)`.
        names: the model's input names, or `None` for a model taking one unnamed
            input (the dataset is returned as it is).
        model: how errors name the model, e.g. `"model 'conv_net'"`.
    """
    given = dataset.element_spec[0]
    check_input_names(given, names, model)
    if names is None:
        return dataset
    names = list(names)
    if not isinstance(given, dict):
        return dataset.map(lambda x, y: ({names[0]: x}, y),
                           num_parallel_calls=tf.data.AUTOTUNE)
    if set(given) == set(names):
        return dataset
    return dataset.map(lambda x, y: ({k: x[k] for k in names}, y),
                       num_parallel_calls=tf.data.AUTOTUNE)
