"""The user's own files: image, text and video folders, the clip writer, the errors."""

import os

import numpy as np
import pytest
import tensorflow as tf

from tfk_tokfrag.data.clip_files import write_clips
from tfk_tokfrag.data.folders import image_folder, text_folder, video_folder
from tfk_tokfrag.data.load_dataset import load_dataset
from tfk_tokfrag.data.registry import dataset_info


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


def _clips(rng, lengths, channels=1):
    return [rng.integers(0, 256, size=(t, 4, 6, channels), dtype=np.uint8) for t in lengths]


@pytest.mark.parametrize("fmt", ["npy", "frames"])
def test_write_clips_and_read_them_back(tmp_path, fmt):
    rng = np.random.default_rng(1)
    videos = _clips(rng, [3, 5, 2])
    paths = write_clips(tmp_path, videos, [1, 0, 1], ["left", "right"], format=fmt)
    assert [os.path.relpath(p, tmp_path) for p in paths][0].startswith(
        os.path.join("right", "clip_0")
    )
    ds, names = video_folder(tmp_path, class_names=["left", "right"])
    got = [(v.numpy(), int(y)) for v, y in ds]
    expected = sorted(zip([1, 0, 1], range(3), videos, strict=True), key=lambda t: (t[0], t[1]))
    assert names == ["left", "right"]
    assert [y for _, y in got] == [label for label, _, _ in expected]
    for (video, _), (_, _, original) in zip(got, expected, strict=True):
        np.testing.assert_array_equal(video, original)


def test_video_folder_pipeline_pads_and_subsamples(tmp_path):
    rng = np.random.default_rng(2)
    videos = _clips(rng, [3, 5, 2, 4], channels=3)
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
    with pytest.raises(ValueError, match="uint8"):
        write_clips(tmp_path / "w", [np.zeros((2, 2, 2), np.float32)], [0])
