"""The fake API as an ``aiohttp.web.Application``: state, routes, auth, paging, rate limit."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from gitbook_async.testing._faults import Fault, NormalHandler
from gitbook_async.testing._ratelimit import RateLimiter
from gitbook_async.testing._wire import (
    PAGE_CURSOR_KEY,
    Cursor,
    dumps,
    error_response,
    json_response,
)

API_PREFIX = "/v1"
"""Every GitBook API path lives under this prefix (``https://api.gitbook.com/v1``)."""
DEFAULT_PAGE_SIZE = 20
"""Items per page when a request sends no ``limit`` (GitBook does not document its default)."""
MAX_PAGE_SIZE = 1000
"""Largest ``limit`` GitBook accepts on its list endpoints."""

_LIMIT_RE = re.compile(r"[0-9]{1,7}")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it (recorded before any fault applies).

    ``query`` keeps the first value of repeated keys; ``headers`` is case-insensitive.
    ``received_at`` is ``time.monotonic()`` at arrival (to check backoff between retries).
    """

    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    received_at: float


@dataclass
class FaultRule:
    """An injected fault: which requests it hits, and how many more times it fires."""

    fault: Fault
    path: str | None = None
    """Exact request path it applies to (``/v1/spaces/x/integrations``); ``None``: any path."""
    remaining: int | None = 1
    """How many more requests it answers; ``None``: forever."""
    hits: int = 0
    """How many requests it has answered so far."""

    def matches(self, path: str) -> bool:
        """Tell whether this rule still fires and applies to ``path``."""
        live = self.remaining is None or self.remaining > 0
        return live and (self.path is None or self.path == path)


@dataclass(frozen=True)
class _Integration:
    """An integration stored pre-encoded, with the folded fields search looks at."""

    json: bytes
    name: str
    title: str


@dataclass(frozen=True)
class SpaceData:
    """What the fake knows of one space, pre-encoded once when the space is added."""

    integrations: tuple[_Integration, ...]
    blocks_json: bytes
    scripts_json: bytes

    @classmethod
    def from_wire(
        cls,
        *,
        integrations: Iterable[Mapping[str, Any]] = (),
        blocks: Iterable[Mapping[str, Any]] = (),
        scripts: Iterable[Mapping[str, Any]] = (),
    ) -> SpaceData:
        """Snapshot wire dicts (later changes to them have no effect).

        Raises:
            TypeError: if a value is not JSON-serialisable.

        """
        items = tuple(
            _Integration(
                dumps(item),
                str(item.get("name", "")).casefold(),
                str(item.get("title", "")).casefold(),
            )
            for item in integrations
        )
        return cls(items, dumps(list(blocks)), dumps(list(scripts)))


@dataclass
class ServerState:
    """Everything the fake API knows and records; mutated by ``FakeGitBook``'s methods."""

    token: str | None = None
    default_page_size: int = DEFAULT_PAGE_SIZE
    max_page_size: int = MAX_PAGE_SIZE
    latency: float = 0.0
    spaces: dict[str, SpaceData] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    faults: list[FaultRule] = field(default_factory=list)
    rate_limiter: RateLimiter | None = None
    in_flight: set[asyncio.Task[Any]] = field(default_factory=set)

    def take_fault(self, path: str) -> Fault | None:
        """Consume one use of the first live rule matching ``path``, if any."""
        for rule in self.faults:
            if rule.matches(path):
                if rule.remaining is not None:
                    rule.remaining -= 1
                rule.hits += 1
                return rule.fault
        return None


STATE_KEY = web.AppKey("gitbook_fake_state", ServerState)
"""Where `create_app` keeps the `ServerState` on the application."""


def create_app(state: ServerState) -> web.Application:
    """Build the fake GitBook API application serving ``state``.

    Usable on its own with ``aiohttp.test_utils.TestServer`` or pytest-aiohttp's
    ``aiohttp_client``; ``FakeGitBook`` wraps it with a lifecycle and a loopback socket.
    """
    app = web.Application(middlewares=[_middleware])
    app[STATE_KEY] = state
    spaces = f"{API_PREFIX}/spaces/{{spaceId}}"
    app.router.add_get(f"{spaces}/integrations", _list_integrations, allow_head=False)
    app.router.add_get(f"{spaces}/integration-blocks", _list_blocks, allow_head=False)
    app.router.add_get(f"{spaces}/integration-scripts", _list_scripts, allow_head=False)
    return app


@web.middleware
async def _middleware(request: web.Request, handler: NormalHandler) -> web.StreamResponse:
    """Record, add latency, then let the first matching fault (or the API) answer."""
    state = request.app[STATE_KEY]
    state.requests.append(
        RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=request.headers.copy(),
            received_at=time.monotonic(),
        )
    )
    task = asyncio.current_task()
    if task is not None:
        state.in_flight.add(task)
    try:
        if state.latency > 0:
            await asyncio.sleep(state.latency)

        async def normal(req: web.Request) -> web.StreamResponse:
            return await _api(req, handler)

        fault = state.take_fault(request.path)
        if fault is not None:
            return await fault.respond(request, normal)
        return await normal(request)
    finally:
        if task is not None:
            state.in_flight.discard(task)


async def _api(request: web.Request, handler: NormalHandler) -> web.StreamResponse:
    """Answer as the well-behaved API: rate limit, routing errors, auth, then the route."""
    state = request.app[STATE_KEY]
    limit_headers: dict[str, str] = {}
    if state.rate_limiter is not None:
        allowed, limit_headers = state.rate_limiter.take(_bearer(request))
        if not allowed:
            return error_response(429, "Too many requests, retry later", headers=limit_headers)
    response: web.StreamResponse | None = _routing_error(request) or _auth_error(
        request, state.token
    )
    if response is None:
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # aiohttp's own errors, in GitBook's shape
            response = error_response(exc.status, exc.reason)
    response.headers.update(limit_headers)
    return response


def _routing_error(request: web.Request) -> web.Response | None:
    exc = request.match_info.http_exception
    if exc is None:
        return None
    headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
    message = "Not found" if exc.status == 404 else exc.reason
    return error_response(exc.status, message, headers=headers)


def _bearer(request: web.Request) -> str:
    """Return the request's bearer token, or ``""`` when it has none."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _auth_error(request: web.Request, token: str | None) -> web.Response | None:
    credentials = _bearer(request)
    if credentials and token in (None, credentials):
        return None
    return error_response(
        401,
        "You must be authenticated to access this resource",
        headers={"WWW-Authenticate": 'Bearer realm="GitBook API"'},
    )


def _space(request: web.Request) -> SpaceData | web.Response:
    space_id = request.match_info["spaceId"]
    space = request.app[STATE_KEY].spaces.get(space_id)
    if space is None:
        return error_response(404, f"Space {space_id!r} not found")
    return space


async def _list_integrations(request: web.Request) -> web.StreamResponse:
    """``GET /spaces/{spaceId}/integrations``: a cursor-paginated ``List`` of integrations."""
    state, space = request.app[STATE_KEY], _space(request)
    if isinstance(space, web.Response):
        return space
    query, space_id = request.query, request.match_info["spaceId"]
    search = query.get("search") or None
    limit: int | None = None
    if "limit" in query:
        raw = query["limit"]
        if not _LIMIT_RE.fullmatch(raw) or not 1 <= int(raw) <= state.max_page_size:
            message = f"limit must be an integer between 1 and {state.max_page_size}"
            return error_response(400, message)
        limit = int(raw)
    cursor = Cursor(space_id, 0, limit or state.default_page_size, search)
    if "page" in query:
        given = Cursor.decode(query["page"])
        if (
            given is None
            or given.space_id != space_id
            or ("limit" in query and given.limit != limit)
            or ("search" in query and given.search != search)
        ):
            return error_response(400, "Invalid page cursor for this listing")
        cursor = given
    request[PAGE_CURSOR_KEY] = cursor.encode()

    matching = space.integrations
    if cursor.search is not None:
        needle = cursor.search.casefold()
        matching = tuple(i for i in matching if needle in i.name or needle in i.title)
    end = cursor.offset + cursor.limit
    page = matching[cursor.offset : end]
    body = b'{"items":[' + b",".join(i.json for i in page) + b'],"count":%d' % len(matching)
    if end < len(matching):
        following = Cursor(space_id, end, cursor.limit, cursor.search)
        body += b',"next":' + dumps({"page": following.encode()})
    return json_response(body + b"}")


async def _list_blocks(request: web.Request) -> web.StreamResponse:
    """``GET /spaces/{spaceId}/integration-blocks``: blocks grouped by integration."""
    space = _space(request)
    return space if isinstance(space, web.Response) else json_response(space.blocks_json)


async def _list_scripts(request: web.Request) -> web.StreamResponse:
    """``GET /spaces/{spaceId}/integration-scripts``: scripts to embed in published content."""
    space = _space(request)
    return space if isinstance(space, web.Response) else json_response(space.scripts_json)
