"""Fixtures and helpers for the dataset tests: the offline datasets prepared once per
test run, in its data dir."""

import os

import numpy as np
import pytest
import tensorflow_datasets as tfds

import tfk_tokfrag.data  # noqa: F401 (registers the offline TFDS builders)
from tfk_tokfrag.data.tfds_sources import tfds_examples

OFFLINE = ("digits", "moving_digits", "digit_scenes")


def stored_examples(data_dir, name, split):
    """The stored examples of an offline dataset's split, as NumPy dicts, in file order."""
    builder = tfds.builder(name, data_dir=data_dir)
    return list(tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False)))


def random_clips(rng, lengths, channels=1):
    """uint8 clips `(t, 4, 6, channels)`, one per length."""
    return [rng.integers(0, 256, size=(t, 4, 6, channels), dtype=np.uint8) for t in lengths]


@pytest.fixture(scope="session")
def offline_data_dir(_private_data_dir):
    """The run's `$TFK_TOKFRAG_DATA_DIR` (see tests/conftest.py) with the offline
    datasets prepared as `load_dataset` prepares them (once, under its lock): the copy
    every other test reads."""
    data_dir = os.environ["TFK_TOKFRAG_DATA_DIR"]
    for name in OFFLINE:
        tfds_examples(name, data_dir=data_dir)
    return data_dir
