"""A real TensorBoard server on loopback serves the runs our callbacks write."""

from __future__ import annotations

import json
import time
import urllib.request

import keras
import numpy as np
import pytest

from tfk_tokfrag.monitoring import monitoring_callbacks, start_tensorboard

pytestmark = pytest.mark.large


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read().decode())


def _wait_for(fetch, ready, timeout: float = 60.0):
    """Polls `fetch()` until `ready(result)`; returns the last result."""
    deadline = time.monotonic() + timeout
    while True:
        result = fetch()
        if ready(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


def test_tensorboard_serves_runs_and_tags_over_http(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 8)).astype("float32"), rng.integers(0, 2, 32)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(2)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    logdir = tmp_path / "runs"
    callbacks = monitoring_callbacks(
        logdir / "tiny", model=model, validation_data=(x, y), hparams={"units": 4},
        update_freq=2,
    )
    model.fit(x, y, batch_size=8, epochs=2, validation_data=(x, y), callbacks=callbacks,
              verbose=0)

    url, server = start_tensorboard(logdir, port=0, timeout=60, reload_interval=1)
    try:
        assert url.startswith("http://127.0.0.1:") and not url.startswith("http://127.0.0.1:0/")
        expected_runs = {"tiny", "tiny/train", "tiny/validation"}
        runs = _wait_for(lambda: _get_json(url + "data/runs"),
                         lambda runs: expected_runs <= set(runs))
        assert expected_runs <= set(runs), runs
        tags = _wait_for(
            lambda: _get_json(url + "data/plugin/scalars/tags"),
            lambda tags: "epoch_loss" in tags.get("tiny/validation", {}),
        )
        assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate", "batch_loss"} <= set(
            tags["tiny/train"]
        )
        assert "epoch_accuracy" in tags["tiny/validation"]
        assert {"batch_learning_rate", "final/val_accuracy"} <= set(tags["tiny"])
        images = _get_json(url + "data/plugin/images/tags")
        assert "evaluation/confusion_matrix" in images["tiny"]
    finally:
        server.stop()
    assert not server.running
    assert server.process.returncode is not None


def test_start_tensorboard_reports_failure(tmp_path):
    with pytest.raises(RuntimeError, match="did not start"):
        start_tensorboard(tmp_path, host="127.0.0.1", port=70000, timeout=30)
