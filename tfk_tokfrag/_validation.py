"""Argument checks for the whole package, each error naming the argument and the value.

One place for each check (as keras has `standardize_tuple` and `validate_string_arg`):
layers, model builders, data loaders, callbacks and the command line all call these, so
the same check gives the same message everywhere.

Integers: any `numbers.Integral` but `bool` is accepted (a NumPy `np.int64(2)` is an
int here) and returned as a plain Python `int`, so configs stay JSON-serializable.
Likewise real numbers (`np.float32(0.5)`) come back as plain `int` or `float`. Flags
must be real bools: `"no"`, `0` or `np.bool_(True)` are refused, never taken for truth.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable


def is_int(value) -> bool:
    """An integer that is not a bool (Python or NumPy)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value) -> bool:
    """A real number that is not a bool: a Python or NumPy int or float."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def plain_number(value) -> int | float:
    """A checked real number (`is_real`) as a plain Python `int` or `float`."""
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def is_positive_int(value) -> bool:
    return is_int(value) and value >= 1


def positive_int(name: str, value, *, allow_none: bool = False) -> int | None:
    """`value` as an int >= 1 (or `None` when `allow_none`)."""
    if value is None and allow_none:
        return None
    if not is_positive_int(value):
        expected = "None or a positive int" if allow_none else "a positive int"
        raise ValueError(f"{name} must be {expected}. Received: {name}={value!r}")
    return int(value)


def int_or_none(name: str, value) -> int | None:
    """`value` as an int of any sign (such as a seed), or `None`."""
    if value is not None and not is_int(value):
        raise ValueError(f"{name} must be an int or None. Received: {name}={value!r}")
    return None if value is None else int(value)


def non_negative_int(name: str, value) -> int:
    """`value` as an int >= 0."""
    if not is_int(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative int. Received: {name}={value!r}")
    return int(value)


def int_or_pair(name: str, value, *, allow_none: bool = False):
    """A positive int or a pair of them -> `(stored value, (first, second))`.

    The stored value keeps the form it was given (an int, or a tuple for a pair), as a
    layer's config should; the pair is what the code computes with. With `allow_none`,
    `None` gives `(None, None)`.
    """
    if value is None and allow_none:
        return None, None
    if is_positive_int(value):
        return int(value), (int(value), int(value))
    if isinstance(value, list | tuple) and len(value) == 2 and all(map(is_positive_int, value)):
        pair = (int(value[0]), int(value[1]))
        return pair, pair
    expected = "a positive int or a pair of them" + (", or None" if allow_none else "")
    raise ValueError(f"{name} must be {expected}. Received: {name}={value!r}")


def pair(name: str, value) -> tuple[int, int]:
    """A positive int or a pair of them, as a pair."""
    return int_or_pair(name, value)[1]


def positive_ints(name: str, values) -> tuple[int, ...]:
    """An int or a non-empty sequence of positive ints, as a tuple."""
    if is_int(values):
        values = (values,)
    values = tuple(values) if isinstance(values, Iterable) else (values,)
    if not values or not all(map(is_positive_int, values)):
        raise ValueError(
            f"{name} must be a positive int or a non-empty sequence of them. "
            f"Received: {name}={values!r}"
        )
    return tuple(int(v) for v in values)


def check_bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be a bool. Received: {name}={value!r}")
    return value


def rate(name: str, value) -> float:
    """A rate in [0, 1), such as a dropout rate."""
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not 0.0 <= value < 1.0
    ):
        raise ValueError(f"{name} must be in [0, 1). Received: {name}={value!r}")
    return float(value)


def choice(name: str, value, options):
    """One of `options` (compared with `==`)."""
    if value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}. Received: {name}={value!r}")
    return value


def num_classes(value) -> int:
    if not is_int(value) or value < 2:
        raise ValueError(f"num_classes must be an int >= 2. Received: num_classes={value!r}")
    return int(value)
