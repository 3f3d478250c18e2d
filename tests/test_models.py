"""Models and the converter against payloads derived from GitBook's spec (tools/spec_payloads)."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest

from gitbook_async import (
    BooleanConfigurationProperty,
    ButtonConfigurationProperty,
    ConfigurationProperty,
    ContentSecurityPolicyDirectives,
    GitBookModel,
    Integration,
    IntegrationConfigurationComponent,
    IntegrationConfigurationSchema,
    IntegrationList,
    IntegrationTarget,
    NumberConfigurationProperty,
    Organization,
    OrganizationTrial,
    ResponseValidationError,
    SpaceIntegrationBlocks,
    SpaceIntegrationScript,
    StringConfigurationProperty,
    structure,
)
from gitbook_async._wire import decode_models, structure_response
from gitbook_async.testing import make_integration, make_organization
from tools.spec_schemas import json_equal

PAYLOADS = Path(__file__).parent / "fixtures" / "payloads"
ROOT_TYPES: dict[str, Any] = {
    "integrations": IntegrationList,
    "blocks": tuple[SpaceIntegrationBlocks, ...],
    "scripts": tuple[SpaceIntegrationScript, ...],
}
PAYLOAD_FILES = sorted(PAYLOADS.glob("*/*.json"))


def _root_type(path: Path) -> Any:
    return ROOT_TYPES[path.stem.split("-")[0]]


def _unstructure(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_unstructure(item) for item in value]
    assert isinstance(value, GitBookModel)
    return value.to_dict()


@pytest.mark.parametrize("path", PAYLOAD_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_payload_structures_and_round_trips(path: Path) -> None:
    """Every spec-derived payload (0.137.0 and the newer 0.202.0) parses and round-trips."""
    payload = json.loads(path.read_text())
    model = structure(payload, _root_type(path))
    assert json_equal(_unstructure(model), payload)
    assert structure(_unstructure(model), _root_type(path)) == model


def test_payload_fixtures_exist() -> None:
    """The payload fixtures for the target spec are present (so the test above is not empty)."""
    names = {p.name for p in PAYLOAD_FILES if p.parent.name == "0.137.0"}
    assert {"integrations-full.json", "blocks-full.json", "scripts-full.json"} <= names


def _integration() -> dict[str, Any]:
    return make_integration("slack")


def _error(data: Any, type_: Any = Integration) -> ResponseValidationError:
    with pytest.raises(ResponseValidationError) as caught:
        structure(data, type_)
    return caught.value


# --- strict types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("verified", "false", "expected a boolean"),
        ("verified", 1, "expected a boolean"),
        ("version", "3", "expected a number"),
        ("version", True, "expected a number"),
        ("name", 5, "expected a string"),
        ("previewImages", "https://x", "expected an array"),
        ("owner", [], "expected an object"),
    ],
)
def test_wrong_json_types_are_errors_not_coerced(field: str, value: Any, expected: str) -> None:
    """cattrs' coercions ("false" -> True, 1.9 -> 1, 5 -> "5") never happen."""
    data = _integration()
    data[field] = value
    error = _error(data)
    assert error.path == field
    assert expected in error.errors[0][1]


def test_integral_numbers_stay_as_sent() -> None:
    """A number field keeps 3 as int and 3.5 as float, so to_dict() gives the same JSON."""
    for version in (3, 3.5):
        data = _integration()
        data["version"] = version
        integration = structure(data, Integration)
        assert type(integration.version) is type(version)
        assert json_equal(integration.to_dict(), data)


def test_missing_required_field_is_named() -> None:
    """A missing required field is reported at its wire path."""
    data = _integration()
    del data["owner"]["permissions"]["createOpenAPISpec"]
    error = _error(data)
    assert error.errors == (("owner.permissions.createOpenAPISpec", "required field is missing"),)


def test_every_error_is_reported_with_its_path() -> None:
    """Several bad values give several (path, problem) pairs, deepest paths in wire names."""
    page: dict[str, Any] = {"items": [_integration() for _ in range(3)], "count": 3}
    page["items"][1]["owner"]["billing"]["interval"] = 7
    page["items"][2]["owner"]["billing"]["usageAddons"]["ai credits"] = {"enabled": "yes"}
    error = _error(page, IntegrationList)
    paths = [path for path, _ in error.errors]
    assert paths == [
        "items[1].owner.billing.interval",
        "items[2].owner.billing.usageAddons['ai credits'].enabled",
    ]
    assert error.endpoint == "structure()"


def test_document_of_the_wrong_type_has_the_root_path() -> None:
    """A list where an object belongs is reported at the root."""
    error = _error([], IntegrationList)
    assert error.path == ""
    assert "<root>" in str(error)


# --- forward compatibility --------------------------------------------------------------------


def test_unknown_enum_value_is_kept_as_a_string() -> None:
    """An enum value newer than the SDK is kept as a plain str and written back."""
    data = _integration()
    data["target"] = "galaxy"
    data["scopes"] = ["space:content:read", "page:feedback:read"]
    integration = structure(data, Integration)
    assert integration.target == "galaxy"
    assert type(integration.target) is str
    assert integration.scopes[0] is not None
    assert integration.scopes[1] == "page:feedback:read"
    assert integration.to_dict() == data


def test_known_enum_value_is_a_member_equal_to_its_string() -> None:
    """Known enum values become members that still compare and format as strings."""
    data = _integration()
    data["target"] = "space"
    integration = structure(data, Integration)
    assert integration.target == "space"
    assert integration.target is IntegrationTarget.SPACE
    assert f"{integration.target}" == "space"
    assert str(integration.target) == "space"


def test_unknown_fields_are_kept_and_written_back() -> None:
    """Fields the SDK does not model stay readable in unknown_fields and return in to_dict()."""
    data = _integration()
    data["brandNew"] = {"nested": [1, 2]}
    data["owner"]["auditLogs"] = True
    integration = structure(data, Integration)
    assert integration.unknown_fields == {"brandNew": {"nested": [1, 2]}}
    assert integration.owner.unknown_fields.get("auditLogs", True) is True
    assert integration.to_dict() == data
    assert structure(integration.to_dict(), Integration) == integration


def test_explicit_null_and_absent_both_read_none_and_round_trip() -> None:
    """An optional field sent as null reads None and is written back as null, not dropped."""
    with_null = make_organization("org_1")
    with_null["defaultRole"] = None
    absent = make_organization("org_1")
    absent.pop("defaultRole", None)
    for data in (with_null, absent):
        org = structure(data, Organization)
        assert org.default_role is None
        assert org.to_dict() == data


def test_unknown_configuration_property_type_is_kept() -> None:
    """A configuration property of a type newer than the SDK keeps its fields."""
    data = _integration()
    data["configurations"] = {
        "space": {"properties": {"color": {"type": "color", "title": "Color", "palette": ["red"]}}}
    }
    integration = structure(data, Integration)
    assert integration.configurations is not None
    space = integration.configurations.space
    assert isinstance(space, IntegrationConfigurationSchema)
    prop = space.properties["color"]
    assert type(prop) is ConfigurationProperty
    assert prop.unknown_fields == {"palette": ["red"]}
    assert integration.to_dict() == data


# --- unions -----------------------------------------------------------------------------------


def test_configuration_properties_dispatch_on_type() -> None:
    """Each configuration property type becomes its own class."""
    data = _integration()
    data["configurations"] = {
        "account": {
            "properties": {
                "s": {"type": "string", "enum": ["a"], "completion_url": "https://c"},
                "n": {"type": "number", "default": 2},
                "b": {"type": "boolean", "default": False},
                "go": {"type": "button", "callback_url": "https://cb", "button_text": "Go"},
            },
            "required": ["s"],
        },
        "space": {"componentId": "config"},
    }
    configurations = structure(data, Integration).configurations
    assert configurations is not None
    account = configurations.account
    assert isinstance(account, IntegrationConfigurationSchema)
    kinds = {name: type(prop) for name, prop in account.properties.items()}
    assert kinds == {
        "s": StringConfigurationProperty,
        "n": NumberConfigurationProperty,
        "b": BooleanConfigurationProperty,
        "go": ButtonConfigurationProperty,
    }
    assert account.required == ("s",)
    assert configurations.space == IntegrationConfigurationComponent(component_id="config")


def test_configuration_that_is_neither_variant_is_an_error() -> None:
    """A configuration with neither 'properties' nor 'componentId' fails at its path."""
    data = _integration()
    data["configurations"] = {"site": {"something": 1}}
    assert _error(data).path == "configurations.site"


def test_content_security_policy_string_or_directives() -> None:
    """The CSP is a plain string or directives with kebab-case wire names."""
    data = _integration()
    data["contentSecurityPolicy"] = "default-src 'self'"
    assert structure(data, Integration).content_security_policy == "default-src 'self'"
    data["contentSecurityPolicy"] = {"script-src": "'self'", "frame-ancestors": "*"}
    integration = structure(data, Integration)
    assert integration.content_security_policy == ContentSecurityPolicyDirectives(
        script_src="'self'", frame_ancestors="*"
    )
    assert integration.to_dict() == data
    data["contentSecurityPolicy"] = 5
    assert _error(data).path == "contentSecurityPolicy"


# --- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-12T09:41:07.123Z", datetime(2024, 3, 12, 9, 41, 7, 123000, timezone.utc)),
        ("2024-03-12T09:41:07Z", datetime(2024, 3, 12, 9, 41, 7, tzinfo=timezone.utc)),
        (
            "2024-03-12T11:41:07.1234567+02:00",
            datetime(2024, 3, 12, 11, 41, 7, 123456, timezone(timedelta(hours=2))),
        ),
        ("2024-03-12T09:41:07", datetime(2024, 3, 12, 9, 41, 7, tzinfo=timezone.utc)),
    ],
)
def test_timestamps_are_aware_and_keep_their_text(text: str, expected: datetime) -> None:
    """Timestamps become aware datetimes (no offset means UTC) and to_dict() keeps the text."""
    data = make_organization("org_1")
    data["createdAt"] = text
    org = structure(data, Organization)
    assert org.created_at == expected
    assert org.created_at.tzinfo is not None
    assert org.to_dict()["createdAt"] == text


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01T00:00:00Z", "2024-03-12", 1710236467])
def test_invalid_timestamps_are_errors(text: Any) -> None:
    """A value that is not an RFC 3339 date-time fails at its path."""
    data = make_organization("org_1")
    data["createdAt"] = text
    assert _error(data, Organization).path == "createdAt"


def test_user_built_models_serialise_with_utc_z() -> None:
    """A model built in Python writes its datetimes as ISO 8601 with Z and omits None fields."""
    trial = OrganizationTrial(status="active", end_date=datetime(2025, 1, 2, tzinfo=timezone.utc))
    assert trial.to_dict() == {"status": "active", "endDate": "2025-01-02T00:00:00Z"}
    naive = OrganizationTrial(status="active", end_date=datetime(2025, 1, 2, 3, 4, 5))
    assert naive.to_dict()["endDate"] == "2025-01-02T03:04:05Z"


# --- immutability -----------------------------------------------------------------------------


def test_models_are_immutable_all_the_way_down() -> None:
    """Models are frozen and slotted; sequences are tuples and maps are read-only."""
    integration = structure(_integration(), Integration)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        integration.name = "x"  # type: ignore[misc]
    assert isinstance(integration.scopes, tuple)
    assert not hasattr(integration, "__dict__")
    billing = integration.owner.billing
    assert billing is not None
    assert billing.usage_addons
    with pytest.raises(TypeError):
        billing.usage_addons["x"] = next(iter(billing.usage_addons.values()))  # type: ignore[index]


def test_models_without_mappings_are_hashable() -> None:
    """Models whose fields are all hashable can be set members."""
    script = structure({"script": "https://s.js", "cookies": False}, SpaceIntegrationScript)
    assert {script, script} == {script}


def test_structuring_does_not_mutate_the_input() -> None:
    """The input dict is left untouched."""
    data = _integration()
    before = copy.deepcopy(data)
    structure(data, Integration)
    assert data == before


@pytest.mark.parametrize("path", PAYLOAD_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fast_path_accepts_every_valid_payload_and_agrees(path: Path) -> None:
    """The accelerated path reads valid bodies itself (no silent fallback) and agrees."""
    body = path.read_bytes()
    fast = decode_models(body, _root_type(path))
    detailed = structure_response(json.loads(body), _root_type(path), endpoint="test")
    assert fast is not None
    assert fast == detailed
    assert json_equal(_unstructure(fast), json.loads(body))


def test_fast_path_accepts_the_fake_servers_integrations() -> None:
    """The demo data (every field filled) takes the accelerated path too."""
    page = {"items": [_integration(), make_integration("github")], "count": 2}
    fast = decode_models(json.dumps(page).encode(), IntegrationList)
    assert fast is not None
    assert fast.items[1].name == "github"


@pytest.mark.parametrize("path", PAYLOAD_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_structure_of_plain_json_takes_the_accelerated_path(path: Path) -> None:
    """``structure()`` of stored JSON equals the detailed path's models; data that is no
    plain JSON (a tuple for an array) is still rejected as the detailed path rejects it.
    """
    payload = json.loads(path.read_text())
    type_ = _root_type(path)
    assert structure(payload, type_) == structure_response(payload, type_, endpoint="test")
    if isinstance(payload, dict):
        with pytest.raises(ResponseValidationError):
            structure({**payload, "items": tuple(payload["items"])}, type_)
