"""The tf.data service: our pipelines run by a dispatcher and workers, in this process
and as separate processes on 127.0.0.1 (every wait bounded)."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.training.cluster import ROOT, free_ports, wait_all
from tfk_tokfrag.data import load_dataset, write_tfrecords
from tfk_tokfrag.training import train_model
from tfk_tokfrag.training.data_service import (
    distribute_pipeline,
    service_address,
    start_data_worker,
    start_dispatcher,
)
from tfk_tokfrag.training.distribute import reachable_within


def test_service_address_is_checked():
    assert service_address("127.0.0.1:5050") == "grpc://127.0.0.1:5050"
    assert service_address("grpc://host:1") == "grpc://host:1"
    for bad in ("", "host", "host:port", "http://host:1", "host:70000", None):
        with pytest.raises(ValueError, match="data_service"):
            service_address(bad)
    with pytest.raises(ValueError, match="cannot be combined with strategy='multi_worker'"):
        train_model("conv_net_digits", strategy="multi_worker", data_service="h:1")


def test_a_worker_without_its_dispatcher_fails_within_the_timeout():
    [port] = free_ports(1)
    start = time.monotonic()
    with pytest.raises(TimeoutError, match=f"127.0.0.1:{port} could not be reached within 1 s"):
        start_data_worker(f"127.0.0.1:{port}", dispatcher_timeout=1)
    assert time.monotonic() - start < 10


def test_the_service_delivers_every_batch_of_a_pipeline_once():
    dispatcher = start_dispatcher()
    worker = start_data_worker(dispatcher.target)
    local = load_dataset("digits", "train", 64, seed=1)
    served = distribute_pipeline(local, dispatcher.target)
    assert int(served.cardinality()) == int(local.cardinality())
    for _ in range(2):  # each epoch (each iteration) is a job of its own
        labels = np.concatenate([y.numpy() for _, y in served])
        expected = np.concatenate([y.numpy() for _, y in local])
        np.testing.assert_array_equal(np.sort(labels), np.sort(expected))
    del worker


def test_several_workers_share_each_epoch_and_the_trainer_gets_full_batches(tmp_path):
    dispatcher = start_dispatcher()
    workers = [start_data_worker(dispatcher.target) for _ in range(2)]
    records = tmp_path / "records"
    write_tfrecords(load_dataset("digits", "train", 256, shuffle=False).unbatch(),
                    records / "train", num_shards=4, split="train", progress=False)
    # digits: one file (asserted size; a second worker used to fail it); the
    # TFRecords: four files the two workers split.
    for source in ("digits", records):
        local = load_dataset(source, "train", 64, seed=1)
        served = distribute_pipeline(local, dispatcher.target, batch_size=64)
        assert int(served.cardinality()) == int(local.cardinality()) == 23
        expected = np.sort(np.concatenate([y.numpy() for _, y in local]))
        for _ in range(2):  # each epoch (each iteration) is a job of its own
            labels = [y.numpy() for _, y in served]
            assert [len(b) for b in labels] == [64] * 22 + [1438 - 22 * 64]
            np.testing.assert_array_equal(np.sort(np.concatenate(labels)), expected)
    del workers


@pytest.mark.large
def test_training_reads_from_a_dispatcher_and_worker_in_other_processes(tmp_path):
    dispatcher_port, worker_port = free_ports(2)
    cli = [sys.executable, "-m", "tfk_tokfrag.cli", "data-service"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    logs = [open(tmp_path / name, "w") for name in ("dispatcher.log", "worker.log")]
    servers = [subprocess.Popen([*cli, "dispatcher", "--port", str(dispatcher_port)],
                                cwd=ROOT, env=env, stdout=logs[0], stderr=subprocess.STDOUT)]
    try:
        servers.append(subprocess.Popen(
            [*cli, "worker", "--dispatcher", f"127.0.0.1:{dispatcher_port}", "--port",
             str(worker_port), "--dispatcher-timeout", "60"],
            cwd=ROOT, env=env, stdout=logs[1], stderr=subprocess.STDOUT,
        ))
        assert reachable_within(f"127.0.0.1:{worker_port}", 60), (
            (tmp_path / "worker.log").read_text()[-2000:])
        result = train_model("conv_net_digits", epochs=2, max_steps_per_epoch=5,
                             data_service=f"127.0.0.1:{dispatcher_port}", verbose=0)
        assert len(result.history["loss"]) == 2
        assert result.history["loss"][1] < result.history["loss"][0]
    finally:
        for server in servers:
            server.kill()
        wait_all(servers, timeout=30)
        for log in logs:
            log.close()


def test_the_cli_says_in_one_line_when_the_dispatcher_is_missing(capsys):
    from tfk_tokfrag.cli import main

    [port] = free_ports(1)
    assert main(["data-service", "worker", "--dispatcher", f"127.0.0.1:{port}",
                 "--dispatcher-timeout", "1"]) == 2
    assert main(["data-service", "worker"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert errors[-2].endswith(f"127.0.0.1:{port} could not be reached within 1 s: start it "
                               "first (tfk-tokfrag data-service dispatcher --port PORT) and "
                               "check the address.")
    assert errors[-1] == "tfk-tokfrag: error: data-service worker needs --dispatcher HOST:PORT"
