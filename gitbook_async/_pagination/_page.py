"""``Page``: one page of a walk, and the cursors that continue the walk from inside it.

``RawPage`` is a page as fetched, before its items are built.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Generic, TypeVar

import attrs

from gitbook_async._pagination._cursor import decode_position, encode_position

if TYPE_CHECKING:
    from gitbook_async._response import ResponseMetadata

__all__ = ["Page", "RawPage"]

T = TypeVar("T")


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
        response: What the server said about this page's request: status, headers
            (case-insensitive), ``rate_limit``, ``elapsed``, ``attempts``, ``request_id``.
            None for a page that was not fetched over HTTP.
    """

    items: tuple[T, ...]
    next_page: str | None
    count: float | None = None
    cursor: str | None = None
    response: ResponseMetadata | None = attrs.field(default=None, eq=False, repr=False)

    def __len__(self) -> int:
        return len(self.items)

    def resume_cursor(self, consumed: int) -> str | None:
        """Return the cursor that continues the walk after the first ``consumed`` items.

        ``resume_cursor(len(page.items))`` is ``next_page``. Save it as a checkpoint and
        pass it as ``page=`` to continue exactly there, nothing skipped or repeated.
        """
        if consumed >= len(self.items):
            return self.next_page
        server_cursor, skip = decode_position(self.cursor)
        return encode_position(server_cursor, skip + max(consumed, 0))


class RawPage(Generic[T]):
    """A fetched page whose items are not built yet: its next cursor, its size, a builder.

    A fetch-page function may return one instead of a ``Page`` (issue 12): the walk reads
    the next cursor and the item count here, so it can send the request for the next page
    before this page's items are built, and builds them later (``build()``, which may yield
    to the event loop between slices). ``build()`` runs once: it drops the builder, and with
    it the decoded page, so that nothing holds the page after it was built or abandoned.
    """

    __slots__ = ("_build", "next_page", "response", "size")

    def __init__(
        self,
        *,
        next_page: str | None,
        size: int,
        build: Callable[[], Awaitable[Page[T]]],
        response: ResponseMetadata | None = None,
    ) -> None:
        self.next_page = next_page
        self.size = size
        self.response = response
        self._build: Callable[[], Awaitable[Page[T]]] | None = build

    @classmethod
    def of(cls, page: Page[T]) -> RawPage[T]:
        """Wrap a page that is built already."""

        async def built() -> Page[T]:
            return page

        return cls(
            next_page=page.next_page, size=len(page.items), build=built, response=page.response
        )

    async def build(self) -> Page[T]:
        """Build the page (its items, ``next_page`` and ``count``; the walk sets the cursor).

        Raises:
            RuntimeError: it was built (or discarded) already.

        """
        build, self._build = self._build, None
        if build is None:
            raise RuntimeError("a RawPage is built only once")
        return await build()

    def discard(self) -> None:
        """Drop the builder (and the decoded page it holds) without building."""
        self._build = None
