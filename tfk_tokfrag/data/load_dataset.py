"""`load_dataset`: one call from a dataset name or a folder to batched `(inputs, label)`."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import tensorflow as tf

from tfk_tokfrag.data import folders
from tfk_tokfrag.data.digits import DEFAULT_SEED
from tfk_tokfrag.data.tfds_sources import tfds_examples

MEMORY_CACHE_LIMIT_BYTES = 1 << 30  # `cache=True` caches in memory up to ~1 GiB
SHUFFLE_BUFFER_LIMIT_BYTES = 256 << 20  # the default shuffle buffer holds up to ~256 MiB


def _example_bytes(ds: tf.data.Dataset) -> int:
    """The decoded size of the first example, as an estimate for every example."""
    total = 0
    for tensor in tf.nest.flatten(next(iter(ds.take(1)))):
        if tensor.dtype == tf.string:
            total += int(tf.reduce_sum(tf.strings.length(tensor)))
        else:
            total += int(tf.size(tensor)) * tensor.dtype.size
    return max(total, 1)


def _has_unknown_dims(ds: tf.data.Dataset) -> bool:
    return any(
        spec.dtype != tf.string and not spec.shape.is_fully_defined()
        for spec in tf.nest.flatten(ds.element_spec)
    )


def load_dataset(
    name_or_path: str | os.PathLike,
    split: str = "train",
    batch_size: int = 32,
    *,
    shuffle: bool | None = None,
    seed: int = DEFAULT_SEED,
    data_dir: str | os.PathLike | None = None,
    map_fn: Callable | None = None,
    cache: bool | str = True,
    image_size: int | Sequence[int] | None = None,
    num_frames: int | None = None,
    drop_remainder: bool = False,
    return_lengths: bool = False,
    shuffle_buffer: int | None = None,
    class_names: Sequence[str] | None = None,
    download: bool = False,
) -> tf.data.Dataset:
    """A batched, prefetched `tf.data.Dataset` of `(inputs, label)` for training.

    `inputs` is an image (uint8 `(batch, H, W, C)`), text (string `(batch,)`) or video
    (uint8 `(batch, T, H, W, C)`) tensor, or a dict of them for multimodal datasets
    (`digit_scenes`: `{"image", "text", "video"}`). Labels are int64 `(batch,)`.

    The pipeline: decode and preprocess (parallel) -> `cache` -> seeded `shuffle`
    (reshuffled every epoch) -> `batch` (`padded_batch` with zeros when clips have
    different lengths) -> `map_fn` on each batch's inputs (parallel, order kept) ->
    `prefetch`.

    Variable-length clips (`moving_digits`, video folders without `num_frames`) are
    zero-padded at the end of the time axis to the longest clip of the batch; the
    padding frames are all zeros. `return_lengths=True` makes the inputs
    `{"video": ..., "length": int32 (batch,)}` so a model can mask them.

    Args:
        name_or_path: a name from `list_datasets()`, or a folder of images, texts or
            clips per class (see `tfk_tokfrag.data.folders`; the kind is detected).
        split: `"train"`, `"test"`, ... For folders: `root/<split>/` if the folder has
            split folders, else the whole folder is the `"train"` split.
        batch_size: examples per batch.
        shuffle: shuffle the examples; default `True` for `"train"` splits only.
        seed: the shuffling seed (and the moving_mnist permutations).
        data_dir: TFDS data folder; default `$TFK_TOKFRAG_DATA_DIR`, else TFDS's
            (`~/tensorflow_datasets`). Offline datasets are generated there on first
            use.
        map_fn: applied to each batch's inputs in `Dataset.map` with parallel calls,
            e.g. a tokenizer layer (`WordTokenizer`, `PixelTokenizer`) to tokenize in
            the pipeline instead of in the model.
        cache: `True`: cache the decoded examples in memory when they fit (estimated
            at most 1 GiB); a string: cache into that file prefix; `False`: never.
        image_size: `(height, width)` (or an int) to resize images and frames to.
        num_frames: keep this many evenly spaced frames per clip.
        drop_remainder: drop the last, smaller batch.
        return_lengths: `moving_digits` and video folders: inputs become
            `{"video", "length"}` (int32 true lengths, before padding). Ignored elsewhere.
        shuffle_buffer: shuffle buffer size in examples; default: the whole split
            when cached in memory, else as many examples as fit in ~256 MiB.
        class_names: folders only: the class folders to read, in label order.
        download: TFDS datasets only: let TFDS download a dataset that is missing
            from `data_dir` (off by default: nothing is ever downloaded silently).

    Returns:
        A `tf.data.Dataset` of `(inputs, label)` batches.

    Example:
        >>> ds = load_dataset("digits", "test", batch_size=64)  # built offline once
        >>> images, labels = next(iter(ds))
        >>> tuple(images.shape), images.dtype.name, tuple(labels.shape)
        ((64, 8, 8, 1), 'uint8', (64,))
    """
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int. Received: batch_size={batch_size!r}")
    if shuffle_buffer is not None and (not isinstance(shuffle_buffer, int) or shuffle_buffer < 1):
        raise ValueError(
            f"shuffle_buffer must be None or a positive int. Received: "
            f"shuffle_buffer={shuffle_buffer!r}"
        )
    if shuffle is None:
        shuffle = split.split("[")[0] == "train"

    if folders.looks_like_path(name_or_path):
        root = folders.resolve_split(name_or_path, split)
        kind = folders.detect_kind(root)
        if kind == "image":
            ds, _ = folders.image_folder(root, image_size=image_size, class_names=class_names)
        elif kind == "text":
            ds, _ = folders.text_folder(root, class_names=class_names)
        else:
            ds, _ = folders.video_folder(
                root, image_size=image_size, num_frames=num_frames, class_names=class_names
            )
            if return_lengths:
                ds = ds.map(
                    lambda v, y: ({"video": v, "length": tf.shape(v, out_type=tf.int32)[0]}, y),
                    num_parallel_calls=tf.data.AUTOTUNE,
                )
    else:
        if class_names is not None:
            raise ValueError("class_names only applies to folders, not to named datasets.")
        ds = tfds_examples(
            name_or_path,
            split,
            data_dir=data_dir,
            image_size=image_size,
            num_frames=num_frames,
            return_lengths=return_lengths,
            download=download,
            seed=seed,
        )

    num_examples = int(ds.cardinality())
    known = num_examples >= 0
    in_memory = False
    if isinstance(cache, str) and cache:
        ds = ds.cache(cache)
    elif cache is True and known and num_examples > 0:
        if num_examples * _example_bytes(ds) <= MEMORY_CACHE_LIMIT_BYTES:
            ds, in_memory = ds.cache(), True
    elif not isinstance(cache, bool):
        raise ValueError(f"cache must be a bool or a file prefix. Received: cache={cache!r}")

    if shuffle:
        if shuffle_buffer is None:
            if in_memory:
                shuffle_buffer = num_examples
            else:
                fit = max(1, SHUFFLE_BUFFER_LIMIT_BYTES // _example_bytes(ds))
                shuffle_buffer = min(fit, num_examples) if known else fit
        ds = ds.shuffle(max(1, shuffle_buffer), seed=seed, reshuffle_each_iteration=True)

    if _has_unknown_dims(ds):
        ds = ds.padded_batch(batch_size, drop_remainder=drop_remainder)
    else:
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if map_fn is not None:
        ds = ds.map(
            lambda x, y: (map_fn(x), y), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
        )
    return ds.prefetch(tf.data.AUTOTUNE)
