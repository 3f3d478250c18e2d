"""Pages of ``listSpaceIntegrations``: the next cursor first, the items later and in slices.

GitBook's ``List`` pages chain: page n+1's cursor is in page n's body. So that the request
for page n+1 can leave before page n is built (issue 12), a page is read in two steps:

1. ``integrations_page`` reads ``next.page`` and the item count from the decoded JSON
   (checking only what it reads: any other shape is structured at once, which raises the
   error the structured path gives) and returns a ``RawPage``;
2. its ``build()`` structures the items a slice at a time (``BUILD_SLICE_ITEMS``), letting
   the event loop run between slices, so that a page never stalls the loop for long. Any
   invalid data is reported by structuring the whole page, with the page's own JSON paths.

A body the accelerated path (``_wire._accelerated``, msgspec) reads is decoded into mirrors
in one C-speed step, in the transport, with the envelope (the next cursor) built; its items
are built in slices (``ACCELERATED_SLICE_ITEMS``) by ``build()``. A slice the builders
refuse sends the page to the strict JSON + cattrs path, whose result or error is the one
the walk gives.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence
from typing import Any, Final

import msgspec

from gitbook_async._body import BadBody, decode_json
from gitbook_async._constants import ACCELERATED_SLICE_ITEMS, BUILD_SLICE_ITEMS
from gitbook_async._errors import ResponseValidationError
from gitbook_async._pagination import Page, RawPage
from gitbook_async._wire import REFUSALS, OwnerMemo, plan_of, structure_response
from gitbook_async.models import Integration, IntegrationList

__all__ = ["AcceleratedListing", "decode_listing", "integrations_page"]

_ITEMS: Final = tuple[Integration, ...]


class AcceleratedListing:
    """A listing body msgspec read into mirrors: the envelope is built, the items are not.

    Its items are built a slice at a time by ``RawPage.build()``; a slice the builders
    refuse sends the whole page to the cattrs path.
    """

    __slots__ = ("body", "envelope", "mirrors", "owners")

    def __init__(
        self, body: bytes, envelope: IntegrationList, mirrors: Sequence[Any], owners: OwnerMemo
    ) -> None:
        self.body = body
        self.envelope = envelope
        self.mirrors = mirrors
        self.owners = owners


def decode_listing(body: bytes, *, owners: OwnerMemo) -> AcceleratedListing | None:
    """Read a listing body on the accelerated path, or refuse (None: decode it strictly).

    Decoding (msgspec, C) and building the envelope happen now, so the walk learns the next
    cursor; the items are built later, in slices. ``owners`` is the resource's owner memo.
    """
    listing_plan = plan_of(IntegrationList)
    if listing_plan is None or plan_of(Integration) is None:
        return None
    try:
        mirror = listing_plan.decode(body)
        empty = msgspec.structs.replace(mirror, items=())
        envelope: IntegrationList = listing_plan.build(empty, owners)
    except REFUSALS:
        return None
    return AcceleratedListing(body, envelope, mirror.items, owners)


def integrations_page(data: Any, endpoint: str) -> Page[Integration] | RawPage[Integration]:
    """Turn one response of ``listSpaceIntegrations`` into a page of a walk.

    ``data`` is an ``AcceleratedListing`` (the accelerated path read the body) or the
    decoded JSON (``json.loads`` never returns one, so the two cannot be confused).

    Raises:
        ResponseValidationError: the body is not a ``List`` page of integrations (found
            now when its cursor or items cannot be read, else when the page is built).

    """
    if isinstance(data, AcceleratedListing):
        following = data.envelope.next
        next_page = None if following is None else following.page
        build = functools.partial(_build_accelerated, data, next_page, endpoint)
        return RawPage(next_page=next_page, size=len(data.mirrors), build=build)
    shape = _list_shape(data)
    if shape is None:  # structured at once: the cattrs path says what is wrong
        return _page_of(structure_response(data, IntegrationList, endpoint=endpoint))
    size, next_page = shape
    build = functools.partial(_build, data, next_page, endpoint)
    return RawPage(next_page=next_page, size=size, build=build)


def _list_shape(data: Any) -> tuple[int, str | None] | None:
    """Return the item count and ``next.page`` of a page, or None if they cannot be read.

    ``next`` may be absent or null (the last page); otherwise it must be an object whose
    ``page`` is a string, as ``ListNext`` requires.
    """
    if type(data) is not dict:
        return None
    items = data.get("items")
    if type(items) is not list:
        return None
    following = data.get("next")
    if following is None:
        return len(items), None
    if type(following) is dict:
        cursor = following.get("page")
        if type(cursor) is str:
            return len(items), cursor
    return None


async def _build(data: dict[str, Any], next_page: str | None, endpoint: str) -> Page[Integration]:
    """Structure a page's items in slices, yielding to the event loop before each one."""
    source: list[Any] = data["items"]
    items: list[Integration] = []
    try:
        for start in range(0, len(source), BUILD_SLICE_ITEMS):
            await asyncio.sleep(0)  # let the loop run (and the next page's request leave)
            items += structure_response(
                source[start : start + BUILD_SLICE_ITEMS], _ITEMS, endpoint=endpoint
            )
        envelope: IntegrationList = structure_response(
            {**data, "items": []}, IntegrationList, endpoint=endpoint
        )
    except ResponseValidationError:
        pass  # a slice's paths are not the page's: see below
    else:
        return Page(items=tuple(items), next_page=next_page, count=envelope.count)
    # Structuring the whole page raises the error with the page's own JSON paths (should it
    # not raise, slices and page disagree: it then gives the page as before issue 12).
    return _page_of(structure_response(data, IntegrationList, endpoint=endpoint))


async def _build_accelerated(
    listing: AcceleratedListing, next_page: str | None, endpoint: str
) -> Page[Integration]:
    """Build the items of an accelerated listing in slices, yielding before each one."""
    item_plan = plan_of(Integration)
    assert item_plan is not None  # the listing was decoded on this path
    build, owners, mirrors = item_plan.build, listing.owners, listing.mirrors
    items: list[Integration] = []
    try:
        for start in range(0, len(mirrors), ACCELERATED_SLICE_ITEMS):
            await asyncio.sleep(0)  # let the loop run (and the next page's request leave)
            items += [build(m, owners) for m in mirrors[start : start + ACCELERATED_SLICE_ITEMS]]
    except REFUSALS:  # e.g. an owner (decoded only now, from its raw bytes) is refused
        pass  # the cattrs path reads this page (below)
    else:
        return Page(items=tuple(items), next_page=next_page, count=listing.envelope.count)
    data = decode_json(listing.body, content_type="application/json", endpoint=endpoint)
    if isinstance(data, BadBody):  # e.g. invalid UTF-8 inside an owner msgspec kept raw
        raise data.error()  # as the transport raises it (never transient: msgspec parsed it)
    return await _build(data, next_page, endpoint)


def _page_of(listing: IntegrationList) -> Page[Integration]:
    """Return the ``Page`` of a structured listing (the walk sets its cursor)."""
    return Page(
        items=listing.items,
        next_page=listing.next.page if listing.next is not None else None,
        count=listing.count,
    )
