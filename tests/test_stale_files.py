"""Temporary entries named for their process; the sweep removes only dead owners'."""

import os
import subprocess
import sys

from tfk_tokfrag import _stale_files


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=60)
    return process.pid


def test_remove_stale_removes_only_entries_of_processes_that_are_gone(tmp_path):
    target = str(tmp_path / "model")
    dead = _dead_pid()
    stale_dir = tmp_path / f".model.tmp-{dead}-abc"
    stale_dir.mkdir()
    (stale_dir / "saved_model.pb").write_bytes(b"half")
    stale_old = tmp_path / f".model.old-{dead}-def"
    stale_old.mkdir()
    stale_file = tmp_path / f".model.tmp-{dead}-123.keras"
    stale_file.write_bytes(b"half")
    live = tmp_path / f".model.tmp-{os.getpid()}-xyz"  # a writer still at work
    live.mkdir()
    other_target = tmp_path / f".other.tmp-{dead}-abc"  # not this target's
    other_target.mkdir()
    unrelated = tmp_path / ".model.tmp-notapid"
    unrelated.mkdir()

    removed = _stale_files.remove_stale(target)

    assert sorted(removed) == sorted(map(str, (stale_dir, stale_old, stale_file)))
    assert sorted(os.listdir(tmp_path)) == sorted(
        [live.name, other_target.name, unrelated.name]
    )


def test_temp_dirs_are_named_for_this_process(tmp_path):
    made = _stale_files.make_temp_dir(str(tmp_path / "model"))
    assert os.path.dirname(made) == str(tmp_path)
    assert os.path.basename(made).startswith(f".model.tmp-{os.getpid()}-")
    assert _stale_files.remove_stale(str(tmp_path / "model")) == []  # alive: kept
    assert os.path.isdir(made)


def test_remove_stale_in_a_missing_folder_removes_nothing(tmp_path):
    assert _stale_files.remove_stale(str(tmp_path / "missing" / "model")) == []
