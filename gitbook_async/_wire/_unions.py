"""The spec's unions: which model class a JSON object is, by its tag or by its shape."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from gitbook_async._wire._primitives import mismatch
from gitbook_async._wire._shapes import equal_to
from gitbook_async.models import (
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
from gitbook_async.models._base import GitBookModel

if TYPE_CHECKING:
    from cattrs import Converter

    from gitbook_async._wire._hooks import Hooks, StructureHook

__all__ = [
    "CONFIGURATION_PROPERTY_TYPES",
    "MERGE_RULES_CONFIGURATION_TYPES",
    "MERGE_RULE_TYPES",
    "register_unions",
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


def _integration_configuration(converter: Converter) -> StructureHook:
    def structure_integration_configuration(value: Any, _: Any) -> IntegrationConfiguration:
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
            raise mismatch(
                "a configuration object with 'properties' (schema) or 'componentId' (component)",
                value,
            )
        result: IntegrationConfiguration = converter.get_structure_hook(cls)(value, cls)
        return result

    return structure_integration_configuration


def _content_security_policy(converter: Converter) -> StructureHook:
    directives = ContentSecurityPolicyDirectives

    def structure_content_security_policy(value: Any, _: Any) -> IntegrationContentSecurityPolicy:
        if isinstance(value, str):
            return value
        if type(value) is dict:
            result: ContentSecurityPolicyDirectives = converter.get_structure_hook(directives)(
                value, directives
            )
            return result
        raise mismatch("a string or an object of CSP directives", value)

    return structure_content_security_policy


# The discriminated base classes: {base: (tag wire key, {tag: subclass})}. Read by the
# cattrs hooks below and by the accelerated path (_accel_gen), which must agree.
DISCRIMINATED: Final[Mapping[type[GitBookModel], tuple[str, Mapping[str, type[GitBookModel]]]]] = (
    MappingProxyType(
        {
            ConfigurationProperty: ("type", CONFIGURATION_PROPERTY_TYPES),
            MergeRule: ("rule", MERGE_RULE_TYPES),
            MergeRulesStandaloneConfiguration: ("type", MERGE_RULES_CONFIGURATION_TYPES),
        }
    )
)


def register_unions(converter: Converter, hooks: Hooks) -> None:
    """Register the hooks of the spec's unions on ``converter`` (after the model hooks)."""
    for base, (key, subclasses) in DISCRIMINATED.items():
        converter.register_structure_hook_func(
            equal_to(base), hooks.discriminated(base, key, subclasses)
        )
    converter.register_structure_hook_func(
        equal_to(IntegrationConfiguration), _integration_configuration(converter)
    )
    converter.register_structure_hook_func(
        equal_to(IntegrationContentSecurityPolicy), _content_security_policy(converter)
    )
