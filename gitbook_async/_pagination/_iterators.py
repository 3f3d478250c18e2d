"""The iterators of a walk: ``AsyncPageIterator`` (pages) and ``AsyncItemIterator`` (items).

They are classes, not async generators, so that breaking out of a loop cleans up at once
instead of at loop shutdown (see PITFALLS: async generator cleanup). Like an async
generator, each refuses a second ``__anext__`` while one is still waiting: two tasks sharing
one iterator would otherwise fetch the same page twice or drop a page's items.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from typing import Generic, TypeVar

from gitbook_async._closing import AsyncClosing
from gitbook_async._pagination._cursor import decode_position
from gitbook_async._pagination._page import Page
from gitbook_async._pagination._walk import FetchPage, Prefetcher, Walk

__all__ = ["AsyncItemIterator", "AsyncPageIterator"]

T = TypeVar("T")


def already_running(iterator: object) -> RuntimeError:
    """Build the error for a second ``__anext__`` while one is in progress."""
    return RuntimeError(
        f"anext(): {type(iterator).__name__} is already running: another task is waiting "
        "for its next value. Give each task its own walk (its own `async for` over the "
        "paginator), or hand items to other tasks through an asyncio.Queue"
    )


class AsyncPageIterator(AsyncClosing, Generic[T]):
    """Iterates pages, fetching each one only when asked (or ``prefetch`` pages ahead).

    Use ``async with`` or ``aclose()`` to stop a walk early and cancel any prefetch at once;
    dropping the iterator (e.g. ``break`` out of ``async for``) also cancels it. One task at a
    time: a second ``__anext__`` while one is waiting raises ``RuntimeError``.
    """

    def __init__(
        self,
        fetch_page: FetchPage[T],
        *,
        start_page: str | None,
        max_items: int | None,
        prefetch: int,
    ) -> None:
        self._walk = Walk(fetch_page, start=decode_position(start_page), max_items=max_items)
        self._prefetch = prefetch
        self._prefetcher: Prefetcher[T] | None = None
        self._closed = False
        self._running = False

    def __aiter__(self) -> AsyncPageIterator[T]:
        return self

    async def __anext__(self) -> Page[T]:
        if self._running:
            raise already_running(self)
        if self._closed:
            raise StopAsyncIteration
        self._running = True
        try:
            page = await self._next_page()
        except BaseException:
            await self.aclose()
            raise
        finally:
            self._running = False
        if page is None:
            await self.aclose()
            raise StopAsyncIteration
        return page

    async def _next_page(self) -> Page[T] | None:
        """Take the next fetched page (from the prefetch task, or fetch it now) and build it.

        The first page is fetched and built here; with prefetch, a task then runs ahead
        from the page after it, and fetches each next page while the one before is built
        and used. (Not earlier: a caller who stops within the first page, as a dashboard
        does, never sends a request for a second page it will not use.)
        """
        if self._prefetcher is not None:
            taken = await self._prefetcher.take()
            return None if taken is None else await taken.build()
        if self._walk.finished:
            return None
        page = await (await self._walk.fetch_next()).build()
        if self._prefetch and not self._walk.finished:
            self._prefetcher = Prefetcher(self._walk, self._prefetch)
        return page

    async def aclose(self) -> None:
        """Stop the walk: cancel and await any prefetch in flight. Idempotent."""
        self._closed = True
        prefetcher, self._prefetcher = self._prefetcher, None
        if prefetcher is not None:
            await prefetcher.cancel()

    def __del__(self) -> None:
        if self._prefetcher is not None:
            self._prefetcher.cancel_soon()


class AsyncItemIterator(AsyncClosing, Generic[T]):
    """Iterates the items of a walk, one page fetched at a time.

    One task at a time: a second ``__anext__`` while one waits for a page raises
    ``RuntimeError``.
    """

    def __init__(self, pages: AsyncPageIterator[T], *, start_page: str | None) -> None:
        self._pages = pages
        self._page: Page[T] | None = None
        self._items: Iterator[T] = iter(())  # what is left of the current page
        self._size = 0  # items in the current page (taken: size minus what is left)
        self._start_page = start_page
        self._running = False

    @property
    def resume_cursor(self) -> str | None:
        """The cursor that continues after the last item yielded (a checkpoint).

        Before the first item it is the walk's starting cursor; after the last item of the
        listing it is None.
        """
        if self._page is None:
            return self._start_page
        return self._page.resume_cursor(self._size - operator.length_hint(self._items))

    def __aiter__(self) -> AsyncItemIterator[T]:
        return self

    async def __anext__(self) -> T:
        # The common case: the page has items left. No await, so no other task can
        # interleave (while one waits for a page, the page's items are used up).
        for item in self._items:
            return item
        if self._running:
            raise already_running(self)
        self._running = True
        try:
            while True:  # a page may be empty
                page = await self._pages.__anext__()
                self._page, self._size = page, len(page.items)
                self._items = iter(page.items)
                for item in self._items:
                    return item
        finally:
            self._running = False

    async def aclose(self) -> None:
        """Stop the walk early, cancelling any prefetch. Idempotent."""
        self._size -= operator.length_hint(self._items)  # what was taken
        self._items = iter(())
        await self._pages.aclose()
