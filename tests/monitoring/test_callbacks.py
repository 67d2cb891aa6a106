"""`monitoring_callbacks`: Keras' `TensorBoard` and ours in one run, read back from disk.

The run (`conftest.run`) trains a multimodal model with every callback; the pictures,
confusion matrix and hyperparameters it writes are checked in the tests of their
own modules.
"""

from __future__ import annotations

import os

import keras
import numpy as np

from tests.monitoring.events import plugin, values
from tfk_tokfrag.monitoring import (
    ConfusionMatrixCallback,
    HParamsCallback,
    LearningRateLogger,
    TokenPictures,
    monitoring_callbacks,
)


def test_the_run_has_every_callback(run):
    kinds = [type(callback) for callback in run["callbacks"]]
    assert isinstance(run["callbacks"][0], keras.callbacks.TensorBoard)
    assert kinds[1:] == [LearningRateLogger, TokenPictures, ConfusionMatrixCallback,
                         HParamsCallback]


def test_callbacks_that_do_not_apply_to_the_model_are_skipped(tmp_path):
    # Outputs (batch, 3, 2): not a one-output classifier.
    model = keras.Sequential([keras.Input((3,)), keras.layers.Reshape((3, 1)),
                              keras.layers.Dense(2)])
    callbacks = monitoring_callbacks(tmp_path, model=model, sample_inputs=np.zeros((2, 3)),
                                     validation_data=(np.zeros((2, 3)), np.zeros(2)),
                                     update_freq="epoch")
    assert len(callbacks) == 1  # no tokenizer, not a classifier, no hparams


def test_one_event_file_per_run_folder(run):
    for folder in ("", "train", "validation"):
        files = [f for f in os.listdir(run["logdir"] / folder) if f.startswith("events.out")]
        assert len(files) == 1, (folder, files)


def test_epoch_scalars_and_learning_rate(run):
    train, validation = run["train"], run["validation"]
    for accumulator in (train, validation):
        for tag in ("epoch_loss", "epoch_accuracy"):
            assert plugin(accumulator, tag) == "scalars"
            assert sorted(values(accumulator, tag)) == [0, 1]
    np.testing.assert_allclose(
        values(validation, "epoch_accuracy")[1], run["history"]["val_accuracy"][-1], rtol=1e-6
    )
    # Keras writes the learning rate at each epoch end: the schedule at 3 and 6 steps.
    learning_rate = values(train, "epoch_learning_rate")
    for epoch, steps in ((0, 3), (1, 6)):
        np.testing.assert_allclose(learning_rate[epoch], float(run["schedule"](steps)), rtol=1e-5)


def test_step_scalars_every_update_freq_steps(run):
    assert sorted(values(run["train"], "batch_loss")) == [2, 4, 6]
    batch_lr = values(run["root"], "batch_learning_rate")
    assert sorted(batch_lr) == [2, 4, 6]
    assert plugin(run["root"], "batch_learning_rate") == "scalars"
    for step, value in batch_lr.items():  # step k applied the schedule at k - 1
        np.testing.assert_allclose(value, float(run["schedule"](step - 1)), rtol=1e-5)
    assert batch_lr[6] < batch_lr[2]  # the cosine decay shows


def test_weight_histograms(run):
    tags = [t for t in run["train"].Tags()["tensors"] if t.endswith("/histogram")]
    assert any("dense" in t and "kernel" in t for t in tags), tags
    for tag in tags:
        assert plugin(run["train"], tag) == "histograms"
        assert sorted(values(run["train"], tag)) == [0, 1]
