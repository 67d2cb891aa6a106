"""`text_folder`: a folder of `.txt` files per class -> `(string, label)` examples."""

from __future__ import annotations

import os
from collections.abc import Sequence

import tensorflow as tf

from tfk_tokfrag.data.class_folders import scan_files

TEXT_SUFFIXES = (".txt",)


def text_folder(
    root: str | os.PathLike,
    *,
    class_names: Sequence[str] | None = None,
    holdout_part: tuple[str, float] | None = None,
) -> tuple[tf.data.Dataset, list[str]]:
    """Unbatched `(text string, label int64)` from `root/<class>/*.txt` (whole files).

    Args:
        root: the folder of class folders.
        class_names: the class folders to read, in label order (default: all, sorted).
        holdout_part: `(split, fraction)`: only the files of that split ("train" or
            "test") of a holdout of each class (`class_folders.in_holdout_part`).

    Returns:
        `(dataset, class_names)`.
    """
    paths, labels, class_names = scan_files(root, TEXT_SUFFIXES, class_names, "text",
                                            holdout_part)
    ds = tf.data.Dataset.from_tensor_slices((paths, labels))
    ds = ds.map(
        lambda path, label: (tf.io.read_file(path), label),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    return ds, class_names
