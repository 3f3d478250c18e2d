"""The strict rules for primitive JSON values: ONE table, read by both structure paths.

Each rule is written once, as Python expressions over a value (``{v}``): when the value is
accepted, and what the field then holds. ``make_rule_hook`` compiles a rule into a cattrs
structure hook; the accelerated path (``_accel_gen``) inlines the same conversions into its
generated builders. So the two paths cannot read a primitive differently.

Invalid data raises ``InvalidWireData`` (``WireTypeError``, ``WireValueError``); any other
exception from structuring is a bug in the SDK, never "bad data".
"""

from __future__ import annotations

import functools
import linecache
from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

import attrs

from gitbook_async._wire._shapes import numeric_open_enum_of, open_enum_of
from gitbook_async.models._base import parse_timestamp

__all__ = [
    "PRIMITIVES",
    "FastPathInvalid",
    "InvalidWireData",
    "Rule",
    "WireTypeError",
    "WireValueError",
    "compile_function",
    "make_rule_hook",
    "mismatch",
    "rule_for",
]

StructureHook = Callable[[Any, Any], Any]


class InvalidWireData(Exception):  # noqa: N818 - a kind of failure, not one failure
    """Base of the failures that mean "the data is invalid" (and not "the SDK has a bug")."""


class WireTypeError(InvalidWireData, TypeError):
    """A JSON value of the wrong type."""


class WireValueError(InvalidWireData, ValueError):
    """A JSON value of the right type in the wrong form (e.g. a malformed timestamp)."""


class FastPathInvalid(InvalidWireData):
    """The accelerated path found data it does not read; the detailed path says what is wrong."""


_JSON_TYPE_NAMES: Final[Mapping[type, str]] = MappingProxyType(
    {
        dict: "object",
        list: "array",
        str: "string",
        int: "number",
        float: "number",
        bool: "boolean",
        type(None): "null",
    }
)


def mismatch(expected: str, value: object) -> WireTypeError:
    """Return the error for ``value`` where the wire format expects ``expected``."""
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    json_type = _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
    return WireTypeError(f"expected {expected}, got {json_type} {shown}")


def _timestamp(text: str) -> datetime:
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise WireValueError(str(exc)) from None


@attrs.frozen
class Rule:
    """How one primitive wire type is read.

    Attributes:
        name: Names the compiled hook ``structure_<name>`` (seen in tracebacks and profiles).
        expected: What an error says was expected (``"a string"``).
        accepts: Expression over ``{v}``, true when the value is valid.
        convert: Expression over ``{v}`` giving the field's value; may use ``{c}``, bound to
            ``constant`` (an enum's member table, a parser).
        constant: The object ``{c}`` stands for, if any.

    """

    name: str
    expected: str
    accepts: str
    convert: str = "{v}"
    constant: Any = None

    def accepts_code(self, v: str) -> str:
        """Return the acceptance test, with the value named ``v``."""
        return self.accepts.format(v=v)

    def convert_code(self, v: str, c: str) -> str | None:
        """Return the value to store (value named ``v``, constant ``c``); None if just ``v``."""
        if self.convert == "{v}":
            return None
        return self.convert.format(v=v, c=c)


# A str subclass is a string too; the exact test first, as it is the faster one in CPython.
_STRING: Final = Rule("str", "a string", "type({v}) is str or isinstance({v}, str)")

PRIMITIVES: Final[Mapping[Any, Rule]] = MappingProxyType(
    {
        str: _STRING,
        bool: Rule("bool", "a boolean", "{v} is True or {v} is False"),
        int: Rule("int", "an integer", "type({v}) is int"),
        # An integral JSON number stays an int so that to_dict() gives back the same JSON.
        float: Rule("float", "a number", "type({v}) is float or type({v}) is int"),
        datetime: Rule(
            "datetime",
            "an RFC 3339 date-time string",
            _STRING.accepts,
            "{c}({v})",
            _timestamp,
        ),
    }
)


@functools.cache
def _open_enum_rule(enum_cls: type, *, numbers: bool) -> Rule:
    members = enum_cls._value2member_map_  # type: ignore[attr-defined]
    if not numbers:
        expected = f"a string ({enum_cls.__name__})"
        return Rule("open_enum", expected, _STRING.accepts, "{c}.get({v}, {v})", members)
    # ``E | str | int``: a field the spec declares a string but whose values the server may
    # send as numbers (BillingCreditsBundle); a number is no key of the member table (its
    # keys are str), so it stays an int and to_dict() gives back what the server sent.
    return Rule(
        "open_enum_or_int",
        f"a string or an integer ({enum_cls.__name__})",
        "type({v}) is str or type({v}) is int or isinstance({v}, str)",
        "{c}.get({v}, {v})",
        members,
    )


def rule_for(type_: Any) -> Rule | None:
    """Return the rule of a primitive type or an open enum (``E | str``, ``E | str | int``).

    None for other types.
    """
    rule = PRIMITIVES.get(type_)
    if rule is not None:
        return rule
    enum_cls = open_enum_of(type_)
    if enum_cls is not None:
        return _open_enum_rule(enum_cls, numbers=False)
    enum_cls = numeric_open_enum_of(type_)
    return None if enum_cls is None else _open_enum_rule(enum_cls, numbers=True)


def compile_function(name: str, source: str, namespace: dict[str, Any], label: str) -> Any:
    """Compile ``source`` (defining function ``name``) in ``namespace`` and return the function.

    The source is registered with linecache under ``<gitbook_async label>`` so that tracebacks
    and profilers can show it.
    """
    filename = f"<gitbook_async {label}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def make_rule_hook(type_: Any) -> StructureHook:
    """Compile the structure hook of a type that has a rule (see ``rule_for``)."""
    rule = rule_for(type_)
    if rule is None:
        raise TypeError(f"no primitive rule for {type_!r}")  # a registration bug
    result = rule.convert_code("v", "_c") or "v"
    name = f"structure_{rule.name}"
    source = (
        f"def {name}(v, _):\n"
        f"    if {rule.accepts_code('v')}:\n"
        f"        return {result}\n"
        "    raise _mismatch(_expected, v)\n"
    )
    namespace = {"_c": rule.constant, "_mismatch": mismatch, "_expected": rule.expected}
    hook: StructureHook = compile_function(name, source, namespace, f"{name} ({rule.expected})")
    return hook
