"""Time-series anchors: 1-NN DTW and MiniRocket, as sktime runs them.

Both take the `(series (n, time, channels), labels)` pairs `dataset_arrays` gives (a
split zero-padded to its longest series; the UCR sets of the zoo are equal-length, so
nothing is padded there) and hand sktime its `numpy3D` layout `(n, channels, time)`.
sktime (`pip install sktime`, numba for MiniRocket; `pip install tfk_tokfrag[bench]`)
is imported only when a baseline runs.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import RidgeClassifierCV
from sklearn.preprocessing import StandardScaler

from tfk_tokfrag.baselines.registry import register_baseline

RIDGE_ALPHAS = np.logspace(-3, 3, 10)


def _sktime_arrays(train, test):
    """`(x_train, y_train, x_test)` in sktime's numpy3D layout `(n, channels, time)`."""
    (x_train, y_train), (x_test, _) = train, test
    for name, x in (("train", x_train), ("test", x_test)):
        if not isinstance(x, np.ndarray) or x.ndim != 3:
            raise ValueError(
                f"Time-series baselines take series (n, time, channels); the {name} "
                f"inputs are {type(x).__name__} of shape {getattr(x, 'shape', None)}."
            )
    to_3d = lambda x: np.ascontiguousarray(np.transpose(x, (0, 2, 1)), dtype=np.float64)  # noqa: E731
    return to_3d(x_train), np.asarray(y_train), to_3d(x_test)


def _missing_sktime(error: ImportError) -> ImportError:
    return ImportError(
        "The time-series baselines run sktime: install it with `pip install sktime "
        f"numba` (or `pip install tfk_tokfrag[bench]`). ({error})"
    )


def dtw_1nn(train, test, *, seed: int, epochs: int | None = None):
    """1-nearest neighbour under dynamic time warping, the UCR archive's reference.

    sktime's `KNeighborsTimeSeriesClassifier(n_neighbors=1, distance="dtw")`: full
    window (no Sakoe-Chiba band, as the archive's "DTW (w=100)" column), squared
    point distances summed over channels (dependent DTW for multivariate series).
    Deterministic: `seed` and `epochs` are unused.
    """
    del seed, epochs
    try:
        from sktime.classification.distance_based import KNeighborsTimeSeriesClassifier
    except ImportError as error:
        raise _missing_sktime(error) from error
    x_train, y_train, x_test = _sktime_arrays(train, test)
    model = KNeighborsTimeSeriesClassifier(n_neighbors=1, distance="dtw")
    model.fit(x_train, y_train)
    return np.asarray(model.predict(x_test))


def minirocket_ridge(train, test, *, seed: int, epochs: int | None = None):
    """MiniRocket features and a ridge classifier, as sktime's `MiniRocketClassifier`.

    `MiniRocket` (univariate) or `MiniRocketMultivariate` with its defaults (10,000
    features, `random_state=seed`) -> `StandardScaler(with_mean=False)` ->
    `RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))` (Dempster et al., 2021).
    `epochs` is unused.
    """
    del epochs
    try:
        from sktime.transformations.rocket import MiniRocket, MiniRocketMultivariate
    except ImportError as error:
        raise _missing_sktime(error) from error
    x_train, y_train, x_test = _sktime_arrays(train, test)
    rocket = (MiniRocket if x_train.shape[1] == 1 else MiniRocketMultivariate)(random_state=seed)
    # The three steps by hand: sklearn's Pipeline (1.9, callbacks) rejects sktime steps.
    features = np.asarray(rocket.fit_transform(x_train))
    scaler = StandardScaler(with_mean=False).fit(features)
    ridge = RidgeClassifierCV(alphas=RIDGE_ALPHAS).fit(scaler.transform(features), y_train)
    test_features = scaler.transform(np.asarray(rocket.transform(x_test)))
    return np.asarray(ridge.predict(test_features))


register_baseline(
    "dtw_1nn",
    dtw_1nn,
    description="1-NN with full-window DTW (sktime KNeighborsTimeSeriesClassifier), the "
    "UCR archive's reference classifier",
)
register_baseline(
    "minirocket_ridge",
    minirocket_ridge,
    description="MiniRocket (10,000 features) + RidgeClassifierCV, as sktime's "
    "MiniRocketClassifier (Dempster et al., 2021)",
)
