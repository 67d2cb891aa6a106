"""Batching: `batch_pipeline` (cache, shuffle, batch, map, prefetch) and its array front ends.

`batch_pipeline` is the one place where examples become training batches: `load_dataset`
(named datasets and folders) and `array_pipeline` (in-memory arrays) both end with it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.data.digits import DEFAULT_SEED, load_digits_arrays

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


_STANDIN_FOR_GLOBAL_SEED_0 = 2**31 - 2


def _shuffle_by_epoch(ds, buffer_size: int, seed: int, epoch: tf.Variable) -> tf.data.Dataset:
    """`ds` shuffled with a seed made of `seed` and `epoch`'s value when a pass starts.

    The inner dataset is instantiated per pass (`flat_map`), so it reads the variable
    then; what it captures (an in-memory `cache`) is shared by every pass.
    """
    if epoch.dtype != tf.int64:
        raise ValueError(f"shuffle_epoch must be an int64 tf.Variable. Received: {epoch!r}")
    num_examples = ds.cardinality()

    def one_pass(_):
        # tf.data compares (global seed, op seed) with (0, 0) in Python, which fails for
        # a tensor op seed once the global seed is 0 (`keras.utils.set_random_seed(0)`):
        # this function's graph then gets another fixed seed.
        graph = tf.compat.v1.get_default_graph()
        if graph.seed == 0:
            graph.seed = _STANDIN_FOR_GLOBAL_SEED_0
        pass_seed = tf.constant(seed, tf.int64) * 1_000_003 + epoch.read_value()
        return ds.shuffle(buffer_size, seed=pass_seed, reshuffle_each_iteration=False)

    shuffled = tf.data.Dataset.range(1).flat_map(one_pass)
    if int(num_examples) >= 0:
        shuffled = shuffled.apply(tf.data.experimental.assert_cardinality(num_examples))
    return shuffled


def batch_pipeline(
    ds: tf.data.Dataset,
    batch_size: int = 32,
    *,
    shuffle: bool = False,
    seed: int = DEFAULT_SEED,
    map_fn: Callable | None = None,
    cache: bool | str = True,
    drop_remainder: bool = False,
    shuffle_buffer: int | None = None,
    shuffle_epoch: tf.Variable | None = None,
) -> tf.data.Dataset:
    """Unbatched `(inputs, label)` examples -> batched, prefetched training batches.

    The usual fast order: `cache` the decoded examples -> seeded `shuffle` (reshuffled
    every epoch) -> `batch` (`padded_batch` with zeros when some non-string dimension
    varies, e.g. clips of different lengths) -> `map_fn` on each batch's inputs
    (parallel calls, order kept) -> `prefetch`.

    Args:
        ds: a `tf.data.Dataset` of unbatched `(inputs, label)` examples.
        batch_size: examples per batch.
        shuffle: shuffle the examples.
        seed: the shuffling seed: the same seed gives the same order, epoch by epoch.
        map_fn: applied to each batch's inputs in `Dataset.map`, e.g. a tokenizer
            layer.
        cache: `True`: cache the examples in memory when they fit (estimated from the
            first example: at most 1 GiB); a string: cache into that file prefix;
            `False`: never.
        drop_remainder: drop the last, smaller batch.
        shuffle_buffer: shuffle buffer size in examples; default: all the examples
            when cached in memory, else as many as fit in ~256 MiB.
        shuffle_epoch: an int64 `tf.Variable` holding the epoch (e.g.
            `tfk_tokfrag.training.EpochVariable().variable`, set by that callback at
            each epoch's start). Given it, the order of a pass is a function of `seed`
            and the epoch the pass starts in, not of how many passes came before: a
            training run resumed at epoch k sees epoch k's order, as an uninterrupted
            run does. Without it, `shuffle` reshuffles on every pass (`tf.data`'s
            `reshuffle_each_iteration`).

    Returns:
        A `tf.data.Dataset` of `(inputs, label)` batches.

    Example:

    >>> ds = tf.data.Dataset.from_tensor_slices((np.arange(5), np.arange(5) % 2))
    >>> [x.numpy().tolist() for x, _ in batch_pipeline(ds, batch_size=2)]
    [[0, 1], [2, 3], [4]]
    """
    batch_size = _validation.positive_int("batch_size", batch_size)
    shuffle_buffer = _validation.positive_int("shuffle_buffer", shuffle_buffer, allow_none=True)
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
        if shuffle_epoch is None:
            ds = ds.shuffle(max(1, shuffle_buffer), seed=seed, reshuffle_each_iteration=True)
        else:
            ds = _shuffle_by_epoch(ds, max(1, shuffle_buffer), seed, shuffle_epoch)

    if _has_unknown_dims(ds):
        ds = ds.padded_batch(batch_size, drop_remainder=drop_remainder)
    else:
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if map_fn is not None:
        ds = ds.map(
            lambda x, y: (map_fn(x), y), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
        )
    return ds.prefetch(tf.data.AUTOTUNE)


def array_pipeline(
    inputs,
    labels: np.ndarray,
    batch_size: int = 32,
    *,
    shuffle: bool = False,
    seed: int = DEFAULT_SEED,
    map_fn: Callable | None = None,
    cache: bool = True,
    drop_remainder: bool = False,
    shuffle_epoch: tf.Variable | None = None,
) -> tf.data.Dataset:
    """A batched, prefetched `(inputs, label)` dataset over arrays (or a dict of them).

    `batch_pipeline` over `tf.data.Dataset.from_tensor_slices((inputs, labels))`, the
    shuffle buffer holding the whole set.
    """
    batch_size = _validation.positive_int("batch_size", batch_size)
    ds = tf.data.Dataset.from_tensor_slices((inputs, labels))
    return batch_pipeline(
        ds,
        batch_size,
        shuffle=shuffle,
        seed=seed,
        map_fn=map_fn,
        cache=cache,
        drop_remainder=drop_remainder,
        shuffle_buffer=max(1, len(labels)),
        shuffle_epoch=shuffle_epoch,
    )


def digits_dataset(
    split: str = "train",
    batch_size: int = 32,
    *,
    shuffle: bool | None = None,
    seed: int = DEFAULT_SEED,
    map_fn: Callable | None = None,
) -> tf.data.Dataset:
    """The bundled handwritten digits as a `(uint8 image (8, 8, 1), int64 label)` pipeline.

    `split` is `"train"` (1,438 images) or `"test"` (359), a stratified 80/20 split
    fixed by `seed`. Training data is shuffled unless `shuffle=False`. With the
    default seed, the batches are those of `load_dataset("digits", split, batch_size)`.
    """
    splits = load_digits_arrays(seed=seed)
    if split not in splits:
        raise ValueError(f"split must be one of {sorted(splits)}. Received: split={split!r}")
    images, labels = splits[split]
    if shuffle is None:
        shuffle = split == "train"
    return array_pipeline(images, labels, batch_size, shuffle=shuffle, seed=seed, map_fn=map_fn)
