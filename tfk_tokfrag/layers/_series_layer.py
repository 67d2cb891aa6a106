"""`SeriesLayer`: the base of layers that map a batch of (padded) series to series,
given or finding each series' length."""

from __future__ import annotations

import keras
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.layers import _fragment_ops as ops


class SeriesLayer(keras.layers.Layer):
    """Series `(batch, time, channels)` (or one `(time, channels)`) and optional
    `lengths` in; series out, with their lengths too if `return_lengths`.

    Subclasses implement `_series(x, lengths) -> (series, lengths)` on a batch
    (float32, lengths resolved) and `_output_time(time)`.
    """

    def __init__(self, lengths_from_padding: bool = True, return_lengths: bool = False,
                 **kwargs):
        _validation.check_bool("lengths_from_padding", lengths_from_padding)
        _validation.check_bool("return_lengths", return_lengths)
        super().__init__(**kwargs)
        self.lengths_from_padding = lengths_from_padding
        self.return_lengths = return_lengths
        self.supports_masking = False

    def _output_time(self, time: int | None) -> int | None:
        return time

    def _check_shape(self, shape) -> bool:
        """Validates the shape; returns whether it is one unbatched series."""
        if len(shape) not in (2, 3):
            raise ValueError(
                f"{type(self).__name__} expected series of rank 3 (batch, time, channels) "
                f"or 2 (time, channels), received shape {tuple(shape)}"
            )
        return len(shape) == 2

    def compute_output_shape(self, input_shape):
        unbatched = self._check_shape(input_shape)
        shape = list(input_shape)
        shape[-2] = self._output_time(shape[-2])
        if self.return_lengths:
            return {"series": tuple(shape), "length": () if unbatched else (shape[0],)}
        return tuple(shape)

    def compute_output_spec(self, inputs, lengths=None):
        shapes = self.compute_output_shape(inputs.shape)
        if not self.return_lengths:
            return keras.KerasTensor(shapes, dtype=self.compute_dtype)
        return {
            "series": keras.KerasTensor(shapes["series"], dtype=self.compute_dtype),
            "length": keras.KerasTensor(shapes["length"], dtype="int32"),
        }

    def call(self, inputs, lengths=None):
        unbatched = self._check_shape(inputs.shape)
        x = tf.cast(inputs, tf.float32)
        if unbatched:
            x = x[tf.newaxis]
        time = tf.shape(x)[1]
        if lengths is None:
            lengths = (
                ops.content_lengths(x, tf.constant(0.0))
                if self.lengths_from_padding
                else tf.fill([tf.shape(x)[0]], time)
            )
        lengths = tf.clip_by_value(tf.cast(tf.reshape(lengths, [-1]), tf.int32), 0, time)
        series, lengths = self._series(x, lengths)
        series = tf.cast(series, self.compute_dtype)
        if unbatched:
            series, lengths = series[0], lengths[0]
        if self.return_lengths:
            return {"series": series, "length": lengths}
        return series

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "lengths_from_padding": self.lengths_from_padding,
                "return_lengths": self.return_lengths,
            }
        )
        return config
