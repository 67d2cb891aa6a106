"""The graph of `PixelTokenizer`: counting, cutting and folding back pixel patches.

Images are batches `(batch, height, width, channels)`; sizes are Python ints where
known and scalar int32 tensors otherwise (see `tfk_tokfrag.layers._shapes`), so
`token_grid` serves the layer's graph and its public `grid_shape` alike.
"""

from __future__ import annotations

import tensorflow as tf

from tfk_tokfrag.layers._shapes import (
    crop_or_pad,
    dim,
    maximum,
    num_windows,
    static_or_none,
    windows_extent,
)


def token_grid(image_hw, patch_hw, strides_hw, padding: str):
    """`(rows, cols)` of tokens for `(height, width)` (ints, tensors or None, unknown)."""
    return tuple(
        None if size is None else num_windows(size, patch, stride, padding)
        for size, patch, stride in zip(image_hw, patch_hw, strides_hw, strict=True)
    )


def cut_blocks(x, patch_hw, grid_hw, sequence: bool = False):
    """Non-overlapping patches by reshape/transpose.

    Returns `(b, rows, cols, features)`, or `(b, rows * cols, features)` with
    `sequence`; features in `(patch_height, patch_width, channels)` order.
    """
    (ph, pw), (rows, cols) = patch_hw, grid_hw
    batch, height, width, channels = (dim(x, i) for i in range(4))
    x = crop_or_pad(x, (1, 2), (height, width), (rows * ph, cols * pw))
    features = ph * pw * channels
    shape = [batch, rows * cols, features] if sequence else [batch, rows, cols, features]
    if ph == 1:  # (rows, 1, cols, pw) already lies as (rows, cols, 1, pw).
        return tf.reshape(x, shape)
    x = tf.reshape(x, [batch, rows, ph, cols, pw, channels])
    x = tf.transpose(x, [0, 1, 3, 2, 4, 5])
    return tf.reshape(x, shape)


def cut_overlapping(x, patch_hw, strides_hw, grid_hw, padding: str):
    """Overlapping (or gapped) patches: `(b, rows, cols, features)`."""
    (ph, pw), (sh, sw), (rows, cols) = patch_hw, strides_hw, grid_hw
    height, width = dim(x, 1), dim(x, 2)
    if padding == "same":
        # Pad the bottom/right edge so the last patch is whole (crop if the
        # strides leave gaps past the last patch).
        target = (windows_extent(rows, sh, ph), windows_extent(cols, sw, pw))
    else:
        # An image smaller than a patch has no tokens; the op would fail on it,
        # so give it one patch's worth of pixels and drop the token below.
        target = (maximum(height, ph), maximum(width, pw))
    x = crop_or_pad(x, (1, 2), (height, width), target)
    patches = tf.image.extract_patches(
        x,
        sizes=[1, ph, pw, 1],
        strides=[1, sh, sw, 1],
        rates=[1, 1, 1, 1],
        padding="VALID",
    )
    grid_static = (static_or_none(rows), static_or_none(cols))
    if None in grid_static or tuple(patches.shape[1:3]) != grid_static:
        patches = patches[:, :rows, :cols]
    return patches


def join_blocks(patches):
    """Non-overlapping `(b, rows, cols, ph, pw, c)` patches -> `(b, rows * ph, cols * pw, c)`."""
    batch, rows, cols, ph, pw, channels = (dim(patches, i) for i in range(6))
    images = tf.transpose(patches, [0, 1, 3, 2, 4, 5])
    return tf.reshape(images, [batch, rows * ph, cols * pw, channels])


def fold(patches, strides):
    """Overlap-averages `(b, rows, cols, ph, pw, c)` patches into `(b, H, W, c)` images.

    `H = (rows - 1) * stride_h + ph`, likewise `W`; pixels no patch covers are 0.
    """
    sh, sw = strides
    batch, rows, cols, ph, pw, channels = (dim(patches, i) for i in range(6))
    extent_h, extent_w = windows_extent(rows, sh, ph), windows_extent(cols, sw, pw)
    pixel_rows = tf.range(rows)[:, None] * sh + tf.range(ph)[None, :]  # (rows, ph)
    pixel_cols = tf.range(cols)[:, None] * sw + tf.range(pw)[None, :]  # (cols, pw)
    index = pixel_rows[:, None, :, None] * extent_w + pixel_cols[None, :, None, :]
    index = tf.reshape(index, [-1])  # (rows * cols * ph * pw,)
    values = tf.transpose(patches, [1, 2, 3, 4, 0, 5])
    values = tf.reshape(values, [-1, batch, channels])
    num_pixels = extent_h * extent_w
    sums = tf.math.unsorted_segment_sum(values, index, num_pixels)
    ones = tf.ones_like(index, sums.dtype)
    counts = tf.math.unsorted_segment_sum(ones, index, num_pixels)
    means = sums / tf.maximum(counts, 1)[:, None, None]
    means = tf.reshape(means, [extent_h, extent_w, batch, channels])
    return tf.transpose(means, [2, 0, 1, 3])


def require_tokens(grid_hw, image_hw, describe: str, x=None):
    """Refuses images that give no token (`describe` names the layer's patching).

    Where the grid is known when the graph is built: a `ValueError`. Else (unknown
    sizes) `x` comes back behind a `tf.debugging.Assert` that fails when it runs.
    """
    rows, cols = grid_hw
    message = f"PixelTokenizer({describe}) cuts no token from images of (height, width)"
    advice = "an image must hold one whole patch (padding='valid') or a pixel ('same')"
    if None not in (static_or_none(rows), static_or_none(cols)):
        if rows * cols == 0:
            raise ValueError(f"{message} {tuple(image_hw)}: {advice}")
        return x
    if x is None or rows is None or cols is None:  # Symbolic: checked at call time.
        return x
    plain = [text.replace("'", "") for text in (message, advice)]  # TF escapes quotes
    check = tf.debugging.Assert(rows * cols > 0, [plain[0], tf.stack(image_hw), plain[1]])
    with tf.control_dependencies([check]):
        return tf.identity(x)
