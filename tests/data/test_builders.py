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

VERSIONS = {"digits": "1.0.0", "moving_digits": "1.1.0", "digit_scenes": "1.0.0"}


def _examples(data_dir, name, split):
    builder = tfds.builder(name, data_dir=data_dir)
    return list(tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False)))


def test_builders_are_registered_tfds_datasets(offline_data_dir):
    for name in OFFLINE:
        assert name in tfds.list_builders()
        builder = tfds.builder(name, data_dir=offline_data_dir)
        assert builder.is_prepared()
        assert str(builder.info.version) == VERSIONS[name]
        assert set(builder.info.splits) == {"train", "test"}
    info = tfds.builder("moving_digits", data_dir=offline_data_dir).info
    assert info.features["video"].shape == (None, 32, 32, 1)
    assert info.features["label"].names == list(_render.DIRECTION_NAMES)
    assert info.splits["train"].num_examples == 8000
    assert info.splits["test"].num_examples == 1000


def test_generation_is_deterministic(offline_data_dir, tmp_path):
    other = prepare_offline(tmp_path)
    for name in OFFLINE:
        version = VERSIONS[name]
        files = sorted(glob.glob(os.path.join(offline_data_dir, name, version, "*.tfrecord*")))
        assert len(files) == 2, files
        for path in files:
            twin = os.path.join(other, name, version, os.path.basename(path))
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


def _linear_mover(video):
    """The direction of the digit that moves linearly at 1 px/frame, from the frames.

    For each of the 8 steps `s`, `trail[x] = min_t frame_t[x + t * s]` is bright only
    where some digit sits at `x + t * s` on every frame: the best 8x8 window of `trail`
    over the 8 steps is the linear mover (the target is pasted with max(), so its
    pixels are a lower bound of the frames'; the distractors bounce at 2 px/frame and
    never follow such a path). Returns `(direction, score)`.
    """
    frames = video[..., 0].astype(np.int64)
    size, d = frames.shape[1], _render.DIGIT
    padded = np.pad(frames, ((0, 0), (size, size), (size, size)))
    best = (None, -1)
    for k, (dr, dc) in enumerate(_render.DIRECTION_STEPS):
        trail = np.stack(
            [
                padded[t, size + t * dr : 2 * size + t * dr, size + t * dc : 2 * size + t * dc]
                for t in range(len(frames))
            ]
        ).min(0)
        c = np.pad(trail.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
        score = (c[d:, d:] - c[:-d, d:] - c[d:, :-d] + c[:-d, :-d]).max()
        if score > best[1]:
            best = (k, score)
    return best


@pytest.fixture(scope="module")
def moving_test(offline_data_dir):
    return _examples(offline_data_dir, "moving_digits", "test")


@pytest.fixture(scope="module")
def moving_train(offline_data_dir):
    return _examples(offline_data_dir, "moving_digits", "train")


def test_moving_digits_shapes_sizes_and_labels(moving_train, moving_test):
    np.testing.assert_array_equal(np.bincount([ex["label"] for ex in moving_train]), [1000] * 8)
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
    for ex in moving_test[:100]:
        digit = test_images[ex["digit"], ..., 0]
        assert test_labels[ex["digit"]] == ex["digit_class"]
        for t, frame in enumerate(ex["video"][..., 0]):
            # The target is pasted with max(): its pixels are a lower bound of the frame's.
            r, c = ex["start"] + t * ex["velocity"]
            assert np.all(frame[r : r + 8, c : c + 8] >= digit)
        # All digits are drawn at full intensity: the target is not the brightest one.
        assert ex["video"].max() == 255


def test_moving_digits_label_is_the_direction_of_motion(moving_test):
    for ex in moving_test:
        video = ex["video"]
        assert np.abs(ex["velocity"]).max() == _render.TARGET_SPEED
        assert _render.direction_from_velocity(*ex["velocity"]) == ex["label"]
        assert _linear_mover(video)[0] == ex["label"]
        # Played backwards, the same frames move the opposite way.
        assert _linear_mover(video[::-1])[0] == _render.opposite_direction(ex["label"])


def test_moving_digits_no_frame_order_free_statistic_tells_the_label(moving_train, moving_test):
    def mean_frames(examples):
        return np.stack([ex["video"][..., 0].mean(0) / 255 for ex in examples])

    train, test = mean_frames(moving_train), mean_frames(moving_test)
    y_train = np.array([ex["label"] for ex in moving_train])
    y_test = np.array([ex["label"] for ex in moving_test])
    # 1. Where the light is: for each direction, the mean frame's centroid is centred
    #    (the positions do not say where the target goes).
    coords = np.arange(32)
    per_class = []
    for k in range(8):
        light = train[y_train == k].mean(0)
        per_class.append([light.sum(1) @ coords, light.sum(0) @ coords] / light.sum())
    per_class = np.array(per_class)
    assert np.all(np.abs(per_class - per_class.mean(0)) < 0.5), per_class
    assert np.all(np.abs(per_class.mean(0) - 15.5) < 1.0), per_class
    # 2. Classifiers on the mean frame, trained on the train clips, tested on the test
    #    clips: three alike streaks on three distinct axes, so at best 1/3 for the axis
    #    and 1/2 for the sense, 1/6 overall (chance 1/8).
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    x_train, x_test = train.reshape(len(train), -1), test.reshape(len(test), -1)
    for model in (
        LogisticRegression(max_iter=500, C=0.01),
        MLPClassifier((256,), max_iter=200, early_stopping=True, random_state=0),
    ):
        predicted = model.fit(x_train, y_train).predict(x_test)
        accuracy = np.mean(predicted == y_test)
        axis_accuracy = np.mean(predicted % 4 == y_test % 4)
        assert accuracy < 0.21, (model, accuracy)  # 1000 clips: standard error ~1.2%
        assert axis_accuracy < 0.40, (model, axis_accuracy)


def test_moving_digits_bounce_visits_each_offset_once_and_is_reversible():
    rng = np.random.default_rng(0)
    for length in range(_render.MIN_FRAMES, _render.MAX_FRAMES + 1):
        family = set()
        for _ in range(400):
            offsets = _render.bounce_offsets(length, rng)
            # Every position of the streak once per clip, like a 1 px/frame mover ...
            np.testing.assert_array_equal(np.sort(offsets), np.arange(length))
            # ... but at 2 px/frame, 1 px on the frame where it turns at an end.
            steps = np.abs(np.diff(offsets))
            assert set(steps) <= {1, 2} and np.sum(steps == 1) <= 2, offsets
            family.add(tuple(offsets))
        # Orientation x phase: 2 * length equally likely paths, closed under reversal.
        assert len(family) == 2 * length
        assert {path[::-1] for path in family} == family


def test_moving_digits_reversal_symmetry_of_the_generator():
    # Played backwards, a clip of direction d starts where it ended, with velocity -v.
    # The generator draws the starts of -d from the same distribution as the ends of d,
    # and the distractors' paths from a family closed under reversal, so reversed clips
    # of d are ordinary clips of -d: compare the target's starts and ends.
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
    # The digits do not depend on the label: the target's class is uniform per direction.
    test_labels = load_digits_arrays()["test"][1]
    table = np.zeros((8, 10))
    for clip in clips:
        table[clip["label"], test_labels[clip["digit"]]] += 1
    np.testing.assert_allclose(table / table.sum(1, keepdims=True), 0.1, atol=0.04)


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
