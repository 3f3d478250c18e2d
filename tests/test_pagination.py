"""Tests of gitbook_async._pagination: lazy cursor walks over plain async fetch functions."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Sequence
from typing import Any, TypeVar

import attrs
import pytest

from gitbook_async import (
    AsyncItemIterator,
    AsyncPageIterator,
    AsyncPaginator,
    GitBookError,
    InvalidArgumentError,
    Page,
    PaginationError,
)
from gitbook_async._constants import FINISH_GRACE

T = TypeVar("T")

BOTH_MODES = pytest.mark.parametrize("prefetch", [0, 1], ids=["prefetch0", "prefetch1"])


def chain(*sizes: int, start: str | None = None) -> dict[str | None, Page[int]]:
    """Pages of consecutive ints, linked by the cursors "c2", "c3", ...; the first at ``start``."""
    pages: dict[str | None, Page[int]] = {}
    first = 0
    for number, size in enumerate(sizes, start=1):
        cursor = start if number == 1 else f"c{number}"
        next_page = f"c{number + 1}" if number < len(sizes) else None
        items = tuple(range(first, first + size))
        pages[cursor] = Page(items=items, next_page=next_page, cursor=cursor)
        first += size
    return pages


def relink(pages: dict[str | None, Page[int]], cursor: str | None, next_page: str) -> None:
    """Make the page at ``cursor`` point to ``next_page`` (e.g. a cursor already used)."""
    pages[cursor] = attrs.evolve(pages[cursor], next_page=next_page)


class FakeFetch:
    """A fetch-page function serving ``pages``; pages can be held back or made to fail."""

    def __init__(self, pages: dict[str | None, Page[int]]) -> None:
        self.pages = pages
        self.calls: list[str | None] = []
        self.cancelled: list[str | None] = []
        self.errors: dict[str | None, Exception] = {}
        self._gates: dict[str | None, asyncio.Event] = {}

    def hold(self, *cursors: str | None) -> None:
        """Make the fetches of these pages wait until ``release()``."""
        for cursor in cursors:
            self._gates[cursor] = asyncio.Event()

    def release(self, cursor: str | None) -> None:
        """Let the fetch of this page complete."""
        self._gates[cursor].set()

    async def __call__(self, cursor: str | None) -> Page[int]:
        self.calls.append(cursor)
        gate = self._gates.get(cursor)
        if gate is not None:
            try:
                await gate.wait()
            except asyncio.CancelledError:
                self.cancelled.append(cursor)
                raise
        if cursor in self.errors:
            raise self.errors[cursor]
        return self.pages[cursor]


async def settle() -> None:
    """Let every ready task run until it blocks."""
    for _ in range(10):
        await asyncio.sleep(0)


async def assert_no_other_task() -> None:
    """Assert that nothing but the test itself is left running (no stray prefetch)."""
    await settle()
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def take(pages: AsyncPageIterator[T]) -> Page[T]:
    """Await the next page (a coroutine, so that it can become a task)."""
    return await anext(pages)


async def drain(paginator: AsyncPaginator[int], into: list[int]) -> None:
    """Append every item of a walk to ``into`` (what was yielded survives an error)."""
    async for item in paginator:
        into.append(item)


def items_of(pages: Sequence[Page[int]]) -> list[int]:
    return [item for page in pages for item in page.items]


# --- Page -----------------------------------------------------------------------------------


def test_page_is_a_frozen_value_with_a_length() -> None:
    """A Page is immutable, its len() is its item count, and count/cursor default to None."""
    page = Page(items=(1, 2, 3), next_page="c2")
    assert len(page) == 3
    assert page.count is None
    assert page.cursor is None
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        page.next_page = None  # type: ignore[misc]


# --- laziness -------------------------------------------------------------------------------


@BOTH_MODES
async def test_creating_a_paginator_or_its_iterators_fetches_nothing(prefetch: int) -> None:
    """Building a paginator, ``aiter()`` and ``pages()`` send nothing and start no task."""
    fetch = FakeFetch(chain(2, 2))
    paginator = AsyncPaginator(fetch, prefetch=prefetch)
    items = aiter(paginator)
    pages = paginator.pages()
    assert isinstance(items, AsyncItemIterator)
    assert isinstance(pages, AsyncPageIterator)
    await assert_no_other_task()
    assert fetch.calls == []
    await items.aclose()
    await pages.aclose()


@BOTH_MODES
async def test_first_fetch_happens_on_first_anext(prefetch: int) -> None:
    """The first page is fetched by the first ``__anext__``, with no cursor."""
    fetch = FakeFetch(chain(2, 2))
    async with aiter(AsyncPaginator(fetch, prefetch=prefetch)) as items:
        assert fetch.calls == []
        assert await anext(items) == 0
        assert fetch.calls[0] is None


async def test_without_prefetch_a_page_is_fetched_only_when_the_previous_is_used_up() -> None:
    """With prefetch=0 the next page is requested only once the last item of the current one
    has been taken.
    """
    fetch = FakeFetch(chain(2, 2, 2))
    async with aiter(AsyncPaginator(fetch, prefetch=0)) as items:
        assert [await anext(items), await anext(items)] == [0, 1]
        await settle()
        assert fetch.calls == [None]
        assert await anext(items) == 2
        assert fetch.calls == [None, "c2"]


async def test_prefetch_1_fetches_exactly_one_page_ahead_and_no_more() -> None:
    """With prefetch=1 the next page is fetched while the consumer holds the current one,
    and the page after it only once the consumer takes the prefetched page.
    """
    fetch = FakeFetch(chain(2, 2, 2))
    fetch.hold(None, "c2", "c3")
    async with AsyncPaginator(fetch, prefetch=1).pages() as pages:
        first = asyncio.create_task(take(pages))
        await settle()
        assert fetch.calls == [None]
        assert not first.done()  # the consumer waits for the page in flight
        fetch.release(None)
        assert (await first).items == (0, 1)

        await settle()
        assert fetch.calls == [None, "c2"]  # one page ahead while page 1 is worked on
        second = asyncio.create_task(take(pages))
        await settle()
        assert not second.done()  # ... and the consumer waits for it
        fetch.release("c2")
        assert (await second).items == (2, 3)

        await settle()
        assert fetch.calls == [None, "c2", "c3"]
        fetch.release("c3")
        await settle()
        assert fetch.calls == [None, "c2", "c3"]
        assert (await anext(pages)).items == (4, 5)
        with pytest.raises(StopAsyncIteration):
            await anext(pages)


async def test_prefetch_1_does_not_run_ahead_while_the_prefetched_page_is_not_taken() -> None:
    """A prefetched page that is not taken yet blocks further fetches (at most one ahead)."""
    fetch = FakeFetch(chain(1, 1, 1, 1))
    async with AsyncPaginator(fetch, prefetch=1).pages() as pages:
        await anext(pages)
        await settle()
        await settle()
        assert fetch.calls == [None, "c2"]


# --- cursors, start page, max_items ---------------------------------------------------------


@BOTH_MODES
async def test_each_page_is_fetched_with_the_previous_pages_cursor(prefetch: int) -> None:
    """Page n is fetched with page n-1's ``next_page``; pages carry the cursor that fetched
    them.
    """
    fetch = FakeFetch(chain(2, 1, 2))
    pages = [page async for page in AsyncPaginator(fetch, prefetch=prefetch).pages()]
    assert fetch.calls == [None, "c2", "c3"]
    assert [page.cursor for page in pages] == [None, "c2", "c3"]
    assert [page.next_page for page in pages] == ["c2", "c3", None]
    assert items_of(pages) == [0, 1, 2, 3, 4]


@BOTH_MODES
async def test_start_page_starts_the_walk_at_that_cursor(prefetch: int) -> None:
    """``start_page`` is the cursor of the first request; the walk continues from there."""
    fetch = FakeFetch(chain(2, 2, 2, start="c1"))
    paginator = AsyncPaginator(fetch, start_page="c1", prefetch=prefetch)
    assert await paginator.collect() == [0, 1, 2, 3, 4, 5]
    assert fetch.calls == ["c1", "c2", "c3"]


@BOTH_MODES
async def test_an_empty_page_with_a_next_cursor_does_not_end_the_walk(prefetch: int) -> None:
    """An empty page in the middle is skipped over, not taken as the end."""
    fetch = FakeFetch(chain(2, 0, 2))
    assert await AsyncPaginator(fetch, prefetch=prefetch).collect() == [0, 1, 2, 3]


@BOTH_MODES
async def test_max_items_stops_mid_page_without_fetching_further(prefetch: int) -> None:
    """``max_items`` cuts the walk inside a page and no later page is ever requested."""
    fetch = FakeFetch(chain(3, 3, 3))
    paginator = AsyncPaginator(fetch, max_items=4, prefetch=prefetch)
    assert await paginator.collect() == [0, 1, 2, 3]
    await settle()
    assert fetch.calls == [None, "c2"]


@BOTH_MODES
async def test_max_items_trims_the_last_page_of_a_page_walk(prefetch: int) -> None:
    """``pages()`` honours ``max_items`` too: the last page holds only the items wanted."""
    fetch = FakeFetch(chain(3, 3, 3))
    pages = [p async for p in AsyncPaginator(fetch, max_items=4, prefetch=prefetch).pages()]
    assert [page.items for page in pages] == [(0, 1, 2), (3,)]


@BOTH_MODES
async def test_max_items_at_a_page_boundary_fetches_no_further_page(prefetch: int) -> None:
    """When ``max_items`` is reached exactly at the end of a page, the next is not fetched."""
    fetch = FakeFetch(chain(3, 3, 3))
    assert await AsyncPaginator(fetch, max_items=3, prefetch=prefetch).collect() == [0, 1, 2]
    await settle()
    assert fetch.calls == [None]


@BOTH_MODES
async def test_max_items_spanning_three_pages_gets_them_all(prefetch: int) -> None:
    """``max_items`` larger than two pages fetches a third page and ends the walk."""
    fetch = FakeFetch(chain(2, 2, 2, 2))
    paginator = AsyncPaginator(fetch, max_items=5, prefetch=prefetch)
    assert await asyncio.wait_for(paginator.collect(), 0.5) == [0, 1, 2, 3, 4]
    assert fetch.calls == [None, "c2", "c3"]


@BOTH_MODES
async def test_max_items_0_fetches_nothing(prefetch: int) -> None:
    """``max_items=0`` is an empty walk that sends nothing."""
    fetch = FakeFetch(chain(2, 2))
    assert await AsyncPaginator(fetch, max_items=0, prefetch=prefetch).collect() == []
    assert [p async for p in AsyncPaginator(fetch, max_items=0, prefetch=prefetch).pages()] == []
    assert fetch.calls == []


# --- bad cursors ----------------------------------------------------------------------------


@BOTH_MODES
async def test_a_repeated_cursor_raises_pagination_error_after_the_good_items(
    prefetch: int,
) -> None:
    """A cursor the walk already used raises PaginationError, after every item of the last
    good page was yielded.
    """
    pages = chain(2, 2, 2)
    relink(pages, "c3", "c2")
    fetch = FakeFetch(pages)
    seen: list[int] = []
    with pytest.raises(PaginationError) as caught:
        await drain(AsyncPaginator(fetch, prefetch=prefetch), seen)
    assert seen == [0, 1, 2, 3, 4, 5]
    assert caught.value.cursor == "c2"
    assert isinstance(caught.value, GitBookError)
    assert fetch.calls == [None, "c2", "c3"]
    await assert_no_other_task()


@BOTH_MODES
async def test_a_cursor_pointing_back_to_the_start_page_is_a_loop(prefetch: int) -> None:
    """The start cursor counts as used: a page pointing back to it is a loop."""
    pages = chain(2, 2, start="c1")
    relink(pages, "c2", "c1")
    seen: list[int] = []
    with pytest.raises(PaginationError) as caught:
        await drain(AsyncPaginator(FakeFetch(pages), start_page="c1", prefetch=prefetch), seen)
    assert seen == [0, 1, 2, 3]
    assert caught.value.cursor == "c1"


@BOTH_MODES
async def test_an_empty_string_cursor_raises_pagination_error(prefetch: int) -> None:
    """``next_page == ""`` can never make progress: PaginationError after the page's items."""
    pages = chain(2, 2)
    relink(pages, None, "")
    fetch = FakeFetch(pages)
    seen: list[int] = []
    with pytest.raises(PaginationError) as caught:
        await drain(AsyncPaginator(fetch, prefetch=prefetch), seen)
    assert seen == [0, 1]
    assert caught.value.cursor == ""
    assert fetch.calls == [None]
    await assert_no_other_task()


@BOTH_MODES
async def test_a_bad_cursor_after_max_items_is_reached_is_ignored(prefetch: int) -> None:
    """Once ``max_items`` is reached the walk ends cleanly, whatever the next cursor is."""
    pages = chain(2, 2)
    relink(pages, None, "")
    assert await AsyncPaginator(FakeFetch(pages), max_items=2, prefetch=prefetch).collect() == [
        0,
        1,
    ]


# --- errors, early exits, cancellation ------------------------------------------------------


@BOTH_MODES
async def test_a_fetch_error_is_raised_by_the_anext_that_needs_that_page(prefetch: int) -> None:
    """An error fetching page 2 surfaces at the second ``__anext__`` (never earlier), is not
    lost by a prefetch task, and ends the walk.
    """
    fetch = FakeFetch(chain(2, 2, 2))
    fetch.errors["c2"] = RuntimeError("page 2 failed")
    pages = AsyncPaginator(fetch, prefetch=prefetch).pages()
    assert (await anext(pages)).items == (0, 1)
    await assert_no_other_task()  # a failed prefetch holds its error for the consumer
    with pytest.raises(RuntimeError, match="page 2 failed"):
        await anext(pages)
    with pytest.raises(StopAsyncIteration):
        await anext(pages)
    assert fetch.calls == [None, "c2"]
    await assert_no_other_task()


@BOTH_MODES
async def test_a_first_page_error_is_raised_by_the_first_anext(prefetch: int) -> None:
    """An error fetching the first page surfaces at the first ``__anext__``."""
    fetch = FakeFetch(chain(2))
    fetch.errors[None] = RuntimeError("down")
    with pytest.raises(RuntimeError, match="down"):
        await AsyncPaginator(fetch, prefetch=prefetch).collect()
    await assert_no_other_task()


@BOTH_MODES
async def test_early_break_leaves_no_pending_task(prefetch: int) -> None:
    """Breaking out of ``async for`` (no ``async with``) leaves no prefetch task behind."""
    fetch = FakeFetch(chain(2, 2, 2))
    async for _ in AsyncPaginator(fetch, prefetch=prefetch):
        break
    await assert_no_other_task()


@BOTH_MODES
async def test_early_break_inside_async_with_leaves_no_pending_task(prefetch: int) -> None:
    """Breaking out of a walk inside ``async with`` cancels the prefetch at once."""
    fetch = FakeFetch(chain(2, 2, 2))
    async with aiter(AsyncPaginator(fetch, prefetch=prefetch)) as items:
        async for _ in items:
            break
    await assert_no_other_task()
    async with AsyncPaginator(fetch, prefetch=prefetch).pages() as pages:
        async for _ in pages:
            break
    await assert_no_other_task()


@BOTH_MODES
async def test_aclose_is_idempotent_and_ends_a_page_walk(prefetch: int) -> None:
    """``aclose()`` on a page iterator may be repeated; afterwards it is exhausted."""
    fetch = FakeFetch(chain(2, 2, 2))
    pages = AsyncPaginator(fetch, prefetch=prefetch).pages()
    await pages.aclose()  # before any fetch
    await pages.aclose()
    with pytest.raises(StopAsyncIteration):
        await anext(pages)
    assert fetch.calls == []
    pages = AsyncPaginator(fetch, prefetch=prefetch).pages()
    await anext(pages)
    await pages.aclose()
    await pages.aclose()
    with pytest.raises(StopAsyncIteration):
        await anext(pages)
    await assert_no_other_task()


@BOTH_MODES
async def test_aclose_ends_an_item_walk_even_mid_page(prefetch: int) -> None:
    """``aclose()`` on an item iterator may be repeated; afterwards it yields nothing, not
    even the rest of the current page.
    """
    fetch = FakeFetch(chain(2, 2, 2))
    items = aiter(AsyncPaginator(fetch, prefetch=prefetch))
    assert await anext(items) == 0
    await items.aclose()
    await items.aclose()
    with pytest.raises(StopAsyncIteration):
        await anext(items)
    await assert_no_other_task()


async def test_async_with_returns_the_iterator_itself() -> None:
    """``async with`` on either iterator yields that same iterator."""
    paginator = AsyncPaginator(FakeFetch(chain(1)))
    items = aiter(paginator)
    async with items as entered_items:
        assert entered_items is items
    pages = paginator.pages()
    async with pages as entered_pages:
        assert entered_pages is pages


@BOTH_MODES
async def test_reiterating_a_paginator_starts_a_fresh_walk(prefetch: int) -> None:
    """Each ``async for`` over the same paginator starts again from the start cursor."""
    fetch = FakeFetch(chain(2, 1))
    paginator = AsyncPaginator(fetch, prefetch=prefetch)
    assert [item async for item in paginator] == [0, 1, 2]
    assert [item async for item in paginator] == [0, 1, 2]
    assert fetch.calls == [None, "c2", None, "c2"]


@BOTH_MODES
async def test_collect_returns_every_item_in_order(prefetch: int) -> None:
    """``collect()`` walks to the end and returns the items as a list."""
    fetch = FakeFetch(chain(3, 2, 1))
    assert await AsyncPaginator(fetch, prefetch=prefetch).collect() == [0, 1, 2, 3, 4, 5]
    await assert_no_other_task()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_items": -1},
        {"max_items": True},
        {"max_items": 1.5},
        {"prefetch": -1},
        {"prefetch": True},
        {"start_page": ""},
        {"start_page": 5},
    ],
)
def test_invalid_arguments_raise_invalid_argument_error(kwargs: dict[str, Any]) -> None:
    """Bad ``max_items``, ``prefetch`` or start cursor raise InvalidArgumentError (a
    ValueError) when the paginator is built.
    """
    with pytest.raises(InvalidArgumentError) as caught:
        AsyncPaginator(FakeFetch({}), **kwargs)
    assert isinstance(caught.value, ValueError)


async def test_cancelling_a_consumer_waiting_for_a_prefetched_page() -> None:
    """Cancelling a consumer that waits for a page in flight raises CancelledError in it
    and cancels the prefetch task's fetch.
    """
    fetch = FakeFetch(chain(2, 2, 2))
    fetch.hold("c2")
    seen: list[int] = []
    consumer = asyncio.create_task(drain(AsyncPaginator(fetch, prefetch=1), seen))
    await settle()
    assert seen == [0, 1]
    assert fetch.calls == [None, "c2"]
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    assert fetch.cancelled == ["c2"]
    await assert_no_other_task()


async def test_cancelling_a_consumer_waiting_for_a_direct_fetch() -> None:
    """Without prefetch, cancelling the consumer cancels the fetch it is awaiting."""
    fetch = FakeFetch(chain(2, 2))
    fetch.hold("c2")
    seen: list[int] = []
    consumer = asyncio.create_task(drain(AsyncPaginator(fetch, prefetch=0), seen))
    await settle()
    assert seen == [0, 1]
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    assert fetch.cancelled == ["c2"]
    await assert_no_other_task()


async def test_cancelling_a_consumer_busy_with_a_page_cancels_the_prefetch() -> None:
    """A consumer cancelled while working on page 1 inside ``async with`` cancels the
    prefetch of page 2 on the way out.
    """
    fetch = FakeFetch(chain(2, 2))
    fetch.hold("c2")
    working = asyncio.Event()

    async def consume() -> None:
        async with AsyncPaginator(fetch, prefetch=1).pages() as pages:
            async for _ in pages:
                working.set()
                await asyncio.Event().wait()  # stand-in for slow work on the page

    consumer = asyncio.create_task(consume())
    await working.wait()
    await settle()
    assert fetch.calls == [None, "c2"]
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    assert fetch.cancelled == ["c2"]
    await assert_no_other_task()


async def test_a_break_within_the_first_page_never_creates_a_prefetch_task() -> None:
    """The prefetch task starts at the loop's next turn: a consumer that stops within the
    page it has, without yielding to the loop (a dashboard's first page), costs no task."""
    fetch = FakeFetch(chain(2, 2))
    before = asyncio.all_tasks()
    async for _ in AsyncPaginator(fetch, prefetch=1):
        assert asyncio.all_tasks() == before
        break
    await assert_no_other_task()
    assert fetch.calls == [None]


async def test_the_prefetch_starts_once_the_consumer_yields_to_the_loop() -> None:
    """A consumer that awaits while it works on a page gets the next one fetched meanwhile."""
    fetch = FakeFetch(chain(2, 2, 2))
    pages = AsyncPaginator(fetch, prefetch=1).pages()
    await anext(pages)
    assert fetch.calls == [None]
    await settle()
    assert fetch.calls == [None, "c2"]
    await pages.aclose()
    await assert_no_other_task()


async def test_aclose_lets_a_prefetch_about_to_arrive_finish_instead_of_cutting_it() -> None:
    """A page whose fetch ends within the grace is not cancelled (its connection goes back
    to the pool); no further fetch starts meanwhile, and nothing is left running."""
    fetch = FakeFetch(chain(2, 2, 2))
    fetch.hold("c2")
    pages = AsyncPaginator(fetch, prefetch=2).pages()
    await anext(pages)
    await settle()
    assert fetch.calls == [None, "c2"]
    asyncio.get_running_loop().call_later(FINISH_GRACE / 5, fetch.release, "c2")
    await pages.aclose()
    assert fetch.cancelled == []
    assert fetch.calls == [None, "c2"]  # depth 2 would allow c3: not while closing
    await assert_no_other_task()


async def test_aclose_cancels_a_prefetch_that_does_not_arrive_within_the_grace() -> None:
    """A slow page is cancelled once the grace is over: aclose() stays prompt."""
    fetch = FakeFetch(chain(2, 2))
    fetch.hold("c2")
    pages = AsyncPaginator(fetch, prefetch=1).pages()
    await anext(pages)
    await settle()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await pages.aclose()
    assert loop.time() - started < FINISH_GRACE + 0.5
    assert fetch.cancelled == ["c2"]
    await assert_no_other_task()


async def test_aclose_cancelled_during_the_grace_still_cancels_the_prefetch() -> None:
    """Cancelling the task that closes a walk does not leave the prefetch running."""
    fetch = FakeFetch(chain(2, 2))
    fetch.hold("c2")
    pages = AsyncPaginator(fetch, prefetch=1).pages()
    await anext(pages)
    await settle()
    closing = asyncio.create_task(pages.aclose())
    await asyncio.sleep(0)
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closing
    assert fetch.cancelled == ["c2"]
    await assert_no_other_task()


def test_cursor_history_catches_short_and_long_loops_in_constant_memory() -> None:
    """Recent repeats are caught at once; a loop longer than the exact window is caught
    within three turns; memory stays bounded."""
    from gitbook_async._constants import RECENT_CURSORS_KEPT
    from gitbook_async._pagination._cursor import CursorHistory as _CursorHistory

    history = _CursorHistory(None)
    assert not any(history.repeats(f"c{i}") for i in range(10))
    assert history.repeats("c3")

    loop_length = RECENT_CURSORS_KEPT * 3
    history = _CursorHistory("start")
    steps = 0
    for steps in range(1, loop_length * 4):
        if history.repeats(f"c{steps % loop_length}"):
            break
    else:
        pytest.fail("a long loop was never detected")
    assert steps <= loop_length * 3
    assert len(history._recent) <= RECENT_CURSORS_KEPT

    # A loop exactly as long as the exact window is still caught at its first repeat.
    history = _CursorHistory(None)
    assert not any(history.repeats(f"c{i}") for i in range(RECENT_CURSORS_KEPT))
    assert history.repeats("c0")

    # Memory: a long walk keeps the window and one tortoise, whatever its length.
    history = _CursorHistory(None)
    assert not any(history.repeats(f"unique-{i}") for i in range(10_000))
    assert len(history._recent) == RECENT_CURSORS_KEPT
    assert not hasattr(history, "__dict__")


# --- one consumer per iterator, hostile cursors ----------------------------------------------


@BOTH_MODES
@pytest.mark.parametrize("kind", ["items", "pages"])
async def test_a_second_anext_while_one_waits_raises_runtime_error(
    prefetch: int, kind: str
) -> None:
    """Like an async generator, an iterator refuses a concurrent ``__anext__`` with
    RuntimeError("... already running ..."), fetching nothing twice and losing nothing.
    """
    fetch = FakeFetch(chain(2, 2))
    fetch.hold(None)
    paginator = AsyncPaginator(fetch, prefetch=prefetch)
    iterator: Any = aiter(paginator) if kind == "items" else paginator.pages()
    first = asyncio.ensure_future(anext(iterator))
    await settle()
    with pytest.raises(RuntimeError, match="already running"):
        await anext(iterator)
    fetch.release(None)
    got = [await first, *[value async for value in iterator]]
    if kind == "pages":
        got = items_of(got)
    assert got == [0, 1, 2, 3]
    assert fetch.calls == [None, "c2"]
    await assert_no_other_task()


@BOTH_MODES
async def test_a_server_cursor_that_is_not_valid_unicode_stops_the_walk(prefetch: int) -> None:
    """A next cursor with a lone surrogate: this page's items, then PaginationError naming
    it, and no fetch with it.
    """
    pages = chain(2, 2)
    relink(pages, None, "\ud800abc")
    fetch = FakeFetch(pages)
    got: list[int] = []
    with pytest.raises(PaginationError) as caught:
        await drain(AsyncPaginator(fetch, prefetch=prefetch), got)
    assert got == [0, 1]
    assert caught.value.cursor == "\ud800abc"
    assert fetch.calls == [None]
    await assert_no_other_task()


@pytest.mark.parametrize("start_page", ["\ud800abc", "ok\udfff"])
def test_a_start_page_that_is_not_valid_unicode_is_refused(start_page: str) -> None:
    """``start_page`` with a lone surrogate raises InvalidArgumentError at construction."""
    with pytest.raises(InvalidArgumentError, match="Unicode"):
        AsyncPaginator(FakeFetch({}), start_page=start_page)


@BOTH_MODES
async def test_a_server_cursor_that_looks_like_a_resume_cursor_round_trips(prefetch: int) -> None:
    """A server cursor starting with ``gbasync1.`` is wrapped in ``next_page`` and
    ``resume_cursor`` so that ``page=`` sends it back unchanged.
    """
    pages = chain(2, 2)
    pages["gbasync1."] = pages.pop("c2")
    relink(pages, None, "gbasync1.")
    fetch = FakeFetch(pages)
    first = await anext(aiter(AsyncPaginator(fetch, prefetch=0).pages()))
    assert first.next_page is not None
    assert first.next_page != "gbasync1."
    mid_page = await anext(aiter(AsyncPaginator(fetch, start_page=first.next_page).pages()))
    assert mid_page.resume_cursor(1) is not None
    resumed = AsyncPaginator(fetch, start_page=mid_page.resume_cursor(1), prefetch=prefetch)
    assert [item async for item in resumed] == [3]
    assert fetch.calls == [None, "gbasync1.", "gbasync1."]
    await assert_no_other_task()


def _resume(payload: object) -> str:
    """A resume cursor carrying ``payload`` (valid or not) as its JSON."""
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
    return "gbasync1." + encoded.rstrip("=")


@pytest.mark.parametrize(
    ("server_cursor", "skip"),
    [(None, 0), ("c2", 0), (None, 3), ("c2", 1), ("a&b=c 🎉", 7), ("gbasync1.x", 0)],
)
def test_a_position_survives_the_resume_codec(server_cursor: str | None, skip: int) -> None:
    """decode(encode(position)) is the position; a plain server cursor stays itself."""
    from gitbook_async._pagination._cursor import decode_position, encode_position

    cursor = encode_position(server_cursor, skip)
    assert decode_position(cursor) == (server_cursor, skip)
    if skip == 0 and not (server_cursor or "").startswith("gbasync1."):
        assert cursor == server_cursor


@pytest.mark.parametrize(
    "cursor",
    [
        "gbasync1.!!!",
        "gbasync1.",
        _resume([1, 2]),
        _resume({"page": "c2"}),
        _resume({"page": 5, "skip": 1}),
        _resume({"page": "c2", "skip": -1}),
        _resume({"page": "c2", "skip": True}),
        _resume({"page": "c2", "skip": "1"}),
    ],
)
def test_a_damaged_resume_cursor_is_refused_before_any_fetch(cursor: str) -> None:
    """``start_page`` that looks like a resume cursor but does not decode to a position
    raises InvalidArgumentError naming it.
    """
    fetch = FakeFetch({})
    with pytest.raises(InvalidArgumentError, match="damaged"):
        AsyncPaginator(fetch, start_page=cursor)
    assert fetch.calls == []


def test_page_resume_cursor_points_inside_the_page() -> None:
    """``resume_cursor(k)`` continues after k items; past the end it is ``next_page``."""
    page = Page(items=(10, 11, 12), next_page="c3", cursor="c2")
    assert page.resume_cursor(3) == page.resume_cursor(5) == "c3"
    assert page.resume_cursor(0) == "c2"
    inside = page.resume_cursor(1)
    assert inside is not None
    assert inside.startswith("gbasync1.")
    later = Page(items=(11, 12), next_page="c3", cursor=inside).resume_cursor(1)
    from gitbook_async._pagination._cursor import decode_position

    assert decode_position(later) == ("c2", 2)
