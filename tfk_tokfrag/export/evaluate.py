"""`evaluate_saved_model`: the accuracy of an exported artifact, as a server computes it."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import tensorflow as tf

from tfk_tokfrag.export.saved_model import load_metadata
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


def evaluate_saved_model(saved_model, dataset: tf.data.Dataset) -> Accuracy:
    """Scores a SavedModel written by `export_saved_model` on `(inputs, label)` batches.

    The artifact is called through its `serve` endpoint with plain TensorFlow (no
    Keras), on the raw inputs, as a server would. A dataset with more named inputs
    than the artifact takes (e.g. `digit_scenes` for an image-only model) gives it
    only its own.

    Args:
        saved_model: the SavedModel folder, or the object `tf.saved_model.load`
            returned for it (keep that object alive while it is used: it owns the
            variables).
        dataset: batches of `(inputs, int labels)`.
    """
    if isinstance(saved_model, str | os.PathLike):
        signature = InputSignature.from_json(load_metadata(saved_model)["inputs"])
        artifact = tf.saved_model.load(os.fspath(saved_model))
    else:
        artifact, signature = saved_model, None
    correct = total = 0
    for inputs, labels in dataset:
        if signature is not None and signature.is_dict and isinstance(inputs, dict):
            inputs = {name: inputs[name] for name in signature.names}
        predicted = artifact.serve(inputs)["class_id"].numpy()
        correct += int(np.sum(predicted == labels.numpy()))
        total += len(predicted)
    return Accuracy(correct, total)
