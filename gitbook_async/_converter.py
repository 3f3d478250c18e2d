"""THE cattrs converter: wire JSON <-> models, strictly typed, forward compatible, with paths.

The wire format is configured here, in one place, from its parts: the rename rule
(``_wire_names``), the hooks for strict primitives, timestamps, open enums, containers and the
spec's unions (``_hooks``), and the generated fast model hooks (``_fastpath``). Two converters
share the configuration: a fast one, and a detailed one that runs only after the fast one
failed, to name the JSON path of every bad value (``_error_paths``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, TypeVar

from cattrs import Converter

from gitbook_async._error_paths import error_paths, validation_error
from gitbook_async._hooks import (
    CONFIGURATION_PROPERTY_TYPES,
    CREDITS_BUNDLE,
    MERGE_RULE_TYPES,
    MERGE_RULES_CONFIGURATION_TYPES,
    Hooks,
    structure_bool,
    structure_credits_bundle,
    structure_datetime,
    structure_float,
    structure_int,
    structure_str,
    unstructure_datetime,
    unstructure_factory,
)
from gitbook_async._type_shapes import (
    is_homogeneous_tuple,
    is_mapping,
    is_model,
    is_open_enum_union,
    is_optional,
)
from gitbook_async._wire_names import wire_name
from gitbook_async.models import (
    ConfigurationProperty,
    IntegrationConfiguration,
    IntegrationContentSecurityPolicy,
    MergeRule,
    MergeRulesStandaloneConfiguration,
)
from gitbook_async.models._base import OpenEnum

__all__ = ["structure", "structure_response", "unstructure", "wire_name"]

T = TypeVar("T")


def _configure(converter: Converter, *, detailed: bool) -> None:
    """Register every hook; simple types first, then containers, then models and unions."""
    hooks = Hooks(converter, detailed=detailed)
    converter.register_structure_hook(str, structure_str)
    converter.register_structure_hook(bool, structure_bool)
    converter.register_structure_hook(int, structure_int)
    converter.register_structure_hook(float, structure_float)
    converter.register_structure_hook(datetime, structure_datetime)
    converter.register_unstructure_hook(datetime, unstructure_datetime)

    converter.register_structure_hook_factory(is_optional, hooks.optional)
    converter.register_structure_hook_factory(is_homogeneous_tuple, hooks.tuple_of)
    converter.register_structure_hook_factory(is_mapping, hooks.mapping_of)
    converter.register_structure_hook_factory(is_open_enum_union, hooks.open_enum)
    converter.register_structure_hook_factory(is_model, hooks.model)
    converter.register_structure_hook_func(lambda t: t == CREDITS_BUNDLE, structure_credits_bundle)
    # Predicates, not register_structure_hook(cls): that one also catches subclasses.
    converter.register_structure_hook_func(
        lambda t: t is ConfigurationProperty,
        hooks.discriminated(ConfigurationProperty, "type", CONFIGURATION_PROPERTY_TYPES),
    )
    converter.register_structure_hook_func(
        lambda t: t is MergeRule, hooks.discriminated(MergeRule, "rule", MERGE_RULE_TYPES)
    )
    converter.register_structure_hook_func(
        lambda t: t is MergeRulesStandaloneConfiguration,
        hooks.discriminated(
            MergeRulesStandaloneConfiguration, "type", MERGE_RULES_CONFIGURATION_TYPES
        ),
    )
    converter.register_structure_hook_func(
        lambda t: t == IntegrationConfiguration, hooks.integration_configuration
    )
    converter.register_structure_hook_func(
        lambda t: t == IntegrationContentSecurityPolicy, hooks.content_security_policy
    )

    # to_dict() gives plain JSON types: a member becomes its str value (cattrs would keep it,
    # as it keeps every str subclass). By class, so that it also wins over str's hook.
    converter.register_unstructure_hook(OpenEnum, _unstructure_open_enum)
    converter.register_unstructure_hook_factory(is_homogeneous_tuple, lambda _: _unstructure_seq)
    converter.register_unstructure_hook_factory(is_mapping, lambda _: _unstructure_mapping)
    converter.register_unstructure_hook_factory(is_model, unstructure_factory(converter))


def _unstructure_open_enum(member: OpenEnum) -> str:
    value: str = member._value_
    return value


def _unstructure_seq(value: Any) -> list[Any]:
    return [_CONVERTERS.unstructure(item) for item in value]


def _unstructure_mapping(value: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _CONVERTERS.unstructure(item) for key, item in value.items()}


class _Converters:
    """The fast and the detailed converter, built once on first use."""

    def __init__(self) -> None:
        self._fast: Converter | None = None
        self._detailed: Converter | None = None

    @property
    def fast(self) -> Converter:
        if self._fast is None:
            self._fast = Converter(detailed_validation=False)
            _configure(self._fast, detailed=False)
        return self._fast

    @property
    def detailed(self) -> Converter:
        if self._detailed is None:
            self._detailed = Converter(detailed_validation=True)
            _configure(self._detailed, detailed=True)
        return self._detailed

    def unstructure(self, value: Any) -> Any:
        return self.fast.unstructure(value)


_CONVERTERS: Final = _Converters()


def unstructure(value: Any) -> Any:
    """Turn a model (or a tuple/mapping of models) into wire-format JSON-ready data."""
    return _CONVERTERS.unstructure(value)


def structure(data: Any, type_: type[T]) -> T:
    """Build models from wire-format JSON data (``type_`` may be e.g. ``tuple[Model, ...]``).

    Raises:
        ResponseValidationError: ``data`` does not match ``type_``; ``errors`` holds the
            JSON path and the problem of each bad value.

    """
    result: T = structure_response(data, type_, endpoint="structure()")
    return result


def structure_response(data: Any, type_: Any, *, endpoint: str) -> Any:
    """Structure a decoded response body, naming ``endpoint`` in any validation error.

    Raises:
        ResponseValidationError: with the JSON path of every bad value.

    """
    try:
        return _CONVERTERS.fast.structure(data, type_)
    except Exception:
        pass  # the fast path keeps no paths: redo it with the detailed converter to find them
    try:
        result = _CONVERTERS.detailed.structure(data, type_)
    except Exception as exc:  # any failure, cattrs' or a hook's, becomes our own error
        errors = tuple(error_paths(exc, ""))
        raise validation_error(endpoint, errors) from None
    return result  # pragma: no cover - the fast path failed but the detailed one did not
