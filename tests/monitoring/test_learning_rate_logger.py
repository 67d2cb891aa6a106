"""`LearningRateLogger`: the learning rate each step applied, against the schedule."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tests.monitoring.events import accumulator, values
from tfk_tokfrag.monitoring import LearningRateLogger


def test_learning_rate_logger_standalone_epochs_and_steps(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    model.compile(keras.optimizers.SGD(schedule), "mse")
    logger = LearningRateLogger(tmp_path, update_freq=1)
    model.fit(np.ones((6, 2)), np.ones((6, 1)), batch_size=2, epochs=2, callbacks=[logger],
              verbose=0)
    root = accumulator(tmp_path)
    batch = values(root, "batch_learning_rate")
    assert sorted(batch) == [1, 2, 3, 4, 5, 6]
    for step, value in batch.items():
        np.testing.assert_allclose(value, 0.1 * 0.5 ** (step - 1), rtol=1e-5)
    epoch = values(root, "epoch_learning_rate")
    np.testing.assert_allclose([epoch[0], epoch[1]], [0.1 * 0.5**3, 0.1 * 0.5**6], rtol=1e-5)


@pytest.mark.parametrize("update_freq", [0, True, "batch", 1.5])
def test_learning_rate_logger_rejects_bad_update_freq(tmp_path, update_freq):
    with pytest.raises(ValueError, match="update_freq must be a positive int or 'epoch'"):
        LearningRateLogger(tmp_path, update_freq=update_freq)
