"""A process killed (SIGKILL) while it writes backups leaves the last complete one:
it restores, at the epoch of the last backup published before the kill or later."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import keras
import pytest

from tfk_tokfrag.training import ResumableBackup, read_backup_epoch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Writes backups of epochs 1, 2, 3, ... as fast as it can, saying when each is published.
_BACKER = textwrap.dedent(
    """
    import sys
    import keras
    from tfk_tokfrag.training import ResumableBackup
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(512),
                              keras.layers.Dense(64)])
    model.compile("adam", "mse")
    model.optimizer.build(model.trainable_variables)
    backup = ResumableBackup(sys.argv[1], delete_checkpoint=False)
    backup.set_model(model)
    for epoch in range(1, 100000):
        for w in model.trainable_variables:
            w.assign(w + 1.0)
        backup.save(epoch)
        print("published", epoch, flush=True)
    """
)


@pytest.mark.large
@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.11])
def test_a_kill_while_writing_backups_leaves_the_last_complete_one(tmp_path, delay):
    backup_dir = str(tmp_path / "backup")
    process = subprocess.Popen(
        [sys.executable, "-c", _BACKER, backup_dir], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    published = 0
    try:
        deadline = time.monotonic() + 120
        while published < 3 and time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line or process.poll() is None, "the writer ended"
            if line.startswith("published"):
                published = int(line.split()[1])
        assert published >= 3, "no backups within 120 s"
        time.sleep(delay)  # into a later backup: weights, random state, metadata, swap
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    epoch = read_backup_epoch(backup_dir)
    assert epoch >= published
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(512),
                              keras.layers.Dense(64)])
    model.compile("adam", "mse")
    restorer = ResumableBackup(backup_dir, delete_checkpoint=False)
    restorer.set_model(model)
    restorer.on_train_begin()
    assert restorer.restored_epoch == epoch
    # Every weight was raised by 1 per epoch from its initial value: the bias (zeros
    # at first) holds the epoch of the backup exactly.
    assert float(model.layers[0].bias.numpy()[0]) == float(epoch)
