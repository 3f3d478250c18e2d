"""The converter's hook factories: optionals, containers, models, discriminated unions, to_dict().

Registered on the converter by ``_converter``; model hooks come from cattrs' generator, with
detailed validation (every failure collected with its position). Primitive values are read by
the rule table of ``_primitives``.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from cattrs import Converter
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from gitbook_async._wire._fields import WireKeys, keep_unknown_and_nulls, model_fields
from gitbook_async._wire._primitives import mismatch
from gitbook_async._wire._shapes import (
    is_homogeneous_tuple,
    is_mapping,
    is_model,
    tuple_item,
    without_none,
)
from gitbook_async.models._base import GitBookModel, OpenEnum, format_timestamp

__all__ = ["Hooks", "configure_unstructure"]

StructureHook = Callable[[Any, Any], Any]


def _attach_note(exc: Exception, note: str) -> Exception:
    exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined]
    return exc


def _structure_each(
    pairs: Iterable[tuple[int | str, Any]],
    hook: StructureHook,
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
    """Hook factories bound to one converter."""

    def __init__(self, converter: Converter) -> None:
        self.converter = converter

    def optional(self, type_: Any) -> StructureHook:
        """Structure ``X | None``: None stays None, anything else goes to X's hook."""
        inner_type, _ = without_none(type_)
        inner = self.converter.get_structure_hook(inner_type)

        def structure_optional(value: Any, _: Any) -> Any:
            return None if value is None else inner(value, inner_type)

        return structure_optional

    def tuple_of(self, type_: Any) -> StructureHook:
        """Structure ``tuple[X, ...]`` from a JSON array."""
        item_type = tuple_item(type_)
        item_hook = self.converter.get_structure_hook(item_type)

        def structure_tuple(value: Any, _: Any) -> tuple[Any, ...]:
            if type(value) is not list:
                raise mismatch("an array", value)
            pairs = _structure_each(enumerate(value), item_hook, item_type, type_)
            return tuple([item for _, item in pairs])

        return structure_tuple

    def mapping_of(self, type_: Any) -> StructureHook:
        """Structure ``Mapping[str, X]`` from a JSON object, read-only."""
        value_type = typing.get_args(type_)[1]
        value_hook = self.converter.get_structure_hook(value_type)

        def structure_mapping(value: Any, _: Any) -> Mapping[str, Any]:
            if type(value) is not dict:
                raise mismatch("an object", value)
            return MappingProxyType(
                dict(_structure_each(value.items(), value_hook, value_type, type_))
            )

        return structure_mapping

    def model(self, cls: type[GitBookModel]) -> StructureHook:
        """Structure a model class with cattrs' generated function (detailed validation)."""
        keys = WireKeys(cls)
        renames: dict[str, Any] = {f.name: override(rename=f.key) for f in model_fields(cls)}
        generated = make_dict_structure_fn(
            cls,
            self.converter,
            _cattrs_forbid_extra_keys=False,
            _cattrs_detailed_validation=True,
            unknown_fields=override(omit=True),
            **renames,
        )

        def structure_model(value: Any, _: Any) -> Any:
            if type(value) is not dict:
                raise mismatch(f"an object ({cls.__name__})", value)
            instance = generated(value, cls)
            keep_unknown_and_nulls(instance, value, keys)
            return instance

        return structure_model

    def discriminated(
        self, base: type[GitBookModel], key: str, subclasses: Mapping[str, type[GitBookModel]]
    ) -> StructureHook:
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
                raise mismatch(f"an object ({base.__name__})", value)
            tag = value.get(key)
            found = hooks.get(tag) if isinstance(tag, str) else None
            if found is None:
                return plain(value, base)
            hook, cls = found
            return hook(value, cls)

        return structure_discriminated


def _unstructure_open_enum(member: OpenEnum) -> str:
    value: str = member._value_
    return value


def configure_unstructure(converter: Converter) -> None:
    """Register the unstructure hooks: models back to exactly the JSON the server sent."""
    converter.register_unstructure_hook(datetime, format_timestamp)
    # to_dict() gives plain JSON types: a member becomes its str value (cattrs would keep it,
    # as it keeps every str subclass). By class, so that it also wins over str's hook.
    converter.register_unstructure_hook(OpenEnum, _unstructure_open_enum)

    def unstructure_seq(value: Any) -> list[Any]:
        return [converter.unstructure(item) for item in value]

    def unstructure_mapping(value: Mapping[str, Any]) -> dict[str, Any]:
        return {key: converter.unstructure(item) for key, item in value.items()}

    converter.register_unstructure_hook_factory(is_homogeneous_tuple, lambda _: unstructure_seq)
    converter.register_unstructure_hook_factory(is_mapping, lambda _: unstructure_mapping)
    converter.register_unstructure_hook_factory(is_model, _model_unstructurer(converter))


def _model_unstructurer(converter: Converter) -> Callable[[Any], Callable[[Any], Any]]:
    def model_unstructurer(cls: type[GitBookModel]) -> Callable[[Any], Any]:
        renames: dict[str, Any] = {f.name: override(rename=f.key) for f in model_fields(cls)}
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
