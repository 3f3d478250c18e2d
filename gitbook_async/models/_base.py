"""Building blocks shared by every model: the base class, wire names, open enums, timestamps."""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, ClassVar, Final

import attrs

__all__ = [
    "GitBookModel",
    "OpenEnum",
    "format_timestamp",
    "install_unstructure",
    "parse_timestamp",
    "wire_fields",
    "wire_key",
    "wire_name",
    "wire_names",
]

EMPTY_FIELDS: Final[Mapping[str, Any]] = MappingProxyType({})

# The class attribute that marks (and names the model of) a twin class of the wire layer.
WIRE_TWIN_OF: Final = "__gitbook_async_twin_of__"

# The field metadata key under which a field declares its wire key (see wire_key()).
WIRE_KEY: Final = "gitbook_async.wire_key"


def wire_key(key: str) -> Mapping[str, str]:
    """Field metadata declaring the wire key of a field that the class's rule would not give.

    Use as ``attrs.field(metadata=wire_key("createOpenAPISpec"))``.
    """
    return MappingProxyType({WIRE_KEY: key})


def _camel_case(attribute: str) -> str:
    head, *rest = attribute.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _kebab_case(attribute: str) -> str:
    return attribute.replace("_", "-")


_WIRE_CASES: Final[Mapping[str, Callable[[str], str]]] = MappingProxyType(
    {"camel": _camel_case, "kebab": _kebab_case}
)


_WIRE_FIELDS: Final[dict[type, tuple[tuple[attrs.Attribute[Any], str], ...]]] = {}
_WIRE_NAMES: Final[dict[type, Mapping[str, str]]] = {}


def wire_fields(cls: type[GitBookModel]) -> tuple[tuple[attrs.Attribute[Any], str], ...]:
    """Return the wire fields of model class ``cls`` as ``(attrs attribute, wire key)`` pairs.

    In field order; every ``__init__`` field except ``unknown_fields``. The key is the
    field's declared ``wire_key(...)`` if any, else the class's ``_wire_case`` rule applied
    to the attribute name (camelCase unless the class says otherwise). This is the one
    place that decides which fields are on the wire and under which key: structuring,
    ``to_dict()``, error paths and the drift report all read it. Cached per class.

    Raises:
        TypeError: an optional wire field of ``cls`` has a default other than None (absent
            and null both read as None on every path, and ``to_dict()`` omits None).

    """
    found = _WIRE_FIELDS.get(cls)
    if found is None:
        chosen = [f for f in attrs.fields(cls) if f.init and f.name != "unknown_fields"]
        for field in chosen:
            if field.default not in (attrs.NOTHING, None):
                raise TypeError(
                    f"{cls.__name__}.{field.name}: an optional wire field defaults to None"
                )
        rule = _WIRE_CASES[cls._wire_case]
        found = _WIRE_FIELDS[cls] = tuple(
            (f, f.metadata.get(WIRE_KEY) or rule(f.name)) for f in chosen
        )
    return found


def wire_names(cls: type[GitBookModel]) -> Mapping[str, str]:
    """Return ``{attribute name: wire key}`` of the wire fields of model class ``cls``.

    In field order: ``wire_fields(cls)`` by attribute name (cached).
    """
    found = _WIRE_NAMES.get(cls)
    if found is None:
        found = _WIRE_NAMES[cls] = MappingProxyType({f.name: key for f, key in wire_fields(cls)})
    return found


def wire_name(cls: type[GitBookModel], attribute: str) -> str:
    """Return the wire key of the attribute ``attribute`` of model class ``cls``.

    Raises:
        KeyError: ``attribute`` is not a wire field of ``cls``.

    """
    return wire_names(cls)[attribute]


class _Unstructure:
    """The slot for the wire layer's unstructure function, filled by ``install_unstructure``.

    The models know nothing of the converter: ``gitbook_async._wire`` installs its function
    here when it is imported (``import gitbook_async`` imports it), so the dependency points
    from the wire layer to the models only.
    """

    function: ClassVar[Callable[[Any], Any] | None] = None


def install_unstructure(function: Callable[[Any], Any]) -> None:
    """Install the function ``GitBookModel.to_dict()`` calls (done by ``gitbook_async._wire``)."""
    _Unstructure.function = function


@attrs.frozen(kw_only=True)
class GitBookModel:
    """Base of every response model: frozen, slotted, keyword-only, forward compatible.

    Attributes:
        unknown_fields: Fields the server sent that this SDK version does not model, keyed by
            their wire (camelCase) name, with their JSON values. ``to_dict()`` writes them back,
            so nothing the server sent is lost. Empty for everything the spec describes.

    """

    # How attribute names become wire keys: "camel" (snake_case -> camelCase) or "kebab".
    _wire_case: ClassVar[str] = "camel"
    # True for a class whose instances repeat across responses as the same bytes (an
    # integration's owner): the accelerated wire path then builds each distinct one once.
    _wire_memoise: ClassVar[bool] = False

    unknown_fields: Mapping[str, Any] = attrs.field(default=EMPTY_FIELDS, repr=False, hash=False)
    # Optional fields the server sent as an explicit JSON null: kept so that to_dict()
    # reproduces the payload exactly ("absent" and "null" both read as None).
    _wire_nulls: frozenset[str] = attrs.field(
        default=frozenset(), init=False, repr=False, eq=False, hash=False
    )

    def to_dict(self) -> dict[str, Any]:
        """Return the wire-format (camelCase) JSON-ready dict of this model.

        It is the JSON the server sent (unknown fields and explicit nulls included), so it
        can be stored and structured again into an equal model with
        ``gitbook_async.structure(data, type(model))``.
        """
        function = _Unstructure.function
        if function is None:  # only if gitbook_async._wire was never imported
            raise RuntimeError("to_dict() needs the wire layer: import gitbook_async first")
        result: dict[str, Any] = function(self)
        return result

    @classmethod
    def __subclasses__(cls) -> list[type]:
        """Return the direct subclasses, without the wire layer's private build-time twins.

        The accelerated wire path fills instances through a non-frozen twin subclass of
        each model (marked ``WIRE_TWIN_OF``); they are no models of their own.
        """
        return [sub for sub in type.__subclasses__(cls) if WIRE_TWIN_OF not in sub.__dict__]


class OpenEnum(str, enum.Enum):
    """Base of the spec's enumerations.

    Members are strings, so ``integration.target == "space"`` works. Fields typed
    ``SomeEnum | str`` hold a member for every value this SDK knows and the raw string for
    a value GitBook added later: an unknown value never fails a parse.
    """

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, format_spec: str) -> str:
        return str.__format__(str.__str__(self), format_spec)


class _WireDatetime(datetime):
    """An aware datetime that remembers the exact text it was parsed from."""

    __slots__ = ("wire",)
    wire: str

    def __repr__(self) -> str:
        return "datetime." + datetime.__repr__(self).replace(type(self).__name__, "datetime", 1)


_RFC3339: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))?"
)


# From 3.11 on, the C parser reads every RFC 3339 form the regex admits (Z, any fraction
# length) and is about twice as fast as building the datetime from the regex groups.
_FROMISOFORMAT_READS_RFC3339: Final = sys.version_info >= (3, 11)


def parse_timestamp(text: str) -> datetime:
    """Parse an RFC 3339 timestamp into an aware datetime that keeps its wire text.

    A timestamp without an offset is read as UTC. Works the same on Python 3.10, whose
    ``datetime.fromisoformat`` rejects ``Z`` and fractions that are not 3 or 6 digits.

    Raises:
        ValueError: ``text`` is not an RFC 3339 date-time.

    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(f"expected an RFC 3339 date-time, got {text!r}")
    if _FROMISOFORMAT_READS_RFC3339:
        try:
            value = _WireDatetime.fromisoformat(text)
        except ValueError:
            pass  # e.g. a lower-case "z": the general path below reads it
        else:
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            value.wire = text
            return value
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    if zulu or sign is None:
        tz = timezone.utc
    else:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        tz = timezone(-offset if sign == "-" else offset)
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        value = _WireDatetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tz
        )
    except ValueError as exc:
        raise ValueError(f"expected an RFC 3339 date-time, got {text!r} ({exc})") from None
    value.wire = text
    return value


def format_timestamp(value: datetime) -> str:
    """Format a datetime for the wire: its original text if it came from GitBook.

    Other datetimes become ISO 8601 with ``Z`` for UTC; naive ones are taken as UTC.
    """
    wire: str | None = getattr(value, "wire", None)
    if wire is not None:
        return wire
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
