"""A process killed (SIGKILL) while it writes backups leaves the last complete one:
it restores, at the epoch of the last backup published before the kill or later."""

import textwrap

import keras
import pytest

from tests.training.cluster import kill_after_lines
from tfk_tokfrag.training import ResumableBackup, read_backup_epoch

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
    # After 3 published backups, `delay` into a later one: weights, random state,
    # metadata or the swap.
    lines = kill_after_lines(_BACKER, backup_dir, "published", 3, delay)
    published = int(lines[-1].split()[1])
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
