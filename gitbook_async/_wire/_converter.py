"""THE cattrs converter: wire JSON <-> models, strictly typed, forward compatible, with paths.

The wire format is configured here, in one place, from its parts: the strict rules for
primitive values (``_primitives``), the hooks for optionals, containers and models
(``_hooks``) and the spec's unions (``_unions``); wire names come from the models themselves.

This is the *detailed* path: it builds models from decoded JSON and names the JSON path of
every bad value (``_paths``). Response bodies take the accelerated path first
(``_accelerated``, msgspec), which hands over to this one only for data it does not read:
invalid data and odd inputs. cattrs is imported on first use.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Final

from gitbook_async.models._base import install_unstructure

if TYPE_CHECKING:
    from cattrs import Converter

__all__ = ["make_converter", "structure_response", "unstructure"]


def _configure(converter: Converter) -> None:
    """Register every hook; simple types first, then containers, then models and unions."""
    from gitbook_async._wire._hooks import Hooks, configure_unstructure
    from gitbook_async._wire._primitives import PRIMITIVES, make_rule_hook
    from gitbook_async._wire._shapes import (
        is_homogeneous_tuple,
        is_mapping,
        is_model,
        is_open_enum_union,
        is_optional,
    )
    from gitbook_async._wire._unions import register_unions

    for type_ in PRIMITIVES:
        converter.register_structure_hook(type_, make_rule_hook(type_))
    hooks = Hooks(converter)
    converter.register_structure_hook_factory(is_optional, hooks.optional)
    converter.register_structure_hook_factory(is_homogeneous_tuple, hooks.tuple_of)
    converter.register_structure_hook_factory(is_mapping, hooks.mapping_of)
    converter.register_structure_hook_factory(is_open_enum_union, make_rule_hook)
    converter.register_structure_hook_factory(is_model, hooks.model)
    register_unions(converter, hooks)
    configure_unstructure(converter)


def make_converter() -> Converter:
    """Build a converter configured for the GitBook wire format.

    It collects every failure with its JSON path (cattrs' detailed validation).
    """
    from cattrs import Converter

    converter = Converter(detailed_validation=True)
    _configure(converter)
    return converter


class _Shared:
    """The converter of ``structure_response`` and ``unstructure``, built on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._converter: Converter | None = None

    @property
    def converter(self) -> Converter:
        """The converter (built now if needed)."""
        converter = self._converter
        if converter is None:
            with self._lock:
                if self._converter is None:
                    self._converter = make_converter()
                converter = self._converter
        return converter


_SHARED: Final = _Shared()


def unstructure(value: Any) -> Any:
    """Turn a model (or a tuple/mapping of models) into wire-format JSON-ready data."""
    return _SHARED.converter.unstructure(value)


def structure_response(data: Any, type_: Any, *, endpoint: str) -> Any:
    """Structure a decoded response body, naming ``endpoint`` in any validation error.

    Only invalid data becomes a ``ResponseValidationError``; any other exception is a bug
    in the SDK and propagates as it is.

    Raises:
        ResponseValidationError: with the JSON path of every bad value.

    """
    converter = _SHARED.converter
    try:
        return converter.structure(data, type_)
    except Exception as exc:  # any failure, cattrs' or a hook's, becomes our own error...
        from gitbook_async._wire._paths import error_paths, forget_tracebacks

        errors = tuple(error_paths(exc, ""))  # ...unless it is a bug: that is raised as it is
        forget_tracebacks(exc)
    # Raised outside the except block: the error refers to nothing of cattrs' tree.
    from gitbook_async._wire._paths import validation_error

    raise validation_error(endpoint, errors) from None


# The models' to_dict() calls unstructure; the models do not import this layer.
install_unstructure(unstructure)
