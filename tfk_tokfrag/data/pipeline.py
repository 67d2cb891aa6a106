"""tf.data pipelines over in-memory arrays: cache, shuffle, batch, prefetch."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf

from tfk_tokfrag.data.digits import DEFAULT_SEED, load_digits_arrays


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
) -> tf.data.Dataset:
    """A batched, prefetched `(inputs, label)` dataset over arrays (or a dict of them).

    The order of operations is the usual fast one: `cache` the decoded examples,
    `shuffle` them with a seeded, per-epoch reshuffle over the whole set, `batch`,
    apply `map_fn` (e.g. a tokenizer layer) to each batch with parallel calls, and
    `prefetch` so the next batch is ready while the model trains.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int. Received: batch_size={batch_size!r}")
    ds = tf.data.Dataset.from_tensor_slices((inputs, labels))
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if map_fn is not None:
        ds = ds.map(
            lambda x, y: (map_fn(x), y),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
    return ds.prefetch(tf.data.AUTOTUNE)


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
    fixed by `seed`. Training data is shuffled unless `shuffle=False`.
    """
    splits = load_digits_arrays(seed=seed)
    if split not in splits:
        raise ValueError(f"split must be one of {sorted(splits)}. Received: split={split!r}")
    images, labels = splits[split]
    if shuffle is None:
        shuffle = split == "train"
    return array_pipeline(
        images, labels, batch_size, shuffle=shuffle, seed=seed, map_fn=map_fn
    )
