"""Tests for tools/drift.py: our models against the spec versions, and the committed report."""

from __future__ import annotations

import copy
import functools
import gc
from pathlib import Path
from typing import Any

import pytest

from tools import drift
from tools.drift import Finding, Report
from tools.spec_schemas import Schema, dumps, load_json

REPO_ROOT = Path(__file__).resolve().parent.parent
SPECS_DIR = REPO_ROOT.parent / "shared" / "gitbook-openapi"
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures" / "spec"
DRIFT_DOC = REPO_ROOT / "docs" / "spec-drift-0.202.0.md"
# What the spec requires but the models keep optional on purpose (older or newer servers do
# not send it); tests/test_contract.py's OPTIONAL_IN_MODELS mirrors this list.
OPTIONAL_ON_PURPOSE = {
    "0.137.0": {"Organization.permissions.ingestConversations"},
    "0.202.0": {
        "Integration.urls.publicContentEndpoint",
        "Organization.mergeRules",
        "Organization.permissions.access",
        "Organization.trial.count",
        "OrganizationBilling.aiCreditAlertThreshold",
        "OrganizationBilling.canChangeInterval",
        "OrganizationBilling.canCheckout",
        "OrganizationBilling.canUseSAML",
        "OrganizationBilling.creditsBundle",
    },
}
OPTIONAL_MESSAGE = "required by the spec, optional in the models"


@functools.cache
def _fixture(version: str) -> Schema:
    loaded: Schema = load_json(FIXTURES_DIR / f"{version}.json")
    return loaded


def _fresh(version: str) -> Schema:
    return copy.deepcopy(_fixture(version))


def _report(version: str) -> Report:
    return drift.drift(_fixture(version))


def _findings(report: Report) -> set[tuple[str, str, str]]:
    return {(f.kind, f.where, f.what) for f in report.findings}


def _spec_path(version: str) -> Path:
    path = SPECS_DIR / version / "openapi.json"
    if not path.is_file():
        pytest.skip(f"GitBook OpenAPI {version} not found at {path} (../shared is absent)")
    return path


# --- our models against the real specs ----------------------------------------------------------


def test_nothing_is_missing_against_0_137_0() -> None:
    """The models cover all of 0.137.0: nothing rejected or missing, exit status 0."""
    report = _report("0.137.0")
    assert report.of("rejected") == []
    assert report.of("missing") == []
    assert report.exit_status == 0


def test_what_0_202_0_adds_is_adopted() -> None:
    """Everything 0.202.0 adds is modelled; its removals remain, as informational extras."""
    report = _report("0.202.0")
    assert report.of("rejected") == []
    assert report.of("missing") == []
    assert report.exit_status == 0
    found = _findings(report)
    assert ("extra", "IntegrationCategory", "member GITSYNC ('gitsync') not in the spec") in found
    assert (
        "extra",
        "Organization.internal_isOnNewTrial",
        "Organization field not in the spec",
    ) in found
    assert any(f.where == "listSpaceIntegrationScripts" for f in report.of("extra"))


@pytest.mark.parametrize("version", sorted(OPTIONAL_ON_PURPOSE))
def test_fields_kept_optional_on_purpose_are_exactly_the_listed_ones(version: str) -> None:
    """Required-ness differs only where the models chose so (older or newer servers)."""
    optional = {f.where for f in _report(version).of("extra") if f.what == OPTIONAL_MESSAGE}
    assert optional == OPTIONAL_ON_PURPOSE[version]


def test_fields_added_by_0_202_0_are_extra_against_0_137_0() -> None:
    """Fields adopted from 0.202.0 show up against 0.137.0 as extra, never as missing."""
    extra = {f.where for f in _report("0.137.0").of("extra")}
    assert {
        "Organization.mergeRules",
        "Organization.trial.count",
        "Organization.auditLogs",
    } <= extra


def test_every_inline_table_entry_is_used() -> None:
    """INLINE_CLASSES names no location that neither spec version has."""
    used: set[str] = set()
    for version in ("0.137.0", "0.202.0"):
        spec = drift.Spec(_fixture(version))
        seen: set[str] = set()
        for operation, endpoint in _fixture(version)["endpoints"].items():
            used |= {where for where, _ in spec.walk(endpoint["schema"], operation, seen)}
    assert set(drift.INLINE_CLASSES) <= used


# --- the committed report ---------------------------------------------------------------------


def test_committed_report_is_the_tool_output_for_the_spec(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/spec-drift-0.202.0.md is what the tool writes for the real 0.202.0 spec."""
    status = drift.main([str(_spec_path("0.202.0")), "--format", "markdown"])
    assert status == 0
    assert capsys.readouterr().out == DRIFT_DOC.read_text(encoding="utf-8")


def test_committed_report_is_the_tool_output_for_the_fixture() -> None:
    """The same from the committed fixture (derived from that spec), so it runs anywhere."""
    assert drift.render_markdown(_report("0.202.0")) == DRIFT_DOC.read_text(encoding="utf-8")


def test_the_0_137_0_spec_itself_gives_exit_status_0(capsys: pytest.CaptureFixture[str]) -> None:
    """Run on openapi.json 0.137.0, the tool exits 0 and says so."""
    assert drift.main([str(_spec_path("0.137.0"))]) == 0
    assert "Nothing in this spec is missing from the models" in capsys.readouterr().out


# --- detection, on fixtures edited to drift ---------------------------------------------------


def _organization(fixture: Schema) -> Schema:
    organization: Schema = fixture["components"]["Organization"]
    return organization


def test_a_new_property_is_missing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A property only the spec has is missing; the exit status is 1."""
    fixture = _fresh("0.202.0")
    _organization(fixture)["properties"]["brandColor"] = {"type": "string"}
    path = tmp_path / "fixture.json"
    path.write_text(dumps(fixture))
    assert drift.main([str(path)]) == 1
    out = capsys.readouterr().out
    assert "- Organization.brandColor: property missing from Organization" in out
    assert "(exit status 1)" in out


def test_a_new_enum_value_and_a_new_schema_are_missing() -> None:
    """A value the enum lacks, and an object schema without a model class, are missing."""
    fixture = _fresh("0.202.0")
    fixture["components"]["BillingInterval"]["enum"].append("weekly")
    _organization(fixture)["properties"]["branding"] = {
        "type": "object",
        "properties": {"color": {"type": "string"}},
    }
    found = _findings(drift.drift(fixture))
    assert (
        "missing",
        "BillingInterval",
        "value 'weekly' missing from BillingInterval",
    ) in found
    assert ("missing", "Organization.branding", "object schema has no model class") in found


def test_a_new_named_enum_without_a_class_is_missing() -> None:
    """An enum component with no OpenEnum of its name is missing."""
    fixture = _fresh("0.202.0")
    fixture["components"]["Tier"] = {"type": "string", "enum": ["gold", "silver"]}
    _organization(fixture)["properties"]["tier"] = {"$ref": "#/components/Tier"}
    found = _findings(drift.drift(fixture))
    assert ("missing", "Tier", "enum schema has no model class Tier") in found
    assert (
        "missing",
        "Organization.tier",
        "enum ['gold', 'silver'] is a plain value in the models",
    ) not in found  # the property itself is missing, not compared
    assert ("missing", "Organization.tier", "property missing from Organization") in found


def test_a_field_the_spec_makes_optional_is_rejected() -> None:
    """A field the models require but the spec does not would fail a valid response."""
    fixture = _fresh("0.137.0")
    _organization(fixture)["required"].remove("inviteLinks")
    report = drift.drift(fixture)
    assert report.exit_status == 1
    assert (
        Finding(
            "rejected", "Organization.inviteLinks", "optional in the spec, required by the models"
        )
        in report.findings
    )


@pytest.mark.parametrize(
    ("schema", "rejected", "extra"),
    [
        ({"type": "string"}, "the spec allows string; the models do not accept it", None),
        (
            {"type": ["boolean", "null"]},
            "the spec allows null; the models do not accept it",
            None,
        ),
        ({"type": "integer"}, "the spec allows integer; the models do not accept it", None),
    ],
)
def test_a_type_the_models_do_not_accept_is_rejected(
    schema: Schema, rejected: str, extra: str | None
) -> None:
    """Organization.inviteLinks (a required bool) given another type, or made nullable."""
    fixture = _fresh("0.137.0")
    _organization(fixture)["properties"]["inviteLinks"] = schema
    found = _findings(drift.drift(fixture))
    assert ("rejected", "Organization.inviteLinks", rejected) in found


def test_a_narrower_spec_type_is_an_extra() -> None:
    """A number field the spec narrows to integer is fine; a float field stays accepted."""
    fixture = _fresh("0.137.0")
    fixture["components"]["List"]["properties"]["count"] = {"type": "integer"}
    fixture["components"]["Integration"]["properties"]["version"] = {"type": "string"}
    found = _findings(drift.drift(fixture))
    assert not any(where == "listSpaceIntegrations.count" for _, where, _ in found)
    assert (
        "rejected",
        "Integration.version",
        "the spec allows string; the models do not accept it",
    ) in found
    assert ("extra", "Integration.version", "the models also accept number") in found


def test_a_removed_enum_value_and_property_are_extra() -> None:
    """What only the models have is informational: exit status 0."""
    fixture = _fresh("0.137.0")
    fixture["components"]["MemberRole"]["enum"].remove("review")
    del _organization(fixture)["properties"]["sso"]
    report = drift.drift(fixture)
    assert report.exit_status == 0
    found = _findings(report)
    assert ("extra", "MemberRole", "member REVIEW ('review') not in the spec") in found
    assert ("extra", "Organization.sso", "Organization field not in the spec") in found


def test_array_and_map_types_are_compared_inside() -> None:
    """Items of arrays and values of maps are compared like fields."""
    fixture = _fresh("0.137.0")
    fixture["components"]["OrganizationEmailDomains"]["items"] = {"type": "integer"}
    fixture["components"]["OrganizationBilling"]["properties"]["usageAddons"][
        "additionalProperties"
    ] = {"type": "boolean"}
    found = _findings(drift.drift(fixture))
    assert (
        "rejected",
        "Organization.emailDomains",
        "the spec allows array of integer; the models do not accept it",
    ) in found
    assert (
        "rejected",
        "OrganizationBilling.usageAddons",
        "the spec allows map of boolean; the models do not accept it",
    ) in found


def test_formats_render_every_section() -> None:
    """Both formats list each kind under its heading, '(none)'/'None.' when empty."""
    report = Report(
        version="9.9.9",
        endpoints=("listSpaceIntegrations",),
        findings=[Finding("missing", "A.b", "property missing from A")],
    )
    text = drift.render_text(report)
    assert "In the spec, missing from the models (1):\n  - A.b: property missing from A" in text
    assert "Allowed by the spec, rejected by the models (0):\n  (none)" in text
    markdown = drift.render_markdown(report)
    assert markdown.startswith("# Spec drift: GitBook OpenAPI 9.9.9\n")
    assert "- `A.b`: property missing from A" in markdown
    assert "None." in markdown
    assert report.exit_status == 1


def test_model_atoms_read_field_types() -> None:
    """Field types map to JSON types; a base class also stands for its subclasses."""
    from gitbook_async import models

    atoms: Any = drift.model_atoms(models.MergeRule | None)
    assert atoms == {
        ("null",),
        ("object", "MergeRule"),
        ("object", "UsersMergeRule"),
        ("object", "CustomMergeRule"),
    }
    assert drift.model_atoms(tuple[models.IntegrationScope | str, ...]) == {
        ("array", frozenset({("string",)}))
    }


def test_a_base_class_stands_for_its_public_subclasses_only() -> None:
    """A class derived from a model outside gitbook_async.models (such as the fast path's
    private twins) is not a model: the drift report reads the public list of models.
    """
    from gitbook_async import models

    class Stray(models.MergeRule):
        __slots__ = ()

    try:
        assert drift.model_atoms(models.MergeRule) == {
            ("object", "MergeRule"),
            ("object", "UsersMergeRule"),
            ("object", "CustomMergeRule"),
        }
    finally:
        del Stray
        gc.collect()  # out of MergeRule.__subclasses__() again
