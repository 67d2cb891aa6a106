"""`FlipPairs` and `MeanOfPairs`: test-time flip averaging inside a model.

At inference a model with `FlipPairs` after its input and `MeanOfPairs` before its
output answers with the mean of its outputs for each image and its left-right mirror
image (the test-time augmentation airbench uses for CIFAR-10); in training both are
the identity. The exported SavedModel does the same, so the served accuracy is the
one measured.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="tfk_tokfrag")
class FlipPairs(keras.layers.Layer):
    """At inference, appends each image mirrored left-right to the batch.

    `(B, H, W, C)` images -> `(2B, H, W, C)`: the batch, then the batch mirrored (width
    reversed). In training (`training=True`, as `fit` calls it), the identity.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = False

    def call(self, inputs, training=None):
        if training:
            return inputs
        return keras.ops.concatenate([inputs, keras.ops.flip(inputs, axis=2)], axis=0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


@keras.saving.register_keras_serializable(package="tfk_tokfrag")
class MeanOfPairs(keras.layers.Layer):
    """At inference, the mean of the first and second halves of the batch.

    Undoes `FlipPairs`: `(2B, ...)` -> `(B, ...)`, each row the mean of an image's
    output and its mirror image's. In training, the identity.
    """

    def call(self, inputs, training=None):
        if training:
            return inputs
        half = keras.ops.shape(inputs)[0] // 2
        return (inputs[:half] + inputs[half:]) / 2

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
