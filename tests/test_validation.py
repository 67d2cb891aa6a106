import numpy as np
import pytest

from tfk_tokfrag import _validation as v


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
