"""Build deterministic example payloads for the space-integration endpoints from a fixture.

Usage::

    python -m tools.spec_payloads FIXTURE_JSON OUT_DIR [--check]

For each endpoint in the fixture (made by ``tools.spec_schemas``) this writes
``<name>-full.json`` and ``<name>-minimal.json`` (``integrations``, ``blocks``, ``scripts``).
Nothing is hand-written: a schema walker makes every value.

* The *maximal* walk includes every property, two entries in each ``additionalProperties`` map
  and two items in each nested array. At every choice point (enum value, ``oneOf``/``anyOf``
  branch, one type of a type list such as ``["string", "null"]``, integral or fractional
  ``number``, ``true``/``false``, one of three RFC 3339 date-time forms) a :class:`Coverage`
  picks an option not exercised yet, else the branch hiding the most unexercised options. The
  listed objects keep coming until every option of every choice point has appeared.
* The *minimal* walk includes required properties only and rotates choices by the item index;
  even-indexed items keep nested arrays and maps at their minimum size, odd-indexed ones hold one
  element, so both empty collections and minimal nested objects appear.

Every payload is validated against its resolved schema before it is returned.
"""

from __future__ import annotations

import argparse
import copy
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, Protocol

from tools.spec_schemas import (
    Schema,
    SpecError,
    dumps,
    json_equal,
    load_json,
    resolve,
    satisfiable_enum_values,
    unsatisfiable_enum_values,
    validate,
    write_or_check,
)

SchemaPath = tuple[str | int, ...]

# Output file prefix per operation.
PAYLOAD_NAMES: Final = {
    "listSpaceIntegrations": "integrations",
    "listSpaceIntegrationsBlocks": "blocks",
    "listSpaceIntegrationScripts": "scripts",
}
# GitBook's `List`: the listed objects, their total and the next page's cursor.
LIST_ITEMS: Final = "items"
LIST_COUNT: Final = "count"
LIST_NEXT: Final = "next"
NEXT_PAGE_CURSOR: Final = "cursor-2"

DATE_TIMES: Final = (
    "2024-03-12T09:41:07.123Z",
    "2024-03-12T09:41:07Z",
    "2024-03-12T11:41:07.123456+02:00",
)
DATE: Final = "2024-03-12"
URI_BASE: Final = "https://example.com"
FULL_ARRAY_LENGTH: Final = 2
FULL_MAP_ENTRIES: Final = 2
MIN_FULL_COLLECTION: Final = 3
MAX_FULL_COLLECTION: Final = 100
MINIMAL_COLLECTION: Final = 2
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._~-]+")


class Chooser(Protocol):
    """Picks one of ``count`` options at the choice point ``key``."""

    def choose(
        self, key: SchemaPath, count: int, index: int, subtrees: Sequence[SchemaPath | None]
    ) -> int:
        """Return the option to take; ``subtrees[i]`` is where option ``i`` leads, if anywhere."""
        ...


class Rotation:
    """Chooser taking option ``index % count``: item ``i`` gets the ``i``-th enum value."""

    def choose(
        self, key: SchemaPath, count: int, index: int, subtrees: Sequence[SchemaPath | None]
    ) -> int:
        """Return ``index % count``."""
        return index % count


class Coverage:
    """Chooser preferring options not exercised yet, then subtrees with such options.

    A choice point registers its options the first time the walk reaches it, so the options
    below an untaken branch appear once that branch is taken (each branch is itself an option).
    """

    def __init__(self) -> None:
        self._open: dict[SchemaPath, set[int]] = {}
        self._seen: set[SchemaPath] = set()

    def choose(
        self, key: SchemaPath, count: int, index: int, subtrees: Sequence[SchemaPath | None]
    ) -> int:
        """Return the first unexercised option from ``index`` on, else the richest subtree."""
        if key not in self._seen:
            self._seen.add(key)
            if count > 1:
                self._open[key] = set(range(count))
        order = [(index + k) % count for k in range(count)]
        open_options = self._open.get(key, set())
        pick = next((option for option in order if option in open_options), None)
        if pick is None:
            scores = [self._open_under(subtrees[option]) for option in order]
            pick = order[scores.index(max(scores))]
        open_options.discard(pick)
        if key in self._open and not open_options:
            del self._open[key]
        return pick

    def _open_under(self, prefix: SchemaPath | None) -> int:
        if prefix is None:
            return 0
        size = len(prefix)
        return sum(len(options) for key, options in self._open.items() if key[:size] == prefix)

    def pending(self) -> list[str]:
        """Describe the choice points with unexercised options, sorted."""
        return sorted(
            f"{'/'.join(map(str, key))}: {sorted(opts)}" for key, opts in self._open.items()
        )


class _Absent:
    """Marker: a schema node without a shape of its own (only combinators)."""


_ABSENT: Final = _Absent()


class InstanceGenerator:
    """Walks a resolved schema and builds one instance, maximal (``full``) or minimal."""

    def __init__(self, chooser: Chooser, *, full: bool) -> None:
        self.chooser = chooser
        self.full = full

    def generate(self, schema: Schema, index: int = 0, *, hint: str = "value") -> Any:
        """Return an instance of ``schema``; ``index`` rotates choices, ``hint`` names strings.

        Raises:
            SpecError: the schema cannot be instantiated by this walker.
        """
        return self._value(schema, (), index, hint)

    def _value(self, node: Schema, path: SchemaPath, index: int, hint: str) -> Any:
        parts = [
            self._value(sub, (*path, "allOf", i), index, hint)
            for i, sub in enumerate(node.get("allOf", ()))
        ]
        for keyword in ("oneOf", "anyOf"):
            if keyword in node:
                branches = node[keyword]
                subtrees = [(*path, keyword, i) for i in range(len(branches))]
                pick = self.chooser.choose((*path, keyword), len(branches), index, subtrees)
                parts.append(self._value(branches[pick], subtrees[pick], index, hint))
        scalars = [part for part in parts if not isinstance(part, dict)]
        if scalars:
            if len(scalars) != len(parts) or not all(json_equal(scalars[0], s) for s in scalars):
                raise SpecError(f"{_where(path)}: combined schemas generate conflicting values")
            return scalars[0]
        result = self._own(node, path, index, hint)
        for part in parts:
            result = _merge(result, part, path)
        if isinstance(result, _Absent):
            raise SpecError(f"{_where(path)}: schema constrains nothing to generate from")
        return result

    def _own(self, node: Schema, path: SchemaPath, index: int, hint: str) -> Any:
        if "const" in node:
            return copy.deepcopy(node["const"])
        if "enum" in node:
            values = satisfiable_enum_values(node)
            if not values:
                raise SpecError(f"{_where(path)}: no enum value satisfies the schema")
            pick = self.chooser.choose((*path, "enum"), len(values), index, [None] * len(values))
            return copy.deepcopy(values[pick])
        kind = node.get("type")
        if kind is None:
            if {"properties", "additionalProperties", "required"} & node.keys():
                kind = "object"
            elif "items" in node:
                kind = "array"
            else:
                return _ABSENT
        if isinstance(kind, list):
            subtrees = [path if k in ("object", "array") else None for k in kind]
            kind = kind[self.chooser.choose((*path, "type"), len(kind), index, subtrees)]
        if kind == "null":
            return None
        if kind == "boolean":
            return self.chooser.choose((*path, "boolean"), 2, index, [None, None]) == 0
        if kind in ("integer", "number"):
            return self._number(node, path, index, fractional_allowed=kind == "number")
        if kind == "string":
            return self._string(node, path, index, hint)
        if kind == "array":
            return self._array(node, path, index, hint)
        if kind == "object":
            return self._object(node, path, index, hint)
        raise SpecError(f"{_where(path)}: unknown type {kind!r}")

    def _number(
        self, node: Schema, path: SchemaPath, index: int, *, fractional_allowed: bool
    ) -> int | float:
        low, high = node.get("minimum", -math.inf), node.get("maximum", math.inf)
        whole = index + 1
        if low > -math.inf:
            whole = max(whole, math.ceil(low))
        if high < math.inf:
            whole = min(whole, math.floor(high))
        value: int | float = whole
        if fractional_allowed and self.chooser.choose((*path, "number"), 2, index, [None, None]):
            value = whole + 0.5 if whole + 0.5 <= high else whole - 0.5
        if not low <= value <= high:
            raise SpecError(f"{_where(path)}: no number fits [{low}, {high}]")
        return value

    def _string(self, node: Schema, path: SchemaPath, index: int, hint: str) -> str:
        fmt = node.get("format")
        slug = _SLUG_UNSAFE.sub("-", hint).strip("-") or "value"
        if fmt == "date-time":
            count = len(DATE_TIMES)
            text = DATE_TIMES[
                self.chooser.choose((*path, "date-time"), count, index, [None] * count)
            ]
        elif fmt == "date":
            text = DATE
        elif fmt == "uri":
            text = f"{URI_BASE}/{slug}/{index}"
        elif fmt == "email":
            text = f"{slug}-{index}@example.com"
        elif fmt == "uuid":
            text = f"00000000-0000-4000-8000-{index:012d}"
        else:
            text = f"{hint}-{index}"
            text = text.ljust(node.get("minLength", 0), "x")[: node.get("maxLength")]
        constraints = {k: v for k, v in node.items() if k in ("minLength", "maxLength", "pattern")}
        if validate(text, constraints):
            raise SpecError(f"{_where(path)}: generated {text!r} breaks the string constraints")
        return text

    def _length(self, node: Schema, index: int, wanted: int) -> int:
        low: int = node.get("minItems", 0)
        high: int = node.get("maxItems", wanted)
        if not self.full:
            wanted = 0 if index % 2 == 0 else 1
        return max(low, min(wanted, high))

    def _array(self, node: Schema, path: SchemaPath, index: int, hint: str) -> list[Any]:
        length = self._length(node, index, FULL_ARRAY_LENGTH)
        items = node.get("items")
        if not isinstance(items, dict):
            if length:
                raise SpecError(f"{_where(path)}: array items have no schema")
            return []
        values = [self._value(items, (*path, "items"), index + k, hint) for k in range(length)]
        if node.get("uniqueItems"):
            for i, value in enumerate(values):
                if any(json_equal(value, other) for other in values[:i]):
                    raise SpecError(f"{_where(path)}: generated duplicate items")
        return values

    def _object(self, node: Schema, path: SchemaPath, index: int, hint: str) -> dict[str, Any]:
        required = set(node.get("required", ()))
        out: dict[str, Any] = {}
        for name, sub in node.get("properties", {}).items():
            if self.full or name in required:
                out[name] = self._value(sub, (*path, "properties", name), index, name)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            for j in range(self._length({}, index, FULL_MAP_ENTRIES)):
                key = f"{hint}-{j + 1}"
                out[key] = self._value(extra, (*path, "additionalProperties"), index + j, key)
        return out


def maximal_instance(schema: Schema, index: int = 0, *, coverage: Coverage | None = None) -> Any:
    """Return an instance with every property; pass one ``coverage`` across calls to spread options.

    Raises:
        SpecError: the schema cannot be instantiated by this walker.
    """
    chooser = coverage if coverage is not None else Coverage()
    return InstanceGenerator(chooser, full=True).generate(schema, index, hint="item")


def minimal_instance(schema: Schema, index: int = 0) -> Any:
    """Return an instance with required properties only, choices rotated by ``index``.

    Raises:
        SpecError: the schema cannot be instantiated by this walker.
    """
    return InstanceGenerator(Rotation(), full=False).generate(schema, index, hint="item")


def _merge(left: Any, right: Any, path: SchemaPath) -> Any:
    if isinstance(left, _Absent):
        return right
    if isinstance(left, dict) and isinstance(right, dict):
        merged = dict(left)
        for key, value in right.items():
            merged[key] = _merge(merged[key], value, path) if key in merged else value
        return merged
    if json_equal(left, right):
        return left
    raise SpecError(f"{_where(path)}: allOf parts generate {left!r} and {right!r}")


def _where(path: SchemaPath) -> str:
    return "#/" + "/".join(map(str, path))


# --- payloads -------------------------------------------------------------------------------


def _collection(schema: Schema) -> tuple[str | None, Schema]:
    """Find the listed objects: the root array, or the ``items`` array of a GitBook ``List``."""
    if schema.get("type") == "array":
        return None, schema
    for part in (schema, *schema.get("allOf", ())):
        sub = part.get("properties", {}).get(LIST_ITEMS)
        if isinstance(sub, dict) and sub.get("type") == "array":
            return LIST_ITEMS, sub
    raise SpecError("response is neither an array nor a list with an items array")


def _element_schema(array: Schema) -> Schema:
    items = array.get("items")
    if not isinstance(items, dict):
        raise SpecError("the listed objects have no schema")
    return items


def full_payload(schema: Schema) -> Any:
    """Return a response exercising every choice point of ``schema``'s listed objects.

    Raises:
        SpecError: coverage stays incomplete after ``MAX_FULL_COLLECTION`` objects.
    """
    key, array = _collection(schema)
    element = _element_schema(array)
    coverage = Coverage()
    elements: list[Any] = []
    while len(elements) < MIN_FULL_COLLECTION or coverage.pending():
        if len(elements) >= MAX_FULL_COLLECTION:
            raise SpecError(f"options never exercised: {coverage.pending()[:10]}")
        elements.append(maximal_instance(element, len(elements), coverage=coverage))
    if key is None:
        return elements
    page = InstanceGenerator(Rotation(), full=True).generate(schema, hint="page")
    page[key] = elements
    if LIST_COUNT in page:
        page[LIST_COUNT] = len(elements)
    if LIST_NEXT in page:
        page[LIST_NEXT] = {"page": NEXT_PAGE_CURSOR}
    return page


def minimal_payload(schema: Schema) -> Any:
    """Return a response whose listed objects carry only required properties (no next page)."""
    key, array = _collection(schema)
    element = _element_schema(array)
    elements = [minimal_instance(element, i) for i in range(MINIMAL_COLLECTION)]
    if key is None:
        return elements
    page = InstanceGenerator(Rotation(), full=False).generate(schema, hint="page")
    page[key] = elements
    return page


def build_payloads(fixture: Schema) -> dict[str, Any]:
    """Return ``{file name: payload}`` for every endpoint of ``fixture``.

    Raises:
        SpecError: a generated payload does not validate against its schema (a walker bug).
    """
    payloads: dict[str, Any] = {}
    for operation_id, name in PAYLOAD_NAMES.items():
        if operation_id not in fixture["endpoints"]:
            continue
        schema = resolve(fixture, operation_id)
        for kind, build in (("full", full_payload), ("minimal", minimal_payload)):
            payload = build(schema)
            errors = validate(payload, schema)
            if errors:
                raise SpecError(f"{name}-{kind} is invalid: {errors[:5]}")
            payloads[f"{name}-{kind}.json"] = payload
    return payloads


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.spec_payloads",
        description="Write example payloads for the endpoints of a spec_schemas fixture.",
    )
    parser.add_argument("fixture", type=Path, help="fixture made by tools.spec_schemas")
    parser.add_argument("out_dir", type=Path, help="directory for the payload files")
    parser.add_argument("--check", action="store_true", help="exit 1 if any file is stale")
    args = parser.parse_args(argv)
    fixture = load_json(args.fixture)
    for note in unsatisfiable_enum_values(fixture):
        print(f"note: skipped {note}", file=sys.stderr)
    payloads = build_payloads(fixture)
    fresh = [
        write_or_check(args.out_dir / name, dumps(payload), check=args.check)
        for name, payload in sorted(payloads.items())
    ]
    if args.check:
        for extra in sorted(args.out_dir.glob("*.json")):
            if extra.name not in payloads:
                print(f"{extra}: not generated any more; delete it", file=sys.stderr)
                fresh.append(False)
    return 0 if all(fresh) else 1


if __name__ == "__main__":
    sys.exit(main())
