"""Lazy cursor pagination: ``Page`` and ``AsyncPaginator``. Knows nothing of HTTP.

A paginator is a reusable description of a walk; each ``async for`` (or ``pages()``) starts a
fresh iterator object (``_iterators``) over a fresh walk (``_walk``). ``_cursor`` holds the
resume codec and the loop detection, ``_page`` the ``Page`` value.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from gitbook_async._checks import check_int
from gitbook_async._constants import PAGINATOR_PREFETCH
from gitbook_async._errors import InvalidArgumentError
from gitbook_async._pagination._cursor import decode_position, unsendable_cursor
from gitbook_async._pagination._iterators import AsyncItemIterator, AsyncPageIterator
from gitbook_async._pagination._page import Page, RawPage
from gitbook_async._pagination._walk import FetchPage

__all__ = [
    "AsyncItemIterator",
    "AsyncPageIterator",
    "AsyncPaginator",
    "FetchPage",
    "Page",
    "RawPage",
]

T = TypeVar("T")


class AsyncPaginator(Generic[T]):
    """A lazy, re-iterable walk over a cursor-paginated listing.

    Creating one sends nothing. ``async for item in paginator`` fetches the first page when
    the loop starts and each next page only when the previous one is used up (plus
    ``prefetch`` pages ahead, fetched in the background while you work). Each loop is a
    fresh walk from the starting cursor; an iterator serves one task at a time.

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
        prefetch: int = PAGINATOR_PREFETCH,
        label: str | None = None,
    ) -> None:
        if max_items is not None:
            check_int("max_items", max_items)
        check_int("prefetch", prefetch)
        _check_start_page(start_page)
        self._fetch_page = fetch_page
        self._start_page = start_page
        self._max_items = max_items
        self._prefetch = prefetch
        self._label = label

    def __repr__(self) -> str:
        # What the walk lists (the resource's label, else the fetch function's name), where it
        # starts and how far it goes; the resource never puts the token in its label.
        what = self._label or getattr(
            self._fetch_page, "__qualname__", type(self._fetch_page).__name__
        )
        return (
            f"<AsyncPaginator {what} start_page={self._start_page!r} "
            f"max_items={self._max_items!r} prefetch={self._prefetch}>"
        )

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


def _check_start_page(start_page: object) -> None:
    """Refuse, before any request, a ``page=`` that cannot start a walk."""
    if start_page is None:
        return
    if not isinstance(start_page, str) or not start_page:
        raise InvalidArgumentError(
            f"page must be a non-empty cursor string from Page.next_page, got {start_page!r}"
        )
    server_cursor, _ = decode_position(start_page)  # a damaged resume cursor fails here
    if server_cursor is not None and unsendable_cursor(server_cursor):
        raise InvalidArgumentError(
            f"page={start_page!r} is not valid Unicode text (a lone surrogate?) and cannot be "
            "sent unchanged; pass a cursor exactly as Page.next_page or resume_cursor gave it"
        )
