"""The space integrations endpoints: validate ids, build requests, turn responses into models.

A resource checks a call's arguments (once, before anything is sent), hands the client's
sender the path, the query, the call's options and a decoder from the wire layer, and
turns what comes back into lists, pages and walks.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Final, TypeVar

from gitbook_async import models  # the model classes load on the first call
from gitbook_async._batch import SpaceResults, map_spaces
from gitbook_async._checks import check_int
from gitbook_async._constants import BATCH_PREFETCH, DEFAULT_PREFETCH, MAX_PAGE_SIZE
from gitbook_async._errors import InvalidArgumentError, NotFoundError, ResponseValidationError
from gitbook_async._options import CallOptions, Pairs, Request, RequestOptions, Sender, encodable
from gitbook_async._pagination import AsyncPaginator, FetchPage, Page, RawPage
from gitbook_async._response import APIResponse, Response
from gitbook_async._sansio import redact_validation_error
from gitbook_async._urls import api_path, validate_space_id
from gitbook_async._wire import DecodedList, OwnerMemo, read_list, read_models

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

    from gitbook_async.models import (
        Integration,
        SpaceIntegrationBlocks,
        SpaceIntegrationScript,
    )

__all__ = ["SpacesResource", "SpacesResourceWithRawResponse"]

INTEGRATIONS: Final = "/spaces/{spaceId}/integrations"
INTEGRATION_BLOCKS: Final = "/spaces/{spaceId}/integration-blocks"
INTEGRATION_SCRIPTS: Final = "/spaces/{spaceId}/integration-scripts"

_LISTING_QUERY: Final = ("search", "limit", "page")
"""Query parameters ``list_integrations`` sets itself (``extra_query`` may not)."""

M = TypeVar("M")
T = TypeVar("T")


class SpacesResource:
    """Endpoints under ``/spaces/{spaceId}``; reach it as ``client.spaces``.

    Every method takes the per-call options of ``RequestOptions`` as keyword arguments:
    ``timeout=`` (each attempt), ``max_retries=``, ``deadline=`` (the whole call, retries
    and waits included), ``extra_headers=`` and ``extra_query=``; None keeps the client's.
    """

    def __init__(
        self,
        send: Sender,
        *,
        max_concurrency: int,
        base_url: str | None = None,
        secrets: tuple[str, ...] = (),
        owners: OwnerMemo | None = None,
    ) -> None:
        self._send = send
        self._max_concurrency = max_concurrency
        self._base_url = base_url
        self._secrets = secrets
        # Owners (organizations) repeat across the spaces of one account far more than within
        # a page: one bounded memo, keyed by the owner's exact JSON bytes, serves every walk.
        self._owners = OwnerMemo() if owners is None else owners

    def __repr__(self) -> str:
        where = "" if self._base_url is None else f" base_url={self._base_url!r}"
        return f"<SpacesResource of GitBookClient{where} max_concurrency={self._max_concurrency}>"

    @functools.cached_property
    def with_raw_response(self) -> SpacesResourceWithRawResponse:
        """The same endpoints, returning an ``APIResponse`` with the response's metadata.

        ``await response.parse()`` gives what the plain method returns;
        ``list_integrations`` fetches one page (``page=`` picks which) and parses to a ``Page``.
        """
        return SpacesResourceWithRawResponse(self)

    def list_integrations_many(
        self,
        space_ids: Iterable[str],
        *,
        search: str | None = None,
        limit: int | None = None,
        max_items: int | None = None,
        concurrency: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> SpaceResults[list[Integration]]:
        """List the integrations of many spaces concurrently, yielding each as it completes.

        Each result's ``value`` is the complete list for one space (up to ``max_items``), or
        its ``error`` is the ``GitBookError`` that space raised. At most ``concurrency`` spaces
        are walked at once (default: the client's ``max_concurrency``). The call options
        apply to each page request.

        Raises:
            InvalidArgumentError: a bad filter or option (before anything is sent).

        """
        query = _listing_query(search, limit, max_items)
        call = _listing_options(options)

        async def collect(space_id: str) -> list[Integration]:
            path = api_path(INTEGRATIONS, spaceId=validate_space_id(space_id))
            paginator = AsyncPaginator(
                self._integrations_fetch(path, query, call),
                max_items=max_items,
                prefetch=BATCH_PREFETCH,
                label=_call_text("list_integrations", space_id, search=search, limit=limit),
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
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[Integration]:
        """List the integrations enabled in a space, lazily, page by page.

        Nothing is sent until you iterate. Every follow-up request keeps ``search``,
        ``limit`` and the call options.

        Args:
            space_id: The space's id.
            search: Only integrations whose name matches this text.
            limit: Page size, 1 to 1000 (GitBook's cap); None lets the server choose.
            page: A cursor from ``Page.next_page`` to start (resume) from.
            max_items: Stop after this many integrations in total.
            prefetch: Pages fetched ahead in the background while you process the current
                one (0 turns it off).
            **options: The per-call options (``RequestOptions``), for each page request:
                ``timeout``, ``max_retries``, ``deadline`` (each page request, retries and
                waits included: wrap the loop in ``asyncio.timeout()`` to bound the whole
                walk), ``extra_headers``, ``extra_query``.

        Raises:
            InvalidArgumentError: a bad ``space_id``, filter or option (raised here, before
                anything is sent).

        """
        path = api_path(INTEGRATIONS, spaceId=validate_space_id(space_id))
        call = _listing_options(options)
        query = _listing_query(search, limit, max_items)
        return AsyncPaginator(
            self._integrations_fetch(path, query, call),
            start_page=page,
            max_items=max_items,
            prefetch=prefetch,
            label=_call_text("list_integrations", space_id, search=search, limit=limit),
        )

    async def list_integration_blocks(
        self,
        space_id: str,
        **options: Unpack[RequestOptions],
    ) -> list[SpaceIntegrationBlocks]:
        """List the custom blocks of the integrations installed in a space.

        Raises:
            InvalidArgumentError: a malformed ``space_id`` or option (before any request).
            APIStatusError: the server refused (e.g. ``NotFoundError`` for an unknown space).
            APIConnectionError: the request failed in transit (``APITimeoutError`` when the
                ``deadline`` passed).
            ResponseValidationError: the body does not match the API schema.

        """
        call = CallOptions.of(**options)
        response = await self._get_list(
            INTEGRATION_BLOCKS, space_id, models.SpaceIntegrationBlocks, call
        )
        return list(response.value)

    async def list_integration_scripts(
        self,
        space_id: str,
        **options: Unpack[RequestOptions],
    ) -> list[SpaceIntegrationScript]:
        """List the scripts integrations embed in a space's published content.

        GitBook's API spec lists this endpoint up to version 0.137.0 and no longer in
        0.202.0: it is kept here, and a 404 says that the server may have dropped it.

        Raises:
            InvalidArgumentError: a malformed ``space_id`` or option (before any request).
            NotFoundError: the space does not exist, or the server no longer offers the
                endpoint (the message says both).
            APIStatusError: the server refused for another reason.
            APIConnectionError: the request failed in transit.
            ResponseValidationError: the body does not match the API schema.

        """
        call = CallOptions.of(**options)
        response = await self._get_scripts(space_id, call)
        return list(response.value)

    async def _get_scripts(
        self, space_id: str, options: CallOptions
    ) -> Response[tuple[SpaceIntegrationScript, ...]]:
        try:
            return await self._get_list(
                INTEGRATION_SCRIPTS, space_id, models.SpaceIntegrationScript, options
            )
        except NotFoundError as exc:
            raise _scripts_not_found(exc) from None

    async def _get_list(
        self, template: str, space_id: str, model: type[M], options: CallOptions
    ) -> Response[tuple[M, ...]]:
        """GET an endpoint of one space whose body is a JSON array of ``model``."""
        path = api_path(template, spaceId=validate_space_id(space_id))
        endpoint = f"GET {template}"
        type_ = tuple[model, ...]  # type: ignore[valid-type]
        decode = functools.partial(read_models, type_=type_, endpoint=endpoint)
        return await self._send(Request(path, (), endpoint, decode, options))

    def _integrations_fetch(
        self, path: str, query: Pairs, options: CallOptions
    ) -> FetchPage[Integration]:
        """Return the fetch-page function of one ``list_integrations`` call (all its walks)."""
        fetch_raw = self._integrations_raw_fetch(path, query, options)

        async def fetch_page(cursor: str | None) -> RawPage[Integration]:
            return _raw_page(await fetch_raw(cursor), self._secrets)

        return fetch_page

    def _integrations_raw_fetch(
        self, path: str, query: Pairs, options: CallOptions
    ) -> Callable[[str | None], Awaitable[Response[DecodedList[Integration]]]]:
        send, endpoint = self._send, f"GET {INTEGRATIONS}"
        decode = functools.partial(
            read_list,
            list_type=models.IntegrationList,
            item_type=models.Integration,
            endpoint=endpoint,
            owners=self._owners,
        )

        async def fetch(cursor: str | None) -> Response[DecodedList[Integration]]:
            params = query if cursor is None else (*query, ("page", cursor))
            return await send(Request(path, params, endpoint, decode, options))

        return fetch


class SpacesResourceWithRawResponse:
    """``client.spaces.with_raw_response``: each method returns an ``APIResponse``.

    The arguments are those of the plain methods; ``await response.parse()`` gives what
    the plain method returns.
    """

    def __init__(self, spaces: SpacesResource) -> None:
        self._spaces = spaces

    def __repr__(self) -> str:
        return f"<SpacesResourceWithRawResponse of {self._spaces!r}>"

    async def list_integrations(
        self,
        space_id: str,
        *,
        search: str | None = None,
        limit: int | None = None,
        page: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> APIResponse[Page[Integration]]:
        """Fetch one page of a space's integrations (the first, or the cursor ``page``).

        ``await response.parse()`` builds the ``Page``; pass its ``next_page`` as ``page=``
        for the next one, or walk with the plain ``list_integrations``.

        Raises:
            InvalidArgumentError: a bad argument (before anything is sent).
            GitBookError: what the plain method raises for this page.

        """
        spaces = self._spaces
        path = api_path(INTEGRATIONS, spaceId=validate_space_id(space_id))
        call = _listing_options(options)
        query = _listing_query(search, limit, None)
        cursor = _check_page(page)
        fetch = spaces._integrations_raw_fetch(path, query, call)
        response = await fetch(cursor)
        raw = _raw_page(response, spaces._secrets)

        async def parse() -> Page[Integration]:
            built = await raw.build()
            return Page(
                items=built.items,
                next_page=built.next_page,
                count=built.count,
                cursor=cursor,
                response=response.metadata,
            )

        return APIResponse.of(response.metadata, _once(parse))

    async def list_integration_blocks(
        self,
        space_id: str,
        **options: Unpack[RequestOptions],
    ) -> APIResponse[list[SpaceIntegrationBlocks]]:
        """Like ``SpacesResource.list_integration_blocks``, with the response's metadata.

        Raises:
            GitBookError: what the plain method raises.

        """
        call = CallOptions.of(**options)
        blocks = models.SpaceIntegrationBlocks
        response = await self._spaces._get_list(INTEGRATION_BLOCKS, space_id, blocks, call)
        return _list_response(response)

    async def list_integration_scripts(
        self,
        space_id: str,
        **options: Unpack[RequestOptions],
    ) -> APIResponse[list[SpaceIntegrationScript]]:
        """Like ``SpacesResource.list_integration_scripts``, with the response's metadata.

        Raises:
            NotFoundError: the space does not exist, or the server dropped the endpoint.
            GitBookError: what the plain method raises otherwise.

        """
        return _list_response(await self._spaces._get_scripts(space_id, CallOptions.of(**options)))


def _list_response(response: Response[tuple[M, ...]]) -> APIResponse[list[M]]:
    async def parse() -> list[M]:
        return list(response.value)

    return APIResponse.of(response.metadata, _once(parse))  # parse() gives one list


def _once(build: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
    """Run ``build`` on the first call only; later (or concurrent) calls get its result.

    A build that raised raises the same error again.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []
    lock = asyncio.Lock()  # build() yields between slices: a second caller waits here

    async def once() -> T:
        async with lock:
            if not outcome and not failure:
                try:
                    outcome.append(await build())
                except BaseException as error:
                    failure.append(error)
                    raise
        if failure:
            raise failure[0]
        return outcome[0]

    return once


def _raw_page(
    response: Response[DecodedList[Integration]], secrets: tuple[str, ...]
) -> RawPage[Integration]:
    """Return the walk's view of a fetched page: next cursor and size now, items later."""
    decoded = response.value

    async def build() -> Page[Integration]:
        try:
            built = await decoded.build()
        except ResponseValidationError as error:
            raise redact_validation_error(error, secrets) from None
        return Page(items=built.items, next_page=decoded.next_page, count=built.count)

    return RawPage(
        next_page=decoded.next_page, size=decoded.size, build=build, response=response.metadata
    )


def _listing_options(options: RequestOptions) -> CallOptions:
    """Check a listing's options: ``extra_query`` may not set its ``search``, ``limit``, ``page``.

    Raises:
        InvalidArgumentError: a bad option (before anything is sent).

    """
    return CallOptions.of(**options, reserved_query=_LISTING_QUERY)


def _check_page(page: object) -> str | None:
    if page is not None and not isinstance(page, str):
        raise InvalidArgumentError(f"page must be a cursor string, got {page!r}")
    return page


def _listing_query(search: object, limit: object, max_items: object) -> Pairs:
    """Check a listing's filters and return its query (without the page cursor).

    Raises:
        InvalidArgumentError: a bad ``search``, ``limit`` or ``max_items``.

    """
    if max_items is not None:
        check_int("max_items", max_items)
    if search is not None and (not isinstance(search, str) or not encodable(search)):
        raise InvalidArgumentError(
            f"search must be a string that can be encoded as UTF-8, got {search!r}"
        )
    if limit is not None:
        check_int("limit", limit, minimum=1, maximum=MAX_PAGE_SIZE)
    elif isinstance(max_items, int) and 0 < max_items <= MAX_PAGE_SIZE:
        limit = max_items  # fetch no more than the caller will take
    query: list[tuple[str, str]] = []
    if search is not None:
        query.append(("search", search))
    if limit is not None:
        query.append(("limit", str(limit)))
    return tuple(query)


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
