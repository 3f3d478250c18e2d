"""Pipelined walks (issue 12): the next request leaves before a page is built, pages are
built in slices, walks that end early leave nothing in reference cycles, and the accelerated
path agrees with the strict JSON + cattrs path on every page, accepted or refused.

The end-to-end tests run against the fake GitBook (``gitbook_async.testing``) on 127.0.0.1,
each under a hard timeout.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import gc
import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final

import attrs
import pytest

from gitbook_async import (
    AsyncPaginator,
    GitBookClient,
    GitBookError,
    Integration,
    Page,
    ResponseValidationError,
    RetryPolicy,
)
from gitbook_async._body import BadBody, read_json
from gitbook_async._constants import BUILD_SLICE_ITEMS
from gitbook_async._pagination import RawPage
from gitbook_async._wire import _pages, structure_response
from gitbook_async.models import IntegrationList, SpaceIntegrationBlocks, SpaceIntegrationScript
from gitbook_async.testing import (
    FakeGitBook,
    Fault,
    make_block,
    make_block_group,
    make_integration,
    make_organization,
    make_script,
)
from gitbook_async.testing._wire import dumps

TOKEN: Final = "gb_api_pipeline_test_token"
SPACE: Final = "space_pipeline"
INVALID_SPACE: Final = "space_pipeline_invalid"
ENDPOINT: Final = "GET /spaces/{spaceId}/integrations"
HARD_TIMEOUT: Final = 60.0
PAGE_SIZE: Final = 100
MAX_CYCLES: Final = 100  # issue 12's goal for 10 walks ended early


def integrations(count: int, *, owners: int = 7) -> list[dict[str, Any]]:
    """``count`` integrations drawn from ``owners`` organizations (owners repeat)."""
    orgs = [make_organization(f"org_{n}", title=f"Org {n}") for n in range(owners)]
    return [make_integration(f"int-{n}", owner=orgs[n % owners]) for n in range(count)]


@pytest.fixture
async def server() -> AsyncIterator[FakeGitBook]:
    """The fake GitBook with a 300-item space and one whose item 150 is invalid."""
    async with FakeGitBook(token=TOKEN) as fake:
        fake.add_space(SPACE, integrations=integrations(300))
        bad = integrations(300)
        bad[150]["version"] = "not a number"
        fake.add_space(INVALID_SPACE, integrations=bad)
        yield fake


@pytest.fixture
async def gitbook(server: FakeGitBook) -> AsyncIterator[GitBookClient]:
    """A client of the fake that never retries (one response, one outcome)."""
    async with GitBookClient(TOKEN, base_url=server.url, retry=RetryPolicy(max_retries=0)) as c:
        yield c


async def within_timeout(awaitable: Awaitable[Any]) -> Any:
    """Await with the hard per-test timeout (hostile-server rule)."""
    return await asyncio.wait_for(awaitable, HARD_TIMEOUT)


# --- the next request does not wait for the build -----------------------------------------


class GatedFetch:
    """A fetch-page function whose pages are ``RawPage``s built only once a gate opens."""

    def __init__(self, pages: int) -> None:
        self.pages = pages
        self.calls: list[str | None] = []
        self.gate = asyncio.Event()
        self.builds: list[str | None] = []

    async def __call__(self, cursor: str | None) -> RawPage[int]:
        self.calls.append(cursor)
        number = 1 if cursor is None else int(cursor[1:])
        next_page = f"c{number + 1}" if number < self.pages else None

        async def build() -> Page[int]:
            self.builds.append(cursor)
            await self.gate.wait()
            return Page(items=(number,), next_page=next_page)

        return RawPage(next_page=next_page, size=1, build=build)


async def test_with_prefetch_the_next_request_leaves_before_the_page_is_built() -> None:
    """With prefetch=1 the walk requests page 3 while page 2 is still being built (the
    first page is built before anything runs ahead).
    """
    fetch = GatedFetch(pages=3)
    async with AsyncPaginator(fetch, prefetch=1).pages() as pages:
        fetch.gate.set()
        assert (await anext(pages)).items == (1,)
        fetch.gate.clear()
        second = asyncio.ensure_future(anext(pages))
        for _ in range(10):
            await asyncio.sleep(0)
        assert fetch.builds == [None, "c2"]  # page 2 is being built ...
        assert fetch.calls == [None, "c2", "c3"]  # ... and page 3 is requested meanwhile
        assert not second.done()
        fetch.gate.set()
        assert (await second).items == (2,)
        assert [page.items async for page in pages] == [(3,)]


async def test_a_walk_stopped_within_its_first_page_requests_no_second_page() -> None:
    """With prefetch=1, nothing runs ahead until the first page was handed over: a caller
    that stops within it (without awaiting anything else) sends one request only.
    """
    fetch = GatedFetch(pages=3)
    fetch.gate.set()
    async for _ in AsyncPaginator(fetch, prefetch=1):
        break
    for _ in range(10):
        await asyncio.sleep(0)
    assert fetch.calls == [None]


async def test_without_prefetch_the_next_request_waits_for_the_walk() -> None:
    """With prefetch=0 nothing is requested ahead, even while a page is built."""
    fetch = GatedFetch(pages=2)
    fetch.gate.set()
    async with AsyncPaginator(fetch, prefetch=0).pages() as pages:
        assert (await anext(pages)).items == (1,)
        assert fetch.calls == [None]


async def test_a_raw_page_is_built_once() -> None:
    """``RawPage.build()`` runs its builder once; a second call is a RuntimeError."""
    page = RawPage.of(Page(items=(1,), next_page=None))
    assert (await page.build()).items == (1,)
    with pytest.raises(RuntimeError):
        await page.build()


def read_data(data: Any) -> _pages.DecodedList[Integration]:
    """Read a decoded page on the strict (json.loads + cattrs) path."""
    return _pages._read_data(data, IntegrationList, Integration, ENDPOINT)


async def test_a_page_is_built_in_slices_that_yield_to_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Building a page on the cattrs path lets other tasks run between slices of items."""
    data = {"items": integrations(3 * BUILD_SLICE_ITEMS + 1)}
    raw = read_data(data)
    assert (raw.size, raw.next_page) == (3 * BUILD_SLICE_ITEMS + 1, None)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.ensure_future(ticker())
    await asyncio.sleep(0)
    built = await raw.build()
    task.cancel()
    assert ticks >= 4  # the ticker ran during each of the 4 slices
    listing = structure_response(data, IntegrationList, endpoint=ENDPOINT)
    assert (built.items, built.count) == (listing.items, listing.count)


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"items": {}},
        {"items": [], "next": {}},
        {"items": [], "next": {"page": None}},
        {"items": [], "next": {"page": 5}},
        {"items": [], "next": "c2"},
    ],
    ids=["array", "items-object", "next-empty", "next-page-null", "next-page-int", "next-str"],
)
def test_a_page_whose_cursor_cannot_be_read_fails_like_the_structured_path(data: Any) -> None:
    """A body whose items or ``next.page`` cannot be read is structured at once and raises
    the structured path's error.
    """
    with pytest.raises(ResponseValidationError) as expected:
        structure_response(data, IntegrationList, endpoint=ENDPOINT)
    with pytest.raises(ResponseValidationError) as caught:
        read_data(data)
    assert_same_error(caught.value, expected.value)


async def test_an_invalid_item_in_a_later_slice_names_its_path_in_the_page() -> None:
    """An invalid item found while building in slices is reported with the page's path."""
    data: dict[str, Any] = {"items": integrations(2 * BUILD_SLICE_ITEMS), "next": {"page": "c2"}}
    data["items"][BUILD_SLICE_ITEMS + 1]["owner"]["title"] = 5
    raw = read_data(data)
    assert raw.next_page == "c2"
    with pytest.raises(ResponseValidationError) as caught:
        await raw.build()
    assert caught.value.path == f"items[{BUILD_SLICE_ITEMS + 1}].owner.title"


# --- reference cycles ---------------------------------------------------------------------


class CallerError(Exception):
    """Raised by a test's own loop body."""


async def end_early(gitbook: GitBookClient, ending: str, *, prefetch: int) -> None:
    """Run one walk that ends the way ``ending`` says, swallowing how it ended."""
    space = INVALID_SPACE if ending == "invalid" else SPACE
    reached = asyncio.Event()

    async def walk() -> None:
        count = 0
        paginator = gitbook.spaces.list_integrations(space, limit=PAGE_SIZE, prefetch=prefetch)
        async for _ in paginator:
            count += 1
            if ending == "break" and count == 50:
                break
            if ending == "error" and count == 150:
                raise CallerError
            if ending == "cancel" and count == PAGE_SIZE:
                reached.set()  # the canceller runs once this walk waits for page 2

    try:
        if ending == "cancel":
            task = asyncio.ensure_future(walk())
            await reached.wait()
            task.cancel()
            await task
        else:
            await walk()
    except (asyncio.CancelledError, CallerError, GitBookError):
        pass


async def left_in_cycles(gitbook: GitBookClient, endings: list[str], *, prefetch: int) -> int:
    """What 10 walks ended early leave for the cyclic garbage collector (gc.collect())."""
    for ending in endings:  # warm-up: connections, hooks, generated code
        await end_early(gitbook, ending, prefetch=prefetch)
    gc.collect()
    gc.disable()
    try:
        for n in range(10):
            await end_early(gitbook, endings[n % len(endings)], prefetch=prefetch)
        await asyncio.sleep(0.05)  # let cancelled requests and closed connections wind down
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            found = gc.collect()
            floor = closed_transport_objects(gc.garbage)
            kinds = collections.Counter(type(o).__name__ for o in gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    finally:
        gc.enable()
    # Nothing of a walk may be among them: no model, no page, no frame, no exception.
    assert not kinds.keys() & {"Integration", "Organization", "Page", "frame", "Taken"}, kinds
    assert found - floor < MAX_CYCLES, kinds.most_common(10)
    return found


# A socket transport of CPython 3.11's asyncio keeps a bound method of itself: each closed
# connection (a request cancelled mid-flight, on the client and on the in-process server)
# leaves a small cycle, whatever the client code. They are not the SDK's: not counted.
_TRANSPORT_CYCLE_TYPES: Final = ("method", "dict", "tuple", "socket", "TransportSocket")


def closed_transport_objects(garbage: list[Any]) -> int:
    """Count the objects of closed asyncio transports' own cycles among ``garbage``."""
    in_garbage = {id(o) for o in garbage}
    todo: list[Any] = [o for o in garbage if isinstance(o, asyncio.Transport)]
    seen: set[int] = set()
    while todo:
        obj = todo.pop()
        if id(obj) in seen or id(obj) not in in_garbage:
            continue
        if not isinstance(obj, asyncio.Transport) and type(obj).__name__ not in (
            _TRANSPORT_CYCLE_TYPES
        ):
            continue
        seen.add(id(obj))
        todo += gc.get_referents(obj)
    return len(seen)


@pytest.mark.parametrize("prefetch", [0, 1], ids=["prefetch0", "prefetch1"])
@pytest.mark.parametrize(
    "endings",
    [["break"], ["error"], ["cancel"], ["invalid"], ["break", "error", "cancel", "invalid"]],
    ids=["break", "error", "cancel", "invalid", "mixed"],
)
async def test_walks_ended_early_leave_almost_nothing_in_reference_cycles(
    gitbook: GitBookClient, endings: list[str], prefetch: int
) -> None:
    """10 walks ended early (break, caller error, cancellation, invalid page) leave fewer
    than 100 objects to the cyclic garbage collector, and none of them is a page's.
    """
    await within_timeout(left_in_cycles(gitbook, endings, prefetch=prefetch))


# --- the accelerated path agrees with the strict JSON + cattrs path -----------------------


def page_of(listing: IntegrationList) -> Page[Integration]:
    """The ``Page`` a walk yields for a structured listing (no cursor)."""
    return Page(
        items=listing.items,
        next_page=None if listing.next is None else listing.next.page,
        count=listing.count,
    )


def expected_outcome(body: bytes) -> Page[Integration] | GitBookError:
    """What the walk gave before issue 12: strict ``json.loads``, then the cattrs path."""
    data = read_json(body)
    if isinstance(data, BadBody):
        return attrs.evolve(data, endpoint=ENDPOINT).error()
    try:
        return page_of(structure_response(data, IntegrationList, endpoint=ENDPOINT))
    except GitBookError as exc:
        return exc


def assert_same_error(actual: BaseException, expected: BaseException) -> None:
    """Same class, same message, same (path, problem) pairs."""
    assert type(actual) is type(expected)
    assert str(actual) == str(expected)
    assert isinstance(actual, GitBookError)
    assert getattr(actual, "errors", None) == getattr(expected, "errors", None)


def base_page() -> dict[str, Any]:
    """A valid wire page: 6 integrations of 3 owners, a next cursor and a count."""
    page: dict[str, Any] = {"items": integrations(6, owners=3), "next": {"page": "c2"}}
    page["count"] = 12
    return page


def edited(edit: Callable[[dict[str, Any]], Any]) -> bytes:
    """The bytes of ``base_page()`` after ``edit``."""
    page = base_page()
    edit(page)
    return dumps(page)


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit setting the value at ``path``."""

    def edit(page: dict[str, Any]) -> None:
        target: Any = page
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def _delete(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    """An edit deleting the key at ``path``."""

    def edit(page: dict[str, Any]) -> None:
        target: Any = page
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return edit


BASE: Final = dumps(base_page())
MUTATED_PAGES: Final[dict[str, bytes]] = {
    "valid": BASE,
    "last-page": edited(_delete(("next",))),
    "next-null": edited(_set(("next",), None)),
    "count-null": edited(_set(("count",), None)),
    "count-float": edited(_set(("count",), 12.5)),
    "count-huge-int": BASE.replace(b'"count":12', b'"count":' + b"9" * 30),
    "count-1e400": BASE.replace(b'"count":12', b'"count":1e400'),
    "count-nan": BASE.replace(b'"count":12', b'"count":NaN'),
    "count-string": edited(_set(("count",), "12")),
    "unknown-envelope-field": edited(_set(("extra",), {"x": 1})),
    "unknown-item-field": edited(_set(("items", 2, "newField"), [1, 2])),
    "unknown-owner-field": edited(_set(("items", 1, "owner", "newField"), True)),
    "explicit-null": edited(_set(("items", 0, "description"), None)),
    "version-string": edited(_set(("items", 3, "version"), "3")),
    "version-bool": edited(_set(("items", 3, "version"), True)),
    "owner-title-int": edited(_set(("items", 4, "owner", "title"), 5)),
    "owner-missing-created": edited(_delete(("items", 5, "owner", "createdAt"))),
    "owner-bad-timestamp": edited(_set(("items", 5, "owner", "createdAt"), "yesterday")),
    "new-enum-value": edited(_set(("items", 0, "visibility"), "galactic")),
    "missing-name": edited(_delete(("items", 1, "name"))),
    "items-null": edited(_set(("items",), None)),
    "next-page-int": edited(_set(("next", "page"), 2)),
    "next-empty": edited(_set(("next",), {})),
    "bom": b"\xef\xbb\xbf" + BASE,
    "invalid-utf8": BASE.replace(b'"c2"', b'"c\xff"'),
    "lone-surrogate": BASE.replace(b'"c2"', b'"\\ud800c2"'),
    "owner-invalid-utf8": BASE.replace(b'"title":"Org 1"', b'"title":"Org \xff1"', 1),
    "owner-lone-surrogate": BASE.replace(b'"title":"Org 1"', b'"title":"Org \\udc001"', 1),
    "owner-nan": BASE.replace(b'"title":"Org 1"', b'"title":NaN', 1),
    "truncated": BASE[:-30],
    "trailing-garbage": BASE + b"]",
    "deep-nesting": BASE.replace(b'"count":12', b'"count":' + b"[" * 5000 + b"]" * 5000),
}


def random_mutations(count: int, *, seed: int = 12) -> dict[str, bytes]:
    """Pages with one value somewhere replaced by a value of another JSON type."""
    rng = random.Random(seed)
    junk: list[Any] = [None, "x", "", 0, -1, 1.5, True, [], {}, ["x"], {"a": 1}]
    mutations: dict[str, bytes] = {}
    while len(mutations) < count:
        page = base_page()
        path: list[Any] = []
        target: Any = page
        while isinstance(target, (dict, list)) and target and rng.random() < 0.85:
            key = (
                rng.choice(list(target)) if isinstance(target, dict) else rng.randrange(len(target))
            )
            path.append(key)
            target = target[key]
        if not path:
            continue
        value = rng.choice(junk)
        _set(tuple(path), copy.deepcopy(value))(page)
        mutations[f"{'.'.join(map(str, path))}={json.dumps(value)}"] = dumps(page)
    return mutations


ALL_PAGES: Final = {**MUTATED_PAGES, **random_mutations(40)}


async def test_every_mutated_page_gives_the_result_or_error_of_the_strict_cattrs_path(
    server: FakeGitBook, gitbook: GitBookClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the fake, each mutated first page gives the same page (equal models, equal
    ``to_dict()``) or the same error as strict ``json.loads`` + cattrs did before.
    """
    accelerated: list[bool] = []

    read_fast = _pages._read_fast

    def counted(*args: Any) -> _pages.DecodedList[Any] | None:
        listing = read_fast(*args)
        accelerated.append(listing is not None)
        return listing

    monkeypatch.setattr(_pages, "_read_fast", counted)
    for label, body in ALL_PAGES.items():
        expected = expected_outcome(body)
        server.inject(Fault.status(200, body=body), times=1)
        actual: Page[Integration] | GitBookError
        try:
            # prefetch=0: a prefetch request could meet the fault injected for the next page
            pages = gitbook.spaces.list_integrations(SPACE, prefetch=0).pages()
            async with pages:
                actual = await within_timeout(anext(pages))
        except GitBookError as exc:
            actual = exc
        if isinstance(expected, GitBookError):
            assert isinstance(actual, GitBookError), label
            assert_same_error(actual, expected)
        else:
            assert isinstance(actual, Page), (label, actual)
            assert actual.items == expected.items, label
            assert [i.to_dict() for i in actual.items] == [i.to_dict() for i in expected.items]
            assert (actual.next_page, actual.count) == (expected.next_page, expected.count)
            assert type(actual.count) is type(expected.count), label
    # Both paths were taken: the accelerated one read some pages and refused others.
    assert True in accelerated
    assert False in accelerated


async def test_owners_are_built_once_per_client_and_not_shared_between_clients(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """On the accelerated path a client builds each distinct owner once, across all its walks;
    another client builds its own.
    """
    paginator = gitbook.spaces.list_integrations(SPACE, limit=PAGE_SIZE)
    first = await within_timeout(paginator.collect())
    second = await within_timeout(paginator.collect())
    assert first == second
    assert len({id(item.owner) for item in first}) == 7
    assert all(a.owner is b.owner for a, b in zip(first, second, strict=True))
    async with GitBookClient(server.token, base_url=server.url) as other:
        third = await within_timeout(other.spaces.list_integrations(SPACE).collect())
    assert third == first
    assert not {id(item.owner) for item in first} & {id(item.owner) for item in third}


async def test_integration_blocks_and_scripts_agree_with_the_cattrs_path(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """The list endpoints give the models the cattrs path builds from the same bodies."""
    blocks_wire = [make_block_group("slack", [make_block("slack", "embed", title="Embed")])]
    scripts_wire = [make_script("https://example.com/a.js", csp="script-src 'self'")]
    server.add_space("space_lists", blocks=blocks_wire, scripts=scripts_wire)
    blocks = await within_timeout(gitbook.spaces.list_integration_blocks("space_lists"))
    scripts = await within_timeout(gitbook.spaces.list_integration_scripts("space_lists"))
    expected_blocks = structure_response(
        json.loads(dumps(blocks_wire)), tuple[SpaceIntegrationBlocks, ...], endpoint="x"
    )
    expected_scripts = structure_response(
        json.loads(dumps(scripts_wire)), tuple[SpaceIntegrationScript, ...], endpoint="x"
    )
    assert blocks == list(expected_blocks)
    assert scripts == list(expected_scripts)
    assert [b.to_dict() for b in blocks] == [b.to_dict() for b in expected_blocks]


async def test_list_endpoints_fall_back_to_the_cattrs_path_for_fields_newer_than_the_models(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """A list body the accelerated path refuses (an unknown field) is structured by cattrs,
    which keeps the unknown field; an invalid one raises the cattrs path's error.
    """
    scripts_wire = [{**make_script("https://example.com/a.js"), "newField": 1}]
    server.add_space("space_new_fields", scripts=scripts_wire)
    scripts = await within_timeout(gitbook.spaces.list_integration_scripts("space_new_fields"))
    assert [script.to_dict() for script in scripts] == scripts_wire
    bad_wire = [{**make_script("https://example.com/a.js"), "cookies": "yes"}]
    server.add_space("space_bad_scripts", scripts=bad_wire)
    with pytest.raises(ResponseValidationError) as caught:
        await within_timeout(gitbook.spaces.list_integration_scripts("space_bad_scripts"))
    with pytest.raises(ResponseValidationError) as expected:
        structure_response(
            bad_wire,
            tuple[SpaceIntegrationScript, ...],
            endpoint="GET /spaces/{spaceId}/integration-scripts",
        )
    assert_same_error(caught.value, expected.value)
