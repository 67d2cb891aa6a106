"""`MaskedTemporalPooling`: mean over the frames of each fragment, padding excluded."""

from __future__ import annotations

import keras

from tfk_tokfrag import _validation


@keras.saving.register_keras_serializable(package="tfk_tokfrag")
class MaskedTemporalPooling(keras.layers.Layer):
    """Averages features over one axis, counting only the positions a mask keeps.

    Pools per-frame features `(batch, fragments, frames, features)` into fragment
    features `(batch, fragments, features)` (with `axis=2`, the default), or a whole
    clip `(batch, frames, features)` into `(batch, features)` (with `axis=1`). Masked
    positions (padding frames) do not count; a position set with no kept entry gives
    zeros. With `with_delta=True` the output also holds the last kept minus the first
    kept features (`2 * features` in all), a cheap summary of change over the span
    that a mean cannot see.

    Args:
        axis: the axis to pool, 1 or 2.
        with_delta: append last-minus-first features.

    Call arguments:
        inputs: features, float.
        mask: bool of the input shape without the last axis; None keeps all.

    Input shape:
        `(batch, ..., features)` of rank 3 (`axis=1`) or 4 (`axis=2`).

    Output shape:
        The input shape without `axis`; the last dimension doubled with `with_delta`.

    Example:

    >>> import numpy as np
    >>> x = np.array([[[[1.0], [3.0], [9.0]]]], "float32")   # (1, 1, 3, 1)
    >>> mask = np.array([[[True, True, False]]])
    >>> MaskedTemporalPooling()(x, mask=mask).numpy().tolist()
    [[[2.0]]]
    """

    def __init__(self, axis: int = 2, with_delta: bool = False, **kwargs):
        if not _validation.is_int(axis) or axis not in (1, 2):
            raise ValueError(f"axis must be 1 or 2. Received: axis={axis!r}")
        _validation.check_bool("with_delta", with_delta)
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.with_delta = with_delta
        self.supports_masking = True

    def call(self, inputs, mask=None):
        ops = keras.ops
        if len(inputs.shape) != self.axis + 2:
            raise ValueError(
                f"expected inputs of rank {self.axis + 2} for axis={self.axis}, "
                f"received shape {tuple(inputs.shape)}"
            )
        if mask is None:
            mask = ops.ones(ops.shape(inputs)[:-1], dtype="bool")
        weights = ops.cast(mask, inputs.dtype)[..., None]
        total = ops.sum(inputs * weights, axis=self.axis)
        count = ops.sum(weights, axis=self.axis)
        mean = total / ops.maximum(count, 1.0)
        if not self.with_delta:
            return mean
        # Index of the first and the last kept position along the axis.
        positions = ops.cast(ops.cumsum(ops.cast(mask, "int32"), axis=self.axis), "int32")
        kept = ops.cast(mask, "int32")
        first = ops.argmax(kept, axis=self.axis)
        last = ops.argmax(positions, axis=self.axis)
        first_x = ops.take_along_axis(
            inputs, ops.expand_dims(ops.expand_dims(first, self.axis), -1), axis=self.axis
        )
        last_x = ops.take_along_axis(
            inputs, ops.expand_dims(ops.expand_dims(last, self.axis), -1), axis=self.axis
        )
        delta = ops.squeeze(last_x - first_x, axis=self.axis)
        return ops.concatenate([mean, delta], axis=-1)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        return keras.ops.any(mask, axis=self.axis)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        del shape[self.axis]
        if self.with_delta and shape[-1] is not None:
            shape[-1] *= 2
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "with_delta": self.with_delta})
        return config
