"""The weights that ship with the zoo: saved, loaded offline, and still what they were."""

import glob
import os

import numpy as np
import pytest
import tensorflow as tf

from tests.test_case import TestCase, tiny_inputs
from tfk_tokfrag.models import adapt_text_vocabulary, get_model, list_models, zoo_weights

SHIPPED = sorted(name for name in list_models() if zoo_weights.has_zoo_weights(name))
MAX_TOTAL_BYTES = 30 * 1024 * 1024


def _trained_text_model():
    model = get_model("text_only_digit_scenes")
    x = tiny_inputs(model, seed=3)
    adapt_text_vocabulary(model, tf.data.Dataset.from_tensors((x, 0)))
    # Weights unlike a fresh build's, so a load that silently did nothing would show.
    for variable in model.trainable_variables:
        variable.assign(variable + 0.01)
    return model, x


class TestZooWeights(TestCase):
    def test_save_then_load_gives_the_same_model(self):
        model, x = _trained_text_model()
        folder = self.get_temp_dir()
        path = zoo_weights.save_zoo_weights(model, "text_only_digit_scenes", x, folder)
        assert path == os.path.join(folder, "text_only_digit_scenes",
                                    "text_only_digit_scenes.weights.h5")
        fresh = get_model("text_only_digit_scenes")
        zoo_weights.load_zoo_weights(fresh, "text_only_digit_scenes", folder)
        np.testing.assert_array_equal(fresh(x, training=False), model(x, training=False))
        inputs, logits = zoo_weights.reference_outputs("text_only_digit_scenes", folder)
        assert sorted(inputs) == ["text"]
        np.testing.assert_array_equal(inputs["text"], x["text"].numpy())
        np.testing.assert_array_equal(fresh(inputs, training=False), logits)

    def test_get_model_reads_the_zoo_folder(self):
        model, x = _trained_text_model()
        folder = self.get_temp_dir()
        zoo_weights.save_zoo_weights(model, "text_only_digit_scenes", x, folder)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(zoo_weights.ZOO_DIR_ENV, folder)
            loaded = get_model("text_only_digit_scenes", weights="zoo")
        np.testing.assert_array_equal(loaded(x, training=False), model(x, training=False))

    def test_a_weights_file_path(self):
        model = get_model("conv_net_digits")
        path = os.path.join(self.get_temp_dir(), "digits.weights.h5")
        model.save_weights(path)
        loaded = get_model("conv_net_digits", weights=path)
        x = tiny_inputs(model)
        np.testing.assert_array_equal(loaded(x, training=False), model(x, training=False))

    def test_an_entry_without_weights_says_how_to_get_them(self):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(zoo_weights.ZOO_DIR_ENV, self.get_temp_dir())
            with pytest.raises(FileNotFoundError, match="'conv_net_digits' ships no trained"):
                get_model("conv_net_digits", weights="zoo")

    def test_bad_weights_argument(self):
        with pytest.raises(ValueError, match="weights must be None, 'zoo' or .*'imagenet'"):
            get_model("conv_net_digits", weights="imagenet")

    def test_overrides_that_change_the_variables_are_refused(self):
        folder = self.get_temp_dir()
        model = get_model("conv_net_digits")
        zoo_weights.save_zoo_weights(model, "conv_net_digits", tiny_inputs(model), folder)
        wider = get_model("conv_net_digits", dense_units=16)
        with pytest.raises(ValueError, match="do not fit this model; were builder"):
            zoo_weights.load_zoo_weights(wider, "conv_net_digits", folder)

    def test_weights_over_the_size_limit_are_refused(self):
        folder = self.get_temp_dir()
        model = get_model("conv_net_digits")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(zoo_weights, "MAX_WEIGHTS_BYTES", 1000)
            with pytest.raises(ValueError, match="take 1.3 MB; the zoo ships at most"):
                zoo_weights.save_zoo_weights(model, "conv_net_digits", tiny_inputs(model),
                                             folder)
        assert not zoo_weights.has_zoo_weights("conv_net_digits", folder)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_weights_give_the_recorded_outputs(name):
    model = get_model(name, weights="zoo")
    inputs, logits = zoo_weights.reference_outputs(name)
    out = np.asarray(model(inputs, training=False))
    # Recorded on this kind of machine; other CPUs may round differently in the last bits.
    np.testing.assert_allclose(out, logits, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(out.argmax(-1), logits.argmax(-1))


def test_the_zoo_stays_small():
    # Per entry: the weights and the vocabularies (the text entry's is most of a MB).
    sizes = {name: zoo_weights.entry_bytes(name) for name in SHIPPED}
    assert all(size <= zoo_weights.MAX_WEIGHTS_BYTES for size in sizes.values()), sizes
    everything = [p for p in glob.glob(os.path.join(zoo_weights.zoo_dir(), "**", "*"),
                                       recursive=True) if os.path.isfile(p)]
    assert sum(os.path.getsize(p) for p in everything) <= MAX_TOTAL_BYTES
