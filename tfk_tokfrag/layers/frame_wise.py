"""`FrameWise`: applies a per-frame model to every frame of any leading shape."""

from __future__ import annotations

import keras

from tfk_tokfrag import _validation


@keras.saving.register_keras_serializable(package="tfk_tokfrag")
class FrameWise(keras.layers.Wrapper):
    """Applies `layer` to every frame, folding all leading axes into the batch.

    `TimeDistributed` loops over one time axis (a Python loop when it is known, a
    `while` loop when it is not). `FrameWise` instead reshapes
    `(batch, *leading, *frame)` to `(batch * prod(leading), *frame)`, calls the
    wrapped layer once on that big batch, and reshapes back: one convolution over
    all frames of all fragments, whatever their number, including an unknown one.

    Args:
        layer: the per-frame layer or model, taking `(n, *frame)`.
        frame_rank: rank of one frame (3 for `(height, width, channels)`).

    Call arguments:
        inputs: `(batch, *leading, *frame)`.

    Input shape:
        `(batch, *leading, *frame)`, `len(frame) == frame_rank`.

    Output shape:
        `(batch, *leading, *layer_output_shape[1:])`.

    Example:

    >>> import numpy as np
    >>> dense = keras.layers.Dense(3)
    >>> FrameWise(dense, frame_rank=1)(np.ones((2, 4, 5, 7), "float32")).shape
    TensorShape([2, 4, 5, 3])
    """

    def __init__(self, layer, frame_rank: int = 3, **kwargs):
        super().__init__(layer, **kwargs)
        self.frame_rank = _validation.non_negative_int("frame_rank", frame_rank)

    def build(self, input_shape):
        frame = tuple(input_shape[len(input_shape) - self.frame_rank:])
        if not self.layer.built:
            self.layer.build((None, *frame))
        self.built = True

    def call(self, inputs, training=None):
        ops = keras.ops
        rank = len(inputs.shape)
        if rank < self.frame_rank + 1:
            raise ValueError(
                f"expected inputs of rank >= {self.frame_rank + 1} (batch, ..., *frame), "
                f"received shape {tuple(inputs.shape)}"
            )
        shape = ops.shape(inputs)
        lead = rank - self.frame_rank
        frame = tuple(
            inputs.shape[i] if inputs.shape[i] is not None else shape[i]
            for i in range(lead, rank)
        )
        folded = ops.reshape(inputs, (-1, *frame))
        kwargs = {"training": training} if self.layer._call_has_training_arg else {}
        out = self.layer(folded, **kwargs)
        out_shape = ops.shape(out)
        feature = tuple(
            out.shape[i] if out.shape[i] is not None else out_shape[i]
            for i in range(1, len(out.shape))
        )
        leading = tuple(
            inputs.shape[i] if inputs.shape[i] is not None else shape[i] for i in range(lead)
        )
        return ops.reshape(out, (*leading, *feature))

    def compute_output_shape(self, input_shape):
        lead = len(input_shape) - self.frame_rank
        frame = tuple(input_shape[lead:])
        out = self.layer.compute_output_shape((None, *frame))
        return (*tuple(input_shape[:lead]), *tuple(out[1:]))

    def get_config(self):
        config = super().get_config()
        config["frame_rank"] = self.frame_rank
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # keras' Wrapper.from_config pops "layer" from the caller's dict; work on a copy.
        return super().from_config(dict(config), custom_objects=custom_objects)
