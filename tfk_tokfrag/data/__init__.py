"""tf.data pipelines and offline datasets."""

from tfk_tokfrag.data.digits import DIGITS_CLASS_NAMES, load_digits_arrays, stratified_split
from tfk_tokfrag.data.pipeline import array_pipeline, digits_dataset

__all__ = [
    "DIGITS_CLASS_NAMES",
    "array_pipeline",
    "digits_dataset",
    "load_digits_arrays",
    "stratified_split",
]
