"""Hostile servers on 127.0.0.1: each misbehaviour ends in the typed error issue 10 names.

Every test runs under a hard timeout, and ends with no SDK task pending, no connection left
open on the server and (warnings are errors) no ResourceWarning. The numbers in the test
names are the items of issue 10.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import logging
import pickle
import socket
import ssl
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aioresponses import aioresponses

from gitbook_async import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    ConfigurationError,
    GitBookClient,
    GitBookError,
    RateLimitError,
    ResponseTooLargeError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
)
from gitbook_async._body import read_json
from gitbook_async._constants import MAX_REDIRECTS
from gitbook_async._options import Request
from gitbook_async.testing import DEMO_EMPTY_SPACE_ID, DEMO_SPACE_ID, FakeGitBook, Fault

from .conftest import API, TOKEN, pending_sdk_tasks

HARD_TIMEOUT = 10.0
BLOCKS = f"/v1/spaces/{DEMO_SPACE_ID}/integration-blocks"
FAST = RetryPolicy(max_retries=2, backoff_base=0.001, backoff_max=0.002, max_wait=5.0)
TLS_DIR = Path(__file__).parent / "fixtures" / "tls"  # a self-signed test certificate
P = ParamSpec("P")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Hostile:
    """A running hostile server: its URL and the requests it answered."""

    url: str
    runner: web.AppRunner
    hits: int = 0


@contextlib.asynccontextmanager
async def serve(handler: Handler, *, tls: bool = False) -> AsyncIterator[Hostile]:
    """Run ``handler`` for every path on 127.0.0.1; on exit, check no connection is left."""
    server: Hostile | None = None

    async def counted(request: web.Request) -> web.StreamResponse:
        assert server is not None
        server.hits += 1
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", counted)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    context = None
    if tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(TLS_DIR / "cert.pem", TLS_DIR / "key.pem")
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    host, port = runner.addresses[0][:2]
    server = Hostile(f"{'https' if tls else 'http'}://{host}:{port}", runner)
    try:
        yield server
        await _no_open_connections(runner)
    finally:
        await runner.cleanup()


async def _no_open_connections(runner: web.AppRunner) -> None:
    assert runner.server is not None
    for _ in range(200):  # the server learns of a closed socket one loop turn later
        # A handler may still run after its client left (aiohttp does not cancel it); only
        # a connection whose socket is still open counts.
        open_ = [c for c in runner.server.connections if c.transport is not None]
        if not open_:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"connections left open: {open_}")


def hard_timeout(test: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """Fail the test after ``HARD_TIMEOUT`` seconds, or if it leaves an SDK task pending."""

    @functools.wraps(test)
    async def run(*args: P.args, **kwargs: P.kwargs) -> None:
        await asyncio.wait_for(test(*args, **kwargs), HARD_TIMEOUT)
        assert await pending_sdk_tasks() == []

    return run


async def blocks(url: str, **options: Any) -> Any:
    """One list_integration_blocks call through a fresh client."""
    options.setdefault("retry", FAST)
    async with GitBookClient(TOKEN, base_url=url, **options) as gitbook:
        return await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)


def body_answer(body: bytes, content_type: str = "application/json") -> Handler:
    """A handler answering 200 with exactly ``body``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, headers={"Content-Type": content_type})

    return handler


@pytest.fixture(autouse=True)
def log_retries(caplog: pytest.LogCaptureFixture) -> None:
    """Capture the SDK's INFO lines, where retries are logged."""
    caplog.set_level(logging.INFO, logger="gitbook_async")


def retries_logged(caplog: pytest.LogCaptureFixture) -> int:
    """How many retry lines (INFO) the client logged."""
    return sum("; retry " in record.getMessage() for record in caplog.records)


# --- 1, 2, 11: bodies that are not JSON -------------------------------------------------------


DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (DEEP, "nested too deeply"),
        (b'[{"name": "x", "count": NaN}]', "not finite"),
        (b'[{"name": "x", "version": Infinity}]', "not finite"),
        (b"[-Infinity]", "not finite"),
        (b'[{"price": 1e400}]', "not finite"),
        (b'[{"name": "\xff\xfe"}]', "not valid UTF-8"),
        (b"[" + b"9" * 5000 + b"]", "4300 digits"),
    ],
    ids=["1-deep", "2-nan", "2-inf", "2-neg-inf", "2-1e400", "11-utf8", "11-5000-digits"],
)
@hard_timeout
async def test_1_2_11_unreadable_bodies_raise_validation_errors_at_once(
    body: bytes, problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Deep nesting, non-finite numbers, bad UTF-8, huge ints: ResponseValidationError, no retry."""
    async with serve(body_answer(body)) as server:
        with pytest.raises(ResponseValidationError, match=problem) as caught:
            await blocks(server.url)
    assert server.hits == 1
    assert retries_logged(caplog) == 0
    assert pickle.loads(pickle.dumps(caught.value)).errors == caught.value.errors


@hard_timeout
async def test_2_a_non_finite_number_names_its_path() -> None:
    """The error of a NaN names the JSON path of the value."""
    body = b'[{"name": "x", "blocks": [{"id": "a", "weight": NaN}]}]'
    async with serve(body_answer(body)) as server:
        with pytest.raises(ResponseValidationError) as caught:
            await blocks(server.url)
    assert caught.value.path == "[0].blocks[0].weight"


@dataclass(frozen=True)
class _RawBody(Fault):
    body: bytes

    async def respond(self, request: web.Request, normal: Any) -> web.StreamResponse:
        return web.Response(body=self.body, content_type="application/json")


@hard_timeout
async def test_1_deep_nesting_in_a_batch_fails_only_its_space() -> None:
    """In list_integrations_many, the deeply nested answer fails its space; the others finish."""
    spaces = [DEMO_SPACE_ID, "deep-space", DEMO_EMPTY_SPACE_ID]
    async with FakeGitBook.with_demo_data(token=TOKEN) as fake:
        fake.add_space("deep-space")
        fake.inject(_RawBody(DEEP), times=None, path="/v1/spaces/deep-space/integrations")
        async with (
            GitBookClient(TOKEN, base_url=fake.url, retry=FAST) as gitbook,
            gitbook.spaces.list_integrations_many(spaces) as results,
        ):
            outcome = {r.space_id: r async for r in results}
    assert set(outcome) == set(spaces)
    assert isinstance(outcome["deep-space"].error, ResponseValidationError)
    assert outcome[DEMO_SPACE_ID].ok
    assert outcome[DEMO_EMPTY_SPACE_ID].ok


# --- 5: the token echoed back ---------------------------------------------------------------


async def _echo(request: web.Request) -> web.StreamResponse:
    auth = request.headers.get("Authorization", "")
    status = 503 if "retry" in request.path else 400
    return web.json_response(
        {"error": {"code": status, "message": f"invalid header: Authorization: {auth}"}},
        status=status,
        headers={"X-Echo": auth, "Location": f"https://x.test/?token={auth[7:]}"},
    )


@pytest.mark.parametrize("path", ["plain", "retry"])
@hard_timeout
async def test_5_an_echoed_token_is_redacted_everywhere(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An echoed Authorization leaves the token in no message, body, header, log or pickle."""
    caplog.set_level(logging.DEBUG, logger="gitbook_async")
    async with (
        serve(_echo) as server,
        GitBookClient(TOKEN, base_url=server.url, retry=FAST) as gitbook,
    ):
        # The client's own send, not a resource: the resource-level path is not the point here.
        request = Request(f"/v1/{path}", (), "GET /x", read_json)
        with pytest.raises(GitBookError) as caught:
            await gitbook._send(request)
    error = caught.value
    assert isinstance(error, BadRequestError | ServerError)
    texts = [str(error), repr(error), repr(vars(error)), error.body, repr(error.headers)]
    texts += [repr(vars(pickle.loads(pickle.dumps(error))))]
    texts += [record.getMessage() for record in caplog.records]
    assert all(TOKEN not in text for text in texts)
    assert "[REDACTED]" in error.message
    assert error.headers["X-Echo"] == "Bearer [REDACTED]"


# --- 7, 8: numbers in headers ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-5", "1e9", "NaN"])
@hard_timeout
async def test_7_an_unreadable_retry_after_falls_back_to_backoff(
    value: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Retry-After: nan/inf/-5 is ignored: the jittered backoff applies, retry_after is None."""
    caplog.set_level(logging.INFO, logger="gitbook_async")

    async def limited(request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {"error": {"code": 429}}, status=429, headers={"Retry-After": value}
        )

    async with serve(limited) as server:
        with pytest.raises(RateLimitError) as caught:
            await blocks(server.url)
    assert caught.value.retry_after is None
    assert server.hits == 1 + FAST.max_retries
    delays = [float(r.getMessage().rsplit(" in ", 1)[1].split()[0]) for r in caplog.records]
    assert delays
    assert all(0 <= d <= FAST.backoff_max for d in delays)


@pytest.mark.parametrize(
    "reset",
    [lambda: int(time.time() * 1000), lambda: int(time.time()) + 5 * 365 * 86_400],
    ids=["milliseconds", "years-away"],
)
@hard_timeout
async def test_8_an_implausible_reset_never_stops_the_client(reset: Callable[[], int]) -> None:
    """Remaining 0 with a reset in milliseconds or years away: later calls are still sent."""

    async def exhausted(request: web.Request) -> web.StreamResponse:
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset())}
        return web.json_response([], headers=headers)

    async with (
        serve(exhausted) as server,
        GitBookClient(TOKEN, base_url=server.url) as gitbook,
    ):
        for _ in range(3):
            assert await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID) == []
        assert gitbook.rate_limit is not None
        assert gitbook.rate_limit.reset is None
    assert server.hits == 3


@hard_timeout
async def test_8_a_plausible_far_reset_raises_before_sending() -> None:
    """Remaining 0 with a reset 2 minutes away (over max_wait): RateLimitError, nothing sent."""

    async def exhausted(request: web.Request) -> web.StreamResponse:
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 120)}
        return web.json_response([], headers=headers)

    async with serve(exhausted) as server, GitBookClient(TOKEN, base_url=server.url) as gitbook:
        assert await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID) == []
        with pytest.raises(RateLimitError) as caught:
            await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert caught.value.retry_after is not None
    assert 100 < caught.value.retry_after <= 120
    assert server.hits == 1


# --- 9: base_url --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url", ["http://[::1", 8080, "http://127.0.0.1:99999", "http://127.0.0.1:-1", "http://"]
)
def test_9_a_malformed_base_url_fails_at_construction(base_url: Any) -> None:
    """A malformed base_url raises ConfigurationError when the client is created."""
    with pytest.raises(ConfigurationError, match="base_url"):
        GitBookClient(TOKEN, base_url=base_url)


# --- 11: failures no retry can mend, and those it can ----------------------------------------


class _Resolver(AbstractResolver):
    """A DNS resolver that fails every lookup (like NXDOMAIN) and counts them."""

    def __init__(self) -> None:
        self.lookups: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups.append(host)
        raise OSError(socket.EAI_NONAME, "Name or service not known")

    async def close(self) -> None:
        """Nothing to release."""


@hard_timeout
async def test_11_a_dns_failure_is_raised_at_once(caplog: pytest.LogCaptureFixture) -> None:
    """A name that does not resolve raises APIConnectionError naming the host, without retrying."""
    resolver = _Resolver()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver)) as session:
        with pytest.raises(APIConnectionError, match=r"could not be resolved.*gitbook\.invalid"):
            await blocks("https://gitbook.invalid", session=session)
    assert resolver.lookups == ["gitbook.invalid"]
    assert retries_logged(caplog) == 0


@hard_timeout
async def test_11_an_untrusted_certificate_is_raised_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A self-signed certificate raises APIConnectionError with host and reason, no retry."""
    async with serve(body_answer(b"[]"), tls=True) as server:
        with pytest.raises(APIConnectionError) as caught:
            await blocks(server.url)
    message = str(caught.value)
    assert "certificate of 127.0.0.1" in message
    assert "self-signed certificate" in message
    assert server.hits == 0
    assert retries_logged(caplog) == 0


@hard_timeout
async def test_11_tls_to_a_plain_http_server_is_raised_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """https to a server speaking plain http: APIConnectionError (TLS), no retry."""
    async with serve(body_answer(b"[]")) as server:
        with pytest.raises(APIConnectionError, match="TLS"):
            await blocks(server.url.replace("http://", "https://"))
    assert retries_logged(caplog) == 0


async def _cut_short(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.content_length = 1000
    await response.prepare(request)
    await response.write(b'[{"name": ')
    assert request.transport is not None
    request.transport.abort()
    return response


@hard_timeout
async def test_11_a_body_shorter_than_announced_is_retried() -> None:
    """A body cut short of its Content-Length is retried, then raises APIConnectionError."""
    async with serve(_cut_short) as server:
        with pytest.raises(APIConnectionError, match="cut short"):
            await blocks(server.url)
    assert server.hits == 1 + FAST.max_retries


@hard_timeout
async def test_11_a_refused_connection_is_retried(caplog: pytest.LogCaptureFixture) -> None:
    """Connection refused is retried, then raises APIConnectionError."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(APIConnectionError, match="connection failed"):
        await blocks(f"http://127.0.0.1:{port}")
    assert retries_logged(caplog) == FAST.max_retries


@hard_timeout
async def test_a_request_aiohttp_refuses_to_send_is_not_retried(
    mock_api: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    """aiohttp refusing the request itself (a ValueError) is APIConnectionError, no retry."""
    mock_api.get(f"{API}/spaces/{DEMO_SPACE_ID}/integration-blocks", exception=ValueError("bad"))
    with pytest.raises(APIConnectionError, match="could not be sent"):
        await blocks("https://api.gitbook.com")
    assert retries_logged(caplog) == 0


# --- 12: redirects ------------------------------------------------------------------------------


def redirect_to(location: str) -> Handler:
    """A handler answering 302 to ``location``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(location)

    return handler


@hard_timeout
async def test_12_a_redirect_to_plain_http_elsewhere_is_refused_unsent() -> None:
    """A redirect to http on a non-loopback host raises before anything is sent there."""
    resolver = _Resolver()
    async with (
        serve(redirect_to("http://gitbook.example/v1/spaces/x/integration-blocks")) as server,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver)) as session,
    ):
        with pytest.raises(APIConnectionError, match="plain http") as caught:
            await blocks(server.url, session=session)
    assert resolver.lookups == []
    assert server.hits == 1
    assert not isinstance(caught.value, APITimeoutError)


@hard_timeout
async def test_12_a_redirect_loop_ends() -> None:
    """A redirect loop raises APIConnectionError after MAX_REDIRECTS hops, not retried."""
    async with serve(redirect_to(BLOCKS)) as server:
        with pytest.raises(APIConnectionError, match="redirects"):
            await blocks(server.url)
    assert server.hits == MAX_REDIRECTS + 1


# --- kept: slow, endless and inflating bodies ----------------------------------------------


async def _slowloris(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.content_length = 10_000
    await response.prepare(request)
    while True:
        await response.write(b" ")
        await asyncio.sleep(0.02)


async def _no_headers(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(60)
    raise AssertionError("unreachable")  # pragma: no cover


@pytest.mark.parametrize("handler", [_slowloris, _no_headers], ids=["slowloris", "no-headers"])
@hard_timeout
async def test_a_slow_server_ends_in_a_timeout_within_the_total(handler: Handler) -> None:
    """A body trickling byte by byte, or headers that never come: APITimeoutError."""
    async with serve(handler) as server:
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            await blocks(server.url, timeout=0.3, retry=RetryPolicy(max_retries=0))
        assert time.monotonic() - started < HARD_TIMEOUT


async def _endless(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    await response.write(b"[")
    while True:
        await response.write(b'"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", ' * 1000)


_BOMB = gzip.compress(b" " * (64 * 2**20), compresslevel=9)


async def _gzip_bomb(request: web.Request) -> web.StreamResponse:
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    return web.Response(body=_BOMB, headers=headers)


@pytest.mark.parametrize("handler", [_endless, _gzip_bomb], ids=["endless", "gzip-bomb"])
@hard_timeout
async def test_an_endless_or_inflating_body_is_too_large(handler: Handler) -> None:
    """An endless body or a 64 MiB gzip bomb: ResponseTooLargeError, no retry, memory flat."""
    async with serve(handler) as server:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLargeError):
                await blocks(server.url, max_response_bytes=2**20)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert server.hits == 1
    assert peak < 16 * 2**20
