"""`train_model`: one call from a zoo name to a trained, logged, exported model."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import tempfile
import time

import keras
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.data import dataset_info, load_dataset
from tfk_tokfrag.data.class_folders import check_holdout
from tfk_tokfrag.data.registry import is_folder
from tfk_tokfrag.export import export_saved_model
from tfk_tokfrag.models import adapt_model, get_entry, get_model
from tfk_tokfrag.training.data_service import distribute_pipeline, service_address
from tfk_tokfrag.training.distribute import (
    DEFAULT_PEER_TIMEOUT,
    WorkerFiles,
    file_sharded_dataset,
    plan_file_sharding,
    resolve_strategy,
    shard_by_data,
)
from tfk_tokfrag.training.epoch_variable import EpochVariable
from tfk_tokfrag.training.evaluate import evaluate_model
from tfk_tokfrag.training.fit import fit_classifier
from tfk_tokfrag.training.model_inputs import select_model_inputs
from tfk_tokfrag.training.resumable_backup import (
    ResumableBackup,
    atomic_save_model,
)


@dataclasses.dataclass
class TrainResult:
    """What `train_model` produced."""

    model: keras.Model
    history: dict
    test_accuracy: float
    train_seconds: float
    initial_epoch: int
    epochs: int
    class_names: list[str]
    keras_path: str | None = None
    export_path: str | None = None


def load_splits(dataset: str, batch_size: int, seed: int, data_dir: str | None = None,
                shuffle_epoch: tf.Variable | None = None, channels: int | None = None,
                holdout: float | None = None):
    """`(train, test, dataset_info)` batched pipelines of a named dataset or a folder
    (`channels`: what a folder's images or videos decode to; `holdout`: the fraction
    of a folder without split folders that is its test split)."""
    info = dataset_info(dataset)
    options = {"seed": seed, "data_dir": data_dir, "channels": channels, "holdout": holdout}
    train = load_dataset(dataset, "train", batch_size, shuffle_epoch=shuffle_epoch, **options)
    test = load_dataset(dataset, "test", max(batch_size, 128), **options)
    return train, test, info


def check_writable(path: str | os.PathLike | None, what: str) -> None:
    """Makes the folder `path` (if missing) and writes a file in it, so that an output
    folder that cannot be written fails before training, not after it.

    Raises:
        OSError: of the kind the system gave (`PermissionError`, `NotADirectoryError`,
            no space left, ...), naming `what` and the path.
    """
    if path is None:
        return
    path = os.fspath(path)
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except OSError as error:
        raise type(error)(
            error.errno, f"{what} {path!r} cannot be written ({error.strerror}); "
            "nothing was trained"
        ) from None


def _is_finite(value) -> bool:
    return _validation.is_real(value) and math.isfinite(value)


def _pixel_channels(model: keras.Model) -> int | None:
    """The channels of the model's one image or video input (`None` if it has none)."""
    inputs = model.input if isinstance(model.input, dict) else {"": model.input}
    shapes = [tuple(x.shape) for x in inputs.values() if x.dtype == "uint8"]
    return shapes[0][-1] if len(shapes) == 1 else None


def train_model(
    model_name: str,
    *,
    dataset: str | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    learning_rate: float | None = None,
    weight_decay: float | None = None,
    validation_freq: int | None = None,
    overrides: dict | None = None,
    logdir: str | None = None,
    export: str | None = None,
    checkpoint_dir: str | None = None,
    checkpoint_every_steps: int | None = None,
    seed: int = 42,
    mixed_precision: str | None = None,
    jit_compile: bool | str = "auto",
    max_steps_per_epoch: int | None = None,
    data_dir: str | None = None,
    callbacks: list | None = None,
    verbose: int | str = 1,
    deterministic: bool = False,
    strategy=None,
    peer_timeout: float = DEFAULT_PEER_TIMEOUT,
    data_service: str | None = None,
    holdout: float | None = None,
) -> TrainResult:
    """Trains the zoo entry `model_name` with `model.fit`, resumably, and exports it.

    Everything not given comes from the entry's recipe (`get_entry(name).training`).
    `dataset` (default: the entry's) is a name or a path (`load_dataset`); a folder of
    class folders without split folders needs `holdout`, the fraction of each class's
    files kept out of training as the test split (e.g. 0.2).
    The test split is evaluated after every `validation_freq`-th epoch (the recipe's)
    and once more at the end, for the result.
    With `checkpoint_dir`, the training state is backed up atomically every epoch
    (and every `checkpoint_every_steps` steps if given); a run killed at any point and
    started again with the same arguments resumes from the last backup. The trained
    model is saved to `checkpoint_dir/model.keras` and, with `export`, exported as a
    SavedModel with its test accuracy in the metadata. With `logdir`, TensorBoard
    gets scalars, histograms, hyperparameters and pictures of the tokens.

    With `deterministic=True`, TensorFlow's op determinism is switched on for the
    process (`tf.config.experimental.enable_op_determinism`, slower on some ops):
    the same arguments then give the same weights bit for bit, and a run killed and
    resumed from its backups ends with the same weights as an uninterrupted one.

    `strategy`: `None`, `"mirrored"` (every device of this machine, data parallel),
    `"multi_worker"` (the cluster `TF_CONFIG` describes; every worker runs the same
    call, and waits at most `peer_timeout` seconds for the others) or a
    `tf.distribute.Strategy` (`resolve_strategy`): the model is built, compiled and
    trained in its scope; `batch_size` is the global batch. On a cluster the workers
    split the examples of one pipeline, or, for sharded TFRecords, each read their
    own files (`file_sharding`). Only the chief writes `logdir`, `checkpoint_dir` and
    `export`; the other workers write to temporary folders they remove, and all
    resume from the chief's backups.

    `data_service`: the address (`host:port`) of a `tf.data` service dispatcher: the
    training pipeline (reading, decoding, shuffling, batching) then runs on its
    workers (`tfk_tokfrag.training.data_service`). Its order is then reshuffled every
    epoch rather than a function of the epoch, so a resumed run reads other orders
    than an uninterrupted one. Not with `strategy="multi_worker"`.

    The CLI (`tfk-tokfrag train`), the demo and the zoo catalogue all train through
    this one function.
    """
    entry = get_entry(model_name)
    recipe = dict(entry.training)
    for key, value in (
        ("epochs", epochs),
        ("batch_size", batch_size),
        ("learning_rate", learning_rate),
        ("weight_decay", weight_decay),
        ("validation_freq", validation_freq),
    ):
        if value is not None:
            recipe[key] = value
    dataset = dataset or entry.dataset
    _validation.positive_int("epochs", recipe["epochs"])
    _validation.positive_int("batch_size", recipe["batch_size"])
    _validation.positive_int("validation_freq", recipe["validation_freq"])
    rate, decay = recipe["learning_rate"], recipe["weight_decay"]
    if not (_is_finite(rate) and rate > 0):
        raise ValueError(f"learning_rate must be a finite number > 0. Received: "
                         f"learning_rate={rate!r}")
    if not (_is_finite(decay) and decay >= 0):
        raise ValueError(f"weight_decay must be a finite number >= 0. Received: "
                         f"weight_decay={decay!r}")
    _validation.positive_int("max_steps_per_epoch", max_steps_per_epoch, allow_none=True)
    check_holdout(holdout)

    if mixed_precision not in (None, "mixed_float16", "mixed_bfloat16"):
        raise ValueError(
            "mixed_precision must be 'mixed_float16' or 'mixed_bfloat16'. "
            f"Received: mixed_precision={mixed_precision!r}"
        )
    _validation.check_bool("deterministic", deterministic)
    if data_service is not None:
        data_service = service_address(data_service)
        if strategy == "multi_worker" or isinstance(
                strategy, tf.distribute.MultiWorkerMirroredStrategy):
            raise ValueError(
                "data_service cannot be combined with strategy='multi_worker' yet: each "
                "worker would read every example. Use one of them."
            )
    # First: a multi-worker strategy must exist before TensorFlow runs anything.
    strategy = resolve_strategy(strategy, peer_timeout=peer_timeout)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(seed)
    files = WorkerFiles(strategy)
    try:
        return _train(model_name, entry, recipe, dataset, strategy, files, logdir=logdir,
                      export=export, checkpoint_dir=checkpoint_dir,
                      checkpoint_every_steps=checkpoint_every_steps, seed=seed,
                      mixed_precision=mixed_precision, jit_compile=jit_compile,
                      max_steps_per_epoch=max_steps_per_epoch, data_dir=data_dir,
                      callbacks=callbacks, verbose=verbose, overrides=overrides,
                      data_service=data_service, holdout=holdout)
    finally:
        files.cleanup()


def _train(model_name, entry, recipe, dataset, strategy, files, *, logdir, export,
           checkpoint_dir, checkpoint_every_steps, seed, mixed_precision, jit_compile,
           max_steps_per_epoch, data_dir, callbacks, verbose, overrides,
           data_service, holdout) -> TrainResult:
    scope = strategy.scope if strategy is not None else contextlib.nullcontext
    previous_policy = keras.mixed_precision.dtype_policy()
    if mixed_precision:
        keras.mixed_precision.set_dtype_policy(mixed_precision)
    try:
        # Each epoch's order depends on the epoch alone, so a resumed run reads what an
        # uninterrupted one reads.
        epoch_variable = EpochVariable()
        with scope():
            model = get_model(model_name, **(overrides or {}))
        # A folder of images or videos decodes to the channels the model takes (a grey
        # model reads .mp4 files, which hold colour, as grey).
        channels = _pixel_channels(model) if is_folder(dataset) else None
        # Sharded TFRecords on a cluster: each worker reads its own files.
        sharding, why_not_by_file = (None, None) if data_service else plan_file_sharding(
            dataset, strategy, recipe["batch_size"], max_steps_per_epoch)
        # The service's workers cannot read a variable of this process.
        train, test, info = load_splits(
            dataset, recipe["batch_size"], seed, data_dir, channels=channels,
            shuffle_epoch=None if data_service else epoch_variable.variable, holdout=holdout,
        )
        train, test = select_model_inputs(train, model), select_model_inputs(test, model)
        train, test = shard_by_data(train, strategy), shard_by_data(test, strategy)
        if sharding is not None:
            with scope():  # one vocabulary for the cluster, from all the files
                adapt_model(model, train)

            def own_files(context, per_replica_batch):
                return select_model_inputs(load_dataset(
                    dataset, "train", per_replica_batch, seed=seed, data_dir=data_dir,
                    channels=channels, shuffle_epoch=epoch_variable.variable,
                    input_context=context, drop_remainder=True,
                ), model)

            train = file_sharded_dataset(sharding, strategy, own_files)
        if data_service:
            # Several service workers each batch their share: re-cut on this side.
            train = distribute_pipeline(train, data_service, batch_size=recipe["batch_size"])
        if max_steps_per_epoch and sharding is None:  # (file sharding counts its own)
            train = train.take(max_steps_per_epoch)
    finally:
        keras.mixed_precision.set_dtype_policy(previous_policy)

    # The model and data are good: an output folder that cannot be written fails now,
    # before training, not after it.
    for path, what in ((logdir, "logdir"), (checkpoint_dir, "checkpoint_dir"),
                       (export and os.path.dirname(os.path.abspath(export)),
                        "the export's folder")):
        check_writable(files.path(path) if path else None, what)
    all_callbacks = [epoch_variable, *(callbacks or [])]
    backup = None
    if checkpoint_dir:
        backup_dir = os.path.join(checkpoint_dir, "backup")
        backup = ResumableBackup(
            files.path(backup_dir),
            save_freq=checkpoint_every_steps or "epoch",
            restore_dir=backup_dir,
        )
        all_callbacks.append(backup)
    # A few test inputs for the TensorBoard pictures and to verify the export, from an
    # uncached pipeline of their own: a partly read iterator over the cached `test`
    # pipeline must not exist while `fit` reads it.
    peek = load_dataset(dataset, "test", 4, seed=seed, data_dir=data_dir, shuffle=False,
                        cache=False, channels=channels, holdout=holdout)
    samples = next(iter(select_model_inputs(peek, model)))[0]
    if sharding is not None and verbose:
        print(f"Worker {sharding.worker} of {len(sharding.examples)} reads its own TFRecord "
              f"files ({sharding.examples[sharding.worker]} examples): {sharding.steps} "
              "steps an epoch on every worker.")
    elif why_not_by_file and verbose:
        print(f"Every worker reads all the TFRecord files and keeps its part of each "
              f"batch (not its own files: {why_not_by_file}).")
    start = time.perf_counter()
    with scope():
        history = fit_classifier(  # adapts (adapt_model), compiles, monitors, fits
            model,
            train,
            epochs=recipe["epochs"],
            validation_data=test,
            validation_freq=recipe["validation_freq"],
            logdir=files.path(logdir),
            callbacks=all_callbacks,
            learning_rate=recipe["learning_rate"],
            weight_decay=recipe["weight_decay"],
            jit_compile=jit_compile,
            verbose=verbose,
            sample_inputs=samples if logdir else None,
            class_names=info["class_names"],
            hparams={
                "model": model_name,
                "dataset": dataset,
                "seed": seed,
                "mixed_precision": mixed_precision or "float32",
                **recipe,
            },
        )
    train_seconds = time.perf_counter() - start
    accuracy = evaluate_model(model, test).value

    keras_path = None
    if checkpoint_dir:
        keras_path = atomic_save_model(
            model, os.path.join(files.path(checkpoint_dir), "model.keras"))
    if export:
        export_saved_model(
            model,
            files.path(export),
            class_names=info["class_names"],
            model_name=model_name,
            metrics={"test_accuracy": accuracy, "dataset": dataset,
                     **({} if holdout is None else {"holdout": holdout})},
            verify_inputs=samples,
        )
    return TrainResult(
        model=model,
        history=history.history,
        test_accuracy=accuracy,
        train_seconds=train_seconds,
        initial_epoch=backup.restored_epoch if backup else 0,
        epochs=recipe["epochs"],
        class_names=list(info["class_names"] or []),  # TFRecords may name none
        keras_path=keras_path if files.chief else None,
        export_path=export if files.chief else None,
    )
