"""The offline TFDS builders: determinism, shapes, sizes, and what the labels mean."""

import glob
import os
import re

import numpy as np
import pytest
import tensorflow_datasets as tfds

from tests.data.conftest import OFFLINE, prepare_offline
from tfk_tokfrag.data.builders import _render
from tfk_tokfrag.data.digits import load_digits_arrays


def _examples(data_dir, name, split):
    builder = tfds.builder(name, data_dir=data_dir)
    return list(tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False)))


def test_builders_are_registered_tfds_datasets(offline_data_dir):
    for name in OFFLINE:
        assert name in tfds.list_builders()
        builder = tfds.builder(name, data_dir=offline_data_dir)
        assert builder.is_prepared()
        assert str(builder.info.version) == "1.0.0"
        assert set(builder.info.splits) == {"train", "test"}
    info = tfds.builder("moving_digits", data_dir=offline_data_dir).info
    assert info.features["video"].shape == (None, 32, 32, 1)
    assert info.features["label"].names == list(_render.DIRECTION_NAMES)
    assert info.splits["train"].num_examples == 4000
    assert info.splits["test"].num_examples == 1000


def test_generation_is_deterministic(offline_data_dir, tmp_path):
    other = prepare_offline(tmp_path)
    for name in OFFLINE:
        files = sorted(glob.glob(os.path.join(offline_data_dir, name, "1.0.0", "*.tfrecord*")))
        assert len(files) == 2, files
        for path in files:
            twin = os.path.join(other, name, "1.0.0", os.path.basename(path))
            with open(path, "rb") as a, open(twin, "rb") as b:
                assert a.read() == b.read(), f"{name}: {os.path.basename(path)} differs"


def test_digits_equals_load_digits_arrays(offline_data_dir):
    arrays = load_digits_arrays()
    for split in ("train", "test"):
        examples = _examples(offline_data_dir, "digits", split)
        images = np.stack([ex["image"] for ex in examples])
        labels = np.array([ex["label"] for ex in examples])
        assert images.dtype == np.uint8 and images.shape[1:] == (8, 8, 1)
        np.testing.assert_array_equal(images, arrays[split][0])
        np.testing.assert_array_equal(labels, arrays[split][1])


# === moving_digits ===


def _bright_centroids(video):
    """Per-frame centroid of the target's bright pixels (the distractor stays <= 128)."""
    frames = video[..., 0]
    threshold = round(255 * _render.DISTRACTOR_INTENSITY)
    centroids = []
    for frame in frames:
        rows, cols = np.nonzero(frame > threshold)
        assert len(rows), "every frame shows the target's bright pixels"
        centroids.append((rows.mean(), cols.mean()))
    return np.array(centroids)


def _direction_from_frames(video):
    """The 8-way direction of the bright digit, from a least-squares fit of its path."""
    centroids = _bright_centroids(video)
    t = np.arange(len(centroids))
    drow, dcol = (np.polyfit(t, centroids[:, k], 1)[0] for k in (0, 1))
    return _render.direction_from_velocity(drow, dcol)


@pytest.fixture(scope="module")
def moving_test(offline_data_dir):
    return _examples(offline_data_dir, "moving_digits", "test")


def test_moving_digits_shapes_sizes_and_labels(offline_data_dir, moving_test):
    train_labels = [ex["label"] for ex in _examples(offline_data_dir, "moving_digits", "train")]
    np.testing.assert_array_equal(np.bincount(train_labels), [500] * 8)
    np.testing.assert_array_equal(np.bincount([ex["label"] for ex in moving_test]), [125] * 8)
    lengths = []
    for ex in moving_test:
        video = ex["video"]
        assert video.dtype == np.uint8 and video.shape[1:] == (32, 32, 1)
        assert video.shape[0] == ex["length"]
        lengths.append(ex["length"])
        assert 0 <= ex["label"] < 8
    assert min(lengths) == _render.MIN_FRAMES and max(lengths) == _render.MAX_FRAMES


def test_moving_digits_test_clips_use_held_out_digits(moving_test):
    test_images, test_labels = load_digits_arrays()["test"]
    for ex in moving_test[:50]:
        digit = test_images[ex["digit"], ..., 0]
        assert test_labels[ex["digit"]] == ex["digit_class"]
        r, c = ex["start"]
        frame = ex["video"][0, ..., 0]
        # The target is pasted with max(): its pixels are a lower bound of the frame's.
        assert np.all(frame[r : r + 8, c : c + 8] >= digit)


def test_moving_digits_label_is_the_direction_of_motion(moving_test):
    for ex in moving_test:
        video = ex["video"]
        direction = _direction_from_frames(video)
        assert direction == ex["label"]
        assert _render.direction_from_velocity(*ex["velocity"]) == ex["label"]
        # Played backwards, the same frames move the opposite way.
        assert _direction_from_frames(video[::-1]) == _render.opposite_direction(ex["label"])


def test_moving_digits_no_frame_order_free_statistic_tells_the_label(moving_test):
    labels = np.array([ex["label"] for ex in moving_test])
    # 1. The target's positions over a clip: for each direction, centred on the canvas
    #    (the position of a frame does not say where the digit goes).
    centre = (32 - 8) / 2 + 3.5  # mean centroid of an 8x8 digit placed uniformly
    per_class = np.array(
        [
            np.concatenate(
                [_bright_centroids(ex["video"]) for ex in moving_test if ex["label"] == k]
            ).mean(0)
            for k in range(8)
        ]
    )
    assert np.all(np.abs(per_class - per_class.mean(0)) < 1.5), per_class
    assert np.all(np.abs(per_class.mean(0) - centre) < 1.5), per_class.mean(0)
    # 2. A classifier on the mean frame, trained on half the test clips, evaluated on
    #    the other half: it may find the axis of motion, never the sense, so it stays
    #    well below the 100% that the frame order gives (its ceiling is 50%).
    from sklearn.linear_model import LogisticRegression

    means = np.stack([ex["video"][..., 0].mean(0).ravel() / 255 for ex in moving_test])
    half = len(means) // 2
    model = LogisticRegression(max_iter=300, C=0.01).fit(means[:half], labels[:half])
    predicted = model.predict(means[half:])
    accuracy = np.mean(predicted == labels[half:])
    sense_errors = np.mean(predicted == _render.opposite_direction(labels[half:]))
    assert accuracy < 0.5, accuracy
    # It confuses d with -d about as often as it gets d right.
    assert sense_errors > 0.5 * accuracy, (accuracy, sense_errors)


def test_moving_digits_reversal_symmetry_of_the_generator():
    # Played backwards, a clip of direction d starts where it ended, with velocity -v.
    # The generator draws the starts of -d from the same distribution as the ends of d,
    # so reversed clips of d are ordinary clips of -d: compare the two distributions.
    images = load_digits_arrays()["test"][0]
    clips = list(_render.render_moving_digits(images, 8000, np.random.default_rng(0)))
    for clip in clips:
        end = clip["start"] + (clip["length"] - 1) * clip["velocity"]
        assert np.all((0 <= clip["start"]) & (clip["start"] <= 24) & (0 <= end) & (end <= 24))
    for label in range(8):
        opposite = _render.opposite_direction(label)
        ends = np.array(
            [c["start"] + (c["length"] - 1) * c["velocity"] for c in clips if c["label"] == label]
        )
        starts = np.array([c["start"] for c in clips if c["label"] == opposite])
        # 1000 clips each: standard error of a mean position ~0.25 px.
        np.testing.assert_allclose(ends.mean(0), starts.mean(0), atol=1.0)
        np.testing.assert_allclose(ends.std(0), starts.std(0), atol=1.0)


# === digit_scenes ===

_ZH = "零一二三四五六七八九"


def _named_digits(text):
    words = set(re.findall(r"[a-z]+", text))
    return {d for d in range(10) if _render.NUMBER_WORDS_EN[d] in words or _ZH[d] in text}


def test_digit_scenes_shapes_and_captions(offline_data_dir):
    examples = _examples(offline_data_dir, "digit_scenes", "test")
    assert len(examples) == 1000
    labels = np.array([ex["label"] for ex in examples])
    np.testing.assert_array_equal(np.bincount(labels), [100] * 10)
    chinese = 0
    for ex in examples:
        assert ex["image"].dtype == np.uint8 and ex["image"].shape == (16, 16, 1)
        assert ex["video"].dtype == np.uint8 and ex["video"].shape == (8, 16, 16, 1)
        text = ex["text"].decode("utf-8")
        named = _named_digits(text)
        assert ex["label"] in named, text
        assert len(named) == _render.NUM_CANDIDATES, text
        chinese += any(ch in _ZH for ch in text)
    assert 0.2 < chinese / len(examples) < 0.4
    # The candidates give no hint: the true digit is in each position equally often.
    positions = []
    for ex in examples:
        text = ex["text"].decode("utf-8")
        order = sorted(_named_digits(text), key=lambda d: _first_index(text, d))
        positions.append(order.index(ex["label"]))
    counts = np.bincount(positions, minlength=3)
    assert counts.min() > 0.25 * len(examples), counts


def _first_index(text, digit):
    en = re.search(rf"\b{_render.NUMBER_WORDS_EN[digit]}\b", text)
    return en.start() if en else text.index(_ZH[digit])


def test_digit_scenes_views_are_noisy_and_occluded(offline_data_dir):
    examples = _examples(offline_data_dir, "digit_scenes", "train")[:200]
    for ex in examples:
        # Each frame of the clip shows one 2-row slit of the digit over noise: rows far
        # from it are pure noise, which is bright only where noise alone is.
        assert ex["video"].std() > 40
        assert ex["image"].std() > 40
    # The noise is independent per example: no two images are identical.
    assert len({ex["image"].tobytes() for ex in examples}) == len(examples)
