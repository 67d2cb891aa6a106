import json

import keras
import numpy as np
import pytest

from tfk_tokfrag import _validation as v
from tfk_tokfrag.layers.frame_wise import FrameWise
from tfk_tokfrag.layers.masked_temporal_pooling import MaskedTemporalPooling
from tfk_tokfrag.layers.pixel_tokenizer import PixelTokenizer
from tfk_tokfrag.layers.random_shift_rotate import RandomShiftRotate
from tfk_tokfrag.layers.series_standardization import SeriesStandardization
from tfk_tokfrag.layers.temporal_fragmenter import TemporalFragmenter
from tfk_tokfrag.layers.word_tokenizer import WordTokenizer


@pytest.mark.parametrize("value", [1, 7, np.int64(2), np.int32(3)])
def test_positive_int_accepts_python_and_numpy_ints(value):
    assert v.positive_int("n", value) == int(value)
    assert type(v.positive_int("n", value)) is int


@pytest.mark.parametrize("value", [0, -1, 1.0, "2", True, None])
def test_positive_int_names_the_argument_and_the_value(value):
    with pytest.raises(ValueError, match=f"n must be a positive int. Received: n={value!r}"):
        v.positive_int("n", value)


def test_none_when_allowed():
    assert v.positive_int("n", None, allow_none=True) is None
    with pytest.raises(ValueError, match="n must be None or a positive int"):
        v.positive_int("n", 0, allow_none=True)


def test_int_or_pair_keeps_the_given_form():
    assert v.int_or_pair("patch_size", 4) == (4, (4, 4))
    assert v.int_or_pair("patch_size", [2, np.int64(3)]) == ((2, 3), (2, 3))
    assert v.int_or_pair("patch_size", None, allow_none=True) == (None, None)
    assert v.pair("size", 5) == (5, 5)
    with pytest.raises(ValueError, match=r"patch_size must be a positive int or a pair of them"
                                          r", or None. Received: patch_size=\(1, 0\)"):
        v.int_or_pair("patch_size", (1, 0), allow_none=True)
    with pytest.raises(ValueError, match="a pair of them. Received"):
        v.int_or_pair("patch_size", (1, 2, 3))


def test_sequences_bools_rates_choices_classes():
    assert v.positive_ints("filters", 8) == (8,)
    assert v.positive_ints("filters", [8, np.int64(16)]) == (8, 16)
    for bad in ([], [8, 0], 3.0):
        with pytest.raises(ValueError, match="filters must be a positive int or a non-empty"):
            v.positive_ints("filters", bad)
    assert v.check_bool("flag", False) is False
    with pytest.raises(ValueError, match="flag must be a bool. Received: flag='no'"):
        v.check_bool("flag", "no")
    assert v.rate("dropout", 0) == 0.0
    for bad in (1.0, -0.1, "0.1", True):
        with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
            v.rate("dropout", bad)
    assert v.choice("mode", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match=r"mode must be one of \('a', 'b'\). Received: mode='c'"):
        v.choice("mode", "c", ("a", "b"))
    assert v.num_classes(np.int64(2)) == 2
    with pytest.raises(ValueError, match="num_classes must be an int >= 2"):
        v.num_classes(1)
    assert v.non_negative_int("pad", 0) == 0
    with pytest.raises(ValueError, match="pad must be a non-negative int"):
        v.non_negative_int("pad", -1)


def test_reals_and_optional_ints_come_back_as_plain_python_numbers():
    for value, plain in [(np.float32(0.5), 0.5), (np.int64(3), 3), (2, 2), (1.5, 1.5)]:
        assert v.is_real(value)
        assert v.plain_number(value) == plain and type(v.plain_number(value)) is type(plain)
    for bad in (True, np.bool_(True), "1", None, [1]):
        assert not v.is_real(bad)
    assert v.int_or_none("seed", np.int64(-3)) == -3
    assert type(v.int_or_none("seed", np.int64(-3))) is int
    assert v.int_or_none("seed", None) is None
    for bad in (1.0, "s", True):
        with pytest.raises(ValueError, match=f"seed must be an int or None. Received: "
                                             f"seed={bad!r}"):
            v.int_or_none("seed", bad)
    with pytest.raises(ValueError, match="flag must be a bool"):
        v.check_bool("flag", np.bool_(True))  # a real bool, please: configs are JSON


def _layers_from_numpy_numbers():
    """Every layer whose arguments are counts or numbers, given NumPy ones."""
    i, f = np.int64, np.float32
    return [
        TemporalFragmenter(i(4), fragment_stride=i(2), pad_value=f(0.5),
                           num_fragments=i(2), frame_rank=i(1), seed=i(3)),
        TemporalFragmenter(i(2), pad_value=i(7), patch_size=(i(2), i(2))),
        PixelTokenizer(i(2), strides=(i(1), i(2)), embed_dim=i(4), image_size=i(8)),
        WordTokenizer(max_tokens=i(10), min_frequency=i(2), ngrams=i(2),
                      sequence_length=i(4), num_oov_buckets=i(2)),
        WordTokenizer(ngrams=(i(1), i(3)), output_mode="count", num_columns=i(5)),
        MaskedTemporalPooling(axis=i(1)),
        FrameWise(keras.layers.Dense(2), frame_rank=i(1)),
        RandomShiftRotate(f(0.25), f(0.125), fill_value=f(0.5), seed=i(1)),
        SeriesStandardization(epsilon=f(1e-3)),
    ]


def test_numpy_numbers_give_json_configs_that_round_trip():
    """`np.int64(2)` is an int (and `np.float32` a float) wherever one is expected, and
    the config holds plain Python numbers, so it survives JSON exactly."""

    def plain(value):
        if isinstance(value, dict):
            return all(plain(x) for x in value.values())
        if isinstance(value, list | tuple):
            return all(plain(x) for x in value)
        return not isinstance(value, np.generic)

    for layer in _layers_from_numpy_numbers():
        config = layer.get_config()
        assert plain(config), (type(layer).__name__, config)
        again = type(layer).from_config(json.loads(json.dumps(config)))
        assert again.get_config() == config, type(layer).__name__


@pytest.mark.parametrize(
    "build, fragment",
    [
        (lambda: MaskedTemporalPooling(with_delta="no"), "with_delta='no'"),
        (lambda: MaskedTemporalPooling(axis=True), "axis=True"),
        (lambda: FrameWise(keras.layers.Dense(2), frame_rank=1.0), "frame_rank=1.0"),
        (lambda: RandomShiftRotate(translation="0.1"), "translation='0.1'"),
        (lambda: RandomShiftRotate(fill_value=None), "fill_value=None"),
        (lambda: RandomShiftRotate(seed=1.5), "seed=1.5"),
        (lambda: SeriesStandardization(epsilon=True), "epsilon=True"),
        (lambda: TemporalFragmenter(2, pad_value=np.bool_(True)), "pad_value=np.True_"),
    ],
)
def test_bool_ish_and_non_numbers_are_refused_by_name(build, fragment):
    with pytest.raises(ValueError) as info:
        build()
    assert fragment in str(info.value)
