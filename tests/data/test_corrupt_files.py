"""Corrupt files on disk: every loader names the file, then stops or skips it (counted).

Each kind of damage is made here from good files the test writes: cut short, emptied,
replaced by text under the same name, frames of two sizes in one clip folder.
"""

import re
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from tests.data.conftest import random_clips
from tfk_tokfrag._warnings import TokfragWarning
from tfk_tokfrag.data import (
    image_folder,
    load_dataset,
    video_folder,
    write_clips,
    write_tfrecords,
)
from tfk_tokfrag.data._bad_files import CHECK_WINDOW, LISTED
from tfk_tokfrag.data.tfrecords import shard_paths
from tfk_tokfrag.data.video_files import decode_video_file


def _cut(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _encode(path, image):
    encode = tf.io.encode_jpeg if path.suffix == ".jpg" else tf.io.encode_png
    tf.io.write_file(str(path), encode(image))


def _examples(ds):
    return [(x.numpy(), int(y)) for x, y in ds]


def _assert_examples(got, expected):
    assert [y for _, y in got] == [y for _, y in expected]
    for (x, _), (ex, _) in zip(got, expected, strict=True):
        np.testing.assert_array_equal(x, ex)


def _read_all(ds_fn):
    """Builds the dataset and reads it: a bad first file fails the build, others the pass."""
    return _examples(ds_fn())


def _skipped(ds_fn, summary, bad, problem):
    """The examples read with `on_error="skip"`, after checking its one warning."""
    with pytest.warns(TokfragWarning, match=re.escape(summary)) as record:
        got = _read_all(ds_fn)
    message = str(record[0].message)
    assert re.search(re.escape(f"{bad}: ") + problem, message), message
    assert len([w for w in record if issubclass(w.category, TokfragWarning)]) == 1
    return got


# === Image folders ===

IMAGE_DAMAGE = {
    # kind: (suffix, damage, what the message says)
    "truncated png": (".png", _cut, r"its PNG data is truncated or damaged \(\d+ bytes\)"),
    "truncated jpeg": (".jpg", _cut, r"its JPEG data is truncated or damaged"),
    "text named .png": (
        ".png",
        lambda p: p.write_text("not an image\n"),
        r"it is not an image file TensorFlow reads .*starting b'not an i'",
    ),
    "empty file": (".png", lambda p: p.write_bytes(b""), r"the file is empty \(0 bytes\)"),
}


@pytest.mark.parametrize("position", ["middle", "first"])
@pytest.mark.parametrize("kind", IMAGE_DAMAGE)
def test_a_bad_image_is_named_then_stops_or_is_skipped(tmp_path, kind, position):
    suffix, damage, problem = IMAGE_DAMAGE[kind]
    rng = np.random.default_rng(0)
    # A non-ASCII name: the messages must hold it as it is.
    bad = tmp_path / "a" / f"{1 if position == 'middle' else 0}-é{suffix}"
    expected = []
    for label, cls in enumerate(["a", "b"]):
        (tmp_path / cls).mkdir()
        for i in range(3):
            image = rng.integers(0, 256, size=(6, 5, 3), dtype=np.uint8)
            if bad.name.startswith(f"{i}-") and cls == "a":
                _encode(bad, image)
                damage(bad)
            else:  # PNG: read back exactly
                _encode(tmp_path / cls / f"{i}.png", image)
                expected.append((image, label))

    def load(**kwargs):
        return load_dataset(tmp_path, batch_size=4, shuffle=False, **kwargs).unbatch()

    error = ValueError if position == "first" else tf.errors.InvalidArgumentError
    with pytest.raises(error, match=re.escape(f"Cannot decode image file {bad}: ") + problem):
        _read_all(load)
    got = _skipped(lambda: load(on_error="skip"), "Skipped 1 of 6 image files", bad, problem)
    _assert_examples(got, expected)


def test_bad_images_at_the_edges_of_check_windows_and_the_listing(tmp_path):
    """Gaps inside a window of checked examples, between two windows, first and last."""
    rng = np.random.default_rng(1)
    num, window = 2 * CHECK_WINDOW + 8, CHECK_WINDOW
    images = rng.integers(0, 256, size=(num, 3, 2, 1), dtype=np.uint8)
    paths = [tmp_path / "c" / f"{i:03d}.png" for i in range(num)]
    paths[0].parent.mkdir()
    for path, image in zip(paths, images, strict=True):
        _encode(path, image)
    # "raise", one bad file: inside the first window, right after it, the last file.
    for i in (1, window - 1, window, num - 1):
        data = paths[i].read_bytes()
        paths[i].write_bytes(data[:20])
        with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(str(paths[i]))):
            _examples(image_folder(tmp_path)[0])
        paths[i].write_bytes(data)
    # "skip": the 32 examples of the first window are 3-8 and 10-35; 36 and 37 are
    # missing between it and the next.
    bad = [0, 1, 2, 9, window + 4, window + 5, 50, 2 * window - 1, 2 * window, num - 2, num - 1]
    assert len(bad) == LISTED + 1
    for i in bad:
        paths[i].write_bytes(b"")
    ds, _ = image_folder(tmp_path, on_error="skip")
    assert ds.element_spec[0].shape == (3, 2, 1)
    with pytest.warns(TokfragWarning, match=f"Skipped {len(bad)} of {num} image files") as record:
        got = _examples(ds)
    message = str(record[0].message)
    assert message.endswith("\n  ... and 1 more")  # the first LISTED are named
    assert [str(paths[i]) in message for i in bad] == [True] * LISTED + [False]
    _assert_examples(got, [(images[i], 0) for i in range(num) if i not in bad])
    assert len(_examples(ds)) == num - len(bad)  # a second pass: the same, no new warning


def test_on_error_is_checked(tmp_path):
    with pytest.raises(
        ValueError,
        match=re.escape("on_error must be one of ('raise', 'skip'). Received: on_error='ignore'"),
    ):
        load_dataset(tmp_path, on_error="ignore")


# === Clips: frame folders, video files, .npy arrays ===


def _frame_folder_damage(clip):
    frame = clip / "frame_00001.png"
    return {
        "truncated frame": (lambda: _cut(frame), f"its frame {frame}: its PNG data is trunc"),
        "text frame": (lambda: frame.write_text("x"), f"its frame {frame}: it is not an image"),
        "empty frame": (lambda: frame.write_bytes(b""), f"its frame {frame}: the file is empty"),
        "frames of two sizes": (
            lambda: _encode(frame, np.zeros((5, 6, 3), np.uint8)),
            f"its frames differ in size: {clip / 'frame_00000.png'} is 4x6, {frame} is 5x6",
        ),
    }


@pytest.mark.parametrize(
    "kind", ["truncated frame", "text frame", "empty frame", "frames of two sizes"]
)
def test_a_bad_frame_folder_is_named_then_stops_or_is_skipped(tmp_path, kind):
    videos = random_clips(np.random.default_rng(2), [3, 3, 3, 3], channels=3)
    write_clips(tmp_path, videos, [0, 0, 1, 1], ["a", "b"], format="frames")
    bad = tmp_path / "a" / "clip_1"
    damage, problem = _frame_folder_damage(bad)[kind]
    damage()

    def load(**kwargs):
        return video_folder(tmp_path, **kwargs)[0]

    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=re.escape(f"Cannot decode clip folder {bad}: {problem}"),
    ):
        _read_all(load)
    got = _skipped(
        lambda: load(on_error="skip"), "Skipped 1 of 4 clip folders", bad, re.escape(problem)
    )
    _assert_examples(got, [(videos[i], y) for i, y in [(0, 0), (2, 1), (3, 1)]])


VIDEO_DAMAGE = {
    # kind: (damage, clip, what the message says)
    "empty .mp4": (lambda p: p.write_bytes(b""), 1, "the file is empty"),
    "truncated .mp4": (_cut, 1, "truncated"),
    "text named .mp4 (first file)": (
        lambda p: p.write_text("not a video\n" * 20),
        0,
        "FFmpeg cannot open it",
    ),
}


@pytest.mark.parametrize("kind", VIDEO_DAMAGE)
def test_a_bad_video_file_is_named_then_stops_or_is_skipped(tmp_path, kind):
    damage, clip, problem = VIDEO_DAMAGE[kind]
    videos = random_clips(np.random.default_rng(3), [4, 4, 4, 4], channels=3)
    paths = write_clips(tmp_path, videos, [0, 0, 1, 1], ["a", "b"], format="mp4")
    expected = [(decode_video_file(p), y) for p, y in zip(paths, [0, 0, 1, 1], strict=True)]
    bad = paths[clip]
    damage(Path(bad))
    del expected[clip]

    def load(**kwargs):
        return video_folder(tmp_path, **kwargs)[0]

    with pytest.raises((ValueError, tf.errors.OpError), match=re.escape(bad) + ".*" + problem):
        _read_all(load)
    got = _skipped(lambda: load(on_error="skip"), "Skipped 1 of 4 video files", bad, ".*" + problem)
    _assert_examples(got, expected)


NPY_DAMAGE = {
    # kind: (damage, what the message says)
    "text named .npy": (lambda p: p.write_text("not an array"), "pickled"),
    "truncated .npy array": (lambda p: _cut(p, 0.9), "mmap length is greater than file size"),
    "truncated .npy header": (lambda p: _cut(p, 0.3), "EOF: reading array header"),
}


@pytest.mark.parametrize("kind", NPY_DAMAGE)
def test_a_bad_npy_clip_is_named_then_stops_or_is_skipped(tmp_path, kind):
    damage, problem = NPY_DAMAGE[kind]
    videos = random_clips(np.random.default_rng(4), [2, 3, 4], channels=1)
    write_clips(tmp_path, videos, [0, 0, 1], ["a", "b"], format="npy")
    bad = tmp_path / "a" / "clip_1.npy"
    damage(bad)
    message = re.escape(f"Clip file {bad} is not a readable .npy array: ") + ".*" + problem
    with pytest.raises(ValueError, match=message):
        video_folder(tmp_path)
    with pytest.warns(
        TokfragWarning, match=r"Skipped 1 of 3 clip files \(\.npy\)(?s:.*)" + message
    ):
        ds, _ = video_folder(tmp_path, on_error="skip")
    _assert_examples(_examples(ds), [(videos[0], 0), (videos[2], 1)])


# === Files that always stop: .ts series, TFRecord shards ===

TS_ROWS = ["1.0,2.0,3.0:up", "4.0,5.0,6.0:down", "7.0,8.0,9.0:up"]
TS_DAMAGE = {
    # kind: (file content, line of the error, what the message says)
    "malformed header": (
        ["@problemName Toy", "@classLabel maybe up down", "@data", *TS_ROWS],
        2,
        "@classLabel must be true or false, got 'maybe'",
    ),
    "truncated row": (
        ["@problemName Toy", "@classLabel true up down", "@data", *TS_ROWS[:2], "7.0,8."],
        6,
        "no class label",
    ),
    "binary file named .ts": (None, 1, "not UTF-8 text"),
}


@pytest.mark.parametrize("kind", TS_DAMAGE)
def test_a_bad_ts_file_is_named_with_its_line(tmp_path, kind):
    lines, line, problem = TS_DAMAGE[kind]
    path = tmp_path / "Toy_TRAIN.ts"
    if lines is None:
        path.write_bytes(tf.io.encode_png(np.zeros((2, 2, 1), np.uint8)).numpy())
    else:
        path.write_text("\n".join(lines))  # cut: no final newline
    with pytest.raises(ValueError, match=re.escape(f"{path}, line {line}: ") + ".*" + problem):
        _read_all(lambda: load_dataset(path, batch_size=2, shuffle=False))


def test_a_truncated_tfrecord_shard_is_named(tmp_path):
    x = np.arange(6 * 4, dtype=np.uint8).reshape(6, 2, 2, 1)
    ds = tf.data.Dataset.from_tensor_slices((x, np.arange(6, dtype=np.int64)))
    write_tfrecords(ds, tmp_path / "t", num_shards=2, progress=False)
    first, _ = shard_paths(str(tmp_path / "t"), 2)
    with open(first, "rb") as f:
        data = f.read()
    with open(first, "wb") as f:
        f.write(data[: len(data) - 7])  # cut inside the last record
    with pytest.raises(tf.errors.DataLossError, match=re.escape(f"The shard {first} is truncated")):
        load_dataset(tmp_path / "t", batch_size=2, shuffle=False)
