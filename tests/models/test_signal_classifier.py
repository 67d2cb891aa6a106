"""`signal_classifier`, its `SeriesStandardization` and `SeriesDifference`: shapes,
padding, round trips."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.test_case import TestCase
from tfk_tokfrag.layers import MiniRocketFeatures, RidgeClassifier
from tfk_tokfrag.layers.length_mask import LengthMask
from tfk_tokfrag.layers.series_difference import SeriesDifference
from tfk_tokfrag.layers.series_standardization import SeriesStandardization
from tfk_tokfrag.models import adapt_model, signal_classifier
from tfk_tokfrag.training import compile_classifier
from tfk_tokfrag.training.fit import fit_classifier

# One MiniRocket layer, on the series only (the difference's tests pass
# `minirocket_difference=True`).
SMALL = {"fragment_length": 4, "fragment_stride": 2, "encoder_filters": (4, 8),
         "kernel_sizes": 3, "lstm_units": 4, "minirocket_features": 168,
         "minirocket_difference": False}


def _series(length, channels=2, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(1, length, channels)) * 3 + 5).astype("float32")


def _pad(series, length):
    padding = np.zeros((1, length - series.shape[1], series.shape[2]), "float32")
    return np.concatenate([series, padding], axis=1)


def _unequal_batch(lengths, channels=2, seed=0):
    """Series of `lengths` zero-padded to the longest, as `padded_batch` gives them."""
    longest = max(lengths)
    series = [_pad(_series(n, channels, seed + i), longest) for i, n in enumerate(lengths)]
    return np.concatenate(series), np.array(lengths, "int32")


def _reference_znorm(x, length, per_channel=True):
    """NumPy: z-normalize the first `length` steps, zeros after."""
    out = np.zeros_like(x)
    real = x[:length].astype("float64")
    axis = 0 if per_channel else None
    std = real.std(axis=axis)
    out[:length] = (real - real.mean(axis=axis)) / np.where(std < 1e-6, 1.0, std)
    return out


class TestSeriesStandardization(TestCase):
    def test_layer(self):
        x, _ = _unequal_batch([5, 7, 3])
        self.run_layer_test(SeriesStandardization, {"per_channel": True}, x,
                            expected_output_shape=x.shape, run_training_check=False)

    def test_matches_numpy_with_padding_excluded(self):
        x, lengths = _unequal_batch([5, 7, 3], channels=3)
        for per_channel in (True, False):
            layer = SeriesStandardization(per_channel=per_channel)
            for given in (None, lengths):  # lengths from the padding, or given
                out = layer(x, lengths=given).numpy()
                for i, n in enumerate(lengths):
                    np.testing.assert_allclose(out[i], _reference_znorm(x[i], n, per_channel),
                                               atol=1e-5)

    def test_constant_series_is_centred_and_lengths_are_returned(self):
        x = np.array([[[2.0], [2.0], [0.0]]], "float32")
        out = SeriesStandardization(return_lengths=True)(x)
        assert out["series"].numpy().tolist() == [[[0.0], [0.0], [0.0]]]
        assert out["length"].numpy().tolist() == [2]
        out = SeriesStandardization(lengths_from_padding=False, return_lengths=True)(x)
        assert out["length"].numpy().tolist() == [3]

    @pytest.mark.parametrize(
        "kwargs, fragment",
        [({"per_channel": 1}, "per_channel=1"), ({"epsilon": 0}, "epsilon=0"),
         ({"return_lengths": "no"}, "return_lengths='no'")],
    )
    def test_bad_arguments_name_the_value(self, kwargs, fragment):
        with pytest.raises(ValueError) as info:
            SeriesStandardization(**kwargs)
        assert fragment in str(info.value)

    def test_rank_error(self):
        with pytest.raises(ValueError, match=r"rank 3 \(batch, time, channels\) or 2"):
            SeriesStandardization()(np.zeros((2, 5, 1, 1), "float32"))


class TestSeriesDifference(TestCase):
    def test_layer(self):
        x, lengths = _unequal_batch([5, 7, 3])
        expected = np.stack([_reference_difference(x[i], n) for i, n in enumerate(lengths)])
        self.run_layer_test(SeriesDifference, {}, x, expected_output_shape=(3, 6, 2),
                            expected_output_data=expected, run_training_check=False)

    def test_matches_numpy_with_padding_excluded(self):
        x, lengths = _unequal_batch([5, 7, 3, 1], channels=3)
        layer = SeriesDifference(return_lengths=True)
        for given in (None, lengths):  # lengths from the padding, or given
            out = layer(x, lengths=given)
            assert out["length"].numpy().tolist() == [4, 6, 2, 0]
            for i, n in enumerate(lengths):
                np.testing.assert_array_equal(out["series"][i].numpy(),
                                              _reference_difference(x[i], n))
        # One series (as in Dataset.map before batching), and every step counted.
        np.testing.assert_array_equal(SeriesDifference()(x[1]).numpy(),
                                      _reference_difference(x[1], 7))
        whole = SeriesDifference(lengths_from_padding=False)(x).numpy()
        np.testing.assert_array_equal(whole[2], np.diff(x[2], axis=0))

    def test_symbolic_time_and_errors(self):
        assert SeriesDifference().compute_output_shape((None, None, 2)) == (None, None, 2)
        assert SeriesDifference(return_lengths=True).compute_output_shape((4, 9, 1)) == {
            "series": (4, 8, 1), "length": (4,)}
        with pytest.raises(ValueError, match="return_lengths=1"):
            SeriesDifference(return_lengths=1)
        with pytest.raises(ValueError, match=r"rank 3 \(batch, time, channels\) or 2"):
            SeriesDifference()(np.zeros((2, 5, 1, 1), "float32"))
        with pytest.raises(ValueError, match="at least one time step"):
            SeriesDifference()(np.zeros((2, 0, 1), "float32"))


def _reference_difference(x, length):
    """NumPy: the first difference of the first `length` steps, zeros after."""
    out = np.zeros((len(x) - 1, x.shape[1]), "float32")
    out[:max(length - 1, 0)] = np.diff(x[:length], axis=0)
    return out


class TestLengthMask(TestCase):
    def test_layer(self):
        x, lengths = _unequal_batch([5, 7, 3])
        expected = x * (np.arange(7)[None, :, None] < lengths[:, None, None])
        # The harness passes one `lengths` to every element of its Dataset.map check and
        # to both batch sizes of its export check: both are done here and in
        # test_series_convolutions_save_and_export (SavedModel of a model using it).
        self.run_layer_test(LengthMask, {}, x, call_kwargs={"lengths": lengths},
                            expected_output_shape=x.shape, expected_output_data=expected,
                            run_training_check=False, run_data_map_check=False,
                            run_export_check=False)
        layer = LengthMask()
        ds = tf.data.Dataset.from_tensor_slices((x, lengths)).batch(2)
        mapped = np.concatenate(list(ds.map(lambda s, n: layer(s, lengths=n))))
        np.testing.assert_array_equal(mapped, expected)

    def test_lengths_are_clipped_and_rank_is_checked(self):
        x = np.ones((2, 3, 1), "float32")
        out = LengthMask()(x, lengths=np.array([-2, 9]))[..., 0].numpy()
        np.testing.assert_array_equal(out, [[0, 0, 0], [1, 1, 1]])
        with pytest.raises(ValueError, match="rank 3"):
            LengthMask()(np.ones((2, 3), "float32"), lengths=np.array([1, 2]))


SERIES_CONVS = {"series_filters": (4, 6), "series_kernel_sizes": (5, 3)}


class TestSignalClassifier(TestCase):
    def test_output_shape_any_length(self):
        model = signal_classifier((None, 2), num_classes=3, **SMALL)
        assert model.output_shape == (None, 3)
        for length in (1, 4, 13):
            assert model(_series(length)).shape == (1, 3)

    @pytest.mark.parametrize(
        "normalize, series",
        [("per_channel", {}), ("per_series", {}), ("none", {}), ("per_channel", SERIES_CONVS)],
    )
    def test_a_series_alone_equals_it_zero_padded_in_a_batch(self, normalize, series):
        model = signal_classifier((None, 2), num_classes=3, normalize=normalize, **SMALL,
                                  **series)
        with_lengths = signal_classifier((None, 2), num_classes=3, normalize=normalize,
                                         length_input=True, **SMALL, **series)
        with_lengths.set_weights(model.get_weights())
        x, lengths = _unequal_batch([5, 11, 8])
        batched = model(x, training=False).numpy()
        given = with_lengths({"series": x, "length": lengths}, training=False).numpy()
        for i, n in enumerate(lengths):
            alone = model(x[i:i + 1, :n], training=False).numpy()[0]
            np.testing.assert_allclose(batched[i], alone, atol=1e-5)
            np.testing.assert_allclose(given[i], alone, atol=1e-5)
        # Lengths given win over the padding rule: trailing zeros that are data count.
        zeros_inside = np.concatenate([_series(5), np.zeros((1, 3, 2), "float32")], axis=1)
        as_data = with_lengths({"series": zeros_inside, "length": np.array([8], "int32")})
        as_padding = with_lengths({"series": zeros_inside, "length": np.array([5], "int32")})
        assert not np.allclose(as_data.numpy(), as_padding.numpy(), atol=1e-5)

    def test_scale_and_offset_of_a_series_change_nothing(self):
        model = signal_classifier((None, 2), num_classes=3, **SMALL)
        x = _series(9)
        np.testing.assert_allclose(model(x * 7.0 - 3.0).numpy(), model(x).numpy(), atol=1e-4)

    def test_trains_on_unequal_length_multivariate_data_in_tf_data(self):
        keras.utils.set_random_seed(0)
        lengths = [6, 9, 12, 7, 10, 8, 11, 5]
        rng = np.random.default_rng(0)
        # Class 1: a rising ramp, class 0: a falling one, in 3 channels, any length.
        examples = [
            (np.stack([np.linspace(-1, 1, n) * (1 if i % 2 else -1)] * 3, -1)
             + rng.normal(scale=0.1, size=(n, 3))).astype("float32")
            for i, n in enumerate(lengths)
        ]
        labels = np.arange(len(lengths)) % 2
        ds = tf.data.Dataset.from_generator(
            lambda: iter(zip(examples, labels, strict=True)),
            output_signature=(tf.TensorSpec((None, 3), tf.float32), tf.TensorSpec((), tf.int64)),
        ).padded_batch(4)
        model = signal_classifier((None, 3), num_classes=2, dropout=0.0, **SMALL)
        compile_classifier(model, total_steps=60, learning_rate=1e-2, jit_compile=False)
        history = model.fit(ds.repeat(30), epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
        predicted = np.argmax(model.predict(ds, verbose=0), -1)
        assert (predicted == labels).mean() >= 0.75

    def test_saving_and_export(self):
        model = signal_classifier((None, 2), num_classes=3, **SMALL)
        x, lengths = _unequal_batch([5, 7, 3, 7])
        restored = self.run_model_saving_test(model, x, atol=1e-5)
        assert restored.get_layer("standardize").get_config()["return_lengths"]
        self.run_export_test(model, x, atol=1e-5)
        config = model.get_config()
        rebuilt = keras.Model.from_config(config)
        rebuilt.set_weights(model.get_weights())
        np.testing.assert_allclose(rebuilt(x).numpy(), model(x).numpy(), atol=1e-5)
        with_lengths = signal_classifier((None, 2), num_classes=3, length_input=True, **SMALL)
        self.run_export_test(with_lengths, {"series": x, "length": lengths}, atol=1e-5)

    def test_series_convolutions_save_and_export(self):
        model = signal_classifier((None, 2), num_classes=3, **SMALL, **SERIES_CONVS)
        assert [layer.kernel_size for layer in model.layers if "series_conv" in layer.name] \
            == [(5,), (3,)]
        x, _ = _unequal_batch([5, 7, 3, 7])
        self.run_model_saving_test(model, x, atol=1e-5)
        self.run_export_test(model, x, atol=1e-5)
        without = signal_classifier((None, 2), series_filters=())
        assert not [layer for layer in without.layers if "series_" in layer.name]

    def test_ensemble_head_averages_two_classifiers_probabilities(self):
        model = signal_classifier((None, 2), num_classes=3, minirocket_head="ensemble",
                                  **SMALL)
        x, _ = _unequal_batch([5, 7, 3, 7])
        out = model(x, training=False).numpy()
        heads = keras.Model(model.inputs, [model.get_layer("fragments_logits").output,
                                           model.get_layer("minirocket_logits").output])
        a, b = (keras.ops.softmax(h).numpy() for h in heads(x, training=False))
        np.testing.assert_allclose(np.exp(out), (a + b) / 2, atol=1e-6)
        self.run_model_saving_test(model, x, atol=1e-5)
        self.run_export_test(model, x, atol=1e-5)

    @pytest.mark.parametrize("head", ["ridge", "joined_ridge"])
    def test_ridge_heads_join_minirocket_own_classifier_at_inference(self, head):
        x, _ = _unequal_batch([9, 14, 6, 14, 11, 8, 12, 10])
        labels = np.array([0, 1, 0, 1, 2, 2, 1, 0])
        data = tf.data.Dataset.from_tensor_slices((x, labels)).batch(4)
        model = signal_classifier((None, 2), num_classes=3, minirocket_head=head, **SMALL)
        ridge = model.get_layer("minirocket_ridge")
        # "ridge": the trained classifier reads the fragments' features alone.
        joined = "with_minirocket" in [layer.name for layer in model.layers]
        assert joined == (head == "joined_ridge")
        with pytest.raises(ValueError, match=r"minirocket_ridge.*\(inputs, labels\)"):
            adapt_model(model, data.map(lambda s, y: s))
        assert adapt_model(model, data) and ridge.is_adapted
        # The ridge is fitted on the MiniRocket features the model computes.
        features = keras.Model(model.input, model.get_layer("minirocket").output)(x)
        alone = RidgeClassifier(num_classes=3)
        alone.adapt(features.numpy(), labels)
        for a, b in zip(ridge.weights, alone.weights, strict=True):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)
        # Inference averages the two classifiers' probabilities.
        heads = keras.Model(model.input, [model.get_layer("trained_logits").output,
                                           ridge.output])
        a, b = (keras.ops.softmax(h).numpy() for h in heads(x, training=False))
        np.testing.assert_allclose(np.exp(model(x, training=False).numpy()), (a + b) / 2,
                                   atol=1e-6)
        # Training leaves the ridge as adapt fitted it.
        before = [w.numpy() for w in ridge.weights]
        fit_classifier(model, data, epochs=1, verbose=0)
        for a, b in zip(ridge.weights, before, strict=True):
            np.testing.assert_array_equal(a.numpy(), b)
        restored = self.run_model_saving_test(model, x, atol=1e-5)
        assert restored.get_layer("minirocket_ridge").is_adapted
        self.run_export_test(model, x, atol=1e-5)

    def test_nested_in_a_bigger_model_it_is_adapted_as_alone(self):
        # A user's wrapper (a functional model, a Sequential) around the classifier:
        # adapt_model reaches the MiniRocket features and the ridge inside, and fits
        # them on what the classifier alone would feed them.
        x, _ = _unequal_batch([9, 14, 6, 14, 11, 8, 12, 10])
        labels = np.array([0, 1, 0, 1, 2, 2, 1, 0])
        data = tf.data.Dataset.from_tensor_slices((x, labels)).batch(4)
        build = lambda: signal_classifier(  # noqa: E731
            (None, 2), num_classes=3, minirocket_head="joined_ridge", **SMALL)
        alone = build()
        assert adapt_model(alone, data)
        inner = build()
        series = keras.Input((None, 2))
        wrapped = keras.Model(series, keras.layers.Activation("softmax")(inner(series)))
        inner_too = build()
        stacked = keras.Sequential([keras.Input((None, 2)), inner_too])
        for model, nested in ((wrapped, inner), (stacked, inner_too)):
            assert adapt_model(model, data)
            for name in ("minirocket", "minirocket_ridge"):
                for a, b in zip(nested.get_layer(name).weights,
                                alone.get_layer(name).weights, strict=True):
                    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
            assert not adapt_model(model, data)  # adapted once

    def test_a_minirocket_layer_out_of_reach_is_an_error_not_silent_garbage(self):
        class Holder(keras.layers.Layer):  # subclassed: no graph to feed it from
            def __init__(self):
                super().__init__()
                self.rocket = MiniRocketFeatures(168)

            def call(self, x):
                return self.rocket(x)

        series = keras.Input((None, 2))
        model = keras.Model(series, keras.layers.Dense(3)(Holder()(series)))
        x, _ = _unequal_batch([9, 14, 6, 14])
        data = tf.data.Dataset.from_tensor_slices((x, np.array([0, 1, 2, 0]))).batch(2)
        with pytest.raises(ValueError, match=r"MiniRocketFeatures.*Adapt it yourself"):
            fit_classifier(model, data, epochs=1, verbose=0)

    def test_training_adapts_the_minirocket_features_on_the_normalized_series(self):
        x, lengths = _unequal_batch([9, 14, 6, 14, 11, 8])
        labels = np.array([0, 1, 0, 1, 2, 2])
        data = tf.data.Dataset.from_tensor_slices((x, labels)).batch(4)
        model = signal_classifier((None, 2), num_classes=3, **SMALL)
        rocket = model.get_layer("minirocket")
        assert not rocket.is_adapted
        fit_classifier(model, data, epochs=1, verbose=0)
        # The same as adapting the layer alone on the z-normalized series, padding out.
        alone = MiniRocketFeatures(168)
        normalized = SeriesStandardization(return_lengths=True)(x)
        alone.adapt(normalized["series"].numpy(), lengths=normalized["length"].numpy())
        assert rocket.is_adapted
        for name in ("dilations", "biases", "feature_mean", "feature_std"):
            np.testing.assert_allclose(getattr(rocket, name).numpy(),
                                       getattr(alone, name).numpy(), atol=1e-5)
        # Adapted once: a saved and reloaded model keeps it, adapt_model leaves it.
        restored = self.run_model_saving_test(model, x, atol=1e-5)
        assert restored.get_layer("minirocket").is_adapted
        biases = rocket.biases.numpy()
        assert not adapt_model(model, data.map(lambda s, y: (s * 3.0, y)))
        np.testing.assert_array_equal(rocket.biases.numpy(), biases)
        without = signal_classifier((None, 2), minirocket_features=0)
        assert not [layer for layer in without.layers if "minirocket" in layer.name]

    def test_half_the_minirocket_features_on_the_difference_adapted_on_it(self):
        x, lengths = _unequal_batch([9, 14, 6, 14, 11, 8])
        labels = np.array([0, 1, 0, 1, 2, 2])
        data = tf.data.Dataset.from_tensor_slices((x, labels)).batch(4)
        model = signal_classifier((None, 2), num_classes=3, **{
            **SMALL, "minirocket_features": 336, "minirocket_difference": True})
        assert model.get_layer("minirocket_both").output.shape == (None, 336)
        assert adapt_model(model, data)
        # Each half as adapted alone: on the z-normalized series and on its difference.
        normalized = SeriesStandardization(return_lengths=True)(x)
        difference = SeriesDifference(return_lengths=True)(normalized["series"],
                                                           lengths=normalized["length"])
        for name, seed, inputs in (("minirocket", 0, normalized),
                                   ("minirocket_difference", 1, difference)):
            alone = MiniRocketFeatures(168, seed=seed)
            alone.adapt(inputs["series"].numpy(), lengths=inputs["length"].numpy())
            for weights in ("dilations", "biases", "feature_mean", "feature_std"):
                np.testing.assert_allclose(getattr(model.get_layer(name), weights).numpy(),
                                           getattr(alone, weights).numpy(), atol=1e-5)
        # A series alone reads as it does zero-padded in the batch.
        longest = model.predict(x, verbose=0)
        for i, n in enumerate(lengths):
            np.testing.assert_allclose(model.predict(x[i:i + 1, :n], verbose=0),
                                       longest[i:i + 1], atol=1e-4)
        self.run_model_saving_test(model, x, atol=1e-5)
        self.run_export_test(model, x, atol=1e-5)

    @pytest.mark.parametrize(
        "kwargs, fragment",
        [
            ({"input_shape": (None,)}, "input_shape=(None,)"),
            ({"input_shape": (None, None)}, "input_shape=(None, None)"),
            ({"input_shape": (10, 0)}, "input_shape=(10, 0)"),
            ({"num_classes": 1}, "num_classes=1"),
            ({"normalize": "minmax"}, "normalize='minmax'"),
            ({"fragment_length": 0}, "fragment_length=0"),
            ({"fragment_stride": -1}, "fragment_stride=-1"),
            ({"encoder_filters": (8, 0)}, "encoder_filters=(8, 0)"),
            ({"kernel_sizes": (3, 3)}, "kernel_sizes=(3, 3)"),
            ({"lstm_units": 0}, "lstm_units=0"),
            ({"bidirectional": "yes"}, "bidirectional='yes'"),
            ({"noise": -0.1}, "noise=-0.1"),
            ({"dropout": 1.0}, "dropout=1.0"),
            ({"length_input": 1}, "length_input=1"),
            ({"series_filters": (8, -1)}, "series_filters=(8, -1)"),
            ({"series_filters": (8, 8), "series_kernel_sizes": (3, 3, 3)},
             "series_kernel_sizes=(3, 3, 3)"),
            ({"series_kernel_sizes": 0}, "series_kernel_sizes=(0,)"),
            ({"minirocket_features": 50}, "minirocket_features=50"),
            ({"minirocket_features": 1.5}, "minirocket_features=1.5"),
            ({"minirocket_dropout": 1.0}, "minirocket_dropout=1.0"),
            ({"minirocket_head": "sum"}, "minirocket_head='sum'"),
            ({"minirocket_difference": 1}, "minirocket_difference=1"),
            ({"minirocket_difference": True, "minirocket_features": 100},
             "minirocket_features=100"),
        ],
    )
    def test_bad_arguments_name_the_value(self, kwargs, fragment):
        with pytest.raises(ValueError) as info:
            signal_classifier(**kwargs)
        assert fragment in str(info.value)
