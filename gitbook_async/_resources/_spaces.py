"""The space integrations endpoints: validate ids, build requests, turn JSON into models."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Final, Protocol

import aiohttp
import attrs

from gitbook_async._batch import SpaceResults
from gitbook_async._constants import MAX_PAGE_SIZE
from gitbook_async._converter import structure_response
from gitbook_async._errors import InvalidArgumentError, NotFoundError
from gitbook_async._pagination import AsyncPaginator, Page
from gitbook_async._sansio import api_path, validate_space_id
from gitbook_async.models import (
    Integration,
    IntegrationList,
    SpaceIntegrationBlocks,
    SpaceIntegrationScript,
)

__all__ = ["SpacesResource"]

Timeout = float | aiohttp.ClientTimeout | None


@attrs.frozen
class CallOptions:
    """Per-call overrides of the client's settings (None keeps the client's)."""

    timeout: Timeout = None
    max_retries: int | None = None

    def __attrs_post_init__(self) -> None:
        retries = self.max_retries
        if retries is not None and (
            isinstance(retries, bool) or not isinstance(retries, int) or retries < 0
        ):
            raise InvalidArgumentError(f"max_retries must be an int >= 0, got {retries!r}")


GetJSON = Callable[[str, str, Mapping[str, str], CallOptions], Awaitable[Any]]
"""(endpoint label, path, query, options) -> decoded JSON; raises our errors."""


class MapSpaces(Protocol):
    """The client's ``map_spaces`` as the resource sees it."""

    def __call__(
        self,
        space_ids: Iterable[str],
        operation: Callable[[str], Awaitable[list[Integration]]],
        *,
        concurrency: int | None = None,
    ) -> SpaceResults[list[Integration]]: ...


INTEGRATIONS: Final = "/spaces/{spaceId}/integrations"
INTEGRATION_BLOCKS: Final = "/spaces/{spaceId}/integration-blocks"
INTEGRATION_SCRIPTS: Final = "/spaces/{spaceId}/integration-scripts"

DEFAULT_PREFETCH: Final = 1


class SpacesResource:
    """Endpoints under ``/spaces/{spaceId}``; reach it as ``client.spaces``."""

    def __init__(self, get_json: GetJSON, *, map_spaces: MapSpaces) -> None:
        self._get_json = get_json
        self._map_spaces = map_spaces

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
                prefetch=0,
                timeout=timeout,
                max_retries=max_retries,
            )
            return await paginator.collect()

        return self._map_spaces(space_ids, collect, concurrency=concurrency)

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
            InvalidArgumentError: a bad ``space_id``, ``limit``, ``page`` or ``max_items``
                (raised here, before anything is sent).

        """
        space_id = validate_space_id(space_id)
        options = CallOptions(timeout, max_retries)
        _check_limit(limit)
        if search is not None and not isinstance(search, str):
            raise InvalidArgumentError(f"search must be a string, got {search!r}")
        if limit is None and max_items is not None and 0 < max_items <= MAX_PAGE_SIZE:
            limit = max_items  # fetch no more than the caller will take
        path = api_path(INTEGRATIONS, spaceId=space_id)
        endpoint = f"GET {INTEGRATIONS}"
        base_query: dict[str, str] = {}
        if search is not None:
            base_query["search"] = search
        if limit is not None:
            base_query["limit"] = str(limit)

        async def fetch_page(cursor: str | None) -> Page[Integration]:
            query = base_query if cursor is None else {**base_query, "page": cursor}
            data = await self._get_json(endpoint, path, query, options)
            listing: IntegrationList = structure_response(data, IntegrationList, endpoint=endpoint)
            return Page(
                items=listing.items,
                next_page=listing.next.page if listing.next is not None else None,
                count=listing.count,
            )

        return AsyncPaginator(fetch_page, start_page=page, max_items=max_items, prefetch=prefetch)

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
        space_id = validate_space_id(space_id)
        endpoint = f"GET {INTEGRATION_BLOCKS}"
        data = await self._get_json(
            endpoint,
            api_path(INTEGRATION_BLOCKS, spaceId=space_id),
            {},
            CallOptions(timeout, max_retries),
        )
        blocks = structure_response(data, tuple[SpaceIntegrationBlocks, ...], endpoint=endpoint)
        return list(blocks)

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
        space_id = validate_space_id(space_id)
        endpoint = f"GET {INTEGRATION_SCRIPTS}"
        try:
            data = await self._get_json(
                endpoint,
                api_path(INTEGRATION_SCRIPTS, spaceId=space_id),
                {},
                CallOptions(timeout, max_retries),
            )
        except NotFoundError as exc:
            raise _scripts_not_found(exc) from None
        scripts = structure_response(data, tuple[SpaceIntegrationScript, ...], endpoint=endpoint)
        return list(scripts)


def _check_limit(limit: object) -> None:
    if limit is None:
        return
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidArgumentError(
            f"limit must be an int from 1 to {MAX_PAGE_SIZE} (GitBook's cap), got {limit!r}"
        )


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
