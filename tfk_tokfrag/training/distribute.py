"""`resolve_strategy`: the `tf.distribute` strategy a training run asks for by name."""

from __future__ import annotations

import functools

import tensorflow as tf

STRATEGIES = ("mirrored",)


@functools.lru_cache(maxsize=1)
def _mirrored() -> tf.distribute.MirroredStrategy:
    # One per process: two MirroredStrategy objects number their collective ops
    # alike, and a model of one then waits on the other's all-reduce ("Shape mismatch
    # in the collective instance").
    return tf.distribute.MirroredStrategy()


def resolve_strategy(strategy) -> tf.distribute.Strategy | None:
    """`None`, a strategy name or a `tf.distribute.Strategy` -> the strategy to use.

    - `None`: no strategy (TensorFlow's default, one device).
    - `"mirrored"`: `tf.distribute.MirroredStrategy()` over every GPU of this machine,
      or its CPU when it has none (several logical CPUs count as several devices).
      The batch size of the recipe is the global batch, split across the replicas;
      gradients are summed across them (all-reduce) every step. The same object is
      returned on every call in a process.
    - a `tf.distribute.Strategy` instance: used as it is.

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if strategy is None or isinstance(strategy, tf.distribute.Strategy):
        return strategy
    if strategy == "mirrored":
        return _mirrored()
    raise ValueError(
        f"strategy must be None, one of {STRATEGIES} or a tf.distribute.Strategy. "
        f"Received: strategy={strategy!r}"
    )
