"""One summary writer per log directory, shared by the monitoring callbacks.

Several callbacks write into the same run folder; with one writer each they would
write several event files side by side, and TensorBoard's default loader only
follows the newest file of a folder while training runs. They share one writer
instead: each callback `acquire`s it at train begin and `release`s it at train end;
the last release closes it.
"""

from __future__ import annotations

import contextlib
import os
import threading

import keras
import tensorflow as tf

_lock = threading.Lock()
_writers: dict[str, list] = {}  # abspath -> [writer, users]


def resolve(logdir) -> str | tf.summary.SummaryWriter:
    """A path as an absolute `str`; a `SummaryWriter` as is."""
    if isinstance(logdir, tf.summary.SummaryWriter):
        return logdir
    if not isinstance(logdir, str | os.PathLike):
        raise ValueError(
            "logdir must be a path or a tf.summary.SummaryWriter. "
            f"Received: logdir={logdir!r}"
        )
    return os.path.abspath(os.fspath(logdir))


def acquire(logdir) -> tf.summary.SummaryWriter:
    """The shared writer of `logdir` (a resolved path or a writer)."""
    if isinstance(logdir, tf.summary.SummaryWriter):
        return logdir
    with _lock:
        entry = _writers.get(logdir)
        if entry is None:
            entry = _writers[logdir] = [tf.summary.create_file_writer(logdir), 0]
        entry[1] += 1
        return entry[0]


def release(logdir) -> None:
    """Flushes; closes the writer of a path when its last user releases it."""
    if isinstance(logdir, tf.summary.SummaryWriter):
        logdir.flush()
        return
    with _lock:
        entry = _writers.get(logdir)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del _writers[logdir]
            entry[0].close()
        else:
            entry[0].flush()


class SummaryCallback(keras.callbacks.Callback):
    """Base of the monitoring callbacks: holds the shared writer during `fit`."""

    def __init__(self, logdir):
        super().__init__()
        self._logdir = resolve(logdir)
        self._writer = None

    @property
    def logdir(self):
        return self._logdir

    def _open_writer(self) -> None:
        if self._writer is None:
            self._writer = acquire(self._logdir)

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer = None
            release(self._logdir)

    @contextlib.contextmanager
    def _writing(self):
        """Default writer, recording on (Keras' TensorBoard may have set `record_if`)."""
        temporary = self._writer is None
        self._open_writer()
        try:
            with self._writer.as_default(), tf.summary.record_if(True):
                yield
        finally:
            if temporary:
                self._close_writer()

    def on_train_begin(self, logs=None):
        self._open_writer()

    def on_train_end(self, logs=None):
        self._close_writer()
