"""MiniRocketFeatures: the shared layer checks, a NumPy reference of the transform
written from the paper's definition, sktime's dilations, adapt and unequal lengths."""

import numpy as np
import pytest
import tensorflow as tf

from tests.test_case import TestCase
from tfk_tokfrag.layers import MiniRocketFeatures
from tfk_tokfrag.layers.minirocket_features import golden_quantiles, kernel_weights

# sktime 1.2's `_fit_dilations(length, 10_000, 32)` (unique dilations), recorded.
SKTIME_DILATIONS = {
    9: [1],
    24: [1, 2],
    60: [1, 2, 3, 4, 5, 6, 7],
    150: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 18],
    251: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 17, 20, 22, 25, 27, 31],
}


def _series(n=12, time=40, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    steps = np.linspace(0, 6, time)[None, :, None]
    phase = rng.uniform(0, 3, size=(n, 1, channels))
    return (np.sin(steps + phase) + 0.3 * rng.normal(size=(n, time, channels))).astype("float32")


def _reference_ppv(layer, series, length):
    """MiniRocket's PPV features of one series by the definition, in NumPy: for each
    dilation slot, kernel and bias, the share of the kernel's outputs above the bias
    over the counted positions (all, or every second kernel and slot only those whose
    window lies inside the series)."""
    x = series[:length].astype("float64")
    weights = kernel_weights().astype("float64")
    mask = layer.channel_mask.numpy()
    biases = layer.biases.numpy()
    out, start = [], 0
    slots = zip(layer.dilations.numpy(), layer.slot_features, strict=True)
    for slot, (dilation, count) in enumerate(slots):
        for kernel in range(84):
            summed = x @ mask[slot, kernel]  # the kernel's channels, summed
            outputs = np.zeros(length)
            for t in range(length):
                for tap in range(9):
                    at = t + (tap - 4) * dilation
                    if 0 <= at < length:
                        outputs[t] += weights[tap, kernel] * summed[at]
            if (kernel + slot) % 2:
                edge = 4 * dilation
                outputs = outputs[edge:length - edge]
            at = start + kernel * count
            for bias in biases[at:at + count]:
                out.append(np.mean(outputs > bias) if len(outputs) else 0.0)
        start += 84 * count
    return np.array(out)


class TestMiniRocketFeatures(TestCase):
    def test_layer_checks(self):
        self.run_layer_test(
            MiniRocketFeatures,
            {"num_features": 168, "max_dilations_per_kernel": 4, "seed": 3},
            _series(4, 20, 2),
            expected_output_shape=(4, 168),
            expected_output_dtype="float32",
            expected_num_trainable_weights=0,
            expected_num_non_trainable_weights=6,
        )

    @pytest.mark.parametrize("channels", [1, 3])
    def test_features_follow_the_definition(self, channels):
        x = _series(6, 30, channels, seed=channels)
        layer = MiniRocketFeatures(num_features=84 * 5, max_dilations_per_kernel=3,
                                   seed=1)
        layer.adapt(x)
        features = layer(x).numpy() * layer.feature_std.numpy() + layer.feature_mean.numpy()
        for i in (0, 5):
            np.testing.assert_allclose(features[i], _reference_ppv(layer, x[i], 30),
                                       atol=1e-6)

    def test_dilations_are_sktimes(self):
        for length, expected in SKTIME_DILATIONS.items():
            layer = MiniRocketFeatures()
            layer.adapt(np.ones((2, length, 1), "float32"))
            assert sorted(set(layer.dilations.numpy().tolist())) == expected, length

    def test_adapt_sets_biases_from_quantiles_and_standardizes(self):
        x = _series(40, 50)
        layer = MiniRocketFeatures(num_features=840, seed=0)
        assert not layer.built
        layer.adapt(tf.data.Dataset.from_tensor_slices(x).batch(16))
        assert layer.is_adapted and layer.output_dim == 840
        features = layer(x).numpy()
        varying = layer.feature_std.numpy() != 1.0
        np.testing.assert_allclose(features.mean(axis=0), 0.0, atol=1e-4)
        np.testing.assert_allclose(features[:, varying].std(axis=0), 1.0, atol=1e-3)
        # The low-discrepancy quantiles of MiniRocket.
        np.testing.assert_allclose(golden_quantiles(3), [0.618034, 0.236068, 0.854102],
                                   atol=1e-6)
        # Seeded: the same seed, the same biases.
        again = MiniRocketFeatures(num_features=840, seed=0)
        again.adapt(x)
        np.testing.assert_array_equal(again.biases.numpy(), layer.biases.numpy())

    def test_a_padded_series_reads_as_alone(self):
        x = _series(5, 40)
        layer = MiniRocketFeatures(num_features=336, seed=2)
        lengths = np.array([40, 25, 40, 31, 12])
        padded = x * (np.arange(40)[None, :, None] < lengths[:, None, None])
        layer.adapt(padded, lengths=lengths)
        together = layer(padded, lengths=lengths).numpy()
        for i, length in enumerate(lengths):
            alone = layer(x[i:i + 1, :length]).numpy()
            np.testing.assert_allclose(together[i], alone[0], atol=1e-5)
        # The dataset form of adapt reads the lengths too.
        other = MiniRocketFeatures(num_features=336, seed=2)
        other.adapt(tf.data.Dataset.from_tensor_slices((padded, lengths)).batch(2))
        np.testing.assert_array_equal(other.biases.numpy(), layer.biases.numpy())

    def test_bad_arguments_are_named(self):
        with pytest.raises(ValueError, match="num_features must be at least 84"):
            MiniRocketFeatures(num_features=50)
        with pytest.raises(ValueError, match="max_dilations_per_kernel"):
            MiniRocketFeatures(max_dilations_per_kernel=0)
        with pytest.raises(ValueError, match=r"received shape \(1, 1, 4, 10\)"):
            MiniRocketFeatures()(np.zeros((4, 10), "float32")[None, None])
        with pytest.raises(ValueError, match="built for 1 channels"):
            layer = MiniRocketFeatures(num_features=84)
            layer.adapt(np.zeros((2, 10, 1), "float32"))
            layer.adapt(np.zeros((2, 10, 2), "float32"))
