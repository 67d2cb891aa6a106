"""Argument checks shared by the model builders: each error names the argument and value."""

from __future__ import annotations


def positive_ints(name: str, values) -> tuple[int, ...]:
    """An int or a non-empty sequence of positive ints, as a tuple."""
    if isinstance(values, int):
        values = (values,)
    values = tuple(values)
    if not values or any(not isinstance(v, int) or isinstance(v, bool) or v < 1 for v in values):
        raise ValueError(
            f"{name} must be a positive int or a non-empty sequence of them. "
            f"Received: {name}={values!r}"
        )
    return values


def num_classes(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 2:
        raise ValueError(f"num_classes must be an int >= 2. Received: num_classes={value!r}")
    return value


def rate(name: str, value) -> float:
    """A rate in [0, 1), such as a dropout rate."""
    if not isinstance(value, int | float) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1). Received: {name}={value!r}")
    return float(value)


def flag(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be a bool. Received: {name}={value!r}")
    return value


def choice(name: str, value, options) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}. Received: {name}={value!r}")
    return value
