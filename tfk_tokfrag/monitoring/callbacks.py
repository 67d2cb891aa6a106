"""`monitoring_callbacks`: the TensorBoard callbacks of a zoo training run."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import keras
import tensorflow as tf

from tfk_tokfrag.monitoring.confusion_matrix import ConfusionMatrixCallback
from tfk_tokfrag.monitoring.hparams import HParamsCallback
from tfk_tokfrag.monitoring.learning_rate_logger import LearningRateLogger
from tfk_tokfrag.monitoring.token_pictures import TokenPictures, tokenizer_layers


class _TensorBoard(keras.callbacks.TensorBoard):
    """Keras' `TensorBoard`, whose epoch summaries survive an integer `update_freq`.

    With `update_freq=N`, Keras leaves `record_if(step % N == 0)` in force between
    batches, so at the end of an epoch whose last step is not a multiple of N the
    `epoch_*` scalars and weight histograms were silently dropped
    (tensorflow/tensorflow#49109, still so in Keras 3.15). Epoch-end writes are
    recorded unconditionally here.
    """

    def on_epoch_end(self, epoch, logs=None):
        with tf.summary.record_if(True):
            super().on_epoch_end(epoch, logs)


def _is_classifier(model: keras.Model) -> bool:
    """One output of shape `(batch, classes)` (or unknown, for subclassed models)."""
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        return True
    if not outputs:
        return True
    return len(outputs) == 1 and len(outputs[0].shape) == 2


def monitoring_callbacks(
    logdir: str | os.PathLike,
    *,
    model: keras.Model | None = None,
    sample_inputs=None,
    validation_data=None,
    class_names: Sequence[str] | None = None,
    hparams: Mapping[str, object] | None = None,
    update_freq: int | str = 10,
    histogram_freq: int = 1,
    token_pictures_every_n_epochs: int = 0,
    validation_freq: int = 1,
) -> list[keras.callbacks.Callback]:
    """The TensorBoard callbacks of a training run, to pass to `model.fit`.

    - `keras.callbacks.TensorBoard` (a subclass that keeps epoch summaries whatever
      `update_freq` is): `epoch_loss`, `epoch_accuracy`, ... per epoch
      in the `train/` and `validation/` runs under `logdir` (with
      `epoch_learning_rate`, schedules included, in `train/`), `batch_loss`, ...
      every `update_freq` steps, weight histograms every `histogram_freq` epochs
      and the graph;
    - `LearningRateLogger`: `batch_learning_rate` every `update_freq` steps (when
      `update_freq` is an int);
    - `TokenPictures` (with `sample_inputs`): what the model's `PixelTokenizer`,
      `TemporalFragmenter` and `WordTokenizer` layers see for those inputs, at
      train begin; skipped when `model` has none of them;
    - `ConfusionMatrixCallback` (with `validation_data`): the validation confusion
      matrix after every `validation_freq`-th epoch; skipped when `model` is not a
      one-output classifier;
    - `HParamsCallback` (with `hparams`): the run's hyperparameters and final
      metrics for the HParams tab.

    Our callbacks share one summary writer on `logdir` itself. Give each run its
    own `logdir` (e.g. `runs/<name>`) and start TensorBoard on the parent folder
    to compare runs.

    Args:
        logdir: the run folder.
        model: the model to be trained; used to skip what does not apply to it.
        sample_inputs: a fixed batch of model inputs (an array or a dict) to draw.
        validation_data: as `ConfusionMatrixCallback`'s (a dataset or a tuple).
        class_names: class names in id order, for the confusion matrix.
        hparams: hyperparameter names -> values.
        update_freq: log step scalars every this many steps, or `"epoch"` for per
            epoch only.
        histogram_freq: weight histograms every this many epochs (0: none).
        token_pictures_every_n_epochs: redraw the token pictures every n epochs
            (0: at train begin only).
        validation_freq: draw the confusion matrix every this many epochs (as
            `model.fit`'s `validation_freq`).

    Returns:
        A list of callbacks, Keras' `TensorBoard` first.

    Example:

    >>> import tempfile
    >>> callbacks = monitoring_callbacks(tempfile.mkdtemp(), hparams={"lr": 1e-3})
    >>> [type(c).__name__ for c in callbacks[1:]]
    ['LearningRateLogger', 'HParamsCallback']
    >>> isinstance(callbacks[0], keras.callbacks.TensorBoard)
    True
    """
    logdir = os.fspath(logdir)
    callbacks = [
        _TensorBoard(
            log_dir=logdir, histogram_freq=histogram_freq, update_freq=update_freq
        )
    ]
    if update_freq != "epoch":
        callbacks.append(LearningRateLogger(logdir, update_freq=update_freq, log_epochs=False))
    if sample_inputs is not None and (model is None or tokenizer_layers(model)):
        callbacks.append(
            TokenPictures(logdir, sample_inputs, every_n_epochs=token_pictures_every_n_epochs)
        )
    if validation_data is not None and (model is None or _is_classifier(model)):
        callbacks.append(ConfusionMatrixCallback(logdir, validation_data, class_names,
                                                 freq=validation_freq))
    if hparams is not None:
        callbacks.append(HParamsCallback(logdir, hparams))
    return callbacks
