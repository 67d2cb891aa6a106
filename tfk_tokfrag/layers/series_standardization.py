"""`SeriesStandardization`: z-normalizes each series over its own time steps."""

from __future__ import annotations

import keras
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.layers._series_layer import SeriesLayer


@keras.saving.register_keras_serializable(package="tfk_tokfrag")
class SeriesStandardization(SeriesLayer):
    """Z-normalizes each series of a batch over its own time steps, padding excluded.

    `(x - mean) / std` per series, as the UCR archive's reference classifiers
    expect: with `per_channel=True` (the default) each channel of each series gets
    its own mean and standard deviation, else one pair per series over all its
    channels (keeping the channels' relative scale). Only the first `length` steps
    of a series count and are normalized; the steps past it (the zeros
    `Dataset.padded_batch` adds to the shorter series of a batch) come out as zeros,
    so a series gives the same values alone or padded. A constant series (standard
    deviation below `epsilon`) is only centred.

    Args:
        per_channel: normalize each channel on its own, else all channels together.
        epsilon: the smallest standard deviation divided by, a positive float.
        lengths_from_padding: when no `lengths` are given, each series ends at its
            last step that is not all zeros (trailing all-zero steps are padding);
            if False, every step of the input counts.
        return_lengths: also return the lengths used: a dict `{"series": ...,
            "length": int32 (batch,)}`, to pass on (e.g. to `TemporalFragmenter`).
        **kwargs: base layer arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: float series `(batch, time, channels)`.
        lengths: optional int `(batch,)` (a scalar for one series): the true
            length of each series.

    Input shape:
        `(batch, time, channels)`, or one series `(time, channels)` (as in
        `Dataset.map` before batching); `time` may be unknown.

    Output shape:
        The input shape (or the dict above with `return_lengths`).

    Example:

    >>> import numpy as np
    >>> x = np.array([[[1.0], [3.0], [0.0]]], "float32")  # length 2, then padding
    >>> SeriesStandardization()(x).numpy()[0, :, 0].tolist()
    [-1.0, 1.0, 0.0]
    """

    def __init__(
        self,
        per_channel: bool = True,
        epsilon: float = 1e-6,
        lengths_from_padding: bool = True,
        return_lengths: bool = False,
        **kwargs,
    ):
        _validation.check_bool("per_channel", per_channel)
        if not _validation.is_real(epsilon) or not epsilon > 0:
            raise ValueError(f"epsilon must be a positive float. Received: epsilon={epsilon!r}")
        super().__init__(lengths_from_padding=lengths_from_padding,
                         return_lengths=return_lengths, **kwargs)
        self.per_channel = per_channel
        self.epsilon = float(epsilon)

    def _series(self, x, lengths):
        time = tf.shape(x)[1]
        mask = tf.cast(tf.sequence_mask(lengths, time), tf.float32)[..., tf.newaxis]
        axes = [1] if self.per_channel else [1, 2]
        channels = 1.0 if self.per_channel else tf.cast(tf.shape(x)[2], tf.float32)
        count = tf.maximum(tf.reduce_sum(mask, axis=1, keepdims=True) * channels, 1.0)
        x = x * mask
        mean = tf.reduce_sum(x, axis=axes, keepdims=True) / count
        centred = (x - mean) * mask
        std = tf.sqrt(tf.reduce_sum(tf.square(centred), axis=axes, keepdims=True) / count)
        scale = tf.where(std < self.epsilon, tf.ones_like(std), std)
        return tf.where(mask > 0, centred / scale, 0.0), lengths  # +0.0 past the end

    def get_config(self):
        config = super().get_config()
        config.update({"per_channel": self.per_channel, "epsilon": self.epsilon})
        return config
