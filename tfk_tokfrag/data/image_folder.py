"""`image_folder`: a folder of images per class -> `(uint8 image, label)` examples."""

from __future__ import annotations

import os
from collections.abc import Sequence

import tensorflow as tf

from tfk_tokfrag.data import _ops
from tfk_tokfrag.data.class_folders import scan_files

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp")


def first_image_shape(path: str, channels: int | None) -> tuple[int, int, int]:
    """`(height, width, channels)` of the image file at `path`, decoded."""
    image = tf.io.decode_image(
        tf.io.read_file(path), channels=channels or 0, expand_animations=False
    )
    return tuple(image.shape)


def image_folder(
    root: str | os.PathLike,
    *,
    image_size: int | Sequence[int] | None = None,
    channels: int | None = None,
    class_names: Sequence[str] | None = None,
) -> tuple[tf.data.Dataset, list[str]]:
    """Unbatched `(image uint8 (H, W, C), label int64)` from `root/<class>/*.png|jpg`.

    Args:
        root: the folder of class folders.
        image_size: `(height, width)` (or an int) every image is resized to (bilinear,
            antialiased, rounded back to uint8). `None`: the size of the first image;
            images of another size are resized to it.
        channels: 1, 3 or 4; `None`: the channels of the first image.
        class_names: the class folders to read, in label order (default: all, sorted).

    Returns:
        `(dataset, class_names)`.
    """
    paths, labels, class_names = scan_files(root, IMAGE_SUFFIXES, class_names, "image")
    height, width, channels = first_image_shape(paths[0], channels)
    size = _ops.as_size(image_size) or (height, width)

    def _load(path, label):
        image = tf.io.decode_image(
            tf.io.read_file(path), channels=channels, dtype=tf.uint8, expand_animations=False
        )
        image.set_shape([None, None, channels])
        return _ops.resize_uint8(image, size), label

    ds = tf.data.Dataset.from_tensor_slices((paths, labels))
    return ds.map(_load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True), class_names
