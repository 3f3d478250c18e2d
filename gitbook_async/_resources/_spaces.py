"""The space integrations endpoints: validate ids, build requests, turn JSON into models.

A resource calls the transport (``get_json``) and the wire layer (``structure_response``)
itself; the client only hands it the transport and its default concurrency.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeVar

from gitbook_async._batch import SpaceResults, map_spaces
from gitbook_async._checks import check_int
from gitbook_async._constants import BATCH_PREFETCH, DEFAULT_PREFETCH, MAX_PAGE_SIZE
from gitbook_async._errors import InvalidArgumentError, NotFoundError
from gitbook_async._pagination import AsyncPaginator, FetchPage, Page, RawPage
from gitbook_async._resources._listing import decode_listing, integrations_page
from gitbook_async._resources._options import CallOptions, JSONTransport, Timeout
from gitbook_async._urls import api_path, validate_space_id
from gitbook_async._wire import OwnerMemo, decode_models, structure_response
from gitbook_async.models import (
    Integration,
    SpaceIntegrationBlocks,
    SpaceIntegrationScript,
)

__all__ = ["SpacesResource"]

INTEGRATIONS: Final = "/spaces/{spaceId}/integrations"
INTEGRATION_BLOCKS: Final = "/spaces/{spaceId}/integration-blocks"
INTEGRATION_SCRIPTS: Final = "/spaces/{spaceId}/integration-scripts"

M = TypeVar("M")


class SpacesResource:
    """Endpoints under ``/spaces/{spaceId}``; reach it as ``client.spaces``."""

    def __init__(
        self, transport: JSONTransport, *, max_concurrency: int, base_url: str | None = None
    ) -> None:
        self._transport = transport
        self._max_concurrency = max_concurrency
        self._base_url = base_url
        # Owners (organizations) repeat across the spaces of one account far more than within
        # a page: one bounded memo, keyed by the owner's exact JSON bytes, serves every walk.
        self._owners = OwnerMemo()

    def __repr__(self) -> str:
        where = "" if self._base_url is None else f" base_url={self._base_url!r}"
        return f"<SpacesResource of GitBookClient{where} max_concurrency={self._max_concurrency}>"

    def list_integrations_many(
        self,
        space_ids: Iterable[str],
        *,
        search: str | None = None,
        limit: int | None = None,
        max_items: int | None = None,
        concurrency: int | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
    ) -> SpaceResults[list[Integration]]:
        """List the integrations of many spaces concurrently, yielding each as it completes.

        Each result's ``value`` is the complete list for one space (up to ``max_items``), or
        its ``error`` is the ``GitBookError`` that space raised. At most ``concurrency`` spaces
        are walked at once (default: the client's ``max_concurrency``).
        """

        async def collect(space_id: str) -> list[Integration]:
            paginator = self.list_integrations(
                space_id,
                search=search,
                limit=limit,
                max_items=max_items,
                prefetch=BATCH_PREFETCH,
                timeout=timeout,
                max_retries=max_retries,
            )
            return await paginator.collect()

        return map_spaces(
            space_ids, collect, concurrency=concurrency, default_concurrency=self._max_concurrency
        )

    def list_integrations(
        self,
        space_id: str,
        *,
        search: str | None = None,
        limit: int | None = None,
        page: str | None = None,
        max_items: int | None = None,
        prefetch: int = DEFAULT_PREFETCH,
        timeout: Timeout = None,
        max_retries: int | None = None,
    ) -> AsyncPaginator[Integration]:
        """List the integrations enabled in a space, lazily, page by page.

        Nothing is sent until you iterate. Every follow-up request keeps ``search`` and
        ``limit``.

        Args:
            space_id: The space's id.
            search: Only integrations whose name matches this text.
            limit: Page size, 1 to 1000 (GitBook's cap); None lets the server choose.
            page: A cursor from ``Page.next_page`` to start (resume) from.
            max_items: Stop after this many integrations in total.
            prefetch: Pages fetched ahead in the background while you process the current
                one (0 turns it off).
            timeout: Seconds (or an ``aiohttp.ClientTimeout``) for each page request.
            max_retries: Retries for each page request (None keeps the client's policy).

        Raises:
            InvalidArgumentError: a bad ``space_id``, ``limit``, ``page``, ``max_items``,
                ``timeout`` or ``max_retries`` (raised here, before anything is sent).

        """
        path = api_path(INTEGRATIONS, spaceId=validate_space_id(space_id))
        options = CallOptions(timeout, max_retries)
        query = _listing_query(search, limit, max_items)
        return AsyncPaginator(
            self._integrations_fetch(path, query, options),
            start_page=page,
            max_items=max_items,
            prefetch=prefetch,
            label=_call_text("list_integrations", space_id, search=search, limit=limit),
        )

    async def list_integration_blocks(
        self, space_id: str, *, timeout: Timeout = None, max_retries: int | None = None
    ) -> list[SpaceIntegrationBlocks]:
        """List the custom blocks of the integrations installed in a space.

        Raises:
            InvalidArgumentError: a malformed ``space_id`` (before any request).
            APIStatusError: the server refused (e.g. ``NotFoundError`` for an unknown space).
            APIConnectionError: the request failed in transit.
            ResponseValidationError: the body does not match the API schema.

        """
        return await self._get_list(
            INTEGRATION_BLOCKS, space_id, SpaceIntegrationBlocks, CallOptions(timeout, max_retries)
        )

    async def list_integration_scripts(
        self, space_id: str, *, timeout: Timeout = None, max_retries: int | None = None
    ) -> list[SpaceIntegrationScript]:
        """List the scripts integrations embed in a space's published content.

        GitBook's API spec lists this endpoint up to version 0.137.0 and no longer in
        0.202.0: it is kept here, and a 404 says that the server may have dropped it.

        Raises:
            InvalidArgumentError: a malformed ``space_id`` (before any request).
            NotFoundError: the space does not exist, or the server no longer offers the
                endpoint (the message says both).
            APIStatusError: the server refused for another reason.
            APIConnectionError: the request failed in transit.
            ResponseValidationError: the body does not match the API schema.

        """
        options = CallOptions(timeout, max_retries)
        try:
            return await self._get_list(
                INTEGRATION_SCRIPTS, space_id, SpaceIntegrationScript, options
            )
        except NotFoundError as exc:
            raise _scripts_not_found(exc) from None

    async def _get_list(
        self, template: str, space_id: str, model: type[M], options: CallOptions
    ) -> list[M]:
        """GET an endpoint of one space whose body is a JSON array of ``model``."""
        path = api_path(template, spaceId=validate_space_id(space_id))
        endpoint = f"GET {template}"
        type_ = tuple[model, ...]  # type: ignore[valid-type]
        fast_decode = functools.partial(decode_models, type_=type_)
        data = await self._get(path, {}, endpoint, options, fast_decode=fast_decode)
        if isinstance(data, tuple):  # built by the accelerated path (JSON decodes no tuple)
            return list(data)
        return list(structure_response(data, type_, endpoint=endpoint))

    def _integrations_fetch(
        self, path: str, query: Mapping[str, str], options: CallOptions
    ) -> FetchPage[Integration]:
        """Return the fetch-page function of one ``list_integrations`` call (all its walks)."""
        get, endpoint = self._get, f"GET {INTEGRATIONS}"
        fast_decode = functools.partial(decode_listing, owners=self._owners)

        async def fetch_page(cursor: str | None) -> Page[Integration] | RawPage[Integration]:
            params = query if cursor is None else {**query, "page": cursor}
            data = await get(path, params, endpoint, options, fast_decode=fast_decode)
            return integrations_page(data, endpoint)

        return fetch_page

    async def _get(
        self,
        path: str,
        params: Mapping[str, str],
        endpoint: str,
        options: CallOptions,
        *,
        fast_decode: Callable[[bytes], Any] | None = None,
    ) -> Any:
        return await self._transport.get_json(
            path,
            params,
            endpoint=endpoint,
            timeout=options.timeout,
            max_retries=options.max_retries,
            fast_decode=fast_decode,
        )


def _listing_query(search: object, limit: object, max_items: object) -> dict[str, str]:
    """Check a listing's filters and return its query (without the page cursor).

    Raises:
        InvalidArgumentError: a bad ``search``, ``limit`` or ``max_items``.

    """
    if max_items is not None:
        check_int("max_items", max_items)
    if search is not None and not isinstance(search, str):
        raise InvalidArgumentError(f"search must be a string, got {search!r}")
    if limit is not None:
        check_int("limit", limit, minimum=1, maximum=MAX_PAGE_SIZE)
    elif isinstance(max_items, int) and 0 < max_items <= MAX_PAGE_SIZE:
        limit = max_items  # fetch no more than the caller will take
    query: dict[str, str] = {}
    if search is not None:
        query["search"] = search
    if limit is not None:
        query["limit"] = str(limit)
    return query


def _call_text(method: str, space_id: str, **filters: object) -> str:
    """Describe what a paginator lists as the call that made it (for its repr)."""
    arguments = [f"{space_id!r}"] + [f"{k}={v!r}" for k, v in filters.items() if v is not None]
    return f"spaces.{method}({', '.join(arguments)})"


def _scripts_not_found(error: NotFoundError) -> NotFoundError:
    """Explain a 404 from integration-scripts, which newer GitBook API versions dropped."""
    return NotFoundError(
        f"{error.message}. Either the space does not exist for this token, or this server no "
        "longer offers GET /spaces/{spaceId}/integration-scripts (GitBook's API spec lists it "
        "up to 0.137.0 but not in 0.202.0); list_integration_blocks() still works there",
        status=error.status,
        code=error.code,
        headers=error.headers,
        method=error.method,
        url=error.url,
        body=error.body,
    )
