"""The graph of `TemporalFragmenter`: counting, cutting, sampling and masking fragments.

Inputs are batches `(batch, time, *frame)` cut along axis 1; sizes are Python ints
where known and scalar int32 tensors otherwise (see `tfk_tokfrag.layers._shapes`), so
the counting functions serve the layer's graph and its public geometry methods alike.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from tfk_tokfrag.layers._shapes import (
    crop_or_pad,
    dim,
    frame_size,
    is_static,
    maximum,
    num_windows,
)


def num_candidates(time, length: int, stride: int, pad_end: bool):
    """Fragments cut from `time` frames (Python ints or int32 tensors), at least 1.

    As `tf.signal.frame`: `ceil(time / stride)` with `pad_end`, else
    `(time - length) // stride + 1`; but never fewer than one fragment.
    """
    return maximum(num_windows(time, length, stride, "same" if pad_end else "valid"), 1)


def segment_centres(segment, counts, k: int):
    """The candidate index at the centre of `segment` of `k` equal segments of `counts`.

    `(segment + 1/2) * counts / k`, in exact integers (ints or int32 tensors).
    """
    return (2 * segment + 1) * counts // (2 * k)


def sample_segments(batch, counts, k: int, training, seed_generator):
    """TSN segment sampling: one candidate index per segment, `(batch, k)` int32.

    `counts` `(batch,)` are the candidates of each clip. In training, an index drawn
    uniformly within each of the `k` equal segments; else the segment centre.
    """
    counts = counts[:, tf.newaxis]  # (batch, 1)
    segment = tf.range(k)[tf.newaxis]  # (1, K)
    if not training:
        return segment_centres(segment, counts, k)
    offset = keras.random.uniform(
        tf.stack([batch, k]), seed=seed_generator, dtype="float32"
    )
    position = (tf.cast(segment, tf.float32) + offset) * tf.cast(counts, tf.float32) / k
    index = tf.minimum(tf.cast(tf.floor(position), tf.int32), counts - 1)
    # Rounding never leaves the segment: clip to its integer range.
    return tf.clip_by_value(index, segment * counts // k, ((segment + 1) * counts - 1) // k)


def all_fragments(x, time, num, length: int, stride: int, pad_value):
    """Every fragment, as `tf.signal.frame` cuts them: `(batch, num, length, *frame)`."""
    batch = dim(x, 0)
    frame = [dim(x, i) for i in range(2, x.shape.rank)]
    if stride >= length:
        # Non-overlapping: blocks of `stride` frames, keep the first `length`.
        x = crop_or_pad(x, (1,), (time,), (num * stride,), pad_value)
        blocks = tf.reshape(x, [batch, num, stride, *frame])
        return blocks if stride == length else blocks[:, :, :length]
    # Overlapping: as `tf.signal.frame`, cut the clip into sub-blocks of
    # g = gcd(length, stride) frames; fragment i is sub-blocks i * hop to
    # i * hop + per - 1. One gather on the rows of a (batch * blocks, g * frame)
    # matrix (the fastest gather on CPU) copies them; the clip is cropped only
    # when its length is not a multiple of g, and padded only when it must be.
    g = math.gcd(length, stride)
    per, hop = length // g, stride // g
    needed = (num - 1) * stride + length
    if is_static(time, needed):
        target = needed if time < needed else time - time % g
    else:
        target = tf.where(time < needed, needed, time - time % g)
    x = crop_or_pad(x, (1,), (time,), (target,), pad_value)
    rows = target // g
    matrix = tf.reshape(x, [batch * rows, g * frame_size(x)])
    index = (
        (tf.range(batch) * rows)[:, tf.newaxis, tf.newaxis]
        + (tf.range(num) * hop)[:, tf.newaxis]
        + tf.range(per)
    )
    fragments = tf.gather(matrix, tf.reshape(index, [-1]))
    return tf.reshape(fragments, [batch, num, length, *frame])


def gather_fragments(x, time, starts, num: int, length: int, needed, pad_value):
    """The fragments at `starts` `(batch, num)`: `(batch, num, length, *frame)`.

    `needed` frames (at least `time`) hold every fragment; the clip is padded to it.
    """
    batch = dim(x, 0)
    x = crop_or_pad(x, (1,), (time,), (needed,), pad_value)
    # One gather of frames from the rows of a (batch * time, frame) matrix.
    frames = (
        (tf.range(batch) * needed)[:, tf.newaxis, tf.newaxis]
        + starts[:, :, tf.newaxis]
        + tf.range(length)
    )
    matrix = tf.reshape(x, [batch * needed, frame_size(x)])
    fragments = tf.gather(matrix, tf.reshape(frames, [-1]))
    frame = [dim(x, i) for i in range(2, x.shape.rank)]
    return tf.reshape(fragments, [batch, num, length, *frame])


def masks(starts, batch, num, length: int, valid):
    """`(frame_mask (batch, num, length), fragment_mask (batch, num))`: True = real.

    `starts` are the fragments' first frames `(batch or 1, num)`; a frame is real when
    it lies before its clip's `valid` `(batch,)` frames.
    """
    positions = starts[:, :, tf.newaxis] + tf.range(length)
    frame_mask = tf.broadcast_to(
        positions < valid[:, tf.newaxis, tf.newaxis], [batch, num, length]
    )
    fragment_mask = tf.broadcast_to(starts < valid[:, tf.newaxis], [batch, num])
    return frame_mask, fragment_mask


def content_lengths(x, pad_value):
    """`(batch,)` int32: 1 + the index of each clip's last frame not all `pad_value`."""
    content = tf.not_equal(x, pad_value)
    if x.shape.rank > 2:
        content = tf.reduce_any(content, axis=list(range(2, x.shape.rank)))
    positions = tf.range(1, tf.shape(x)[1] + 1, dtype=tf.int32)
    return tf.reduce_max(tf.where(content, positions[tf.newaxis], 0), axis=1)


def crop_to_patches(x, patch_hw):
    """Drops the rows and columns of pixels of `(batch, time, H, W, C)` that do not
    fill a whole patch."""
    (ph, pw) = patch_hw
    height, width = dim(x, 2), dim(x, 3)
    rows, cols = height // ph, width // pw
    if is_static(height, width) and (rows * ph, cols * pw) == (height, width):
        return x
    return x[:, :, : rows * ph, : cols * pw]


def tubelets(fragments, patch_hw):
    """`(batch, num, length, H, W, C)` -> `(batch, num, patches, length * ph * pw * C)`."""
    (ph, pw) = patch_hw
    batch, num, length, height, width, channels = (dim(fragments, i) for i in range(6))
    rows, cols = height // ph, width // pw
    x = tf.reshape(fragments, [batch, num, length, rows, ph, cols, pw, channels])
    x = tf.transpose(x, [0, 1, 3, 5, 2, 4, 6, 7])
    return tf.reshape(x, [batch, num, rows * cols, length * ph * pw * channels])


def check_pad_value(pad_value, dtype) -> None:
    """Refuses a `pad_value` that fragments of `dtype` cannot hold (it would wrap,
    be truncated or overflow): an integer dtype takes integers within its range, a
    float dtype values within its finite range (or an infinity)."""
    dtype = tf.as_dtype(dtype)
    if dtype.is_bool:
        fits, holds = pad_value in (0, 1), "0 or 1"
    elif dtype.is_integer:
        fits = float(pad_value).is_integer() and dtype.min <= pad_value <= dtype.max
        holds = f"integers {dtype.min} to {dtype.max}"
    elif dtype.is_floating:
        fits = math.isinf(pad_value) or abs(pad_value) <= float(dtype.max)
        holds = f"values of magnitude up to {float(dtype.max):.6g}"
    else:
        return
    if not fits:
        raise ValueError(
            f"TemporalFragmenter pad_value={pad_value!r} does not fit the dtype "
            f"{dtype.name} of the fragments, which holds {holds}; choose a pad_value "
            "in range or set output_dtype"
        )


def check_lengths_dtype(dtype) -> None:
    """Refuses `lengths` that are not integers (a float length would be truncated)."""
    dtype = tf.as_dtype(dtype)
    if not dtype.is_integer:
        raise TypeError(
            "TemporalFragmenter expected lengths of an integer dtype (frame counts), "
            f"received dtype {dtype.name}"
        )


def checked_lengths(lengths):
    """Clip lengths as a `(batch,)` int32 tensor; a negative one fails an assertion.

    Lengths above the int32 range count as the whole clip (the layer clips lengths
    to the clip's time dimension).
    """
    lengths = tf.convert_to_tensor(lengths)
    check_lengths_dtype(lengths.dtype)
    lengths = tf.cast(tf.reshape(lengths, [-1]), tf.int64)
    negative = tf.debugging.assert_non_negative(
        lengths, message="TemporalFragmenter expected lengths >= 0 (frame counts)"
    )
    with tf.control_dependencies([negative] if negative is not None else []):
        return tf.cast(tf.minimum(lengths, tf.int32.max), tf.int32)
