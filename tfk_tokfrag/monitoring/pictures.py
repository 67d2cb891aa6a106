"""The TensorBoard pictures, drawn with NumPy (no matplotlib).

Every function takes and returns `uint8` RGB arrays `(height, width, 3)` (or a batch
of them), so the result goes straight into `tf.summary.image`. The geometry of the
pixel tokens and temporal fragments comes from the layers themselves
(`PixelTokenizer.token_spans`, `TemporalFragmenter.fragment_starts`): a picture shows
what the layer cuts, and never counts for itself.
"""

from __future__ import annotations

import numpy as np

from tfk_tokfrag import _validation
from tfk_tokfrag.layers import PixelTokenizer, TemporalFragmenter

# Colours (RGB), public so that readers of the pictures (and tests) can find them.
BORDER_COLOR = (255, 0, 255)  # patch borders, fragment separators: magenta
FIRST_TOKEN_COLOR = (0, 255, 255)  # outline of token 0 when patches overlap: cyan
FRAME_SEPARATOR_COLOR = (128, 128, 128)  # between the frames of one fragment
HATCH_COLORS = ((40, 40, 40), (110, 110, 110))  # padding (pixels or frames)
GRID_LINE_COLOR = (200, 200, 200)  # confusion-matrix cell borders
BACKGROUND_COLOR = (255, 255, 255)
DIM_FACTOR = 0.3  # pixels in no token (dropped edge, gaps) are dimmed to this

_HATCH_PERIOD = 3

# A 3x5 bitmap font for digits, enough to print counts and class indices.
_DIGITS = {
    "0": ("111", "101", "101", "101", "111"),
    "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"),
    "3": ("111", "001", "111", "001", "111"),
    "4": ("101", "101", "111", "001", "001"),
    "5": ("111", "100", "111", "001", "111"),
    "6": ("111", "100", "111", "101", "111"),
    "7": ("111", "001", "010", "010", "010"),
    "8": ("111", "101", "111", "101", "111"),
    "9": ("111", "101", "111", "001", "111"),
}
_GLYPHS = {
    char: np.array([[c == "1" for c in row] for row in rows], dtype=bool)
    for char, rows in _DIGITS.items()
}
_FONT_SCALE = 2
_GLYPH_H, _GLYPH_W = 5 * _FONT_SCALE, 3 * _FONT_SCALE
_GLYPH_GAP = _FONT_SCALE

# A sequential white -> dark blue ramp (anchors of matplotlib's "Blues").
_RAMP = np.array(
    [
        (247, 251, 255),
        (198, 219, 239),
        (107, 174, 214),
        (33, 113, 181),
        (8, 48, 107),
    ],
    dtype=np.float64,
)


def to_rgb_uint8(images) -> np.ndarray:
    """Any real images `(..., height, width, channels)` -> uint8 RGB.

    uint8 is kept; other integers are clipped to [0, 255]; floats in [0, 1] are
    scaled by 255, floats in [0, 255] are kept, anything else is min-max
    normalised over the whole array. 1 channel is repeated to RGB, 4 channels lose
    alpha, another channel count shows the first channel in grey.
    """
    x = np.asarray(images)
    if x.dtype == np.uint8:
        out = x
    elif np.issubdtype(x.dtype, np.integer) or x.dtype == bool:
        out = np.clip(x.astype(np.int64), 0, 255).astype(np.uint8)
    else:
        x = np.nan_to_num(x.astype(np.float64))
        lo, hi = (float(x.min()), float(x.max())) if x.size else (0.0, 1.0)
        if lo >= 0.0 and hi <= 1.0:
            x = x * 255.0
        elif lo < 0.0 or hi > 255.0:
            x = (x - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(x)
        out = np.clip(np.round(x), 0, 255).astype(np.uint8)
    channels = out.shape[-1]
    if channels == 3:
        return out
    if channels == 4:
        return out[..., :3]
    return np.repeat(out[..., :1], 3, axis=-1)


def auto_scale(height: int, width: int, target: int) -> int:
    """Integer nearest-neighbour zoom so the larger side is about `target` pixels."""
    return int(max(1, min(16, target // max(height, width, 1))))


def hatch(height: int, width: int) -> np.ndarray:
    """The diagonal-stripe pattern that marks padding, `(height, width, 3)` uint8."""
    y, x = np.mgrid[0:height, 0:width]
    stripes = ((y + x) // _HATCH_PERIOD) % 2 == 0
    out = np.empty((height, width, 3), np.uint8)
    out[...] = HATCH_COLORS[0]
    out[stripes] = HATCH_COLORS[1]
    return out


def _axis_layout(size: int, spans) -> tuple[int, np.ndarray, np.ndarray]:
    """`(extent, boundaries, covered)` of tokens along one axis of `size` pixels.

    `spans` are the tokens' `[start, stop)` pixel ranges; `extent` is the size after
    the zero padding the last tokens reach into (at least `size`), `boundaries` the
    sorted pixel positions where a token starts or ends (where a border line is
    drawn), `covered` a bool mask `(extent,)` of the pixels that are in some token.
    """
    extent = max([size] + [stop for _, stop in spans])
    covered = np.zeros(extent, dtype=bool)
    for start, stop in spans:
        covered[start:stop] = True
    edges = sorted({position for span in spans for position in span})
    return extent, np.array(edges, dtype=np.int64), covered


def patch_and_strides(tokenizer: PixelTokenizer) -> tuple[tuple[int, int], tuple[int, int]]:
    """The `(patch_height, patch_width)` and `(stride_height, stride_width)` of a layer."""
    patch = _validation.pair("patch_size", tokenizer.patch_size)
    strides = patch if tokenizer.strides is None else _validation.pair(
        "strides", tokenizer.strides
    )
    return patch, strides


def _line_layout(extent: int, scale: int, boundaries: np.ndarray, width: int):
    """Output index of each zoomed pixel and of each line along one axis."""
    zoomed = np.arange(extent * scale)
    scaled = boundaries * scale
    pixel_index = zoomed + width * np.searchsorted(scaled, zoomed, side="right")
    line_start = scaled + width * np.arange(len(boundaries))
    return pixel_index, line_start, extent * scale + width * len(boundaries)


def pixel_token_picture(
    image: np.ndarray,
    tokenizer: PixelTokenizer,
    scale: int = 1,
    line_width: int = 1,
) -> np.ndarray:
    """One RGB uint8 image `(H, W, 3)` cut into the pixel tokens of `tokenizer`.

    The image is zoomed `scale` times (nearest neighbour) and a `line_width` line
    of `BORDER_COLOR` is inserted (not drawn over pixels) at every row/column where
    a token starts or ends (`tokenizer.token_spans`). With overlapping strides
    that is the grid of the stride, and token 0 is outlined in `FIRST_TOKEN_COLOR`
    to show a token's extent. Pixels in no token (the edge `"valid"` drops, the
    gaps of strides larger than the patch) are dimmed; the zero padding of
    `"same"` is hatched.

    Output size along each axis: `extent * scale + line_width * boundaries`,
    where `extent` is the image size plus the padding the tokens reach into and
    `boundaries` the number of distinct token starts and ends.

    Example:

    >>> image = np.zeros((8, 8, 3), np.uint8)
    >>> pixel_token_picture(image, PixelTokenizer(patch_size=4), scale=2).shape
    (19, 19, 3)
    """
    (ph, pw), (sh, sw) = patch_and_strides(tokenizer)
    height, width = image.shape[:2]
    row_spans, col_spans = tokenizer.token_spans(height, width)
    rows, cols = len(row_spans), len(col_spans)
    ext_h, bounds_h, cov_h = _axis_layout(height, row_spans)
    ext_w, bounds_w, cov_w = _axis_layout(width, col_spans)

    base = np.zeros((ext_h, ext_w, 3), np.uint8)
    base[:height, :width] = image
    covered = cov_h[:, None] & cov_w[None, :]
    base[~covered] = (base[~covered] * DIM_FACTOR).astype(np.uint8)
    padded = np.ones((ext_h, ext_w), bool)
    padded[:height, :width] = False
    zoomed = np.repeat(np.repeat(base, scale, axis=0), scale, axis=1)
    if padded.any():
        pad_mask = np.repeat(np.repeat(padded, scale, axis=0), scale, axis=1)
        zoomed[pad_mask] = hatch(*pad_mask.shape)[pad_mask]

    row_index, row_lines, out_h = _line_layout(ext_h, scale, bounds_h, line_width)
    col_index, col_lines, out_w = _line_layout(ext_w, scale, bounds_w, line_width)
    # Lines only where a border is; elsewhere (around dropped pixels) the canvas
    # shows the dimmed pixels, so start from a canvas of border colour and paste.
    out = np.empty((out_h, out_w, 3), np.uint8)
    out[...] = BORDER_COLOR
    out[np.ix_(row_index, col_index)] = zoomed

    overlapping = (sh < ph or sw < pw) and rows and cols
    if overlapping:
        # Outline token 0: the rows and columns of the first token.
        top, bottom = row_lines[0], row_lines[np.searchsorted(bounds_h, row_spans[0][1])]
        left, right = col_lines[0], col_lines[np.searchsorted(bounds_w, col_spans[0][1])]
        color = FIRST_TOKEN_COLOR
        out[top : top + line_width, left : right + line_width] = color
        out[bottom : bottom + line_width, left : right + line_width] = color
        out[top : bottom + line_width, left : left + line_width] = color
        out[top : bottom + line_width, right : right + line_width] = color
    return out


def fragment_picture(
    frames: np.ndarray,
    fragmenter: TemporalFragmenter,
    fragment_separator: int = 3,
    frame_separator: int = 1,
) -> np.ndarray:
    """A clip of frame pictures `(T, fh, fw, 3)` laid out as the fragments of `fragmenter`.

    One row per fragment, frames side by side: the row of fragment `i` holds frames
    `starts[i]` to `starts[i] + fragment_length - 1`, with the starts the layer
    gives (`fragmenter.fragment_starts(T)`: at inference, for segment sampling).
    Rows are framed by `fragment_separator` pixels of `BORDER_COLOR`, frames within
    a row separated by `frame_separator` pixels of `FRAME_SEPARATOR_COLOR`. Frames
    past the end of the clip (padding) are hatched. Size: `(F * fh + (F + 1) *
    fragment_separator, L * fw + (L - 1) * frame_separator + 2 *
    fragment_separator, 3)` for `F` fragments of length `L`.

    Example:

    >>> frames = np.zeros((5, 2, 2, 3), np.uint8)
    >>> fragment_picture(frames, TemporalFragmenter(2, pad_end=True)).shape
    (18, 11, 3)
    """
    time, fh, fw = frames.shape[:3]
    starts = fragmenter.fragment_starts(time)
    count, length = len(starts), fragmenter.fragment_length
    fs, ts = fragment_separator, frame_separator
    out_h = count * fh + (count + 1) * fs
    out_w = length * fw + (length - 1) * ts + 2 * fs
    out = np.empty((out_h, out_w, 3), np.uint8)
    out[...] = FRAME_SEPARATOR_COLOR
    for i in range(count + 1):  # horizontal bands between fragments
        top = i * (fh + fs)
        out[top : top + fs] = BORDER_COLOR
    out[:, :fs] = BORDER_COLOR
    out[:, out_w - fs :] = BORDER_COLOR
    padding = hatch(fh, fw)
    for i, start in enumerate(starts):
        top = fs + i * (fh + fs)
        for j in range(length):
            t = start + j
            left = fs + j * (fw + ts)
            out[top : top + fh, left : left + fw] = frames[t] if t < time else padding
    return out


def _text_width(text: str) -> int:
    return len(text) * (_GLYPH_W + _GLYPH_GAP) - _GLYPH_GAP if text else 0


def draw_digits(canvas: np.ndarray, text: str, center_y: int, center_x: int, color) -> None:
    """Draws a string of digits centred at `(center_y, center_x)`, in place."""
    top = center_y - _GLYPH_H // 2
    left = center_x - _text_width(text) // 2
    for char in text:
        glyph = np.repeat(np.repeat(_GLYPHS[char], _FONT_SCALE, 0), _FONT_SCALE, 1)
        region = canvas[top : top + _GLYPH_H, left : left + _GLYPH_W]
        region[glyph[: region.shape[0], : region.shape[1]]] = color
        left += _GLYPH_W + _GLYPH_GAP


def ramp_color(value: float) -> np.ndarray:
    """The heatmap colour of a value in [0, 1] (white -> dark blue), uint8 RGB."""
    position = float(np.clip(value, 0.0, 1.0)) * (len(_RAMP) - 1)
    low = min(int(position), len(_RAMP) - 2)
    frac = position - low
    return np.round(_RAMP[low] * (1 - frac) + _RAMP[low + 1] * frac).astype(np.uint8)


def confusion_layout(num_classes: int, max_count: int):
    """`(cell, margin_top, margin_left)` of the confusion-matrix picture."""
    cell = max(16, _text_width(str(max_count)) + 6)
    margin_top = _GLYPH_H + 6
    margin_left = _text_width(str(max(num_classes - 1, 0))) + 6
    return cell, margin_top, margin_left


def confusion_matrix_picture(counts: np.ndarray) -> np.ndarray:
    """A row-normalised confusion-matrix heatmap with the counts printed in it.

    Rows are true classes, columns predicted ones; a cell's colour is its count
    over its row's total (white 0 -> dark blue 1); the count is printed in the
    cell, and class indices along the top and left. Cell `(i, j)` occupies rows
    `margin_top + 1 + i * (cell + 1)` onward (`cell` pixels) and likewise columns,
    with `confusion_layout` giving the sizes; 1-pixel grid lines separate cells.
    """
    counts = np.asarray(counts, dtype=np.int64)
    k = counts.shape[0]
    totals = counts.sum(axis=1, keepdims=True)
    normalised = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    cell, margin_top, margin_left = confusion_layout(k, int(counts.max(initial=0)))
    out_h = margin_top + 1 + k * (cell + 1)
    out_w = margin_left + 1 + k * (cell + 1)
    out = np.empty((out_h, out_w, 3), np.uint8)
    out[...] = BACKGROUND_COLOR
    out[margin_top:, margin_left:] = GRID_LINE_COLOR
    for i in range(k):
        top = margin_top + 1 + i * (cell + 1)
        draw_digits(out, str(i), top + cell // 2, margin_left // 2, (0, 0, 0))
        for j in range(k):
            left = margin_left + 1 + j * (cell + 1)
            if i == 0:
                draw_digits(out, str(j), margin_top // 2, left + cell // 2, (0, 0, 0))
            color = ramp_color(normalised[i, j])
            out[top : top + cell, left : left + cell] = color
            ink = (255, 255, 255) if normalised[i, j] > 0.5 else (0, 0, 0)
            draw_digits(out, str(counts[i, j]), top + cell // 2, left + cell // 2, ink)
    return out
