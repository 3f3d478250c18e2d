"""Code pieces of the accelerated path: twin classes, mirror field types, builder lines.

Used by ``_accel_gen``, which walks the models and assembles them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Union

import msgspec

__all__ = [
    "TWIN_OF",
    "Convert",
    "Unsupported",
    "defstruct",
    "field_code",
    "make_twin",
    "optional_mirror",
]

TWIN_OF: Final = "__gitbook_async_twin_of__"
"""The class attribute of a twin class that holds the model class it is the twin of."""

Convert = Callable[[str], str] | None
"""Code turning the mirror value its argument names into the model value; None: as it is."""


class Unsupported(Exception):  # noqa: N818 - a kind of type, not a failure of data
    """A type shape the accelerated path cannot mirror: it always takes the cattrs path."""


def make_twin(cls: type) -> type:
    """Return the non-frozen twin of ``cls`` (same base, same slots).

    Raises:
        Unsupported: ``cls`` is not a slotted class with one base, or CPython refuses
            ``__class__`` assignment from the twin to ``cls``.

    """
    slots = cls.__dict__.get("__slots__")
    if len(cls.__bases__) != 1 or not isinstance(slots, tuple) or "__dict__" in slots:
        raise Unsupported(f"{cls.__name__} is not a slotted class with one base")
    namespace = {
        "__slots__": slots,
        # Both: CPython fills tp_setattro from __setattr__ *and* __delattr__, and only
        # with the generic C function does it specialise the builders' attribute stores.
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
        # A twin is a subclass of the model's base, so it shows in ``base.__subclasses__()``:
        # it bears the model's names, so that code reading names there (tools/drift.py) sees
        # the model, and says whose twin it is.
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        TWIN_OF: cls,
    }
    twin = type(cls.__name__, cls.__bases__, namespace)
    probe: Any = object.__new__(twin)
    try:
        probe.__class__ = cls
    except TypeError as exc:
        raise Unsupported(f"{cls.__name__}: {exc}") from None
    return twin


def optional_mirror(mirror: Any, *, nullable: bool, unset: bool) -> Any:
    """Widen a field's mirror type: ``None`` if it is nullable, ``UNSET`` if it may be absent."""
    parts = [mirror]
    if nullable:
        parts.append(None)
    if unset:
        parts.append(msgspec.UnsetType)
    return Union[tuple(parts)] if len(parts) > 1 else mirror  # noqa: UP007


def field_code(
    name: str, key: str, *, nullable: bool, required: bool, convert: Convert
) -> list[str]:
    """Return the builder lines that fill field ``name`` (wire ``key``) from ``m.name``.

    An optional field (always ``X | None = None`` here) is None when absent (``UNSET``)
    and when null; a null is also recorded, for ``to_dict()``.
    """
    if convert is None and required:
        return [f"    o.{name} = m.{name}"]
    lines = [f"    v = m.{name}"]
    value = convert("v") if convert else "v"
    if required:
        # A null (of a nullable field) is a value here, not a recorded null.
        lines.append(f"    o.{name} = {f'v if v is None else {value}' if nullable else value}")
        return lines
    lines += [
        "    if v is _UNSET:",
        "        v = None",
        "    elif v is None:",
        f"        nulls = [{key!r}] if nulls is None else [*nulls, {key!r}]",
    ]
    if convert:
        lines += ["    else:", f"        v = {value}"]
    lines.append(f"    o.{name} = v")
    return lines


def defstruct(name: str, fields: list[Any], **options: Any) -> Any:
    """Make a mirror Struct: unknown fields refused, no GC tracking (mirrors hold no cycles)."""
    return msgspec.defstruct(
        f"{name}Mirror",
        fields,
        module=__name__,
        kw_only=True,
        forbid_unknown_fields=True,
        gc=False,
        **options,
    )
