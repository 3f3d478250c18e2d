"""Lazy cursor pagination: ``Page`` and ``AsyncPaginator``. Knows nothing of HTTP.

A paginator is a reusable description of a walk; each ``async for`` (or ``pages()``) starts a
fresh iterator object. Iterators are classes, not async generators, so that breaking out of a
loop cleans up at once instead of at loop shutdown (see PITFALLS: async generator cleanup).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Generic, TypeVar

import attrs

from gitbook_async._errors import InvalidArgumentError, PaginationError

__all__ = ["AsyncItemIterator", "AsyncPageIterator", "AsyncPaginator", "Page"]

T = TypeVar("T")
FetchPage = Callable[[str | None], Awaitable["Page[T]"]]


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a paginated listing.

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

    def __len__(self) -> int:
        return len(self.items)


class AsyncPageIterator(Generic[T]):
    """Iterates pages, fetching each one only when asked (or ``prefetch`` pages ahead).

    Use ``async with`` or ``aclose()`` to stop a walk early and cancel any prefetch at once;
    dropping the iterator also cancels it.
    """

    def __init__(
        self,
        fetch_page: FetchPage[T],
        *,
        start_page: str | None,
        max_items: int | None,
        prefetch: int,
    ) -> None:
        self._fetch_page = fetch_page
        self._next_cursor = start_page
        self._seen_cursors: set[str] = set() if start_page is None else {start_page}
        self._items_left = max_items
        self._prefetch = prefetch
        self._finished = max_items == 0
        self._pending_error: PaginationError | None = None
        self._queue: asyncio.Queue[Page[T] | BaseException] | None = None
        self._slots: asyncio.Semaphore | None = None
        self._producer: asyncio.Task[None] | None = None

    def __aiter__(self) -> AsyncPageIterator[T]:
        return self

    async def __anext__(self) -> Page[T]:
        if self._pending_error is not None:
            error, self._pending_error = self._pending_error, None
            self._finished = True
            raise error
        if self._finished:
            raise StopAsyncIteration
        try:
            page = await (self._next_prefetched() if self._prefetch else self._fetch_next())
        except BaseException:
            await self.aclose()
            raise
        if page.next_page is None:
            self._finished = True
        return self._apply_max_items(page)

    async def _fetch_next(self) -> Page[T]:
        page = await self._fetch_page(self._next_cursor)
        try:
            self._advance(page)
        except PaginationError as exc:
            # Yield this page (its items are new); the walk fails on the next step.
            self._pending_error = exc
        return page

    def _advance(self, page: Page[T]) -> None:
        """Record the page's next cursor, refusing one the walk has already used."""
        cursor = page.next_page
        if cursor is None:
            return
        if cursor == "" or cursor in self._seen_cursors:
            raise PaginationError(
                f"the server returned the cursor {cursor!r} twice; stopping instead of looping "
                "forever. Restart the walk, and report it if it persists.",
                cursor=cursor,
            )
        self._seen_cursors.add(cursor)
        self._next_cursor = cursor

    def _apply_max_items(self, page: Page[T]) -> Page[T]:
        if self._items_left is None:
            return page
        if len(page.items) >= self._items_left:
            page = attrs.evolve(page, items=page.items[: self._items_left])
            self._finished = True
        self._items_left -= len(page.items)
        return page

    async def _next_prefetched(self) -> Page[T]:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._slots = asyncio.Semaphore(self._prefetch)
            self._producer = asyncio.get_running_loop().create_task(self._produce())
        item = await self._queue.get()
        assert self._slots is not None
        self._slots.release()
        if isinstance(item, BaseException):
            raise item
        return item

    async def _produce(self) -> None:
        """Fetch pages ahead of the consumer, at most ``prefetch`` pages not yet taken."""
        assert self._queue is not None
        assert self._slots is not None
        fetched = 0
        while True:
            await self._slots.acquire()
            try:
                page = await self._fetch_page(self._next_cursor)
                self._queue.put_nowait(page)
                fetched += len(page.items)
                if page.next_page is None or (
                    self._items_left is not None and fetched >= self._items_left
                ):
                    return
                self._advance(page)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._queue.put_nowait(exc)
                return

    async def aclose(self) -> None:
        """Stop the walk: cancel and await any prefetch in flight. Idempotent."""
        self._finished = True
        producer, self._producer = self._producer, None
        if producer is not None and not producer.done():
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producer

    async def __aenter__(self) -> AsyncPageIterator[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __del__(self) -> None:
        producer = self._producer
        if producer is not None and not producer.done():
            with contextlib.suppress(RuntimeError):  # the loop may already be closed
                producer.cancel()


class AsyncItemIterator(Generic[T]):
    """Iterates the items of a walk, one page fetched at a time."""

    def __init__(self, pages: AsyncPageIterator[T]) -> None:
        self._pages = pages
        self._buffer: tuple[T, ...] = ()
        self._index = 0

    def __aiter__(self) -> AsyncItemIterator[T]:
        return self

    async def __anext__(self) -> T:
        while self._index >= len(self._buffer):
            page = await self._pages.__anext__()
            self._buffer, self._index = page.items, 0
        item = self._buffer[self._index]
        self._index += 1
        return item

    async def aclose(self) -> None:
        """Stop the walk early, cancelling any prefetch. Idempotent."""
        await self._pages.aclose()

    async def __aenter__(self) -> AsyncItemIterator[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class AsyncPaginator(Generic[T]):
    """A lazy, re-iterable walk over a cursor-paginated listing.

    Creating one sends nothing. ``async for item in paginator`` fetches the first page when
    the loop starts and each next page only when the previous one is used up (plus
    ``prefetch`` pages ahead, fetched in the background while you work). Each loop is a
    fresh walk from the starting cursor.

    Example:
        ```python
        async for integration in gitbook.spaces.list_integrations("space_id"):
            print(integration.name)

        async for page in gitbook.spaces.list_integrations("space_id", limit=100).pages():
            save(page.items, resume_from=page.next_page)
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
        return AsyncItemIterator(self.pages())

    async def collect(self) -> list[T]:
        """Walk to the end (or ``max_items``) and return every item in a list."""
        items: list[T] = []
        async with self.pages() as pages:
            async for page in pages:
                items.extend(page.items)
        return items
