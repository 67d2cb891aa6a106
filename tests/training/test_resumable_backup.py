"""Backups and saved models survive a crash at any instant of a write."""

import os

import keras
import numpy as np
import pytest

from tfk_tokfrag.training import ResumableBackup, atomic_save_model


def _model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile("adam", "mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.random((16, 4)).astype("float32"), rng.random((16, 3)).astype("float32")


def _restore(model, backup_dir):
    """What `fit` does first in a new process: restore the last backup into `model`."""
    model.build((None, 4))
    restorer = ResumableBackup(backup_dir, delete_checkpoint=False)
    restorer.set_model(model)
    restorer.on_train_begin()
    return restorer.restored_epoch


def test_a_crash_while_writing_a_backup_keeps_the_previous_one(tmp_path):
    x, y = _data()
    model = _model()
    backup = ResumableBackup(tmp_path / "backup", delete_checkpoint=False)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[backup])
    good_weights = [w.copy() for w in model.get_weights()]

    # The next backup dies half-way: a truncated weights file, then the process "dies".
    def crash(filepath, overwrite=True):
        with open(filepath, "wb") as f:
            f.write(b"\x89HDF truncated")
        raise KeyboardInterrupt("killed while writing")

    model.fit(x, y, epochs=1, verbose=0)  # the weights move on
    model.save_weights = crash
    with pytest.raises(KeyboardInterrupt):
        backup.save(epoch=3)

    # A new process restores the last complete backup: epoch 2 and its weights.
    fresh = _model()
    assert _restore(fresh, tmp_path / "backup") == 2
    for a, b in zip(fresh.get_weights(), good_weights, strict=True):
        np.testing.assert_array_equal(a, b)
    # And fit, given the same callback, runs only what was left.
    again = _model()
    history = again.fit(x, y, epochs=3, verbose=0,
                        callbacks=[ResumableBackup(tmp_path / "backup")])
    assert len(history.history["loss"]) == 1


def test_finished_training_removes_its_backups(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[ResumableBackup(tmp_path / "backup", save_freq=1)])
    assert not os.path.exists(tmp_path / "backup")


def test_atomic_save_model_never_leaves_a_broken_file(tmp_path):
    model = _model()
    model.fit(*_data(), epochs=1, verbose=0)  # a trained model, optimizer state included
    path = tmp_path / "model.keras"
    atomic_save_model(model, path)
    before = path.read_bytes()

    class Broken(keras.Model):
        def save(self, filepath, **kwargs):
            with open(filepath, "wb") as f:
                f.write(b"partial")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_save_model(Broken(), path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.keras"]
    reloaded = keras.saving.load_model(path, safe_mode=True)
    for saved, loaded in zip(model.weights + model.optimizer.variables,
                             reloaded.weights + reloaded.optimizer.variables, strict=True):
        np.testing.assert_array_equal(loaded.numpy(), saved.numpy())


def test_resuming_under_mixed_precision_restores_the_optimizer_state(tmp_path):
    # A .keras file of a mixed-precision model reloads without its LossScaleOptimizer
    # state in Keras 3.15; the backups (weights + optimizer variables) must not.
    def mixed_model():
        keras.mixed_precision.set_global_policy("mixed_float16")
        try:
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                                      keras.layers.Activation("linear", dtype="float32")])
        finally:
            keras.mixed_precision.set_global_policy("float32")
        model.compile("adam", "mse")
        return model

    x, y = _data()
    model = mixed_model()
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    model.fit(x, y, epochs=2, batch_size=4, verbose=0,
              callbacks=[ResumableBackup(tmp_path / "backup", delete_checkpoint=False)])
    fresh = mixed_model()
    assert _restore(fresh, tmp_path / "backup") == 2
    assert int(fresh.optimizer.iterations.numpy()) == 8
    for saved, loaded in zip(model.optimizer.variables, fresh.optimizer.variables, strict=True):
        np.testing.assert_array_equal(loaded.numpy(), saved.numpy())


def test_a_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(tmp_path):
    # Dropout draws its masks from a seed generator whose state `save_weights` leaves
    # out; the backup keeps it, so the resumed epochs draw the same masks.
    def dropout_model():
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8),
                                  keras.layers.Dropout(0.5), keras.layers.Dense(3)])
        model.compile("adam", "mse")
        return model

    x, y = _data()
    straight = dropout_model()
    straight.fit(x, y, epochs=4, batch_size=4, shuffle=False, verbose=0)

    interrupted = dropout_model()
    backup_dir = tmp_path / "backup"
    interrupted.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0,
                    callbacks=[ResumableBackup(backup_dir, delete_checkpoint=False)])
    resumed = dropout_model()
    backup = ResumableBackup(backup_dir)
    resumed.fit(x, y, epochs=4, batch_size=4, shuffle=False, verbose=0, callbacks=[backup])
    assert backup.restored_epoch == 2
    for a, b in zip(resumed.variables, straight.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for a, b in zip(resumed.optimizer.variables, straight.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_save_freq_is_validated(tmp_path):
    with pytest.raises(ValueError, match="save_freq must be a positive int"):
        ResumableBackup(tmp_path, save_freq=0)


def _backed_up_then_trained(backup_dir):
    """A model backed up after epoch 1 and trained one more epoch: `(model, backup,
    the weights of the backup)`."""
    x, y = _data()
    model = _model()
    model.fit(x, y, epochs=1, verbose=0)
    backup = ResumableBackup(backup_dir, delete_checkpoint=False)
    backup.set_model(model)
    backup.save(1)
    kept = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=1, verbose=0)
    return model, backup, kept


def _assert_only_the_previous_backup(backup_dir, kept):
    """The half-written backup is gone and the previous one restores `kept`."""
    assert [n for n in os.listdir(backup_dir) if n.startswith("state-")] == [
        os.path.basename(os.path.realpath(os.path.join(backup_dir, "current")))
    ]
    restored = _model()
    assert _restore(restored, backup_dir) == 1
    for a, b in zip(restored.get_weights(), kept, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_full_disk_names_the_backup_and_keeps_the_previous_one(tmp_path, monkeypatch):
    backup_dir = str(tmp_path / "backup")
    model, backup, kept = _backed_up_then_trained(backup_dir)

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(model, "save_weights", no_space)
    with pytest.raises(OSError, match=r"backup of epoch 2 into .*state-.* \(No space left on "
                                      r"device\); the previous backup in .*backup. is kept"):
        backup.save(2)
    _assert_only_the_previous_backup(backup_dir, kept)


@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MB filesystem (tmpfs) at `tmp_path / "disk"`: needs root (as in CI)."""
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
        capture_output=True, timeout=30, check=False,
    ).returncode == 0
    if not mounted:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True, timeout=30,
                       check=False)


def _fill(folder) -> None:
    """Writes into `folder` until its filesystem is full (a real ENOSPC)."""
    with open(os.path.join(folder, "filler"), "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == 28, error


def test_a_really_full_disk_names_the_backup_and_keeps_the_previous_one(small_disk):
    backup_dir = str(small_disk / "backup")
    _, backup, kept = _backed_up_then_trained(backup_dir)
    _fill(small_disk)
    # h5py's own message (several lines) inside ours, hence (?s).
    with pytest.raises(OSError, match=r"(?s)backup of epoch 2 into .*state-.*No space left "
                                      r"on device.*; the previous backup in .*backup. is kept"):
        backup.save(2)
    os.remove(small_disk / "filler")
    _assert_only_the_previous_backup(backup_dir, kept)
