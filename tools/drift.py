"""Compare our models with a GitBook OpenAPI spec: what is missing on either side.

Usage::

    python -m tools.drift path/to/openapi.json [--format text|markdown]

The spec is reduced with ``tools.spec_schemas.derive`` to the response schemas of our three
endpoints (a fixture made by that tool is accepted too). Every object schema they reach is
mapped to a model class: a named component to the class of the same name in
``gitbook_async.models``, an inline schema through ``INLINE_CLASSES`` (e.g.
``Integration.urls`` -> ``IntegrationUrls``). For each pair the properties, their
required-ness and their types are compared (attrs fields read through ``wire_fields``); the
values of every enum are compared with the members of the ``OpenEnum`` its field uses.

Findings fall in three kinds, each a section of the report:

* ``rejected`` -- data the spec allows that the models refuse (a field the models require but
  the spec does not, a type the models do not accept): a parse would fail.
* ``missing`` -- what the spec has and the models lack (schemas, properties, enum values):
  such data parses, but only as ``unknown_fields`` or raw strings.
* ``extra`` -- what the models have beyond the spec: fields and enum members the spec does not
  (or no longer) list, fields the spec requires but the models keep optional, types the
  models accept besides the spec's. Forward and backward compatibility put these there on
  purpose, so they are listed for information only.

The exit status is 1 when anything is ``rejected`` or ``missing``, else 0.
"""

from __future__ import annotations

import argparse
import copy
import enum
import itertools
import sys
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from gitbook_async import models
from gitbook_async.models import GitBookModel, OpenEnum
from gitbook_async.models._base import wire_fields
from tools.spec_schemas import Schema, derive, load_json, version_label

Kind = Literal["rejected", "missing", "extra"]
# An abstract JSON type: ("string",), ("array", <atoms>), ("object", "ClassName"), ...
Atom = tuple[Any, ...]
Atoms = frozenset[Atom]

# What each endpoint's response structures into.
ENDPOINT_MODELS: Final[Mapping[str, Any]] = {
    "listSpaceIntegrations": models.IntegrationList,
    "listSpaceIntegrationsBlocks": tuple[models.SpaceIntegrationBlocks, ...],
    "listSpaceIntegrationScripts": tuple[models.SpaceIntegrationScript, ...],
}

# Object schemas without a component name of their own, by location: ``Schema.property``,
# ``[]`` for array items, ``{}`` for map values, ``.oneOf[i]`` for a branch (an ``allOf`` is
# merged into its object first, distributing over a ``oneOf`` inside it).
INLINE_CLASSES: Final[Mapping[str, type[GitBookModel]]] = {
    "listSpaceIntegrations": models.IntegrationList,
    "listSpaceIntegrations.next": models.ListNext,
    "SpaceIntegrationBlocks[]": models.SpaceIntegrationBlocks,
    "Integration.permissions": models.IntegrationPermissions,
    "Integration.urls": models.IntegrationUrls,
    "IntegrationExternalLinks[]": models.IntegrationExternalLink,
    "IntegrationContentSecurityPolicy.oneOf[1]": models.ContentSecurityPolicyDirectives,
    "IntegrationConfigurationSchema.properties{}.oneOf[0]": models.StringConfigurationProperty,
    "IntegrationConfigurationSchema.properties{}.oneOf[1]": models.NumberConfigurationProperty,
    "IntegrationConfigurationSchema.properties{}.oneOf[2]": models.BooleanConfigurationProperty,
    "IntegrationConfigurationSchema.properties{}.oneOf[3]": models.ButtonConfigurationProperty,
    "Organization.blocked": models.OrganizationBlocked,
    "Organization.internal_billingMigration": models.OrganizationBillingMigration,
    "Organization.permissions": models.OrganizationPermissions,
    "Organization.trial": models.OrganizationTrial,
    "Organization.urls": models.OrganizationUrls,
    "OrganizationPricing.members": models.OrganizationMemberPricing,
    "OrganizationPricing.sites": models.OrganizationSitePricing,
    "MergeRule.oneOf[0]": models.UsersMergeRule,
    "MergeRule.oneOf[1]": models.UsersMergeRule,
    "MergeRule.oneOf[2]": models.UsersMergeRule,
    "MergeRule.oneOf[3]": models.MergeRule,
    "MergeRule.oneOf[4]": models.CustomMergeRule,
}

SECTIONS: Final[Mapping[Kind, str]] = {
    "rejected": "Allowed by the spec, rejected by the models",
    "missing": "In the spec, missing from the models",
    "extra": "In the models beyond the spec (kept on purpose; informational)",
}
UNIONS: Final = ("oneOf", "anyOf")
NULL: Final[Atom] = ("null",)


@dataclass(frozen=True, order=True)
class Finding:
    """One difference: its kind, where in the spec (or models) it is, and what it is."""

    kind: Kind
    where: str
    what: str


@dataclass
class Report:
    """The findings for one spec."""

    version: str
    endpoints: tuple[str, ...]
    findings: list[Finding] = field(default_factory=list)

    def of(self, kind: Kind) -> list[Finding]:
        """Return the findings of ``kind``, sorted."""
        return sorted(f for f in self.findings if f.kind == kind)

    @property
    def exit_status(self) -> int:
        """1 when the models reject or miss something of the spec, else 0."""
        return 1 if self.of("rejected") or self.of("missing") else 0


# --- the spec side ----------------------------------------------------------------------------


def _is_null(schema: Schema) -> bool:
    if "enum" in schema:
        return all(value is None for value in schema["enum"])
    return schema.get("type") == "null" and len(schema) == 1


def _merge_objects(parts: Sequence[Schema]) -> Schema:
    out: Schema = {"type": "object", "properties": {}, "required": []}
    for part in parts:
        for name, sub in part.get("properties", {}).items():
            known = out["properties"].get(name)
            out["properties"][name] = sub if known is None else {**known, **sub}
        out["required"] += [r for r in part.get("required", ()) if r not in out["required"]]
        for key, value in part.items():
            if key not in ("properties", "required", "type"):
                out[key] = value
    return out


class Spec:
    """The fixture of one spec, read the way the models see it."""

    def __init__(self, fixture: Schema) -> None:
        self.fixture = fixture
        self.components: Schema = fixture["components"]

    def normalise(self, schema: Schema) -> tuple[Schema, bool]:
        """Return ``schema`` with ``allOf`` merged and null branches dropped, and nullability.

        An ``allOf`` whose parts hold a ``oneOf`` becomes a ``oneOf`` of merged objects; a
        union left with one branch becomes that branch.
        """
        nullable = False
        if "allOf" in schema:
            alternatives = []
            for part in schema["allOf"]:
                part = self.components[_ref_name(part)] if "$ref" in part else part
                branches = next((part[k] for k in UNIONS if k in part), None)
                alternatives.append(branches if branches is not None else [part])
            own = {k: v for k, v in schema.items() if k != "allOf"}
            merged = [_merge_objects([own, *combo]) for combo in itertools.product(*alternatives)]
            schema = merged[0] if len(merged) == 1 else {"oneOf": merged}
        for keyword in UNIONS:
            if keyword in schema:
                branches = [b for b in schema[keyword] if not _is_null(b)]
                nullable = len(branches) < len(schema[keyword])
                if len(branches) == 1:
                    inner, inner_nullable = self.normalise(branches[0])
                    return inner, nullable or inner_nullable
        if "enum" in schema and None in schema["enum"]:
            nullable = True
            schema = {**schema, "enum": [v for v in schema["enum"] if v is not None]}
            if not schema["enum"]:
                return {"type": "null"}, True
        types_ = schema.get("type")
        if isinstance(types_, list) and "null" in types_:
            nullable = True
            rest = [t for t in types_ if t != "null"]
            schema = {**schema, "type": rest[0] if len(rest) == 1 else rest}
        return schema, nullable

    def branches(self, schema: Schema, where: str) -> Iterator[tuple[Schema, str]]:
        """Yield the non-null branches of a union with their locations (original indices)."""
        for keyword in UNIONS:
            for index, branch in enumerate(schema.get(keyword, ())):
                if not _is_null(branch):
                    yield branch, f"{where}.{keyword}[{index}]"

    def located(self, schema: Schema, where: str) -> tuple[Schema, str, bool]:
        """Follow ``$ref``s and normalise; return the schema, its location and nullability."""
        nullable = False
        while True:
            if "$ref" in schema:
                where = _ref_name(schema)
                schema = self.components[where]
                continue
            schema, more_nullable = self.normalise(schema)
            nullable = nullable or more_nullable
            if "$ref" not in schema:
                return schema, where, nullable

    def walk(self, schema: Schema, where: str, seen: set[str]) -> Iterator[tuple[str, Schema]]:
        """Yield ``(location, schema)`` of every object and enum schema reachable, once each."""
        schema, where, _ = self.located(schema, where)
        if where in seen:
            return
        seen.add(where)
        if _object_properties(schema) is not None or "enum" in schema:
            yield where, schema
        for branch, branch_where in self.branches(schema, where):
            yield from self.walk(branch, branch_where, seen)
        for name, sub in (_object_properties(schema) or {}).items():
            yield from self.walk(sub, f"{where}.{name}", seen)
        if isinstance(schema.get("items"), dict):
            yield from self.walk(schema["items"], f"{where}[]", seen)
        if isinstance(schema.get("additionalProperties"), dict):
            yield from self.walk(schema["additionalProperties"], f"{where}{{}}", seen)

    def atoms(self, schema: Schema, where: str) -> Atoms:
        """Return the JSON types ``schema`` allows, objects named by their model class."""
        schema, where, nullable = self.located(schema, where)
        found: set[Atom] = {NULL} if nullable else set()
        if any(k in schema for k in UNIONS):
            for branch, branch_where in self.branches(schema, where):
                found |= self.atoms(branch, branch_where)
            return frozenset(found)
        for type_ in _types(schema):
            if type_ == "string":
                found.add(("date-time",) if schema.get("format") == "date-time" else ("string",))
            elif type_ == "array":
                items = schema.get("items")
                inner = self.atoms(items, f"{where}[]") if isinstance(items, dict) else ANY
                found.add(("array", inner))
            elif type_ == "object":
                found.add(self._object_atom(schema, where))
            else:
                found.add((type_,))
        return frozenset(found)

    def _object_atom(self, schema: Schema, where: str) -> Atom:
        if _object_properties(schema) is not None:
            cls = object_class(where)
            return ("object", cls.__name__ if cls else f"<no class for {where}>")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            return ("map", self.atoms(extra, f"{where}{{}}"))
        return ("map", ANY)

    def enums(self, schema: Schema, where: str) -> Iterator[tuple[str, list[Any]]]:
        """Yield ``(location, values)`` of the enums a property's values come from."""
        schema, where, _ = self.located(schema, where)
        if "enum" in schema:
            yield where, list(schema["enum"])
        for branch, branch_where in self.branches(schema, where):
            yield from self.enums(branch, branch_where)
        if isinstance(schema.get("items"), dict):
            yield from self.enums(schema["items"], f"{where}[]")
        if isinstance(schema.get("additionalProperties"), dict) and not _object_properties(schema):
            yield from self.enums(schema["additionalProperties"], f"{where}{{}}")


ANY: Final[Atoms] = frozenset({("any",)})


def _ref_name(schema: Schema) -> str:
    ref: str = schema["$ref"]
    return ref.rsplit("/", 1)[-1]


def _object_properties(schema: Schema) -> Schema | None:
    if "properties" in schema:
        properties: Schema = schema["properties"]
        return properties
    return None


def _types(schema: Schema) -> list[str]:
    declared = schema.get("type")
    if isinstance(declared, list):
        return declared
    if isinstance(declared, str):
        return [declared]
    if "properties" in schema or "additionalProperties" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    if "enum" in schema:
        return sorted({_json_type(v) for v in schema["enum"]})
    return ["any"]


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def object_class(where: str) -> type[GitBookModel] | None:
    """Return the model class of the object schema at ``where`` (by name, else the table)."""
    if where in INLINE_CLASSES:
        return INLINE_CLASSES[where]
    cls = getattr(models, where, None) if where.isidentifier() else None
    return cls if isinstance(cls, type) and issubclass(cls, GitBookModel) else None


# --- the model side ---------------------------------------------------------------------------


# The model classes, read from the public list rather than ``GitBookModel.__subclasses__()``:
# that also holds classes that are no models (the fast path's private twins, attrs' classes
# replaced by their slotted versions), and the converter dispatches to public classes only.
_MODEL_CLASSES: Final = tuple(
    cls
    for cls in (getattr(models, name) for name in models.__all__)
    if isinstance(cls, type) and issubclass(cls, GitBookModel)
)


def _subclasses(cls: type) -> list[type]:
    """Return the model classes derived from ``cls``, at any depth (not ``cls`` itself)."""
    return [sub for sub in _MODEL_CLASSES if sub is not cls and issubclass(sub, cls)]


def model_atoms(type_: Any) -> Atoms:
    """Return the JSON types a field of ``type_`` accepts (a class: it or its subclasses)."""
    origin = typing.get_origin(type_)
    if origin is typing.Union or origin is types.UnionType:
        return frozenset().union(*(model_atoms(arg) for arg in typing.get_args(type_)))
    if origin is tuple:
        return frozenset({("array", model_atoms(typing.get_args(type_)[0]))})
    if origin is Mapping:
        return frozenset({("map", model_atoms(typing.get_args(type_)[1]))})
    if type_ is type(None):
        return frozenset({NULL})
    if isinstance(type_, type) and issubclass(type_, GitBookModel):
        # The converter dispatches a base class to its subclasses (e.g. by a "type" tag).
        return frozenset(("object", c.__name__) for c in (type_, *_subclasses(type_)))
    simple = {bool: "boolean", int: "integer", float: "number", str: "string"}
    if isinstance(type_, type) and issubclass(type_, OpenEnum):
        return frozenset({("string",)})
    if type_ is datetime:
        return frozenset({("date-time",)})
    if type_ in simple:
        return frozenset({(simple[type_],)})
    return ANY


def model_enums(type_: Any) -> list[type[OpenEnum]]:
    """Return the open enums a field of ``type_`` holds values of."""
    found: list[type[OpenEnum]] = []
    for arg in typing.get_args(type_):
        found += [e for e in model_enums(arg) if e not in found]
    if isinstance(type_, type) and issubclass(type_, OpenEnum):
        found.append(type_)
    return found


def _fields(cls: type[GitBookModel]) -> dict[str, attrs.Attribute[Any]]:
    """Return the wire fields of ``cls`` by wire key."""
    return {key: field for field, key in wire_fields(cls)}


# --- comparing --------------------------------------------------------------------------------


def type_name(type_: Any) -> str:
    """Render a model type briefly: ``tuple[SpaceIntegrationScript, ...]``."""
    if typing.get_origin(type_) is tuple:
        return f"tuple[{type_name(typing.get_args(type_)[0])}, ...]"
    return str(getattr(type_, "__name__", type_))


def describe(atom: Atom) -> str:
    """Render an abstract JSON type for a report."""
    if atom[0] in ("array", "map"):
        inner = " or ".join(sorted(describe(a) for a in atom[1]))
        return f"{'array' if atom[0] == 'array' else 'map'} of {inner}"
    if atom[0] == "object":
        return f"object {atom[1]}"
    kind: str = atom[0]
    return {"date-time": "date-time string", "any": "any value"}.get(kind, kind)


def _accepts(model: Atoms, atom: Atom) -> bool:
    if ("any",) in model:
        return True
    kind = atom[0]
    if kind == "integer":
        return ("integer",) in model or ("number",) in model
    if kind == "date-time":
        return atom in model or ("string",) in model
    if kind in ("array", "map"):
        return any(m[0] == kind and all(_accepts(m[1], inner) for inner in atom[1]) for m in model)
    return atom in model


def _covers(model_atom: Atom, spec: Atoms) -> bool:
    kind = model_atom[0]
    if kind == "number":
        return ("number",) in spec or ("integer",) in spec
    if kind == "string":
        return ("string",) in spec or ("date-time",) in spec
    if kind in ("array", "map"):
        return any(s[0] == kind for s in spec)
    if kind == "object":
        named = {s[1] for s in spec if s[0] == "object"}
        cls = getattr(models, model_atom[1], None)
        subclasses = _subclasses(cls) if isinstance(cls, type) else []
        # A base class whose subclasses the spec names is the converter's fallback.
        return model_atom[1] in named or any(s.__name__ in named for s in subclasses)
    return model_atom in spec or kind in ("any", "null")


def compare_types(spec: Atoms, model: Atoms) -> tuple[list[str], list[str]]:
    """Return (spec types the models reject, types the models accept beyond the spec)."""
    rejected = [describe(a) for a in sorted(spec, key=describe) if not _accepts(model, a)]
    extra = [describe(m) for m in sorted(model, key=describe) if not _covers(m, spec)]
    for kind in ("array", "map"):
        inner_spec = [a for a in spec if a[0] == kind]
        inner_model = [m for m in model if m[0] == kind]
        if len(inner_spec) == 1 and len(inner_model) == 1:
            _, inner_extra = compare_types(inner_spec[0][1], inner_model[0][1])
            extra += [f"{kind} of {e}" for e in inner_extra]
    return rejected, extra


class _Comparison:
    def __init__(self, spec: Spec, report: Report) -> None:
        self.spec = spec
        self.report = report
        # Enum class -> {spec value: locations} gathered from every field typed with it.
        self.enum_values: dict[type[OpenEnum], dict[Any, list[str]]] = {}

    def add(self, kind: Kind, where: str, what: str) -> None:
        self.report.findings.append(Finding(kind, where, what))

    def run(self) -> None:
        endpoints = self.spec.fixture["endpoints"]
        seen: set[str] = set()
        for operation_id, model_type in ENDPOINT_MODELS.items():
            if operation_id not in endpoints:
                shown = type_name(model_type)
                self.add("extra", operation_id, f"endpoint not in the spec (models: {shown})")
                continue
            schema = endpoints[operation_id]["schema"]
            self.types(operation_id, self.spec.atoms(schema, operation_id), model_type)
            for where, found in self.spec.walk(schema, operation_id, seen):
                if "enum" in found:
                    self.enum_schema(where, found)
                else:
                    self.object_schema(where, found)
        for enum_cls, values in sorted(self.enum_values.items(), key=lambda e: e[0].__name__):
            self.enum_members(enum_cls, values)

    def types(self, where: str, spec: Atoms, model_type: Any) -> None:
        rejected, extra = compare_types(spec, model_atoms(model_type))
        for text in rejected:
            self.add("rejected", where, f"the spec allows {text}; the models do not accept it")
        for text in extra:
            self.add("extra", where, f"the models also accept {text}")

    def enum_schema(self, where: str, schema: Schema) -> None:
        # A named enum maps to the OpenEnum of its name; an inline one to its field's enum.
        if where.isidentifier() and not isinstance(getattr(models, where, None), enum.EnumMeta):
            self.add("missing", where, f"enum schema has no model class {where}")

    def object_schema(self, where: str, schema: Schema) -> None:
        cls = object_class(where)
        if cls is None:
            self.add("missing", where, "object schema has no model class")
            return
        properties: Schema = schema["properties"]
        required = set(schema.get("required", ()))
        fields = _fields(cls)
        for name in sorted(properties.keys() - fields.keys()):
            self.add("missing", f"{where}.{name}", f"property missing from {cls.__name__}")
        for name in sorted(fields.keys() - properties.keys()):
            self.add("extra", f"{where}.{name}", f"{cls.__name__} field not in the spec")
        for name in sorted(properties.keys() & fields.keys()):
            self.property(f"{where}.{name}", properties[name], fields[name], name in required)

    def property(
        self, where: str, schema: Schema, field_: attrs.Attribute[Any], required: bool
    ) -> None:
        model_required = field_.default is attrs.NOTHING
        if required and not model_required:
            self.add("extra", where, "required by the spec, optional in the models")
        elif model_required and not required:
            self.add("rejected", where, "optional in the spec, required by the models")
        self.types(where, self.spec.atoms(schema, where), field_.type)
        enums = model_enums(field_.type)
        found = list(self.spec.enums(schema, where))
        for enum_where, values in found:
            values = [v for v in values if v is not None]
            if not enums:
                if len(values) > 1:
                    self.add(
                        "missing", where, f"enum {_short(values)} is a plain value in the models"
                    )
                continue
            target = self._enum_for(enum_where, enums)
            for value in values:
                self.enum_values.setdefault(target, {}).setdefault(value, []).append(enum_where)
        if enums and not found:
            names = ", ".join(e.__name__ for e in enums)
            self.add("extra", where, f"the models list known values ({names}); the spec does not")

    def _enum_for(self, where: str, enums: list[type[OpenEnum]]) -> type[OpenEnum]:
        named = getattr(models, where, None) if where.isidentifier() else None
        if named in enums:
            return typing.cast("type[OpenEnum]", named)
        return enums[0]

    def enum_members(self, enum_cls: type[OpenEnum], spec_values: dict[Any, list[str]]) -> None:
        members = {m.value for m in enum_cls}
        name = enum_cls.__name__
        wire = {_as_member_value(v): v for v in spec_values}
        for member_value, value in sorted(wire.items(), key=lambda item: str(item[0])):
            if member_value not in members:
                where = sorted(set(spec_values[value]))[0]
                self.add("missing", where, f"value {value!r} missing from {name}")
        numbers = sorted(v for v in spec_values if not isinstance(v, str))
        if numbers:
            where = sorted({w for v in numbers for w in spec_values[v]})[0]
            self.add(
                "extra",
                where,
                f"the spec lists JSON numbers {_short(numbers)} in a string enum; {name} holds "
                "them as strings and its fields accept the numbers as well",
            )
        for member in enum_cls:
            if member.value not in wire:
                self.add("extra", name, f"member {member.name} ({member.value!r}) not in the spec")


def _as_member_value(value: Any) -> Any:
    # BillingCreditsBundle: the spec lists integers in a string enum; the members are strings.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _short(values: Sequence[Any]) -> str:
    shown = ", ".join(repr(v) for v in values[:6])
    return f"[{shown}{', ...' if len(values) > 6 else ''}]"


def drift(fixture: Schema) -> Report:
    """Compare the models with a fixture made by ``tools.spec_schemas.derive``."""
    report = Report(
        version=str(fixture.get("openapi_version", "")),
        endpoints=tuple(fixture["endpoints"]),
    )
    _Comparison(Spec(copy.deepcopy(fixture)), report).run()
    return report


# --- output -----------------------------------------------------------------------------------


def render_text(report: Report) -> str:
    """Render ``report`` as plain text."""
    lines = [
        f"Drift between gitbook_async's models and GitBook OpenAPI {report.version}",
        f"Endpoints: {', '.join(report.endpoints)}",
    ]
    for kind, title in SECTIONS.items():
        found = report.of(kind)
        lines += ["", f"{title} ({len(found)}):"]
        lines += [f"  - {f.where}: {f.what}" for f in found] or ["  (none)"]
    lines += ["", _verdict(report)]
    return "\n".join(lines) + "\n"


def render_markdown(report: Report) -> str:
    """Render ``report`` as a Markdown document."""
    lines = [
        f"# Spec drift: GitBook OpenAPI {report.version}",
        "",
        "Generated by `python -m tools.drift path/to/gitbook-openapi/"
        f"{report.version}/openapi.json --format markdown`; do not edit.",
        f"It compares `gitbook_async.models` with the {report.version} response schemas of "
        f"{', '.join(f'`{e}`' for e in report.endpoints)}. Locations name spec schemas: "
        "`Schema.property`, `[]` for array items, `{}` for map values, `.oneOf[i]` for a branch.",
    ]
    for kind, title in SECTIONS.items():
        found = report.of(kind)
        lines += ["", f"## {title} ({len(found)})", ""]
        lines += [f"- `{f.where}`: {f.what}" for f in found] or ["None."]
    lines += ["", f"**{_verdict(report)}**"]
    return "\n".join(lines) + "\n"


def _verdict(report: Report) -> str:
    if report.exit_status:
        return "The models reject or miss part of this spec (exit status 1)."
    return "Nothing in this spec is missing from the models (exit status 0)."


RENDERERS: Final = {"text": render_text, "markdown": render_markdown}


def load_fixture(path: Path) -> Schema:
    """Load an openapi.json (derived here) or a fixture already made by ``spec_schemas``."""
    data: Schema = load_json(path)
    if "endpoints" in data and "components" in data and "paths" not in data:
        return data
    return derive(data, version=version_label(path, data))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.drift",
        description="Compare gitbook_async's models with a GitBook OpenAPI spec.",
    )
    parser.add_argument("spec", type=Path, help="openapi.json (or a spec_schemas fixture)")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text")
    args = parser.parse_args(argv)
    report = drift(load_fixture(args.spec))
    sys.stdout.write(RENDERERS[args.format](report))
    return report.exit_status


if __name__ == "__main__":
    sys.exit(main())
