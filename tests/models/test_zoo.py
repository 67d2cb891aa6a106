"""Every zoo entry builds and runs on its raw inputs; every distinct architecture trains
a few steps and round-trips through `.keras` (timm's test_models.py). Their SavedModels
(`export_saved_model`) are served and compared with Keras in a process without Keras
in tests/export/test_zoo_serving.py."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.test_case import TestCase, distinct_zoo_models, tiny_inputs
from tfk_tokfrag._keras_internals import all_layers
from tfk_tokfrag.models import adapt_model, get_entry, get_model, list_models
from tfk_tokfrag.training import compile_classifier


@pytest.mark.parametrize("name", distinct_zoo_models())
class TestZooArchitecture(TestCase):
    """Entries that differ only in `num_classes` share one architecture: one of them
    goes through training and saving for all."""

    def test_builds_trains_and_saves(self, name):
        model = get_model(name)
        entry = get_entry(name)
        x = tiny_inputs(model)
        adapt_model(model, tf.data.Dataset.from_tensors((x, 0)))
        y = np.arange(4) % int(model.output.shape[-1])
        compile_classifier(model, total_steps=3, learning_rate=entry.training["learning_rate"])
        history = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
        out = np.asarray(model(x, training=False))
        assert out.shape == (4, model.output.shape[-1]) and np.isfinite(out).all()
        self.run_model_saving_test(model, x, atol=1e-5)


@pytest.mark.parametrize("name", list_models())
class TestZooEntry:
    def test_runs_on_its_raw_inputs(self, name):
        model = get_model(name)
        x = tiny_inputs(model)
        adapt_model(model, tf.data.Dataset.from_tensors((x, 0)))
        out = np.asarray(model(x, training=False))
        assert out.shape == (4, get_entry(name).config["num_classes"])
        assert np.isfinite(out).all()

    def test_config_describes_a_known_dataset(self, name):
        entry = get_entry(name)
        assert entry.dataset and entry.task and entry.training["epochs"] >= 1


@pytest.mark.parametrize("name", list_models())
def test_no_lambda_layers_so_safe_mode_loads(name):
    model = get_model(name)
    layers = all_layers(model)
    assert layers and not any(isinstance(layer, keras.layers.Lambda) for layer in layers)
