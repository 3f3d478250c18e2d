"""The accelerated structure path (msgspec mirrors + generated builders) against the cattrs path.

The one property: for any body, ``decode_models`` either refuses (None: the caller takes the
cattrs path) or gives exactly what the cattrs path gives for ``json.loads(body)``: models of
the same classes with the same values of the same types, the same ``unknown_fields`` and
recorded nulls, the same ``to_dict()``. It never accepts a body the cattrs path rejects.

Checked over spec-generated responses of every schema and their mutations (fields dropped
and added, wrong types, nulls, newer enum values and tags, odd numbers and timestamps), and
over byte-level edge cases. Profiles: tests/_hypothesis.py (``ci`` runs more examples).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import functools
import gc
import json
import math
import random
import weakref
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs
import msgspec
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from benchmarks._data import page_bytes
from gitbook_async import (
    GitBookModel,
    Integration,
    IntegrationConfigurations,
    IntegrationExternalLink,
    IntegrationList,
    IntegrationPermissions,
    Organization,
    ResponseValidationError,
    SpaceIntegrationBlocks,
    SpaceIntegrationScript,
    structure,
    structure_json,
)
from gitbook_async._body import BadBody, read_json
from gitbook_async._wire import _accel_gen as accel_gen
from gitbook_async._wire import _accelerated as accelerated
from gitbook_async._wire import _pages
from gitbook_async._wire._accel_code import TWIN_OF, Unsupported, make_twin
from gitbook_async._wire._accel_gen import Generator
from gitbook_async._wire._accelerated import (
    OWNER_MEMO_MIN,
    OWNER_MEMO_PAGES,
    OWNER_MEMO_SIZE,
    OwnerMemo,
    decode_models,
    is_accelerated,
)
from gitbook_async._wire._converter import structure_response
from gitbook_async.models._base import wire_names
from tests._hypothesis import FIXTURES_DIR, PROFILE, SLOW_GENERATION, response_strategy
from tests.test_contract import COMBOS, FUTURE_VALUE, PAYLOAD_NAMES, ROOT_TYPES, same_json, to_wire
from tools.spec_schemas import load_json

# Drawing a generated Integration page takes about a second: few draws, many mutations each.
GENERATED: Final = settings(
    max_examples=25 if PROFILE == "ci" else 3, suppress_health_check=SLOW_GENERATION
)
PAYLOAD_MUTATIONS: Final = settings(max_examples=150 if PROFILE == "ci" else 10)
MUTATIONS_PER_DRAW: Final = 12

# --- the two paths and how they must agree --------------------------------------------------


@contextlib.contextmanager
def fresh_plans() -> Iterator[accelerated._Plans]:
    """Plans that learned nothing yet (learning is process-wide and bounded)."""
    saved = accelerated._PLANS
    accelerated._PLANS = accelerated._Plans()  # type: ignore[misc]
    try:
        yield accelerated._PLANS
    finally:
        accelerated._PLANS = saved  # type: ignore[misc]


def reference(body: bytes, type_: Any) -> Any:
    """The cattrs path: ``json.loads`` then ``structure_response``; raises when it rejects."""
    return structure_response(json.loads(body), type_, endpoint="test")


def assert_same(left: Any, right: Any, path: str = "$") -> None:
    """Strictly equal: same classes all the way down, floats to the bit, timestamps' text."""
    assert type(left) is type(right), (path, left, right)
    if isinstance(left, GitBookModel):
        for field in attrs.fields(type(left)):
            name = field.name
            assert_same(getattr(left, name), getattr(right, name), f"{path}.{name}")
    elif isinstance(left, tuple):
        assert len(left) == len(right), path
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_same(a, b, f"{path}[{index}]")
    elif isinstance(left, Mapping) and path.endswith(".unknown_fields"):
        # The accelerated path lists learned fields in the order it learned them.
        assert sorted(left) == sorted(right), path
        for key in left:
            assert_same(left[key], right[key], f"{path}[{key!r}]")
    elif isinstance(left, Mapping):
        assert list(left) == list(right), path
        for key in left:
            assert_same(left[key], right[key], f"{path}[{key!r}]")
    elif isinstance(left, float):
        assert math.copysign(1, left) == math.copysign(1, right), path
        assert left == right, path
    elif isinstance(left, dt.datetime):
        assert (left, left.tzinfo, left.wire) == (right, right.tzinfo, right.wire), path  # type: ignore[attr-defined]
    else:
        assert left == right, (path, left, right)


def check_agreement(body: bytes, type_: Any, owners: OwnerMemo | None = None) -> bool:
    """Assert that the accelerated path agrees with the cattrs path; True if it accepted."""
    fast = decode_models(body, type_, owners=owners)
    if fast is None:
        return False
    slow = reference(body, type_)  # raises, failing the test, if the cattrs path rejects it
    # The transport's strict decoder (no NaN, no infinities) reads it as json.loads does.
    strict = read_json(body)
    assert not isinstance(strict, BadBody)
    assert same_json(strict, json.loads(body))
    assert_same(fast, slow)
    assert same_json(to_wire(fast), to_wire(slow))
    return True


def encode(value: Any, style: int = 0) -> bytes:
    """JSON bytes of ``value`` in one of a few layouts a server might use."""
    if style == 1:
        return json.dumps(value, ensure_ascii=True).encode()
    if style == 2:
        return json.dumps(value, indent=2, ensure_ascii=False).encode()
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def without_unknown(value: Any) -> Any:
    """A copy of a structured response without unknown fields (the generator adds many)."""
    if isinstance(value, GitBookModel):
        fields = [
            f.name for f in attrs.fields(type(value)) if f.init and f.name != "unknown_fields"
        ]
        return type(value)(**{name: without_unknown(getattr(value, name)) for name in fields})
    if isinstance(value, tuple):
        return tuple(map(without_unknown, value))
    if isinstance(value, Mapping):
        return MappingProxyType({key: without_unknown(item) for key, item in value.items()})
    return value


# --- mutations ------------------------------------------------------------------------------

Path = tuple[str | int, ...]
# Numbers written as raw JSON text where a number was (a marker string is swapped for it).
RAW_NUMBERS: Final = (
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "1e-400",
    "1E2",
    "1.0",
    "-0",
    "-0.0",
    "0.1",
    "18446744073709551616",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "9" * 4301,
)
WRONG: Final[tuple[Any, ...]] = (
    True,
    False,
    0,
    1,
    -1,
    1.5,
    2**63,
    2**70,
    -(2**70),
    1e300,
    -0.0,
    "",
    "x",
    "value-from-the-future",
    "2023-01-09T08:00:00Z",
    [],
    [1, "a"],
    {},
    {"a": 1},
)
TIMESTAMPS: Final = (
    "2023-01-09T08:00:00Z",
    "2023-01-09T08:00:00z",
    "2023-01-09T08:00:00",
    "2023-01-09 08:00:00Z",
    "2023-01-09T08:00:00.123456789Z",
    "2023-01-09T08:00:00.1+01:00",
    "2023-01-09T08:00:00-0530",
    "2023-02-30T08:00:00Z",
    "2023-01-09",
    "not a date",
)
TAGS: Final = (
    "string",
    "number",
    "boolean",
    "button",
    "rules",
    "none",
    "custom",
    "allow_bypass",
    "require_at_least_one_review",
    "require_agent_review",
    "value-from-the-future",
)
MARKER: Final = "@@raw-number-{}@@"


def paths(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every (path, value) of a JSON document, the document itself included."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*path, index))


def _set(document: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    container = document
    for part in path[:-1]:
        container = container[part]
    container[path[-1]] = value
    return document


def _delete(document: Any, path: Path) -> None:
    container = document
    for part in path[:-1]:
        container = container[part]
    del container[path[-1]]


@st.composite
def mutated(draw: st.DrawFn, document: Any) -> bytes:
    """A copy of ``document`` with one to three edits, encoded (maybe with raw numbers)."""
    document = copy.deepcopy(document)
    raw: dict[str, str] = {}
    for _ in range(draw(st.integers(1, 3))):
        sites = list(paths(document))
        path, value = draw(st.sampled_from(sites))
        kind = draw(st.sampled_from(["drop", "add", "null", "wrong", "number", "timestamp", "tag"]))
        event(f"mutation: {kind}")
        if kind == "drop" and path and isinstance(path[-1], str):
            _delete(document, path)
        elif kind == "add" and isinstance(value, dict):
            value[draw(st.sampled_from(["newField", "type", "rule", "x-y"]))] = draw(
                st.sampled_from(WRONG)
            )
        elif kind == "null":
            document = _set(document, path, None)
        elif kind == "wrong":
            document = _set(document, path, copy.deepcopy(draw(st.sampled_from(WRONG))))
        elif kind == "number":
            marker = MARKER.format(len(raw))
            raw[marker] = draw(st.sampled_from(RAW_NUMBERS))
            document = _set(document, path, marker)
        elif kind == "timestamp":
            document = _set(document, path, draw(st.sampled_from(TIMESTAMPS)))
        elif kind == "tag" and isinstance(value, dict):
            value[draw(st.sampled_from(["type", "rule"]))] = draw(st.sampled_from(TAGS))
    text = encode(document, draw(st.integers(0, 2))).decode()
    for marker, number in raw.items():
        text = text.replace(json.dumps(marker), number)
    return text.encode()


# --- properties -----------------------------------------------------------------------------


def _combo_id(combo: tuple[str, str]) -> str:
    return f"{combo[0]}-{PAYLOAD_NAMES[combo[1]]}"


@pytest.mark.parametrize("combo", COMBOS, ids=_combo_id)
@GENERATED
@given(data=st.data())
def test_generated_responses_and_their_mutations_agree(
    combo: tuple[str, str], data: st.DataObject
) -> None:
    """Spec-generated responses (newer enum values too) and mutations of them: the accelerated
    path refuses or gives exactly the cattrs path's models and to_dict().
    """
    version, operation = combo
    type_ = ROOT_TYPES[operation]
    instance = data.draw(response_strategy(version, operation, FUTURE_VALUE[version]))
    if data.draw(st.booleans(), label="known fields only"):
        instance = to_wire(without_unknown(structure(instance, type_)))
    owners = OwnerMemo()  # one memo for all: pages of a walk share owners
    with fresh_plans():
        body = encode(instance, data.draw(st.integers(0, 2)))
        accepted = check_agreement(body, type_, owners)
        event(f"generated: {'accepted' if accepted else 'refused'}")
        for _ in range(MUTATIONS_PER_DRAW):
            accepted = check_agreement(data.draw(mutated(instance)), type_, owners)
            event(f"mutated: {'accepted' if accepted else 'refused'}")


@functools.cache
def _payload(version: str, name: str) -> Any:
    return load_json(FIXTURES_DIR / "payloads" / version / name)


@pytest.mark.parametrize("combo", COMBOS, ids=_combo_id)
@pytest.mark.parametrize("kind", ["full", "minimal"])
@PAYLOAD_MUTATIONS
@given(data=st.data())
def test_mutated_payloads_agree(combo: tuple[str, str], kind: str, data: st.DataObject) -> None:
    """The committed payloads, mutated: refused, or the same as the cattrs path."""
    version, operation = combo
    payload = _payload(version, f"{PAYLOAD_NAMES[operation]}-{kind}.json")
    with fresh_plans():
        accepted = check_agreement(data.draw(mutated(payload)), ROOT_TYPES[operation])
    event(f"mutated: {'accepted' if accepted else 'refused'}")


@pytest.mark.parametrize("combo", COMBOS, ids=_combo_id)
@pytest.mark.parametrize("kind", ["full", "minimal"])
@pytest.mark.parametrize("style", [0, 1, 2])
def test_the_committed_payloads_are_accepted(combo: tuple[str, str], kind: str, style: int) -> None:
    """Responses the models fully describe take the accelerated path (it is not idle)."""
    version, operation = combo
    payload = _payload(version, f"{PAYLOAD_NAMES[operation]}-{kind}.json")
    assert check_agreement(encode(payload, style), ROOT_TYPES[operation])


def test_benchmark_and_demo_pages_are_accepted() -> None:
    """The fake server's fully filled integrations take the accelerated path."""
    assert check_agreement(page_bytes(30, total=100), IntegrationList)


# --- fields newer than the models, at every depth ---------------------------------------------

NEW_KEYS: Final = (
    "launchedAt",
    "aiSummary",
    "x-y",
    "ünïcødé",
    "__class__",
    "with space",
    "it's",
    "); import os; (",
)
SCALARS: Final[tuple[Any, ...]] = (None, True, False, 0, -7, 2**70, 1.5, -0.0, 1e300, "", 'é\n"')


def json_value(rnd: random.Random, depth: int = 0) -> Any:
    """A small JSON value (scalars, arrays, objects with odd keys)."""
    kind = rnd.randrange(4 if depth < 2 else 1)
    if kind == 1:
        return [json_value(rnd, depth + 1) for _ in range(rnd.randrange(3))]
    if kind == 2:
        return {rnd.choice(NEW_KEYS): json_value(rnd, depth + 1) for _ in range(rnd.randrange(3))}
    return rnd.choice(SCALARS)


def model_objects(data: Any, value: Any) -> Iterator[dict[str, Any]]:
    """The JSON objects of ``data`` that became models in ``value`` (its structured form)."""
    if isinstance(value, GitBookModel):
        yield data
        for name, key in wire_names(type(value)).items():
            if key in data and data[key] is not None:
                yield from model_objects(data[key], getattr(value, name))
    elif isinstance(value, tuple):
        for item_data, item in zip(data, value, strict=True):
            yield from model_objects(item_data, item)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from model_objects(data[key], item)


@st.composite
def with_new_fields(draw: st.DrawFn, document: Any, type_: Any) -> Any:
    """A copy of ``document`` whose model objects (at every depth) bring new keys."""
    document = copy.deepcopy(document)
    rnd = random.Random(draw(st.integers(0, 2**32)))
    for found in model_objects(document, structure(document, type_)):
        for key in rnd.sample(NEW_KEYS, rnd.randrange(3)):
            found[key] = json_value(rnd)
    return document


@pytest.mark.parametrize("combo", COMBOS, ids=_combo_id)
@pytest.mark.parametrize("kind", ["full", "minimal"])
@PAYLOAD_MUTATIONS
@given(data=st.data())
def test_pages_with_new_fields_at_every_depth_agree_and_are_learned(
    combo: tuple[str, str], kind: str, data: st.DataObject
) -> None:
    """New keys in any model object: the accelerated path learns them from the first page
    and then reads such pages itself, with the detailed path's models, ``to_dict()`` and
    ``unknown_fields``; mutated pages (new keys and invalid data) are refused or agree.
    """
    version, operation = combo
    type_ = ROOT_TYPES[operation]
    payload = _payload(version, f"{PAYLOAD_NAMES[operation]}-{kind}.json")
    with fresh_plans() as plans:
        first = data.draw(with_new_fields(payload, type_))
        assert check_agreement(encode(first), type_)
        attempts = plans._attempts
        second = data.draw(with_new_fields(payload, type_))
        accepted = check_agreement(encode(second, data.draw(st.integers(0, 2))), type_)
        event(f"second page: {'accepted' if accepted else 'refused (keys it did not learn)'}")
        if accepted:
            assert plans._attempts <= attempts + 1
        accepted = check_agreement(data.draw(mutated(first)), type_)
        event(f"mutated: {'accepted' if accepted else 'refused'}")


def test_a_walk_with_newer_fields_learns_once() -> None:
    """Every item brings two new fields and its owner one: the first page teaches the
    mirrors, every later page takes the accelerated path without learning again.
    """
    owners = OwnerMemo()
    with fresh_plans() as plans:
        for number in range(5):
            page = json.loads(page_bytes(20, total=100))
            for index, item in enumerate(page["items"]):
                item["launchedAt"] = f"2030-01-0{number + 1}"
                item["aiSummary"] = {"text": "x", "score": index}
                item["owner"] = {**item["owner"], "carbonFootprint": number}
            assert check_agreement(encode(page), IntegrationList, owners)
        assert plans._attempts == 1
        assert plans._learned == {
            Integration: ("launchedAt", "aiSummary"),
            Organization: ("carbonFootprint",),
        }


# --- byte-level edge cases ------------------------------------------------------------------


def _full() -> dict[str, Any]:
    payload: dict[str, Any] = copy.deepcopy(_payload("0.202.0", "integrations-full.json"))
    return payload


def _owner_edit(edit: Callable[[dict[str, Any]], object]) -> bytes:
    payload = _full()
    edit(payload["items"][0]["owner"])
    return encode(payload)


def _text_edit(old: str, new: str) -> bytes:
    text = encode(_full()).decode()
    assert old in text
    return text.replace(old, new, 1).encode()


def _bytes_edit(old: bytes, new: bytes) -> bytes:
    body = encode(_full())
    assert old in body
    return body.replace(old, new, 1)


BILLING = '"billing":{'
EDGE_CASES: Final[Mapping[str, tuple[bytes, bool | None]]] = {
    # name: (body, accepted?) with None where either is fine
    "utf-8 BOM": (b"\xef\xbb\xbf" + encode(_full()), False),
    "NaN": (_text_edit('"paidMembers":1', '"paidMembers":NaN'), False),
    "Infinity": (_text_edit('"paidMembers":1', '"paidMembers":Infinity'), False),
    "1e400": (_text_edit('"paidMembers":1', '"paidMembers":1e400'), False),
    "1e-400": (_text_edit('"paidMembers":1', '"paidMembers":1e-400'), True),
    "float written 1.0": (_text_edit('"paidMembers":1', '"paidMembers":1.0'), True),
    "int 1.0 for an int": (_text_edit('"count":1', '"count":1.0'), False),
    "wide int in a float field": (_text_edit('"paidMembers":1', '"paidMembers":' + "9" * 40), True),
    "wide int in an int field": (_text_edit('"count":1', '"count":' + "9" * 40), True),
    "too many digits": (_text_edit('"count":1', '"count":' + "9" * 4301), False),
    "wide int credits bundle": (
        _text_edit('"creditsBundle":"none"', '"creditsBundle":' + "9" * 30),
        True,
    ),
    "lone surrogate": (_text_edit('"title-0"', '"title-\\ud800"'), False),
    "raw control character": (_text_edit('"title-0"', '"title-\x01"'), False),
    "invalid UTF-8": (_bytes_edit(b'"title-0"', b'"title-\xff"'), False),
    "UTF-8 of a surrogate": (_bytes_edit(b'"title-0"', b'"title-\xed\xa0\x80"'), False),
    "escaped key": (_text_edit('"hostname"', '"host\\u006eame"'), True),
    "escaped tag": (_text_edit('"type":"rules"', '"type":"rul\\u0065s"'), True),
    "duplicate key, last wins": (
        _text_edit('"hostname":"hostname-0"', '"hostname":1,"hostname":"h"'),
        None,
    ),
    "duplicate key, same value": (
        _text_edit('"hostname":"hostname-0"', '"hostname":"a","hostname":"a"'),
        True,
    ),
    "duplicate tag": (_text_edit('"type":"rules"', '"type":"none","type":"rules"'), False),
    "trailing garbage": (encode(_full()) + b"x", False),
    "whitespace around": (b" \n\t" + encode(_full(), 2) + b"\r\n ", True),
    "empty body": (b"", False),
    "null body": (b"null", False),
    "array body": (b"[]", False),
    "deep nesting in the owner": (
        _text_edit(BILLING, '"x":' + "[" * 5000 + "]" * 5000 + "," + BILLING),
        False,
    ),
    "deep nesting in an item": (
        _text_edit('"verified":true', '"verified":' + "[" * 5000 + "]" * 5000),
        False,
    ),
    "unknown field": (_text_edit('"hostname"', '"launchDate":1,"hostname"'), True),
    "unknown enum value": (_text_edit('"plan":"free_2024"', '"plan":"mega_2030"'), True),
    "newer tag": (_text_edit('"type":"rules"', '"type":"vote"'), False),
    "known rule of the base class": (
        _text_edit(
            '"rule":"require_specific_reviewers","users":["users-0","users-1"]',
            '"rule":"require_agent_review"',
        ),
        True,
    ),
    "timestamp, lower-case z": (
        _text_edit(
            '"createdAt":"2024-03-12T09:41:07.123Z"', '"createdAt":"2024-03-12t09:41:07.123z"'
        ),
        True,
    ),
    "timestamp, no offset": (
        _text_edit('"createdAt":"2024-03-12T09:41:07.123Z"', '"createdAt":"2024-03-12T09:41:07"'),
        True,
    ),
    "timestamp, invalid day": (
        _text_edit('"createdAt":"2024-03-12T09:41:07.123Z"', '"createdAt":"2024-02-30T09:41:07Z"'),
        False,
    ),
    "required nullable null": (
        _text_edit(
            '"endDate":"2024-03-12T09:41:07.123Z","hasPaymentFailed"',
            '"endDate":null,"hasPaymentFailed"',
        ),
        True,
    ),
    "optional null": (_owner_edit(lambda owner: owner.update(billing=None, hostname=None)), True),
    "optional absent": (
        _owner_edit(lambda owner: [owner.pop(k) for k in ("billing", "hostname")]),
        True,
    ),
    "required absent": (_owner_edit(lambda owner: owner.pop("title")), False),
    "null for a required field": (_owner_edit(lambda owner: owner.update(title=None)), False),
    "configuration with both shapes": (
        _text_edit('{"componentId"', '{"properties":{},"componentId"'),
        False,
    ),
    "configuration with neither shape": (
        _text_edit('{"componentId":"componentId-0"}', "{}"),
        False,
    ),
}


@pytest.mark.parametrize("case", list(EDGE_CASES))
def test_byte_level_edge_cases_agree(case: str) -> None:
    """Each edge case is refused or read exactly like the cattrs path (and as expected)."""
    body, expected = EDGE_CASES[case]
    with fresh_plans():
        accepted = check_agreement(body, IntegrationList)
    if expected is not None:
        assert accepted is expected


def test_a_refused_body_is_one_the_cattrs_path_reads_or_rejects_itself() -> None:
    """Refusal hands over to the cattrs path, which then reports the problem."""
    body = _owner_edit(lambda owner: owner.update(title=5))
    assert decode_models(body, IntegrationList) is None
    with pytest.raises(ResponseValidationError):
        reference(body, IntegrationList)


# --- owners ---------------------------------------------------------------------------------


def _decoded_twice(payload: Any, owners: OwnerMemo) -> tuple[IntegrationList, IntegrationList]:
    """Decode one page twice through one memo (as two pages of a walk)."""
    first = decode_models(encode(payload), IntegrationList, owners=owners)
    again = decode_models(encode(payload), IntegrationList, owners=owners)
    assert first is not None
    assert again is not None
    return first, again


def test_owners_with_equal_bytes_are_built_once_and_shared() -> None:
    """Items whose owners are the same bytes share one Organization, across pages too."""
    owners = OwnerMemo()
    payload = _full()
    first, again = _decoded_twice(payload, owners)
    assert again.items[0].owner is first.items[0].owner
    distinct = {json.dumps(i[key]) for i in payload["items"] for key in ("owner", "configurations")}
    assert len(owners) == len(distinct)  # owners and configurations, each built once


def test_configurations_with_equal_bytes_are_built_once_and_shared() -> None:
    """``configurations`` are memoised like owners (each distinct bytes built once)."""
    payload = _full()
    first, again = _decoded_twice(payload, OwnerMemo())
    pairs = zip(first.items, again.items, strict=True)
    found = [(a.configurations, b.configurations) for a, b in pairs]
    assert any(a is not None for a, _ in found)
    assert all(a is b for a, b in found)
    assert again.to_dict() == payload


def test_the_memo_is_keyed_by_class_too() -> None:
    """Equal bytes of two memoised classes are two entries: ``{}`` as configurations does
    not find an owner remembered under ``{}`` (nor the reverse)."""
    owners = OwnerMemo()
    sentinel = object()
    owners.put(Organization, b"{}", sentinel)
    payload = _full()
    payload["items"][0]["configurations"] = {}
    result = decode_models(encode(payload), IntegrationList, owners=owners)
    assert result is not None
    assert type(result.items[0].configurations) is IntegrationConfigurations
    assert result.items[0].configurations == IntegrationConfigurations()
    assert owners.get(Organization, b"{}") is sentinel
    assert owners.get(IntegrationConfigurations, b"{}") is result.items[0].configurations
    assert result.to_dict() == payload
    owners.put(IntegrationConfigurations, b"{}", "other")
    assert owners.get(Organization, b"{}") is sentinel


def test_a_null_or_absent_memoised_field_is_read_as_the_cattrs_path_does() -> None:
    """``configurations`` (kept raw) may be null (recorded for ``to_dict()``) or absent."""
    payload = _full()
    payload["items"][0]["configurations"] = None
    del payload["items"][1]["configurations"]
    assert check_agreement(encode(payload), IntegrationList)
    result = decode_models(encode(payload), IntegrationList)
    assert result is not None
    assert result.items[0].configurations is None
    assert result.items[1].configurations is None
    assert result.to_dict() == payload


def test_owners_of_dropped_pages_are_freed() -> None:
    """The memo keeps alive only its most recent few; owners of dropped pages are freed."""
    owners = OwnerMemo(limit=2)
    payload = _full()
    refs = []
    for number in range(6):
        for index, item in enumerate(payload["items"]):
            item["owner"]["id"] = f"owner-{number}-{index}"
        result = decode_models(encode(payload), IntegrationList, owners=owners)
        assert result is not None
        refs += [weakref.ref(item.owner) for item in result.items]
        # While a page is alive its owners are found (equal bytes, same instance).
        again = decode_models(encode(payload), IntegrationList, owners=owners)
        assert again is not None
        assert all(a.owner is b.owner for a, b in zip(result.items, again.items, strict=True))
        del result, again
    alive = [ref for ref in refs if ref() is not None]
    assert len(alive) <= 2  # no cycles to wait for: freed at once, refcounting suffices
    assert owners.kept(Organization) <= 2
    assert len(owners) <= 2 + owners.kept(IntegrationConfigurations)


def test_the_memo_stays_bounded_on_a_long_walk_of_new_owners() -> None:
    """A page's worth kept (``fit``), within the limit, whatever the walk's length."""
    owners = OwnerMemo()
    assert owners.kept(Organization) == 0
    owners.fit(5)
    payload = _full()
    for number in range(40):
        for index, item in enumerate(payload["items"]):
            item["owner"]["id"] = f"owner-{number}-{index}"
        assert decode_models(encode(payload), IntegrationList, owners=owners) is not None
        kept = owners.kept(Organization)
        assert kept <= max(OWNER_MEMO_MIN, OWNER_MEMO_PAGES * 5)
    assert len(owners) <= 2 * max(OWNER_MEMO_MIN, OWNER_MEMO_PAGES * 5)
    owners.fit(10_000)  # a huge page: still at most the limit
    for number in range(OWNER_MEMO_SIZE // len(payload["items"]) + 2):
        for index, item in enumerate(payload["items"]):
            item["owner"]["id"] = f"big-{number}-{index}"
        assert decode_models(encode(payload), IntegrationList, owners=owners) is not None
    assert owners.kept(Organization) == OWNER_MEMO_SIZE


def test_the_memo_lru_and_clear() -> None:
    """The least recently used is dropped first (a hit refreshes), ``clear()`` empties."""
    owners = OwnerMemo(limit=2)
    values = {key: Organization.__new__(Organization) for key in (b"a", b"b", b"c")}
    owners.put(Organization, b"a", values[b"a"])
    owners.put(Organization, b"b", values[b"b"])
    assert owners.get(Organization, b"a") is values[b"a"]  # a is now the most recent
    owners.put(Organization, b"c", values[b"c"])
    assert owners.kept(Organization) == 2
    del values
    assert owners.get(Organization, b"b") is None  # dropped, and nothing else held it
    assert owners.get(Organization, b"a") is not None
    assert owners.get(Organization, b"c") is not None
    assert owners.get(IntegrationConfigurations, b"a") is None
    owners.clear()
    assert len(owners) == 0
    assert len(OwnerMemo()) == 0
    assert OWNER_MEMO_SIZE == 256
    with pytest.raises(ValueError, match="at least 1"):
        OwnerMemo(limit=0)


def test_the_memo_leaves_nothing_to_the_cyclic_collector() -> None:
    """Entries, weak references and their callbacks form no reference cycle."""
    gc.collect()
    gc.disable()
    try:
        owners = OwnerMemo(limit=1)
        for number in range(3):
            payload = _full()
            for index, item in enumerate(payload["items"]):
                item["owner"]["id"] = f"cycle-{number}-{index}"
            assert decode_models(encode(payload), IntegrationList, owners=owners) is not None
        del owners
        assert gc.collect() == 0
    finally:
        gc.enable()


# --- which types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "type_",
    [
        IntegrationList,
        Integration,
        tuple[SpaceIntegrationBlocks, ...],
        tuple[SpaceIntegrationScript, ...],
    ],
)
def test_the_response_types_are_accelerated(type_: Any) -> None:
    """Every type the resources structure has an accelerated path."""
    assert is_accelerated(type_)


@pytest.mark.parametrize("type_", [dict[str, Any], list[int], IntegrationList | None, Any])
def test_other_types_are_refused(type_: Any) -> None:
    """Shapes without a mirror always take the cattrs path."""
    assert not is_accelerated(type_)
    assert decode_models(b"{}", type_) is None


def test_a_class_without_a_compatible_layout_gets_no_twin() -> None:
    """A class that is not slotted, or has several bases, is not accelerated."""

    @attrs.frozen(slots=False)
    class Plain(GitBookModel):
        name: str

    with pytest.raises(Unsupported):
        make_twin(Plain)
    twin = make_twin(Integration)
    assert twin is not Integration
    assert twin.__bases__ == (Integration,)
    assert (twin.__name__, twin.__qualname__) == ("Integration", "Integration")
    assert getattr(twin, TWIN_OF) is Integration


def test_twins_are_invisible_among_the_subclasses_of_the_models() -> None:
    """``__subclasses__()`` of the models lists no twin (tools/drift.py walks it), though
    every accelerated class has one.
    """
    assert decode_models(encode(_full()), IntegrationList) is not None
    assert accel_gen.twin_of(Integration) in type.__subclasses__(Integration)
    todo: list[type] = [GitBookModel]
    while todo:
        subclasses: list[type] = todo.pop().__subclasses__()
        for sub in subclasses:
            assert TWIN_OF not in vars(sub), sub
            todo.append(sub)
    assert Integration.__subclasses__() == []


def test_unsupported_union_shapes() -> None:
    """Unions of models with primitives other than one model, or with floats, are refused."""
    generator = Generator(discriminators={})
    with pytest.raises(Unsupported):
        generator.node(int | Integration | SpaceIntegrationScript)
    with pytest.raises(Unsupported):
        generator.node(float | Integration)
    with pytest.raises(Unsupported):
        generator.node(Mapping[int, str])


# --- shapes the generator refuses (synthetic models) ------------------------------------------


@attrs.frozen(kw_only=True)
class Tree(GitBookModel):
    name: str
    child: Tree | None = None


@attrs.frozen(kw_only=True)
class Defaulted(GitBookModel):
    name: str = None  # type: ignore[assignment]


@attrs.frozen(kw_only=True)
class TextX(GitBookModel):
    x: str


@attrs.frozen(kw_only=True)
class NumberX(GitBookModel):
    x: int


@attrs.frozen(kw_only=True)
class Labels(GitBookModel):
    labels: Mapping[str, str] = attrs.field(hash=False)


for _cls in (Tree, Defaulted, TextX, NumberX, Labels):
    attrs.resolve_types(_cls)


@pytest.mark.parametrize(
    ("type_", "discriminators"),
    [
        (Tree, {}),
        (Defaulted, {}),
        (TextX | NumberX, {}),
        (IntegrationExternalLink, {IntegrationExternalLink: ("kind", {})}),
        (IntegrationPermissions, {IntegrationPermissions: ("admin", {})}),
        (TextX, {TextX: ("x", {"other": Labels})}),
    ],
    ids=["recursive", "not nullable", "disagreeing union", "no tag", "bool tag", "subclass no tag"],
)
def test_shapes_without_a_mirror_are_unsupported(
    type_: Any, discriminators: dict[type, tuple[str, Mapping[str, type]]]
) -> None:
    """Recursion, non-None defaults, ambiguous unions and odd tags raise Unsupported."""
    generator = Generator(discriminators=discriminators)
    with pytest.raises(Unsupported):
        generator.node(type_)


def test_a_primitive_without_a_mirror_is_unsupported(monkeypatch: pytest.MonkeyPatch) -> None:
    """A primitive rule the generator has no msgspec type for is not guessed."""
    monkeypatch.setattr(accel_gen, "_PRIMITIVE_MIRRORS", {})
    with pytest.raises(Unsupported):
        Generator(discriminators={}).node(str)


def test_a_class_whose_slots_were_changed_gets_no_twin() -> None:
    """A declared slot that is no slot refuses the twin; the class is then not accelerated."""

    class Slotted(GitBookModel):
        __slots__ = ("a",)

    type.__setattr__(Slotted, "__slots__", ("b",))
    with pytest.raises(Unsupported):
        make_twin(Slotted)


def test_a_mapping_of_strings_agrees() -> None:
    """A mapping whose values need no conversion is still a read-only mapping."""
    assert check_agreement(b'{"labels":{"a":"b","c":"d"}}', Labels)
    assert not check_agreement(b'{"labels":{"a":1}}', Labels)


def test_a_msgspec_reading_numbers_unlike_json_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """The self-check turns the path off rather than let wide integers become floats."""
    assert accelerated.reads_numbers_like_json()
    monkeypatch.setattr(accelerated, "reads_numbers_like_json", lambda: False)
    assert accelerated._Plans().get(IntegrationList) is None


# --- structure_json: bytes -> models in one call, the path a response takes -----------------


def test_structure_json_takes_the_accelerated_path_without_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An accepted body never reaches the strict JSON decoder."""

    def refuse_to_decode(body: bytes) -> Any:
        raise AssertionError("the strict decoder ran")

    monkeypatch.setattr(_pages, "read_json", refuse_to_decode)
    body = encode(_full())
    assert_same(structure_json(body, IntegrationList), reference(body, IntegrationList))


def test_structure_json_falls_back_to_the_cattrs_path() -> None:
    """A refused body (a tag newer than the models) is decoded and structured by cattrs."""
    body = _text_edit('"type":"rules"', '"type":"vote"')
    assert decode_models(body, IntegrationList) is None
    rules = structure_json(body, IntegrationList).items[0].owner.merge_rules
    assert rules is not None
    assert rules.type == "vote"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (_owner_edit(lambda owner: owner.update(title=5)), "items[0].owner.title"),
        (_text_edit('"paidMembers":1', '"paidMembers":NaN'), "items[0].owner.billing.paidMembers"),
        (b"{", ""),
    ],
    ids=["invalid data", "NaN", "cut short"],
)
def test_structure_json_reports_the_cattrs_paths_errors(body: bytes, path: str) -> None:
    """Invalid data and bodies that are no JSON raise the typed error of the cattrs path."""
    with pytest.raises(ResponseValidationError) as info:
        structure_json(body, IntegrationList)
    assert info.value.path == path
    assert info.value.endpoint == "structure_json()"


JSON_NUMBER: Final = r"-?(0|[1-9][0-9]{0,40})(\.[0-9]{1,40})?([eE][-+]?[0-9]{1,3})?"


@settings(max_examples=500 if PROFILE == "ci" else 100)
@given(text=st.from_regex(JSON_NUMBER, fullmatch=True))
def test_msgspec_reads_every_json_number_as_json_loads_does(text: str) -> None:
    """Numbers of float fields (``int | float`` mirrors): the same type, value and sign, or
    refused where json.loads overflows to infinity.
    """
    expected = json.loads(text)
    try:
        decoded = msgspec.json.decode(text, type=int | float)
    except msgspec.ValidationError:
        assert isinstance(expected, float)
        assert math.isinf(expected)
        return
    assert type(decoded) is type(expected)
    assert repr(decoded) == repr(expected)
