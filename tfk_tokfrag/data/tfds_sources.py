"""TFDS datasets by name, each with the preprocessing it needs: `tfds_examples`.

The offline datasets (`digits`, `moving_digits`, `digit_scenes`) are generated into
`data_dir` on first use (seconds, no network). The others (`mnist`, `cifar10`,
`imdb_reviews`, `ucf101`, `moving_mnist`) are read from the user's TFDS `data_dir`;
nothing is downloaded unless `download=True` is passed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import tensorflow as tf
import tensorflow_datasets as tfds

from tfk_tokfrag.data import _ops, registry
from tfk_tokfrag.data.digits import DEFAULT_SEED

_QUIET_PREPARE = tfds.download.DownloadConfig(compute_stats=tfds.download.ComputeStatsMode.SKIP)


def _builder(name: str, data_dir, download: bool) -> tfds.core.DatasetBuilder:
    import tfk_tokfrag.data.builders  # noqa: F401 (registers the offline builders)

    entry = registry.get_entry(name)
    builder = tfds.builder(name, data_dir=_ops.default_data_dir(data_dir))
    if entry.source == "offline":
        builder.download_and_prepare(download_config=_QUIET_PREPARE)  # local generation
    elif download:
        builder.download_and_prepare()
    return builder


def _as_dataset(builder, split: str, decoders=None) -> tf.data.Dataset:
    try:
        return builder.as_dataset(split=split, decoders=decoders, shuffle_files=False)
    except AssertionError as error:  # TFDS's "could not find data in ..."
        raise FileNotFoundError(
            f"TFDS dataset {builder.name!r} is not prepared in {builder.data_dir_root}. "
            f"Prepare it with TensorFlow Datasets (`tfds.builder({builder.name!r}, "
            "data_dir=...).download_and_prepare()`), point data_dir (or "
            f"${_ops.DATA_DIR_ENV}) at the folder that holds it, or pass download=True."
        ) from error


def _image_example(image, size):
    return _ops.resize_uint8(image, size)


def tfds_examples(
    name: str,
    split: str = "train",
    *,
    data_dir: str | os.PathLike | None = None,
    image_size: int | Sequence[int] | None = None,
    num_frames: int | None = None,
    return_lengths: bool = False,
    download: bool = False,
    seed: int = DEFAULT_SEED,
) -> tf.data.Dataset:
    """Unbatched `(inputs, label)` examples of a dataset of `registry.list_datasets()`.

    Preprocessing, per dataset (images and videos stay uint8, labels are int64):

    * `digits`, `mnist`, `cifar10`: `image` `(H, W, C)`, resized if `image_size`.
    * `imdb_reviews`: `text`, a string scalar.
    * `moving_digits`: `video` `(length, 32, 32, 1)`; with `return_lengths` the inputs
      are `{"video", "length"}`. `num_frames` subsamples to a fixed length.
    * `digit_scenes`: `{"image", "text", "video"}`; `image_size` resizes the image and
      the frames, `num_frames` subsamples the clip.
    * `ucf101`: `video` `(num_frames, H, W, 3)`, default 16 evenly spaced frames
      resized to 64x64; only the kept frames are decoded.
    * `moving_mnist`: `video` `(20, 64, 64, 1)` and an order-verification label:
      example `i` of the split (in TFDS order) is kept as recorded (label 0) if `i` is
      even, else its frames are randomly permuted (label 1; the permutation is a
      stateless function of `seed` and `i`). TFDS has only a 'test' split: our
      'train' is its first 80%, our 'test' the last 20%.

    Args:
        name: a name from `list_datasets()`.
        split: a split name (any TFDS split string, e.g. `"train[:10%]"`, also works).
        data_dir: the TFDS data folder; default `$TFK_TOKFRAG_DATA_DIR`, else TFDS's
            default (`~/tensorflow_datasets` or `$TFDS_DATA_DIR`).
        image_size: `(height, width)` or an int to resize images and frames to.
        num_frames: a fixed number of evenly spaced frames to keep per clip.
        return_lengths: `moving_digits` only: inputs become `{"video", "length"}`.
        download: let TFDS download and prepare a missing (non-offline) dataset.
        seed: seeds the moving_mnist frame permutations.
    """
    entry = registry.get_entry(name)
    size = _ops.as_size(image_size)
    _ops.check_num_frames(num_frames)
    builder = _builder(name, data_dir, download)

    if name in ("digits", "mnist", "cifar10"):
        ds = _as_dataset(builder, split)
        return ds.map(
            lambda ex: (_image_example(ex["image"], size), ex["label"]),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    if name == "imdb_reviews":
        ds = _as_dataset(builder, split)
        return ds.map(lambda ex: (ex["text"], ex["label"]), num_parallel_calls=tf.data.AUTOTUNE)
    if name == "moving_digits":
        ds = _as_dataset(builder, split)

        def _moving_digits(ex):
            video = _ops.resize_uint8(_ops.subsample_frames(ex["video"], num_frames), size)
            if not return_lengths:
                return video, ex["label"]
            length = tf.shape(video, out_type=tf.int32)[0]
            return {"video": video, "length": length}, ex["label"]

        return ds.map(_moving_digits, num_parallel_calls=tf.data.AUTOTUNE)
    if name == "digit_scenes":
        ds = _as_dataset(builder, split)

        def _scene(ex):
            video = _ops.resize_uint8(_ops.subsample_frames(ex["video"], num_frames), size)
            image = _ops.resize_uint8(ex["image"], size)
            return {"image": image, "text": ex["text"], "video": video}, ex["label"]

        return ds.map(_scene, num_parallel_calls=tf.data.AUTOTUNE)
    if name == "ucf101":
        frames = num_frames or registry.UCF101_DEFAULT_FRAMES
        size = size or registry.UCF101_DEFAULT_SIZE
        decoders = {"video": tfds.decode.SkipDecoding()}
        ds = _as_dataset(builder, split, decoders)

        def _ucf(ex):
            encoded = ex["video"]
            encoded = tf.gather(encoded, _ops.frame_indices(tf.shape(encoded)[0], frames))
            video = _ops.decode_frames(encoded, channels=3)
            video.set_shape([frames, *builder.info.features["video"].shape[1:]])
            return _ops.resize_uint8(video, size), ex["label"]

        return ds.map(_ucf, num_parallel_calls=tf.data.AUTOTUNE)
    if name == "moving_mnist":
        tfds_split = registry.MOVING_MNIST_SPLITS.get(split, split)
        decoders = {"image_sequence": tfds.decode.SkipDecoding()}
        ds = _as_dataset(builder, tfds_split, decoders).enumerate()

        def _moving_mnist(index, ex):
            encoded = ex["image_sequence"]
            length = tf.shape(encoded)[0]
            shuffled = tf.equal(index % 2, 1)
            noise = tf.random.stateless_uniform(
                [length], seed=tf.stack([tf.cast(seed, tf.int64), index])
            )
            order = tf.where(shuffled, tf.argsort(noise), tf.range(length))
            encoded = tf.gather(encoded, order)
            if num_frames is not None:
                encoded = tf.gather(encoded, _ops.frame_indices(length, num_frames))
            video = _ops.decode_frames(encoded, channels=1)
            video.set_shape([num_frames, *builder.info.features["image_sequence"].shape[1:]])
            video = _ops.resize_uint8(video, size)
            return video, tf.cast(shuffled, tf.int64)

        return ds.map(_moving_mnist, num_parallel_calls=tf.data.AUTOTUNE)
    raise AssertionError(f"no preprocessing for registered dataset {entry.name}")
