"""FrameWise, MaskedTemporalPooling and MeanOfProbabilities, against NumPy references."""

import keras
import numpy as np
import pytest

from tests.test_case import TestCase
from tfk_tokfrag.layers import FrameWise, MaskedTemporalPooling, MeanOfProbabilities


class TestFrameWise(TestCase):
    def test_equals_calling_the_layer_per_frame(self):
        x = np.random.default_rng(0).random((2, 3, 4, 5, 5, 2)).astype("float32")
        conv = keras.layers.Conv2D(3, 3, padding="same")
        layer = FrameWise(conv, frame_rank=3)
        out = np.asarray(layer(x))
        assert out.shape == (2, 3, 4, 5, 5, 3)
        for b in range(2):
            for f in range(3):
                np.testing.assert_allclose(out[b, f], np.asarray(conv(x[b, f])), atol=1e-5)

    def test_config_saving_and_export(self):
        # run_layer_test would share one wrapped instance between constructions, so
        # the wrapper's properties are checked one by one here.
        layer = FrameWise(keras.layers.Dense(2), frame_rank=1)
        config = layer.get_config()
        assert FrameWise.from_config(config).get_config() == config
        x = np.random.default_rng(1).random((3, 2, 4, 6)).astype("float32")
        inputs = keras.Input((None, 4, 6))
        model = keras.Model(inputs, FrameWise(keras.layers.Dense(2), frame_rank=1)(inputs))
        assert model.output_shape == (None, None, 4, 2)
        assert layer.compute_output_shape((None, None, 4, 6)) == (None, None, 4, 2)
        self.run_model_saving_test(model, x)
        self.run_export_test(model, x)

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match="frame_rank=-1"):
            FrameWise(keras.layers.Dense(2), frame_rank=-1)


class TestMaskedTemporalPooling(TestCase):
    def test_matches_numpy_masked_mean_and_delta(self):
        rng = np.random.default_rng(2)
        x = rng.random((2, 3, 4, 5)).astype("float32")
        mask = rng.random((2, 3, 4)) > 0.4
        mask[0, 0] = False  # a fragment with no kept frame gives zeros
        out = np.asarray(MaskedTemporalPooling(axis=2, with_delta=True)(x, mask=mask))
        for b in range(2):
            for f in range(3):
                kept = np.flatnonzero(mask[b, f])
                if len(kept) == 0:
                    np.testing.assert_allclose(out[b, f, :5], 0.0)
                    continue
                np.testing.assert_allclose(out[b, f, :5], x[b, f, kept].mean(0), atol=1e-6)
                delta = x[b, f, kept[-1]] - x[b, f, kept[0]]
                np.testing.assert_allclose(out[b, f, 5:], delta, atol=1e-6)

    def test_layer_properties(self):
        x = np.random.default_rng(3).random((3, 4, 6)).astype("float32")
        self.run_layer_test(
            MaskedTemporalPooling, {"axis": 1, "with_delta": False}, x,
            expected_output_shape=(3, 6), expected_output_data=x.mean(1), atol=1e-6,
            # A model-internal layer: it pools a batch of sequences, never one example.
            run_data_map_check=False,
        )

    def test_bad_arguments_and_rank(self):
        with pytest.raises(ValueError, match="axis=3"):
            MaskedTemporalPooling(axis=3)
        with pytest.raises(ValueError, match="rank 4"):
            MaskedTemporalPooling(axis=2)(np.zeros((2, 3, 4), "float32"))


class TestMeanOfProbabilities(TestCase):
    def test_matches_numpy_mean_of_softmax(self):
        rng = np.random.default_rng(0)
        a, b, c = (rng.normal(scale=4, size=(5, 3)).astype("float32") for _ in range(3))

        def softmax(x):
            e = np.exp(x - x.max(-1, keepdims=True))
            return e / e.sum(-1, keepdims=True)

        out = np.asarray(MeanOfProbabilities()([a, b, c]))
        np.testing.assert_allclose(np.exp(out), (softmax(a) + softmax(b) + softmax(c)) / 3,
                                   atol=1e-6)
        # Logits of very different scales stay finite (log-sum-exp).
        far = np.asarray(MeanOfProbabilities()([a * 1e3, b]))
        assert np.isfinite(far).all()

    def test_saving_export_and_training(self):
        inputs = keras.Input((4,))
        heads = [keras.layers.Dense(3)(inputs), keras.layers.Dense(3)(inputs)]
        model = keras.Model(inputs, MeanOfProbabilities()(heads))
        x = np.random.default_rng(1).normal(size=(6, 4)).astype("float32")
        self.run_model_saving_test(model, x)
        self.run_export_test(model, x)
        model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        loss = model.fit(x, np.arange(6) % 3, epochs=1, verbose=0).history["loss"][0]
        assert np.isfinite(loss)
        config = MeanOfProbabilities(trained_inputs=1, name="mix").get_config()
        assert config["trained_inputs"] == 1
        assert MeanOfProbabilities.from_config(config).get_config() == config

    def test_trained_inputs_alone_are_averaged_in_training(self):
        rng = np.random.default_rng(3)
        a, b, c = (rng.normal(scale=3, size=(4, 3)).astype("float32") for _ in range(3))
        layer = MeanOfProbabilities(trained_inputs=2)
        np.testing.assert_allclose(layer([a, b, c], training=True).numpy(),
                                   MeanOfProbabilities()([a, b]).numpy(), atol=1e-6)
        np.testing.assert_allclose(layer([a, b, c], training=False).numpy(),
                                   MeanOfProbabilities()([a, b, c]).numpy(), atol=1e-6)
        log_softmax = a - np.log(np.exp(a).sum(-1, keepdims=True))
        np.testing.assert_allclose(
            MeanOfProbabilities(trained_inputs=1)([a, b], training=True).numpy(),
            log_softmax, atol=1e-5)
        with pytest.raises(ValueError, match="trained_inputs=0"):
            MeanOfProbabilities(trained_inputs=0)
        with pytest.raises(ValueError, match=r"trained_inputs=3\) received only 2"):
            MeanOfProbabilities(trained_inputs=3)([a, b])

    def test_bad_inputs_name_the_shapes(self):
        a = np.zeros((2, 3), "float32")
        with pytest.raises(ValueError, match=r"received shapes \[\(2, 3\)\]"):
            MeanOfProbabilities()([a])
        with pytest.raises(ValueError, match=r"\(2, 3\), \(2, 4\)"):
            MeanOfProbabilities()([a, np.zeros((2, 4), "float32")])
