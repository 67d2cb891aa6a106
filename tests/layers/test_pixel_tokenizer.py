"""Tests for `PixelTokenizer` against NumPy loops, `extract_patches` and PIL."""

from __future__ import annotations

import os
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.test_case import TestCase
from tfk_tokfrag.layers.pixel_tokenizer import PixelTokenizer


# -- independent references ---------------------------------------------------------
def numpy_tokens(images, patch, strides=None, padding="valid", layout="sequence"):
    """Patches by explicit loops over patch positions (padding at the bottom/right)."""
    (ph, pw), (sh, sw) = patch, strides or patch
    b, h, w, c = images.shape
    if padding == "same":
        rows, cols = -(-h // sh), -(-w // sw)
        need_h, need_w = (rows - 1) * sh + ph, (cols - 1) * sw + pw
        padded = np.zeros((b, max(h, need_h), max(w, need_w), c), images.dtype)
        padded[:, :h, :w] = images
        images = padded
    else:
        rows = (h - ph) // sh + 1 if h >= ph else 0
        cols = (w - pw) // sw + 1 if w >= pw else 0
    out = np.zeros((b, rows, cols, ph * pw * c), "float64")
    for r in range(rows):
        for q in range(cols):
            feature = 0
            for i in range(ph):
                for j in range(pw):
                    for k in range(c):
                        out[:, r, q, feature] = images[:, r * sh + i, q * sw + j, k]
                        feature += 1
    return out.reshape(b, rows * cols, out.shape[-1]) if layout == "sequence" else out


def numpy_coverage(h, w, patch, strides, padding):
    """Which pixels of an (h, w) image some token holds."""
    (ph, pw), (sh, sw) = patch, strides
    if padding == "same":
        rows, cols = -(-h // sh), -(-w // sw)
    else:
        rows = (h - ph) // sh + 1 if h >= ph else 0
        cols = (w - pw) // sw + 1 if w >= pw else 0
    covered = np.zeros((h, w), bool)
    for r in range(rows):
        for q in range(cols):
            covered[r * sh : r * sh + ph, q * sw : q * sw + pw] = True
    return covered


def numpy_bilinear(grid, out_h, out_w):
    """Half-pixel-centre bilinear resize of (h, w, d) without antialiasing."""
    h, w, _ = grid.shape

    def taps(n_in, n_out):
        x = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
        x = np.clip(x, 0, n_in - 1)
        lo = np.floor(x).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, x - lo

    r0, r1, fr = taps(h, out_h)
    c0, c1, fc = taps(w, out_w)
    top = grid[r0][:, c0] * (1 - fc)[None, :, None] + grid[r0][:, c1] * fc[None, :, None]
    bot = grid[r1][:, c0] * (1 - fc)[None, :, None] + grid[r1][:, c1] * fc[None, :, None]
    return top * (1 - fr)[:, None, None] + bot * fr[:, None, None]


def pil_bicubic(grid, out_h, out_w):
    """PIL's bicubic resize (a = -0.5, half-pixel centres), channel by channel."""
    channels = [
        np.asarray(
            Image.fromarray(grid[:, :, d].astype("float32"), mode="F").resize(
                (out_w, out_h), Image.BICUBIC
            )
        )
        for d in range(grid.shape[-1])
    ]
    return np.stack(channels, axis=-1)


def images(shape, dtype="float32", seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=shape).astype(dtype)


# -- the harness --------------------------------------------------------------------
class TestPixelTokenizerLayer(TestCase):
    def test_sequence_non_overlapping(self):
        x = images((2, 8, 8, 3))
        self.run_layer_test(
            PixelTokenizer,
            {"patch_size": 4},
            x,
            expected_output_shape=(2, 4, 48),
            expected_output_data=numpy_tokens(x, (4, 4)),
            expected_output_dtype="float32",
            expected_num_trainable_weights=0,
            expected_num_non_trainable_weights=0,
        )

    def test_grid_rectangular_patches(self):
        x = images((2, 8, 8, 3))
        self.run_layer_test(
            PixelTokenizer,
            {"patch_size": (2, 4), "output_layout": "grid"},
            x,
            expected_output_shape=(2, 4, 2, 24),
            expected_output_data=numpy_tokens(x, (2, 4), layout="grid"),
            expected_num_trainable_weights=0,
        )

    def test_pixel_level_tokens(self):
        x = images((2, 8, 8, 3))
        self.run_layer_test(
            PixelTokenizer,
            {"patch_size": 1},
            x,
            expected_output_shape=(2, 64, 3),
            expected_output_data=x.reshape(2, 64, 3),
        )

    def test_overlapping_grid(self):
        x = images((2, 8, 8, 3))
        self.run_layer_test(
            PixelTokenizer,
            {"patch_size": 4, "strides": (2, 2), "output_layout": "grid"},
            x,
            expected_output_shape=(2, 3, 3, 48),
            expected_output_data=numpy_tokens(x, (4, 4), (2, 2), layout="grid"),
        )

    def test_same_padding_ragged_edge(self):
        x = images((2, 10, 9, 3))
        self.run_layer_test(
            PixelTokenizer,
            {"patch_size": 4, "padding": "same"},
            x,
            expected_output_shape=(2, 9, 48),
            expected_output_data=numpy_tokens(x, (4, 4), padding="same"),
        )

    def test_embedding_position_and_class_token(self):
        x = images((2, 8, 8, 3))
        layer = self.run_layer_test(
            PixelTokenizer,
            {
                "patch_size": 4,
                "embed_dim": 16,
                "position_embedding": True,
                "class_token": True,
            },
            x,
            expected_output_shape=(2, 5, 16),
            expected_num_trainable_weights=4,
            expected_num_non_trainable_weights=0,
            atol=1e-5,
        )
        # Independent recomputation from the weights: cls, then projection + position.
        raw = numpy_tokens(x, (4, 4))
        kernel, bias = layer.kernel.numpy(), layer.bias.numpy()
        position = layer.position_embeddings.numpy().reshape(4, 16)
        expected = np.concatenate(
            [
                np.broadcast_to(layer.class_embedding.numpy(), (2, 1, 16)),
                raw @ kernel + bias + position,
            ],
            axis=1,
        )
        self.assertAllClose(layer(x), expected, atol=1e-3, rtol=1e-5)

    def test_uint8_images(self):
        x = images((2, 8, 8, 3), dtype="uint8")
        self.run_layer_test(
            PixelTokenizer,
            {"patch_size": 4, "strides": 3, "padding": "same"},
            x,
            expected_output_shape=(2, 9, 48),
            expected_output_data=numpy_tokens(x, (4, 4), (3, 3), padding="same"),
            expected_output_dtype="float32",
        )


# -- independent references ---------------------------------------------------------
CASES = [
    # patch, strides, padding
    ((4, 4), None, "valid"),
    ((2, 3), None, "valid"),
    ((1, 1), None, "valid"),
    ((3, 3), None, "valid"),  # ragged edge dropped
    ((4, 4), (2, 2), "valid"),
    ((3, 2), (1, 2), "valid"),
    ((2, 2), (3, 3), "valid"),  # gaps between patches
    ((4, 4), None, "same"),
    ((3, 5), (2, 3), "same"),
    ((2, 2), (3, 3), "same"),
]


@pytest.mark.parametrize("patch,strides,padding", CASES)
@pytest.mark.parametrize("layout", ["sequence", "grid"])
def test_matches_numpy_loops(patch, strides, padding, layout):
    x = images((2, 11, 10, 2))
    layer = PixelTokenizer(patch, strides=strides, padding=padding, output_layout=layout)
    expected = numpy_tokens(x, patch, strides, padding, layout)
    np.testing.assert_array_equal(layer(x).numpy(), expected)


@pytest.mark.parametrize("patch,strides,padding", CASES)
def test_matches_keras_extract_patches(patch, strides, padding):
    x = images((2, 11, 10, 2))
    layer = PixelTokenizer(patch, strides=strides, padding=padding, output_layout="grid")
    reference_input = x
    if padding == "same":
        # Keras / TF "same" splits the padding between the edges; ours puts it all at
        # the bottom/right, which is extract_patches("valid") of the padded image.
        (ph, pw), (sh, sw) = patch, strides or patch
        rows, cols = -(-11 // sh), -(-10 // sw)
        pad_h, pad_w = max((rows - 1) * sh + ph - 11, 0), max((cols - 1) * sw + pw - 10, 0)
        reference_input = np.pad(x, [(0, 0), (0, pad_h), (0, pad_w), (0, 0)])
    reference = keras.ops.image.extract_patches(
        reference_input, patch, strides=strides or patch, padding="valid"
    )
    np.testing.assert_array_equal(layer(x).numpy(), np.asarray(reference))


def _extract_patches_count(size, patch, stride):
    """Patches along one axis, by `keras.ops.image.extract_patches` ("valid")."""
    if size < patch:  # the op fails on images smaller than a patch: no patch
        return 0
    image = np.zeros((1, size, 1, 1), "float32")
    patches = keras.ops.image.extract_patches(
        image, (patch, 1), strides=(stride, 1), padding="valid"
    )
    return int(patches.shape[1])


@pytest.mark.parametrize("patch,strides,padding", CASES)
@pytest.mark.parametrize("height,width", [(11, 10), (2, 3), (0, 5)])
def test_grid_shape_and_token_spans_match_extract_patches(patch, strides, padding, height,
                                                          width):
    layer = PixelTokenizer(patch, strides=strides, padding=padding)
    (ph, pw), (sh, sw) = patch, strides or patch
    if padding == "same":  # all padding bottom/right: "valid" on the padded image
        rows, cols = -(-height // sh), -(-width // sw)
        height_in = max(height, (rows - 1) * sh + ph) if rows else height
        width_in = max(width, (cols - 1) * sw + pw) if cols else width
    else:
        height_in, width_in = height, width
    expected = (_extract_patches_count(height_in, ph, sh), _extract_patches_count(width_in, pw, sw))
    grid = layer.grid_shape(height, width)
    assert all(isinstance(n, int) for n in grid)
    assert grid == expected
    if 0 not in grid and height and width:  # the layer's own output agrees
        tokens = PixelTokenizer(patch, strides=strides, padding=padding,
                                output_layout="grid")(images((1, height, width, 1)))
        assert tuple(tokens.shape[1:3]) == grid
    row_spans, col_spans = layer.token_spans(height, width)
    assert (len(row_spans), len(col_spans)) == grid
    assert row_spans == tuple((i * sh, i * sh + ph) for i in range(grid[0]))
    assert col_spans == tuple((j * sw, j * sw + pw) for j in range(grid[1]))


def test_grid_shape_rejects_bad_sizes():
    with pytest.raises(ValueError, match="height must be a non-negative int"):
        PixelTokenizer(4).grid_shape(-1, 8)
    with pytest.raises(ValueError, match="width must be a non-negative int"):
        PixelTokenizer(4).token_spans(8, 2.0)


def test_same_padding_agrees_with_extract_patches_where_no_padding_needed():
    # When nothing needs padding, "same" must agree with Keras' own "same".
    x = images((1, 12, 8, 3))
    ours = PixelTokenizer(4, padding="same", output_layout="grid")(x)
    theirs = keras.ops.image.extract_patches(x, 4, padding="same")
    np.testing.assert_array_equal(ours.numpy(), np.asarray(theirs))


def test_unbatched_image_gives_unbatched_tokens():
    x = images((8, 8, 3))
    for kwargs in ({"patch_size": 4}, {"patch_size": 4, "strides": 2}):
        layer = PixelTokenizer(**kwargs)
        tokens = layer(x)
        np.testing.assert_array_equal(tokens.numpy(), layer(x[None])[0].numpy())
        assert tuple(layer.compute_output_shape((8, 8, 3))) == tuple(tokens.shape)


def test_non_overlapping_path_is_reshape_and_transpose_only():
    layer = PixelTokenizer(16)
    fn = tf.function(layer).get_concrete_function(tf.TensorSpec((None, 64, 64, 3)))
    ops = {op.type for op in fn.graph.get_operations()}
    assert "Transpose" in ops
    assert not ops & {"ExtractImagePatches", "Conv2D", "GatherV2", "GatherNd"}, ops


# -- unknown image size, position embedding interpolation ---------------------------
def test_unknown_height_and_width():
    inputs = keras.Input((None, None, 3))
    layer = PixelTokenizer(4, output_layout="grid")
    outputs = layer(inputs)
    assert tuple(outputs.shape) == (None, None, None, 48)
    model = keras.Model(inputs, outputs)
    for h, w in [(8, 8), (12, 9)]:
        x = images((2, h, w, 3))
        np.testing.assert_array_equal(model(x).numpy(), numpy_tokens(x, (4, 4), layout="grid"))
    seq = PixelTokenizer(4, strides=2)(inputs)
    assert tuple(seq.shape) == (None, None, 48)


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
def test_position_embedding_interpolates_to_new_grid(interpolation):
    layer = PixelTokenizer(
        4, embed_dim=5, position_embedding=True, image_size=8, interpolation=interpolation
    )
    layer.build((None, None, None, 3))
    table = np.random.default_rng(3).normal(size=(2, 2, 5)).astype("float32")
    layer.position_embeddings.assign(table)
    kernel, bias = layer.kernel.numpy(), layer.bias.numpy()
    x = images((2, 12, 16, 3))
    raw = numpy_tokens(x, (4, 4), layout="grid")  # a (3, 4) grid
    resize = numpy_bilinear if interpolation == "bilinear" else pil_bicubic
    expected = raw @ kernel + bias + resize(table, 3, 4)
    expected = expected.reshape(2, 12, 5)
    atol = 1e-3 if interpolation == "bicubic" else 1e-4
    np.testing.assert_allclose(layer(x).numpy(), expected, atol=atol, rtol=1e-5)
    # At the build size the table is added as it is.
    x8 = images((1, 8, 8, 3))
    expected8 = numpy_tokens(x8, (4, 4)) @ kernel + bias + table.reshape(4, 5)
    np.testing.assert_allclose(layer(x8).numpy(), expected8, atol=1e-4, rtol=1e-5)


def test_position_embedding_with_unknown_size_in_model_and_export(tmp_path):
    layer = PixelTokenizer(4, embed_dim=8, position_embedding=True, image_size=(8, 8))
    inputs = keras.Input((None, None, 3), dtype="uint8")
    model = keras.Model(inputs, layer(inputs))
    assert tuple(model.output.shape) == (None, None, 8)
    path = os.path.join(tmp_path, "saved_model")
    model.export(path, format="tf_saved_model", verbose=False)
    reloaded = tf.saved_model.load(path)
    for shape in [(2, 8, 8, 3), (1, 12, 8, 3)]:
        x = images(shape, dtype="uint8")
        np.testing.assert_allclose(
            reloaded.serve(tf.constant(x)).numpy(), model(x).numpy(), atol=1e-5
        )


def test_position_embedding_on_raw_grid_tokens():
    # Without embed_dim the position embedding has the raw token size.
    layer = PixelTokenizer(2, output_layout="grid", position_embedding=True)
    x = images((2, 8, 6, 3))
    tokens = layer(x).numpy()
    assert tokens.shape == (2, 4, 3, 12)
    assert [w.name for w in layer.weights] == ["position_embeddings"]
    table = layer.position_embeddings.numpy()
    assert table.shape == (4, 3, 12)
    expected = numpy_tokens(x, (2, 2), layout="grid") + table
    np.testing.assert_allclose(tokens, expected, atol=1e-4)


def test_position_embedding_needs_a_size():
    layer = PixelTokenizer(4, embed_dim=8, position_embedding=True)
    with pytest.raises(ValueError, match="needs the image size"):
        layer.build((None, None, None, 3))


def test_mixed_float16_with_uint8_images():
    layer = PixelTokenizer(4, embed_dim=8, position_embedding=True, dtype="mixed_float16")
    out = layer(images((2, 8, 8, 3), dtype="uint8"))
    assert out.dtype == tf.float16
    assert all(w.dtype == "float32" for w in layer.weights)


# -- detokenize -----------------------------------------------------------------------
@given(
    height=st.integers(1, 12),
    width=st.integers(1, 12),
    patch=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    strides=st.one_of(st.none(), st.tuples(st.integers(1, 5), st.integers(1, 5))),
    padding=st.sampled_from(["valid", "same"]),
    layout=st.sampled_from(["sequence", "grid"]),
    batched=st.booleans(),
)
@settings(max_examples=20, deadline=None)
def test_detokenize_inverts_tokenize_on_covered_pixels(
    height, width, patch, strides, padding, layout, batched
):
    x = images((2, height, width, 3), seed=height * 13 + width)
    layer = PixelTokenizer(patch, strides=strides, padding=padding, output_layout=layout)
    inputs = x if batched else x[0]
    if numpy_tokens(x, patch, strides, padding).shape[1] == 0:  # no token: refused
        with pytest.raises(ValueError, match="cuts no token"):
            layer(inputs)
        return
    restored = layer.detokenize(layer(inputs), image_size=(height, width)).numpy()
    if not batched:
        x, restored = x[:1], restored[None]
    assert restored.shape == x.shape
    covered = numpy_coverage(height, width, patch, strides or patch, padding)
    # Integer-valued pixels: the mean of k equal copies is exact.
    np.testing.assert_array_equal(restored[:, covered], x[:, covered])
    np.testing.assert_array_equal(restored[:, ~covered], 0)


@pytest.mark.parametrize("strides", [None, 1])
def test_images_that_give_no_token_are_refused(strides):
    # A 1x1 image and patch_size=2 used to give zero tokens without a word.
    x = images((2, 1, 1, 3))
    layer = PixelTokenizer(2, strides=strides)
    message = re.escape(
        f"PixelTokenizer(patch_size=2, strides={strides!r}, padding='valid') cuts no "
        "token from images of (height, width)"
    )
    with pytest.raises(ValueError, match=message + re.escape(" (1, 1): an image must")):
        layer(x)
    with pytest.raises(ValueError, match=message):  # unbatched
        layer(x[0])
    with pytest.raises(ValueError, match=message):  # symbolic: when the model is built
        PixelTokenizer(2, strides=strides)(keras.Input((1, 5, 3)))
    with pytest.raises(ValueError, match=message):
        PixelTokenizer(2, strides=strides).build((None, 5, 1, 3))
    # Sizes unknown until run time: a tf.debugging assertion with the sizes.
    in_graph = message.replace("'", "") + r"\] \[1 1\] \[an image must hold"
    for spec in (tf.TensorSpec((None, None, None, 3)), tf.TensorSpec((None, None, 1, 3))):
        dynamic = tf.function(layer, input_signature=[spec])
        with pytest.raises(tf.errors.InvalidArgumentError, match=in_graph):
            dynamic(x)
    big_enough = images((1, 4, 3, 3))
    np.testing.assert_array_equal(  # the assertion passes where there are tokens
        tf.function(layer, input_signature=[tf.TensorSpec((None, None, None, 3))])(
            big_enough), numpy_tokens(big_enough, (2, 2), strides and (1, 1)))
    with pytest.raises(ValueError, match=message):  # traced in tf.data with known sizes
        tf.data.Dataset.from_tensor_slices(images((2, 1, 4, 3))).map(layer)
    # "same" padding pads a pixel to a patch; only an empty image has no token.
    same = PixelTokenizer(2, strides=strides, padding="same")
    np.testing.assert_array_equal(same.detokenize(same(x), image_size=(1, 1)), x)
    with pytest.raises(ValueError, match=r"padding='same'\) cuts no token.*\(0, 4\)"):
        same(np.zeros((1, 0, 4, 3), "float32"))
    # The geometry helpers still count zero tokens, without an error.
    assert layer.grid_shape(1, 1) == (0, 0)


@settings(max_examples=20)
@given(
    batch=st.integers(0, 2),
    height=st.integers(0, 9),
    width=st.integers(0, 9),
    channels=st.integers(1, 3),
    patch=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    strides=st.one_of(st.none(), st.tuples(st.integers(1, 4), st.integers(1, 4))),
    padding=st.sampled_from(["valid", "same"]),
    batched=st.booleans(),
)
def test_property_random_shapes_match_numpy_or_are_refused(
    batch, height, width, channels, patch, strides, padding, batched
):
    """Any image size: the NumPy loops' tokens, or a ValueError when there are none."""
    x = images((batch if batched else 1, height, width, channels), seed=height + 7 * width)
    layer = PixelTokenizer(patch, strides=strides, padding=padding)
    expected = numpy_tokens(x, patch, strides, padding)
    inputs = x if batched else x[0]
    if expected.shape[1] == 0:
        with pytest.raises(ValueError, match="cuts no token"):
            layer(inputs)
        return
    tokens = np.asarray(layer(inputs))
    np.testing.assert_array_equal(tokens, expected if batched else expected[0])
    shape = inputs.shape if batched else inputs.shape
    assert tuple(layer.compute_output_shape(shape)) == tokens.shape
    rows, cols = layer.grid_shape(height, width)
    assert rows * cols == expected.shape[1]


def test_detokenize_averages_overlaps():
    layer = PixelTokenizer(2, strides=1, output_layout="grid")
    tokens = np.zeros((1, 2, 2, 4), "float32")
    tokens[0, 0, 0] = 1.0  # Only the top-left patch says 1 for its 4 pixels.
    restored = layer.detokenize(tokens, image_size=(3, 3)).numpy()[0, :, :, 0]
    # Pixel (0, 0) is in 1 patch, (0, 1) and (1, 0) in 2, (1, 1) in 4.
    np.testing.assert_allclose(restored, [[1.0, 0.5, 0.0], [0.5, 0.25, 0.0], [0.0, 0.0, 0.0]])


def test_detokenize_float_round_trip_and_default_grid_size():
    x = np.random.default_rng(1).random((2, 9, 9, 3)).astype("float32")
    layer = PixelTokenizer(3, strides=2, output_layout="grid")
    restored = layer.detokenize(layer(x)).numpy()  # Grid: size from the tokens.
    np.testing.assert_allclose(restored, x, rtol=1e-6, atol=1e-7)
    layer = PixelTokenizer(3, image_size=9)
    np.testing.assert_array_equal(layer.detokenize(layer(x)).numpy(), x)


def test_detokenize_in_tf_function_with_unknown_size():
    layer = PixelTokenizer(4, strides=2, padding="same")

    @tf.function(input_signature=[tf.TensorSpec((None, None, None, 3))])
    def round_trip(x):
        return layer.detokenize(layer(x), image_size=(tf.shape(x)[1], tf.shape(x)[2]))

    for shape in [(1, 8, 8, 3), (2, 7, 10, 3)]:
        x = images(shape)
        np.testing.assert_array_equal(round_trip(x).numpy(), x)


def test_detokenize_refuses_embedded_tokens():
    layer = PixelTokenizer(4, embed_dim=8)
    tokens = layer(images((1, 8, 8, 3)))
    with pytest.raises(ValueError, match=r"raw pixel tokens only.*embed_dim=8"):
        layer.detokenize(tokens, image_size=(8, 8))


def test_detokenize_checks_shapes():
    layer = PixelTokenizer(4)
    with pytest.raises(ValueError, match=r"expected 4 tokens .* received tokens of shape"):
        layer.detokenize(np.zeros((1, 5, 48), "float32"), image_size=(8, 8))
    with pytest.raises(ValueError, match=r"rank 2 or 3 .* received shape \(48,\)"):
        layer.detokenize(np.zeros((48,), "float32"), image_size=(8, 8))
    with pytest.raises(ValueError, match="needs image_size"):
        layer.detokenize(np.zeros((1, 4, 48), "float32"))


# -- errors ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"patch_size": 0}, "patch_size=0"),
        ({"patch_size": (4,)}, r"patch_size=\(4,\)"),
        ({"patch_size": "4"}, "patch_size='4'"),
        ({"patch_size": True}, "patch_size=True"),
        ({"patch_size": 4, "strides": (2, -1)}, r"strides=\(2, -1\)"),
        ({"patch_size": 4, "padding": "full"}, "padding='full'"),
        ({"patch_size": 4, "output_layout": "image"}, "output_layout='image'"),
        ({"patch_size": 4, "embed_dim": 0}, "embed_dim=0"),
        ({"patch_size": 4, "position_embedding": "yes"}, "position_embedding='yes'"),
        ({"patch_size": 4, "class_token": 1}, "class_token=1"),
        ({"patch_size": 4, "class_token": True}, "class_token=True, embed_dim=None"),
        (
            {"patch_size": 4, "embed_dim": 8, "class_token": True, "output_layout": "grid"},
            "output_layout='grid'",
        ),
        ({"patch_size": 4, "image_size": (0, 8)}, r"image_size=\(0, 8\)"),
        (
            {"patch_size": 4, "position_embedding": True, "image_size": 3},
            "image_size=3",
        ),
        ({"patch_size": 4, "interpolation": "nearest"}, "interpolation='nearest'"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PixelTokenizer(**kwargs)


@pytest.mark.parametrize("shape", [(32, 32), (1, 2, 8, 8, 3)])
def test_bad_input_rank(shape):
    layer = PixelTokenizer(4)
    expected = re.escape(
        "expected images of rank 3 or 4 (batch, height, width, channels), "
        f"received shape {tuple(shape)}"
    )
    with pytest.raises(ValueError, match=expected):
        layer(np.zeros(shape, "float32"))
    with pytest.raises(ValueError, match="received shape"):
        layer.compute_output_shape(shape)


def test_unknown_channels_and_string_images_rejected():
    with pytest.raises(ValueError, match="known number of channels"):
        PixelTokenizer(4).compute_output_shape((None, 8, 8, None))
    with pytest.raises(ValueError, match="received dtype string"):
        PixelTokenizer(4).call(tf.constant([[["a"]]]))
