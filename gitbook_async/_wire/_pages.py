"""Response bodies to models: decoded where the call's outcome is decided, built later.

Two public steps, for the transport's decision point and the resources:

- ``read_models(body, type_)`` decodes and builds a whole body (the list endpoints);
- ``read_list(body, ...)`` decodes a GitBook ``List`` page (C-speed with msgspec when it
  can, strict ``json.loads`` otherwise) and reads its ``next.page`` and item count at once,
  so the request for the next page can leave before this page's items are built;
  ``DecodedList.build()`` then builds the items a slice at a time, letting the event loop
  run between slices.

Both return a ``BadBody`` for a body that is not usable JSON, and raise
``ResponseValidationError`` (with the page's own JSON paths) for JSON of the wrong shape.
Only this package knows msgspec.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import attrs

from gitbook_async._body import BadBody, read_json
from gitbook_async._constants import ACCELERATED_SLICE_ITEMS, BUILD_SLICE_ITEMS
from gitbook_async._errors import ResponseValidationError
from gitbook_async._wire._accelerated import REFUSALS, OwnerMemo, decode_models, plan_of
from gitbook_async._wire._converter import structure_response

__all__ = ["Built", "DecodedList", "read_list", "read_models", "structure_json"]

M = TypeVar("M")


def structure_json(data: bytes | str, type_: type[M]) -> M:
    """Build models from wire-format JSON text, e.g. a stored response body or a webhook.

    The path a response takes: the accelerated one (msgspec, straight from the bytes) when
    it reads the text, else strict JSON (RFC 8259, UTF-8) and the detailed path.
    ``type_`` may be a model or e.g. ``tuple[Model, ...]``.

    Raises:
        ResponseValidationError: ``data`` is not JSON, or does not match ``type_``; its
            ``errors`` holds the JSON path and the problem of each bad value.

    """
    body = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    result = read_models(body, type_, endpoint="structure_json()")
    if isinstance(result, BadBody):
        problem = result.problem
        where = f" at {result.path}" if result.path else ""
        raise ResponseValidationError(
            f"structure_json() was given text that is {problem}{where}",
            endpoint="structure_json()",
            errors=((result.path, problem),),
        )
    return result  # type: ignore[no-any-return]


def read_models(
    body: bytes, type_: Any, *, endpoint: str, owners: OwnerMemo | None = None
) -> Any | BadBody:
    """Decode a body into models of ``type_``: the accelerated path, else strict JSON + cattrs.

    Raises:
        ResponseValidationError: the body is JSON that does not match ``type_``.

    """
    result = decode_models(body, type_, owners=owners)
    if result is not None:
        return result
    data = read_json(body)
    if isinstance(data, BadBody):
        return data
    return structure_response(data, type_, endpoint=endpoint)


@attrs.frozen
class Built(Generic[M]):
    """The built items of a ``List`` page and the total count it reported."""

    items: tuple[M, ...]
    count: float | None


class DecodedList(Generic[M]):
    """A decoded ``List`` page: its next cursor and size are known, its items not built.

    ``build()`` runs once; it drops the decoded page, so nothing holds it afterwards.
    """

    __slots__ = ("_source", "next_page", "size")

    def __init__(self, source: _Source[M], *, next_page: str | None, size: int) -> None:
        self._source: _Source[M] | None = source
        self.next_page = next_page
        self.size = size

    async def build(self) -> Built[M]:
        """Build the items, a slice at a time (yielding to the event loop between slices).

        Raises:
            ResponseValidationError: an item does not match the models (page paths).
            RuntimeError: built (or discarded) already.

        """
        source, self._source = self._source, None
        if source is None:
            raise RuntimeError("a decoded page is built only once")
        return await source.build()

    def discard(self) -> None:
        """Drop the decoded page without building it."""
        self._source = None


def read_list(
    body: bytes, *, list_type: Any, item_type: Any, endpoint: str, owners: OwnerMemo
) -> DecodedList[Any] | BadBody:
    """Decode a ``List`` page of ``item_type`` (``list_type`` is its envelope model).

    Raises:
        ResponseValidationError: the cursor or the items cannot be read (found now), else
            when the page is built.

    """
    fast = _read_fast(body, list_type, item_type, endpoint, owners)
    if fast is not None:
        return fast
    data = read_json(body)
    if isinstance(data, BadBody):
        return data
    return _read_data(data, list_type, item_type, endpoint)


def _read_fast(
    body: bytes, list_type: Any, item_type: Any, endpoint: str, owners: OwnerMemo
) -> DecodedList[Any] | None:
    list_plan, item_plan = plan_of(list_type), plan_of(item_type)
    if list_plan is None or item_plan is None:
        return None
    try:
        mirror = list_plan.decode(body)
        mirrors = mirror.items
        envelope = list_plan.build(_without_items(mirror), owners)
    except REFUSALS:
        return None
    owners.fit(len(mirrors))  # the memo keeps about two pages' worth of owners
    following = envelope.next
    next_page = None if following is None else following.page
    kinds = (list_type, item_type)
    source: _Source[Any] = _FastSource(body, mirrors, envelope.count, kinds, endpoint, owners)
    return DecodedList(source, next_page=next_page, size=len(mirrors))


def _without_items(mirror: Any) -> Any:
    import msgspec  # the accelerated path is loaded already

    return msgspec.structs.replace(mirror, items=())


def _read_data(data: Any, list_type: Any, item_type: Any, endpoint: str) -> DecodedList[Any]:
    shape = _list_shape(data)
    if shape is None:  # structured at once: the cattrs path says what is wrong
        listing = structure_response(data, list_type, endpoint=endpoint)
        built = _BuiltSource[Any](listing)
        return DecodedList(built, next_page=_next_of(listing), size=len(listing.items))
    size, next_page = shape
    source: _Source[Any] = _DataSource(data, (list_type, item_type), endpoint)
    return DecodedList(source, next_page=next_page, size=size)


def _next_of(listing: Any) -> str | None:
    following = listing.next
    return None if following is None else following.page


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


class _Source(Generic[M]):
    """Where a decoded page's items come from; ``build()`` makes them (once)."""

    __slots__ = ()

    async def build(self) -> Built[M]:
        raise NotImplementedError


class _BuiltSource(_Source[M]):
    __slots__ = ("_listing",)

    def __init__(self, listing: Any) -> None:
        self._listing = listing

    async def build(self) -> Built[M]:
        return Built(self._listing.items, self._listing.count)


class _DataSource(_Source[M]):
    """A page decoded by ``json.loads``: built by cattrs, ``BUILD_SLICE_ITEMS`` at a time."""

    __slots__ = ("_data", "_endpoint", "_kinds")

    def __init__(self, data: dict[str, Any], kinds: tuple[Any, Any], endpoint: str) -> None:
        self._data = data
        self._kinds = kinds
        self._endpoint = endpoint

    async def build(self) -> Built[M]:
        data, endpoint = self._data, self._endpoint
        list_type, item_type = self._kinds
        items_type = tuple[item_type, ...]  # type: ignore[valid-type]
        source: list[Any] = data["items"]
        items: list[M] = []
        try:
            for start in range(0, len(source), BUILD_SLICE_ITEMS):
                await asyncio.sleep(0)  # let the loop run (and the next page's request leave)
                items += structure_response(
                    source[start : start + BUILD_SLICE_ITEMS], items_type, endpoint=endpoint
                )
            envelope = structure_response({**data, "items": []}, list_type, endpoint=endpoint)
        except ResponseValidationError:
            pass  # a slice's paths are not the page's: see below
        else:
            return Built(tuple(items), envelope.count)
        # Structuring the whole page raises the error with the page's own JSON paths (should
        # it not raise, slices and page disagree: it then gives the page structured whole).
        listing = structure_response(data, list_type, endpoint=endpoint)
        return Built(listing.items, listing.count)


class _FastSource(_Source[M]):
    """A page msgspec decoded into mirrors: built ``ACCELERATED_SLICE_ITEMS`` at a time."""

    __slots__ = ("_body", "_count", "_endpoint", "_kinds", "_mirrors", "_owners")

    def __init__(
        self,
        body: bytes,
        mirrors: Sequence[Any],
        count: float | None,
        kinds: tuple[Any, Any],
        endpoint: str,
        owners: OwnerMemo,
    ) -> None:
        self._body = body
        self._mirrors = mirrors
        self._count = count
        self._kinds = kinds
        self._endpoint = endpoint
        self._owners = owners

    async def build(self) -> Built[M]:
        item_plan = plan_of(self._kinds[1])
        assert item_plan is not None  # the page was decoded on this path
        build, owners, mirrors = item_plan.build, self._owners, self._mirrors
        items: list[M] = []
        try:
            for start in range(0, len(mirrors), ACCELERATED_SLICE_ITEMS):
                await asyncio.sleep(0)  # let the loop run (and the next page's request leave)
                stop = start + ACCELERATED_SLICE_ITEMS
                items += [build(m, owners) for m in mirrors[start:stop]]
        except REFUSALS:  # e.g. an owner (decoded only now, from its raw bytes) is refused
            pass  # the strict path reads this page (below)
        else:
            return Built(tuple(items), self._count)
        data = read_json(self._body)
        if isinstance(data, BadBody):  # e.g. invalid UTF-8 inside an owner msgspec kept raw
            # Its texts hold positions and literals, never body text (nothing to redact).
            raise attrs.evolve(data, endpoint=self._endpoint).error()
        return await _read_data(data, *self._kinds, self._endpoint).build()
