"""`DigitScenes`: image + caption + clip of one digit class, each view ambiguous.

The module holds the dataset's constants (`SPLIT_SIZES`, `CLASS_NAMES`, `IMAGE_SHAPE`,
`VIDEO_SHAPE`, the captions' words, the noise), its NumPy generator
(`render_digit_scenes` and its parts: pure functions of the digits they are given and a
seeded `numpy.random.Generator`) and the TFDS builder that stores what it yields.
"""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from tfk_tokfrag.data.builders._base import RenderedFromDigits
from tfk_tokfrag.data.digits import DIGITS_CLASS_NAMES

# === Constants ===

NUMBER_WORDS_EN = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
)
NUMBER_WORDS_ZH = ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九")
_TEMPLATES_EN = (
    "maybe {0}, {1} or {2}",
    "it could be {0}, {1} or {2}",
    "either {0}, {1} or {2}",
    "a blurry digit, perhaps {0}, {1} or {2}",
    "i think it is {0}, {1} or {2}",
)
_TEMPLATES_ZH = (
    "可能是{0}、{1}或{2}",
    "也许是{0}、{1}或者{2}",
    "这个数字是{0}、{1}还是{2}",
)
NUM_CANDIDATES = 3
CHINESE_FRACTION = 0.3
SCENE_SIZE = 16  # images and frames are the 8x8 digits upscaled 2x
SCENE_FRAMES = 8
IMAGE_NOISE_STD = 130.0
IMAGE_KEEP_ROWS = 8  # rows kept visible out of 16 (a random band), the rest is masked
VIDEO_NOISE_STD = 110.0
VIDEO_SLIT_ROWS = 2  # rows visible per frame through the moving slit
VIDEO_SLIT_TRAVEL = 1  # rows the slit moves down per frame

CLASS_NAMES = DIGITS_CLASS_NAMES
SPLIT_SIZES = {"train": 4000, "test": 1000}
IMAGE_SHAPE = (SCENE_SIZE, SCENE_SIZE, 1)
VIDEO_SHAPE = (SCENE_FRAMES, SCENE_SIZE, SCENE_SIZE, 1)


# === The generator ===


def caption(label: int, rng: np.random.Generator) -> str:
    """A caption naming `label` among `NUM_CANDIDATES - 1` decoys, shuffled.

    The decoys are drawn uniformly from the other nine digits and the order is random,
    so the caption alone leaves exactly `1 / NUM_CANDIDATES` chance to a reader.
    """
    decoys = rng.choice([d for d in range(10) if d != label], NUM_CANDIDATES - 1, replace=False)
    candidates = rng.permutation(np.concatenate([[label], decoys]))
    if rng.random() < CHINESE_FRACTION:
        words = [NUMBER_WORDS_ZH[d] for d in candidates]
        template = _TEMPLATES_ZH[rng.integers(len(_TEMPLATES_ZH))]
    else:
        words = [NUMBER_WORDS_EN[d] for d in candidates]
        template = _TEMPLATES_EN[rng.integers(len(_TEMPLATES_EN))]
    return template.format(*words)


def _upscale(image: np.ndarray) -> np.ndarray:
    return np.repeat(np.repeat(image, 2, axis=0), 2, axis=1).astype(np.float32)


def _noisy(image: np.ndarray, std: float, rng: np.random.Generator) -> np.ndarray:
    noise = rng.normal(0.0, std, size=image.shape)
    return np.clip(np.round(image + noise), 0, 255).astype(np.uint8)


def noisy_masked_image(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The digit upscaled to 16x16, a random band of rows kept, heavy Gaussian noise."""
    image = _upscale(digit)
    top = int(rng.integers(0, SCENE_SIZE - IMAGE_KEEP_ROWS + 1))
    mask = np.zeros_like(image)
    mask[top : top + IMAGE_KEEP_ROWS] = 1.0
    return _noisy(image * mask, IMAGE_NOISE_STD, rng)


def occluded_clip(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """8 frames of the digit seen through a 2-row slit that slides down 1 row a frame.

    Across the clip the slit uncovers `SCENE_FRAMES - 1 + VIDEO_SLIT_ROWS` = 9 of the 16
    rows (a random band), each frame noised independently: only a model that gathers
    the rows over time sees that band, and never the whole digit.
    """
    image = _upscale(digit)
    uncovered = (SCENE_FRAMES - 1) * VIDEO_SLIT_TRAVEL + VIDEO_SLIT_ROWS
    top = int(rng.integers(0, SCENE_SIZE - uncovered + 1))
    frames = np.zeros((SCENE_FRAMES, SCENE_SIZE, SCENE_SIZE, 1), np.float32)
    for t in range(SCENE_FRAMES):
        row = top + t * VIDEO_SLIT_TRAVEL
        frames[t, row : row + VIDEO_SLIT_ROWS] = image[row : row + VIDEO_SLIT_ROWS]
    return _noisy(frames, VIDEO_NOISE_STD, rng)


def render_digit_scenes(
    images: np.ndarray, labels: np.ndarray, num_examples: int, rng: np.random.Generator
):
    """Yields `num_examples` `{image, text, video, label}` scenes, classes balanced.

    The image and the clip show two different instances of the labelled class (drawn
    from `images`), so the three views are independent evidence given the class.
    """
    by_class = [np.flatnonzero(labels == c) for c in range(10)]
    classes = rng.permutation(np.arange(num_examples) % 10)
    for i in range(num_examples):
        label = int(classes[i])
        image_idx, video_idx = rng.choice(by_class[label], size=2, replace=False)
        yield {
            "image": noisy_masked_image(images[image_idx], rng),
            "text": caption(label, rng),
            "video": occluded_clip(images[video_idx], rng),
            "label": label,
        }


# === The TFDS builder ===

_S = SCENE_SIZE
_DESCRIPTION = f"""\
Multimodal scenes of one handwritten digit class (label 0..9, balanced), built from the
real digits of `digits` (train scenes from its train digits, test scenes from its
held-out test digits). Each view is ambiguous on purpose, so that fusing them wins:

* `image` uint8 ({_S}, {_S}, 1): one instance of the digit upscaled 2x, only a random
  band of {IMAGE_KEEP_ROWS} of the {_S} rows kept (the rest black), then Gaussian
  noise of std {IMAGE_NOISE_STD:g} (clipped to 0..255).
* `text`: a caption naming the true digit among {NUM_CANDIDATES - 1} decoys drawn
  uniformly from the other nine, in random order, e.g. "maybe three, seven or five"; about
  {CHINESE_FRACTION:.0%} of the captions are in Chinese ("可能是三、七或五"). Alone
  it gives exactly 1/{NUM_CANDIDATES} chance among its candidates.
* `video` uint8 ({SCENE_FRAMES}, {_S}, {_S}, 1): another instance of the same
  class seen through a {VIDEO_SLIT_ROWS}-row slit sliding down one row per frame
  (so the clip uncovers a random band of 9 rows, one slice at a time), every frame with
  independent Gaussian noise of std {VIDEO_NOISE_STD:g}.

The image and the clip show different instances, so the three views are independent
evidence given the class. Indicative single-view accuracies of a small MLP on the test
split: image ~62%, video ~57%, text 1/3; all three combined (product of the views'
probabilities) ~91%.

Generated with a fixed seed: the examples are identical on every run.
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
                    "image": tfds.features.Image(shape=IMAGE_SHAPE),
                    "text": tfds.features.Text(),
                    "video": tfds.features.Video(shape=VIDEO_SHAPE),
                    "label": tfds.features.ClassLabel(names=CLASS_NAMES),
                }
            ),
            supervised_keys=None,  # the inputs are a dict: {"image", "text", "video"}
            disable_shuffling=True,  # generation order is already random
        )

    def _render(self, images, labels, num_examples, rng):
        yield from enumerate(render_digit_scenes(images, labels, num_examples, rng))
