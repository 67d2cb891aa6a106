"""TemporalFragmenter throughput against `tf.signal.frame`, measured in one process.

The anchor is `tf.signal.frame(x, fragment_length, fragment_stride, axis=1)`, the
op the layer must match frame for frame. Both sides are `tf.function`-compiled
(no XLA), run on the same float32 inputs, checked equal, and timed interleaved;
throughput is clips (batch rows) per second, medians over `repeats` runs.

Non-overlapping fragments of a clip whose length is a multiple of the fragment
length are a reshape (no copy), so that case mostly measures call overhead; the
"remainder dropped" case needs one copy (a crop) against the anchor's crop and
gather.

Run from the repository root: `python benchmarks/layers_temporal.py`.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import _timing  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfk_tokfrag.layers.temporal_fragmenter import TemporalFragmenter  # noqa: E402

COLUMNS = ["layer", "case", "anchor", "anchor_per_s", "ours_per_s", "ratio", "target"]

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


def run(repeats: int = 7) -> list[dict]:
    """Times each case; returns one row per case."""
    rows = []
    for case, shape, length, stride, target in CASES:
        x = tf.random.uniform(shape, seed=0)
        layer = TemporalFragmenter(length, fragment_stride=stride,
                                   frame_rank=len(shape) - 2)
        anchor = tf.function(
            lambda v, length=length, stride=stride: tf.signal.frame(
                v, length, stride, axis=1
            )
        )
        ours = tf.function(lambda v, layer=layer: layer(v))
        np.testing.assert_array_equal(ours(x).numpy(), anchor(x).numpy())
        calls = 20
        seconds = _timing.interleaved_medians(
            {"anchor": _loop(anchor, x, calls), "ours": _loop(ours, x, calls)},
            repeats=repeats,
        )
        clips = shape[0] * calls
        anchor_per_s = clips / seconds["anchor"]
        ours_per_s = clips / seconds["ours"]
        rows.append(
            {
                "layer": "TemporalFragmenter",
                "case": case,
                "anchor": "tf.signal.frame",
                "anchor_per_s": f"{anchor_per_s:,.0f}",
                "ours_per_s": f"{ours_per_s:,.0f}",
                "ratio": f"{ours_per_s / anchor_per_s:.2f}x",
                "target": f">= {target:.1f}x",
            }
        )
    return rows


if __name__ == "__main__":
    print(_timing.machine_line())
    _timing.print_table(run(), COLUMNS)
