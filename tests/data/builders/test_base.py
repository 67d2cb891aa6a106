"""What every offline builder shares: TFDS registration, no download, determinism, and
the constants each publishes (split sizes, class names) match what it generates."""

import glob
import os

import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from tests.data.conftest import OFFLINE, prepare_offline
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


def _examples(path):
    """The records of a TFRecord file as `tf.train.Example`s, in file order."""
    return [tf.train.Example.FromString(record)
            for record in tf.data.TFRecordDataset(path).as_numpy_iterator()]


def test_generation_is_deterministic(offline_data_dir, tmp_path):
    # The same examples in the same order, compared as parsed protos: the files' bytes
    # differ between processes (protobuf writes each example's feature map in an order
    # that follows Python's hash seed, PYTHONHASHSEED).
    other = prepare_offline(tmp_path)
    for name in OFFLINE:
        version = VERSIONS[name]
        files = sorted(glob.glob(os.path.join(offline_data_dir, name, version, "*.tfrecord*")))
        assert len(files) == 2, files
        for path in files:
            twin = os.path.join(other, name, version, os.path.basename(path))
            assert _examples(path) == _examples(twin), f"{name}: {os.path.basename(path)} differs"
