"""`DigitScenes`: image + caption + clip of one digit class, each view ambiguous."""

from __future__ import annotations

import tensorflow_datasets as tfds

from tfk_tokfrag.data.builders import _render
from tfk_tokfrag.data.builders._base import RenderedFromDigits
from tfk_tokfrag.data.digits import DIGITS_CLASS_NAMES

SPLIT_SIZES = {"train": 4000, "test": 1000}

_S = _render.SCENE_SIZE
_DESCRIPTION = f"""\
Multimodal scenes of one handwritten digit class (label 0..9, balanced), built from the
real digits of `digits` (train scenes from its train digits, test scenes from its
held-out test digits). Each view is ambiguous on purpose, so that fusing them wins:

* `image` uint8 ({_S}, {_S}, 1): one instance of the digit upscaled 2x, only a random
  band of {_render.IMAGE_KEEP_ROWS} of the {_S} rows kept (the rest black), then Gaussian
  noise of std {_render.IMAGE_NOISE_STD:g} (clipped to 0..255).
* `text`: a caption naming the true digit among {_render.NUM_CANDIDATES - 1} decoys drawn
  uniformly from the other nine, in random order, e.g. "maybe three, seven or five"; about
  {_render.CHINESE_FRACTION:.0%} of the captions are in Chinese ("可能是三、七或五"). Alone
  it gives exactly 1/{_render.NUM_CANDIDATES} chance among its candidates.
* `video` uint8 ({_render.SCENE_FRAMES}, {_S}, {_S}, 1): another instance of the same
  class seen through a {_render.VIDEO_SLIT_ROWS}-row slit sliding down one row per frame
  (so the clip uncovers a random band of 9 rows, one slice at a time), every frame with
  independent Gaussian noise of std {_render.VIDEO_NOISE_STD:g}.

The image and the clip show different instances, so the three views are independent
evidence given the class. Indicative single-view accuracies of a small MLP on the test
split: image ~62%, video ~57%, text 1/3; all three combined (product of the views'
probabilities) ~91%.

Generated with a fixed seed: the bytes are identical on every run.
"""


class DigitScenes(RenderedFromDigits):
    """`{image, text, video}` views of a digit class, each ambiguous alone."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    SPLIT_SIZES = SPLIT_SIZES

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(_S, _S, 1)),
                    "text": tfds.features.Text(),
                    "video": tfds.features.Video(shape=(_render.SCENE_FRAMES, _S, _S, 1)),
                    "label": tfds.features.ClassLabel(names=DIGITS_CLASS_NAMES),
                }
            ),
            supervised_keys=None,  # the inputs are a dict: {"image", "text", "video"}
            disable_shuffling=True,  # generation order is already random
        )

    def _render(self, images, labels, num_examples, rng):
        yield from enumerate(_render.render_digit_scenes(images, labels, num_examples, rng))
