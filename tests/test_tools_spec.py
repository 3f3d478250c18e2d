"""Tests for tools/spec_schemas.py and tools/spec_payloads.py, and the data they commit."""

from __future__ import annotations

import copy
import functools
import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tools import spec_payloads, spec_schemas
from tools.spec_schemas import Schema, SpecError, derive, json_type, resolve, validate

REPO_ROOT = Path(__file__).resolve().parent.parent
SPECS_DIR = REPO_ROOT.parent / "shared" / "gitbook-openapi"
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures"
VERSIONS = ("0.137.0", "0.202.0")
EXPECTED_PAYLOADS = {
    "0.137.0": {
        f"{n}-{k}.json" for n in ("integrations", "blocks", "scripts") for k in ("full", "minimal")
    },
    "0.202.0": {f"{n}-{k}.json" for n in ("integrations", "blocks") for k in ("full", "minimal")},
}
PROSE_KEYWORDS = {"description", "summary", "title", "example", "examples", "default", "nullable"}
Target = tuple[str, str, str]


def _fixture_path(version: str) -> Path:
    return FIXTURES_DIR / "spec" / f"{version}.json"


def _payload_dir(version: str) -> Path:
    return FIXTURES_DIR / "payloads" / version


@functools.cache
def _fixture(version: str) -> Schema:
    loaded: Schema = spec_schemas.load_json(_fixture_path(version))
    return loaded


def _fresh_fixture(version: str) -> Schema:
    return copy.deepcopy(_fixture(version))


@functools.cache
def _payload(version: str, name: str) -> Any:
    return spec_schemas.load_json(_payload_dir(version) / name)


@functools.cache
def _spec_or_none(version: str) -> Schema | None:
    path = SPECS_DIR / version / "openapi.json"
    if not path.is_file():
        return None
    loaded: Schema = spec_schemas.load_json(path)
    return loaded


def _spec(version: str) -> Schema:
    spec = _spec_or_none(version)
    if spec is None:
        pytest.skip(f"GitBook OpenAPI {version} not found at {SPECS_DIR} (../shared is absent)")
    return spec


def _schema_for(version: str, payload_name: str) -> Schema:
    prefix = payload_name.split("-")[0]
    operation = {v: k for k, v in spec_payloads.PAYLOAD_NAMES.items()}[prefix]
    return resolve(_fixture(version), operation)


def _committed_payloads() -> list[tuple[str, str]]:
    return [(v, p.name) for v in VERSIONS for p in sorted(_payload_dir(v).glob("*.json"))]


# --- the committed data is what the scripts produce -----------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_fixture_is_derived_from_the_spec(version: str, tmp_path: Path) -> None:
    """Regenerating the fixture from the spec reproduces the committed file byte for byte."""
    spec_path = SPECS_DIR / version / "openapi.json"
    _spec(version)
    out = tmp_path / "fixture.json"
    assert spec_schemas.main([str(spec_path), str(out)]) == 0
    assert out.read_bytes() == _fixture_path(version).read_bytes()
    assert spec_schemas.main([str(spec_path), str(_fixture_path(version)), "--check"]) == 0


def test_check_flags_a_stale_or_missing_fixture(tmp_path: Path) -> None:
    """--check exits 1 when the fixture differs from the spec or does not exist."""
    spec_path = SPECS_DIR / "0.137.0" / "openapi.json"
    _spec("0.137.0")
    stale = tmp_path / "stale.json"
    stale.write_text(_fixture_path("0.137.0").read_text().replace("2048", "2049"))
    assert spec_schemas.main([str(spec_path), str(stale), "--check"]) == 1
    assert spec_schemas.main([str(spec_path), str(tmp_path / "missing.json"), "--check"]) == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_payloads_are_what_the_generator_writes(version: str, tmp_path: Path) -> None:
    """Regenerating the payloads from the committed fixture reproduces every committed file."""
    assert spec_payloads.main([str(_fixture_path(version)), str(tmp_path)]) == 0
    written = {p.name for p in tmp_path.iterdir()}
    assert written == EXPECTED_PAYLOADS[version]
    assert {p.name for p in _payload_dir(version).glob("*.json")} == written
    for name in sorted(written):
        assert (tmp_path / name).read_bytes() == (_payload_dir(version) / name).read_bytes(), name
    assert (
        spec_payloads.main([str(_fixture_path(version)), str(_payload_dir(version)), "--check"])
        == 0
    )


def test_payload_check_flags_stale_and_leftover_files(tmp_path: Path) -> None:
    """--check exits 1 for an edited payload and for a payload no longer generated."""
    fixture = str(_fixture_path("0.202.0"))
    shutil.copytree(_payload_dir("0.202.0"), tmp_path / "ok")
    assert spec_payloads.main([fixture, str(tmp_path / "ok"), "--check"]) == 0
    shutil.copy(_payload_dir("0.137.0") / "scripts-full.json", tmp_path / "ok")
    assert spec_payloads.main([fixture, str(tmp_path / "ok"), "--check"]) == 1
    shutil.copytree(_payload_dir("0.202.0"), tmp_path / "edited")
    (tmp_path / "edited" / "blocks-full.json").write_text("[]\n")
    assert spec_payloads.main([fixture, str(tmp_path / "edited"), "--check"]) == 1


# --- the fixtures ---------------------------------------------------------------------------


def test_closure_of_0_137_0() -> None:
    """0.137.0 has the three endpoints and a closure of 44 schemas."""
    fixture = _fixture("0.137.0")
    assert fixture["openapi_version"] == "0.137.0"
    assert fixture["source"] == "GitBook OpenAPI 0.137.0"
    assert fixture["info_version"] == "0.0.1-beta"
    assert fixture["openapi"] == "3.0.3"
    assert set(fixture["endpoints"]) == set(spec_schemas.OPERATION_IDS)
    assert fixture["endpoints"]["listSpaceIntegrations"]["path"] == "/spaces/{spaceId}/integrations"
    names = set(fixture["components"])
    assert len(names) == 44
    assert {
        "Integration",
        "Organization",
        "IntegrationBlock",
        "SpaceIntegrationBlocks",
        "SpaceIntegrationScript",
        "List",
        "OrganizationBilling",
        "OrganizationPricing",
        "MemberRoleOrGuest",
        "IntegrationConfiguration",
        "IntegrationContentSecurityPolicy",
        "Timestamp",
        "URL",
    } <= names


def test_closure_of_0_202_0() -> None:
    """0.202.0 drops listSpaceIntegrationScripts and reaches 51 schemas."""
    fixture = _fixture("0.202.0")
    assert fixture["openapi_version"] == "0.202.0"
    assert fixture["openapi"] == "3.1.0"
    assert "listSpaceIntegrationScripts" not in fixture["endpoints"]
    assert "SpaceIntegrationScript" not in fixture["components"]
    assert len(fixture["components"]) == 51
    assert {"BillingCreditsBundle", "MergeRule", "MergeRulesStandaloneConfiguration"} <= set(
        fixture["components"]
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_prose_is_dropped_but_properties_named_like_keywords_stay(version: str) -> None:
    """No schema keeps a prose keyword; properties called title/description/type/enum survive."""
    fixture = _fixture(version)
    for where, schema in spec_schemas.walk_fixture(fixture):
        assert not PROSE_KEYWORDS & schema.keys(), where
        assert not any(key.startswith("x-") for key in schema), where
    components = fixture["components"]
    assert {"title", "description", "summary"} <= set(components["Integration"]["properties"])
    assert "type" in components["Organization"]["properties"]
    config = components["IntegrationConfigurationSchema"]["properties"]
    assert set(config) == {"properties", "required"}
    union = config["properties"]["additionalProperties"]["allOf"]
    assert set(union[0]["properties"]) == {"title", "description"}
    assert set(union[1]["oneOf"][0]["properties"]) == {"type", "default", "completion_url", "enum"}


def test_nullable_is_translated_to_json_schema() -> None:
    """OpenAPI 3.0 nullable becomes a null type (with null in the enum) or a null branch."""
    components = _fixture("0.137.0")["components"]
    assert components["OrganizationBilling"]["properties"]["endDate"] == {
        "anyOf": [{"$ref": "#/components/Timestamp"}, {"type": "null"}]
    }
    assert components["MemberRoleOrGuest"]["oneOf"][1] == {
        "type": ["string", "null"],
        "enum": [None],
    }


def _mini_spec(schemas: Schema, response: Schema | None = None) -> Schema:
    ok = {
        "content": {"application/json": {"schema": response or {"$ref": "#/components/schemas/A"}}}
    }
    return {
        "openapi": "3.0.3",
        "info": {"version": "0.0.1-beta"},
        "paths": {
            "/x": {"get": {"operationId": "listSpaceIntegrations", "responses": {"200": ok}}}
        },
        "components": {"schemas": schemas},
    }


def test_derive_translates_keywords_structurally() -> None:
    """derive() keeps validation keywords, drops prose and extensions, rewrites $refs."""
    spec = _mini_spec(
        {
            "A": {
                "type": "object",
                "title": "prose",
                "description": "prose",
                "x-internal": True,
                "required": ["title"],
                "properties": {
                    "title": {"type": "string", "description": "prose", "maxLength": 3},
                    "enum": {"type": "string", "nullable": True, "enum": ["a"]},
                    "type": {"$ref": "#/components/schemas/B", "nullable": True},
                    "example": {
                        "$ref": "#/components/schemas/B",
                        "maxLength": 2,
                        "deprecated": True,
                    },
                },
            },
            "B": {"type": "string", "example": "b"},
            "Unused": {"type": "string"},
        }
    )
    fixture = derive(spec)
    assert fixture["openapi_version"] == "0.0.1-beta"
    assert fixture["endpoints"] == {
        "listSpaceIntegrations": {"path": "/x", "schema": {"$ref": "#/components/A"}}
    }
    assert set(fixture["components"]) == {"A", "B"}
    assert fixture["components"]["B"] == {"type": "string"}
    assert fixture["components"]["A"] == {
        "type": "object",
        "required": ["title"],
        "properties": {
            "title": {"type": "string", "maxLength": 3},
            "enum": {"type": ["string", "null"], "enum": ["a", None]},
            "type": {"anyOf": [{"$ref": "#/components/B"}, {"type": "null"}]},
            "example": {
                "allOf": [{"$ref": "#/components/B"}, {"maxLength": 2}],
                "deprecated": True,
            },
        },
    }


@pytest.mark.parametrize(
    ("schemas", "message"),
    [
        ({"A": {"type": "object", "not": {"type": "string"}}}, "unsupported keyword 'not'"),
        ({"A": {"$ref": "#/components/schemas/Missing"}}, "Missing is referenced but not defined"),
        ({"A": {"$ref": "https://example.com/a.json"}}, "unsupported $ref"),
    ],
)
def test_derive_refuses_what_it_cannot_translate(schemas: Schema, message: str) -> None:
    """Unknown keywords, dangling and external $refs raise instead of weakening validation."""
    with pytest.raises(SpecError, match=message.replace("$", r"\$")):
        derive(_mini_spec(schemas))


@pytest.mark.parametrize("version", VERSIONS)
def test_resolve_inlines_every_ref(version: str) -> None:
    """Every component and endpoint resolves to a schema without $ref."""
    fixture = _fixture(version)
    for name in [*fixture["components"], *fixture["endpoints"]]:
        resolved = resolve(fixture, name)
        assert "$ref" not in json.dumps(resolved), name
    assert resolve(fixture, {"$ref": "#/components/URL"}) == fixture["components"]["URL"]
    with pytest.raises(KeyError):
        resolve(fixture, "NoSuchSchema")


def test_resolve_rejects_recursion() -> None:
    """A recursive closure cannot be inlined: resolve() names the cycle."""
    fixture: Schema = {
        "endpoints": {},
        "components": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/B"}}},
            "B": {"type": "array", "items": {"$ref": "#/components/A"}},
        },
    }
    with pytest.raises(SpecError, match="A -> B -> A"):
        resolve(fixture, "A")


def test_unsatisfiable_enum_values_are_reported() -> None:
    """0.202.0's BillingCreditsBundle lists integers in a string enum; 0.137.0 has no such value."""
    assert spec_schemas.unsatisfiable_enum_values(_fixture("0.137.0")) == []
    notes = spec_schemas.unsatisfiable_enum_values(_fixture("0.202.0"))
    assert len(notes) == 4
    assert all(note.startswith("BillingCreditsBundle#") for note in notes)


# --- the validator --------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "name"), _committed_payloads())
def test_committed_payload_validates(version: str, name: str) -> None:
    """Every committed payload conforms to its endpoint's resolved schema."""
    assert validate(_payload(version, name), _schema_for(version, name)) == []


def test_validate_reports_the_instance_path() -> None:
    """An error names the offending value's path, like items[3].owner.billing.interval."""
    payload = copy.deepcopy(_payload("0.137.0", "integrations-full.json"))
    payload["items"][3]["owner"]["billing"]["interval"] = "weekly"
    del payload["items"][1]["owner"]["urls"]["app"]
    errors = validate(payload, _schema_for("0.137.0", "integrations-full.json"))
    assert errors == [
        "items[1].owner.urls: missing required property 'app'",
        'items[3].owner.billing.interval: "weekly" is not one of ["monthly", "yearly"]',
    ]


@pytest.mark.parametrize(
    ("instance", "schema", "problem"),
    [
        (True, {"type": "integer"}, "expected integer, got boolean"),
        (1.5, {"type": "integer"}, "expected integer, got number"),
        (True, {"type": "number"}, "expected number, got boolean"),
        ("1", {"type": ["number", "null"]}, "expected number or null, got string"),
        (1, {"enum": [True]}, "1 is not one of [true]"),
        ("b", {"const": "a"}, '"b" is not "a"'),
        ("a", {"minLength": 2}, "shorter than 2"),
        ("abc", {"maxLength": 2}, "longer than 2"),
        (" a", {"pattern": r"\S.*\S"}, "does not match"),
        (-1, {"minimum": 0}, "less than the minimum 0"),
        (101, {"maximum": 100}, "greater than the maximum 100"),
        ([1, 1.0], {"uniqueItems": True}, "item 1 repeats"),
        ([1, 2], {"maxItems": 1}, "more than 1"),
        ([], {"minItems": 1}, "fewer than 1"),
        ({"a": 1, "b": 2}, {"properties": {"a": {}}, "additionalProperties": False}, "unexpected"),
        ({}, {"required": ["a"]}, "missing required property 'a'"),
        ("2024-02-30T00:00:00Z", {"format": "date-time"}, "not an RFC 3339 date-time"),
        ("2024-03-12 09:41:07Z", {"format": "date-time"}, "not an RFC 3339 date-time"),
        ("2024-03-12T09:41:07", {"format": "date-time"}, "not an RFC 3339 date-time"),
        ("example.com/x", {"format": "uri"}, "not an absolute URI"),
        (1, {"oneOf": [{"type": "number"}, {"type": "integer"}]}, "matches oneOf branches [0, 1]"),
        ("x", {"anyOf": [{"type": "number"}, {"type": "null"}]}, "matches none of the 2 anyOf"),
    ],
)
def test_validate_catches_each_keyword(instance: Any, schema: Schema, problem: str) -> None:
    """Each kept keyword has its violation reported at the root path."""
    errors = validate(instance, schema)
    assert errors
    assert errors[0].startswith("$: "), errors
    assert problem in errors[0], errors


@pytest.mark.parametrize(
    ("instance", "schema"),
    [
        (1.0, {"type": "integer"}),
        (1, {"type": "number", "enum": [1.0]}),
        ("2024-03-12T11:41:07.123456+02:00", {"format": "date-time"}),
        ("2024-02-29T23:59:60z", {"format": "date-time"}),
        ("https://example.com/a?b=c#d", {"format": "uri", "maxLength": 2048}),
        ("anything", {"format": "emoji"}),
        (None, {"oneOf": [{"type": "string"}, {"type": "null"}], "deprecated": True}),
        ({"x": {"enabled": True}}, {"additionalProperties": {"required": ["enabled"]}}),
    ],
)
def test_validate_accepts_conforming_values(instance: Any, schema: Schema) -> None:
    """Conforming instances, including JSON-equal numbers and unknown formats, pass."""
    assert validate(instance, schema) == []


def test_validate_needs_a_resolved_schema() -> None:
    """A $ref or an unknown keyword is an error in the schema, not in the instance."""
    with pytest.raises(SpecError, match="resolve"):
        validate("x", {"$ref": "#/components/URL"})
    with pytest.raises(SpecError, match="propertyNames"):
        validate({}, {"propertyNames": {"maxLength": 1}})


def test_validate_writes_paths_as_the_sdk_does() -> None:
    """Error paths are written as the SDK writes them (odd keys in brackets); ``$`` is the root."""
    schema: Schema = {"additionalProperties": {"type": "integer"}}
    assert validate({"base-uri": "x", "space:views:read": 1.5}, schema) == [
        "base-uri: expected integer, got string",
        "['space:views:read']: expected integer, got number",
    ]
    assert validate("x", {"type": "integer"}) == ["$: expected integer, got string"]


def _mutations(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    paths = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            paths += _mutations(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            paths += _mutations(item, (*path, i))
    return paths


def _replaced(document: Any, path: tuple[str | int, ...], new: Any) -> Any:
    copied = copy.deepcopy(document)
    parent = copied
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = new
    return copied


def _independent_format_checker(jsonschema: Any) -> Any:
    """Check date-time and uri with the standard library, not with our validator's code."""

    def date_time(value: object) -> bool:
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return "T" in value and parsed.tzinfo is not None
        return True

    def uri(value: object) -> bool:
        return not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date-time", raises=ValueError)(date_time)
    checker.checks("uri")(uri)
    return checker


def test_validator_agrees_with_jsonschema() -> None:
    """On payloads and on broken copies of them, our verdicts match the jsonschema package."""
    jsonschema = pytest.importorskip("jsonschema")
    formats = _independent_format_checker(jsonschema)
    for version, name in _committed_payloads():
        schema = _schema_for(version, name)
        checker = jsonschema.Draft202012Validator(schema, format_checker=formats)
        assert checker.is_valid(_payload(version, name))
    schema = resolve(_fixture("0.202.0"), "Integration")
    checker = jsonschema.Draft202012Validator(schema, format_checker=formats)
    item = _payload("0.202.0", "integrations-full.json")["items"][4]
    verdicts = []
    for i, path in enumerate(_mutations(item)[1::7]):
        for new in ({"unexpected": i}, None, "weekly", 1.5):
            broken = _replaced(item, path, new)
            ours = not validate(broken, schema)
            assert ours == checker.is_valid(broken), (path, new)
            verdicts.append(ours)
    assert True in verdicts
    assert False in verdicts


# --- the payloads ---------------------------------------------------------------------------


def _kinds(schema: Schema) -> list[str]:
    kind = schema.get("type")
    return kind if isinstance(kind, list) else [kind] if kind else []


def _expected_targets(schema: Schema, where: str, out: set[Target]) -> None:
    """Collect every option a full payload must exercise under ``schema``."""
    if "enum" in schema:
        for value in spec_schemas.satisfiable_enum_values(schema):
            out.add((where, "enum", json.dumps(value)))
    elif "const" not in schema:
        kinds = _kinds(schema)
        if len(kinds) > 1:
            out.update((where, "type", kind) for kind in kinds)
        if "number" in kinds:
            out.update({(where, "number", "integral"), (where, "number", "fractional")})
        if "boolean" in kinds:
            out.update({(where, "boolean", "true"), (where, "boolean", "false")})
    for keyword in ("oneOf", "anyOf"):
        for i, branch in enumerate(schema.get(keyword, ())):
            out.add((where, keyword, str(i)))
            _expected_targets(branch, f"{where}/{keyword}/{i}", out)
    for i, part in enumerate(schema.get("allOf", ())):
        _expected_targets(part, f"{where}/allOf/{i}", out)
    for name, sub in schema.get("properties", {}).items():
        out.add((where, "property", name))
        _expected_targets(sub, f"{where}/properties/{name}", out)
    if isinstance(schema.get("additionalProperties"), dict):
        out.add((where, "map", "2+ entries"))
        _expected_targets(schema["additionalProperties"], f"{where}/additionalProperties", out)
    if isinstance(schema.get("items"), dict):
        _expected_targets(schema["items"], f"{where}/items", out)


def _exercised_targets(value: Any, schema: Schema, where: str, out: set[Target]) -> None:
    """Collect the options ``value`` exercises, independently of the generator's bookkeeping."""
    kind = json_type(value)
    kinds = _kinds(schema)
    if "enum" in schema:
        out.add((where, "enum", json.dumps(value)))
    if len(kinds) > 1:
        out.add((where, "type", "number" if kind == "integer" and "integer" not in kinds else kind))
    if kind in ("integer", "number") and "number" in kinds:
        out.add((where, "number", "integral" if float(value).is_integer() else "fractional"))
    if kind == "boolean":
        out.add((where, "boolean", json.dumps(value)))
    for keyword in ("oneOf", "anyOf"):
        for i, branch in enumerate(schema.get(keyword, ())):
            if not validate(value, branch):
                out.add((where, keyword, str(i)))
                _exercised_targets(value, branch, f"{where}/{keyword}/{i}", out)
    for i, part in enumerate(schema.get("allOf", ())):
        _exercised_targets(value, part, f"{where}/allOf/{i}", out)
    if kind == "object":
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            if name in properties:
                out.add((where, "property", name))
                _exercised_targets(item, properties[name], f"{where}/properties/{name}", out)
            elif isinstance(extra, dict):
                _exercised_targets(item, extra, f"{where}/additionalProperties", out)
        if isinstance(extra, dict) and len(value.keys() - properties.keys()) >= 2:
            out.add((where, "map", "2+ entries"))
    if kind == "array" and isinstance(schema.get("items"), dict):
        for item in value:
            _exercised_targets(item, schema["items"], f"{where}/items", out)


def _element_schema(version: str, name: str) -> Schema:
    schema = _schema_for(version, name)
    if schema.get("type") == "array":
        items: Schema = schema["items"]
        return items
    listed: Schema = schema["allOf"][1]["properties"]["items"]["items"]
    return listed


def _elements(version: str, name: str) -> list[Any]:
    payload = _payload(version, name)
    elements: list[Any] = payload if isinstance(payload, list) else payload["items"]
    return elements


@pytest.mark.parametrize(("version", "name"), [c for c in _committed_payloads() if "-full" in c[1]])
def test_full_payload_exercises_every_option(version: str, name: str) -> None:
    """Every property, enum value, branch, type, map and number kind appears at least once."""
    element = _element_schema(version, name)
    expected: set[Target] = set()
    _expected_targets(element, "#", expected)
    exercised: set[Target] = set()
    for value in _elements(version, name):
        _exercised_targets(value, element, "#", exercised)
    assert sorted(expected - exercised) == []


@pytest.mark.parametrize(
    ("version", "name"), [c for c in _committed_payloads() if "-minimal" in c[1]]
)
def test_minimal_payload_has_only_required_properties(version: str, name: str) -> None:
    """No optional property appears in a minimal payload, and there is no next page."""
    element = _element_schema(version, name)
    optional = {
        (where, "property", prop)
        for where, schema in spec_schemas.walk(element)
        for prop in schema.get("properties", {})
        if prop not in schema.get("required", ())
    }
    exercised: set[Target] = set()
    for value in _elements(version, name):
        _exercised_targets(value, element, "#", exercised)
    assert sorted(optional & exercised) == []
    assert len(_elements(version, name)) == spec_payloads.MINIMAL_COLLECTION
    payload = _payload(version, name)
    if isinstance(payload, dict):
        assert set(payload) == {"items"}


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    )
    return set().union(*(_strings(child) for child in children)) if children else set()


@pytest.mark.parametrize("version", VERSIONS)
def test_integrations_full_covers_what_model_tests_need(version: str) -> None:
    """The integrations page spells out the cases the models must handle."""
    payload = _payload(version, "integrations-full.json")
    items = payload["items"]
    assert payload["count"] == len(items)
    assert payload["next"] == {"page": spec_payloads.NEXT_PAGE_CURSOR}
    assert set(spec_payloads.DATE_TIMES) <= _strings(payload)
    assert {type(item["version"]) for item in items} == {int, float}
    assert {type(item["owner"]["billing"]["endDate"]) for item in items} == {str, type(None)}
    assert {type(item["owner"].get("defaultRole")) for item in items} == {str, type(None)}
    assert {type(item["contentSecurityPolicy"]) for item in items} == {str, dict}
    configurations = [c for item in items for c in item["configurations"].values()]
    assert any("componentId" in c for c in configurations)
    assert {prop["type"] for c in configurations for prop in c.get("properties", {}).values()} == {
        "string",
        "number",
        "boolean",
        "button",
    }
    assert all(len(item["owner"]["billing"]["usageAddons"]) == 2 for item in items)


def test_payloads_without_the_endpoint_are_not_generated() -> None:
    """A fixture without listSpaceIntegrationScripts yields no scripts payloads."""
    names = set(spec_payloads.build_payloads(_fresh_fixture("0.202.0")))
    assert names == EXPECTED_PAYLOADS["0.202.0"]


def test_generator_respects_numeric_bounds_and_rotates_enums() -> None:
    """Maximal instances honour minimum/maximum and cover each enum value across the list."""
    schema: Schema = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "n": {"type": "number", "minimum": 0, "maximum": 1},
                "e": {"type": "string", "enum": ["a", "b", "c", "d", "e"]},
                "s": {"type": "string", "minLength": 12, "maxLength": 12},
            },
        },
    }
    elements = spec_payloads.full_payload(schema)
    assert validate(elements, schema) == []
    assert {e["e"] for e in elements} == {"a", "b", "c", "d", "e"}
    assert {e["n"] for e in elements} == {1, 0.5}


def test_generator_refuses_an_unsatisfiable_pattern() -> None:
    """When its string cannot match a pattern, the walker raises instead of writing bad data."""
    with pytest.raises(SpecError, match="breaks the string constraints"):
        spec_payloads.InstanceGenerator(spec_payloads.Rotation(), full=True).generate(
            {"type": "string", "pattern": "^[0-9]+$"}
        )


# --- hypothesis-jsonschema ------------------------------------------------------------------


def test_hypothesis_jsonschema_generates_from_a_resolved_schema() -> None:
    """from_schema(resolve(fixture, "SpaceIntegrationScript")) yields examples we accept."""
    hypothesis = pytest.importorskip("hypothesis")
    from_schema = pytest.importorskip("hypothesis_jsonschema").from_schema
    schema = resolve(_fixture("0.137.0"), "SpaceIntegrationScript")
    seen: list[Any] = []

    def check(example: Any) -> None:
        assert validate(example, schema) == []
        seen.append(example)

    settings = hypothesis.settings(max_examples=5, deadline=None, database=None)
    settings(hypothesis.given(from_schema(schema))(check))()
    assert seen
