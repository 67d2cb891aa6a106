"""`MovingDigits`: Moving-MNIST-style clips of real digits, labelled by direction."""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from tfk_tokfrag.data.builders import _render
from tfk_tokfrag.data.builders._base import OfflineBuilder
from tfk_tokfrag.data.digits import DEFAULT_SEED, DIGITS_CLASS_NAMES, load_digits_arrays

SPLIT_SIZES = {"train": 4000, "test": 1000}

_DESCRIPTION = f"""\
Clips built the way Moving MNIST is built, from the real handwritten digits of
`digits`: a target digit (8x8, full intensity) moves with constant velocity over a
{_render.CANVAS}x{_render.CANVAS} black canvas and stays fully inside it, while a
distractor digit at half intensity (brightest pixel ~128 instead of 255) jitters in
place (an independent offset in {{-1, 0, 1}}^2 every frame). Where they overlap a pixel
takes the brighter value.

Label: the target's direction, 8 balanced classes E, NE, N, NW, W, SW, S, SE (screen
terms, N is up). Speed is 1 or 2 pixels per frame along each moving axis; clips have
{_render.MIN_FRAMES} to {_render.MAX_FRAMES} frames (`length`). Starting positions are
uniform over those that keep the digit on the canvas, and the distractor's frames are
independent, so a clip of direction d played backwards is exactly as likely as a clip
of direction -d. Consequently no frame-order-free model (mean of frames, bag of frames,
any single frame at a random time) can tell d from -d: such a model is at best 50%
accurate (it can at best find the axis of motion), chance being 12.5%. Only the order
of the frames tells the answer.

Train clips use the train digits of `digits`, test clips the held-out test digits.
Generated with a fixed seed: the bytes are identical on every run.

Features: `video` uint8 (length, 32, 32, 1), `label`, `length`, and generator metadata:
`digit` (index of the target digit in its split of `load_digits_arrays()`), `digit_class`,
`velocity` (drow, dcol) in pixels per frame and `start` (row, col) of the target's top-left
corner in frame 0.
"""


class MovingDigits(OfflineBuilder):
    """Clips of a real digit moving over a canvas with a distractor; label = direction."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    SEED = DEFAULT_SEED

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

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # nothing to download
        return {split: self._generate_examples(split) for split in SPLIT_SIZES}

    def _generate_examples(self, split: str):
        images, labels = load_digits_arrays(seed=DEFAULT_SEED)[split]
        rng = np.random.default_rng([self.SEED, list(SPLIT_SIZES).index(split)])
        clips = _render.render_moving_digits(images, SPLIT_SIZES[split], rng)
        for i, clip in enumerate(clips):
            clip["digit_class"] = int(labels[clip["digit"]])
            yield i, clip
