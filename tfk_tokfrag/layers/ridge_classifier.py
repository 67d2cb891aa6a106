"""`RidgeClassifier`: a linear classifier fitted in closed form by `adapt` (ridge
regression with leave-one-out choice of the penalty, as scikit-learn's
`RidgeClassifierCV`), with its scores calibrated into class logits."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.layers._adapt_data import first_batches

# MiniRocket's penalties (Dempster et al., 2021), scikit-learn's RidgeClassifierCV grid.
DEFAULT_ALPHAS = tuple(float(a) for a in np.logspace(-3, 3, 10))
# Softmax temperatures tried on the leave-one-out scores.
_TEMPERATURES = np.logspace(-2, 3, 501)


@keras.saving.register_keras_serializable(package="tfk_tokfrag")
class RidgeClassifier(keras.layers.Layer):
    """A one-vs-rest ridge classifier over features, fitted in closed form by `adapt`;
    outputs class logits. Nothing in it is trained by gradient.

    `adapt(features, labels)` does what scikit-learn's `RidgeClassifierCV(alphas)` does
    (targets +1 for the class and -1 for the others, an unpenalized intercept, the
    penalty chosen among `alphas` by the exact leave-one-out squared error, computed
    from one eigendecomposition of the examples' Gram matrix), and then turns the
    scores into logits: `temperature * scores`, the temperature chosen to minimize the
    cross-entropy of the leave-one-out scores, so the softmax gives probabilities as
    sure as the classifier is on examples it has not seen (its scores on its own
    training examples are overconfident). That is what lets `MeanOfProbabilities`
    average it with a network: MiniRocket's classifier (Dempster et al., 2021) beside
    a `signal_classifier`.

    The cost of `adapt` grows as `n^2 * features + n^3` for `n` examples (at most
    `max_examples`, 4,096 by default: a few seconds); with many more examples than
    that, a classifier trained by gradient is the better tool.

    Args:
        num_classes: number of classes (2 or more).
        alphas: penalties to choose from (a sequence of positive numbers;
            default MiniRocket's: `numpy.logspace(-3, 3, 10)`).
        **kwargs: base layer arguments, such as `name`.

    Call arguments:
        inputs: features `(batch, features)` (or one example `(features,)`).

    Output shape:
        `(batch, num_classes)` logits, computed in float32 and returned in the layer's
        compute dtype (give the layer `dtype="float32"` under mixed precision, as
        for a final `Dense`).

    Example:

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> labels = rng.integers(3, size=60)
    >>> features = rng.normal(size=(60, 20)) + 2 * np.eye(3, 20)[labels]
    >>> head = RidgeClassifier(num_classes=3)
    >>> head.adapt(features, labels)
    >>> bool((head(features).numpy().argmax(-1) == labels).mean() > 0.9)
    True
    """

    def __init__(self, num_classes: int, alphas=DEFAULT_ALPHAS, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = _validation.num_classes(num_classes)
        if isinstance(alphas, (list, tuple, np.ndarray)):
            alphas = tuple(np.asarray(alphas).reshape(-1).tolist())
        if (not isinstance(alphas, tuple) or not alphas
                or not all(_validation.is_real(a) and a > 0 for a in alphas)):
            raise ValueError(
                f"alphas must be a non-empty list of positive numbers. Received: "
                f"alphas={alphas!r}"
            )
        self.alphas = tuple(float(a) for a in alphas)
        self.supports_masking = False

    @property
    def is_adapted(self) -> bool:
        """Whether `adapt` has fitted the classifier."""
        return self.built and bool(self.adapted.numpy())

    def build(self, input_shape):
        _check_rank(input_shape)
        self.input_dim = int(input_shape[-1])

        def state(name, shape, initializer, dtype="float32"):
            return self.add_weight(name=name, shape=shape, initializer=initializer,
                                   dtype=dtype, trainable=False, autocast=False)

        self.kernel = state("kernel", (self.input_dim, self.num_classes), "zeros")
        self.bias = state("bias", (self.num_classes,), "zeros")
        self.temperature = state("temperature", (), "ones")
        self.alpha = state("alpha", (), "ones")
        self.adapted = state("adapted", (), "zeros", "int32")

    def call(self, inputs):
        one_example = len(inputs.shape) == 1
        x = tf.cast(inputs, tf.float32)
        if one_example:
            x = x[tf.newaxis]
        logits = tf.cast((tf.matmul(x, self.kernel) + self.bias) * self.temperature,
                         self.compute_dtype)
        return logits[0] if one_example else logits

    def compute_output_shape(self, input_shape):
        _check_rank(input_shape)
        return (*tuple(input_shape)[:-1], self.num_classes)

    def compute_output_spec(self, inputs):
        shape = self.compute_output_shape(inputs.shape)
        return keras.KerasTensor(shape, dtype=self.compute_dtype)

    def adapt(self, data, labels=None, max_examples: int = 4096):
        """Fits the classifier on training examples.

        Args:
            data: features `(n, features)` (an array or tensor) with `labels`, or a
                `tf.data.Dataset` of `(features, labels)` batches.
            labels: with an array, integer class ids `(n,)` or one-hot `(n, classes)`.
            max_examples: at most this many examples are read (the first ones).
        """
        _validation.positive_int("max_examples", max_examples)
        features, labels = _collect_examples(data, labels, self.num_classes, max_examples)
        if not self.built:
            self.build((None, features.shape[-1]))
        if features.shape[-1] != self.input_dim:
            raise ValueError(
                f"RidgeClassifier was built for {self.input_dim} features; adapt "
                f"received {features.shape[-1]}."
            )
        fit = fit_ridge(features, labels, self.num_classes, self.alphas)
        self.kernel.assign(fit["coef"].astype("float32"))
        self.bias.assign(fit["intercept"].astype("float32"))
        self.alpha.assign(fit["alpha"])
        self.temperature.assign(
            calibrate_temperature(fit["loo_scores"], labels).astype("float32"))
        self.adapted.assign(1)

    def get_config(self):
        config = super().get_config()
        config.update({"num_classes": self.num_classes, "alphas": list(self.alphas)})
        return config


def fit_ridge(features: np.ndarray, labels: np.ndarray, num_classes: int,
              alphas) -> dict:
    """One-vs-rest ridge with an unpenalized intercept, the penalty chosen by exact
    leave-one-out squared error (scikit-learn's `_RidgeGCV`, Gram-matrix mode).

    Returns `coef (features, classes)`, `intercept (classes,)`, the chosen `alpha` and
    `loo_scores (n, classes)`: each example's scores from the classifier fitted
    without it.
    """
    x = np.asarray(features, np.float64)
    n = len(x)
    targets = -np.ones((n, num_classes))
    targets[np.arange(n), labels] = 1.0
    x_mean, y_mean = x.mean(axis=0), targets.mean(axis=0)
    xc, yc = x - x_mean, targets - y_mean
    # The constant direction stands for the intercept: in the Gram matrix, unpenalized.
    gram = xc @ xc.T + 1.0
    eigenvalues, q = np.linalg.eigh(gram)
    intercept_dim = int(np.argmax(np.abs(q.sum(axis=0))))
    qt_y = q.T @ yc
    best = None
    for alpha in alphas:
        w = 1.0 / (eigenvalues + alpha)
        w[intercept_dim] = 0.0
        dual = q @ (w[:, np.newaxis] * qt_y)
        loo_residuals = dual / ((q ** 2) @ w)[:, np.newaxis]
        score = -np.mean(loo_residuals ** 2)
        if best is None or score > best[0]:
            best = (score, alpha, dual, loo_residuals)
    _, alpha, dual, loo_residuals = best
    coef = xc.T @ dual
    return {
        "coef": coef,
        "intercept": y_mean - x_mean @ coef,
        "alpha": alpha,
        "loo_scores": targets - loo_residuals,
    }


def calibrate_temperature(scores: np.ndarray, labels: np.ndarray) -> np.float64:
    """The temperature `t` (on a log grid from 0.01 to 1000) minimizing the mean
    cross-entropy of `softmax(t * scores)` against `labels`."""
    scaled = _TEMPERATURES[:, np.newaxis, np.newaxis] * scores[np.newaxis]
    top = scaled.max(axis=-1, keepdims=True)
    log_z = np.log(np.exp(scaled - top).sum(axis=-1)) + top[..., 0]
    picked = scaled[:, np.arange(len(labels)), labels]
    return _TEMPERATURES[int(np.argmin((log_z - picked).mean(axis=-1)))]


def _check_rank(input_shape) -> None:
    if len(input_shape) not in (1, 2) or input_shape[-1] is None:
        raise ValueError(
            "RidgeClassifier expected features (batch, features) or one example "
            f"(features,), with a known number of features; received shape "
            f"{tuple(input_shape)}"
        )


def _collect_examples(data, labels, num_classes: int, max_examples: int):
    """`(features (n, d) float32, labels (n,) int)`, the first `max_examples`, from
    arrays or a dataset of `(features, labels)` batches; one-hot labels become ids."""
    if isinstance(data, tf.data.Dataset):
        if labels is not None:
            raise ValueError("Pass labels inside the dataset, as (features, labels) batches.")
        spec = data.element_spec
        if not isinstance(spec, tuple) or len(spec) != 2:
            raise ValueError(
                "RidgeClassifier.adapt expected a dataset of (features, labels) "
                "batches; received batches without labels."
            )
        batches = first_batches(data, max_examples, "RidgeClassifier.adapt")
        features = np.concatenate([batch[0] for batch in batches])
        labels = np.concatenate([batch[1] for batch in batches])
    else:
        if labels is None:
            raise ValueError("RidgeClassifier.adapt needs labels with an array of features.")
        features, labels = np.asarray(data), np.asarray(labels)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(
            "RidgeClassifier.adapt expected features (n, features) with n >= 2, "
            f"received shape {features.shape}"
        )
    if labels.ndim == 2 and labels.shape[1] == num_classes and num_classes > 1:
        labels = labels.argmax(axis=1)
    labels = labels.reshape(-1)
    if len(labels) != len(features):
        raise ValueError(
            f"RidgeClassifier.adapt received {len(features)} examples and "
            f"{len(labels)} labels."
        )
    features, labels = features[:max_examples], labels[:max_examples]
    if not np.issubdtype(labels.dtype, np.integer):
        if not np.all(labels == np.round(labels)):
            raise ValueError(f"labels must be class ids; received {labels[:5]!r}...")
        labels = labels.astype("int64")
    bad = labels[(labels < 0) | (labels >= num_classes)]
    if len(bad):
        raise ValueError(
            f"labels must be in [0, {num_classes}); received label {int(bad[0])}"
        )
    return features.astype("float32"), labels.astype("int64")
