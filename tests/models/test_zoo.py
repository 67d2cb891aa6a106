"""Every zoo entry: builds, trains a few steps, saves, exports (timm's test_models.py)."""

import numpy as np
import pytest
import tensorflow as tf

from tests.test_case import TestCase
from tfk_tokfrag.export import export_saved_model
from tfk_tokfrag.models import adapt_text_vocabulary, get_entry, get_model, list_models
from tfk_tokfrag.training import compile_classifier

WORDS = ["a", "three", "five", "maybe", "digit", "可能", "是", "三", "good", "bad", "film"]


def _tiny_inputs(model, batch=4, time=6, seed=0):
    """Random raw inputs matching `model.input` (uint8 images/videos, strings)."""
    rng = np.random.default_rng(seed)

    def one(spec):
        if spec.dtype == "string":
            return tf.constant([" ".join(rng.choice(WORDS, size=5)) for _ in range(batch)])
        shape = [batch] + [time if d is None else d for d in spec.shape[1:]]
        return tf.constant(rng.integers(0, 256, shape, dtype=np.uint8))

    structure = model.input
    if isinstance(structure, dict):
        return {k: one(v) for k, v in structure.items()}
    return one(structure)


@pytest.mark.parametrize("name", list_models())
class TestZooEntry(TestCase):
    def test_builds_trains_saves_and_exports(self, name):
        model = get_model(name)
        entry = get_entry(name)
        x = _tiny_inputs(model)
        adapt_text_vocabulary(model, tf.data.Dataset.from_tensors((x, 0)))
        y = np.arange(4) % int(model.output.shape[-1])
        compile_classifier(model, total_steps=3, learning_rate=entry.training["learning_rate"])
        history = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
        out = np.asarray(model(x, training=False))
        assert out.shape == (4, model.output.shape[-1]) and np.isfinite(out).all()
        self.run_model_saving_test(model, x, atol=1e-5)
        self.run_export_test(model, x, atol=1e-5)
        # The serving artifact: raw inputs in, probabilities and names out.
        path = self.get_temp_dir() + "/serving"
        export_saved_model(model, path, verify_inputs=x)
        reloaded = tf.saved_model.load(path)  # keep a reference: it owns the variables
        served = reloaded.serve(x)
        assert served["probabilities"].shape == out.shape

    def test_config_describes_a_known_dataset(self, name):
        entry = get_entry(name)
        assert entry.dataset and entry.task and entry.training["epochs"] >= 1


@pytest.mark.parametrize("name", list_models())
def test_no_lambda_layers_so_safe_mode_loads(name):
    import keras

    model = get_model(name)
    layers = list(model._flatten_layers(include_self=False, recursive=True))
    assert layers and not any(isinstance(layer, keras.layers.Lambda) for layer in layers)
