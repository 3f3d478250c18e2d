"""Hypothesis profiles and spec-driven strategies for the contract tests (tests/test_contract.py).

Profiles (``HYPOTHESIS_PROFILE`` picks one by name; otherwise ``ci`` when ``CI`` is set):

* ``dev`` (default): a handful of examples per schema, so ``make test`` stays fast.
* ``ci``: ``CI_EXAMPLES`` examples per schema and spec version, no example database.

Generation is slow on these schemas (hypothesis-jsonschema re-compiles every nested subschema
for every object it draws: ~0.8 s per ``Integration`` with its large ``owner``), so two things
keep the ``ci`` profile within budget, measured in the PR for issue 4:

* ``capped()``: every array of a schema holds at most ``MAX_ARRAY_ITEMS`` items (the
  top-level ``items`` page included). Two items still exercise every item path
  (``items[1]...``) and "more than one"; longer lists only cost time.
* ``_memoise_schema_compilation()``: hypothesis-jsonschema's per-draw compilation of a
  subschema into a strategy is a pure function of the subschema, so it is memoised. It patches
  a private function of hypothesis-jsonschema 0.23.1 (the version pinned in pyproject.toml);
  should that function move, the patch is skipped and generation is just slower.
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from tools.spec_schemas import Schema, load_json, resolve, walk

FIXTURES_DIR: Final = Path(__file__).parent / "fixtures"
CI_EXAMPLES: Final = 200
DEV_EXAMPLES: Final = 6
MAX_ARRAY_ITEMS: Final = 2
# Generating a whole Integration page is slow and its examples are large by nature.
SLOW_GENERATION: Final = (HealthCheck.too_slow, HealthCheck.data_too_large)

settings.register_profile("dev", max_examples=DEV_EXAMPLES, deadline=None)
settings.register_profile("ci", max_examples=CI_EXAMPLES, deadline=None, database=None)
PROFILE: Final = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)


@functools.cache
def fixture(version: str) -> Schema:
    """Return the committed spec fixture of ``version`` (made by ``tools.spec_schemas``)."""
    loaded: Schema = load_json(FIXTURES_DIR / "spec" / f"{version}.json")
    return loaded


def capped(schema: Schema, max_items: int = MAX_ARRAY_ITEMS) -> Schema:
    """Return a copy of ``schema`` whose arrays hold at most ``max_items`` items."""
    schema = copy.deepcopy(schema)
    for _, sub in walk(schema):
        if sub.get("type") == "array" or "items" in sub:
            sub["maxItems"] = min(sub.get("maxItems", max_items), max_items)
    return schema


def widened(schema: Schema, value: str) -> Schema:
    """Return a copy of ``schema`` whose string enums of two or more values also allow ``value``.

    It stands for a server newer than the spec: one enum value nobody has seen yet. Enums of
    a single value (``object``, the ``type`` or ``rule`` that picks a ``oneOf`` branch) stay:
    widening those would blur which branch an instance belongs to.
    """
    schema = copy.deepcopy(schema)
    for _, sub in walk(schema):
        values = sub.get("enum", [])
        if len(values) > 1 and any(isinstance(v, str) for v in values):
            sub["enum"] = [*values, value]
    return schema


@functools.cache
def response_strategy(version: str, operation_id: str, future_value: str | None) -> Any:
    """Return a strategy for ``operation_id``'s responses under spec ``version`` (capped).

    With ``future_value``, enums also take that value (see ``widened``).
    """
    schema = capped(resolve(fixture(version), operation_id))
    if future_value is not None:
        schema = widened(schema, future_value)
    strategy: st.SearchStrategy[Any] = from_schema(schema)
    return strategy


def _memoise_schema_compilation() -> None:
    import hypothesis_jsonschema._from_schema as generator
    from hypothesis_jsonschema._encode import encode_canonical_json

    name = "__from_schema"
    compile_schema: Callable[..., Any] | None = getattr(generator, name, None)
    if compile_schema is None or getattr(compile_schema, "memoised", False):
        return
    cache: dict[tuple[str, int], Any] = {}
    keep_alive: list[object] = []

    def memoised(schema: Any, *, alphabet: Any, custom_formats: Any) -> Any:
        if custom_formats is not None:
            return compile_schema(schema, alphabet=alphabet, custom_formats=custom_formats)
        key = (encode_canonical_json(schema), id(alphabet))
        if key not in cache:
            keep_alive.append(alphabet)  # so that its id is never reused
            cache[key] = compile_schema(schema, alphabet=alphabet, custom_formats=None)
        return cache[key]

    memoised.memoised = True  # type: ignore[attr-defined]
    setattr(generator, name, memoised)


_memoise_schema_compilation()
