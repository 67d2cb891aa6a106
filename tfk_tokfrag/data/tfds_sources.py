"""TFDS datasets by name, each registered with the preprocessing it needs.

The offline datasets (`digits`, `moving_digits`, `digit_scenes`) are generated into
`data_dir` on first use (seconds, no network). The others (`mnist`, `cifar10`,
`imdb_reviews`, `ucf101`, `moving_mnist`) are read from the user's TFDS `data_dir`;
nothing is downloaded unless `download=True` is passed.

Each dataset is registered here (`registry.register_dataset`) next to its `examples`
function, which turns the TFDS examples into `(inputs, label)`; `tfds_examples` prepares
the TFDS builder and calls it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence

try:
    import fcntl
except ImportError:  # Windows: no lock (prepare a dataset before starting a cluster)
    fcntl = None

import tensorflow as tf
import tensorflow_datasets as tfds

from tfk_tokfrag.data import _ops
from tfk_tokfrag.data._ops import read_split
from tfk_tokfrag.data.builders import digit_scenes, digits, moving_digits
from tfk_tokfrag.data.digits import DEFAULT_SEED, DIGITS_CLASS_NAMES
from tfk_tokfrag.data.idx_files import (
    FASHION_MNIST_CLASS_NAMES,
    FASHION_MNIST_SPLITS,
    fashion_mnist_examples,
)
from tfk_tokfrag.data.registry import (
    DatasetEntry,
    ExampleOptions,
    get_dataset_entry,
    register_dataset,
)

UCF101_DEFAULT_FRAMES = 16
UCF101_DEFAULT_SIZE = (64, 64)
MOVING_MNIST_SPLITS = {"train": "test[:80%]", "test": "test[80%:]"}
MOVING_MNIST_CLASS_NAMES = ("ordered", "shuffled")
CIFAR10_CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

# Datasets whose examples function reads local files first (a download is the fallback).
_READ_FROM_FILES = ("fashion_mnist",)
_QUIET_PREPARE = tfds.download.DownloadConfig(compute_stats=tfds.download.ComputeStatsMode.SKIP)


@contextlib.contextmanager
def _preparing(data_dir: str, name: str):
    """Holds an exclusive lock on `data_dir` for preparing `name`: the workers of a
    cluster (processes sharing one data folder) prepare a dataset once, in turn,
    instead of writing the same files at the same time."""
    os.makedirs(data_dir, exist_ok=True)
    with open(os.path.join(data_dir, f".{name}.prepare.lock"), "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _builder(entry: DatasetEntry, data_dir, download: bool) -> tfds.core.DatasetBuilder | None:
    if entry.source == "files":  # its examples function reads local files itself
        return None
    data_dir = _ops.default_data_dir(data_dir)
    builder = tfds.builder(entry.tfds_name, data_dir=data_dir)
    offline = entry.source == "offline"  # generated locally
    if builder.is_prepared() or not (offline or (download and entry.name not in _READ_FROM_FILES)):
        return builder
    # The builder's folder: TFDS's default (~/tensorflow_datasets) when none is given.
    with _preparing(os.fspath(builder.data_dir_root), entry.tfds_name):
        builder = tfds.builder(entry.tfds_name, data_dir=data_dir)  # another may have
        if not builder.is_prepared():
            builder.download_and_prepare(download_config=_QUIET_PREPARE if offline else None)
    return builder


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
    entry = get_dataset_entry(name)
    options = ExampleOptions(
        image_size=_ops.as_size(image_size),
        num_frames=_ops.check_num_frames(num_frames),
        return_lengths=return_lengths,
        seed=seed,
    )
    return entry.examples(_builder(entry, data_dir, download), split, options)


# === The registered datasets ===


def _image_examples(builder, split: str, options: ExampleOptions) -> tf.data.Dataset:
    return read_split(builder, split).map(
        lambda ex: (_ops.resize_uint8(ex["image"], options.image_size), ex["label"]),
        num_parallel_calls=tf.data.AUTOTUNE,
    )


register_dataset(
    "digits",
    _image_examples,
    source="offline",
    inputs={"image": (digits.IMAGE_SHAPE, "uint8")},
    label="digit class",
    class_names=digits.CLASS_NAMES,
    splits=digits.SPLIT_SIZES,
    description="scikit-learn's bundled 8x8 handwritten digits (no download).",
)
register_dataset(
    "mnist",
    _image_examples,
    source="tfds",
    inputs={"image": ((28, 28, 1), "uint8")},
    label="digit class",
    class_names=DIGITS_CLASS_NAMES,
    splits={"train": 60000, "test": 10000},
    description="MNIST handwritten digits from TensorFlow Datasets.",
)


def _fashion_mnist(builder, split: str, options: ExampleOptions) -> tf.data.Dataset:
    return fashion_mnist_examples(split, builder.data_dir_root, image_size=options.image_size)


register_dataset(
    "fashion_mnist",
    _fashion_mnist,
    source="tfds",
    inputs={"image": ((28, 28, 1), "uint8")},
    label="clothing class",
    class_names=FASHION_MNIST_CLASS_NAMES,
    splits=FASHION_MNIST_SPLITS,
    description=(
        "Fashion-MNIST (Zalando, 28x28 grey, 10 classes), read offline from Debian's "
        "dataset-fashion-mnist IDX files in /usr/share/datasets/fashion-mnist, else "
        "from TFDS's prepared copy."
    ),
)
register_dataset(
    "cifar10",
    _image_examples,
    source="tfds",
    inputs={"image": ((32, 32, 3), "uint8")},
    label="object class",
    class_names=CIFAR10_CLASS_NAMES,
    splits={"train": 50000, "test": 10000},
    description="CIFAR-10 colour images from TensorFlow Datasets.",
)


def _text_examples(builder, split: str, options: ExampleOptions) -> tf.data.Dataset:
    del options  # texts are passed through
    return read_split(builder, split).map(
        lambda ex: (ex["text"], ex["label"]), num_parallel_calls=tf.data.AUTOTUNE
    )


register_dataset(
    "imdb_reviews",
    _text_examples,
    source="tfds",
    inputs={"text": ((), "string")},
    label="review sentiment (the 'unsupervised' split has label -1)",
    class_names=("neg", "pos"),
    splits={"train": 25000, "test": 25000, "unsupervised": 50000},
    description="IMDB movie reviews (plain text) from TensorFlow Datasets.",
)


def _clip(video: tf.Tensor, options: ExampleOptions) -> tf.Tensor:
    return _ops.resize_uint8(_ops.subsample_frames(video, options.num_frames), options.image_size)


def _moving_digits_examples(builder, split: str, options: ExampleOptions) -> tf.data.Dataset:
    def _example(ex):
        video = _clip(ex["video"], options)
        return (_ops.video_with_length(video) if options.return_lengths else video), ex["label"]

    return read_split(builder, split).map(_example, num_parallel_calls=tf.data.AUTOTUNE)


register_dataset(
    "moving_digits",
    _moving_digits_examples,
    source="offline",
    inputs={"video": (moving_digits.VIDEO_SHAPE, "uint8")},
    label="direction of the linearly moving digit (E, NE, N, NW, W, SW, S, SE)",
    class_names=moving_digits.CLASS_NAMES,
    splits=moving_digits.SPLIT_SIZES,
    description=(
        f"Moving-MNIST-style clips of the real digits, {moving_digits.MIN_FRAMES}-"
        f"{moving_digits.MAX_FRAMES} frames: a digit moving linearly at 1 px/frame among "
        f"{moving_digits.NUM_DISTRACTORS} same-intensity digits bouncing at 2 px/frame "
        "along alike streaks; the label is only in the frame order (a mean-frame model: "
        "at most 1/6, chance 1/8). "
        "Batches are zero-padded in time; `return_lengths=True` adds the lengths."
    ),
)


def _digit_scenes_examples(builder, split: str, options: ExampleOptions) -> tf.data.Dataset:
    def _example(ex):
        image = _ops.resize_uint8(ex["image"], options.image_size)
        video = _clip(ex["video"], options)
        return {"image": image, "text": ex["text"], "video": video}, ex["label"]

    return read_split(builder, split).map(_example, num_parallel_calls=tf.data.AUTOTUNE)


register_dataset(
    "digit_scenes",
    _digit_scenes_examples,
    source="offline",
    inputs={
        "image": (digit_scenes.IMAGE_SHAPE, "uint8"),
        "text": ((), "string"),
        "video": (digit_scenes.VIDEO_SHAPE, "uint8"),
    },
    label="digit class",
    class_names=digit_scenes.CLASS_NAMES,
    splits=digit_scenes.SPLIT_SIZES,
    description=(
        "A noisy half-masked image, a caption naming the digit among "
        f"{digit_scenes.NUM_CANDIDATES - 1} decoys "
        f"({digit_scenes.CHINESE_FRACTION:.0%} in Chinese) and a slit-occluded noisy clip "
        "of one digit class; each view alone is ambiguous, together they are not."
    ),
)


def _ucf101_examples(builder, split: str, options: ExampleOptions) -> tf.data.Dataset:
    frames = options.num_frames or UCF101_DEFAULT_FRAMES
    size = options.image_size or UCF101_DEFAULT_SIZE
    frame_shape = builder.info.features["video"].shape[1:]

    def _example(ex):
        encoded = ex["video"]
        encoded = tf.gather(encoded, _ops.frame_indices(tf.shape(encoded)[0], frames))
        video = _ops.decode_frames(encoded, channels=3)
        video.set_shape([frames, *frame_shape])
        return _ops.resize_uint8(video, size), ex["label"]

    ds = read_split(builder, split, {"video": tfds.decode.SkipDecoding()})
    return ds.map(_example, num_parallel_calls=tf.data.AUTOTUNE)


register_dataset(
    "ucf101",
    _ucf101_examples,
    source="tfds",
    inputs={"video": ((UCF101_DEFAULT_FRAMES, *UCF101_DEFAULT_SIZE, 3), "uint8")},
    label="action class",
    class_names=None,  # the 101 names of the TFDS builder
    splits={"train": 9537, "test": 3783},
    description=(
        f"UCF101 action clips (TFDS config ucf101_1_256, split 1): "
        f"{UCF101_DEFAULT_FRAMES} evenly spaced frames (num_frames) resized to "
        f"{UCF101_DEFAULT_SIZE[0]}x{UCF101_DEFAULT_SIZE[1]} (image_size); only the "
        "kept frames are decoded."
    ),
)


def _moving_mnist_examples(builder, split: str, options: ExampleOptions) -> tf.data.Dataset:
    num_frames, seed = options.num_frames, options.seed
    frame_shape = builder.info.features["image_sequence"].shape[1:]

    def _example(index, ex):
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
        video.set_shape([num_frames, *frame_shape])
        video = _ops.resize_uint8(video, options.image_size)
        return video, tf.cast(shuffled, tf.int64)

    tfds_split = MOVING_MNIST_SPLITS.get(split, split)
    ds = read_split(builder, tfds_split, {"image_sequence": tfds.decode.SkipDecoding()})
    return ds.enumerate().map(_example, num_parallel_calls=tf.data.AUTOTUNE)


register_dataset(
    "moving_mnist",
    _moving_mnist_examples,
    source="tfds",
    inputs={"video": ((20, 64, 64, 1), "uint8")},
    label=(
        "frame order: 0 'ordered' (as recorded) or 1 'shuffled' (frames randomly "
        "permuted); every other clip is shuffled"
    ),
    class_names=MOVING_MNIST_CLASS_NAMES,
    splits={"train": 8000, "test": 2000},
    description=(
        "Moving MNIST from TensorFlow Datasets. TFDS has only an unlabelled 'test' "
        "split of 10,000 clips: our 'train' is its first 80%, our 'test' the rest. "
        "It has no labels, and bouncing motion is time-reversible (a reversed clip "
        "is an equally valid clip), so the label is order verification: is the clip "
        "in its recorded order or are its frames shuffled? The frame set is the "
        "same either way, so only the order tells."
    ),
)
