"""Reading the first examples of a `tf.data.Dataset` for a layer's `adapt`."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def first_batches(dataset: tf.data.Dataset, max_examples: int, what: str) -> list:
    """The batches of `dataset` as NumPy (a tuple of arrays for a tuple element, else
    an array), read until they hold `max_examples` examples (counted along the first
    axis of the first array) or the dataset ends; an empty dataset is an error naming
    `what` (e.g. `"MiniRocketFeatures.adapt"`)."""
    batches, seen = [], 0
    for batch in dataset:
        if isinstance(batch, (tuple, list)):
            batch = tuple(np.asarray(part) for part in batch)
            seen += len(batch[0])
        else:
            batch = np.asarray(batch)
            seen += len(batch)
        batches.append(batch)
        if seen >= max_examples:
            break
    if not batches:
        raise ValueError(f"{what} received an empty dataset.")
    return batches
