"""Generated fast structure hooks for models: the hot path of every response.

For each model class this builds, once, a Python function specialised to its fields (as
cattrs' own generators do) that checks the JSON types of primitive fields inline, calls the
converter's hooks only for nested values, and fills the frozen slotted instance through its
slot descriptors instead of ``__init__`` (whose per-field ``object.__setattr__`` is the largest
single cost of structuring; see docs/performance.md).

The fast path only decides *whether* the data is valid. On any failure it raises at once, and
the caller re-runs the detailed cattrs converter, which names the JSON path of every problem.
So the two paths must accept exactly the same data; tests/test_models.py checks they agree.
"""

from __future__ import annotations

import linecache
import typing
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs
from cattrs import Converter

from gitbook_async._type_shapes import open_enum_of, without_none
from gitbook_async._wire_names import wire_name
from gitbook_async.models._base import EMPTY_FIELDS, GitBookModel

__all__ = ["FastPathInvalid", "WireKeys", "keep_unknown_and_nulls", "make_fast_model_hook"]

StructureHook = Callable[[Any, Any], Any]

_NO_NULLS: Final[frozenset[str]] = frozenset()


class FastPathInvalid(Exception):  # noqa: N818 - a signal, caught by the converter
    """The fast path found invalid data; the detailed converter will say where and why."""


# Inline checks for primitive field types; ``v`` holds the value, ``_invalid`` the exception.
_PRIMITIVE_CHECKS: Final[Mapping[type, str]] = MappingProxyType(
    {
        str: "if type(v) is not str: raise _invalid",
        bool: "if v is not True and v is not False: raise _invalid",
        int: "if type(v) is not int: raise _invalid",
        float: "if type(v) is not float and type(v) is not int: raise _invalid",
    }
)


class WireKeys:
    """The wire keys of a model class: all it knows, and those of its optional fields."""

    __slots__ = ("fields", "known", "optional")

    def __init__(self, cls: type[GitBookModel]) -> None:
        self.fields = [f for f in attrs.fields(cls) if f.init and f.name != "unknown_fields"]
        self.known = frozenset(wire_name(cls, f.name) for f in self.fields)
        self.optional = tuple(
            wire_name(cls, f.name) for f in self.fields if f.default is not attrs.NOTHING
        )


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
    object.__setattr__(obj, "_wire_nulls", nulls or _NO_NULLS)


def _string_items(type_: Any) -> tuple[bool, Mapping[str, Any] | None]:
    """Tell whether ``type_`` is ``tuple[str, ...]`` or ``tuple[E | str, ...]``.

    Returns (False, None) for other types, (True, None) for strings and (True, E's members)
    for open enums.
    """
    args = typing.get_args(type_)
    if typing.get_origin(type_) is not tuple or len(args) != 2 or args[1] is not Ellipsis:
        return False, None
    if args[0] is str:
        return True, None
    enum_cls = open_enum_of(args[0])
    return (enum_cls is not None), (enum_cls._value2member_map_ if enum_cls else None)


def make_fast_model_hook(cls: type[GitBookModel], converter: Converter) -> StructureHook:
    """Generate the fast structure function of ``cls`` (nested hooks come from ``converter``)."""
    keys = WireKeys(cls)
    fields = keys.fields
    namespace: dict[str, Any] = {
        "_new": object.__new__,
        "_cls": cls,
        "_invalid": FastPathInvalid,
        "_set_unknown": getattr(cls, "unknown_fields").__set__,  # noqa: B009 - slot descriptor
        "_set_nulls": getattr(cls, "_wire_nulls").__set__,  # noqa: B009 - slot descriptor
        "_EMPTY": EMPTY_FIELDS,
        "_NO_NULLS": _NO_NULLS,
        "_keys": keys,
        "_keep_unknown_and_nulls": keep_unknown_and_nulls,
        "_STRINGS": frozenset({str}),
    }
    required_count = sum(1 for f in fields if f.default is attrs.NOTHING)
    body = [
        "    if type(o) is not dict: raise _invalid",
        "    obj = _new(_cls)",
        # Keys seen so far; equal to len(o) at the end unless there are unknown keys or nulls.
        f"    seen = {required_count}",
    ]
    for index, field in enumerate(fields):
        key = wire_name(cls, field.name)
        value_type, nullable = without_none(field.type)
        required = field.default is attrs.NOTHING
        namespace[f"_set{index}"] = getattr(cls, field.name).__set__
        if required:
            body.append(f"    v = o[{key!r}]")
        else:
            body.append(f"    v = o.get({key!r})")
        indent = "    "
        if nullable or not required:
            body.append("    if v is not None:")
            indent = "        "
            if not required:
                body.append(indent + "seen += 1")
        check = _PRIMITIVE_CHECKS.get(value_type)
        enum_cls = open_enum_of(value_type)
        strings, members = _string_items(value_type)
        if strings:
            # Lists of strings (ids, URLs, scopes) are the most common arrays: check them in C.
            body.append(indent + "if type(v) is not list or not _STRINGS.issuperset(map(type, v)):")
            body.append(indent + "    raise _invalid")
            if members is None:
                body.append(indent + "v = tuple(v)")
            else:
                namespace[f"_members{index}"] = members
                body.append(indent + f"v = tuple([_members{index}.get(x, x) for x in v])")
        elif check is not None:
            body.append(indent + check)
        elif enum_cls is not None:
            namespace[f"_members{index}"] = enum_cls._value2member_map_
            body.append(indent + "if type(v) is not str: raise _invalid")
            body.append(indent + f"v = _members{index}.get(v, v)")
        else:
            namespace[f"_hook{index}"] = converter.get_structure_hook(value_type)
            namespace[f"_type{index}"] = value_type
            body.append(indent + f"v = _hook{index}(v, _type{index})")
        body.append(f"    _set{index}(obj, v)")
    body += [
        "    if len(o) == seen:",
        "        _set_unknown(obj, _EMPTY)",
        "        _set_nulls(obj, _NO_NULLS)",
        "    else:",
        "        _keep_unknown_and_nulls(obj, o, _keys)",
        "    return obj",
    ]
    name = f"structure_{cls.__name__}"
    source = f"def {name}(o, _):\n" + "\n".join(body) + "\n"
    filename = f"<gitbook_async fast structure {cls.__module__}.{cls.__qualname__}>"
    # Registered with linecache so that tracebacks and profilers can show the source.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    hook: StructureHook = namespace[name]
    return hook
