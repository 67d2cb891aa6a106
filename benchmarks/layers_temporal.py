"""TemporalFragmenter throughput against `tf.signal.frame`, measured in one process.

The anchor is `tf.signal.frame(x, fragment_length, fragment_stride, axis=1)`, the
op the layer must match frame for frame. Both sides are `tf.function`-compiled
(no XLA), run on the same float32 inputs, checked equal, and timed interleaved;
throughput is clips (batch rows) per second, medians over `repeats` runs.

Non-overlapping fragments of a clip whose length is a multiple of the fragment
length are a reshape (no copy), so that case mostly measures call overhead; the
"remainder dropped" case needs one copy (a crop) against the anchor's crop and
gather. The `ceiling` column times that unavoidable work alone (an empty call, or
the crop) in the same rounds: the best ratio any implementation could reach here.

Run from the repository root: `python benchmarks/layers_temporal.py`.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import _timing  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfk_tokfrag.layers.temporal_fragmenter import TemporalFragmenter  # noqa: E402

COLUMNS = _timing.COLUMNS

# (case name, input shape, fragment length, fragment stride, target ratio)
CASES = [
    ("video b8 x 64f x 64x64x3, length 16 stride 8", (8, 64, 64, 64, 3), 16, 8, 1.0),
    ("video b8 x 64f x 64x64x3, length 16 stride 16", (8, 64, 64, 64, 3), 16, 16, 3.0),
    (
        "video b8 x 60f x 64x64x3, length 16 stride 16 (remainder dropped)",
        (8, 60, 64, 64, 3), 16, 16, 3.0,
    ),
    ("signal b64 x 16000, length 400 stride 160", (64, 16000), 400, 160, 1.0),
    ("signal b64 x 16000, length 400 stride 400", (64, 16000), 400, 400, 3.0),
]


_loop = _timing.repeat_calls


def _floor(shape, length, stride):
    """The least any implementation must do, or None where that is the anchor's gather.

    Non-overlapping fragments of a clip whose length is a multiple of the fragment
    length need no copy at all: the floor is an empty call. With a remainder to drop,
    one crop copy is unavoidable.
    """
    if stride != length:
        return None
    usable = shape[1] // length * length
    if usable == shape[1]:
        return tf.function(tf.identity)
    return tf.function(lambda v: tf.reshape(v[:, :usable], [shape[0], -1, length, *shape[2:]]))


def run(repeats: int = 7) -> list[dict]:
    """Times each case; returns one row per case."""
    rows = []
    for case, shape, length, stride, target in CASES:
        x = tf.random.uniform(shape, seed=0)
        layer = TemporalFragmenter(length, fragment_stride=stride,
                                   frame_rank=len(shape) - 2)
        fns = {
            "tf.signal.frame": tf.function(
                lambda v, length=length, stride=stride: tf.signal.frame(
                    v, length, stride, axis=1
                )
            ),
            "ours": tf.function(lambda v, layer=layer: layer(v)),
        }
        np.testing.assert_array_equal(fns["ours"](x).numpy(),
                                      fns["tf.signal.frame"](x).numpy())
        floor = _floor(shape, length, stride)
        if floor is not None:
            fns["floor"] = floor
        calls = 20
        per_s = _timing.rates(
            {name: _loop(fn, x, calls) for name, fn in fns.items()},
            items=shape[0] * calls, repeats=repeats,
        )
        rows.append(_timing.ratio_row(
            "TemporalFragmenter", case, "tf.signal.frame", per_s, f">= {target:.1f}x",
            floor="floor" if floor is not None else None,
        ))
    return rows


if __name__ == "__main__":
    print(_timing.machine_line())
    _timing.print_table(run(), COLUMNS)
