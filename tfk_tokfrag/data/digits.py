"""The offline default dataset: scikit-learn's bundled 8x8 handwritten digits.

1,797 real handwritten digits (UCI "optdigits" test set, 8x8 pixels, 17 grey levels),
shipped inside scikit-learn, so nothing is downloaded. `load_digits_arrays` gives a
stratified, seeded train/test split as NumPy arrays; `digits_dataset` wraps a split in
a tf.data pipeline.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits  # only for its bundled data file

DIGITS_CLASS_NAMES = tuple(str(i) for i in range(10))
DIGITS_IMAGE_SHAPE = (8, 8, 1)
DEFAULT_SEED = 42
DEFAULT_TEST_FRACTION = 0.2


def stratified_split(
    labels: np.ndarray, test_fraction: float = DEFAULT_TEST_FRACTION, seed: int = DEFAULT_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a stratified train/test split: each class keeps its proportion.

    Each class contributes `round(count * test_fraction)` examples to the test split,
    drawn with a `numpy.random.default_rng(seed)` permutation. Both index arrays are
    sorted, so the split does not depend on anything but the labels and the seed.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(
            "test_fraction must be strictly between 0 and 1. "
            f"Received: test_fraction={test_fraction}"
        )
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    test = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        n_test = int(round(len(members) * test_fraction))
        test.append(rng.permutation(members)[:n_test])
    test_idx = np.sort(np.concatenate(test))
    train_idx = np.setdiff1d(np.arange(len(labels)), test_idx)
    return train_idx, test_idx


def load_digits_arrays(
    seed: int = DEFAULT_SEED, test_fraction: float = DEFAULT_TEST_FRACTION
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The digits as uint8 images `(n, 8, 8, 1)` (0-255) and int64 labels, split.

    Returns:
        `{"train": (images, labels), "test": (images, labels)}`.
    """
    bunch = load_digits()
    # sklearn stores 17 grey levels (0..16); rescale to the usual 0..255 uint8 range.
    images = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
    labels = bunch.target.astype(np.int64)
    train_idx, test_idx = stratified_split(labels, test_fraction, seed)
    return {
        "train": (images[train_idx], labels[train_idx]),
        "test": (images[test_idx], labels[test_idx]),
    }
