"""`compile_classifier` and `fit_classifier`: the zoo's training recipe around `fit`."""

from __future__ import annotations

import os

import keras
import tensorflow as tf

from tfk_tokfrag import _keras_internals, _validation
from tfk_tokfrag.models import adapt_model
from tfk_tokfrag.monitoring import monitoring_callbacks
from tfk_tokfrag.training.model_inputs import select_model_inputs

# Under a tf.distribute strategy, Keras builds the model from the first batch averaged
# over the replicas, which fails for text and variable-length video; this reads one
# replica's batch instead (no effect without a strategy). See `_keras_internals`.
_keras_internals.patch_distributed_symbolic_build()
# Under MultiWorkerMirroredStrategy on several workers, Keras' reduction of each step's
# loss and metrics fails (keras-team/keras#20585); this takes the mean over replicas.
_keras_internals.patch_multi_worker_reduction()


def compile_classifier(
    model: keras.Model,
    *,
    total_steps: int,
    learning_rate: float = 1e-3,
    weight_decay: float = 1e-4,
    ema_momentum: float | None = None,
    jit_compile: bool | str = "auto",
) -> keras.Model:
    """Compiles a logits classifier with AdamW and a cosine learning-rate decay.

    Loss: sparse categorical cross-entropy from logits; metric: accuracy.
    `total_steps` (epochs x steps per epoch) sets the length of the cosine decay.
    With `ema_momentum`, the optimizer keeps an exponential moving average of the
    weights, which `fit` puts in the model's weights when it ends.
    """
    if total_steps < 1:
        raise ValueError(f"total_steps must be >= 1. Received: total_steps={total_steps}")
    if ema_momentum is not None and not 0.0 < ema_momentum < 1.0:
        raise ValueError(
            f"ema_momentum must be None or in (0, 1). Received: ema_momentum={ema_momentum}"
        )
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=total_steps)
    model.compile(
        optimizer=keras.optimizers.AdamW(
            schedule,
            weight_decay=weight_decay,
            use_ema=ema_momentum is not None,
            ema_momentum=0.99 if ema_momentum is None else ema_momentum,
        ),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        jit_compile=jit_compile,
    )
    return model


def steps_per_epoch(dataset: tf.data.Dataset | tf.distribute.DistributedDataset) -> int:
    """Number of batches of a finite dataset (counted once if TF does not know it);
    of a distributed dataset, the steps TensorFlow counts for this worker."""
    if isinstance(dataset, tf.distribute.DistributedDataset):
        return int(dataset.cardinality)
    n = int(dataset.cardinality())
    if n < 0:
        n = int(dataset.reduce(0, lambda count, _: count + 1))
    return n


def fit_classifier(
    model: keras.Model,
    train_data: tf.data.Dataset,
    *,
    epochs: int,
    validation_data: tf.data.Dataset | None = None,
    validation_freq: int = 1,
    logdir: str | os.PathLike | None = None,
    callbacks: list | None = None,
    learning_rate: float = 1e-3,
    weight_decay: float = 1e-4,
    ema_momentum: float | None = None,
    jit_compile: bool | str = "auto",
    verbose: int | str = 1,
    initial_epoch: int = 0,
    sample_inputs=None,
    class_names=None,
    hparams: dict | None = None,
    update_freq: int | str = 10,
) -> keras.callbacks.History:
    """Compiles `model` with the zoo recipe and trains it with plain `model.fit`.

    The data is made to fit the model first: a model with named inputs gets exactly
    those (`select_model_inputs`), and a `WordTokenizer` without a vocabulary adapts
    one on the training data, as do `MiniRocketFeatures` (`adapt_model`).

    With `logdir`, `monitoring_callbacks` log to TensorBoard: scalars per epoch and
    every `update_freq` steps (learning rate included), weight histograms, the
    hyperparameters (HParams plugin), pictures of what the tokenizers make of
    `sample_inputs`, and a confusion matrix of `validation_data`.

    `validation_data` is evaluated (and its confusion matrix drawn) after every
    `validation_freq`-th epoch: with many short epochs, evaluating a larger test set
    after each one can cost more than the training. `verbose=1` shows Keras' progress
    bar. `ema_momentum`: `compile_classifier`'s moving average of the weights (off by
    default).
    """
    _validation.positive_int("validation_freq", validation_freq)
    train_data = select_model_inputs(train_data, model)
    if validation_data is not None:
        validation_data = select_model_inputs(validation_data, model)
    adapt_model(model, train_data)
    compile_classifier(
        model,
        total_steps=max(1, epochs * steps_per_epoch(train_data)),
        learning_rate=learning_rate,
        weight_decay=weight_decay,
        ema_momentum=ema_momentum,
        jit_compile=jit_compile,
    )
    callbacks = list(callbacks or [])
    if logdir is not None:
        callbacks += monitoring_callbacks(
            os.fspath(logdir),
            model=model,
            sample_inputs=sample_inputs,
            validation_data=validation_data,
            class_names=class_names,
            hparams=hparams,
            update_freq=update_freq,
            validation_freq=validation_freq,
        )
    return model.fit(
        train_data,
        epochs=epochs,
        validation_data=validation_data,
        validation_freq=validation_freq,
        callbacks=callbacks,
        verbose=verbose,
        initial_epoch=initial_epoch,
        shuffle=False,  # the tf.data pipeline shuffles, seeded
    )
