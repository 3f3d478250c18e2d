"""The transport's own spec, against real servers on 127.0.0.1 (``_transport``).

Per-attempt timeouts, the retry loop around ``decide()``, the call's ``deadline=``, redirects,
the three ways a body is read (Content-Length, chunked, gzip) and the size cap, a borrowed
session's settings, the headers and query that reach the server, and the debug log line.
Every test ends with no SDK task pending; timings are only ever bounded from above, loosely.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDictProxy

from gitbook_async import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    ClientClosedError,
    GitBookClient,
    GitBookError,
    NotFoundError,
    RateLimitError,
    ResponseTooLargeError,
    RetryPolicy,
    ServerError,
)
from gitbook_async._constants import MAX_REDIRECTS
from gitbook_async._wire import structure_response
from gitbook_async.models import SpaceIntegrationBlocks
from gitbook_async.testing import (
    FakeGitBook,
    Fault,
    make_block,
    make_block_group,
    make_integration,
)

from .conftest import TOKEN, pending_sdk_tasks

SPACE: Final = "space_transport"
BLOCKS_PATH: Final = f"/v1/spaces/{SPACE}/integration-blocks"
FAST: Final = RetryPolicy(max_retries=2, backoff_base=0.001, backoff_max=0.002, max_wait=5.0)
JSON: Final = "application/json"
SLACK_BOUND: Final = 1.0
"""Seconds a call may run past its deadline (generous: the point is "bounded", not speed)."""

BODY: Final = json.dumps(
    [
        make_block_group(
            f"tool-{n}", [make_block(f"tool-{n}", f"b{k}", title=f"Block {k}") for k in range(3)]
        )
        for n in range(8)
    ]
).encode()
EXPECTED: Final = list(
    structure_response(json.loads(BODY), tuple[SpaceIntegrationBlocks, ...], endpoint="GET x")
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Seen:
    """One request as the server received it."""

    path: str
    query_string: str
    headers: CIMultiDictProxy[str]


@dataclass
class Loopback:
    """A running server on 127.0.0.1 and the requests it received."""

    url: str
    seen: list[Seen] = field(default_factory=list)

    @property
    def hits(self) -> int:
        """How many requests arrived."""
        return len(self.seen)


@contextlib.asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[Loopback]:
    """Answer every request with ``handler`` on 127.0.0.1 (handlers are cancelled at exit)."""
    server = Loopback("")

    async def recorded(request: web.Request) -> web.StreamResponse:
        server.seen.append(Seen(request.path, request.query_string, request.headers))
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", recorded)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    server.url = f"http://{host}:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


def scripted(*answers: Handler) -> Handler:
    """Answer the n-th request with the n-th handler (the last one answers the rest)."""
    count = 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal count
        answer = answers[min(count, len(answers) - 1)]
        count += 1
        return await answer(request)

    return handler


def status(code: int, headers: dict[str, str] | None = None) -> Handler:
    """Answer ``code`` with GitBook's error body (or the blocks body for a 2xx)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        if 200 <= code < 300:
            return web.Response(body=BODY, content_type=JSON, headers=headers)
        body = {"error": {"code": code, "message": f"status {code}"}}
        return web.json_response(body, status=code, headers=headers)

    return handler


OK: Final = status(200)


def sleeping(seconds: float) -> Handler:
    """Answer only after ``seconds`` (cancelled when the server stops)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return await OK(request)

    return handler


async def chunked(request: web.Request, body: bytes = BODY, *, cut: bool = False) -> Any:
    """Send ``body`` with chunked transfer encoding, in 100-byte writes (``cut``: drop half)."""
    response = web.StreamResponse(headers={"Content-Type": JSON})
    response.enable_chunked_encoding()
    await response.prepare(request)
    end = len(body) // 2 if cut else len(body)
    for start in range(0, end, 100):
        await response.write(body[start : min(start + 100, end)])
    if cut:
        assert request.transport is not None
        request.transport.abort()
        return response
    await response.write_eof()
    return response


async def gzipped(request: web.Request, body: bytes = BODY) -> web.StreamResponse:
    """Send ``body`` gzip-compressed (``Content-Encoding: gzip`` with a Content-Length)."""
    headers = {"Content-Type": JSON, "Content-Encoding": "gzip"}
    return web.Response(body=gzip.compress(body), headers=headers)


async def cut_short(request: web.Request) -> web.StreamResponse:
    """Announce the whole body's Content-Length, send half of it, drop the connection."""
    response = web.StreamResponse(headers={"Content-Type": JSON})
    response.content_length = len(BODY)
    await response.prepare(request)
    await response.write(BODY[: len(BODY) // 2])
    assert request.transport is not None
    request.transport.abort()
    return response


def client(url: str, **options: Any) -> GitBookClient:
    """A client of ``url`` with fast retries unless told otherwise."""
    options.setdefault("retry", FAST)
    return GitBookClient(TOKEN, base_url=url, **options)


async def blocks(url: str, *, call: dict[str, Any] | None = None, **options: Any) -> Any:
    """One ``list_integration_blocks`` call through a fresh client."""
    async with client(url, **options) as gitbook:
        return await gitbook.spaces.list_integration_blocks(SPACE, **(call or {}))


@pytest.fixture(autouse=True)
async def no_task_left() -> AsyncIterator[None]:
    """Every test leaves no SDK task pending."""
    yield
    assert await pending_sdk_tasks() == []


# --- per-attempt timeout ------------------------------------------------------------------


async def test_an_attempt_longer_than_its_timeout_times_out() -> None:
    """A server slower than ``timeout=`` ends the attempt in APITimeoutError (no retry: 1 hit)."""
    async with serve(sleeping(5)) as server:
        with pytest.raises(APITimeoutError, match="timed out"):
            await blocks(server.url, call={"timeout": 0.2, "max_retries": 0})
    assert server.hits == 1


async def test_each_attempt_gets_the_whole_timeout() -> None:
    """The timeout bounds each attempt: a slow first attempt is retried, the fast one succeeds."""
    async with serve(scripted(sleeping(5), OK)) as server:
        result = await blocks(server.url, call={"timeout": 0.3})
    assert result == EXPECTED
    assert server.hits == 2


# --- retries and the decide() loop --------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "max_retries", "outcome", "hits"),
    [
        ([status(503), OK], 2, None, 2),
        ([status(500), status(502), status(504), OK], 3, None, 4),
        ([status(408), status(429, {"Retry-After": "0"}), OK], 2, None, 3),
        ([cut_short, OK], 1, None, 2),
        ([status(503)], 2, ServerError, 3),
        ([status(503)], 0, ServerError, 1),
        ([status(404)], 2, NotFoundError, 1),
        ([status(400)], 2, BadRequestError, 1),
        ([status(429, {"Retry-After": "600"})], 2, RateLimitError, 1),
    ],
    ids=[
        "503-then-ok",
        "5xx-thrice-then-ok",
        "408-429-then-ok",
        "cut-short-then-ok",
        "503-exhausts-retries",
        "503-no-retries",
        "404-at-once",
        "400-at-once",
        "429-wait-over-max_wait",
    ],
)
async def test_retry_loop(
    answers: Sequence[Handler], max_retries: int, outcome: type[GitBookError] | None, hits: int
) -> None:
    """Transient outcomes are retried up to ``max_retries``; the rest end the call at once."""
    async with serve(scripted(*answers)) as server:
        if outcome is None:
            assert await blocks(server.url, call={"max_retries": max_retries}) == EXPECTED
        else:
            with pytest.raises(outcome):
                await blocks(server.url, call={"max_retries": max_retries})
    assert server.hits == hits


# --- deadline= ------------------------------------------------------------------------------


async def deadline_error(url: str, deadline: float, **options: Any) -> tuple[str, float]:
    """Run a call with ``deadline``; return its APITimeoutError's message and the time taken."""
    started = time.monotonic()
    with pytest.raises(APITimeoutError) as caught:
        await blocks(url, call={"deadline": deadline}, **options)
    took = time.monotonic() - started
    assert took < deadline + SLACK_BOUND
    return str(caught.value), took


async def test_a_deadline_bounds_slow_attempts() -> None:
    """Attempts slower than the deadline: APITimeoutError naming the deadline and the attempts."""
    async with serve(sleeping(5)) as server:
        message, _ = await deadline_error(server.url, 0.5, timeout=60)
    assert "deadline of 0.5 s passed" in message
    assert f"after {server.hits} attempt(s)" in message
    assert TOKEN not in message


async def test_a_deadline_bounds_attempts_and_backoff() -> None:
    """Failing attempts with backoff between them stop at the deadline, all attempts counted."""
    backing_off = RetryPolicy(max_retries=20, backoff_base=0.2, backoff_max=0.4)
    async with serve(status(503)) as server:
        message, _ = await deadline_error(server.url, 1.0, retry=backing_off)
    assert server.hits >= 2
    assert f"after {server.hits} attempt(s) (the last one: HTTP 503)" in message


async def test_a_server_named_wait_past_the_deadline_ends_the_call() -> None:
    """A Retry-After longer than the time left raises at once instead of sleeping through it."""
    async with serve(status(503, {"Retry-After": "30"})) as server:
        message, took = await deadline_error(server.url, 1.0, retry=RetryPolicy(max_wait=60))
    assert server.hits == 1
    assert "after 1 attempt(s) (the last one: HTTP 503)" in message
    assert took < 1.0 + SLACK_BOUND


def exhausted_budget() -> Handler:
    """Answer 200 saying no request is left in the rate window for 30 seconds."""

    async def handler(request: web.Request) -> web.StreamResponse:
        reset = str(int(time.time()) + 30)
        headers = {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0"}
        return await status(200, {**headers, "X-RateLimit-Reset": reset})(request)

    return handler


async def test_a_rate_budget_wait_past_the_deadline_ends_the_call_unsent() -> None:
    """A rate-budget wait longer than the deadline raises APITimeoutError; nothing is sent."""
    async with serve(exhausted_budget()) as server, client(server.url) as gitbook:
        await gitbook.spaces.list_integration_blocks(SPACE)
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match="rate budget") as caught:
            await gitbook.spaces.list_integration_blocks(SPACE, deadline=1.0)
        assert time.monotonic() - started < 1.0 + SLACK_BOUND
        with pytest.raises(RateLimitError):  # without a deadline, max_wait decides
            await gitbook.spaces.list_integration_blocks(SPACE)
    assert server.hits == 1
    assert "deadline of 1.0 s" in str(caught.value)


async def test_a_rate_budget_refusal_says_no_attempt_was_made() -> None:
    """The deadline error of a call refused by the rate budget says no attempt was made."""
    async with serve(exhausted_budget()) as server, client(server.url) as gitbook:
        await gitbook.spaces.list_integration_blocks(SPACE)
        with pytest.raises(APITimeoutError) as caught:
            await gitbook.spaces.list_integration_blocks(SPACE, deadline=1.0)
    assert server.hits == 1
    assert "after no attempt" in str(caught.value)


async def test_a_deadline_without_retries_names_the_deadline_and_attempts() -> None:
    """With ``max_retries=0``, a call cut by its deadline still says so and counts attempts."""
    async with serve(sleeping(5)) as server:
        message, _ = await deadline_error(server.url, 0.5, retry=RetryPolicy(max_retries=0))
    assert "deadline of 0.5 s" in message
    assert "1 attempt(s)" in message


@pytest.mark.parametrize("where", ["client", "with_options"])
async def test_a_default_deadline_applies_and_a_calls_own_wins(where: str) -> None:
    """``GitBookClient(deadline=)`` and ``with_options(deadline=)`` bound calls; a call's wins."""
    async with serve(sleeping(0.6)) as server:
        gitbook = client(server.url, deadline=0.3 if where == "client" else None)
        async with gitbook:
            bounded = gitbook if where == "client" else gitbook.with_options(deadline=0.3)
            with pytest.raises(APITimeoutError, match=r"deadline of 0\.3 s"):
                await bounded.spaces.list_integration_blocks(SPACE)
            longer = await bounded.spaces.list_integration_blocks(SPACE, deadline=30)
    assert longer == EXPECTED


# --- redirects --------------------------------------------------------------------------------


def redirect(location: str, code: int = 302) -> Handler:
    """Answer ``code`` with ``Location: location``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=code, headers={"Location": location})

    return handler


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("location", ["/v1/moved?x=1", "moved"], ids=["absolute-path", "relative"])
async def test_a_same_origin_redirect_is_followed_with_the_token(code: int, location: str) -> None:
    """A redirect within the origin is followed, the Authorization header kept."""
    async with serve(scripted(redirect(location, code), OK)) as server:
        assert await blocks(server.url) == EXPECTED
    assert server.hits == 2
    assert server.seen[1].path.endswith("moved")
    assert server.seen[1].headers["Authorization"] == f"Bearer {TOKEN}"


async def test_a_redirect_to_another_origin_drops_the_token() -> None:
    """A redirect to another origin is followed without the Authorization header."""
    async with serve(OK) as other, serve(redirect(f"{other.url}/v1/there")) as server:
        assert await blocks(server.url) == EXPECTED
    assert other.hits == 1
    assert "Authorization" not in other.seen[0].headers
    assert other.seen[0].headers["Accept"] == JSON


@pytest.mark.parametrize(
    ("location", "message", "hits"),
    [
        (BLOCKS_PATH, "more than 10 redirects", MAX_REDIRECTS + 1),
        ("ftp://127.0.0.1/x", "not an http", 1),
    ],
    ids=["loop", "not-http"],
)
async def test_a_refused_redirect_is_not_retried(location: str, message: str, hits: int) -> None:
    """A redirect loop or a non-http Location raises APIConnectionError, without a retry."""
    async with serve(redirect(location)) as server:
        with pytest.raises(APIConnectionError, match=message):
            await blocks(server.url)
    assert server.hits == hits


# --- reading the body -------------------------------------------------------------------------


async def gzip_chunked(request: web.Request) -> web.StreamResponse:
    """Send the body gzip-compressed with chunked transfer encoding."""
    response = web.StreamResponse(headers={"Content-Type": JSON, "Content-Encoding": "gzip"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    packed = gzip.compress(BODY)
    for start in range(0, len(packed), 50):
        await response.write(packed[start : start + 50])
    await response.write_eof()
    return response


async def chunked_cut(request: web.Request) -> web.StreamResponse:
    """A chunked body dropped halfway."""
    return await chunked(request, cut=True)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "handler",
    [OK, chunked, gzipped, gzip_chunked],
    ids=["content-length", "chunked", "gzip", "gzip-chunked"],
)
async def test_every_way_of_sending_a_body_reads_the_same(handler: Handler) -> None:
    """Content-Length, chunked, gzip and chunked gzip bodies all decode to the same models."""
    async with serve(handler) as server:
        assert await blocks(server.url) == EXPECTED
    assert server.hits == 1


@pytest.mark.parametrize("handler", [cut_short, chunked_cut], ids=["content-length", "chunked"])
async def test_a_body_cut_short_is_retried_then_raised(handler: Handler) -> None:
    """A body cut short is transient: retried, then APIConnectionError saying so."""
    async with serve(handler) as server:
        with pytest.raises(APIConnectionError, match="cut short"):
            await blocks(server.url)
    assert server.hits == 1 + FAST.max_retries


@pytest.mark.parametrize(
    ("handler", "detail"),
    [
        (OK, "Content-Length is"),
        (chunked, "kept going past it"),
        (gzipped, "kept going past it"),
    ],
    ids=["content-length", "chunked", "gzip"],
)
async def test_a_body_over_the_cap_is_too_large_and_not_retried(
    handler: Handler, detail: str
) -> None:
    """A body one byte over ``max_response_bytes`` raises ResponseTooLargeError after one hit."""
    async with serve(handler) as server:
        with pytest.raises(ResponseTooLargeError, match=detail) as caught:
            await blocks(server.url, max_response_bytes=len(BODY) - 1)
    assert f"max_response_bytes={len(BODY) - 1}" in str(caught.value)
    assert server.hits == 1


@pytest.mark.parametrize(
    "handler", [OK, chunked, gzipped], ids=["content-length", "chunked", "gzip"]
)
async def test_a_body_exactly_at_the_cap_is_read(handler: Handler) -> None:
    """A body of exactly ``max_response_bytes`` (decompressed) is accepted."""
    async with serve(handler) as server:
        assert await blocks(server.url, max_response_bytes=len(BODY)) == EXPECTED


# --- a borrowed session -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "outcome", "hits"),
    [
        ([status(404)], NotFoundError, 1),
        ([gzipped], None, 1),
        ([status(503), gzip_chunked], None, 2),
    ],
    ids=["404-once", "gzip", "503-retried"],
)
async def test_a_borrowed_sessions_settings_change_nothing(
    answers: Sequence[Handler], outcome: type[GitBookError] | None, hits: int
) -> None:
    """A borrowed session's raise_for_status/auto_decompress change no result; it stays open."""
    async with (
        serve(scripted(*answers)) as server,
        aiohttp.ClientSession(raise_for_status=True, auto_decompress=False) as session,
    ):
        if outcome is None:
            assert await blocks(server.url, session=session) == EXPECTED
        else:
            with pytest.raises(outcome):
                await blocks(server.url, session=session)
        assert not session.closed
    assert server.hits == hits


# --- what reaches the server ------------------------------------------------------------------


async def test_default_and_extra_headers_reach_the_server_with_the_clients_token() -> None:
    """All header layers arrive, a later one of the same name wins, Authorization is ours."""
    async with (
        serve(OK) as server,
        client(server.url, default_headers={"X-Team": "docs", "X-Trace": "client"}) as gitbook,
    ):
        derived = gitbook.with_options(default_headers={"X-Job": "nightly"})
        await derived.spaces.list_integration_blocks(
            SPACE, extra_headers={"x-trace": "call", "Accept": "application/vnd.test+json"}
        )
        await gitbook.spaces.list_integration_blocks(SPACE)
    first, second = server.seen
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert first.headers["X-Team"] == "docs"
    assert first.headers["X-Job"] == "nightly"
    assert first.headers.getall("X-Trace") == ["call"]
    assert first.headers.getall("Accept") == ["application/vnd.test+json"]
    assert second.headers["X-Trace"] == "client"
    assert "X-Job" not in second.headers
    assert second.headers["Accept"] == JSON


async def test_extra_query_reaches_the_server_after_the_calls_own() -> None:
    """``extra_query`` is sent after the call's own parameters, on every page of a walk."""
    async with FakeGitBook(token=TOKEN) as fake, client(fake.url) as gitbook:
        fake.add_space(SPACE, integrations=[make_integration(f"tool-{n}") for n in range(3)])
        walk = gitbook.spaces.list_integrations(
            SPACE, search="tool", limit=2, extra_query={"lang": "en", "x": "a b"}
        )
        assert len(await walk.collect()) == 3
        async with serve(OK) as server:
            gitbook_raw = client(server.url)
            async with gitbook_raw:
                await gitbook_raw.spaces.list_integration_blocks(SPACE, extra_query={"a": "1"})
    first, second = fake.requests
    assert first.query == {"search": "tool", "limit": "2", "lang": "en", "x": "a b"}
    assert second.query["lang"] == "en"
    assert "page" in second.query
    assert server.seen[0].query_string == "a=1"


# --- the debug log line -----------------------------------------------------------------------


async def test_the_debug_line_shows_path_and_query_never_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each attempt logs GET <path>?<search, limit, page> -> <status>; never the token."""
    caplog.set_level(logging.DEBUG, logger="gitbook_async")
    async with FakeGitBook(token=TOKEN) as fake, client(fake.url) as gitbook:
        fake.add_space(SPACE, integrations=[make_integration(f"tool-{n}") for n in range(3)])
        async with gitbook.spaces.list_integrations(SPACE, search="tool", limit=2).pages() as it:
            pages = [page async for page in it]
    lines = [r.getMessage() for r in caplog.records if " -> " in r.getMessage()]
    path = f"/v1/spaces/{SPACE}/integrations"
    assert lines[0].startswith(f"GET {path}?search=tool&limit=2 -> 200 (attempt 1, ")
    assert pages[0].next_page is not None
    assert lines[1].startswith(f"GET {path}?search=tool&limit=2&page=")
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


async def test_a_cursor_holding_the_token_is_redacted_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A server echoing the token into its cursor: the log line shows [REDACTED] instead."""
    caplog.set_level(logging.DEBUG, logger="gitbook_async")

    async def echoing(request: web.Request) -> web.StreamResponse:
        page: dict[str, Any] = {"items": [make_integration("echo")]}
        if "page" not in request.query:
            page["next"] = {"page": f"after-{TOKEN}"}
        return web.json_response(page)

    async with serve(echoing) as server, client(server.url) as gitbook:
        assert len(await gitbook.spaces.list_integrations(SPACE).collect()) == 2
    assert server.seen[1].query_string == f"page=after-{TOKEN}"
    lines = [r.getMessage() for r in caplog.records]
    assert any("page=after-[REDACTED] -> 200" in line for line in lines)
    assert all(TOKEN not in line for line in lines)


async def test_closing_the_client_during_a_retry_ends_the_call_and_opens_nothing() -> None:
    """A call waiting to retry when its client closes fails with ClientClosedError at the
    next attempt; no session is created again and nothing is left open.
    """
    retry = RetryPolicy(max_retries=2, backoff_base=0.3, backoff_max=0.3)
    async with FakeGitBook(token=TOKEN) as fake:
        fake.add_space(SPACE)
        fake.inject(Fault.status(503), times=1)
        gitbook = GitBookClient(TOKEN, base_url=fake.url, retry=retry)
        call = asyncio.ensure_future(gitbook.spaces.list_integration_blocks(SPACE))
        await asyncio.sleep(0.1)  # the first attempt got its 503; the call waits to retry
        await gitbook.aclose()
        with pytest.raises(ClientClosedError, match="in flight"):
            await call
        assert gitbook._pool.transport._session is None
    assert await pending_sdk_tasks() == []


async def test_a_deadline_covers_the_wait_for_a_connection_slot() -> None:
    """With every in-flight slot taken, a call whose deadline passes while it waits for one
    ends with APITimeoutError instead of sending late.
    """
    async with FakeGitBook(token=TOKEN) as fake:
        fake.add_space(SPACE)
        async with GitBookClient(TOKEN, base_url=fake.url, max_concurrency=1) as gitbook:
            fake.inject(Fault.delay(0.6), times=1)
            slow = asyncio.ensure_future(gitbook.spaces.list_integration_blocks(SPACE))
            await asyncio.sleep(0.05)  # the slow call holds the only slot
            with pytest.raises(APITimeoutError, match=r"deadline of 0\.2 s"):
                await gitbook.spaces.list_integration_blocks(SPACE, deadline=0.2)
            await slow
        assert len(fake.requests) == 1
