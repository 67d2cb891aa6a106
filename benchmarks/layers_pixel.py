"""PixelTokenizer throughput against its anchors, measured in one process.

Anchors: `keras.ops.image.extract_patches` followed by a reshape to a sequence (what
the keras-io `Patches` layer does), a bare reshape/transpose (the floor for
non-overlapping patches) and, for overlapping patches, `tf.image.extract_patches`.
Both sides are `tf.function`-compiled, run on the same float32 inputs, and timed
interleaved; throughput is images per second (medians).

Run from the repository root: `python benchmarks/layers_pixel.py`.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

try:  # benchmarks/ is on sys.path when run as a script.
    import _timing
except ImportError:  # imported as benchmarks.layers_pixel from the repository root
    from benchmarks import _timing
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfk_tokfrag.layers.pixel_tokenizer import PixelTokenizer  # noqa: E402

COLUMNS = ["layer", "case", "anchor", "anchor_per_s", "ours_per_s", "ratio", "target"]

# (case name, batch, image size, patch, stride)
CASES = [
    ("224x224x3 b64, patch 16", 64, 224, 16, 16),
    ("32x32x3 b1024, patch 4", 1024, 32, 4, 4),
    ("224x224x3 b64, patch 16 stride 8", 64, 224, 16, 8),
]


def _extract_patches_anchor(size, stride):
    @tf.function
    def anchor(x):  # keras-io `Patches`: extract_patches, then a sequence.
        patches = keras.ops.image.extract_patches(x, size, strides=stride)
        return tf.reshape(patches, [tf.shape(x)[0], -1, patches.shape[-1]])

    return anchor


def _tf_extract_patches_anchor(size, stride):
    @tf.function
    def anchor(x):
        patches = tf.image.extract_patches(
            x, [1, size, size, 1], [1, stride, stride, 1], [1, 1, 1, 1], "VALID"
        )
        return tf.reshape(patches, [tf.shape(x)[0], -1, patches.shape[-1]])

    return anchor


def _reshape_anchor(batch, image, size, channels=3):
    grid = image // size

    @tf.function
    def anchor(x):
        x = tf.reshape(x, [batch, grid, size, grid, size, channels])
        x = tf.transpose(x, [0, 1, 3, 2, 4, 5])
        return tf.reshape(x, [batch, grid * grid, size * size * channels])

    return anchor


_loop = _timing.repeat_calls


def run(repeats: int = 7) -> list[dict]:
    """Times each case; returns one row per (case, anchor)."""
    rows = []
    rng = np.random.default_rng(0)
    for case, batch, image, size, stride in CASES:
        x = tf.constant(rng.random((batch, image, image, 3), dtype=np.float32))
        layer = PixelTokenizer(size, strides=stride)
        ours = tf.function(lambda images, layer=layer: layer(images))
        expected = ours(x)
        anchors = {"keras.ops.image.extract_patches": _extract_patches_anchor(size, stride)}
        if stride == size:
            anchors["bare reshape/transpose"] = _reshape_anchor(batch, image, size)
            targets = {
                "keras.ops.image.extract_patches": ">= 5.0x",
                "bare reshape/transpose": ">= 0.9x",
            }
        else:
            anchors["tf.image.extract_patches"] = _tf_extract_patches_anchor(size, stride)
            targets = {
                "keras.ops.image.extract_patches": ">= 1.0x",
                "tf.image.extract_patches": "(info)",
            }
        for name, anchor in anchors.items():  # Same inputs, same tokens.
            np.testing.assert_array_equal(anchor(x).numpy(), expected.numpy(), err_msg=name)
        # Enough calls per timing that one timing lasts ~50 ms or more, so the
        # per-call dispatch overhead and timer noise weigh little.
        seconds = _timing.median_seconds(_loop(ours, x, 1), repeats=3, warmup=1)
        calls = max(1, int(0.05 / max(seconds, 1e-6)))
        for name, anchor in anchors.items():
            medians = _timing.interleaved_medians(
                {"anchor": _loop(anchor, x, calls), "ours": _loop(ours, x, calls)},
                repeats=repeats,
            )
            anchor_per_s = batch * calls / medians["anchor"]
            ours_per_s = batch * calls / medians["ours"]
            rows.append(
                {
                    "layer": "PixelTokenizer",
                    "case": case,
                    "anchor": name,
                    "anchor_per_s": round(anchor_per_s),
                    "ours_per_s": round(ours_per_s),
                    "ratio": f"{ours_per_s / anchor_per_s:.2f}x",
                    "target": targets[name],
                }
            )
    return rows


if __name__ == "__main__":
    print(_timing.machine_line())
    print("Throughput in images/s (medians); ratio = ours / anchor.\n")
    _timing.print_table(run(), COLUMNS)
