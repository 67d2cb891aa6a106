"""`ResumableBackup`: `BackupAndRestore` whose checkpoints are written atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid

import keras

_CURRENT = "current"
_WEIGHTS = "latest.weights.h5"
_METADATA = "training_metadata.json"


def _fsync_file(path: str) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


class ResumableBackup(keras.callbacks.BackupAndRestore):
    """Backs up the training state every epoch (or N steps); a crash never corrupts it.

    Keras' `BackupAndRestore` writes the weights and then the epoch counter in place:
    a process killed in between leaves weights of one epoch beside the counter of
    another, or a truncated weights file. Here each backup (model and optimizer
    weights plus the epoch counter) is written to a fresh folder, flushed to disk,
    and published by atomically swapping a `current` symlink to it; older backups
    are removed only after that. A training run killed at any instant and started
    again with the same command resumes from the last completed backup.

    Args:
        backup_dir: folder of the backups.
        save_freq: `"epoch"` or a number of training steps.
        delete_checkpoint: remove the backups when training finishes (as Keras does,
            so that running the same command again trains anew).
    """

    def __init__(self, backup_dir: str, save_freq="epoch", delete_checkpoint: bool = True):
        super().__init__(
            os.fspath(backup_dir),
            save_freq=save_freq,
            double_checkpoint=False,
            delete_checkpoint=delete_checkpoint,
        )
        self._current_link = os.path.join(self.backup_dir, _CURRENT)
        self._point_at_current()

    def _point_at_current(self) -> None:
        # The parent class reads these two paths in `_load_model`.
        target = (
            os.path.realpath(self._current_link)
            if os.path.lexists(self._current_link)
            else os.path.join(self.backup_dir, "none")
        )
        self._weights_path = os.path.join(target, _WEIGHTS)
        self._training_metadata_path = os.path.join(target, _METADATA)

    def on_train_begin(self, logs=None):
        self._point_at_current()
        self.restored_epoch = 0
        super().on_train_begin(logs)
        self.restored_epoch = int(getattr(self.model, "_initial_epoch", None) or 0)

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        state_dir = tempfile.mkdtemp(prefix="state-", dir=self.backup_dir)
        weights = os.path.join(state_dir, _WEIGHTS)
        self.model.save_weights(weights, overwrite=True)
        _fsync_file(weights)
        metadata = os.path.join(state_dir, _METADATA)
        with open(metadata, "w", encoding="utf-8") as f:
            json.dump({"epoch": self._current_epoch, "batch": self._last_batch_seen}, f)
            f.flush()
            os.fsync(f.fileno())
        link = os.path.join(self.backup_dir, f".{_CURRENT}-{uuid.uuid4().hex}")
        os.symlink(os.path.basename(state_dir), link)
        os.replace(link, self._current_link)  # the atomic switch
        for name in os.listdir(self.backup_dir):
            if name.startswith("state-") and name != os.path.basename(state_dir):
                shutil.rmtree(os.path.join(self.backup_dir, name), ignore_errors=True)
        self._point_at_current()


def atomic_save_model(model: keras.Model, path: str | os.PathLike) -> str:
    """`model.save(path)` to a temporary file beside `path`, then an atomic rename."""
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = os.path.join(
        os.path.dirname(os.path.abspath(path)), f".tmp-{uuid.uuid4().hex}.keras"
    )
    try:
        model.save(tmp)
        _fsync_file(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path
