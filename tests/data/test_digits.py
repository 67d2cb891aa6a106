"""The bundled digits as arrays: the stratified, seeded split."""

import numpy as np
import pytest

from tfk_tokfrag.data import load_digits_arrays, stratified_split


def test_split_is_stratified_deterministic_and_disjoint():
    a = load_digits_arrays(seed=42)
    b = load_digits_arrays(seed=42)
    for split in ("train", "test"):
        np.testing.assert_array_equal(a[split][0], b[split][0])
        np.testing.assert_array_equal(a[split][1], b[split][1])
    train_labels, test_labels = a["train"][1], a["test"][1]
    assert len(train_labels) + len(test_labels) == 1797
    assert len(test_labels) == 359
    # Per class, the test share is the rounded 20% of that class (sklearn's counts).
    from sklearn.datasets import load_digits

    counts = np.bincount(load_digits().target)
    np.testing.assert_array_equal(np.bincount(test_labels), np.round(counts * 0.2))
    # Another seed gives another split.
    c = load_digits_arrays(seed=7)
    assert not np.array_equal(c["test"][0], a["test"][0])


def test_images_are_uint8_rescaled_from_sklearn():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    train_idx, _ = stratified_split(bunch.target, 0.2, 42)
    images, labels = load_digits_arrays(seed=42)["train"]
    assert images.dtype == np.uint8 and images.shape[1:] == (8, 8, 1)
    expected = np.round(bunch.images[train_idx] * 255 / 16).astype(np.uint8)
    np.testing.assert_array_equal(images[..., 0], expected)
    np.testing.assert_array_equal(labels, bunch.target[train_idx])


def test_stratified_split_rejects_bad_fraction():
    with pytest.raises(ValueError, match="test_fraction=1.5"):
        stratified_split(np.zeros(10), test_fraction=1.5)
