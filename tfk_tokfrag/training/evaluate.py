"""`evaluate_model`: the test accuracy of a Keras classifier on `(inputs, label)` batches."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfk_tokfrag.export.evaluate import Accuracy, check_inputs_fit
from tfk_tokfrag.export.signature import InputSignature
from tfk_tokfrag.training.model_inputs import select_model_inputs


def evaluate_model(model: keras.Model, dataset: tf.data.Dataset) -> Accuracy:
    """Counts the examples whose highest-scoring class is the label.

    Works on a model straight from `keras.saving.load_model(..., compile=False)`: no
    compiled loss or metric is needed. The dataset's inputs are matched to the
    model's (`select_model_inputs`); inputs whose shape the model cannot take are
    refused before anything runs (`check_inputs_fit`).
    """
    correct = correct_per_example(model, dataset)
    return Accuracy(int(np.sum(correct)), len(correct))


def correct_per_example(model: keras.Model, dataset: tf.data.Dataset) -> np.ndarray:
    """One boolean per example, in the dataset's order: is the top class the label?

    What `evaluate_model` counts; kept per example to compare two classifiers on the
    same examples (`tfk_tokfrag.baselines.paired_comparison`).
    """
    dataset = select_model_inputs(dataset, model)
    check_inputs_fit(InputSignature.from_model(model), dataset)
    # A plain graph call, not `predict_on_batch`: under a tf.distribute strategy that
    # runs the batch on every replica and returns their outputs end to end.
    logits_of = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    correct = [np.zeros(0, dtype=bool)]
    for inputs, labels in dataset:
        correct.append(np.argmax(logits_of(inputs), axis=-1) == labels.numpy())
    return np.concatenate(correct)
