"""`moving_digits`: shapes, sizes, and that only the frame order tells the label."""

import numpy as np
import pytest

from tests.data.conftest import stored_examples
from tfk_tokfrag.data import load_digits_arrays
from tfk_tokfrag.data.builders import moving_digits


def _linear_mover(video):
    """The direction of the digit that moves linearly at 1 px/frame, from the frames.

    For each of the 8 steps `s`, `trail[x] = min_t frame_t[x + t * s]` is bright only
    where some digit sits at `x + t * s` on every frame: the best 8x8 window of `trail`
    over the 8 steps is the linear mover (the target is pasted with max(), so its
    pixels are a lower bound of the frames'; the distractors bounce at 2 px/frame and
    never follow such a path). Returns `(direction, score)`.
    """
    frames = video[..., 0].astype(np.int64)
    size, d = frames.shape[1], moving_digits.DIGIT
    padded = np.pad(frames, ((0, 0), (size, size), (size, size)))
    best = (None, -1)
    for k, (dr, dc) in enumerate(moving_digits.DIRECTION_STEPS):
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
    return stored_examples(offline_data_dir, "moving_digits", "test")


@pytest.fixture(scope="module")
def moving_train(offline_data_dir):
    return stored_examples(offline_data_dir, "moving_digits", "train")


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
    assert min(lengths) == moving_digits.MIN_FRAMES and max(lengths) == moving_digits.MAX_FRAMES


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
        assert np.abs(ex["velocity"]).max() == moving_digits.TARGET_SPEED
        assert moving_digits.direction_from_velocity(*ex["velocity"]) == ex["label"]
        assert _linear_mover(video)[0] == ex["label"]
        # Played backwards, the same frames move the opposite way.
        assert _linear_mover(video[::-1])[0] == moving_digits.opposite_direction(ex["label"])


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

    # float32: scikit-learn keeps it (half the float64 arithmetic), same models.
    x_train = train.reshape(len(train), -1).astype("float32")
    x_test = test.reshape(len(test), -1).astype("float32")
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
    for length in range(moving_digits.MIN_FRAMES, moving_digits.MAX_FRAMES + 1):
        family = set()
        for _ in range(400):
            offsets = moving_digits.bounce_offsets(length, rng)
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
    clips = list(moving_digits.render_moving_digits(images, 8000, np.random.default_rng(0)))
    for clip in clips:
        end = clip["start"] + (clip["length"] - 1) * clip["velocity"]
        assert np.all((0 <= clip["start"]) & (clip["start"] <= 24) & (0 <= end) & (end <= 24))
    for label in range(8):
        opposite = moving_digits.opposite_direction(label)
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
