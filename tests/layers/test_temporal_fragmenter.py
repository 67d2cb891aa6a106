"""Tests for `TemporalFragmenter` against `tf.signal.frame`, NumPy loops and TSN by hand."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_case import TestCase
from tfk_tokfrag.layers.temporal_fragmenter import TemporalFragmenter


# -- independent references ---------------------------------------------------------
def frame_reference(x, length, stride, pad_end=False, pad_value=0):
    """`tf.signal.frame` along the time axis 1 (the upstream op, eager)."""
    return tf.signal.frame(
        x, length, stride, pad_end=pad_end, pad_value=pad_value, axis=1
    ).numpy()


def numpy_masks(starts, length, valid):
    """Frame and fragment masks by loops: starts (batch, num), valid (batch,)."""
    batch, num = starts.shape
    frame_mask = np.zeros((batch, num, length), bool)
    for b in range(batch):
        for i in range(num):
            for j in range(length):
                frame_mask[b, i, j] = starts[b, i] + j < valid[b]
    return frame_mask, frame_mask.any(axis=-1)


def numpy_tubelets(fragments, patch):
    """(batch, num, t, H, W, C) -> (batch, num, patches, t*ph*pw*C) by loops."""
    ph, pw = patch
    b, n, t, h, w, c = fragments.shape
    rows, cols = h // ph, w // pw
    out = np.zeros((b, n, rows * cols, t * ph * pw * c), fragments.dtype)
    for r in range(rows):
        for q in range(cols):
            feature = 0
            for k in range(t):
                for i in range(ph):
                    for j in range(pw):
                        for ch in range(c):
                            out[:, :, r * cols + q, feature] = fragments[
                                :, :, k, r * ph + i, q * pw + j, ch
                            ]
                            feature += 1
    return out


def clips(shape, dtype="float32", seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=shape).astype(dtype)


# -- the harness --------------------------------------------------------------------
class TestTemporalFragmenterLayer(TestCase):
    def test_video_non_overlapping(self):
        x = clips((2, 8, 4, 4, 1))
        self.run_layer_test(
            TemporalFragmenter,
            {"fragment_length": 4},
            x,
            expected_output_shape=(2, 2, 4, 4, 4, 1),
            expected_output_data=frame_reference(x, 4, 4),
            expected_output_dtype="float32",
            expected_num_trainable_weights=0,
            expected_num_non_trainable_weights=0,
        )

    def test_video_overlapping_uint8_pad_end(self):
        x = clips((2, 7, 4, 4, 1), "uint8")
        self.run_layer_test(
            TemporalFragmenter,
            {"fragment_length": 4, "fragment_stride": 2, "pad_end": True,
             "pad_value": 7, "frame_rank": 3},
            x,
            expected_output_shape=(2, 4, 4, 4, 4, 1),
            expected_output_data=frame_reference(x, 4, 2, True, 7),
            expected_output_dtype="uint8",
        )

    def test_features_overlapping(self):
        x = clips((2, 9, 3))
        self.run_layer_test(
            TemporalFragmenter,
            {"fragment_length": 4, "fragment_stride": 3, "frame_rank": 1},
            x,
            expected_output_shape=(2, 2, 4, 3),
            expected_output_data=frame_reference(x, 4, 3),
        )

    def test_signals_pad_end_gapped(self):
        x = clips((3, 10))
        self.run_layer_test(
            TemporalFragmenter,
            {"fragment_length": 2, "fragment_stride": 3, "pad_end": True,
             "pad_value": -1.5, "frame_rank": 0},
            x,
            expected_output_shape=(3, 4, 2),
            expected_output_data=frame_reference(x, 2, 3, True, -1.5),
        )

    def test_return_mask(self):
        x = clips((2, 7, 4, 4, 1))
        frame_mask, fragment_mask = numpy_masks(np.array([[0, 3, 6]] * 2), 3, [7, 7])
        self.run_layer_test(
            TemporalFragmenter,
            {"fragment_length": 3, "pad_end": True, "return_mask": True,
             "frame_rank": 3},
            x,
            expected_output_shape={
                "fragments": (2, 3, 3, 4, 4, 1),
                "fragment_mask": (2, 3),
                "frame_mask": (2, 3, 3),
            },
            expected_output_data={
                "fragments": frame_reference(x, 3, 3, True),
                "fragment_mask": fragment_mask,
                "frame_mask": frame_mask,
            },
            expected_output_dtype={
                "fragments": "float32", "fragment_mask": "bool", "frame_mask": "bool"
            },
        )

    def test_num_fragments_and_tubelets(self):
        # Inference: 9 candidates (stride 1), 3 segments, centres 1, 4, 7.
        x = clips((2, 10, 8, 8, 3))
        starts = [1, 4, 7]
        fragments = np.stack([x[:, s : s + 2] for s in starts], axis=1)
        self.run_layer_test(
            TemporalFragmenter,
            {"fragment_length": 2, "fragment_stride": 1, "num_fragments": 3,
             "patch_size": 4, "seed": 3},
            x,
            expected_output_shape=(2, 3, 4, 96),
            expected_output_data=numpy_tubelets(fragments, (4, 4)),
            expected_num_trainable_weights=0,
        )

    def test_num_fragments_with_mask_rectangular_tubelets(self):
        x = clips((2, 5, 4, 6, 1), "uint8")
        # 2 candidates (length 4, pad_end: starts 0, 4), 3 segments: 0, 1, 1.
        fragments = frame_reference(x, 4, 4, True)[:, [0, 1, 1]]
        frame_mask, fragment_mask = numpy_masks(np.array([[0, 4, 4]] * 2), 4, [5, 5])
        self.run_layer_test(
            TemporalFragmenter,
            {"fragment_length": 4, "pad_end": True, "num_fragments": 3,
             "patch_size": (2, 3), "return_mask": True},
            x,
            expected_output_shape={
                "fragments": (2, 3, 4, 24),
                "fragment_mask": (2, 3),
                "frame_mask": (2, 3, 4),
            },
            expected_output_data={
                "fragments": numpy_tubelets(fragments, (2, 3)),
                "fragment_mask": fragment_mask,
                "frame_mask": frame_mask,
            },
            expected_output_dtype={"fragments": "uint8"},
            run_export_check=False,
        )

    def test_unknown_time_saving_and_export(self):
        inputs = keras.Input((None, 4, 4, 1))
        outputs = TemporalFragmenter(3, fragment_stride=2, pad_end=True,
                                     return_mask=True)(inputs)
        assert tuple(outputs["fragments"].shape) == (None, None, 3, 4, 4, 1)
        model = keras.Model(inputs, outputs)
        x = clips((3, 6, 4, 4, 1))
        self.run_model_saving_test(model, x)
        reloaded = self.run_export_test(model, x)
        for time in (1, 2, 7, 9):  # Other clip lengths, one shorter than a fragment.
            clip = clips((2, time, 4, 4, 1), seed=time)
            served = reloaded.serve(tf.constant(clip))
            self.assertAllClose(served["fragments"],
                                frame_reference(clip, 3, 2, True))
            num = -(-time // 2)
            _, fragment_mask = numpy_masks(np.array([np.arange(num) * 2] * 2), 3,
                                           [time, time])
            self.assertAllClose(served["fragment_mask"], fragment_mask)


# -- frames, as tf.signal.frame cuts them -------------------------------------------
@settings(max_examples=25, deadline=None)
@given(
    time=st.integers(0, 14),
    length=st.integers(1, 5),
    stride=st.integers(1, 6),
    pad_end=st.booleans(),
    frame_rank=st.sampled_from([0, 1, 3]),
    data=st.data(),
)
def test_matches_tf_signal_frame(time, length, stride, pad_end, frame_rank, data):
    frame = {0: (), 1: (3,), 3: (2, 2, 1)}[frame_rank]
    x = clips((2, time, *frame), seed=time)
    lengths = np.array(data.draw(st.lists(st.integers(0, time), min_size=2,
                                          max_size=2)))
    layer = TemporalFragmenter(length, fragment_stride=stride, pad_end=pad_end,
                               pad_value=-1, frame_rank=frame_rank, return_mask=True)
    spec = tf.TensorSpec((None, None, *frame), tf.float32)
    dynamic = tf.function(lambda v, n: layer(v, lengths=n), input_signature=[
        spec, tf.TensorSpec((None,), tf.int32)])
    for out in (layer(x, lengths=lengths), dynamic(x, lengths)):
        out = {key: value.numpy() for key, value in out.items()}
        expected = frame_reference(x, length, stride, pad_end, -1)
        if expected.shape[1] == 0:  # Shorter than a fragment: one padded fragment.
            expected = np.full((2, 1, length, *frame), -1, "float32")
            expected[:, 0, :time] = x
        # Masks count exactly the padded frames: frames past each clip's length,
        # which hold pad_value.
        num = expected.shape[1]
        starts = np.array([np.arange(num) * stride] * 2)
        frame_mask, fragment_mask = numpy_masks(starts, length, lengths)
        expected[~frame_mask] = -1
        np.testing.assert_array_equal(out["fragments"], expected)
        np.testing.assert_array_equal(out["frame_mask"], frame_mask)
        np.testing.assert_array_equal(out["fragment_mask"], fragment_mask)
        padded = sum(
            1 for row, n in zip(starts, lengths, strict=True) for s in row
            for t in range(s, s + length) if t >= n
        )
        assert (~out["frame_mask"]).sum() == padded


@pytest.mark.parametrize("pad_end", [False, True])
@pytest.mark.parametrize("length,stride", [(4, 4), (4, 2), (3, 5), (1, 1)])
@pytest.mark.parametrize("time", [0, 2, 9, 12])
def test_fragment_count_and_starts_match_tf_signal_frame(time, length, stride, pad_end):
    layer = TemporalFragmenter(length, fragment_stride=stride, pad_end=pad_end)
    frame_index = tf.signal.frame(
        np.arange(time), length, stride, pad_end=pad_end, pad_value=-1
    ).numpy()
    # tf.signal.frame gives no frame for a clip shorter than one; the layer gives one.
    expected = max(len(frame_index), 1)
    assert layer.fragment_count(time) == expected
    assert isinstance(layer.fragment_count(time), int)
    starts = layer.fragment_starts(time)
    assert starts == tuple(range(0, expected * stride, stride))
    assert [row[0] for row in frame_index] == list(starts[: len(frame_index)])
    if time:  # the layer's own output agrees
        out = TemporalFragmenter(length, fragment_stride=stride, pad_end=pad_end,
                                 frame_rank=0)(np.arange(time, dtype="float32")[None])
        assert out.shape[1] == expected


def test_fragment_starts_are_the_segment_centres_at_inference():
    x = np.tile(np.arange(20, dtype="float32"), (1, 1))  # Value == frame index.
    for kwargs in ({"num_fragments": 3}, {"fragment_stride": 1, "num_fragments": 4},
                   {"num_fragments": 3, "pad_end": True}):
        layer = TemporalFragmenter(4, frame_rank=0, **kwargs)
        starts = layer.fragment_starts(20)
        assert layer.fragment_count(20) == kwargs["num_fragments"] == len(starts)
        np.testing.assert_array_equal(_starts_of(layer(x), x)[0], starts)
    assert TemporalFragmenter(4, num_fragments=3).fragment_starts(5) == (0, 0, 0)
    with pytest.raises(ValueError, match="time must be a non-negative int"):
        TemporalFragmenter(4).fragment_count(-1)


# -- non-overlapping fragments are a reshape ----------------------------------------
def test_non_overlapping_is_a_reshape_not_a_gather():
    layer = TemporalFragmenter(4, frame_rank=1)
    fn = tf.function(lambda v: layer(v))
    graph = fn.get_concrete_function(tf.TensorSpec((2, 12, 3))).graph
    ops = {op.type for op in graph.get_operations()}
    assert "Reshape" in ops
    assert not ops & {"GatherV2", "ResourceGather", "GatherNd", "Pad", "PadV2"}


# -- short clips, unbatched examples, frame_rank, dtypes ----------------------------
def test_short_clip_without_pad_end_gives_one_padded_fragment():
    x = clips((2, 3, 2))
    out = TemporalFragmenter(5, pad_value=9, frame_rank=1, return_mask=True)(x)
    expected = np.full((2, 1, 5, 2), 9, "float32")
    expected[:, 0, :3] = x
    np.testing.assert_array_equal(out["fragments"], expected)
    np.testing.assert_array_equal(out["frame_mask"], [[[1, 1, 1, 0, 0]]] * 2)
    np.testing.assert_array_equal(out["fragment_mask"], [[True]] * 2)


def test_empty_clip_fragment_is_masked_out():
    out = TemporalFragmenter(3, frame_rank=0, return_mask=True)(np.zeros((2, 0)))
    assert tuple(out["fragments"].shape) == (2, 1, 3)
    assert not np.asarray(out["fragment_mask"]).any()


def test_frame_rank_tells_a_batch_of_signals_from_one_feature_sequence():
    x = clips((2, 6))
    signals = TemporalFragmenter(3, frame_rank=0)(x)  # Two signals of 6 samples.
    np.testing.assert_array_equal(signals, frame_reference(x, 3, 3))
    features = TemporalFragmenter(2, frame_rank=1)(x)  # One sequence: 2 steps of 6.
    np.testing.assert_array_equal(features, x[np.newaxis])


def test_unbatched_example_after_inferred_frame_rank():
    x = clips((2, 6, 4, 4, 1))
    layer = TemporalFragmenter(2, fragment_stride=1, return_mask=True)
    batched = layer(x, lengths=np.array([6, 4]))  # Builds: frame_rank inferred as 3.
    single = layer(x[1], lengths=4)
    for key in batched:
        np.testing.assert_array_equal(single[key], batched[key][1])
    np.testing.assert_array_equal(single["fragments"][3, 1], np.zeros((4, 4, 1)))
    assert tuple(single["frame_mask"].shape) == (5, 2)
    np.testing.assert_array_equal(single["fragment_mask"], [1, 1, 1, 1, 0])


def test_output_dtype_and_mixed_precision():
    x = clips((1, 4, 2), "uint8")
    out = TemporalFragmenter(4, pad_end=True, frame_rank=1)(x)
    assert out.dtype == tf.uint8
    out = TemporalFragmenter(3, pad_end=True, pad_value=-1, frame_rank=1,
                             output_dtype="float32")(x)
    assert out.dtype == tf.float32
    assert np.asarray(out)[0, 1, 1:].tolist() == [[-1, -1], [-1, -1]]
    half = TemporalFragmenter(2, frame_rank=1, dtype="mixed_float16")
    assert half(x.astype("float32")).dtype == tf.float16
    assert half(x).dtype == tf.uint8


def test_tubelets_crop_ragged_edges():
    x = clips((1, 4, 5, 7, 2))
    out = TemporalFragmenter(2, patch_size=(2, 3))(x)
    fragments = frame_reference(x, 2, 2)[:, :, :, :4, :6]
    np.testing.assert_array_equal(out, numpy_tubelets(fragments, (2, 3)))


# -- masks with per-clip lengths, and a masked LSTM ---------------------------------
def test_lengths_mask_padded_frames():
    x = clips((3, 10, 2))
    lengths = np.array([10, 5, 1])
    out = TemporalFragmenter(4, fragment_stride=3, pad_end=True, frame_rank=1,
                             return_mask=True)(x, lengths=lengths)
    starts = np.array([[0, 3, 6, 9]] * 3)
    frame_mask, fragment_mask = numpy_masks(starts, 4, lengths)
    np.testing.assert_array_equal(out["frame_mask"], frame_mask)
    np.testing.assert_array_equal(out["fragment_mask"], fragment_mask)
    np.testing.assert_array_equal(fragment_mask[1], [True, True, False, False])


def test_fragment_mask_makes_lstm_skip_padding():
    inputs = keras.Input((None, 3))
    lengths = keras.Input((), dtype="int32")
    out = TemporalFragmenter(2, pad_end=True, frame_rank=1, return_mask=True)(
        inputs, lengths=lengths)
    steps = keras.layers.Reshape((-1, 6))(out["fragments"])
    state = keras.layers.LSTM(4)(steps, mask=out["fragment_mask"])
    model = keras.Model([inputs, lengths], state)
    short = clips((1, 3, 3), seed=1) / 255
    padded = np.concatenate([short, np.full((1, 5, 3), 0.7)], axis=1)
    np.testing.assert_allclose(
        model([padded, np.array([3])]), model([short, np.array([3])]), atol=1e-6
    )



def test_lengths_from_padding_equal_the_true_lengths():
    # Clips of 9, 4, 1 and 0 frames zero-padded to 9, as `padded_batch` makes them;
    # clip 1 has an all-zero frame inside, which is content, not padding.
    lengths = np.array([9, 4, 1, 0])
    x = clips((4, 9, 3, 3, 1), "uint8") | 1  # no all-zero frame by chance
    x[1, 1] = 0
    x[np.arange(9)[None, :] >= lengths[:, None]] = 0
    for kwargs in ({"fragment_length": 3, "fragment_stride": 2, "pad_end": True},
                   {"fragment_length": 2, "num_fragments": 3}):
        inferred = TemporalFragmenter(**kwargs, frame_rank=3, return_mask=True,
                                      lengths_from_padding=True)(x)
        given = TemporalFragmenter(**kwargs, frame_rank=3, return_mask=True)(
            x, lengths=lengths)
        for key in ("fragments", "fragment_mask", "frame_mask"):
            np.testing.assert_array_equal(inferred[key], given[key], err_msg=key)
    assert not np.asarray(inferred["fragment_mask"])[3].any()
    # Given lengths win over the inferred ones.
    out = TemporalFragmenter(3, pad_end=True, frame_rank=3, return_mask=True,
                             lengths_from_padding=True)(x, lengths=np.array([2, 2, 2, 2]))
    np.testing.assert_array_equal(np.asarray(out["fragment_mask"])[0], [True, False, False])


class TestLengthsFromPaddingLayer(TestCase):
    def test_harness_signals(self):
        x = np.array([[1, 2, 3, 0, 0, 0], [4, 0, 5, 6, 7, 0]], "float32")
        self.run_layer_test(
            TemporalFragmenter,
            {"fragment_length": 2, "pad_end": True, "frame_rank": 0, "return_mask": True,
             "lengths_from_padding": True},
            x,
            expected_output_shape={"fragments": (2, 3, 2), "fragment_mask": (2, 3),
                                   "frame_mask": (2, 3, 2)},
            expected_output_data={
                "fragments": x.reshape(2, 3, 2),
                "fragment_mask": [[True, True, False], [True, True, True]],
                "frame_mask": [[[True, True], [True, False], [False, False]],
                               [[True, True], [True, True], [True, False]]],
            },
            expected_output_dtype={"fragments": "float32", "fragment_mask": "bool",
                                   "frame_mask": "bool"},
        )

# -- segment sampling (TSN) ---------------------------------------------------------
def _starts_of(fragments, x):
    """Start frame of each (signal) fragment, found by matching values."""
    return np.asarray(fragments)[..., 0].astype(int) - np.asarray(x)[:, :1].astype(int)


def test_segment_centres_at_inference():
    x = np.tile(np.arange(20, dtype="float32"), (2, 1))  # Value == frame index.
    # Stride 4: 5 candidates (starts 0..16), 3 segments of 5/3: centres 0.83, 2.5,
    # 4.17 -> fragments 0, 2, 4 -> starts 0, 8, 16.
    out = TemporalFragmenter(4, num_fragments=3, frame_rank=0)(x)
    np.testing.assert_array_equal(_starts_of(out, x), [[0, 8, 16]] * 2)
    np.testing.assert_array_equal(out[0, 1], [8, 9, 10, 11])
    # Stride 1: 17 candidates, 4 segments: centres 2.125, 6.375, 10.625, 14.875.
    out = TemporalFragmenter(4, fragment_stride=1, num_fragments=4, frame_rank=0)(x)
    np.testing.assert_array_equal(_starts_of(out, x), [[2, 6, 10, 14]] * 2)
    # Per-clip lengths 20 and 8: 5 and 2 candidates; 2 segments each.
    out = TemporalFragmenter(4, num_fragments=2, frame_rank=0, return_mask=True)(
        x, lengths=np.array([20, 8]))
    np.testing.assert_array_equal(_starts_of(out["fragments"], x), [[4, 12], [0, 4]])
    assert np.asarray(out["fragment_mask"]).all()
    # Fewer candidates than segments: the single fragment repeats.
    out = TemporalFragmenter(4, num_fragments=3, frame_rank=0)(x[:, :5])
    np.testing.assert_array_equal(_starts_of(out, x), [[0, 0, 0]] * 2)


def test_segment_sampling_in_training_stays_in_segments_and_varies():
    x = np.tile(np.arange(30, dtype="float32"), (4, 1))
    layer = TemporalFragmenter(3, fragment_stride=1, num_fragments=4, frame_rank=0,
                               seed=7)
    candidates, k = 28, 4
    segment = np.arange(k)
    low, high = segment * candidates // k, ((segment + 1) * candidates - 1) // k
    jitted = tf.function(lambda v: layer(v, training=True), jit_compile=True)
    seen = set()
    for call in range(8):
        out = layer(x, training=True) if call % 2 else jitted(x)
        starts = _starts_of(out, x)
        assert ((starts >= low) & (starts <= high)).all(), starts
        seen.update(map(tuple, starts))
    assert len(seen) > 4, "random offsets do not vary across calls and clips"
    # Inference stays deterministic.
    centre = _starts_of(layer(x), x)
    np.testing.assert_array_equal(centre, [(2 * segment + 1) * candidates // 8] * 4)


# -- random shapes: documented invariants -------------------------------------------
@given(
    batch=st.integers(0, 2),
    time=st.integers(0, 9),
    size=st.tuples(st.integers(2, 5), st.integers(2, 5)),
    length=st.integers(1, 4),
    stride=st.one_of(st.none(), st.integers(1, 5)),
    num_fragments=st.one_of(st.none(), st.integers(1, 4)),
    patch=st.one_of(st.none(), st.integers(1, 2)),
    data=st.data(),
)
def test_property_random_video_shapes_keep_the_documented_invariants(
    batch, time, size, length, stride, num_fragments, patch, data
):
    """uint8 video of any shape: output shapes as documented (`fragment_count`,
    `compute_output_shape`), dtype kept, masks consistent, padding = pad_value."""
    x = clips((batch, time, *size, 1), "uint8") | 1  # no frame equals the padding
    lengths = np.array(data.draw(st.lists(st.integers(0, 12), min_size=batch,
                                          max_size=batch)), "int32")
    layer = TemporalFragmenter(length, fragment_stride=stride, pad_end=True, pad_value=0,
                               num_fragments=num_fragments, patch_size=patch,
                               frame_rank=3, return_mask=True)
    out = {k: np.asarray(v) for k, v in layer(x, lengths=lengths).items()}
    num = layer.fragment_count(time)
    expected = layer.compute_output_shape(x.shape)
    assert out["fragments"].shape == expected["fragments"]
    assert out["fragments"].shape[:2] == (batch, num)
    assert out["frame_mask"].shape == (batch, num, length)
    assert out["fragments"].dtype == np.uint8
    np.testing.assert_array_equal(out["fragment_mask"], out["frame_mask"].any(-1))
    if patch is None:  # padded frames hold pad_value, real frames never do
        padding = out["fragments"].reshape(batch, num, length, size[0] * size[1]) == 0
        np.testing.assert_array_equal(padding.all(-1), ~out["frame_mask"])
    else:
        rows, cols = size[0] // patch, size[1] // patch
        assert out["fragments"].shape[2:] == (rows * cols, length * patch * patch)
    starts = np.array(layer.fragment_starts(time))
    if num_fragments is None and batch:  # at inference the starts are documented
        frame_mask, _ = numpy_masks(np.array([starts] * batch), length,
                                    np.minimum(lengths, time))
        np.testing.assert_array_equal(out["frame_mask"], frame_mask)


def test_pad_value_must_fit_the_fragments_dtype():
    video = clips((1, 5, 2, 2, 1), "uint8")
    # 300 on uint8 used to pad with 44 (300 mod 256) without a word.
    for pad_value, dtype, output_dtype, held in [
        (300, "uint8", None, "integers 0 to 255"), (-1, "uint8", None, "integers 0 to 255"),
        (0.5, "uint8", None, "integers 0 to 255"), (200, "int8", None, "integers -128 to 127"),
        (1e5, "uint8", "float16", "values of magnitude up to 65504"),
    ]:
        message = re.escape(
            f"pad_value={pad_value!r} does not fit the dtype {output_dtype or dtype} of "
            f"the fragments, which holds {held}"
        )
        layer = TemporalFragmenter(2, pad_end=True, pad_value=pad_value,
                                   output_dtype=output_dtype)
        with pytest.raises(ValueError, match=message):
            layer(video.astype(dtype))
        with pytest.raises(ValueError, match=message):  # when the model is built
            layer(keras.Input((None, 2, 2, 1), dtype=dtype))
    # In range, or cast first to a dtype that holds it: exact.
    out = TemporalFragmenter(2, pad_end=True, pad_value=255)(video)
    assert np.asarray(out)[0, -1, -1].tolist() == [[[255], [255]], [[255], [255]]]
    out = TemporalFragmenter(2, pad_end=True, pad_value=300, output_dtype="float32")(video)
    assert float(np.asarray(out)[0, -1, -1].max()) == 300.0
    layer = TemporalFragmenter(2, pad_end=True, pad_value=np.int64(7))
    assert type(layer.get_config()["pad_value"]) is int
    assert np.asarray(layer(video))[0, -1, -1, 0, 0, 0] == 7


def test_lengths_must_be_non_negative_integers():
    x = np.arange(6, dtype="float32")[None]
    layer = TemporalFragmenter(2, pad_end=True, frame_rank=0, return_mask=True)
    # Float lengths used to be truncated (2.7 -> 2), negative ones clipped to 0.
    for lengths in (np.array([2.7]), [2.7], tf.constant([3.0])):
        with pytest.raises(TypeError, match="expected lengths of an integer dtype"):
            layer(x, lengths=lengths)
    with pytest.raises(TypeError, match="received dtype float32"):
        layer(keras.Input((None,)), lengths=keras.Input((), dtype="float32"))
    negative = "TemporalFragmenter expected lengths >= 0"
    with pytest.raises(tf.errors.InvalidArgumentError, match=negative):
        layer(x, lengths=np.array([-1]))
    graph = tf.function(lambda v, n: layer(v, lengths=n)["fragment_mask"],
                        input_signature=[tf.TensorSpec((None, None)),
                                         tf.TensorSpec((None,), tf.int32)])
    with pytest.raises(tf.errors.InvalidArgumentError, match=negative):
        graph(x, tf.constant([-2]))
    mapped = tf.data.Dataset.from_tensor_slices((x, [-3])).batch(1).map(
        lambda v, n: layer(v, lengths=n)["fragment_mask"])
    with pytest.raises(tf.errors.InvalidArgumentError, match=negative):
        list(mapped)
    # Unsigned and int64 lengths work; past the clip they count as the whole clip.
    for lengths in (np.array([3], np.uint8), tf.constant([3], tf.int64)):
        mask = np.asarray(layer(x, lengths=lengths)["fragment_mask"])
        np.testing.assert_array_equal(mask, [[True, True, False]])
    np.testing.assert_array_equal(graph(x, tf.constant([99])), [[True, True, True]])


# -- bad arguments and inputs -------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"fragment_length": 0}, "fragment_length=0"),
        ({"fragment_length": 2.0}, "fragment_length=2.0"),
        ({"fragment_length": 2, "fragment_stride": -1}, "fragment_stride=-1"),
        ({"fragment_length": 2, "pad_end": "yes"}, "pad_end='yes'"),
        ({"fragment_length": 2, "pad_value": "x"}, "pad_value='x'"),
        ({"fragment_length": 2, "pad_value": True}, "pad_value=True"),
        ({"fragment_length": 2, "num_fragments": 0}, "num_fragments=0"),
        ({"fragment_length": 2, "patch_size": (2, 0)}, "patch_size=(2, 0)"),
        ({"fragment_length": 2, "patch_size": 2, "frame_rank": 1}, "frame_rank=1"),
        ({"fragment_length": 2, "frame_rank": -1}, "frame_rank=-1"),
        ({"fragment_length": 2, "return_mask": 1}, "return_mask=1"),
        ({"fragment_length": 2, "output_dtype": "float31"}, "output_dtype='float31'"),
        ({"fragment_length": 2, "seed": "s"}, "seed='s'"),
        ({"fragment_length": 2, "lengths_from_padding": 1}, "lengths_from_padding=1"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        TemporalFragmenter(**kwargs)


def test_wrong_rank_names_expected_and_received_shapes():
    layer = TemporalFragmenter(2, frame_rank=3)
    with pytest.raises(ValueError, match=re.escape("rank 5 (batch, time, height, "
                                                   "width, channels)")) as info:
        layer(np.zeros((2, 4, 3)))
    assert "received shape (2, 4, 3)" in str(info.value)
    with pytest.raises(ValueError, match=re.escape("received shape (4,)")):
        TemporalFragmenter(2)(np.zeros((4,)))
    with pytest.raises(ValueError, match=re.escape("patch_size=4")):
        TemporalFragmenter(2, patch_size=4)(np.zeros((1, 4, 2, 8, 1)))
