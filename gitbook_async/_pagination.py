"""Lazy cursor pagination: ``Page`` and ``AsyncPaginator``. Knows nothing of HTTP.

A paginator is a reusable description of a walk; each ``async for`` (or ``pages()``) starts a
fresh iterator object. Iterators are classes, not async generators, so that breaking out of a
loop cleans up at once instead of at loop shutdown (see PITFALLS: async generator cleanup).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Final, Generic, TypeVar

import attrs

from gitbook_async._closing import AsyncClosing
from gitbook_async._constants import RECENT_CURSORS_KEPT
from gitbook_async._errors import InvalidArgumentError, PaginationError

__all__ = ["AsyncItemIterator", "AsyncPageIterator", "AsyncPaginator", "Page"]

T = TypeVar("T")
FetchPage = Callable[[str | None], Awaitable["Page[T]"]]

# A resume cursor that points inside a page: GitBook's cursor of that page plus how many of
# its items were already taken. Prefixed so it cannot be mistaken for a server cursor.
_RESUME_PREFIX: Final = "gbasync1."
_Position = tuple[str | None, int]


def _encode_position(server_cursor: str | None, skip: int) -> str | None:
    if skip == 0:
        return server_cursor
    payload = json.dumps({"page": server_cursor, "skip": skip}, separators=(",", ":"))
    return _RESUME_PREFIX + base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode_position(cursor: str | None) -> _Position:
    if cursor is None or not cursor.startswith(_RESUME_PREFIX):
        return cursor, 0
    encoded = cursor[len(_RESUME_PREFIX) :]
    try:
        data = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        server_cursor, skip = data["page"], data["skip"]
    except (ValueError, binascii.Error, KeyError, TypeError):
        server_cursor, skip = None, -1
    if not (server_cursor is None or isinstance(server_cursor, str)) or (
        isinstance(skip, bool) or not isinstance(skip, int) or skip < 0
    ):
        raise InvalidArgumentError(
            f"page={cursor!r} looks like a gitbook-async resume cursor but is damaged; pass a "
            "cursor exactly as Page.next_page or resume_cursor gave it"
        )
    return server_cursor, skip


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a paginated listing.

    A walk that ``max_items`` stops in the middle of a page, or one resumed from the middle
    of a page, uses cursors of its own (``gbasync1.``...) that ``page=`` accepts like
    GitBook's: they name GitBook's cursor plus the number of items to skip.

    Attributes:
        items: The items on this page, in server order.
        next_page: The cursor of the page after this one (pass it as ``page=`` to resume
            there), or None on the last page.
        count: The total number of matching items, when the server reports it.
        cursor: The cursor that fetched this page (None for the first page).
    """

    items: tuple[T, ...]
    next_page: str | None
    count: float | None = None
    cursor: str | None = None
    _origin: _Position = attrs.field(default=(None, 0), repr=False, eq=False, alias="origin")

    def __len__(self) -> int:
        return len(self.items)

    def resume_cursor(self, consumed: int) -> str | None:
        """Return the cursor that continues the walk after the first ``consumed`` items.

        ``resume_cursor(len(page.items))`` is ``next_page``. Save it as a checkpoint and
        pass it as ``page=`` to continue exactly there, nothing skipped or repeated.
        """
        if consumed >= len(self.items):
            return self.next_page
        server_cursor, skip = self._origin
        return _encode_position(server_cursor, skip + max(consumed, 0))


class _CursorHistory:
    """Tells whether a cursor repeats one the walk already used, in constant memory.

    The last ``RECENT_CURSORS_KEPT`` cursors are remembered exactly, so a loop of up to that
    many pages is caught at its first repeat; a longer loop is caught by Brent's cycle
    detection within three turns of it. A walk of a million pages stays flat in memory.
    """

    def __init__(self, start: str | None) -> None:
        self._recent: collections.deque[str] = collections.deque(maxlen=RECENT_CURSORS_KEPT)
        self._recent_set: set[str] = set()
        self._tortoise = start
        self._power = self._steps = 1
        if start is not None:
            self._remember(start)

    def repeats(self, cursor: str) -> bool:
        """Record ``cursor``; return True if the walk has been there before."""
        if cursor in self._recent_set or cursor == self._tortoise:
            return True
        self._remember(cursor)
        if self._steps == self._power:
            self._tortoise, self._power, self._steps = cursor, self._power * 2, 0
        self._steps += 1
        return False

    def _remember(self, cursor: str) -> None:
        if len(self._recent) == self._recent.maxlen:
            self._recent_set.discard(self._recent[0])
        self._recent.append(cursor)
        self._recent_set.add(cursor)


class _Walk(Generic[T]):
    """The state of one walk: which cursor comes next and how many items are still wanted.

    Shared by the iterator and its prefetch task; the task references only this object, so
    dropping the iterator can still trigger its cleanup.
    """

    def __init__(
        self, fetch_page: FetchPage[T], *, start_page: str | None, max_items: int | None
    ) -> None:
        self.fetch_page = fetch_page
        self.position: _Position = _decode_position(start_page)
        start_cursor = self.position[0]
        self.cursors = _CursorHistory(start_cursor)
        self.items_wanted = max_items
        self.exhausted = max_items == 0
        self.pending_error: PaginationError | None = None

    async def fetch(self) -> Page[T]:
        """Fetch the next page and move the cursor; a looping cursor fails the *next* fetch."""
        if self.pending_error is not None:
            error, self.pending_error = self.pending_error, None
            self.exhausted = True
            raise error
        server_cursor, skip = self.position
        fetched = await self.fetch_page(server_cursor)
        items = fetched.items[skip:] if skip else fetched.items
        cursor = fetched.next_page
        next_page = cursor
        if self.items_wanted is not None:
            if len(items) >= self.items_wanted:
                if len(items) > self.items_wanted:
                    # Stopped mid-page: the next cursor points at the first item not taken.
                    next_page = _encode_position(server_cursor, skip + self.items_wanted)
                items = items[: self.items_wanted]
                self.exhausted = True
            self.items_wanted -= len(items)
        if cursor is None:
            self.exhausted = True
        elif not self.exhausted:
            if cursor == "" or self.cursors.repeats(cursor):
                # This page's items are new: yield them, then stop the walk.
                self.pending_error = PaginationError(
                    f"the server returned the cursor {cursor!r} twice; stopping instead of "
                    "looping forever. Restart the walk, and report it if it persists.",
                    cursor=cursor,
                )
            self.position = (cursor, 0)
        return Page(
            items=items,
            next_page=next_page,
            count=fetched.count,
            cursor=_encode_position(server_cursor, skip),
            origin=(server_cursor, skip),
        )

    @property
    def finished(self) -> bool:
        """Whether no fetch is left to do (the error of a looping cursor still counts)."""
        return self.exhausted and self.pending_error is None


class _Prefetcher(Generic[T]):
    """Runs a walk ahead of its consumer, at most ``depth`` pages not yet taken."""

    def __init__(self, walk: _Walk[T], depth: int) -> None:
        self._walk = walk
        # Holds pages, then None once the walk is over, or the exception that ended it.
        self._queue: asyncio.Queue[Page[T] | BaseException | None] = asyncio.Queue()
        self._slots = asyncio.Semaphore(depth)
        self.task = asyncio.get_running_loop().create_task(self._produce())

    async def take(self) -> Page[T] | None:
        """Return the next page, or None after the last one."""
        item = await self._queue.get()
        self._slots.release()
        if isinstance(item, BaseException):
            raise item
        return item

    async def _produce(self) -> None:
        while not self._walk.finished:
            await self._slots.acquire()
            try:
                page = await self._walk.fetch()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._queue.put_nowait(exc)
                return
            self._queue.put_nowait(page)
        self._queue.put_nowait(None)


class AsyncPageIterator(AsyncClosing, Generic[T]):
    """Iterates pages, fetching each one only when asked (or ``prefetch`` pages ahead).

    Use ``async with`` or ``aclose()`` to stop a walk early and cancel any prefetch at once;
    dropping the iterator (e.g. ``break`` out of ``async for``) also cancels it.
    """

    def __init__(
        self,
        fetch_page: FetchPage[T],
        *,
        start_page: str | None,
        max_items: int | None,
        prefetch: int,
    ) -> None:
        self._walk = _Walk(fetch_page, start_page=start_page, max_items=max_items)
        self._prefetch = prefetch
        self._prefetcher: _Prefetcher[T] | None = None
        self._closed = False

    def __aiter__(self) -> AsyncPageIterator[T]:
        return self

    async def __anext__(self) -> Page[T]:
        if self._closed:
            raise StopAsyncIteration
        try:
            if self._prefetch:
                if self._prefetcher is None:
                    self._prefetcher = _Prefetcher(self._walk, self._prefetch)
                page = await self._prefetcher.take()
            else:
                page = None if self._walk.finished else await self._walk.fetch()
        except BaseException:
            await self.aclose()
            raise
        if page is None:
            await self.aclose()
            raise StopAsyncIteration
        return page

    async def aclose(self) -> None:
        """Stop the walk: cancel and await any prefetch in flight. Idempotent."""
        self._closed = True
        prefetcher, self._prefetcher = self._prefetcher, None
        if prefetcher is not None and not prefetcher.task.done():
            prefetcher.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await prefetcher.task

    def __del__(self) -> None:
        prefetcher = self._prefetcher
        if prefetcher is not None and not prefetcher.task.done():
            with contextlib.suppress(RuntimeError):  # the loop may already be closed
                prefetcher.task.cancel()


class AsyncItemIterator(AsyncClosing, Generic[T]):
    """Iterates the items of a walk, one page fetched at a time."""

    def __init__(self, pages: AsyncPageIterator[T], *, start_page: str | None) -> None:
        self._pages = pages
        self._page: Page[T] | None = None
        self._buffer: tuple[T, ...] = ()
        self._index = 0
        self._start_page = start_page

    @property
    def resume_cursor(self) -> str | None:
        """The cursor that continues after the last item yielded (a checkpoint).

        Before the first item it is the walk's starting cursor; after the last item of the
        listing it is None.
        """
        if self._page is None:
            return self._start_page
        return self._page.resume_cursor(self._index)

    def __aiter__(self) -> AsyncItemIterator[T]:
        return self

    async def __anext__(self) -> T:
        while self._index >= len(self._buffer):
            page = await self._pages.__anext__()
            self._page, self._buffer, self._index = page, page.items, 0
        item = self._buffer[self._index]
        self._index += 1
        return item

    async def aclose(self) -> None:
        """Stop the walk early, cancelling any prefetch. Idempotent."""
        self._buffer = self._buffer[: self._index]
        await self._pages.aclose()


class AsyncPaginator(Generic[T]):
    """A lazy, re-iterable walk over a cursor-paginated listing.

    Creating one sends nothing. ``async for item in paginator`` fetches the first page when
    the loop starts and each next page only when the previous one is used up (plus
    ``prefetch`` pages ahead, fetched in the background while you work). Each loop is a
    fresh walk from the starting cursor.

    Example:
        ```python
        import asyncio

        from gitbook_async import GitBookClient


        async def main() -> None:
            async with GitBookClient() as gitbook:
                async for integration in gitbook.spaces.list_integrations("demo-space"):
                    print(integration.name)

                listing = gitbook.spaces.list_integrations("large-space", limit=100)
                async for page in listing.pages():
                    print(len(page.items), "items; resume from", page.next_page)


        asyncio.run(main())
        ```

    """

    def __init__(
        self,
        fetch_page: FetchPage[T],
        *,
        start_page: str | None = None,
        max_items: int | None = None,
        prefetch: int = 0,
    ) -> None:
        if max_items is not None and (
            isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0
        ):
            raise InvalidArgumentError(f"max_items must be an int >= 0, got {max_items!r}")
        if isinstance(prefetch, bool) or not isinstance(prefetch, int) or prefetch < 0:
            raise InvalidArgumentError(f"prefetch must be an int >= 0, got {prefetch!r}")
        if start_page is not None and (not isinstance(start_page, str) or not start_page):
            raise InvalidArgumentError(
                f"page must be a non-empty cursor string from Page.next_page, got {start_page!r}"
            )
        _decode_position(start_page)  # a damaged resume cursor fails here, before any request
        self._fetch_page = fetch_page
        self._start_page = start_page
        self._max_items = max_items
        self._prefetch = prefetch

    def pages(self) -> AsyncPageIterator[T]:
        """Iterate ``Page`` objects instead of items (same laziness, same limits)."""
        return AsyncPageIterator(
            self._fetch_page,
            start_page=self._start_page,
            max_items=self._max_items,
            prefetch=self._prefetch,
        )

    def __aiter__(self) -> AsyncItemIterator[T]:
        return AsyncItemIterator(self.pages(), start_page=self._start_page)

    async def collect(self) -> list[T]:
        """Walk to the end (or ``max_items``) and return every item in a list."""
        items: list[T] = []
        async with self.pages() as pages:
            async for page in pages:
                items.extend(page.items)
        return items
