"""The NumPy pictures, against hand-built references and the layers' own outputs."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tests.monitoring.events import zoom
from tfk_tokfrag.layers import PixelTokenizer, TemporalFragmenter
from tfk_tokfrag.monitoring import pictures

MAGENTA, CYAN = np.array(pictures.BORDER_COLOR), np.array(pictures.FIRST_TOKEN_COLOR)


def test_pixel_token_picture_non_overlapping_inserts_borders():
    image = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    picture = pictures.pixel_token_picture(image, PixelTokenizer(4), scale=3)
    # Reference: zoom, then insert a line before each patch and one at the end.
    expected = zoom(image, 3)
    for axis in (0, 1):
        for position in (24, 12, 0):
            expected = np.insert(expected, position, MAGENTA, axis=axis)
    assert picture.shape == (8 * 3 + 3, 8 * 3 + 3, 3)
    np.testing.assert_array_equal(picture, expected)


def test_pixel_token_picture_overlapping_strides_draws_stride_grid():
    image = np.full((8, 8, 3), 100, np.uint8)
    picture = pictures.pixel_token_picture(image, PixelTokenizer(4, strides=2), scale=2)
    # 3x3 tokens start at 0, 2, 4 and end at 4, 6, 8: lines at 0, 2, 4, 6, 8.
    lines = [p * 2 + i for i, p in enumerate((0, 2, 4, 6, 8))]
    assert picture.shape == (8 * 2 + 5, 8 * 2 + 5, 3)
    line_pixels = np.concatenate([picture[lines].reshape(-1, 3), picture[:, lines].reshape(-1, 3)])
    is_border = (line_pixels == MAGENTA).all(-1) | (line_pixels == CYAN).all(-1)
    assert is_border.all()
    # Token 0 (pixels 0..3, lines 0 and 2 of the grid) is outlined in cyan.
    outline = [CYAN] * (lines[2] + 1)
    np.testing.assert_array_equal(picture[lines[0], lines[0] : lines[2] + 1], outline)
    np.testing.assert_array_equal(picture[lines[2], lines[0] : lines[2] + 1], outline)
    np.testing.assert_array_equal(picture[lines[0] : lines[2] + 1, lines[2]], outline)
    assert (picture[lines[4], :] == MAGENTA).all()
    cells = np.delete(np.delete(picture, lines, axis=0), lines, axis=1)
    assert (cells == 100).all()


def test_pixel_token_picture_same_padding_and_dropped_edge():
    image = np.full((10, 10, 3), 200, np.uint8)
    # "same": ceil(10 / 4) = 3 tokens, padded to 12 pixels, the padding hatched.
    picture = pictures.pixel_token_picture(image, PixelTokenizer(4, padding="same"), scale=1)
    assert picture.shape == (12 + 4, 12 + 4, 3)
    pixels = np.delete(np.delete(picture, [0, 5, 10, 15], axis=0), [0, 5, 10, 15], axis=1)
    padded = pixels[10:]  # pixel rows 10 and 11 are padding
    assert {tuple(c) for c in padded.reshape(-1, 3)} <= set(pictures.HATCH_COLORS)
    # "valid": 2 tokens; pixel rows 8 and 9 are in no token and dimmed.
    picture = pictures.pixel_token_picture(image, PixelTokenizer(4), scale=1)
    assert picture.shape == (10 + 3, 10 + 3, 3)
    assert (picture[-2:, 1:5] == int(200 * pictures.DIM_FACTOR)).all()


def test_fragment_picture_rows_match_tf_signal_frame():
    rng = np.random.default_rng(1)
    clip = rng.integers(0, 256, (5, 2, 3, 3), dtype=np.uint8)
    length, stride = 3, 2
    fragmenter = TemporalFragmenter(length, fragment_stride=stride, pad_end=True)
    picture = pictures.fragment_picture(clip, fragmenter)
    reference = tf.signal.frame(clip, length, stride, pad_end=True, axis=0).numpy()
    frame_index = tf.signal.frame(np.arange(5), length, stride, pad_end=True, pad_value=-1).numpy()
    count = len(reference)  # ceil(5 / 2) = 3 fragments
    assert picture.shape == (count * 2 + (count + 1) * 3, length * 3 + (length - 1) + 6, 3)
    for i in range(count):
        for j in range(length):
            top, left = 3 + i * (2 + 3), 3 + j * (3 + 1)
            cell = picture[top : top + 2, left : left + 3]
            if frame_index[i, j] < 0:  # padding
                assert {tuple(c) for c in cell.reshape(-1, 3)} <= set(pictures.HATCH_COLORS)
            else:
                np.testing.assert_array_equal(cell, reference[i, j])
    assert (picture[:3] == MAGENTA).all() and (picture[:, :3] == MAGENTA).all()


def test_fragment_picture_of_segment_sampling_shows_the_layers_fragments():
    rng = np.random.default_rng(2)
    clip = rng.integers(0, 256, (9, 2, 2, 3), dtype=np.uint8)
    fragmenter = TemporalFragmenter(2, fragment_stride=1, num_fragments=3, frame_rank=3)
    fragments = np.asarray(fragmenter(clip[None]))[0]  # at inference: (3, 2, 2, 2, 3)
    picture = pictures.fragment_picture(clip, fragmenter)
    assert picture.shape == (3 * 2 + 4 * 3, 2 * 2 + 1 + 6, 3)
    for i in range(3):
        for j in range(2):
            top, left = 3 + i * (2 + 3), 3 + j * (2 + 1)
            np.testing.assert_array_equal(picture[top : top + 2, left : left + 2],
                                          fragments[i, j])


def test_to_rgb_uint8_conversions():
    grey = np.array([[[[0.0], [0.5], [1.0]]]])
    np.testing.assert_array_equal(
        pictures.to_rgb_uint8(grey)[0, 0], [[0, 0, 0], [128, 128, 128], [255, 255, 255]]
    )
    assert pictures.to_rgb_uint8(np.full((1, 2, 2, 3), 7.0))[0, 0, 0].tolist() == [7, 7, 7]
    assert pictures.to_rgb_uint8(np.zeros((1, 2, 2, 4), np.uint8)).shape == (1, 2, 2, 3)
