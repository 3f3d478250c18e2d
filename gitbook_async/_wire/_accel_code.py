"""Code pieces of the accelerated path: twin classes, mirror field types, builder lines.

Used by ``_accel_gen``, which walks the models and assembles them. Generated source names
only identifiers this module or ``_accel_gen`` chose (attribute names of the models,
``_``-prefixed namespace constants): a wire key from the network never becomes source
text; it reaches a builder as a namespace constant and a mirror through ``rename``.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, Final, Union

import attrs
import msgspec

from gitbook_async.models._base import WIRE_TWIN_OF

__all__ = [
    "RAW_NULL",
    "TWIN_OF",
    "Convert",
    "Unsupported",
    "defstruct",
    "field_code",
    "learned_code",
    "make_twin",
    "optional_mirror",
]

RAW_NULL: Final = msgspec.Raw(b"null")
"""A JSON ``null`` decoded as ``msgspec.Raw`` (it compares equal to another such Raw)."""

TWIN_OF: Final = WIRE_TWIN_OF
"""The class attribute of a twin class that holds the model class it is the twin of."""

Convert = Callable[[str], str] | None
"""Code turning the mirror value its argument names into the model value; None: as it is."""


class Unsupported(Exception):  # noqa: N818 - a kind of type, not a failure of data
    """A type shape the accelerated path cannot mirror: it always takes the cattrs path."""


def _is_slot(cls: type, name: str) -> bool:
    """Whether ``name`` is a slot of ``cls`` (a member descriptor found along its MRO)."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return isinstance(klass.__dict__[name], types.MemberDescriptorType)
    return False


def make_twin(cls: type) -> type:
    """Return the non-frozen twin of ``cls``: a subclass adding no slots.

    A builder fills a twin instance by plain attribute stores (which CPython specialises
    for slots), then gives it its class by ``__class__`` assignment: a subclass that adds
    nothing to the layout is always compatible. The twin carries ``TWIN_OF``, which hides
    it from ``GitBookModel.__subclasses__()``.

    Raises:
        Unsupported: ``cls`` is not slotted all the way (instances with a ``__dict__``), or
            one of its fields or declared slots is not a slot.

    """
    names = [*cls.__dict__.get("__slots__", ()), *(f.name for f in attrs.fields(cls))]
    if cls.__dictoffset__ or not all(_is_slot(cls, n) for n in names if n != "__weakref__"):
        raise Unsupported(f"{cls.__name__} is not a slotted class")
    namespace = {
        "__slots__": (),
        # Both: CPython fills tp_setattro from __setattr__ *and* __delattr__, and only
        # with the generic C function does it specialise the builders' attribute stores.
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        TWIN_OF: cls,
    }
    return type(cls.__name__, (cls,), namespace)


def optional_mirror(mirror: Any, *, nullable: bool, unset: bool) -> Any:
    """Widen a field's mirror type: ``None`` if it is nullable, ``UNSET`` if it may be absent.

    ``msgspec.Raw`` (a memoised class) stays as it is: it holds a JSON ``null`` as its
    bytes (see ``RAW_NULL``), and an absent field takes the ``UNSET`` default.
    """
    if mirror is msgspec.Raw:
        return mirror
    parts = [mirror]
    if nullable:
        parts.append(None)
    if unset:
        parts.append(msgspec.UnsetType)
    return Union[tuple(parts)] if len(parts) > 1 else mirror  # noqa: UP007


def field_code(
    name: str,
    key_constant: str,
    *,
    nullable: bool,
    required: bool,
    convert: Convert,
    raw: bool = False,
) -> list[str]:
    """Return the builder lines that fill field ``name`` from ``m.name``.

    An optional field (always ``X | None = None`` here) is None when absent (``UNSET``)
    and when null; a null is also recorded (under the wire key the namespace constant
    ``key_constant`` holds), for ``to_dict()``. ``raw``: the mirror holds ``msgspec.Raw``
    (a memoised class), whose null is the namespace constant ``_RAW_NULL``.
    """
    if convert is None and required:
        return [f"    o.{name} = m.{name}"]
    lines = [f"    v = m.{name}"]
    value = convert("v") if convert else "v"
    null = "v == _RAW_NULL" if raw else "v is None"
    if required:
        # A null (of a nullable field) is a value here, not a recorded null.
        lines.append(f"    o.{name} = {f'None if {null} else {value}' if nullable else value}")
        return lines
    lines += [
        "    if v is _UNSET:",
        "        v = None",
        f"    elif {null}:",
        f"        nulls = [{key_constant}] if nulls is None else [*nulls, {key_constant}]",
    ]
    if raw:
        lines.append("        v = None")
    if convert:
        lines += ["    else:", f"        v = {value}"]
    lines.append(f"    o.{name} = v")
    return lines


def learned_code(fields: list[tuple[str, str]]) -> list[str]:
    """Return the builder lines that gather learned fields into ``o.unknown_fields``.

    ``fields`` holds (mirror attribute, namespace constant holding the wire key) pairs;
    a learned field's mirror value is its decoded JSON, ``UNSET`` when absent.
    """
    if not fields:
        return ["    o.unknown_fields = _EMPTY"]
    lines = ["    u = None"]
    for attribute, key_constant in fields:
        lines += [
            f"    v = m.{attribute}",
            "    if v is not _UNSET:",
            f"        if u is None: u = {{{key_constant}: v}}",
            f"        else: u[{key_constant}] = v",
        ]
    lines.append("    o.unknown_fields = _EMPTY if u is None else _proxy(u)")
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
