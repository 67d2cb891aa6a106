"""`MovingDigits`: Moving-MNIST-style clips of real digits, labelled by direction.

The module holds the dataset's constants (`SPLIT_SIZES`, `CLASS_NAMES`, `VIDEO_SHAPE`,
the geometry of the motion), its NumPy generator (`render_moving_digits` and its parts:
pure functions of the digits they are given and a seeded `numpy.random.Generator`, so
the arrays are identical across runs and machines) and the TFDS builder that stores
what the generator yields.
"""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from tfk_tokfrag.data.builders._base import RenderedFromDigits
from tfk_tokfrag.data.digits import DIGITS_CLASS_NAMES

# === Constants ===

# Directions in screen terms: rows grow downwards, so "N" (up) is drow = -1.
DIRECTION_NAMES = ("E", "NE", "N", "NW", "W", "SW", "S", "SE")
# (drow, dcol) unit steps per frame, in the order of `DIRECTION_NAMES`.
DIRECTION_STEPS = np.array(
    [(0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1), (1, 0), (1, 1)], np.int32
)
CANVAS = 32
DIGIT = 8  # the digits are drawn at their native 8x8 resolution
MIN_FRAMES, MAX_FRAMES = 8, 16
TARGET_SPEED = 1  # pixels per frame along each moving axis: the target moves linearly
NUM_DISTRACTORS = 2  # same-intensity digits bouncing along their own axes
DISTRACTOR_SPEED = 2  # ... at 2 px/frame (1 px on the frames where they turn)
# The 4 axes of motion, one unit step each (E-W, NE-SW, N-S, NW-SE): direction k and
# its opposite k + 4 share the axis k % 4.
AXIS_STEPS = DIRECTION_STEPS[:4]

CLASS_NAMES = DIRECTION_NAMES
SPLIT_SIZES = {"train": 8000, "test": 1000}
VIDEO_SHAPE = (None, CANVAS, CANVAS, 1)  # (length, height, width, channels)


# === The generator ===


def opposite_direction(label):
    """The class of the opposite direction (E <-> W, NE <-> SW, ...)."""
    return (np.asarray(label) + 4) % 8


def direction_from_velocity(drow: float, dcol: float) -> int:
    """The 8-way direction class of a velocity, by its angle (ties never happen here)."""
    angle = np.arctan2(-drow, dcol)  # counter-clockwise from east, rows point down
    return int(np.round(angle / (np.pi / 4))) % 8


def _paste_max(canvas, sprite, row, col):
    h, w = sprite.shape
    np.maximum(
        canvas[row : row + h, col : col + w], sprite, out=canvas[row : row + h, col : col + w]
    )


def uniform_start(step, length: int, rng: np.random.Generator) -> np.ndarray:
    """A top-left corner uniform over those keeping `length` positions
    `start + t * step` (t = 0..length-1) of an 8x8 digit on the canvas."""
    span = CANVAS - DIGIT  # the top-left corner ranges over 0..span
    start = []
    for d in step:
        travel = abs(int(d)) * (length - 1)
        low, high = (0, span) if d == 0 else ((0, span - travel) if d > 0 else (travel, span))
        start.append(int(rng.integers(low, high + 1)))
    return np.array(start, np.int32)


def bounce_offsets(length: int, rng: np.random.Generator) -> np.ndarray:
    """The offsets (0..length-1, each exactly once) of a distractor along its streak.

    The cycle `0, 2, 4, ..., (top), ..., 5, 3, 1` is a digit bouncing between the two
    ends of its streak at 2 px/frame (1 px on the frame where it turns), visiting every
    pixel of the streak once per `length` frames, exactly as often as a 1 px/frame linear
    mover does. The orientation (out on the even or on the odd offsets) and the phase
    are uniform, so the family is closed under time reversal, uniform to uniform.
    """
    cycle = np.concatenate([np.arange(0, length, 2), np.arange(1, length, 2)[::-1]])
    if rng.integers(2):
        cycle = cycle[::-1]
    return np.roll(cycle, -int(rng.integers(length))).astype(np.int32)


def render_moving_digits(images: np.ndarray, num_clips: int, rng: np.random.Generator):
    """Yields `num_clips` Moving-MNIST-style clips built from `images` (n, 8, 8, 1).

    Each clip shows three different digits of `images` at their own (equal) intensity,
    always fully visible, pasted with `max` where they overlap:

    * the target moves linearly at 1 px/frame along each moving axis in one of 8
      directions (the label) for the whole clip: its streak covers `length` positions;
    * `NUM_DISTRACTORS` distractors bounce back and forth at 2 px/frame along streaks of
      the same `length` positions (`bounce_offsets`), each along one of the other 3 axes
      (all axes in a clip distinct), placed like the target's streak.

    Each pixel of each streak is visited once per clip, so the mean frame shows three
    statistically alike streaks on three distinct axes: only the frame order tells which
    one is the linear mover, and which way it went. Labels are balanced (each direction
    `num_clips / 8` times, in a random order).
    """
    images = images[..., 0]
    labels = rng.permutation(np.arange(num_clips) % 8)
    for i in range(num_clips):
        label = int(labels[i])
        length = int(rng.integers(MIN_FRAMES, MAX_FRAMES + 1))
        step = DIRECTION_STEPS[label] * TARGET_SPEED
        start = uniform_start(step, length, rng)
        digits = rng.choice(len(images), size=1 + NUM_DISTRACTORS, replace=False)
        other_axes = [a for a in range(4) if a != label % 4]
        axes = rng.permutation(other_axes)[:NUM_DISTRACTORS]
        paths = [start + np.arange(length)[:, None] * step]
        for axis in axes:
            axis_step = AXIS_STEPS[axis]
            base = uniform_start(axis_step, length, rng)
            paths.append(base + bounce_offsets(length, rng)[:, None] * axis_step)
        video = np.zeros((length, CANVAS, CANVAS), np.uint8)
        for digit, path in zip(digits, paths, strict=True):
            for t in range(length):
                _paste_max(video[t], images[digit], *path[t])
        yield {
            "video": video[..., None],
            "label": label,
            "length": length,
            "digit": int(digits[0]),
            "velocity": step.astype(np.int32),
            "start": start,
        }


# === The TFDS builder ===

_DESCRIPTION = f"""\
Clips built the way Moving MNIST is built, from the real handwritten digits of
`digits`: three different digits of the same split, at the same intensity, move over a
{CANVAS}x{CANVAS} black canvas and stay fully inside it; where they
overlap a pixel takes the brighter value.

* The target moves linearly, {TARGET_SPEED} pixel per frame along each moving
  axis, in one of 8 directions: the label, 8 balanced classes E, NE, N, NW, W, SW, S, SE
  (screen terms, N is up).
* {NUM_DISTRACTORS} distractors bounce back and forth at {DISTRACTOR_SPEED}
  pixels per frame (1 on the frame where they turn) along streaks as long as the
  target's, each on one of the other axes (E-W, NE-SW, N-S, NW-SE; the three axes of a
  clip are distinct), with a uniform phase and orientation.

Clips have {MIN_FRAMES} to {MAX_FRAMES} frames (`length`). Every streak
(target's or distractor's) covers `length` positions, each occupied on exactly one
frame, and is placed uniformly among the placements that keep the digit on the canvas;
the digits are drawn independently of the label. So the mean frame (or any statistic
of the pixels that ignores time) shows three alike streaks on three distinct axes, and a
clip of direction d played backwards is exactly as likely as a clip of direction -d. A
mean-frame model can at best pick the axis among the three (1/3) and the sense (1/2):
1/6, chance being 1/8. Only the order of the frames tells the linear mover from the
bouncing ones, and which way it went.

Train clips use the train digits of `digits`, test clips the held-out test digits.
Generated with a fixed seed: the examples are identical on every run.

Features: `video` uint8 (length, 32, 32, 1), `label`, `length`, and generator metadata
about the target: `digit` (index of the target digit in its split of
`load_digits_arrays()`), `digit_class`, `velocity` (drow, dcol) in pixels per frame and
`start` (row, col) of its top-left corner in frame 0.
"""


class MovingDigits(RenderedFromDigits):
    """Clips of a real digit moving among bouncing distractors; label = its direction."""

    VERSION = tfds.core.Version("1.1.0")
    RELEASE_NOTES = {
        "1.0.0": "Initial release.",
        "1.1.0": (
            "Two same-intensity distractors bouncing at 2 px/frame along streaks like "
            "the target's, which moves at 1 px/frame: order-free models near chance."
        ),
    }
    SPLIT_SIZES = SPLIT_SIZES

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict(
                {
                    "video": tfds.features.Video(shape=VIDEO_SHAPE),
                    "label": tfds.features.ClassLabel(names=CLASS_NAMES),
                    "length": tfds.features.Scalar(dtype=np.int32),
                    "digit": tfds.features.Scalar(dtype=np.int32),
                    "digit_class": tfds.features.ClassLabel(names=DIGITS_CLASS_NAMES),
                    "velocity": tfds.features.Tensor(shape=(2,), dtype=np.int32),
                    "start": tfds.features.Tensor(shape=(2,), dtype=np.int32),
                }
            ),
            supervised_keys=("video", "label"),
            homepage="https://www.cs.toronto.edu/~nitish/unsupervised_video/",
            disable_shuffling=True,  # generation order is already random
        )

    def _render(self, images, labels, num_examples, rng):
        clips = render_moving_digits(images, num_examples, rng)
        for i, clip in enumerate(clips):
            clip["digit_class"] = int(labels[clip["digit"]])
            yield i, clip
