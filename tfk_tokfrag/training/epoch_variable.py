"""`EpochVariable`: the current epoch in a `tf.Variable`, for pipelines that depend on it."""

from __future__ import annotations

import keras
import tensorflow as tf


class EpochVariable(keras.callbacks.Callback):
    """Sets `variable` to the epoch at the start of each epoch of `fit`.

    Give `variable` to `load_dataset(..., shuffle_epoch=...)`: each epoch's order then
    depends on the epoch number only, so a run resumed at epoch k (`ResumableBackup`)
    reads the data in the order an uninterrupted run reads it. `fit` makes each
    epoch's iterator after `on_epoch_begin`, so the pass sees the new value.

    Example:

    >>> import numpy as np
    >>> from tfk_tokfrag.data import array_pipeline
    >>> epochs = EpochVariable()
    >>> data = array_pipeline(np.arange(6), np.zeros(6), batch_size=6, shuffle=True,
    ...                       shuffle_epoch=epochs.variable)
    >>> epochs.on_epoch_begin(3)
    >>> first = next(iter(data))[0].numpy().tolist()
    >>> epochs.on_epoch_begin(3)
    >>> first == next(iter(data))[0].numpy().tolist()  # the same order again
    True
    """

    def __init__(self):
        super().__init__()
        self.variable = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")

    def on_epoch_begin(self, epoch, logs=None):
        self.variable.assign(epoch)
