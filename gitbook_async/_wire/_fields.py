"""The wire fields of a model class, read once for every structure and unstructure path.

Also the bookkeeping both structure paths share: the keys a class does not know and the
explicit nulls, kept on the instance so that ``to_dict()`` gives back exactly what was sent.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Final

import attrs

from gitbook_async._wire._shapes import without_none
from gitbook_async.models._base import EMPTY_FIELDS, GitBookModel, wire_fields

__all__ = ["NO_NULLS", "WireField", "WireKeys", "keep_unknown_and_nulls", "model_fields"]

NO_NULLS: Final[frozenset[str]] = frozenset()


@attrs.frozen
class WireField:
    """One wire field of a model class.

    Attributes:
        name: The attribute name.
        key: The wire key (from the model's declaration, ``models._base.wire_fields``).
        type: The declared type, ``X | None`` included.
        value_type: The type without ``None``.
        nullable: Whether the declared type admits ``None``.
        required: Whether the field has no default (the key must be present); optional
            fields default to None.

    """

    name: str
    key: str
    type: Any
    value_type: Any
    nullable: bool
    required: bool


_MODEL_FIELDS: Final[dict[type, tuple[WireField, ...]]] = {}


def model_fields(cls: type[GitBookModel]) -> tuple[WireField, ...]:
    """Return the wire fields of model class ``cls``, in declaration order (cached).

    The fields and keys are ``models._base.wire_fields(cls)``'s; this adds what the
    structure paths need of each type.

    Raises:
        TypeError: an optional wire field of ``cls`` does not default to None.

    """
    cached = _MODEL_FIELDS.get(cls)
    if cached is not None:
        return cached
    found = []
    for field, key in wire_fields(cls):
        value_type, nullable = without_none(field.type)
        required = field.default is attrs.NOTHING
        found.append(WireField(field.name, key, field.type, value_type, nullable, required))
    result = _MODEL_FIELDS[cls] = tuple(found)
    return result


class WireKeys:
    """The wire keys of a model class: all it knows, and those of its optional fields."""

    __slots__ = ("known", "optional")

    def __init__(self, cls: type[GitBookModel]) -> None:
        fields = model_fields(cls)
        self.known = frozenset(f.key for f in fields)
        self.optional = tuple(f.key for f in fields if not f.required)


def keep_unknown_and_nulls(obj: GitBookModel, data: dict[str, Any], keys: WireKeys) -> None:
    """Store on ``obj`` the keys of ``data`` its class does not know, and its explicit nulls.

    Both make ``to_dict()`` give back exactly ``data``. Used by both structure paths; the
    generated fast path calls it only when ``data`` has more keys than the fields it filled.
    """
    unknown = EMPTY_FIELDS
    if not keys.known.issuperset(data):
        unknown = MappingProxyType({k: v for k, v in data.items() if k not in keys.known})
    object.__setattr__(obj, "unknown_fields", unknown)
    nulls = frozenset([k for k in keys.optional if k in data and data[k] is None])
    object.__setattr__(obj, "_wire_nulls", nulls or NO_NULLS)
