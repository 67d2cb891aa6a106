"""`convert`: a folder's split written as TFRecords reads back as the folder's examples."""

import os

import numpy as np
import pytest
import tensorflow as tf

from tests.data.conftest import random_clips
from tfk_tokfrag.data import batch_pipeline, load_dataset, write_clips
from tfk_tokfrag.data.convert import convert
from tfk_tokfrag.data.folders import folder_examples
from tfk_tokfrag.data.tfrecords import read_tfrecords


def _assert_same(got, expected):
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        for x, y in zip(tf.nest.flatten(a), tf.nest.flatten(b), strict=True):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_convert_an_image_folder_with_splits(tmp_path):
    rng = np.random.default_rng(0)
    for split, count in (("train", 3), ("test", 2)):
        for cls in ("cat", "dog"):
            os.makedirs(tmp_path / "src" / split / cls)
            for i in range(count):
                image = rng.integers(0, 256, size=(5, 4, 3), dtype=np.uint8)
                tf.io.write_file(
                    str(tmp_path / "src" / split / cls / f"{i}.png"), tf.io.encode_png(image)
                )
    info = convert(
        tmp_path / "src", tmp_path / "out" / "test", num_shards=2, split="test", progress=False
    )
    assert info["class_names"] == ["cat", "dog"] and info["split"] == "test"
    assert info["num_examples"] == 4
    got, _ = read_tfrecords(tmp_path / "out", split="test")
    _assert_same(list(got), list(folder_examples(tmp_path / "src", "test")))
    with pytest.raises(ValueError, match="batch_size is not one of its options"):
        convert(tmp_path / "src", tmp_path / "out" / "x", num_shards=1, batch_size=4)


def test_convert_keeps_the_true_length_of_every_clip(tmp_path):
    clips = random_clips(np.random.default_rng(1), [3, 1, 4, 2])
    write_clips(tmp_path / "clips", clips, [0, 1, 0, 1], ["a", "b"])
    convert(tmp_path / "clips", tmp_path / "clips-tfr", num_shards=3, progress=False)
    got, info = read_tfrecords(str(tmp_path / "clips-tfr-*-of-*.tfrecord"))
    assert [v.shape[0] for v, _ in got] == [3, 4, 1, 2]  # class a, then class b; no padding
    _assert_same(list(got), list(folder_examples(tmp_path / "clips")))
    assert info["class_names"] == ["a", "b"] and info["record_type"] == "sequence_example"


def test_convert_digit_scenes_gives_the_same_batches(tmp_path):
    # the multimodal offline dataset (generated once per session, ~6 s)
    info = convert("digit_scenes", tmp_path / "scenes", num_shards=3, split="test", progress=False)
    assert info["record_type"] == "sequence_example" and info["num_examples"] == 1000
    assert len(info["class_names"]) == 10
    read, _ = read_tfrecords(tmp_path / "scenes")
    expected = list(load_dataset("digit_scenes", "test", batch_size=100, shuffle=False))
    _assert_same(list(batch_pipeline(read, 100)), expected)
