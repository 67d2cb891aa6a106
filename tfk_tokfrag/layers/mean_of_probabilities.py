"""`MeanOfProbabilities`: several classifiers' logits -> the logits of their mean
probabilities (an ensemble inside one model)."""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from tfk_tokfrag import _validation


@keras.saving.register_keras_serializable(package="tfk_tokfrag")
class MeanOfProbabilities(keras.layers.Layer):
    """`log(mean_i softmax(logits_i))`: logits whose softmax is the mean of the inputs'
    class probabilities.

    Trained through it, each classifier is pulled towards the label for as long as the
    mixture is unsure, whatever the others predict: unlike summed logits (one linear
    classifier over joined features), a head that fits the training set first does not
    leave the others without gradient. Computed in float32 (log-sum-exp).

    Args:
        trained_inputs: while training, only the first `trained_inputs` inputs are
            averaged (default: all). The others are classifiers fitted otherwise (in
            closed form by `adapt`, as `RidgeClassifier`): their scores on their own
            training examples are near perfect and would leave the trained ones little
            to learn. At inference all are averaged.
        **kwargs: base layer arguments, such as `name`.

    Call arguments:
        inputs: a list of two or more logits `(batch, classes)`.
        training: whether the model is training (see `trained_inputs`).

    Output shape:
        `(batch, classes)`, float32.

    Example:

    >>> import numpy as np
    >>> a = np.log(np.array([[0.8, 0.2]], "float32"))
    >>> b = np.log(np.array([[0.4, 0.6]], "float32"))
    >>> np.exp(MeanOfProbabilities()([a, b]).numpy()).round(3)
    array([[0.6, 0.4]], dtype=float32)
    """

    def __init__(self, trained_inputs: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.trained_inputs = _validation.positive_int(
            "trained_inputs", trained_inputs, allow_none=True)
        # One result per example: a mask on the inputs (the time steps of the
        # series they came from) means nothing here, and is not passed on.
        self.supports_masking = True

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def compute_output_shape(self, input_shape):
        shapes = [tuple(shape) for shape in input_shape]
        if len(shapes) < 2 or any(len(s) != 2 or s[-1] != shapes[0][-1] for s in shapes):
            raise ValueError(
                "MeanOfProbabilities expected a list of two or more logits (batch, "
                f"classes) with the same classes, received shapes {shapes}"
            )
        return shapes[0]

    def call(self, inputs, training=None):
        self.compute_output_shape([x.shape for x in inputs])
        if self.trained_inputs is not None and self.trained_inputs > len(inputs):
            raise ValueError(
                f"MeanOfProbabilities(trained_inputs={self.trained_inputs}) received "
                f"only {len(inputs)} inputs."
            )
        if training and self.trained_inputs is not None:
            inputs = inputs[:self.trained_inputs]
        log_probabilities = tf.stack(
            [tf.nn.log_softmax(tf.cast(x, tf.float32)) for x in inputs], axis=0
        )
        return tf.reduce_logsumexp(log_probabilities, axis=0) - math.log(len(inputs))

    def get_config(self):
        config = super().get_config()
        config.update({"trained_inputs": self.trained_inputs})
        return config
