"""Requests for an exported SavedModel from files and strings a user has.

`prepare_requests(signature, values)` turns paths and texts (what `tfk-tokfrag
predict` receives) into batches for the artifact's endpoints: image files, text files
or literal text, videos as `.npy` arrays or folders of frame images, and `NAME=VALUE`
items for models with named inputs. The same `decode_image` resizes images here and
inside the exported graph (`serve_encoded_images`), so both see the same pixels.

Errors name the file and what is wrong (`ValueError`, `FileNotFoundError`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from tfk_tokfrag.data.video_files import VIDEO_FILE_SUFFIXES, decode_video_file
from tfk_tokfrag.export.signature import InputSignature, InputSpec

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
VIDEO_ARRAY_SUFFIXES = (".npy",)


def decode_image(data: tf.Tensor, height: int, width: int, channels: int) -> tf.Tensor:
    """PNG/JPEG/BMP/GIF bytes -> uint8 `(height, width, channels)` (antialiased resize).

    Works eagerly and inside a graph (the export maps it over a batch of bytes).
    """
    image = tf.io.decode_image(data, channels=channels, expand_animations=False)
    image.set_shape((None, None, channels))
    if image.shape[0] == height and image.shape[1] == width:
        return image
    image = tf.image.resize(image, (height, width), antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(image), 0.0, 255.0), tf.uint8)


def decode_images(encoded: tf.Tensor, height: int, width: int, channels: int) -> tf.Tensor:
    """A batch of image bytes `(batch,)` -> uint8 `(batch, height, width, channels)`.

    `decode_image` on each item, in order, inside the graph. An item that does not
    decode (not an image, or a corrupt one) fails the batch with an
    `InvalidArgumentError` naming the indices of all such items (from 0), not only
    TensorFlow's "Graph execution error": the items are decoded in a `tf.data`
    pipeline that drops failures, and the indices missing from its output are named.
    """
    count = tf.shape(encoded)[0]
    decoded = tf.data.Dataset.from_tensor_slices((tf.range(count), encoded)).map(
        lambda index, data: (index, decode_image(data, height, width, channels))
    ).ignore_errors().batch(tf.cast(tf.maximum(count, 1), tf.int64))
    empty = tf.data.Dataset.from_tensors(  # The one batch when there is no item.
        (tf.zeros([0], tf.int32), tf.zeros([0, height, width, channels], tf.uint8))
    )
    indices, images = decoded.concatenate(empty).take(1).get_single_element()
    seen = tf.scatter_nd(indices[:, tf.newaxis], tf.ones_like(indices), [count])
    failed = tf.where(tf.equal(seen, 0))[:, 0]
    check = tf.debugging.Assert(
        tf.equal(tf.size(failed), 0),
        ["serve_encoded_images: the items at indices", failed, "(from 0) of the batch "
         "are not PNG, JPEG, GIF, BMP or WebP images, or are corrupt"],
        summarize=32,
    )
    with tf.control_dependencies([check]):
        return tf.identity(images)


def _require(path: str, what: str) -> None:
    if not os.path.exists(path):
        raise FileNotFoundError(f"{what} does not exist: {path}")


def read_image_file(path: str) -> bytes:
    """The bytes of an image file, checked to decode."""
    _require(path, "the input")
    with open(path, "rb") as f:
        data = f.read()
    try:
        tf.io.decode_image(data, expand_animations=False)
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError):
        raise ValueError(f"not an image (PNG, JPEG, BMP or GIF): {path}") from None
    return data


def read_video(path: str, frame_shape: Sequence[int]) -> np.ndarray:
    """A clip as uint8 `(T, H, W, C)` of `frame_shape`: a `.npy` array, a frame folder or
    a video file (`.mp4 .avi .mov .mkv .webm .m4v`, decoded with PyAV outside the graph:
    the SavedModel itself takes uint8 frames)."""
    _require(path, "the video")
    height, width, channels = frame_shape
    if path.lower().endswith(VIDEO_FILE_SUFFIXES):
        clip = decode_video_file(path, image_size=(height, width), channels=channels)
    elif path.endswith(VIDEO_ARRAY_SUFFIXES):
        clip = np.load(path)
        if clip.ndim != 4 or clip.dtype != np.uint8:
            raise ValueError(
                f"a video array must be uint8 (frames, height, width, channels); "
                f"{path} holds {clip.dtype} {clip.shape}"
            )
    elif os.path.isdir(path):
        frames = sorted(f for f in os.listdir(path) if f.lower().endswith(IMAGE_SUFFIXES))
        if not frames:
            raise ValueError(f"the video has no frames (no image files in {path})")
        clip = np.stack([
            tf.io.decode_image(read_image_file(os.path.join(path, f)), channels=channels,
                               expand_animations=False).numpy()
            for f in frames
        ])
    else:
        raise ValueError(
            f"a video is a video file ({' '.join(VIDEO_FILE_SUFFIXES)}), a folder of frame "
            f"images or a .npy array: {path}"
        )
    if clip.shape[0] == 0:
        raise ValueError(f"the video has no frames: {path}")
    if clip.shape[1:] != (height, width, channels):
        clip = tf.cast(tf.image.resize(clip, (height, width)), tf.uint8).numpy()
    return clip


def read_texts(value: str) -> list[str]:
    """The non-empty lines of a text file, or `value` itself when it is no file."""
    if os.path.isfile(value):
        with open(value, encoding="utf-8", errors="replace") as f:
            return [line.rstrip("\n") for line in f if line.strip()]
    return [value]


def _examples(spec: InputSpec, values: Sequence[str], encoded_images: bool):
    """`(endpoint, [(label, batch of one)])` for the values of one input."""
    if spec.kind == "text":
        return "serve", [(t, tf.constant([t])) for value in values for t in read_texts(value)]
    if spec.kind == "video":
        return "serve", [(p, tf.constant(read_video(p, spec.frame_shape)[None])) for p in values]
    if spec.kind == "image" and encoded_images:
        return "serve_encoded_images", [(p, tf.constant([read_image_file(p)])) for p in values]
    if spec.kind == "image":
        return "serve", [
            (p, decode_image(read_image_file(p), *spec.frame_shape)[None]) for p in values
        ]
    raise ValueError(f"unsupported input signature {spec.to_json()}")


def prepare_requests(
    signature: InputSignature, values: Sequence[str], encoded_images: bool = True
) -> tuple[str, list[tuple[str, object]]]:
    """Command-line style inputs -> `(endpoint name, [(label, batch of one)])`.

    One input: each value is one example (a `.txt` file gives one per line). Images go
    to `serve_encoded_images` as bytes when `encoded_images`, else they are decoded
    here for `serve`. Named inputs: one `NAME=VALUE` per input, making one example
    (a model with a single named input also takes plain values).
    """
    if not signature.is_dict:
        return _examples(signature.specs[0], values, encoded_images)
    if len(signature.specs) == 1:
        (spec,) = signature.specs
        prefix = f"{spec.name}="
        plain = [v[len(prefix):] if v.startswith(prefix) else v for v in values]
        _, examples = _examples(spec, plain, encoded_images=False)
        return "serve", [(label, {spec.name: batch}) for label, batch in examples]
    named = {}
    for item in values:
        if "=" not in item:
            raise ValueError(f"this model takes NAME=VALUE inputs with NAME in "
                             f"{sorted(signature.names)}. Received: {item!r}")
        key, value = item.split("=", 1)
        if key not in signature.names:
            raise ValueError(f"unknown input {key!r}; the model takes {sorted(signature.names)}")
        named[key] = value
    missing = sorted(set(signature.names) - set(named))
    if missing:
        raise ValueError(f"missing inputs: {missing}")
    batch = {
        key: _examples(signature[key], [value], encoded_images=False)[1][0][1]
        for key, value in named.items()
    }
    return "serve", [(" ".join(values), batch)]
