"""What every offline builder shares: TFDS registration, no download, determinism, and
the constants each publishes (split sizes, class names) match what it generates."""

import glob
import itertools
import os

import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from tests.data.conftest import OFFLINE
from tfk_tokfrag.data import dataset_info
from tfk_tokfrag.data.builders import digit_scenes, digits, moving_digits

VERSIONS = {"digits": "1.0.0", "moving_digits": "1.1.0", "digit_scenes": "1.0.0"}
MODULES = {"digits": digits, "moving_digits": moving_digits, "digit_scenes": digit_scenes}


def test_builders_are_registered_tfds_datasets(offline_data_dir):
    for name in OFFLINE:
        assert name in tfds.list_builders()
        builder = tfds.builder(name, data_dir=offline_data_dir)
        assert builder.is_prepared()
        assert str(builder.info.version) == VERSIONS[name]
        assert set(builder.info.splits) == {"train", "test"}
    info = tfds.builder("moving_digits", data_dir=offline_data_dir).info
    assert info.features["video"].shape == (None, 32, 32, 1)
    assert info.features["label"].names == list(moving_digits.DIRECTION_NAMES)
    assert info.splits["train"].num_examples == 8000
    assert info.splits["test"].num_examples == 1000


@pytest.mark.parametrize("name", OFFLINE)
def test_published_constants_match_the_generated_data(offline_data_dir, name):
    info = tfds.builder(name, data_dir=offline_data_dir).info
    generated = {split: info.splits[split].num_examples for split in info.splits}
    module = MODULES[name]
    assert module.SPLIT_SIZES == generated
    assert list(module.CLASS_NAMES) == info.features["label"].names
    # The registry reads them: `dataset_info` tells what the builder generates.
    described = dataset_info(name)
    assert described["splits"] == generated
    assert list(described["class_names"]) == info.features["label"].names
    for key, spec in described["inputs"].items():
        assert spec["shape"] == info.features[key].shape, key


FIRST = 300  # examples of each split regenerated; their order is the file order


def test_generation_is_deterministic(offline_data_dir):
    # A fresh generator in this process yields the examples stored in the run's data dir
    # (written by whichever process loaded the dataset first), the same in the same
    # order: every builder stores its examples in generation order (disable_shuffling).
    # Compared as parsed protos: the files' bytes differ between processes (protobuf
    # writes each example's feature map in an order that follows Python's hash seed,
    # PYTHONHASHSEED). The first FIRST of each split, not all: rendering every clip
    # again would double the suite's cost of these datasets.
    for name in OFFLINE:
        builder = tfds.builder(name, data_dir=offline_data_dir)
        assert builder.info.disable_shuffling, name
        files = sorted(glob.glob(os.path.join(builder.data_dir, "*.tfrecord*")))
        assert len(files) == 2, files  # one file a split
        for split, generator in builder._split_generators(None).items():
            [path] = [f for f in files if f"-{split}.tfrecord" in f]
            stored = tf.data.TFRecordDataset(path).take(FIRST).as_numpy_iterator()
            fresh = itertools.islice(generator, FIRST)
            pairs = list(zip(stored, fresh, strict=True))
            assert len(pairs) == FIRST, (name, split)
            for i, (record, (_, example)) in enumerate(pairs):
                again = builder.info.features.serialize_example(example)
                assert (tf.train.Example.FromString(record)
                        == tf.train.Example.FromString(again)), f"{name} {split}: example {i}"
