"""Questions about model field types (``X | None``, ``E | str``, ``tuple[X, ...]``, ...).

Shared by the converter's hooks and the accelerated path's generator, which must read field
types the same way.
"""

from __future__ import annotations

import functools
import operator
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Final, Union

from gitbook_async.models._base import GitBookModel, OpenEnum

__all__ = [
    "equal_to",
    "is_homogeneous_tuple",
    "is_mapping",
    "is_model",
    "is_open_enum_union",
    "is_optional",
    "numeric_open_enum_of",
    "open_enum_of",
    "tuple_item",
    "union_args",
    "without_none",
]


def equal_to(expected: Any) -> Callable[[Any], bool]:
    """Return the predicate "a type equal to ``expected``" (for unions and exact classes).

    cattrs cannot dispatch a union by class, and dispatching a class by class also catches
    its subclasses: such hooks are registered with this predicate.
    """

    def is_expected(type_: Any) -> bool:
        return bool(type_ == expected)

    return is_expected


def union_args(type_: Any) -> tuple[Any, ...]:
    """Return the members of a union type (``Union`` or ``X | Y``); () for other types."""
    origin = typing.get_origin(type_)
    if origin is Union or origin is types.UnionType:
        return typing.get_args(type_)
    return ()


def is_optional(type_: Any) -> bool:
    """Whether ``type_`` admits None."""
    return type(None) in union_args(type_)


def without_none(type_: Any) -> tuple[Any, bool]:
    """Split ``X | None`` into (X, True); other types give (type_, False)."""
    if not is_optional(type_):
        return type_, False
    rest = [a for a in union_args(type_) if a is not type(None)]
    return functools.reduce(operator.or_, rest), True


def _open_enum_with(type_: Any, plain: frozenset[Any]) -> type[OpenEnum] | None:
    """For ``E | <plain types>`` (E an open enum) give E; None for other types."""
    args = union_args(type_)
    enums = [a for a in args if isinstance(a, type) and issubclass(a, OpenEnum)]
    if len(enums) != 1 or frozenset(args) != plain | {enums[0]}:
        return None
    return enums[0]


_STRING_ONLY: Final = frozenset({str})
_STRING_OR_INT: Final = frozenset({str, int})


def open_enum_of(type_: Any) -> type[OpenEnum] | None:
    """For ``E | str`` (an open enum field) give E; None for other types."""
    return _open_enum_with(type_, _STRING_ONLY)


def numeric_open_enum_of(type_: Any) -> type[OpenEnum] | None:
    """For ``E | str | int`` give E; None for other types.

    Such a field holds an open enum whose values may also come as JSON integers (kept as
    ``int``).
    """
    return _open_enum_with(type_, _STRING_OR_INT)


def is_open_enum_union(type_: Any) -> bool:
    """Whether ``type_`` is ``E | str`` or ``E | str | int`` for an open enum E."""
    return open_enum_of(type_) is not None or numeric_open_enum_of(type_) is not None


def tuple_item(type_: Any) -> Any | None:
    """For ``tuple[X, ...]`` give X; None for other types."""
    args = typing.get_args(type_)
    if typing.get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    return None


def is_homogeneous_tuple(type_: Any) -> bool:
    """Whether ``type_`` is ``tuple[X, ...]``."""
    return tuple_item(type_) is not None


def is_mapping(type_: Any) -> bool:
    """Whether ``type_`` is ``Mapping[K, V]``."""
    return typing.get_origin(type_) is Mapping


def is_model(type_: Any) -> bool:
    """Whether ``type_`` is a model class."""
    return isinstance(type_, type) and issubclass(type_, GitBookModel)
