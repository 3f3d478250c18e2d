"""Derive the space-integration endpoints' response schemas from a GitBook OpenAPI spec.

Usage::

    python -m tools.spec_schemas SPEC_JSON OUT_JSON [--check] [--spec-version X.Y.Z]

The output ("fixture") holds, for each of our endpoints present in the spec, its 200 response
schema, plus the ``$ref`` closure of the components it reaches, reduced to validation keywords:
prose (descriptions, examples, titles) is dropped by walking schemas structurally, so a
*property* named ``title`` or ``description`` survives. OpenAPI 3.0's ``nullable: true`` becomes
JSON Schema (``type: [X, "null"]``, or ``anyOf: [..., {"type": "null"}]`` where there is no
``type`` to extend). ``$ref`` values point into the fixture itself (``#/components/<Name>``).

The output is ``json.dumps(..., sort_keys=True, indent=2)`` plus a newline, so regenerating from
the same spec is byte-stable and ``--check`` (exit status 1 when OUT_JSON is stale) can run in CI.

Also importable: ``derive(spec)``, ``resolve(fixture, name_or_schema)`` (one self-contained
schema, every ``$ref`` inlined) and ``validate(instance, schema)`` (a small validator for exactly
the keywords kept here; error strings start with an instance path such as
``items[3].owner.billing.interval``).
"""

from __future__ import annotations

import argparse
import calendar
import copy
import functools
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from gitbook_async._wire._paths import json_path

Schema = dict[str, Any]
InstancePath = tuple[str | int, ...]
Fail = Callable[[str], None]

# The operations we build an SDK for, in output order.
OPERATION_IDS: tuple[str, ...] = (
    "listSpaceIntegrations",
    "listSpaceIntegrationsBlocks",
    "listSpaceIntegrationScripts",
)
SUCCESS_STATUS = "200"
MEDIA_TYPE = "application/json"
SPEC_REF_PREFIX = "#/components/schemas/"
FIXTURE_REF_PREFIX = "#/components/"

# Keywords copied verbatim (their values are not schemas).
VALUE_KEYWORDS = frozenset(
    {
        "type",
        "required",
        "enum",
        "const",
        "format",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
        "uniqueItems",
        "deprecated",
    }
)
SCHEMA_LIST_KEYWORDS = ("oneOf", "anyOf", "allOf")
# Annotations and OpenAPI extras that never change what validates; dropped.
DROPPED_KEYWORDS = frozenset(
    {
        "$comment",
        "contentEncoding",
        "contentMediaType",
        "default",
        "description",
        "discriminator",
        "example",
        "examples",
        "externalDocs",
        "readOnly",
        "summary",
        "title",
        "writeOnly",
        "xml",
    }
)
# Kept keywords whose value is only an annotation (no effect on validation).
ANNOTATION_KEYWORDS = frozenset({"deprecated"})
SEMVER_RE = re.compile(r"^\d+\.\d+\.\d+$")


class SpecError(ValueError):
    """Raised when a spec, fixture or schema uses something these tools do not handle."""


# --- derive ---------------------------------------------------------------------------------


def derive(spec: Schema, *, version: str | None = None) -> Schema:
    """Return the fixture for ``spec``: endpoint schemas plus their component closure.

    ``version`` labels the spec (e.g. ``"0.137.0"``); GitBook's ``info.version`` is a constant
    ``"0.0.1-beta"``, so it is used only when no label is given and kept as ``info_version``.

    Raises:
        SpecError: a referenced component is missing, a ``$ref`` leaves the schemas, or a schema
            uses a keyword that is neither kept nor known to be prose.
    """
    info_version = str(spec.get("info", {}).get("version", ""))
    label = version or info_version
    schemas: Schema = spec.get("components", {}).get("schemas", {})
    pending: list[str] = []
    endpoints: Schema = {}
    for operation_id in OPERATION_IDS:
        found = _find_operation(spec, operation_id)
        if found is None:
            continue
        path, response_schema = found
        where = f"{operation_id}/responses/{SUCCESS_STATUS}"
        endpoints[operation_id] = {
            "path": path,
            "schema": _translate(response_schema, where, pending),
        }
    components: Schema = {}
    while pending:
        name = pending.pop()
        if name in components:
            continue
        if name not in schemas:
            raise SpecError(f"{SPEC_REF_PREFIX}{name} is referenced but not defined")
        components[name] = _translate(schemas[name], f"{SPEC_REF_PREFIX}{name}", pending)
    return {
        "components": components,
        "endpoints": endpoints,
        "info_version": info_version,
        "openapi": str(spec.get("openapi", "")),
        "openapi_version": label,
        "source": f"GitBook OpenAPI {label}",
    }


def _find_operation(spec: Schema, operation_id: str) -> tuple[str, Any] | None:
    for path, item in spec.get("paths", {}).items():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                try:
                    response = operation["responses"][SUCCESS_STATUS]
                    return path, response["content"][MEDIA_TYPE]["schema"]
                except KeyError as exc:
                    raise SpecError(
                        f"{operation_id}: no {MEDIA_TYPE} schema for {SUCCESS_STATUS}"
                    ) from exc
    return None


def _translate(node: Any, where: str, refs: list[str]) -> Schema:
    """Copy one schema keeping validation keywords; collect referenced component names."""
    if not isinstance(node, dict):
        raise SpecError(f"{where}: expected a schema object, got {type(node).__name__}")
    out: Schema = {}
    nullable = False
    for key, value in node.items():
        here = f"{where}/{key}"
        if key == "$ref":
            if not isinstance(value, str) or not value.startswith(SPEC_REF_PREFIX):
                raise SpecError(f"{here}: unsupported $ref {value!r}")
            name = value[len(SPEC_REF_PREFIX) :]
            refs.append(name)
            out[key] = FIXTURE_REF_PREFIX + name
        elif key == "nullable":
            nullable = value is True
        elif key == "properties":
            out[key] = {
                prop: _translate(sub, f"{here}/{prop}", refs) for prop, sub in value.items()
            }
        elif key in ("items", "additionalProperties"):
            out[key] = value if isinstance(value, bool) else _translate(value, here, refs)
        elif key in SCHEMA_LIST_KEYWORDS:
            out[key] = [_translate(sub, f"{here}/{i}", refs) for i, sub in enumerate(value)]
        elif key in VALUE_KEYWORDS:
            out[key] = copy.deepcopy(value)
        elif key in DROPPED_KEYWORDS or key.startswith("x-"):
            continue
        else:
            raise SpecError(f"{here}: unsupported keyword {key!r}")
    if "$ref" in out and len(out.keys() - ANNOTATION_KEYWORDS) > 1:
        # OpenAPI 3.0 ignores siblings of $ref, 3.1 applies them: keep them, explicitly.
        notes = {key: out.pop(key) for key in ANNOTATION_KEYWORDS & out.keys()}
        out = {"allOf": [{"$ref": out.pop("$ref")}, out], **notes}
    return _make_nullable(out) if nullable else out


def _make_nullable(schema: Schema) -> Schema:
    """Translate OpenAPI 3.0 ``nullable: true`` into JSON Schema."""
    composite = {"$ref", "const", *SCHEMA_LIST_KEYWORDS} & schema.keys()
    if "type" in schema and not composite:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*types, "null"] if "null" not in types else types
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    notes = {key: schema.pop(key) for key in ANNOTATION_KEYWORDS & schema.keys()}
    return {"anyOf": [schema, {"type": "null"}], **notes}


# --- resolve --------------------------------------------------------------------------------


def resolve(fixture: Schema, schema_or_name: Schema | str) -> Schema:
    """Return one self-contained JSON Schema with every ``$ref`` of the fixture inlined.

    ``schema_or_name`` is a schema, a component name or an endpoint's operation id.

    Raises:
        KeyError: the name is neither a component nor an endpoint.
        SpecError: a ``$ref`` is dangling or the components are recursive.
    """
    components: Schema = fixture["components"]
    if isinstance(schema_or_name, str):
        if schema_or_name in components:
            root: Schema = {"$ref": FIXTURE_REF_PREFIX + schema_or_name}
        elif schema_or_name in fixture["endpoints"]:
            root = fixture["endpoints"][schema_or_name]["schema"]
        else:
            raise KeyError(schema_or_name)
    else:
        root = schema_or_name
    return _inline(root, components, ())


def _inline(node: Schema, components: Schema, stack: tuple[str, ...]) -> Schema:
    if "$ref" in node:
        ref = node["$ref"]
        name = ref[len(FIXTURE_REF_PREFIX) :]
        if not ref.startswith(FIXTURE_REF_PREFIX) or name not in components:
            raise SpecError(f"dangling $ref {ref!r}")
        if name in stack:
            raise SpecError(f"recursive schema: {' -> '.join((*stack, name))}")
        target = _inline(components[name], components, (*stack, name))
        # derive() leaves only annotations beside a $ref.
        target.update(copy.deepcopy({k: v for k, v in node.items() if k != "$ref"}))
        return target
    out: Schema = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {prop: _inline(sub, components, stack) for prop, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _inline(value, components, stack)
        elif key in SCHEMA_LIST_KEYWORDS:
            out[key] = [_inline(sub, components, stack) for sub in value]
        else:
            out[key] = copy.deepcopy(value)
    return out


# --- walking ----------------------------------------------------------------------------------


def walk(schema: Schema, where: str = "#") -> Iterator[tuple[str, Schema]]:
    """Yield ``(location, subschema)`` for ``schema`` and every schema nested in it.

    The walk is structural: ``properties`` maps names to schemas, so a property called
    ``title`` or ``enum`` is visited as a schema, never mistaken for a keyword.
    """
    yield where, schema
    for name, sub in schema.get("properties", {}).items():
        yield from walk(sub, f"{where}/properties/{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from walk(schema[key], f"{where}/{key}")
    for key in SCHEMA_LIST_KEYWORDS:
        for i, sub in enumerate(schema.get(key, ())):
            yield from walk(sub, f"{where}/{key}/{i}")


def walk_fixture(fixture: Schema) -> Iterator[tuple[str, Schema]]:
    """Yield every schema of a fixture, endpoints first, each under a readable location."""
    for operation_id, endpoint in fixture["endpoints"].items():
        yield from walk(endpoint["schema"], f"{operation_id}#")
    for name, schema in fixture["components"].items():
        yield from walk(schema, f"{name}#")


def satisfiable_enum_values(schema: Schema) -> list[Any]:
    """Return the ``enum`` values of ``schema`` that its own scalar keywords (type...) accept."""
    rest = {key: value for key, value in schema.items() if key in VALUE_KEYWORDS - {"enum"}}
    return [value for value in schema.get("enum", ()) if not validate(value, rest)]


def unsatisfiable_enum_values(fixture: Schema) -> list[str]:
    """Describe enum values no instance can take (e.g. an integer in a string enum)."""
    notes: list[str] = []
    for where, schema in walk_fixture(fixture):
        valid = satisfiable_enum_values(schema)
        for value in schema.get("enum", ()):
            if not any(json_equal(value, ok) for ok in valid):
                notes.append(f"{where}: enum value {_short(value)} fails its own schema")
    return notes


# --- validate -------------------------------------------------------------------------------

_TYPE_NAMES: tuple[tuple[type[Any], str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)
_DATE_TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$"
)
_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\"<>\\^`{|}]*$")
_VALIDATED_KEYWORDS = (
    VALUE_KEYWORDS | {"properties", "items", "additionalProperties"} | set(SCHEMA_LIST_KEYWORDS)
)


def validate(instance: Any, schema: Schema) -> list[str]:
    """Return the ways ``instance`` violates a resolved ``schema``, ``[]`` when it conforms.

    Each error reads ``"<instance path>: <problem>"``, the path as the SDK's validation
    errors write it (``gitbook_async._wire._paths.json_path``), like
    ``items[3].owner.billing.interval``, and ``$`` for the root. Formats checked: ``date-time``
    (RFC 3339) and ``uri`` (absolute); other formats are annotations.

    Raises:
        SpecError: the schema holds a ``$ref`` (resolve it first) or an unknown keyword.
    """
    errors: list[str] = []
    _validate(instance, schema, (), errors)
    return errors


def json_type(value: Any) -> str:
    """Return the JSON type name of a decoded JSON value (``integer`` for Python ints)."""
    if value is None:
        return "null"
    for python_type, name in _TYPE_NAMES:
        if isinstance(value, python_type):
            return name
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def json_equal(left: Any, right: Any) -> bool:
    """JSON equality: ``1 == 1.0`` but ``True != 1``, recursively."""
    left_type, right_type = json_type(left), json_type(right)
    numeric = {"integer", "number"}
    if left_type in numeric and right_type in numeric:
        return bool(left == right)
    if left_type != right_type:
        return False
    if left_type == "array":
        return len(left) == len(right) and all(map(json_equal, left, right))
    if left_type == "object":
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    return bool(left == right)


def _has_type(value: Any, expected: str) -> bool:
    actual = json_type(value)
    if expected == "number":
        return actual in ("integer", "number")
    if expected == "integer":
        return actual == "integer" or (actual == "number" and float(value).is_integer())
    return actual == expected


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _validate(value: Any, schema: Schema, path: InstancePath, errors: list[str]) -> None:
    unknown = schema.keys() - _VALIDATED_KEYWORDS
    if unknown:
        raise SpecError(f"cannot validate keywords {sorted(unknown)} (resolve $refs first)")

    def fail(problem: str) -> None:
        errors.append(f"{json_path(path) or '$'}: {problem}")

    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_has_type(value, expected) for expected in types):
            fail(f"expected {' or '.join(types)}, got {json_type(value)}")
            return
    if "enum" in schema and not any(json_equal(value, v) for v in schema["enum"]):
        fail(f"{_short(value)} is not one of {_short(schema['enum'])}")
    if "const" in schema and not json_equal(value, schema["const"]):
        fail(f"{_short(value)} is not {_short(schema['const'])}")
    kind = json_type(value)
    if kind == "string":
        _validate_string(value, schema, fail)
    elif kind in ("integer", "number"):
        if "minimum" in schema and value < schema["minimum"]:
            fail(f"{value} is less than the minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            fail(f"{value} is greater than the maximum {schema['maximum']}")
    elif kind == "array":
        _validate_array(value, schema, path, errors, fail)
    elif kind == "object":
        _validate_object(value, schema, path, errors, fail)
    for sub in schema.get("allOf", ()):
        _validate(value, sub, path, errors)
    for keyword in ("oneOf", "anyOf"):
        if keyword in schema:
            _validate_choice(value, keyword, schema[keyword], path, errors, fail)


def _validate_string(value: str, schema: Schema, fail: Fail) -> None:
    if "minLength" in schema and len(value) < schema["minLength"]:
        fail(f"{_short(value)} is shorter than {schema['minLength']} characters")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        fail(f"{_short(value)} is longer than {schema['maxLength']} characters")
    if "pattern" in schema and not _compiled(schema["pattern"]).search(value):
        fail(f"{_short(value)} does not match {schema['pattern']!r}")
    fmt = schema.get("format")
    if fmt == "date-time" and not _is_date_time(value):
        fail(f"{_short(value)} is not an RFC 3339 date-time")
    elif fmt == "uri" and not _URI_RE.match(value):
        fail(f"{_short(value)} is not an absolute URI")


def _is_date_time(value: str) -> bool:
    match = _DATE_TIME_RE.match(value)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    offset_hour, offset_minute = (int(g or 0) for g in match.groups()[6:])
    if not 1 <= month <= 12:
        return False
    days = calendar.monthrange(year, month)[1]
    # Second 60 is a leap second (RFC 3339 section 5.7).
    return (
        1 <= day <= days
        and hour <= 23
        and minute <= 59
        and second <= 60
        and offset_hour <= 23
        and offset_minute <= 59
    )


def _validate_array(
    value: list[Any], schema: Schema, path: InstancePath, errors: list[str], fail: Fail
) -> None:
    if "minItems" in schema and len(value) < schema["minItems"]:
        fail(f"has {len(value)} items, fewer than {schema['minItems']}")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        fail(f"has {len(value)} items, more than {schema['maxItems']}")
    if schema.get("uniqueItems"):
        for i, item in enumerate(value):
            if any(json_equal(item, other) for other in value[:i]):
                fail(f"item {i} repeats an earlier item")
                break
    items = schema.get("items")
    if isinstance(items, dict):
        for i, item in enumerate(value):
            _validate(item, items, (*path, i), errors)
    elif items is False and value:
        fail("expected no items")


def _validate_object(
    value: dict[str, Any], schema: Schema, path: InstancePath, errors: list[str], fail: Fail
) -> None:
    for name in schema.get("required", ()):
        if name not in value:
            fail(f"missing required property {name!r}")
    properties: Schema = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        if name in properties:
            _validate(item, properties[name], (*path, name), errors)
        elif extra is False:
            fail(f"unexpected property {name!r}")
        elif isinstance(extra, dict):
            _validate(item, extra, (*path, name), errors)


def _validate_choice(
    value: Any,
    keyword: str,
    branches: list[Schema],
    path: InstancePath,
    errors: list[str],
    fail: Fail,
) -> None:
    outcomes = [validate_at(value, branch, path) for branch in branches]
    matched = [i for i, branch_errors in enumerate(outcomes) if not branch_errors]
    if not matched:
        closest = min(outcomes, key=len)
        fail(f"matches none of the {len(branches)} {keyword} branches; closest branch says:")
        errors.extend(f"  {error}" for error in closest)
    elif keyword == "oneOf" and len(matched) > 1:
        fail(f"matches {keyword} branches {matched}, expected exactly one")


def validate_at(instance: Any, schema: Schema, path: Sequence[str | int]) -> list[str]:
    """Like :func:`validate`, reporting paths below ``path`` (for nested checks)."""
    errors: list[str] = []
    _validate(instance, schema, tuple(path), errors)
    return errors


# --- files and command line -----------------------------------------------------------------


def dumps(data: Any) -> str:
    """Serialise JSON the byte-stable way every generated file uses."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_json(path: Path) -> Any:
    """Read a UTF-8 JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


def version_label(spec_path: Path, spec: Schema) -> str:
    """Label a spec by its directory (``.../0.137.0/openapi.json``), else ``info.version``."""
    name = spec_path.resolve().parent.name
    return name if SEMVER_RE.match(name) else str(spec.get("info", {}).get("version", ""))


def write_or_check(out: Path, text: str, *, check: bool) -> bool:
    """Write ``text`` to ``out``, or with ``check`` report whether it already matches."""
    if check:
        current = out.read_text(encoding="utf-8") if out.is_file() else None
        if current != text:
            print(f"{out}: stale or missing; regenerate it", file=sys.stderr)
            return False
        return True
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.spec_schemas",
        description="Derive the space-integration response schemas from a GitBook openapi.json.",
    )
    parser.add_argument("spec", type=Path, help="path to openapi.json")
    parser.add_argument("out", type=Path, help="fixture file to write")
    parser.add_argument("--check", action="store_true", help="exit 1 if OUT is stale")
    parser.add_argument("--spec-version", help="version label (default: the spec's directory)")
    args = parser.parse_args(argv)
    spec = load_json(args.spec)
    fixture = derive(spec, version=args.spec_version or version_label(args.spec, spec))
    return 0 if write_or_check(args.out, dumps(fixture), check=args.check) else 1


if __name__ == "__main__":
    sys.exit(main())
