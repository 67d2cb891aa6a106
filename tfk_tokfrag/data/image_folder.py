"""`image_folder`: a folder of images per class -> `(uint8 image, label)` examples.

Images are decoded by TensorFlow inside `tf.data`, in parallel, order kept. A file that
does not decode (empty, truncated, damaged, or not an image though named `.png`) is
named with what is wrong (`image_problem`): `on_error="raise"` stops the pass there,
`on_error="skip"` leaves it out and lists it in one warning (`_bad_files`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from tfk_tokfrag.data import _ops
from tfk_tokfrag.data._bad_files import (
    SkipReport,
    check_on_error,
    name_decoding_errors,
)
from tfk_tokfrag.data.class_folders import scan_files

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp")
# (format, signature, offset) of the files `tf.io.decode_image` reads.
_SIGNATURES = (
    ("PNG", b"\x89PNG\r\n\x1a\n", 0),
    ("JPEG", b"\xff\xd8\xff", 0),
    ("GIF", b"GIF8", 0),
    ("BMP", b"BM", 0),
    ("WebP", b"WEBP", 8),
    ("JPEG XL", b"\xff\x0a", 0),
    ("JPEG XL", b"JXL ", 4),
)


def image_problem(path: str) -> str:
    """Why the image file at `path` does not decode (asked once decoding has failed).

    An empty file, a file that does not start as an image does (a text file named
    `.png`), else a truncated or damaged one.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(12)
        size = os.path.getsize(path)
    except OSError as error:
        return f"it cannot be read: {error}"
    if size == 0:
        return "the file is empty (0 bytes)."
    for kind, signature, at in _SIGNATURES:
        if head[at : at + len(signature)] == signature:
            return f"its {kind} data is truncated or damaged ({size} bytes)."
    return (
        f"it is not an image file TensorFlow reads (PNG, JPEG, GIF, BMP, WebP or JPEG XL): "
        f"it does not start as one ({size} bytes, starting {head[:8]!r})."
    )


def first_image_shape(
    paths: Sequence[str],
    channels: int | None,
    *,
    report: SkipReport | None = None,
    names: Sequence[str] | None = None,
    what: str = "image file",
) -> tuple[int, int, int]:
    """`(height, width, channels)` of the first image of `paths` that decodes.

    Without `report` ("raise") the first must decode, or a `ValueError` names it and
    what is wrong; with one ("skip"), those before it are reported as `names[i]` (a
    frame's clip folder, say) and the next one tried.
    """
    names = paths if names is None else names
    for path, name in zip(paths, names, strict=True):
        try:
            return tuple(_ops.decode_image(tf.io.read_file(path), channels or 0).shape)
        except tf.errors.InvalidArgumentError:
            frame = "" if name == path else f"its frame {path}: "
            message = f"Cannot decode {what} {name}: {frame}{image_problem(path)}"
            if report is None:
                raise ValueError(message) from None
            report.add(name, message)
    listed = "\n".join(f"  {message}" for message in report.problems.values())
    raise ValueError(f"None of the {len(paths)} {report.what} decodes (on_error='skip'):\n{listed}")


def image_folder(
    root: str | os.PathLike,
    *,
    image_size: int | Sequence[int] | None = None,
    channels: int | None = None,
    class_names: Sequence[str] | None = None,
    on_error: str = "raise",
    holdout_part: tuple[str, float] | None = None,
) -> tuple[tf.data.Dataset, list[str]]:
    """Unbatched `(image uint8 (H, W, C), label int64)` from `root/<class>/*.png|jpg`.

    Args:
        root: the folder of class folders.
        image_size: `(height, width)` (or an int) every image is resized to (bilinear,
            antialiased, rounded back to uint8). `None`: the size of the first image;
            images of another size are resized to it.
        channels: 1, 3 or 4; `None`: the channels of the first image.
        class_names: the class folders to read, in label order (default: all, sorted).
        on_error: a file that does not decode (empty, truncated, damaged, not an
            image): `"raise"` stops the pass with a `tf.errors.InvalidArgumentError`
            (a `ValueError` for the first file) naming it and what is wrong; `"skip"`
            leaves it out, and the skipped files are counted and listed in one
            `TokfragWarning` at the end of the first pass (the dataset's cardinality is
            then unknown).
        holdout_part: `(split, fraction)`: only the files of that split ("train" or
            "test") of a holdout of each class (`class_folders.in_holdout_part`).

    Returns:
        `(dataset, class_names)`.
    """
    check_on_error(on_error)
    paths, labels, class_names = scan_files(root, IMAGE_SUFFIXES, class_names, "image",
                                            holdout_part)
    report = SkipReport(len(paths), "image files") if on_error == "skip" else None
    height, width, channels = first_image_shape(paths, channels, report=report)
    size = _ops.as_size(image_size) or (height, width)

    def _load(index, path, label):
        image = _ops.decode_image(tf.io.read_file(path), channels)
        return index, _ops.resize_uint8(image, size), label

    ds = tf.data.Dataset.from_tensor_slices((np.arange(len(paths), dtype=np.int64), paths, labels))
    ds = ds.map(_load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = name_decoding_errors(ds, paths, "image file", lambda i: image_problem(paths[i]), report)
    return ds, class_names
