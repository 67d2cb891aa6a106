"""Sizes along tensor axes, static where known: the shape helpers of the layers.

Every helper takes Python ints (a size known when the graph is built) or scalar int32
tensors (a size known only when it runs) and returns the same kind. So a layer
computes its shapes with one formula whether or not the sizes are known, and its public
geometry methods (`PixelTokenizer.grid_shape`, `TemporalFragmenter.fragment_count`)
give on plain ints exactly what its graph computes.
"""

from __future__ import annotations

import math

import tensorflow as tf


def dim(x, axis: int):
    """Static size of `axis` of `x` if known, else a scalar int32 tensor."""
    static = x.shape[axis]
    return int(static) if static is not None else tf.shape(x)[axis]


def is_static(*values) -> bool:
    """Whether every value is a Python int (a size known before the graph runs)."""
    return all(isinstance(v, int) for v in values)


def static_or_none(value) -> int | None:
    return value if isinstance(value, int) else None


def maximum(a, b):
    return max(a, b) if is_static(a, b) else tf.maximum(a, b)


def num_windows(size, window: int, stride: int, padding: str):
    """Windows of `window` elements every `stride` along an axis of `size` elements.

    `"valid"`: the windows that fit entirely, `(size - window) // stride + 1` (0 when
    `size < window`). `"same"`: `ceil(size / stride)`, the last windows running past
    the end, as Keras convolutions with `padding="same"` and `tf.signal.frame(...,
    pad_end=True)` count them.
    """
    if padding == "same":
        return (size + stride - 1) // stride
    return maximum((size - window) // stride + 1, 0)


def windows_extent(count, stride: int, window: int):
    """Elements spanned by `count` windows (one window's worth when `count` is 0)."""
    return maximum(count - 1, 0) * stride + window


def frame_size(x):
    """Elements per frame of `x` `(batch, time, *frame)`: an int if known, else a tensor.

    (Not `-1` in a reshape, which fails on an empty batch.)
    """
    frame = x.shape[2:]
    if frame.is_fully_defined():
        return math.prod(int(d) for d in frame)
    return tf.reduce_prod(tf.shape(x)[2:])


def crop_or_pad(x, axes, sizes, targets, pad_value=None):
    """Crops or pads the end of each of `axes` of `x`, from `sizes` to `targets`.

    Padding is `pad_value` (zeros by default); sizes and targets are ints or scalar
    int32 tensors.
    """
    rank = x.shape.rank
    static = is_static(*sizes, *targets)
    if static and tuple(sizes) == tuple(targets):
        return x
    index = [slice(None)] * rank
    paddings = [[0, 0] for _ in range(rank)]
    crop = not static
    for axis, size, target in zip(axes, sizes, targets, strict=True):
        if static:
            if target < size:
                index[axis], crop = slice(None, target), True
            paddings[axis] = [0, max(target - size, 0)]
        else:
            index[axis] = slice(None, tf.minimum(size, target))
            paddings[axis] = [0, tf.maximum(target - size, 0)]
    if crop:
        x = x[tuple(index)]
    if static and not any(after for _, after in paddings):
        return x
    if pad_value is None:
        return tf.pad(x, paddings)
    return tf.pad(x, paddings, constant_values=pad_value)
