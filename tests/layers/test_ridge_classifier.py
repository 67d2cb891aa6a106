"""RidgeClassifier against scikit-learn's RidgeClassifierCV and leave-one-out refits."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy.optimize import minimize_scalar
from sklearn.linear_model import Ridge, RidgeClassifierCV

from tests.test_case import TestCase
from tfk_tokfrag.layers import RidgeClassifier
from tfk_tokfrag.layers.ridge_classifier import DEFAULT_ALPHAS, calibrate_temperature, fit_ridge


def _examples(n, d, k, seed=0, signal=1.0):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % k
    rng.shuffle(labels)
    features = rng.normal(size=(n, d)) + signal * np.eye(k, d)[labels] * 3
    return features.astype("float32"), labels


def _adapted(features, labels, k, **kwargs):
    layer = RidgeClassifier(num_classes=k, **kwargs)
    layer.adapt(features, labels)
    return layer


class TestRidgeClassifier(TestCase):
    def test_layer_properties(self):
        self.run_layer_test(
            RidgeClassifier,
            {"num_classes": 3, "alphas": [0.1, 1.0]},
            np.random.default_rng(0).normal(size=(4, 10)).astype("float32"),
            expected_output_shape=(4, 3),
            expected_output_dtype="float32",
            expected_num_trainable_weights=0,
            expected_num_non_trainable_weights=5,
        )

    # More features than examples (MiniRocket's case) and fewer; two and four classes.
    @pytest.mark.parametrize("n,d,k", [(40, 300, 2), (60, 500, 4), (200, 30, 3)])
    def test_equals_scikit_learn_ridge_classifier_cv(self, n, d, k):
        features, labels = _examples(n, d, k, seed=n, signal=0.3)
        layer = _adapted(features, labels, k)
        reference = RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)).fit(features, labels)
        assert float(layer.alpha.numpy()) == pytest.approx(reference.alpha_, rel=1e-6)
        scores = layer(features).numpy() / layer.temperature.numpy()
        expected = reference.decision_function(features)
        if k == 2:  # scikit-learn keeps one column: the second class against the first
            expected = np.stack([-expected, expected], axis=1)
        np.testing.assert_allclose(scores, expected, atol=2e-4)
        np.testing.assert_array_equal(layer(features).numpy().argmax(-1),
                                      reference.predict(features))

    def test_the_penalty_is_chosen_not_fixed(self):
        # Many examples and noisy features: scikit-learn picks a large penalty here.
        features, labels = _examples(200, 30, 3, seed=1, signal=0.1)
        layer = _adapted(features, labels, 3)
        alpha = float(layer.alpha.numpy())
        assert alpha > 1.0
        assert min(abs(np.log(alpha / a)) for a in DEFAULT_ALPHAS) < 1e-6

    def test_leave_one_out_scores_equal_refits_without_each_example(self):
        features, labels = _examples(24, 40, 3, seed=2, signal=0.5)
        fit = fit_ridge(features, labels, 3, DEFAULT_ALPHAS)
        targets = -np.ones((24, 3))
        targets[np.arange(24), labels] = 1.0
        for i in range(24):
            keep = np.arange(24) != i
            ridge = Ridge(alpha=fit["alpha"]).fit(features[keep].astype("float64"), targets[keep])
            np.testing.assert_allclose(fit["loo_scores"][i],
                                       ridge.predict(features[i:i + 1].astype("float64"))[0],
                                       atol=1e-6)

    def test_temperature_minimizes_the_leave_one_out_cross_entropy(self):
        features, labels = _examples(60, 80, 3, seed=3, signal=0.3)
        scores = fit_ridge(features, labels, 3, DEFAULT_ALPHAS)["loo_scores"]

        def cross_entropy(log_t):
            z = np.exp(log_t) * scores
            z = z - z.max(-1, keepdims=True)
            return np.mean(np.log(np.exp(z).sum(-1)) - z[np.arange(60), labels])

        best = minimize_scalar(cross_entropy, bounds=(np.log(0.01), np.log(1000)),
                               method="bounded", options={"xatol": 1e-8})
        chosen = calibrate_temperature(scores, labels)
        # Within one step of the log grid (501 points over five decades).
        assert abs(np.log10(chosen) - best.x / np.log(10)) <= 0.01 + 1e-9

    def test_adapt_from_a_dataset_with_one_hot_labels_and_max_examples(self):
        features, labels = _examples(50, 20, 3, seed=4)
        from_arrays = _adapted(features[:32], labels[:32], 3)
        one_hot = np.eye(3, dtype="float32")[labels]
        layer = RidgeClassifier(num_classes=3)
        layer.adapt(tf.data.Dataset.from_tensor_slices((features, one_hot)).batch(16),
                    max_examples=32)
        for a, b in zip(layer.weights, from_arrays.weights, strict=True):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert layer.is_adapted and not RidgeClassifier(num_classes=3).is_adapted

    def test_adapted_state_survives_saving_and_export(self):
        features, labels = _examples(30, 12, 3, seed=5)
        inputs = keras.Input((12,))
        layer = _adapted(features, labels, 3)
        model = keras.Model(inputs, layer(inputs))
        assert np.abs(model(features).numpy()).max() > 0.1
        self.run_model_saving_test(model, features)
        self.run_export_test(model, features)

    def test_bad_arguments_and_inputs_name_the_value(self):
        with pytest.raises(ValueError, match="num_classes"):
            RidgeClassifier(num_classes=1)
        with pytest.raises(ValueError, match=r"alphas=\(1.0, 0.0\)"):
            RidgeClassifier(num_classes=2, alphas=[1.0, 0])
        with pytest.raises(ValueError, match="alphas"):
            RidgeClassifier(num_classes=2, alphas=[])
        with pytest.raises(ValueError, match="alphas=0.5"):
            RidgeClassifier(num_classes=2, alphas=0.5)
        assert RidgeClassifier(2, alphas=np.array([0.5, 2])).alphas == (0.5, 2.0)
        features, labels = _examples(10, 4, 2)
        layer = RidgeClassifier(num_classes=2)
        with pytest.raises(ValueError, match="received label 5"):
            layer.adapt(features, np.where(labels == 1, 5, 0))
        with pytest.raises(ValueError, match="10 examples and 9 labels"):
            layer.adapt(features, labels[:9])
        with pytest.raises(ValueError, match="needs labels"):
            layer.adapt(features)
        with pytest.raises(ValueError, match="without labels"):
            layer.adapt(tf.data.Dataset.from_tensor_slices(features).batch(4))
        with pytest.raises(ValueError, match=r"received shape \(10, 4, 1\)"):
            layer.adapt(features[..., None], labels)
        layer.adapt(features, labels)
        with pytest.raises(ValueError, match="built for 4 features; adapt received 3"):
            layer.adapt(features[:, :3], labels)
        with pytest.raises(ValueError, match=r"received shape \(None, 2, 4\)"):
            RidgeClassifier(num_classes=2)(keras.Input((2, 4)))
