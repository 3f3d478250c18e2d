"""Response bodies to models (``_wire._pages``): ``read_models`` and ``read_list``, both paths.

The accelerated path (msgspec) reads what it can; a body it refuses takes the strict path
(``json.loads`` + cattrs), whose result or error is authoritative: both must give the same.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any, Final

import pytest

from gitbook_async import ResponseValidationError
from gitbook_async._body import BadBody
from gitbook_async._constants import (
    ACCELERATED_SLICE_ITEMS,
    BUILD_SLICE_ITEMS,
    OWNER_MEMO_PAGES,
    OWNER_MEMO_SIZE,
)
from gitbook_async._wire import (
    DecodedList,
    OwnerMemo,
    _pages,
    decode_models,
    read_list,
    read_models,
    structure,
    structure_json,
    structure_response,
)
from gitbook_async.models import (
    Integration,
    IntegrationConfigurations,
    IntegrationList,
    Organization,
    SpaceIntegrationBlocks,
    SpaceIntegrationScript,
)
from gitbook_async.testing import (
    make_block,
    make_block_group,
    make_integration,
    make_organization,
    make_script,
)

ENDPOINT: Final = "GET /spaces/{spaceId}/integrations"
BLOCKS: Final = tuple[SpaceIntegrationBlocks, ...]
SCRIPTS: Final = tuple[SpaceIntegrationScript, ...]
LONE_SURROGATE: Final = "\ud800"
"""Read by ``json.loads`` (escaped as ``\\ud800``), refused by msgspec: forces the strict path."""


def encode(data: Any) -> bytes:
    """Encode wire data as the server would (non-ASCII escaped, so lone surrogates survive)."""
    return json.dumps(data).encode()


def block_groups(count: int = 3) -> list[dict[str, Any]]:
    """``count`` integration-blocks items, two blocks each."""
    return [
        make_block_group(f"tool-{n}", [make_block(f"tool-{n}", f"b{k}", title="B") for k in "xy"])
        for n in range(count)
    ]


def integrations(count: int) -> list[dict[str, Any]]:
    """``count`` integrations whose owners repeat (three organizations)."""
    orgs = [make_organization(f"org_{n}") for n in range(3)]
    return [make_integration(f"int-{n}", owner=orgs[n % 3]) for n in range(count)]


def strict_only(data: Any) -> Any:
    """``data`` with a lone surrogate in its first free-text field: msgspec refuses it."""
    if isinstance(data, dict):
        data["items"][0]["description"] = f"x{LONE_SURROGATE}"
    else:
        data[0]["blocks"][0]["description"] = f"x{LONE_SURROGATE}"
    return data


def read(body: bytes) -> DecodedList[Integration] | BadBody:
    """``read_list`` of an integrations page."""
    return read_list(
        body,
        list_type=IntegrationList,
        item_type=Integration,
        endpoint=ENDPOINT,
        owners=OwnerMemo(),
    )


def decoded(body: bytes) -> DecodedList[Integration]:
    """``read_list`` of a page that must decode."""
    result = read(body)
    assert isinstance(result, DecodedList)
    return result


def on_fast_path(body: bytes) -> bool:
    """Whether the accelerated path reads this integrations page."""
    fast = _pages._read_fast(body, IntegrationList, Integration, ENDPOINT, OwnerMemo())
    if fast is None:
        return False
    fast.discard()
    return True


# --- read_models ------------------------------------------------------------------------------


@pytest.mark.parametrize("accelerated", [True, False], ids=["accelerated", "strict"])
@pytest.mark.parametrize(
    ("type_", "data"),
    [
        (BLOCKS, block_groups()),
        (SCRIPTS, [make_script("https://a.test/a.js"), make_script("https://b.test/b.js")]),
    ],
    ids=["blocks", "scripts"],
)
def test_read_models_gives_the_strict_paths_models(
    type_: Any, data: list[dict[str, Any]], accelerated: bool
) -> None:
    """Accelerated or not (msgspec refusing the body), the models equal the strict path's."""
    if not accelerated:
        if type_ is SCRIPTS:
            data[0]["script"] = f"https://a.test/{LONE_SURROGATE}.js"
        else:
            strict_only(data)
    body = encode(data)
    assert (decode_models(body, type_) is not None) is accelerated
    models = read_models(body, type_, endpoint=ENDPOINT)
    assert not isinstance(models, BadBody)
    assert models == structure_response(json.loads(body), type_, endpoint=ENDPOINT)
    assert len(models) == len(data)


BAD_BODIES: Final = pytest.mark.parametrize(
    ("body", "transient", "problem"),
    [
        (b"", True, "not valid JSON"),
        (b'[{"name": ', True, "not valid JSON"),
        (b'{"items": [', True, "not valid JSON"),
        (b"\xff[]", False, "not valid UTF-8"),
        (b"[NaN]", False, "not finite"),
        (b'{"items": [], "count": 1e400}', False, "not finite"),
    ],
    ids=["empty", "cut-array", "cut-object", "bad-utf8", "nan", "overflow"],
)


@BAD_BODIES
def test_read_models_returns_bad_body_for_unusable_json(
    body: bytes, transient: bool, problem: str
) -> None:
    """A body that is not JSON is a BadBody (transient when cut short), not an exception."""
    result = read_models(body, BLOCKS, endpoint=ENDPOINT)
    assert isinstance(result, BadBody)
    assert result.transient is transient
    assert problem in result.problem


@BAD_BODIES
def test_read_list_returns_bad_body_for_unusable_json(
    body: bytes, transient: bool, problem: str
) -> None:
    """``read_list`` says the same of the same bodies."""
    result = read(body)
    assert isinstance(result, BadBody)
    assert result.transient is transient
    assert problem in result.problem


@pytest.mark.parametrize("accelerated", [True, False], ids=["accelerated", "strict"])
def test_read_models_names_the_path_of_a_wrong_value(accelerated: bool) -> None:
    """JSON of the wrong shape raises ResponseValidationError with the value's path."""
    data = block_groups()
    if not accelerated:
        strict_only(data)
    data[1]["blocks"][1]["title"] = 5
    with pytest.raises(ResponseValidationError) as caught:
        read_models(encode(data), BLOCKS, endpoint=ENDPOINT)
    assert caught.value.path == "[1].blocks[1].title"
    assert caught.value.endpoint == ENDPOINT


# --- read_list --------------------------------------------------------------------------------


@pytest.mark.parametrize("accelerated", [True, False], ids=["accelerated", "strict"])
@pytest.mark.parametrize("following", [None, "c2"], ids=["last-page", "more-pages"])
async def test_read_list_knows_the_cursor_and_size_before_building(
    following: str | None, accelerated: bool
) -> None:
    """``next_page`` and ``size`` are known at once; ``build()`` gives the strict path's page."""
    data: dict[str, Any] = {"items": integrations(5), "count": 12}
    if following is not None:
        data["next"] = {"page": following}
    if not accelerated:
        strict_only(data)
    body = encode(data)
    assert on_fast_path(body) is accelerated
    page = decoded(body)
    assert (page.next_page, page.size) == (following, 5)
    built = await page.build()
    listing = structure_response(json.loads(body), IntegrationList, endpoint=ENDPOINT)
    assert (built.items, built.count) == (listing.items, listing.count)


@pytest.mark.parametrize(
    "data",
    [
        {"items": [], "next": {"page": 5}},
        {"items": [], "next": "c2"},
        {"items": {}},
        [],
    ],
    ids=["page-int", "next-str", "items-object", "array"],
)
def test_a_page_whose_cursor_cannot_be_read_raises_at_once(data: Any) -> None:
    """A page without readable items or ``next.page`` raises when read, not when built."""
    with pytest.raises(ResponseValidationError) as caught:
        read(encode(data))
    assert caught.value.endpoint == ENDPOINT


def _bad_version(items: list[dict[str, Any]]) -> None:
    items[7]["version"] = "x"


def _bad_owner(items: list[dict[str, Any]]) -> None:
    items[4]["owner"]["title"] = 5


def _strict_missing_name(items: list[dict[str, Any]]) -> None:
    strict_only({"items": items})
    del items[9]["name"]


@pytest.mark.parametrize(
    ("edit", "path", "accelerated"),
    [
        (_bad_version, "items[7].version", False),
        (_bad_owner, "items[4].owner.title", True),
        (_strict_missing_name, "items[9]", False),
    ],
    ids=["item-field", "owner-found-at-build", "strict-missing-key"],
)
async def test_an_invalid_item_is_reported_at_build_with_its_page_path(
    edit: Callable[[list[dict[str, Any]]], None], path: str, accelerated: bool
) -> None:
    """An invalid item raises at build() with its path in the page, on either path."""
    items = integrations(2 * BUILD_SLICE_ITEMS)
    edit(items)
    body = encode({"items": items, "next": {"page": "c2"}})
    assert on_fast_path(body) is accelerated
    page = decoded(body)
    assert (page.next_page, page.size) == ("c2", 2 * BUILD_SLICE_ITEMS)
    with pytest.raises(ResponseValidationError) as caught:
        await page.build()
    assert caught.value.path.startswith(path)
    assert caught.value.endpoint == ENDPOINT


@pytest.mark.parametrize("accelerated", [True, False], ids=["accelerated", "strict"])
async def test_a_page_is_built_once_and_can_be_discarded(accelerated: bool) -> None:
    """A second ``build()`` raises RuntimeError, as does one after ``discard()``."""
    data = {"items": integrations(2)}
    body = encode(data if accelerated else strict_only(data))
    page = decoded(body)
    assert len((await page.build()).items) == 2
    with pytest.raises(RuntimeError, match="built only once"):
        await page.build()
    dropped = decoded(body)
    dropped.discard()
    dropped.discard()  # idempotent
    with pytest.raises(RuntimeError, match="built only once"):
        await dropped.build()


@pytest.fixture
async def ticks() -> AsyncIterator[list[int]]:
    """A task counting the event loop's turns while a test runs."""
    counter = [0]

    async def ticker() -> None:
        while True:
            counter[0] += 1
            await asyncio.sleep(0)

    task = asyncio.ensure_future(ticker())
    await asyncio.sleep(0)
    yield counter
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize(
    ("accelerated", "slice_items"),
    [(True, ACCELERATED_SLICE_ITEMS), (False, BUILD_SLICE_ITEMS)],
    ids=["accelerated", "strict"],
)
async def test_building_a_page_yields_to_the_loop_between_slices(
    accelerated: bool, slice_items: int, ticks: list[int]
) -> None:
    """A page of 3 slices and one item lets other tasks run during each of its 4 slices."""
    data = {"items": integrations(3 * slice_items + 1)}
    body = encode(data if accelerated else strict_only(data))
    assert on_fast_path(body) is accelerated
    page = decoded(body)
    before = ticks[0]
    built = await page.build()
    assert ticks[0] - before >= 4
    assert len(built.items) == 3 * slice_items + 1


async def test_a_walk_memo_keeps_about_two_pages_of_owners_alive() -> None:
    """``read_list`` fits the memo to the page: once the pages are dropped it keeps alive
    about ``OWNER_MEMO_PAGES`` pages' worth of owners, not the walk's."""
    owners = OwnerMemo()
    size = 40
    for number in range(5):
        items = [
            make_integration(f"int-{n}", owner=make_organization(f"org-{number}-{n}"))
            for n in range(size)
        ]
        page = read_list(
            encode({"items": items, "next": {"page": "next"}}),
            list_type=IntegrationList,
            item_type=Integration,
            endpoint=ENDPOINT,
            owners=owners,
        )
        assert isinstance(page, DecodedList)
        built = await page.build()
        assert len({id(item.owner) for item in built.items}) == size
        del built, page
    assert owners.kept(Organization) == min(OWNER_MEMO_SIZE, OWNER_MEMO_PAGES * size)
    assert len(owners) <= OWNER_MEMO_PAGES * size + owners.kept(IntegrationConfigurations)


# --- structure_json: the public bytes -> models path ---------------------------------------


@pytest.mark.parametrize("as_text", [False, True], ids=["bytes", "str"])
def test_structure_json_gives_what_structure_gives_for_the_decoded_json(as_text: bool) -> None:
    """``structure_json(body)`` builds the models ``structure(json.loads(body))`` builds."""
    body = encode({"items": integrations(5), "next": {"page": "c2"}, "count": 5})
    given: bytes | str = body.decode() if as_text else body
    listing = structure_json(given, IntegrationList)
    assert listing == structure(json.loads(body), IntegrationList)
    assert [i.to_dict() for i in listing.items] == json.loads(body)["items"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"items": [', "not valid JSON"),
        (b'{"items": [], "count": NaN}', "not finite"),
        (b'"\xff"', "not valid UTF-8"),
        ("\ud800", "not valid UTF-8"),
    ],
    ids=["cut-short", "nan", "invalid-utf8", "lone-surrogate"],
)
def test_structure_json_refuses_text_that_is_not_json(body: bytes | str, problem: str) -> None:
    """Text that is not strict JSON raises ResponseValidationError saying why."""
    with pytest.raises(ResponseValidationError, match=problem) as caught:
        structure_json(body, IntegrationList)
    assert "structure_json()" in str(caught.value)


def test_structure_json_names_the_path_of_a_wrong_value() -> None:
    """JSON of the wrong shape raises with the JSON path of the bad value."""
    items = integrations(3)
    items[2]["owner"]["title"] = 5
    with pytest.raises(ResponseValidationError) as caught:
        structure_json(encode({"items": items}), IntegrationList)
    assert caught.value.path == "items[2].owner.title"
