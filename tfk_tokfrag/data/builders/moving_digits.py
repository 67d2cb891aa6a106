"""`MovingDigits`: Moving-MNIST-style clips of real digits, labelled by direction."""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from tfk_tokfrag.data.builders import _render
from tfk_tokfrag.data.builders._base import RenderedFromDigits
from tfk_tokfrag.data.digits import DIGITS_CLASS_NAMES

SPLIT_SIZES = {"train": 8000, "test": 1000}

_DESCRIPTION = f"""\
Clips built the way Moving MNIST is built, from the real handwritten digits of
`digits`: three different digits of the same split, at the same intensity, move over a
{_render.CANVAS}x{_render.CANVAS} black canvas and stay fully inside it; where they
overlap a pixel takes the brighter value.

* The target moves linearly, {_render.TARGET_SPEED} pixel per frame along each moving
  axis, in one of 8 directions: the label, 8 balanced classes E, NE, N, NW, W, SW, S, SE
  (screen terms, N is up).
* {_render.NUM_DISTRACTORS} distractors bounce back and forth at {_render.DISTRACTOR_SPEED}
  pixels per frame (1 on the frame where they turn) along streaks as long as the
  target's, each on one of the other axes (E-W, NE-SW, N-S, NW-SE; the three axes of a
  clip are distinct), with a uniform phase and orientation.

Clips have {_render.MIN_FRAMES} to {_render.MAX_FRAMES} frames (`length`). Every streak
(target's or distractor's) covers `length` positions, each occupied on exactly one
frame, and is placed uniformly among the placements that keep the digit on the canvas;
the digits are drawn independently of the label. So the mean frame (or any statistic
of the pixels that ignores time) shows three alike streaks on three distinct axes, and a
clip of direction d played backwards is exactly as likely as a clip of direction -d. A
mean-frame model can at best pick the axis among the three (1/3) and the sense (1/2):
1/6, chance being 1/8. Only the order of the frames tells the linear mover from the
bouncing ones, and which way it went.

Train clips use the train digits of `digits`, test clips the held-out test digits.
Generated with a fixed seed: the bytes are identical on every run.

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
        size = _render.CANVAS
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict(
                {
                    "video": tfds.features.Video(shape=(None, size, size, 1)),
                    "label": tfds.features.ClassLabel(names=_render.DIRECTION_NAMES),
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
        clips = _render.render_moving_digits(images, num_examples, rng)
        for i, clip in enumerate(clips):
            clip["digit_class"] = int(labels[clip["digit"]])
            yield i, clip
