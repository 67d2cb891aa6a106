"""`LengthMask`: zeros at and after each sequence's length."""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfk_tokfrag")
class LengthMask(keras.layers.Layer):
    """Sets the steps of each sequence from its `length` on to zero.

    Between convolutions over zero-padded sequences (`padding="same"`), this keeps
    a padded sequence's values equal to the sequence's alone: a convolution then sees
    zeros past the end, as it does at the end of the sequence alone, instead of the
    previous layer's (batch norm shifted, nonzero) outputs at the padding.

    Args:
        **kwargs: base layer arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: `(batch, time, features)`.
        lengths: int `(batch,)`: the real steps of each sequence (clipped to
            `[0, time]`).

    Input shape:
        `(batch, time, features)`; `time` may be unknown.

    Output shape:
        The input shape.

    Example:

    >>> import numpy as np
    >>> x = np.ones((2, 3, 1), "float32")
    >>> LengthMask()(x, lengths=np.array([1, 3]))[..., 0].numpy().tolist()
    [[1.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = False

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                "LengthMask expected inputs of rank 3 (batch, time, features), received "
                f"shape {tuple(input_shape)}"
            )
        return tuple(input_shape)

    def call(self, inputs, lengths):
        self.compute_output_shape(inputs.shape)
        time = tf.shape(inputs)[1]
        lengths = tf.clip_by_value(tf.cast(tf.reshape(lengths, [-1]), tf.int32), 0, time)
        mask = tf.sequence_mask(lengths, time, dtype=inputs.dtype)
        return inputs * mask[..., tf.newaxis]
