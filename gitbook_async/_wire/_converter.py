"""THE cattrs converters: wire JSON <-> models, strictly typed, forward compatible, with paths.

The wire format is configured here, in one place, from its parts: the strict rules for
primitive values (``_primitives``), the hooks for optionals, containers and models
(``_hooks``), the spec's unions (``_unions``) and the generated fast model hooks
(``_fastpath``); wire names come from the models themselves. Two converters share the
configuration: a fast one, and a detailed one that runs only after the fast one found invalid
data, to name the JSON path of every bad value (``_paths``).
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from cattrs import Converter

from gitbook_async._wire._hooks import Hooks, configure_unstructure
from gitbook_async._wire._paths import error_paths, forget_tracebacks, validation_error
from gitbook_async._wire._primitives import PRIMITIVES, InvalidWireData, make_rule_hook
from gitbook_async._wire._shapes import (
    equal_to,
    is_homogeneous_tuple,
    is_mapping,
    is_model,
    is_open_enum_union,
    is_optional,
)
from gitbook_async._wire._unions import register_unions
from gitbook_async.models._base import install_unstructure

__all__ = [
    "WirePathsDisagreeError",
    "make_converter",
    "structure",
    "structure_response",
    "unstructure",
]

T = TypeVar("T")


class WirePathsDisagreeError(AssertionError):
    """The fast path rejected data that the detailed path accepted: a bug in the SDK."""


def _configure(converter: Converter, *, detailed: bool) -> None:
    """Register every hook; simple types first, then containers, then models and unions."""
    for type_ in PRIMITIVES:
        hook = make_rule_hook(type_)
        if isinstance(type_, type):
            converter.register_structure_hook(type_, hook)
        else:  # a union (CREDITS_BUNDLE)
            converter.register_structure_hook_func(equal_to(type_), hook)
    hooks = Hooks(converter, detailed=detailed)
    converter.register_structure_hook_factory(is_optional, hooks.optional)
    converter.register_structure_hook_factory(is_homogeneous_tuple, hooks.tuple_of)
    converter.register_structure_hook_factory(is_mapping, hooks.mapping_of)
    converter.register_structure_hook_factory(is_open_enum_union, make_rule_hook)
    converter.register_structure_hook_factory(is_model, hooks.model)
    register_unions(converter, hooks)
    configure_unstructure(converter)


def make_converter(*, detailed: bool = False) -> Converter:
    """Build a converter configured for the GitBook wire format.

    ``detailed=True`` gives the converter that collects every failure with its path (slower);
    the default one stops at the first failure and uses the generated fast model hooks.
    """
    converter = Converter(detailed_validation=detailed)
    _configure(converter, detailed=detailed)
    return converter


class Converters:
    """The fast and the detailed converter, built once on first use."""

    def __init__(self) -> None:
        self._fast: Converter | None = None
        self._detailed: Converter | None = None

    @property
    def fast(self) -> Converter:
        """The converter of the hot path (also the one ``unstructure`` uses)."""
        if self._fast is None:
            self._fast = make_converter(detailed=False)
        return self._fast

    @property
    def detailed(self) -> Converter:
        """The converter that names the JSON path of every bad value."""
        if self._detailed is None:
            self._detailed = make_converter(detailed=True)
        return self._detailed


_CONVERTERS: Final = Converters()


def unstructure(value: Any) -> Any:
    """Turn a model (or a tuple/mapping of models) into wire-format JSON-ready data."""
    return _CONVERTERS.fast.unstructure(value)


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

    Only invalid data (``InvalidWireData`` in the fast path) leads to the detailed path; any
    other exception of the fast path is a bug in the SDK and propagates as it is.

    Raises:
        ResponseValidationError: with the JSON path of every bad value.
        WirePathsDisagreeError: the fast path rejected what the detailed path accepts (a bug).

    """
    converters = _CONVERTERS
    try:
        return converters.fast.structure(data, type_)
    except InvalidWireData:
        pass  # the fast path keeps no paths: redo it with the detailed converter to find them
    errors: tuple[tuple[str, str], ...] | None = None
    try:
        converters.detailed.structure(data, type_)
    except Exception as exc:  # any failure, cattrs' or a hook's, becomes our own error
        errors = tuple(error_paths(exc, ""))
        forget_tracebacks(exc)
    if errors is not None:
        # Raised outside the except block: the error refers to nothing of cattrs' tree.
        raise validation_error(endpoint, errors) from None
    raise WirePathsDisagreeError(
        f"gitbook_async bug: the fast path rejected a {endpoint} response that the detailed "
        "path accepts; please report it (with the response, if you can share it)"
    )


# The models' to_dict() calls unstructure; the models do not import this layer.
install_unstructure(unstructure)
