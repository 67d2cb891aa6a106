"""`digits`: exactly `load_digits_arrays()`, as a TFDS dataset."""

import numpy as np

from tests.data.conftest import stored_examples
from tfk_tokfrag.data import load_digits_arrays


def test_digits_equals_load_digits_arrays(offline_data_dir):
    arrays = load_digits_arrays()
    for split in ("train", "test"):
        examples = stored_examples(offline_data_dir, "digits", split)
        images = np.stack([ex["image"] for ex in examples])
        labels = np.array([ex["label"] for ex in examples])
        assert images.dtype == np.uint8 and images.shape[1:] == (8, 8, 1)
        np.testing.assert_array_equal(images, arrays[split][0])
        np.testing.assert_array_equal(labels, arrays[split][1])
