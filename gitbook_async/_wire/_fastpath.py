"""Generated fast structure hooks for models: the hot path of every response.

For each model class this builds, once, a Python function specialised to its fields (as
cattrs' own generators do) that checks primitive fields inline with the expressions of the
one rule table (``_primitives``), calls the converter's hooks only for nested values, and
fills the frozen slotted instance through its slot descriptors instead of ``__init__`` (whose
per-field ``object.__setattr__`` is the largest single cost of structuring; see
docs/performance.md).

The fast path only decides *whether* the data is valid. On invalid data it raises
``FastPathInvalid`` at once (or a hook's ``InvalidWireData``), and the caller re-runs the
detailed cattrs converter, which names the JSON path of every problem. Any other exception is
a bug and propagates. The two paths must accept exactly the same data; tests/test_models.py
and tests/test_wire.py check they agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cattrs import Converter

from gitbook_async._wire._fields import (
    NO_NULLS,
    WireField,
    WireKeys,
    keep_unknown_and_nulls,
    model_fields,
)
from gitbook_async._wire._primitives import FastPathInvalid, Rule, compile_function, rule_for
from gitbook_async._wire._shapes import tuple_item
from gitbook_async.models._base import EMPTY_FIELDS, GitBookModel

__all__ = ["make_fast_model_hook"]

StructureHook = Callable[[Any, Any], Any]


def _check_lines(rule: Rule, index: int, namespace: dict[str, Any]) -> list[str]:
    """Check ``v`` against ``rule`` and store its field value in ``v``."""
    lines = [f"if not ({rule.accepts_code('v')}): raise _invalid"]
    convert = rule.convert_code("v", f"_c{index}")
    if convert is not None:
        namespace[f"_c{index}"] = rule.constant
        lines.append(f"v = {convert}")
    return lines


def _items_lines(rule: Rule, index: int, namespace: dict[str, Any]) -> list[str]:
    """Check that ``v`` is a list of values accepted by ``rule``; store their tuple in ``v``."""
    # Lists of strings (ids, URLs, scopes) are the most common arrays: check their item types
    # in C first, and item by item only when some type is not one of the rule's exact ones.
    namespace[f"_exact{index}"] = rule.exact
    lines = [
        "if type(v) is not list: raise _invalid",
        f"if not _exact{index}.issuperset(map(type, v)):",
        "    for x in v:",
        f"        if not ({rule.accepts_code('x')}): raise _invalid",
    ]
    convert = rule.convert_code("x", f"_c{index}")
    if convert is None:
        lines.append("v = tuple(v)")
    else:
        namespace[f"_c{index}"] = rule.constant
        lines.append(f"v = tuple([{convert} for x in v])")
    return lines


def _value_lines(
    field: WireField, index: int, namespace: dict[str, Any], converter: Converter
) -> list[str]:
    """Turn the (non-None) wire value ``v`` of ``field`` into its field value, in ``v``."""
    rule = rule_for(field.value_type)
    if rule is not None:
        return _check_lines(rule, index, namespace)
    item_type = tuple_item(field.value_type)
    item_rule = None if item_type is None else rule_for(item_type)
    if item_rule is not None:
        return _items_lines(item_rule, index, namespace)
    namespace[f"_hook{index}"] = converter.get_structure_hook(field.value_type)
    namespace[f"_type{index}"] = field.value_type
    return [f"v = _hook{index}(v, _type{index})"]


def _field_lines(
    field: WireField, index: int, namespace: dict[str, Any], converter: Converter
) -> list[str]:
    """Read, check and set one field of ``obj`` from the dict ``o``."""
    if field.required:
        # A missing key is invalid data; catching KeyError here, and only here, keeps a
        # KeyError from anywhere else a bug that propagates.
        lines = ["try:", f"    v = o[{field.key!r}]", "except KeyError:", "    raise _invalid"]
    else:
        lines = [f"v = o.get({field.key!r})"]
    value_lines = _value_lines(field, index, namespace, converter)
    if field.nullable or not field.required:
        lines.append("if v is not None:")
        if not field.required:
            lines.append("    seen += 1")
        value_lines = ["    " + line for line in value_lines]
    return [*lines, *value_lines, f"_set{index}(obj, v)"]


def make_fast_model_hook(cls: type[GitBookModel], converter: Converter) -> StructureHook:
    """Generate the fast structure function of ``cls`` (nested hooks come from ``converter``)."""
    fields = model_fields(cls)
    namespace: dict[str, Any] = {
        "_new": object.__new__,
        "_cls": cls,
        "_invalid": FastPathInvalid,
        "_set_unknown": getattr(cls, "unknown_fields").__set__,  # noqa: B009 - slot descriptor
        "_set_nulls": getattr(cls, "_wire_nulls").__set__,  # noqa: B009 - slot descriptor
        "_EMPTY": EMPTY_FIELDS,
        "_NO_NULLS": NO_NULLS,
        "_keys": WireKeys(cls),
        "_keep_unknown_and_nulls": keep_unknown_and_nulls,
    }
    body = [
        "if type(o) is not dict: raise _invalid",
        "obj = _new(_cls)",
        # Keys seen so far; equal to len(o) at the end unless there are unknown keys or nulls.
        f"seen = {sum(1 for f in fields if f.required)}",
    ]
    for index, field in enumerate(fields):
        namespace[f"_set{index}"] = getattr(cls, field.name).__set__  # the slot descriptor
        body += _field_lines(field, index, namespace, converter)
    body += [
        "if len(o) == seen:",
        "    _set_unknown(obj, _EMPTY)",
        "    _set_nulls(obj, _NO_NULLS)",
        "else:",
        "    _keep_unknown_and_nulls(obj, o, _keys)",
        "return obj",
    ]
    name = f"structure_{cls.__name__}"
    source = f"def {name}(o, _):\n" + "".join(f"    {line}\n" for line in body)
    hook: StructureHook = compile_function(
        name, source, namespace, f"fast structure {cls.__module__}.{cls.__qualname__}"
    )
    return hook
