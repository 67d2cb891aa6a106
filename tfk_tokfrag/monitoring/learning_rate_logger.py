"""`LearningRateLogger`: the optimizer's learning rate as a TensorBoard scalar."""

from __future__ import annotations

import os

import keras
import numpy as np
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.monitoring._writers import SummaryCallback


def _base_optimizer(optimizer):
    """Unwraps a `LossScaleOptimizer` (mixed precision)."""
    while hasattr(optimizer, "inner_optimizer"):
        optimizer = optimizer.inner_optimizer
    return optimizer


def _current_learning_rate(optimizer) -> float:
    """The learning rate the optimizer applies at its next step (schedules included)."""
    rate = _base_optimizer(optimizer).learning_rate
    return float(np.asarray(keras.ops.convert_to_numpy(rate)))


class LearningRateLogger(SummaryCallback):
    """Logs the optimizer's learning rate to TensorBoard, per step and per epoch.

    The value comes from `optimizer.learning_rate`, which evaluates a
    `LearningRateSchedule` at the optimizer's current iteration, so schedules
    (such as the zoo's cosine decay) show as they run; a `LossScaleOptimizer` is
    unwrapped.

    Every `update_freq` optimizer steps, the scalar `batch_learning_rate` holds the
    learning rate used by that step, at TensorBoard step = the optimizer's
    iteration count after the update (the x axis of Keras' `batch_loss` in a run
    that starts from scratch; it keeps counting when a run resumes). With
    `log_epochs`, `epoch_learning_rate` holds the learning rate at the end of each
    epoch, at step = epoch index, as Keras' `TensorBoard` writes it into its
    `train/` run: leave `log_epochs=False` when that callback is also in use (as
    `monitoring_callbacks` does), to get one line per run.

    Args:
        logdir: the run folder to write into, or a `tf.summary.SummaryWriter`.
        update_freq: log every this many steps (a positive int), or `"epoch"` to log
            only per epoch.
        log_epochs: also log `epoch_learning_rate` at each epoch end.

    Example:

    >>> import tempfile, keras, numpy as np
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5)
    >>> model.compile(keras.optimizers.SGD(schedule), "mse")
    >>> logger = LearningRateLogger(tempfile.mkdtemp(), update_freq=1)
    >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), batch_size=2, epochs=1,
    ...               callbacks=[logger], verbose=0)
    >>> step, rate = logger.last_logged  # step 2 applied 0.1 * 0.5 ** 1
    >>> step, round(rate, 6)
    (2, 0.05)
    """

    def __init__(
        self,
        logdir: str | os.PathLike | tf.summary.SummaryWriter,
        update_freq: int | str = "epoch",
        log_epochs: bool = True,
    ):
        super().__init__(logdir)
        if update_freq != "epoch" and not _validation.is_positive_int(update_freq):
            raise ValueError(
                "update_freq must be a positive int or 'epoch'. "
                f"Received: update_freq={update_freq!r}"
            )
        self.update_freq = update_freq
        self.log_epochs = bool(log_epochs)
        self.last_logged = None  # (step, value) of the last batch_learning_rate
        self._step = 0
        self._pending = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))

    def on_train_batch_begin(self, batch, logs=None):
        self._pending = None
        if self.update_freq != "epoch" and (self._step + 1) % self.update_freq == 0:
            # Read before the update: the rate this step applies.
            self._pending = _current_learning_rate(self.model.optimizer)

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self._pending is not None:
            with self._writing():
                tf.summary.scalar("batch_learning_rate", self._pending, step=self._step)
            self.last_logged = (self._step, self._pending)
            self._pending = None

    def on_epoch_end(self, epoch, logs=None):
        if self.log_epochs:
            with self._writing():
                tf.summary.scalar(
                    "epoch_learning_rate",
                    _current_learning_rate(self.model.optimizer),
                    step=epoch,
                )
