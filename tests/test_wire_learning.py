"""The accelerated path learns fields newer than the models: once, bounded, keys as data only.

Wire keys come from the network: none may reach generated source as code, a server inventing
keys must not make the SDK regenerate without end, and whatever is learned or refused, the
accelerated path agrees with the detailed path (``tests/test_accelerated.py``'s property).
"""

from __future__ import annotations

import json
import linecache
import logging
import subprocess
import sys
from typing import Any, Final

import pytest

from benchmarks._data import page_bytes
from gitbook_async import (
    Integration,
    IntegrationConfigurations,
    IntegrationList,
    Organization,
    structure,
)
from gitbook_async._constants import (
    LEARNED_FIELDS_PER_CLASS,
    LEARNED_KEY_MAX_CHARS,
    LEARNING_ATTEMPTS,
    LOGGER_NAME,
)
from gitbook_async._wire import REFUSALS, OwnerMemo, decode_models, plan_of
from gitbook_async._wire import _accelerated as accelerated
from gitbook_async._wire._primitives import InvalidWireData
from tests.test_accelerated import check_agreement, encode, fresh_plans

INJECTIONS: Final = (
    "__class__",
    "__init__",
    "__dict__",
    "o.__class__ = int",
    "); import os; os._exit(3); (",
    "'''; raise SystemExit; '''",
    "\u2028; raise SystemExit",
    "m, memo",
    "_UNSET",
    "_learned0",
    "",
    " ",
    "🎉 ünïcødé",
)
# Keys msgspec cannot take as a field name: never learned, the detailed path reads them.
UNLEARNABLE: Final = (
    '"',
    'a"b',
    "back\\slash",
    "new\nline",
    "tab\there",
    "nul\x00",
    "x" * (LEARNED_KEY_MAX_CHARS + 1),
    "k" * 2**20,
)


def _page(size: int = 3, **new: Any) -> dict[str, Any]:
    """An integrations page whose items (and their owners) bring the ``new`` fields."""
    return _page_with(size, new)


def _page_with(size: int, new: dict[str, Any]) -> dict[str, Any]:
    """``_page`` for keys that are no Python identifiers."""
    page: dict[str, Any] = json.loads(page_bytes(size, total=size))
    for item in page["items"]:
        item.update(new)
        item["owner"] = {**item["owner"], **new}
    return page


def _generated_sources() -> str:
    return "".join(
        "".join(linecache.getlines(name))
        for name in list(linecache.cache)
        if name.startswith("<gitbook_async")
    )


@pytest.mark.parametrize("key", INJECTIONS, ids=repr)
def test_keys_that_look_like_code_are_learned_as_data(key: str) -> None:
    """A key that would be code in generated source is learned, read back exactly, and
    appears in no generated source.
    """
    with fresh_plans() as plans:
        body = encode(_page_with(3, {key: {"nested": [key, None]}}))
        assert check_agreement(body, IntegrationList)
        assert plans._learned == {Integration: (key,), Organization: (key,)}
        fast = decode_models(body, IntegrationList)
        assert fast is not None
        assert fast.items[0].unknown_fields == {key: {"nested": [key, None]}}
        assert fast.items[0].owner.unknown_fields == {key: {"nested": [key, None]}}
        if any(code in key for code in ("os.", "raise", "= int")):  # no builder has these
            assert key not in _generated_sources()


@pytest.mark.parametrize("key", UNLEARNABLE, ids=lambda k: repr(k[:12]))
def test_keys_msgspec_cannot_name_take_the_detailed_path(key: str) -> None:
    """Quotes, backslashes, control characters, overlong keys (1 MB too): never learned;
    the body is refused and the detailed path keeps the key in ``unknown_fields``.
    """
    with fresh_plans() as plans:
        page = _page_with(3, {"launchedAt": 1, key: "v"})
        body = encode(page)
        assert not check_agreement(body, IntegrationList)
        assert key not in plans._learned.get(Integration, ())
        assert structure(json.loads(body), IntegrationList).items[0].unknown_fields[key] == "v"
        # What could be learned was: a page without the odd key takes the fast path.
        assert check_agreement(encode(_page(launchedAt=2)), IntegrationList)


def test_ten_thousand_new_keys_close_the_class_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """More new keys than a class may learn: none is learned for it, one WARNING says so,
    and its pages take the detailed path; other classes still learn.
    """
    many = {f"k{index}": index for index in range(10_000)}
    page = _page(2)
    for item in page["items"]:
        item.update(many)
        item["owner"]["carbonFootprint"] = 1
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    with fresh_plans() as plans:
        for _ in range(3):
            assert not check_agreement(encode(page), IntegrationList)
        assert plans._learned == {Organization: ("carbonFootprint",)}
        assert Integration in plans._closed
    closing = [r for r in caplog.records if "learns no more" in r.getMessage()]
    assert len(closing) == 1
    assert closing[0].levelno == logging.WARNING
    assert "Integration" in closing[0].getMessage()


def test_the_learning_cap_per_class_is_exact() -> None:
    """A class learns up to LEARNED_FIELDS_PER_CLASS keys, over several pages."""
    with fresh_plans() as plans:
        half = LEARNED_FIELDS_PER_CLASS // 2
        first = {f"a{index}": index for index in range(half)}
        second = {f"b{index}": index for index in range(LEARNED_FIELDS_PER_CLASS - half)}
        assert check_agreement(encode(_page(**first)), IntegrationList)
        assert check_agreement(encode(_page(**second)), IntegrationList)
        assert len(plans._learned[Integration]) == LEARNED_FIELDS_PER_CLASS
        assert not check_agreement(encode(_page(one_more=1)), IntegrationList)
        assert Integration in plans._closed


def test_a_server_inventing_keys_on_every_page_stops_the_learning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each page brings a new key: learning stops after LEARNING_ATTEMPTS bodies (one
    WARNING), the mirrors are regenerated no more, every page still agrees.
    """
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    owners = OwnerMemo()
    with fresh_plans() as plans:
        for number in range(LEARNING_ATTEMPTS + 20):
            page = _page(2)
            page["items"][number % 2][f"invented{number}"] = number
            check_agreement(encode(page), IntegrationList, owners)
        generations = plans._generator
        builders = len(plans._builders)
        for number in range(10):
            page = _page(2)
            page["items"][0][f"later{number}"] = number
            assert not check_agreement(encode(page), IntegrationList, owners)
        assert plans._generator is generations
        assert len(plans._builders) == builders
        assert plans._attempts == LEARNING_ATTEMPTS + 1
    stopped = [r for r in caplog.records if "stopped learning" in r.getMessage()]
    assert len(stopped) == 1
    assert stopped[0].levelno == logging.WARNING


def test_a_mirror_decoded_before_learning_is_still_built() -> None:
    """A page decoded into mirrors, then another page that teaches new keys, then the first
    page's items built by the item plan (as a walk builds slices later): same models.
    """
    with fresh_plans():
        listing, item = plan_of(IntegrationList), plan_of(Integration)
        assert listing is not None
        assert item is not None
        old_body = encode(_page(2))
        old = listing.decode(old_body)
        new_body = encode(_page(2, launchedAt="soon"))
        assert decode_models(new_body, IntegrationList) is not None  # learns launchedAt
        built = [item.build(m, OwnerMemo()) for m in old.items]
        assert built == list(structure(json.loads(old_body), IntegrationList).items)
        # And the new generation reads the new page through the same plan objects.
        assert plan_of(IntegrationList) is listing
        mirror = listing.decode(new_body)
        assert item.build(mirror.items[0], OwnerMemo()).unknown_fields == {"launchedAt": "soon"}


def test_a_refused_body_raises_only_refusals() -> None:
    """decode() and build() raise REFUSALS (no msgspec exception) for what they do not read."""
    plan = plan_of(IntegrationList)
    assert plan is not None
    for body in (b"{", b"[]", b'{"items": NaN}', b"\xef\xbb\xbf{}"):
        with pytest.raises(REFUSALS):
            plan.decode(body)
    with pytest.raises(REFUSALS):
        plan.build(object(), OwnerMemo())


def test_learned_values_round_trip_exactly() -> None:
    """Nulls, nesting, wide integers, negative zero and odd strings come back as sent."""
    value: dict[str, Any] = {"a": None, "b": [1, 1.0, -0.0, 2**70, "é\u2028"], "c": {"": {}}}
    with fresh_plans():
        body = encode(_page(1, fresh=value))
        assert check_agreement(body, IntegrationList)
        fast = decode_models(body, IntegrationList)
        assert fast is not None
        assert fast.items[0].to_dict()["fresh"] == value
        assert fast.to_dict() == json.loads(body)


def test_importing_the_sdk_generates_nothing_and_imports_no_codecs() -> None:
    """Nothing is generated at import; msgspec, cattrs and the generator load on first use."""
    code = (
        "import sys, gitbook_async\n"
        "from gitbook_async._wire import _accelerated\n"
        "assert _accelerated._PLANS._plans == {}, 'plans made at import'\n"
        "lazy = ('msgspec', 'cattrs', 'gitbook_async._wire._accel_gen')\n"
        "loaded = [m for m in lazy if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert (InvalidWireData, RecursionError) == accelerated.REFUSALS


def test_a_long_walk_grows_nothing_in_the_wire_layer() -> None:
    """Pages after the first (new fields included) add no plan, builder, learned key or
    generated source; the owner memo keeps alive no more than its limit.
    """
    owners = OwnerMemo(limit=8)
    with fresh_plans() as plans:
        decode_models(encode(_page(20, launchedAt=0)), IntegrationList, owners=owners)
        sizes = (len(plans._plans), len(plans._builders), dict(plans._learned))
        sources = len(linecache.cache)
        for number in range(200):
            page = _page(20, launchedAt=number)
            for index, item in enumerate(page["items"]):
                item["owner"]["id"] = f"owner-{number}-{index}"  # a new owner every item
            assert decode_models(encode(page), IntegrationList, owners=owners) is not None
        assert (len(plans._plans), len(plans._builders), dict(plans._learned)) == sizes
        assert len(linecache.cache) == sources
        assert owners.kept(Organization) == 8  # and nothing else alive: the pages were dropped
        assert len(owners) == 8 + owners.kept(IntegrationConfigurations)
        assert plans._attempts == 1
