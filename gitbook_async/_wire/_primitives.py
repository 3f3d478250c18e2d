"""The strict rules for primitive JSON values: ONE table, read by the hooks and the fast path.

Each rule is written once, as Python expressions over a value (``{v}``): when the value is
accepted, and what the field then holds. ``make_rule_hook`` compiles a rule into a cattrs
structure hook (used by both converters); ``_fastpath`` inlines the same expressions into the
generated model functions. So the detailed and the fast path cannot read a primitive
differently.

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

from gitbook_async._wire._shapes import open_enum_of
from gitbook_async.models import BillingCreditsBundle
from gitbook_async.models._base import parse_timestamp

__all__ = [
    "CREDITS_BUNDLE",
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
    """The fast path found invalid data; the detailed converter will say where and why."""


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
        exact: Exact types ``accepts`` always admits: lets a list be checked in C
            (``exact.issuperset(map(type, items))``) before falling back to item by item.

    """

    name: str
    expected: str
    accepts: str
    convert: str = "{v}"
    constant: Any = None
    exact: frozenset[type] = frozenset()

    def accepts_code(self, v: str) -> str:
        """Return the acceptance test, with the value named ``v``."""
        return self.accepts.format(v=v)

    def convert_code(self, v: str, c: str) -> str | None:
        """Return the value to store (value named ``v``, constant ``c``); None if just ``v``."""
        if self.convert == "{v}":
            return None
        return self.convert.format(v=v, c=c)


# A str subclass is a string too; the exact test first, as it is the faster one in CPython.
_STRING: Final = Rule(
    "str", "a string", "type({v}) is str or isinstance({v}, str)", exact=frozenset({str})
)

# The spec (0.202.0) declares BillingCreditsBundle a string but lists integer values: accept a
# JSON number too, kept as int so that to_dict() gives back what the server sent.
CREDITS_BUNDLE: Final = BillingCreditsBundle | str | int

PRIMITIVES: Final[Mapping[Any, Rule]] = MappingProxyType(
    {
        str: _STRING,
        bool: Rule("bool", "a boolean", "{v} is True or {v} is False", exact=frozenset({bool})),
        int: Rule("int", "an integer", "type({v}) is int", exact=frozenset({int})),
        # An integral JSON number stays an int so that to_dict() gives back the same JSON.
        float: Rule(
            "float",
            "a number",
            "type({v}) is float or type({v}) is int",
            exact=frozenset({int, float}),
        ),
        datetime: Rule(
            "datetime",
            "an RFC 3339 date-time string",
            _STRING.accepts,
            "{c}({v})",
            _timestamp,
            _STRING.exact,
        ),
        CREDITS_BUNDLE: Rule(
            "credits_bundle",
            "a string or an integer (BillingCreditsBundle)",
            "type({v}) is str or type({v}) is int or isinstance({v}, str)",
            # An int is no key of the member table (its keys are str): it is kept as it is.
            "{c}.get({v}, {v})",
            BillingCreditsBundle._value2member_map_,
            frozenset({str, int}),
        ),
    }
)


@functools.cache
def _open_enum_rule(enum_cls: type) -> Rule:
    members = enum_cls._value2member_map_  # type: ignore[attr-defined]
    expected = f"a string ({enum_cls.__name__})"
    return Rule("open_enum", expected, _STRING.accepts, "{c}.get({v}, {v})", members, _STRING.exact)


def rule_for(type_: Any) -> Rule | None:
    """Return the rule of a primitive type or an open enum (``E | str``); None for others."""
    rule = PRIMITIVES.get(type_)
    if rule is not None:
        return rule
    enum_cls = open_enum_of(type_)
    return None if enum_cls is None else _open_enum_rule(enum_cls)


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
