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

COLUMNS = _timing.COLUMNS

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


def run(repeats: int = 7) -> list[dict]:
    """Times each case; returns one row per (case, anchor).

    The bare reshape/transpose is also the floor of non-overlapping patches: it is
    the least any layer must do to lay the pixels out as tokens, so its throughput
    over `extract_patches`' is the best ratio this machine allows ("ceiling").
    """
    rows = []
    rng = np.random.default_rng(0)
    for case, batch, image, size, stride in CASES:
        x = tf.constant(rng.random((batch, image, image, 3), dtype=np.float32))
        layer = PixelTokenizer(size, strides=stride)
        ours = tf.function(lambda images, layer=layer: layer(images))
        expected = ours(x)
        extract = "keras.ops.image.extract_patches"
        fns = {extract: _extract_patches_anchor(size, stride)}
        if stride == size:
            bare = "bare reshape/transpose"
            fns[bare] = _reshape_anchor(batch, image, size)
            targets = {extract: (">= 5.0x", bare), bare: (">= 0.9x", bare)}
        else:
            fns["tf.image.extract_patches"] = _tf_extract_patches_anchor(size, stride)
            targets = {extract: (">= 1.0x", None), "tf.image.extract_patches": ("(info)", None)}
        for name, fn in fns.items():  # Same inputs, same tokens.
            np.testing.assert_array_equal(fn(x).numpy(), expected.numpy(), err_msg=name)
        fns["ours"] = ours
        # Enough calls per timing that one timing lasts ~50 ms or more, so the
        # per-call dispatch overhead and timer noise weigh little.
        seconds = _timing.median_seconds(_loop(ours, x, 1), repeats=3, warmup=1)
        calls = max(1, int(0.05 / max(seconds, 1e-6)))
        per_s = _timing.rates(
            {name: _loop(fn, x, calls) for name, fn in fns.items()},
            items=batch * calls, repeats=repeats,
        )
        for name, (target, floor) in targets.items():
            rows.append(_timing.ratio_row("PixelTokenizer", case, name, per_s, target, floor))
    return rows


_loop = _timing.repeat_calls


if __name__ == "__main__":
    print(_timing.machine_line())
    print("Throughput in images/s (medians); ratio = ours / anchor.\n")
    _timing.print_table(run(), COLUMNS)
