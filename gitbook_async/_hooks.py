"""The converter's hooks: strict primitives, open enums, containers, models and the spec's unions.

Registered on both converters by ``_converter``; the fast one swaps the model hook for the
generated one of ``_fastpath``.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

import attrs
from cattrs import Converter
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from gitbook_async._fastpath import WireKeys, keep_unknown_and_nulls, make_fast_model_hook
from gitbook_async._type_shapes import open_enum_of, without_none
from gitbook_async._wire_names import wire_name
from gitbook_async.models import (
    BillingCreditsBundle,
    BooleanConfigurationProperty,
    ButtonConfigurationProperty,
    ConfigurationProperty,
    ContentSecurityPolicyDirectives,
    CustomMergeRule,
    IntegrationConfiguration,
    IntegrationConfigurationComponent,
    IntegrationConfigurationSchema,
    IntegrationContentSecurityPolicy,
    MergeRule,
    MergeRulesConfigurationNone,
    MergeRulesConfigurationRules,
    MergeRulesStandaloneConfiguration,
    NumberConfigurationProperty,
    StringConfigurationProperty,
    UsersMergeRule,
)
from gitbook_async.models._base import GitBookModel, format_timestamp, parse_timestamp

__all__ = [
    "CONFIGURATION_PROPERTY_TYPES",
    "CREDITS_BUNDLE",
    "MERGE_RULES_CONFIGURATION_TYPES",
    "MERGE_RULE_TYPES",
    "Hooks",
    "structure_bool",
    "structure_credits_bundle",
    "structure_datetime",
    "structure_float",
    "structure_int",
    "structure_str",
    "unstructure_datetime",
    "unstructure_factory",
]

# ConfigurationProperty subclasses by their wire "type"; other types stay the base class.
CONFIGURATION_PROPERTY_TYPES: Final[Mapping[str, type[ConfigurationProperty]]] = MappingProxyType(
    {
        "string": StringConfigurationProperty,
        "number": NumberConfigurationProperty,
        "boolean": BooleanConfigurationProperty,
        "button": ButtonConfigurationProperty,
    }
)

# MergeRule subclasses by their wire "rule"; other rules (simple or newer) stay the base class.
MERGE_RULE_TYPES: Final[Mapping[str, type[MergeRule]]] = MappingProxyType(
    {
        "require_specific_reviewers": UsersMergeRule,
        "require_one_of_specific_reviewers": UsersMergeRule,
        "allow_bypass": UsersMergeRule,
        "custom": CustomMergeRule,
    }
)
# MergeRulesStandaloneConfiguration subclasses by their wire "type"; newer types stay the base.
MERGE_RULES_CONFIGURATION_TYPES: Final[Mapping[str, type[MergeRulesStandaloneConfiguration]]] = (
    MappingProxyType({"rules": MergeRulesConfigurationRules, "none": MergeRulesConfigurationNone})
)
# The spec (0.202.0) declares BillingCreditsBundle a string but lists integer values: accept a
# JSON number too, kept as int so that to_dict() gives back what the server sent.
CREDITS_BUNDLE: Final = BillingCreditsBundle | str | int

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


def _json_type(value: object) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _mismatch(expected: str, value: object) -> TypeError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return TypeError(f"expected {expected}, got {_json_type(value)} {shown}")


# --- strict primitives --------------------------------------------------------------------


def structure_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    raise _mismatch("a string", value)


def structure_bool(value: Any, _: type) -> bool:
    if value is True or value is False:
        return value
    raise _mismatch("a boolean", value)


def structure_int(value: Any, _: type) -> int:
    if type(value) is int:
        return value
    raise _mismatch("an integer", value)


def structure_float(value: Any, _: type) -> float:
    # An integral JSON number stays an int so that to_dict() gives back the same JSON.
    value_type = type(value)
    if value_type is float or value_type is int:
        return value  # type: ignore[no-any-return]
    raise _mismatch("a number", value)


_CREDITS_BUNDLE_MEMBERS: Final = BillingCreditsBundle._value2member_map_


def structure_credits_bundle(value: Any, _: Any) -> BillingCreditsBundle | str | int:
    if isinstance(value, str):
        return _CREDITS_BUNDLE_MEMBERS.get(value, value)  # type: ignore[return-value]
    if type(value) is int:
        return value
    raise _mismatch("a string or an integer (BillingCreditsBundle)", value)


def structure_datetime(value: Any, _: type) -> datetime:
    if not isinstance(value, str):
        raise _mismatch("an RFC 3339 date-time string", value)
    return parse_timestamp(value)


def unstructure_datetime(value: datetime) -> str:
    return format_timestamp(value)


# --- unions, enums, containers ------------------------------------------------------------


def _attach_note(exc: Exception, note: str) -> Exception:
    exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined]
    return exc


def _structure_each(
    pairs: Iterable[tuple[int | str, Any]],
    hook: Callable[[Any, Any], Any],
    item_type: Any,
    container_type: Any,
) -> list[tuple[Any, Any]]:
    """Structure every (index or key, value), collecting each failure with its position."""
    results, errors = [], []
    for position, item in pairs:
        try:
            results.append((position, hook(item, item_type)))
        except Exception as exc:
            note = IterableValidationNote(f"at {position!r}", position, item_type)
            errors.append(_attach_note(exc, note))
    if errors:
        raise IterableValidationError(f"invalid items of {container_type}", errors, container_type)
    return results


class Hooks:
    """Hook factories bound to one converter (fast or detailed)."""

    def __init__(self, converter: Converter, *, detailed: bool) -> None:
        self.converter = converter
        self.detailed = detailed

    def optional(self, type_: Any) -> Callable[[Any, Any], Any]:
        inner_type, _ = without_none(type_)
        inner = self.converter.get_structure_hook(inner_type)

        def structure_optional(value: Any, _: Any) -> Any:
            return None if value is None else inner(value, inner_type)

        return structure_optional

    def open_enum(self, type_: Any) -> Callable[[Any, Any], Any]:
        enum_cls = open_enum_of(type_)
        assert enum_cls is not None  # registered for open enum unions only
        members = enum_cls._value2member_map_

        def structure_open_enum(value: Any, _: Any) -> Any:
            if isinstance(value, str):
                return members.get(value, value)
            raise _mismatch(f"a string ({enum_cls.__name__})", value)

        return structure_open_enum

    def tuple_of(self, type_: Any) -> Callable[[Any, Any], Any]:
        item_type = typing.get_args(type_)[0]
        item_hook = self.converter.get_structure_hook(item_type)
        detailed = self.detailed

        def structure_tuple(value: Any, _: Any) -> tuple[Any, ...]:
            if type(value) is not list:
                raise _mismatch("an array", value)
            if not detailed:
                return tuple([item_hook(item, item_type) for item in value])
            pairs = _structure_each(enumerate(value), item_hook, item_type, type_)
            return tuple([item for _, item in pairs])

        return structure_tuple

    def mapping_of(self, type_: Any) -> Callable[[Any, Any], Mapping[str, Any]]:
        value_type = typing.get_args(type_)[1]
        value_hook = self.converter.get_structure_hook(value_type)
        detailed = self.detailed

        def structure_mapping(value: Any, _: Any) -> Mapping[str, Any]:
            if type(value) is not dict:
                raise _mismatch("an object", value)
            if not detailed:
                return MappingProxyType({k: value_hook(v, value_type) for k, v in value.items()})
            return MappingProxyType(
                dict(_structure_each(value.items(), value_hook, value_type, type_))
            )

        return structure_mapping

    def model(self, cls: type[GitBookModel]) -> Callable[[Any, Any], Any]:
        if not self.detailed:
            return make_fast_model_hook(cls, self.converter)
        keys = WireKeys(cls)
        renames: dict[str, Any] = {
            f.name: override(rename=wire_name(cls, f.name)) for f in keys.fields
        }
        generated = make_dict_structure_fn(
            cls,
            self.converter,
            _cattrs_forbid_extra_keys=False,
            _cattrs_detailed_validation=self.detailed,
            unknown_fields=override(omit=True),
            **renames,
        )

        def structure_model(value: Any, _: Any) -> Any:
            if type(value) is not dict:
                raise _mismatch(f"an object ({cls.__name__})", value)
            instance = generated(value, cls)
            keep_unknown_and_nulls(instance, value, keys)
            return instance

        return structure_model

    def discriminated(
        self, base: type[GitBookModel], key: str, subclasses: Mapping[str, type[GitBookModel]]
    ) -> Callable[[Any, Any], Any]:
        """Structure ``base`` as the subclass its ``key`` names, else as ``base`` itself.

        A tag newer than this SDK (or a missing or non-string one) gives the base class,
        which keeps the other fields as unknown ones, or reports the bad tag at its path.
        """
        # The base's own hook, not get_structure_hook(base): that would be this very hook.
        plain = self.model(base)
        hooks = {
            tag: (self.converter.get_structure_hook(cls), cls) for tag, cls in subclasses.items()
        }

        def structure_discriminated(value: Any, _: Any) -> Any:
            if type(value) is not dict:
                raise _mismatch(f"an object ({base.__name__})", value)
            tag = value.get(key)
            found = hooks.get(tag) if isinstance(tag, str) else None
            if found is None:
                return plain(value, base)
            hook, cls = found
            return hook(value, cls)

        return structure_discriminated

    def integration_configuration(self, value: Any, _: Any) -> IntegrationConfiguration:
        # oneOf by shape: a schema has an object "properties"; a component a "componentId"
        # (an unknown "properties" field beside it that is no object does not make a schema).
        if type(value) is not dict:
            cls: type[GitBookModel] | None = None
        elif type(value.get("properties")) is dict or (
            "properties" in value and "componentId" not in value
        ):
            cls = IntegrationConfigurationSchema
        elif "componentId" in value:
            cls = IntegrationConfigurationComponent
        else:
            cls = None
        if cls is None:
            raise _mismatch(
                "a configuration object with 'properties' (schema) or 'componentId' (component)",
                value,
            )
        result: IntegrationConfiguration = self.converter.get_structure_hook(cls)(value, cls)
        return result

    def content_security_policy(self, value: Any, _: Any) -> IntegrationContentSecurityPolicy:
        if isinstance(value, str):
            return value
        if type(value) is dict:
            cls = ContentSecurityPolicyDirectives
            result: ContentSecurityPolicyDirectives = self.converter.get_structure_hook(cls)(
                value, cls
            )
            return result
        raise _mismatch("a string or an object of CSP directives", value)


def unstructure_factory(converter: Converter) -> Callable[[Any], Callable[[Any], Any]]:
    def model_unstructurer(cls: type[GitBookModel]) -> Callable[[Any], Any]:
        fields = [f for f in attrs.fields(cls) if f.init and f.name != "unknown_fields"]
        renames: dict[str, Any] = {f.name: override(rename=wire_name(cls, f.name)) for f in fields}
        generated = make_dict_unstructure_fn(
            cls,
            converter,
            _cattrs_omit_if_default=True,
            unknown_fields=override(omit=True),
            **renames,
        )

        def unstructure_model(instance: Any) -> dict[str, Any]:
            if type(instance) is not cls:
                # A field typed as a base class (MergeRulesStandaloneConfiguration) holding a
                # subclass: unstructure what it is, not what the field says.
                subclass_result: dict[str, Any] = converter.unstructure(instance)
                return subclass_result
            result = generated(instance)
            if instance.unknown_fields:
                result.update(instance.unknown_fields)
            for key in instance._wire_nulls:
                result[key] = None
            return result

        return unstructure_model

    return model_unstructurer
