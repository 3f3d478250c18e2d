"""One walk over a cursor-paginated listing, and the task that runs it ahead (prefetch).

The walk knows nothing of HTTP: it calls a fetch-page function with GitBook's cursor (None
for the first page) and gets that page back, built (a ``Page``) or not yet (a ``RawPage``,
whose next cursor is known before its items are built). The walk moves on as soon as it
has a page's next cursor; building the items is left to ``Taken.build()``, so the request
for the next page can leave before the current page is built (issue 12).

Nothing here may keep a page alive once the walk is done with it: every exit path drops
what it held (no page in a reference cycle, PITFALLS: reference cycles).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from gitbook_async._constants import FINISH_GRACE
from gitbook_async._errors import PaginationError
from gitbook_async._pagination._cursor import (
    CursorHistory,
    Position,
    encode_position,
    loop_error,
    unsendable_cursor,
    unsendable_error,
)
from gitbook_async._pagination._page import Page, RawPage

__all__ = ["FetchPage", "Prefetcher", "Taken", "Walk"]

T = TypeVar("T")
FetchPage = Callable[[str | None], Awaitable[Page[T] | RawPage[T]]]
"""GitBook's cursor of a page (None for the first) -> that page, as the server sent it."""


class Taken(Generic[T]):
    """The part of one fetched page a walk yields, ready to be built into its ``Page``."""

    __slots__ = ("_raw", "cursor", "next_page", "start", "stop")

    def __init__(
        self, raw: RawPage[T], *, cursor: str | None, start: int, stop: int, next_page: str | None
    ) -> None:
        self._raw: RawPage[T] | None = raw
        self.cursor = cursor
        self.start = start
        self.stop = stop
        self.next_page = next_page

    async def build(self) -> Page[T]:
        """Build the page's items and return the ``Page`` the walk yields (once)."""
        raw, self._raw = self._raw, None
        if raw is None:
            raise RuntimeError("a page of a walk is built only once")
        response = raw.response
        fetched = await raw.build()
        del raw
        items = fetched.items
        if self.start or self.stop < len(items):
            items = items[self.start : self.stop]
        return Page(
            items=items,
            next_page=self.next_page,
            count=fetched.count,
            cursor=self.cursor,
            response=response,
        )

    def discard(self) -> None:
        """Drop the fetched page without building it."""
        raw, self._raw = self._raw, None
        if raw is not None:
            raw.discard()


class Walk(Generic[T]):
    """The state of one walk: which cursor comes next and how many items are still wanted.

    Shared by an iterator and its prefetch task; the task references only this object, so
    dropping the iterator can still trigger its cleanup.
    """

    def __init__(self, fetch_page: FetchPage[T], *, start: Position, max_items: int | None) -> None:
        self.fetch_page = fetch_page
        self.position = start
        self.cursors = CursorHistory(start[0])
        self.items_wanted = max_items
        self.exhausted = max_items == 0
        self.pending_error: PaginationError | None = None

    @property
    def finished(self) -> bool:
        """Whether no fetch is left to do (the error of a bad cursor still counts)."""
        return self.exhausted and self.pending_error is None

    async def fetch(self) -> Page[T]:
        """Fetch the next page, move on, and build it."""
        return await (await self.fetch_next()).build()

    async def fetch_next(self) -> Taken[T]:
        """Fetch the next page and move on; a bad next cursor fails the *next* fetch.

        The page that named a bad cursor still has new items: they are returned first.
        The page's items are not built yet (``Taken.build()``).
        """
        if self.pending_error is not None:
            error, self.pending_error = self.pending_error, None
            self.exhausted = True
            try:
                raise error
            finally:
                del error  # a local holding the error would put it in a cycle
        server_cursor, skip = self.position
        fetched = await self.fetch_page(server_cursor)
        raw = RawPage.of(fetched) if isinstance(fetched, Page) else fetched
        del fetched
        taken = self._take(raw, server_cursor, skip)
        self._advance(raw.next_page)
        return taken

    def _take(self, raw: RawPage[T], server_cursor: str | None, skip: int) -> Taken[T]:
        """Return which items of ``raw`` this walk yields, and the cursor after them."""
        start, stop = min(skip, raw.size), raw.size
        next_page = encode_position(raw.next_page, 0)
        wanted = self.items_wanted
        if wanted is not None:
            if stop - start >= wanted:
                if stop - start > wanted:
                    # Stopped mid-page: the next cursor points at the first item not taken.
                    next_page = encode_position(server_cursor, skip + wanted)
                stop = start + wanted
                self.exhausted = True
            self.items_wanted = wanted - (stop - start)
        cursor = encode_position(server_cursor, skip)
        return Taken(raw, cursor=cursor, start=start, stop=stop, next_page=next_page)

    def _advance(self, cursor: str | None) -> None:
        """Move to the server's next cursor, or end the walk."""
        if cursor is None:
            self.exhausted = True
        elif not self.exhausted:
            if unsendable_cursor(cursor):
                self.pending_error = unsendable_error(cursor)
            elif cursor == "" or self.cursors.repeats(cursor):
                self.pending_error = loop_error(cursor)
            self.position = (cursor, 0)


class Prefetcher(Generic[T]):
    """Runs a walk ahead of its consumer, at most ``depth`` pages not yet taken.

    The task fetches pages and reads their next cursors; the consumer builds each page it
    takes, while the task already fetches the next one. The task starts at the event loop's
    next turn (or at the first ``take()``), not at once: a consumer that stops within the
    page it has, without yielding to the loop (a ``break`` on the first page), costs no task.
    """

    __slots__ = ("_depth", "_queue", "_slots", "_start_handle", "_stopping", "_walk", "task")

    def __init__(self, walk: Walk[T], depth: int) -> None:
        self._walk = walk
        self._depth = depth
        # Holds pages, then None once the walk is over, or the exception that ended it.
        self._queue: asyncio.Queue[Taken[T] | BaseException | None] | None = None
        self._slots: asyncio.Semaphore | None = None
        self._stopping = False
        self.task: asyncio.Task[None] | None = None
        self._start_handle: asyncio.Handle | None = asyncio.get_running_loop().call_soon(
            self._start
        )

    def _start(self) -> asyncio.Queue[Taken[T] | BaseException | None]:
        """Start the task (once; not after a cancel) and return the queue it fills."""
        handle, self._start_handle = self._start_handle, None
        if handle is not None:
            handle.cancel()  # a take() came first: the loop's turn must not start it again
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._slots = asyncio.Semaphore(self._depth)
            if not self._stopping:
                self.task = asyncio.get_running_loop().create_task(self._produce(self._slots))
        return self._queue

    async def take(self) -> Taken[T] | None:
        """Return the next page, or None after the last one."""
        queue = self._queue if self._queue is not None else self._start()
        item = await queue.get()
        assert self._slots is not None  # set with the queue
        self._slots.release()
        if isinstance(item, BaseException):
            try:
                raise item
            finally:
                del item  # a local holding the error would put it in a cycle
        return item

    async def _produce(self, slots: asyncio.Semaphore) -> None:
        walk, queue = self._walk, self._queue
        assert queue is not None
        while not walk.finished and not self._stopping:
            await slots.acquire()
            try:
                taken = await walk.fetch_next()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                queue.put_nowait(exc)
                return
            queue.put_nowait(taken)
            del taken
        queue.put_nowait(None)

    async def cancel(self) -> None:
        """Stop the task, wait for it to end, and drop every page.

        A page whose request is in flight gets up to ``FINISH_GRACE`` seconds to arrive
        before the task is cancelled: a response cut off closes its connection (a new
        handshake later, and aiohttp's objects of it left to the cyclic collector), while one
        read to the end returns it to the pool. No further request starts meanwhile.
        """
        self._stopping = True
        task, self.task = self.task, None
        try:
            if task is not None and not task.done():
                await asyncio.wait((task,), timeout=FINISH_GRACE)
        finally:
            self._stop(task)
            if task is not None and not task.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            del task
            self._drop_pages()

    def cancel_soon(self) -> None:
        """Cancel the task without waiting (from ``__del__``; the loop may be closed)."""
        self._stopping = True
        task, self.task = self.task, None
        self._stop(task)
        del task
        self._drop_pages()

    def _stop(self, task: asyncio.Task[None] | None) -> None:
        handle, self._start_handle = self._start_handle, None
        with contextlib.suppress(RuntimeError):  # the loop may be closed
            if handle is not None:
                handle.cancel()
            if task is not None and not task.done():
                task.cancel()

    def _drop_pages(self) -> None:
        queue = self._queue
        while queue is not None and not queue.empty():
            item = queue.get_nowait()
            if isinstance(item, Taken):
                item.discard()
