"""`select_model_inputs`: `(inputs, label)` batches shaped to what a model takes."""

from __future__ import annotations

import keras
import tensorflow as tf


def select_model_inputs(dataset: tf.data.Dataset, model: keras.Model) -> tf.data.Dataset:
    """Gives `model` exactly the named inputs it takes, from `(inputs, label)` batches.

    A dataset with more modalities than the model (e.g. `digit_scenes` for an
    image-only model) keeps only the model's entries (Keras would otherwise match them
    by position); a plain tensor (e.g. `imdb_reviews` text) feeding a model with one
    named input (e.g. `{"text": ...}`) is wrapped under that name.
    """
    structure = model.input
    spec = dataset.element_spec[0]
    if not isinstance(structure, dict):
        return dataset
    keys = list(structure)
    if not isinstance(spec, dict):
        if len(keys) != 1:
            raise ValueError(f"Model {model.name!r} takes inputs {keys}; the dataset gives "
                             "one unnamed input.")
        return dataset.map(lambda x, y: ({keys[0]: x}, y), num_parallel_calls=tf.data.AUTOTUNE)
    missing = sorted(set(keys) - set(spec))
    if missing:
        raise ValueError(f"The dataset has no {missing} input for model {model.name!r}; "
                         f"it has {sorted(spec)}.")
    if set(spec) == set(keys):
        return dataset
    return dataset.map(
        lambda x, y: ({k: x[k] for k in keys}, y), num_parallel_calls=tf.data.AUTOTUNE
    )
