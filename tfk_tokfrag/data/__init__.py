"""tf.data pipelines and datasets: offline TFDS builders, TFDS by name, your own files.

`load_dataset(name_or_path, split, batch_size)` is the one entry point;
`list_datasets()` and `dataset_info(name)` describe what it knows. Importing this
package registers the offline TFDS builders `digits`, `moving_digits` and
`digit_scenes` (so `tfds.builder("moving_digits")` works too).
"""

from tfk_tokfrag.data import builders  # noqa: F401  (registers the TFDS builders)
from tfk_tokfrag.data.clip_files import write_clips
from tfk_tokfrag.data.digits import DIGITS_CLASS_NAMES, load_digits_arrays, stratified_split
from tfk_tokfrag.data.folders import image_folder, text_folder, video_folder
from tfk_tokfrag.data.load_dataset import load_dataset
from tfk_tokfrag.data.pipeline import array_pipeline, digits_dataset
from tfk_tokfrag.data.registry import dataset_info, list_datasets

__all__ = [
    "DIGITS_CLASS_NAMES",
    "array_pipeline",
    "dataset_info",
    "digits_dataset",
    "image_folder",
    "list_datasets",
    "load_dataset",
    "load_digits_arrays",
    "stratified_split",
    "text_folder",
    "video_folder",
    "write_clips",
]
