"""`Digits`: scikit-learn's bundled handwritten digits as a TFDS dataset (`digits`)."""

from __future__ import annotations

import tensorflow_datasets as tfds

from tfk_tokfrag.data.builders._base import OfflineBuilder
from tfk_tokfrag.data.digits import (
    DEFAULT_SEED,
    DIGITS_CLASS_NAMES,
    DIGITS_IMAGE_SHAPE,
    load_digits_arrays,
)

CLASS_NAMES = DIGITS_CLASS_NAMES
IMAGE_SHAPE = DIGITS_IMAGE_SHAPE
# What `load_digits_arrays(seed=DEFAULT_SEED)` gives: 20% of each class held out.
SPLIT_SIZES = {"train": 1438, "test": 359}

_DESCRIPTION = """\
The 1,797 real handwritten digits bundled with scikit-learn (the UCI "optdigits" test
set: 8x8 pixels, 17 grey levels rescaled to 0..255), split 80/20 per class with seed 42:
1,438 train and 359 test images, exactly `tfk_tokfrag.data.load_digits_arrays()` in the
same order. Nothing is downloaded.
"""

_CITATION = """\
@misc{optdigits,
  author = {Alpaydin, E. and Kaynak, C.},
  title  = {Optical Recognition of Handwritten Digits},
  year   = {1998},
  howpublished = {UCI Machine Learning Repository, DOI 10.24432/C50P49},
}
"""


class Digits(OfflineBuilder):
    """The bundled 8x8 handwritten digits: `image` uint8 (8, 8, 1), `label` 0..9."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release: scikit-learn digits, seed-42 split."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=IMAGE_SHAPE),
                    "label": tfds.features.ClassLabel(names=CLASS_NAMES),
                }
            ),
            supervised_keys=("image", "label"),
            homepage="https://scikit-learn.org/stable/datasets/toy_dataset.html",
            citation=_CITATION,
            disable_shuffling=True,  # examples are stored in load_digits_arrays order
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # nothing to download
        arrays = load_digits_arrays(seed=DEFAULT_SEED)
        return {split: self._generate_examples(*arrays[split]) for split in SPLIT_SIZES}

    def _generate_examples(self, images, labels):
        for i, (image, label) in enumerate(zip(images, labels, strict=True)):
            yield i, {"image": image, "label": int(label)}
