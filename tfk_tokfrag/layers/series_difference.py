"""`SeriesDifference`: the first difference of each series, padding excluded."""

from __future__ import annotations

import keras
import tensorflow as tf

from tfk_tokfrag.layers._series_layer import SeriesLayer


@keras.saving.register_keras_serializable(package="tfk_tokfrag")
class SeriesDifference(SeriesLayer):
    """The first difference of each series, `x[t + 1] - x[t]`, padding excluded.

    A series of `length` steps gives `length - 1` differences (none for a series of
    one step or none); the steps past them come out as zeros, so a series gives the
    same values alone or in a padded batch, and the jump from a series' last step
    into the padding never appears. MultiRocket (Tan et al., 2022) computes its
    features on the series and on this difference: the difference sees slopes and
    turning points, which are what tells apart shapes that differ only in detail.

    Args:
        lengths_from_padding: when no `lengths` are given, each series ends at its
            last step that is not all zeros (trailing all-zero steps are padding);
            if False, every step of the input counts.
        return_lengths: also return the lengths of the differences: a dict
            `{"series": ..., "length": int32 (batch,)}`, to pass on (e.g. to
            `MiniRocketFeatures`).
        **kwargs: base layer arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: float series `(batch, time, channels)`.
        lengths: optional int `(batch,)` (a scalar for one series): the true
            length of each series.

    Input shape:
        `(batch, time, channels)`, or one series `(time, channels)` (as in
        `Dataset.map` before batching); `time` may be unknown.

    Output shape:
        `(batch, time - 1, channels)` (`time - 1` unknown when `time` is), or the
        dict above with `return_lengths`.

    Example:

    >>> import numpy as np
    >>> x = np.array([[[1.0], [3.0], [2.0], [0.0]]], "float32")  # length 3, then padding
    >>> SeriesDifference()(x).numpy()[0, :, 0].tolist()
    [2.0, -1.0, 0.0]
    """

    def _output_time(self, time):
        return None if time is None else time - 1

    def _check_shape(self, shape) -> bool:
        unbatched = super()._check_shape(shape)
        if shape[-2] is not None and shape[-2] < 1:
            raise ValueError(
                f"SeriesDifference needs at least one time step, received shape {tuple(shape)}"
            )
        return unbatched

    def _series(self, x, lengths):
        lengths = tf.maximum(lengths - 1, 0)
        mask = tf.sequence_mask(lengths, tf.shape(x)[1] - 1)[..., tf.newaxis]
        return tf.where(mask, x[:, 1:] - x[:, :-1], 0.0), lengths
