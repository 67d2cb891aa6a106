"""`HParamsCallback`: a run's hyperparameters and final metrics in TensorBoard's HParams tab."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

import numpy as np
import tensorflow as tf
from tensorboard.plugins.hparams import api as hp
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import summary as hp_summary

from tfk_tokfrag.monitoring._writers import SummaryCallback

FINAL_PREFIX = "final/"


def _hparam_value(name: str, value):
    """A value the HParams plugin accepts: bool, int, float or str."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)  # None, tuples, lists, dtypes ... compared as text


class HParamsCallback(SummaryCallback):
    """Records a run's hyperparameters and final metrics for TensorBoard's HParams tab.

    At train begin it writes the hyperparameters (the HParams plugin's session
    start info) into `logdir`; at train end the metrics of the last epoch as
    scalars `final/<name>` (`final/loss`, `final/val_accuracy`, ...) at step = the
    last epoch index, and the session end (status success). Runs written this way
    under one parent folder (`runs/a`, `runs/b`, ...) appear as rows of one table
    when TensorBoard is started on the parent: the plugin gathers every run's
    hyperparameters and offers every scalar as a metric column (`final/*` here,
    and the `epoch_*` scalars of Keras' `TensorBoard` in the `train` and
    `validation` sub-runs). No experiment config is written, so runs with
    different hyperparameter sets still compare.

    Values must be bool, int, float or str (NumPy scalars are converted); other
    values (`None`, tuples, ...) are recorded as their `str()`.

    Args:
        logdir: the run folder (the one given to Keras' `TensorBoard`), or a
            `tf.summary.SummaryWriter` on it.
        hparams: hyperparameter names -> values.
        trial_id: a name for this set of values; default: a hash of them.

    Example:

    >>> import tempfile, keras, numpy as np
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile("sgd", "mse")
    >>> callback = HParamsCallback(tempfile.mkdtemp(), {"optimizer": "sgd", "units": 1})
    >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, callbacks=[callback],
    ...               verbose=0)
    >>> sorted(callback.final_metrics)
    ['final/loss']
    """

    def __init__(
        self,
        logdir: str | os.PathLike | tf.summary.SummaryWriter,
        hparams: Mapping[str, object],
        trial_id: str | None = None,
    ):
        super().__init__(logdir)
        if not isinstance(hparams, Mapping):
            raise ValueError(
                f"hparams must be a mapping of names to values. Received: hparams={hparams!r}"
            )
        self.hparams = {str(k): _hparam_value(str(k), v) for k, v in hparams.items()}
        self.trial_id = trial_id
        hp.hparams_pb(self.hparams, trial_id=trial_id)  # fail fast on bad values
        self.final_metrics = {}
        self._last_epoch = 0
        self._last_logs = {}

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        with self._writing():
            hp.hparams(self.hparams, trial_id=self.trial_id, start_time_secs=time.time())

    def on_epoch_end(self, epoch, logs=None):
        self._last_epoch = epoch
        self._last_logs = dict(logs or {})

    def on_train_end(self, logs=None):
        logs = dict(logs or self._last_logs)
        self.log_metrics(logs, step=self._last_epoch)
        with self._writing():
            end = hp_summary.session_end_pb(api_pb2.STATUS_SUCCESS)
            tf.summary.experimental.write_raw_pb(end.SerializeToString(), step=0)
        super().on_train_end(logs)

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        """Writes `final/<name>` scalars, e.g. a test accuracy measured after `fit`."""
        with self._writing():
            for name, value in metrics.items():
                value = np.asarray(value)
                if value.size != 1 or not np.issubdtype(value.dtype, np.number):
                    continue
                tag = FINAL_PREFIX + str(name)
                tf.summary.scalar(tag, float(value.reshape(())), step=step)
                self.final_metrics[tag] = float(value.reshape(()))
