"""The user's own files: image, text and video folders, the clip writer, the errors."""

import os
import re

import numpy as np
import pytest
import tensorflow as tf

from tests.data.conftest import random_clips
from tfk_tokfrag.data import (
    dataset_info,
    image_folder,
    load_dataset,
    text_folder,
    video_folder,
    write_clips,
)
from tfk_tokfrag.data.folders import folder_examples, looks_like_path


def _write_png(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tf.io.write_file(path, tf.io.encode_png(array))


@pytest.fixture
def image_root(tmp_path):
    rng = np.random.default_rng(0)
    images = {}
    for cls in ("cat", "dog"):
        for i in range(3):
            image = rng.integers(0, 256, size=(6, 5, 3), dtype=np.uint8)
            _write_png(str(tmp_path / cls / f"{i}.png"), image)
            images[(cls, i)] = image
    (tmp_path / "dog" / "notes.md").write_text("ignored")
    return tmp_path, images


def test_image_folder_round_trip(image_root):
    root, images = image_root
    ds, class_names = image_folder(root)
    assert class_names == ["cat", "dog"]
    got = [(x.numpy(), int(y)) for x, y in ds]
    expected = [(images[(c, i)], k) for k, c in enumerate(class_names) for i in range(3)]
    assert len(got) == len(expected)
    for (x, y), (ex, ey) in zip(got, expected, strict=True):
        np.testing.assert_array_equal(x, ex)
        assert y == ey


def test_load_dataset_on_an_image_folder(image_root):
    root, images = image_root
    ds = load_dataset(str(root), batch_size=4, image_size=(8, 10), shuffle=False)
    batches = list(ds)
    assert [b[0].shape for b in batches] == [(4, 8, 10, 3), (2, 8, 10, 3)]
    assert batches[0][0].dtype == tf.uint8 and batches[0][1].dtype == tf.int64
    expected = tf.image.resize(images[("cat", 0)], (8, 10), antialias=True)
    expected = tf.cast(tf.clip_by_value(tf.round(expected), 0, 255), tf.uint8)
    np.testing.assert_array_equal(batches[0][0][0], expected)
    assert dataset_info(root)["class_names"] == ("cat", "dog")
    assert dataset_info(root)["splits"] == {"train": 6}


def test_explicit_class_names_set_the_label_order(image_root):
    root, _ = image_root
    ds, names = image_folder(root, class_names=["dog", "cat"], channels=1)
    labels = [int(y) for _, y in ds]
    assert names == ["dog", "cat"] and labels == [0, 0, 0, 1, 1, 1]
    assert ds.element_spec[0].shape == (6, 5, 1)


def test_split_folders(tmp_path):
    for split in ("train", "test"):
        for cls in ("a", "b"):
            (tmp_path / split / cls).mkdir(parents=True)
            (tmp_path / split / cls / "x.txt").write_text(f"{split} {cls}")
    texts = [
        t.decode() for x, _ in load_dataset(tmp_path, "test", shuffle=False) for t in x.numpy()
    ]
    assert texts == ["test a", "test b"]
    with pytest.raises(ValueError, match="validation"):
        load_dataset(tmp_path, "validation")


def test_text_folder(tmp_path):
    (tmp_path / "neg").mkdir()
    (tmp_path / "pos").mkdir()
    (tmp_path / "neg" / "1.txt").write_text("awful film", encoding="utf-8")
    (tmp_path / "pos" / "1.txt").write_text("一部好电影", encoding="utf-8")
    ds, names = text_folder(tmp_path)
    got = [(x.numpy().decode("utf-8"), int(y)) for x, y in ds]
    assert names == ["neg", "pos"] and got == [("awful film", 0), ("一部好电影", 1)]
    x, y = next(iter(load_dataset(str(tmp_path), batch_size=2, shuffle=False)))
    assert x.dtype == tf.string and x.shape == (2,) and y.numpy().tolist() == [0, 1]
    with pytest.raises(ValueError, match="only applies to folders"):
        load_dataset("digits", class_names=["a"])


def test_video_folder_pipeline_pads_and_subsamples(tmp_path):
    rng = np.random.default_rng(2)
    videos = random_clips(rng, [3, 5, 2, 4], channels=3)
    write_clips(tmp_path / "npy", videos[:2], [0, 1], format="npy")
    write_clips(tmp_path / "frames", videos[2:], [0, 1], format="frames")
    # Variable lengths: zero-padded batches, with the true lengths on request.
    x, y = next(
        iter(load_dataset(tmp_path / "npy", batch_size=2, shuffle=False, return_lengths=True))
    )
    assert x["video"].shape == (2, 5, 4, 6, 3) and x["video"].dtype == tf.uint8
    assert x["length"].numpy().tolist() == [3, 5]
    np.testing.assert_array_equal(x["video"][0, :3], videos[0])
    assert not np.any(x["video"][0, 3:])
    # Fixed number of frames, resized.
    x, _ = next(
        iter(
            load_dataset(
                tmp_path / "frames", batch_size=2, shuffle=False, num_frames=3, image_size=(8, 12)
            )
        )
    )
    assert x.shape == (2, 3, 8, 12, 3)
    ds, _ = video_folder(tmp_path / "frames", num_frames=3)
    first = next(iter(ds))[0].numpy()
    np.testing.assert_array_equal(first, videos[2][[0, 0, 1]])  # round(linspace(0, 1, 3))


def test_errors_name_the_path(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError, match=str(missing)):
        load_dataset(missing)
    (tmp_path / "imgs" / "a").mkdir(parents=True)
    (tmp_path / "imgs" / "b").mkdir(parents=True)
    _write_png(str(tmp_path / "imgs" / "a" / "0.png"), np.zeros((2, 2, 1), np.uint8))
    with pytest.raises(ValueError, match=f"{tmp_path / 'imgs' / 'b'} has no image files"):
        image_folder(tmp_path / "imgs")
    (tmp_path / "clips" / "a" / "clip_0").mkdir(parents=True)
    with pytest.raises(
        ValueError, match=f"Clip folder {tmp_path / 'clips' / 'a' / 'clip_0'} has no frames"
    ):
        video_folder(tmp_path / "clips")
    (tmp_path / "npys" / "a").mkdir(parents=True)
    np.save(tmp_path / "npys" / "a" / "empty.npy", np.zeros((0, 2, 2, 1), np.uint8))
    with pytest.raises(ValueError, match=f"{tmp_path / 'npys' / 'a' / 'empty.npy'} has no frames"):
        video_folder(tmp_path / "npys")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=f"No class folders in {tmp_path / 'empty'}"):
        text_folder(tmp_path / "empty")


def test_folder_examples_reads_each_kind_of_split(tmp_path):
    rng = np.random.default_rng(3)
    videos = random_clips(rng, [2, 4])
    write_clips(tmp_path / "train", videos, [0, 1], ["a", "b"])
    write_clips(tmp_path / "test", videos[::-1], [0, 1], ["a", "b"])
    got = [
        (x["video"].numpy(), int(x["length"]), int(y))
        for x, y in folder_examples(tmp_path, "test", return_lengths=True)
    ]
    assert [(length, label) for _, length, label in got] == [(4, 0), (2, 1)]
    np.testing.assert_array_equal(got[0][0], videos[1])
    ((video, label),) = folder_examples(tmp_path, "train", num_frames=3, class_names=["b"])
    np.testing.assert_array_equal(video, videos[1][[0, 2, 3]])  # round(linspace(0, 3, 3))
    assert int(label) == 0


def test_looks_like_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pictures").mkdir()
    assert looks_like_path(tmp_path) and looks_like_path("./x") and looks_like_path("a/b")
    assert looks_like_path("~") and looks_like_path("pictures")
    assert not looks_like_path("nowhere") and not looks_like_path(3)


def test_size_and_frame_arguments_name_the_value(image_root):
    root, _ = image_root
    ds, _ = image_folder(root, image_size=np.array([3, 2]))
    assert ds.element_spec[0].shape == (3, 2, 3)
    for size in (0, (4, 0), [0, 3]):
        with pytest.raises(
            ValueError,
            match=rf"image_size must be positive\. Received: image_size={re.escape(repr(size))}$",
        ):
            image_folder(root, image_size=size)
    for size in ("big", (4,), (4, 4, 4), 2.5, True):
        with pytest.raises(
            ValueError,
            match=r"image_size must be None, a positive int or a \(height, width\) pair\. "
            rf"Received: image_size={re.escape(repr(size))}$",
        ):
            image_folder(root, image_size=size)
    for num_frames in (0, 1.5):
        with pytest.raises(
            ValueError,
            match=r"num_frames must be None or a positive int\. "
            rf"Received: num_frames={num_frames}$",
        ):
            video_folder(root, num_frames=num_frames)
