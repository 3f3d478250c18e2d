"""Argument checks shared by every public entry point: one rule, one message shape."""

from __future__ import annotations

import math

from gitbook_async._errors import GitBookError, InvalidArgumentError

__all__ = ["check_int", "check_seconds"]


def check_int(
    name: str,
    value: object,
    *,
    minimum: int = 0,
    maximum: int | None = None,
    error: type[GitBookError] = InvalidArgumentError,
) -> int:
    """Return ``value`` if it is an ``int`` (not a ``bool``) within ``minimum..maximum``.

    Raises:
        GitBookError: of class ``error`` (``InvalidArgumentError`` by default), naming
            ``name``, the accepted range and the value received.

    """
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        wanted = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise error(f"{name} must be an int {wanted}, got {value!r}")
    return value


def check_seconds(
    name: str,
    value: object,
    *,
    allow_zero: bool = True,
    error: type[GitBookError] = InvalidArgumentError,
) -> float:
    """Return ``value`` as a float if it is a finite, non-negative number of seconds.

    Raises:
        GitBookError: of class ``error``; ``bool``, NaN, infinities, negatives (and zero
            unless ``allow_zero``) are refused.

    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not allow_zero)
    ):
        wanted = ">= 0" if allow_zero else "> 0"
        raise error(f"{name} must be a finite number of seconds {wanted}, got {value!r}")
    return float(value)
