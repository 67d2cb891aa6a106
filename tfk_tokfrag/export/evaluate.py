"""`evaluate_saved_model`: the accuracy of an exported artifact, as a server computes it."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import tensorflow as tf

from tfk_tokfrag.data._named_inputs import check_input_names, select_inputs
from tfk_tokfrag.export.saved_model import load_metadata, load_saved_model
from tfk_tokfrag.export.signature import InputSignature


@dataclasses.dataclass(frozen=True)
class Accuracy:
    """`correct` of `total` examples classified right."""

    correct: int
    total: int

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.value:.4f} ({self.correct}/{self.total})"


def check_inputs_fit(
    signature: InputSignature, dataset: tf.data.Dataset, check_dtype: bool = False
) -> None:
    """Raises a `ValueError` naming the dataset input a model cannot take.

    Compares the shapes (and, with `check_dtype`, the dtypes: a SavedModel's
    signature is exact, a Keras model casts) of the dataset's inputs with the
    model's, before anything runs. Named inputs are matched by name; extra ones in
    the dataset are ignored.
    """
    given = dataset.element_spec[0]
    check_input_names(given, signature.input_names)
    for spec in signature.specs:
        actual = given[spec.name] if isinstance(given, dict) else given
        shape, dtype = tf.TensorShape(actual.shape), tf.as_dtype(actual.dtype).name
        if not shape.is_compatible_with(spec.shape) or (check_dtype and dtype != spec.dtype):
            what = f"{spec.name!r} inputs" if signature.is_dict else "inputs"
            raise ValueError(
                f"The dataset's {what} do not fit the model: expected shape "
                f"{_shape_text(spec.shape)} ({spec.dtype}), received shape "
                f"{_shape_text(shape)} ({dtype})."
            )


def _shape_text(shape) -> str:
    shape = tf.TensorShape(shape)
    if shape.rank is None:
        return "of unknown rank"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape.as_list()) + ")"


def evaluate_saved_model(saved_model, dataset: tf.data.Dataset) -> Accuracy:
    """Scores a SavedModel written by `export_saved_model` on `(inputs, label)` batches.

    The artifact is called through its `serve` endpoint with plain TensorFlow (no
    Keras), on the raw inputs, as a server would. A dataset with more named inputs
    than the artifact takes (e.g. `digit_scenes` for an image-only model) gives it
    only its own; unnamed inputs (e.g. a text folder's strings) go to an artifact
    with one named input (`{"text": ...}`) under that name.

    Args:
        saved_model: the SavedModel folder, or the object `tf.saved_model.load`
            returned for it (keep that object alive while it is used: it owns the
            variables).
        dataset: batches of `(inputs, int labels)`.
    """
    if isinstance(saved_model, str | os.PathLike):
        signature = InputSignature.from_json(load_metadata(saved_model)["inputs"])
        check_inputs_fit(signature, dataset, check_dtype=True)
        dataset = select_inputs(dataset, signature.input_names)
        artifact = load_saved_model(saved_model)
    else:
        artifact = saved_model
    correct = total = 0
    for inputs, labels in dataset:
        predicted = artifact.serve(inputs)["class_id"].numpy()
        correct += int(np.sum(predicted == labels.numpy()))
        total += len(predicted)
    return Accuracy(correct, total)
