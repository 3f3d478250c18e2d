"""The wire layer: one rule table for both structure paths, and the detailed path's errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from gitbook_async import (
    BillingCreditsBundle,
    ContentSecurityPolicyDirectives,
    Integration,
    IntegrationConfiguration,
    IntegrationList,
    IntegrationTarget,
    IntegrationUrls,
    ListNext,
    OrganizationPermissions,
    ResponseValidationError,
    structure,
)
from gitbook_async._wire import _converter, decode_models, make_converter, structure_response
from gitbook_async._wire._fields import model_fields
from gitbook_async._wire._primitives import (
    PRIMITIVES,
    InvalidWireData,
    make_rule_hook,
    rule_for,
)
from gitbook_async._wire._shapes import equal_to
from gitbook_async.models import _base
from gitbook_async.models._base import wire_name, wire_names
from gitbook_async.testing import make_integration

PAYLOADS = Path(__file__).parent / "fixtures" / "payloads"


class _Text(str):
    """A str subclass (e.g. what a caller may pass to ``structure()``)."""


# Values that probe every rule: JSON's types, their edge cases, and a str subclass.
PROBES: list[Any] = [
    "text",
    "",
    _Text("sub"),
    IntegrationTarget.SPACE,
    True,
    False,
    0,
    1,
    -7,
    2**70,
    1.5,
    -0.0,
    None,
    [],
    ["text"],
    {},
    {"a": 1},
    "2024-05-06T07:08:09Z",
    "2024-05-06T07:08:09.123+02:00",
    "2024-05-06 07:08:09z",
    "2024-13-01T00:00:00Z",
    "not a date",
]
CREDITS_BUNDLE: Any = BillingCreditsBundle | str | int
RULE_TYPES: list[Any] = [*PRIMITIVES, IntegrationTarget | str, CREDITS_BUNDLE]


DETAILED = make_converter()


def _accelerated(page: Any) -> tuple[str, Any]:
    result = decode_models(json.dumps(page).encode(), IntegrationList)
    return ("refused", None) if result is None else ("accepted", (result, result.to_dict()))


def _detailed(page: Any) -> tuple[str, Any]:
    try:
        result = DETAILED.structure(json.loads(json.dumps(page)), IntegrationList)
    except Exception:
        return "rejected", None
    return "accepted", (result, result.to_dict())


Location = tuple[str | int, ...]


def _locations(value: Any, path: Location = ()) -> Iterator[Location]:
    """Every position (object key or array index) inside a JSON value, outermost first."""
    if isinstance(value, dict):
        items: Iterator[tuple[str | int, Any]] = iter(value.items())
    elif isinstance(value, list):
        items = iter(enumerate(value))
    else:
        return
    for position, item in items:
        yield (*path, position)
        yield from _locations(item, (*path, position))


def _replaced(value: Any, path: Location, new: Any) -> Any:
    """A copy of ``value`` with ``new`` at ``path`` (only the containers on the path copied)."""
    if not path:
        return new
    head, *rest = path
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _replaced(value[head], tuple(rest), new)
    return copy


# A page with one fully filled integration (owner, billing, configurations, merge rules, CSP):
# every position in it is probed.
_FULL = json.loads((PAYLOADS / "0.202.0" / "integrations-full.json").read_text(encoding="utf-8"))
PAGE = {**_FULL, "items": _FULL["items"][3:4]}


@pytest.mark.parametrize("value", PROBES, ids=repr)
def test_both_paths_read_every_field_alike(value: Any) -> None:
    """Put each probe value at every position of a page with a fully filled integration: what
    the accelerated path accepts the detailed path accepts too, with equal models (same
    to_dict()); what the detailed path rejects the accelerated path refuses.
    """
    for location in _locations(PAGE):
        page = _replaced(PAGE, location, value)
        fast, detailed = _accelerated(page), _detailed(page)
        assert fast[0] == "refused" or fast == detailed, (location, fast, detailed)


@pytest.mark.parametrize("type_", RULE_TYPES, ids=str)
def test_a_rule_hook_fails_only_with_invalid_data_errors(type_: Any) -> None:
    """The hook compiled from a rule returns or raises InvalidWireData, nothing else."""
    hook = make_rule_hook(type_)
    for value in PROBES:
        try:
            hook(value, type_)
        except InvalidWireData as exc:
            message = str(exc)
        else:
            continue
        assert message.startswith("expected ")


def test_primitive_rules_keep_wire_values() -> None:
    """An integral float stays an int, a bundle int stays an int, known strings become members."""
    assert make_rule_hook(float)(3, float) == 3
    assert type(make_rule_hook(float)(3, float)) is int
    assert make_rule_hook(CREDITS_BUNDLE)(5, CREDITS_BUNDLE) == 5
    assert make_rule_hook(IntegrationTarget | str)("space", None) is IntegrationTarget.SPACE
    stamp = make_rule_hook(datetime)("2024-05-06T07:08:09.1Z", datetime)
    assert stamp.wire == "2024-05-06T07:08:09.1Z"


def test_no_rule_no_hook() -> None:
    """A type without a rule gets no primitive hook (a registration bug, said at once)."""
    assert rule_for(Integration) is None
    with pytest.raises(TypeError, match="no primitive rule"):
        make_rule_hook(Integration)


def test_a_missing_required_key_is_named() -> None:
    """The detailed path names a missing key by its wire path."""
    with pytest.raises(ResponseValidationError) as caught:
        structure({}, ListNext)
    assert caught.value.errors == (("page", "required field is missing"),)


@pytest.fixture
def converter(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh converter for structure_response, to inject broken hooks into."""
    fresh = _converter._Shared()
    monkeypatch.setattr(_converter, "_SHARED", fresh)
    return fresh.converter


@pytest.mark.parametrize("error", [ZeroDivisionError, KeyError, TypeError, AttributeError])
def test_a_bug_below_a_model_propagates(converter: Any, error: type) -> None:
    """An unexpected exception (a bug) is not reported as bad data, even a KeyError or
    TypeError raised below a model's generated function.
    """

    def broken(value: Any, _: Any) -> Any:
        raise error("bug")

    converter.register_structure_hook_func(equal_to(IntegrationUrls), broken)
    page = {"items": [make_integration("github")]}
    with pytest.raises(error):
        structure_response(page, IntegrationList, endpoint="listSpaceIntegrations")


def test_bad_data_gives_a_validation_error() -> None:
    """Invalid data takes the detailed path and ends as ResponseValidationError with a path."""
    page = {"items": [{**make_integration("github"), "verified": "yes"}]}
    with pytest.raises(ResponseValidationError) as caught:
        structure_response(page, IntegrationList, endpoint="listSpaceIntegrations")
    assert caught.value.errors == (("items[0].verified", "expected a boolean, got string 'yes'"),)


def test_wire_names_are_declared_on_the_models() -> None:
    """Fields declare their odd wire keys; a class declares kebab-case; the rest is camelCase."""
    assert wire_name(OrganizationPermissions, "create_open_api_spec") == "createOpenAPISpec"
    assert wire_names(ContentSecurityPolicyDirectives)["script_src_elem"] == "script-src-elem"
    assert wire_names(Integration)["preview_images"] == "previewImages"
    assert "unknown_fields" not in wire_names(Integration)
    assert [f.key for f in model_fields(Integration)] == list(wire_names(Integration).values())


def test_to_dict_needs_the_wire_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an installed unstructure function, to_dict() says what to do."""
    monkeypatch.setattr(_base._Unstructure, "function", None)
    with pytest.raises(RuntimeError, match="import gitbook_async"):
        ListNext(page="p").to_dict()


def test_an_optional_wire_field_must_default_to_none() -> None:
    """Both paths read an absent key as None, so another default is refused at generation."""

    @attrs.frozen
    class Odd:
        flag: bool = False

    odd: Any = Odd
    with pytest.raises(TypeError, match=r"Odd\.flag: an optional wire field defaults to None"):
        model_fields(odd)


def test_a_long_bad_value_is_shown_shortened() -> None:
    """An error message shows at most 60 characters of the bad value."""
    with pytest.raises(ResponseValidationError) as caught:
        structure({"page": list(range(100))}, ListNext)
    (path, problem), *_ = caught.value.errors
    assert path == "page"
    assert problem.startswith("expected a string, got array [0, 1, 2")
    assert problem.endswith("...")
    assert len(problem) < 100


@pytest.mark.parametrize("value", [[], "schema", {"unrelated": 1}])
def test_a_configuration_of_neither_shape_is_refused(value: Any) -> None:
    """A configuration that is no object, or has neither 'properties' nor 'componentId', is
    invalid on both paths, with the same message.
    """
    hook = DETAILED.get_structure_hook(IntegrationConfiguration)
    with pytest.raises(InvalidWireData, match="'properties' \\(schema\\) or 'componentId'"):
        hook(value, IntegrationConfiguration)


def test_the_open_enum_rules_come_from_the_types() -> None:
    """``E | str`` reads strings only; ``E | str | int`` (declared on the model, no domain
    class named by the wire layer) keeps a JSON integer as an int.
    """
    assert make_rule_hook(CREDITS_BUNDLE)("none", None) is BillingCreditsBundle.NONE
    assert type(make_rule_hook(CREDITS_BUNDLE)(5, None)) is int
    with pytest.raises(InvalidWireData):
        make_rule_hook(CREDITS_BUNDLE)(True, None)
    with pytest.raises(InvalidWireData):
        make_rule_hook(IntegrationTarget | str)(5, None)
    assert rule_for(IntegrationTarget | str | float) is None
