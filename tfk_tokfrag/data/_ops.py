"""Private tf.data preprocessing ops shared by the TFDS and folder sources."""

from __future__ import annotations

import os
from collections.abc import Iterable

import tensorflow as tf
import tensorflow_datasets as tfds

from tfk_tokfrag import _validation

DATA_DIR_ENV = "TFK_TOKFRAG_DATA_DIR"

# Our pipelines cache what fits in memory themselves (`batch_pipeline(cache=True)`), so
# TFDS's own cache of small datasets is off: it would hold a second copy, and every
# partial read of a split (a peek at one batch) warns that the cache was discarded.
_READ_CONFIG = tfds.ReadConfig(try_autocache=False)


def default_data_dir(data_dir: str | os.PathLike | None) -> str | None:
    """`data_dir`, else `$TFK_TOKFRAG_DATA_DIR`, else `None` (TFDS's own default)."""
    if data_dir is not None:
        return os.fspath(data_dir)
    return os.environ.get(DATA_DIR_ENV) or None


def as_size(image_size, name: str = "image_size") -> tuple[int, int] | None:
    """`None`, a positive int or an `(height, width)` pair -> `None` or a pair of ints.

    The check is `tfk_tokfrag._validation.pair` (any sequence of two positive ints,
    NumPy ints included); the messages are the data loaders' own.
    """
    if image_size is None:
        return None
    values = image_size
    if not _validation.is_int(values) and isinstance(values, Iterable):
        values = tuple(values)
    try:
        return _validation.pair(name, values)
    except ValueError:
        right_form = _validation.is_int(values) or (
            isinstance(values, tuple) and len(values) == 2 and all(map(_validation.is_int, values))
        )
        if right_form:  # ints, but one is < 1
            raise ValueError(f"{name} must be positive. Received: {name}={image_size!r}") from None
        raise ValueError(
            f"{name} must be None, a positive int or a (height, width) pair. "
            f"Received: {name}={image_size!r}"
        ) from None


def check_num_frames(num_frames) -> int | None:
    """`None` or a positive int (the number of frames to keep per clip)."""
    return _validation.positive_int("num_frames", num_frames, allow_none=True)


def video_with_length(video: tf.Tensor) -> dict[str, tf.Tensor]:
    """`{"video": video, "length": int32 number of frames}` for `return_lengths=True`."""
    return {"video": video, "length": tf.shape(video, out_type=tf.int32)[0]}


def resize_uint8(images: tf.Tensor, size: tuple[int, int] | None) -> tf.Tensor:
    """Resizes `(..., H, W, C)` uint8 images (bilinear, antialiased), keeping uint8.

    A no-op when `size` is `None`; images already of that size are returned as is.
    """
    if size is None:
        return images
    shape = tf.shape(images)
    same = tf.logical_and(tf.equal(shape[-3], size[0]), tf.equal(shape[-2], size[1]))

    def _resize():
        resized = tf.image.resize(images, size, method="bilinear", antialias=True)
        return tf.cast(tf.clip_by_value(tf.round(resized), 0.0, 255.0), tf.uint8)

    def _keep():
        return tf.cast(tf.ensure_shape(images, images.shape), tf.uint8)

    out = tf.cond(same, _keep, _resize)
    out.set_shape(images.shape[:-3].concatenate([size[0], size[1], images.shape[-1]]))
    return out


def frame_indices(length: tf.Tensor, num_frames: int) -> tf.Tensor:
    """`num_frames` evenly spaced frame indices over `length` frames (repeats if short).

    Index k is `round(k * (length - 1) / (num_frames - 1))`: the first and last frames
    are always kept; a clip shorter than `num_frames` has some frames repeated.
    """
    length = tf.cast(length, tf.float32)
    if num_frames == 1:
        return tf.zeros([1], tf.int32)
    positions = tf.linspace(0.0, length - 1.0, num_frames)
    return tf.cast(tf.round(positions), tf.int32)


def subsample_frames(video: tf.Tensor, num_frames: int | None) -> tf.Tensor:
    """Keeps `num_frames` evenly spaced frames of a `(T, ...)` clip (`None`: all)."""
    if num_frames is None:
        return video
    out = tf.gather(video, frame_indices(tf.shape(video)[0], num_frames))
    out.set_shape([num_frames, *video.shape[1:]])
    return out


def decode_image(encoded: tf.Tensor, channels: int) -> tf.Tensor:
    """Decodes one encoded image (PNG, JPEG, GIF, BMP, WebP) into uint8 `(H, W, C)`.

    `channels=0`: the file's own; an animated GIF gives its first frame.
    """
    image = tf.io.decode_image(
        encoded, channels=channels, dtype=tf.uint8, expand_animations=False
    )
    image.set_shape([None, None, channels or None])
    return image


def decode_frames(encoded: tf.Tensor, channels: int) -> tf.Tensor:
    """Decodes a 1-D tensor of encoded frames (PNG/JPEG/...) into `(T, H, W, C)` uint8."""
    return tf.map_fn(
        lambda f: decode_image(f, channels),
        encoded,
        fn_output_signature=tf.TensorSpec([None, None, channels], tf.uint8),
    )


def read_split(
    builder: tfds.core.DatasetBuilder,
    split: str,
    decoders: dict | None = None,
    *,
    as_supervised: bool = False,
) -> tf.data.Dataset:
    """`builder.as_dataset(split)` in file order; a missing dataset says how to get it.

    For `examples` functions: the TFDS examples of a prepared builder, as dicts of
    features (`decoders`, e.g. `{"video": tfds.decode.SkipDecoding()}`, as TFDS takes),
    or TFDS's `(input, label)` pairs with `as_supervised`. Not cached by TFDS (the
    pipeline decides what to cache).

    Raises:
        FileNotFoundError: the dataset is not prepared in the builder's `data_dir`.
    """
    try:
        return builder.as_dataset(split=split, decoders=decoders, shuffle_files=False,
                                  as_supervised=as_supervised, read_config=_READ_CONFIG)
    except AssertionError as error:  # TFDS's "could not find data in ..."
        raise FileNotFoundError(
            f"TFDS dataset {builder.name!r} is not prepared in {builder.data_dir_root}. "
            f"Prepare it with TensorFlow Datasets (`tfds.builder({builder.name!r}, "
            "data_dir=...).download_and_prepare()`), point data_dir (or "
            f"${DATA_DIR_ENV}) at the folder that holds it, or pass download=True."
        ) from error
