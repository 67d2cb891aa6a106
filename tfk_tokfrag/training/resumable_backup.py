"""`ResumableBackup`: `BackupAndRestore` whose backups are atomic and exact."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid

import keras
import numpy as np

from tfk_tokfrag import _keras_internals, _stale_files, _validation

_CURRENT = "current"
_WEIGHTS = "latest.weights.h5"
_RANDOM_STATE = "random_state.npz"
_METADATA = "training_metadata.json"


def _fsync_file(path: str) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _random_state_variables(model: keras.Model) -> list:
    """The model's state that `save_weights` leaves out: its random generators.

    `model.variables` is `model.weights` plus the `SeedGenerator` states of layers
    such as `Dropout` and random augmentations (Keras' own definition). Without them
    a resumed run draws other dropout masks than an uninterrupted one.
    """
    weights = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def read_backup_epoch(backup_dir: str | os.PathLike) -> int:
    """The epoch the last complete backup in `backup_dir` resumes at (0 if none)."""
    path = os.path.join(os.fspath(backup_dir), _CURRENT, _METADATA)
    try:
        with open(path, encoding="utf-8") as f:
            return int(json.load(f)["epoch"])
    except FileNotFoundError:
        return 0


class ResumableBackup(keras.callbacks.Callback):
    """Backs up the training state every epoch (or N steps); a crash never corrupts it.

    The same contract as Keras' `BackupAndRestore`: `fit` given this callback first
    restores the last backup in `backup_dir` and continues from the epoch after it,
    so a run killed at any instant and started again with the same command resumes.
    Two things differ:

    - Atomic: Keras writes the weights and then the epoch counter in place, so a
      process killed in between leaves weights of one epoch beside the counter of
      another, or a truncated weights file. Here each backup is written to a fresh
      folder, flushed to disk, and published by atomically swapping a `current`
      symlink to it; older backups are removed only after that.
    - Exact: a backup holds the model and optimizer weights, the epoch counter *and*
      the state of the model's random generators (dropout, augmentation), which
      `save_weights` leaves out. With op determinism on and a pipeline whose order
      depends only on the epoch (`tfk_tokfrag.training.train_model` arranges that),
      a resumed run ends with the same weights as an uninterrupted one.

    With `save_freq=N` steps, a run resumed from a mid-epoch backup restarts that
    epoch from its first batch with the mid-epoch weights, as Keras does.

    Args:
        backup_dir: folder of the backups.
        save_freq: `"epoch"` or a number of training steps.
        delete_checkpoint: remove the backups when training finishes (as Keras does,
            so that running the same command again trains anew).
        restore_dir: the folder to restore from, if not `backup_dir`. The workers of a
            multi-worker cluster other than the chief write their backups to private
            folders and all restore the chief's, so that every worker resumes at the
            same epoch with the same weights (on several machines the chief's folder
            must be on storage they share).

    Attributes:
        restored_epoch: after `on_train_begin`, the epoch training resumed at
            (0 when there was no backup).
    """

    def __init__(self, backup_dir: str | os.PathLike, save_freq="epoch",
                 delete_checkpoint: bool = True,
                 restore_dir: str | os.PathLike | None = None):
        super().__init__()
        if save_freq != "epoch":
            _validation.positive_int("save_freq", save_freq)
        self.backup_dir = os.fspath(backup_dir)
        self.restore_dir = os.fspath(restore_dir) if restore_dir is not None else self.backup_dir
        self.save_freq = save_freq
        self.delete_checkpoint = _validation.check_bool("delete_checkpoint", delete_checkpoint)
        self.restored_epoch = 0
        self._epoch = 0
        self._steps_since_backup = 0

    @property
    def _current(self) -> str:
        return os.path.join(self.backup_dir, _CURRENT)

    def on_train_begin(self, logs=None):
        self.restored_epoch = self.restore(self.model)
        self._epoch = self.restored_epoch
        self._steps_since_backup = 0
        if self.restored_epoch:
            _keras_internals.set_initial_epoch(self.model, self.restored_epoch)

    def restore(self, model: keras.Model) -> int:
        """Loads the last complete backup into `model`; returns its epoch (0 if none)."""
        epoch = read_backup_epoch(self.restore_dir)
        restore_current = os.path.join(self.restore_dir, _CURRENT)
        if not epoch and not os.path.lexists(restore_current):
            return 0
        if not model.built:
            raise ValueError(
                "To restore a backup, the model must be built before `fit()`. "
                f"Model {model.name!r} is not built."
            )
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)  # so its state can load
        current = os.path.realpath(restore_current)
        model.load_weights(os.path.join(current, _WEIGHTS))
        random_state = os.path.join(current, _RANDOM_STATE)
        if os.path.exists(random_state):
            with np.load(random_state) as saved:
                for i, variable in enumerate(_random_state_variables(model)):
                    if f"v{i}" in saved:
                        variable.assign(saved[f"v{i}"])
        return epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._steps_since_backup += 1
        if self._steps_since_backup >= self.save_freq:
            self._steps_since_backup = 0
            self.save(self._epoch)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self._epoch = epoch + 1
        if self.save_freq == "epoch":
            self.save(self._epoch)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint:
            shutil.rmtree(self.backup_dir, ignore_errors=True)

    def save(self, epoch: int) -> None:
        """Writes a backup that resumes at `epoch`, and publishes it atomically."""
        os.makedirs(self.backup_dir, exist_ok=True)
        state_dir = tempfile.mkdtemp(prefix="state-", dir=self.backup_dir)
        try:
            self._write_state(state_dir, epoch)
        except OSError as error:  # a full disk, a folder gone: keep the last backup
            shutil.rmtree(state_dir, ignore_errors=True)
            raise type(error)(
                error.errno, f"Could not write the backup of epoch {epoch} into "
                f"{state_dir!r} ({error.strerror or error}); the previous backup in "
                f"{self.backup_dir!r} is kept"
            ) from error
        link = os.path.join(self.backup_dir, f".{_CURRENT}-{uuid.uuid4().hex}")
        os.symlink(os.path.basename(state_dir), link)
        os.replace(link, self._current)  # the atomic switch
        for name in os.listdir(self.backup_dir):
            if name.startswith("state-") and name != os.path.basename(state_dir):
                shutil.rmtree(os.path.join(self.backup_dir, name), ignore_errors=True)

    def _write_state(self, state_dir: str, epoch: int) -> None:
        weights = os.path.join(state_dir, _WEIGHTS)
        self.model.save_weights(weights, overwrite=True)
        _fsync_file(weights)
        random_state = os.path.join(state_dir, _RANDOM_STATE)
        np.savez(random_state, **{
            f"v{i}": np.asarray(v.numpy())
            for i, v in enumerate(_random_state_variables(self.model))
        })
        _fsync_file(random_state)
        metadata = os.path.join(state_dir, _METADATA)
        with open(metadata, "w", encoding="utf-8") as f:
            json.dump({"epoch": int(epoch)}, f)
            f.flush()
            os.fsync(f.fileno())


def atomic_save_model(model: keras.Model, path: str | os.PathLike) -> str:
    """`model.save(path)` to a temporary file beside `path`, then an atomic rename."""
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    _stale_files.remove_stale(path)  # what a save killed mid-write left
    tmp = os.path.join(
        os.path.dirname(os.path.abspath(path)),
        f"{_stale_files.temp_prefix(path)}{uuid.uuid4().hex}.keras",
    )
    try:
        model.save(tmp)
        _fsync_file(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path
