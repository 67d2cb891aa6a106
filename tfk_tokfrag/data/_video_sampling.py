"""Which frames of a video to keep: the sampling rules of `video_files`, on plain numbers.

* `num_frames`: evenly spaced indices, `_ops.frame_indices`' rule in NumPy;
* `fps`: for each tick `k / fps`, the frame on screen nearest to it, by timestamp.

Times are exact `Fraction`s of a second, so a 30 fps clip sampled at 10 fps keeps frames
0, 3, 6, ... whatever rounding float seconds would do; the container's time base bounds
how precisely its timestamps were stored (Matroska keeps whole milliseconds).
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Sequence
from fractions import Fraction

import numpy as np


def check_fps(fps) -> Fraction | None:
    """`None` or a positive number of frames per second, as an exact `Fraction`."""
    if fps is None:
        return None
    if not isinstance(fps, numbers.Real) or isinstance(fps, bool) or not 0 < fps < float("inf"):
        raise ValueError(f"fps must be None or a positive number. Received: fps={fps!r}")
    return Fraction(fps).limit_denominator(1_000_000)


def even_indices(length: int, num_frames: int) -> np.ndarray:
    """`num_frames` evenly spaced indices over `length` items: `_ops.frame_indices` in NumPy.

    Same float32 arithmetic as `tf.linspace` and the same half-to-even rounding as
    `tf.round`, so both give the same indices.
    """
    if num_frames == 1:
        return np.zeros([1], np.int64)
    delta = np.float32(length - 1) / np.float32(num_frames - 1)
    inner = np.arange(1, num_frames - 1, dtype=np.float32) * delta
    positions = np.concatenate([[np.float32(0)], inner, [np.float32(length - 1)]])
    return np.round(positions.astype(np.float32)).astype(np.int64)


def fps_indices(times: Sequence[Fraction], fps: Fraction, precision: Fraction = 0) -> list[int]:
    """For each tick `k / fps` of the clip, the index of the frame nearest to it.

    `times` are the frames' presentation times (seconds from the first frame, not
    decreasing), stored to within `precision` seconds (the container's time base). The
    clip lasts one mean frame interval past its last frame (one tick for a single
    frame); a tick within `precision` of that end is past it. Ties (within
    `precision`) go to the earlier frame.
    """
    last = times[-1]
    end = last + (last / (len(times) - 1) if len(times) > 1 and last > 0 else 1 / fps)
    out, i, k = [], 0, 0
    while k / fps < end - precision:
        tick = k / fps
        while i + 1 < len(times) and (times[i] + times[i + 1]) / 2 < tick - precision:
            i += 1
        out.append(i)
        k += 1
    return out


def plan_frames(count: int, times, num_frames: int | None, fps: Fraction | None) -> list[int]:
    """The source frame indices to output, in order (repeats allowed).

    `times`: `None` or `(seconds from the first frame, precision)` (needed with `fps`).
    """
    indices = list(range(count)) if fps is None else fps_indices(times[0], fps, times[1])
    if num_frames is not None:
        indices = [indices[j] for j in even_indices(len(indices), num_frames)]
    return indices


def relative_times(values, time_base, rate) -> tuple[list[Fraction], Fraction] | None:
    """Timestamps (in `time_base` units) -> `(seconds from the first, precision)`.

    Times never decrease; without timestamps frame `i` is at `i / rate` (exactly);
    without a rate either, `None`.
    """
    if values and None not in values and time_base:
        first = min(values)
        times = itertools.accumulate(((v - first) * time_base for v in values), max)
        return list(times), Fraction(time_base)
    if rate:
        return [Fraction(i) / rate for i in range(len(values))], Fraction(0)
    return None
