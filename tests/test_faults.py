"""Fault injection: every fault the SDK claims to survive, against a real loopback server.

Each test asserts the exact outcome (the complete, duplicate-free list of items, or the
documented exception) and that nothing leaked (warnings are errors; no SDK task is left).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import AsyncIterator

import pytest

from gitbook_async import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    GitBookClient,
    NotFoundError,
    PaginationError,
    RateLimitError,
    ResponseTooLargeError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
)
from gitbook_async.testing import DEMO_LARGE_SPACE_ID, DEMO_SPACE_ID, FakeGitBook, Fault

from .conftest import TOKEN, pending_sdk_tasks

SPACE = DEMO_LARGE_SPACE_ID
LISTING = f"/v1/spaces/{SPACE}/integrations"
BLOCKS = f"/v1/spaces/{DEMO_SPACE_ID}/integration-blocks"
FAST_RETRY = RetryPolicy(max_retries=3, backoff_base=0.001, backoff_max=0.005, max_wait=5.0)


@pytest.fixture
async def server() -> AsyncIterator[FakeGitBook]:
    """The fake GitBook with demo data."""
    async with FakeGitBook.with_demo_data(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def gitbook(server: FakeGitBook) -> AsyncIterator[GitBookClient]:
    """A client with tiny backoff, talking to the fake server."""
    async with GitBookClient(TOKEN, base_url=server.url, retry=FAST_RETRY) as client:
        yield client
    assert await pending_sdk_tasks() == []


async def _expected_names(server: FakeGitBook) -> list[str]:
    async with GitBookClient(TOKEN, base_url=server.url) as clean:
        return [i.name async for i in clean.spaces.list_integrations(SPACE, limit=1000)]


def _hits(server: FakeGitBook, path: str) -> int:
    return sum(1 for r in server.requests if r.path == path)


async def _until_requested(server: FakeGitBook, path: str) -> None:
    # The fake server offers no event per request; polling is fine at this scale.
    while _hits(server, path) == 0:  # noqa: ASYNC110
        await asyncio.sleep(0.01)


async def _walk(gitbook: GitBookClient, **options: object) -> list[str]:
    paginator = gitbook.spaces.list_integrations(SPACE, limit=40, **options)  # type: ignore[arg-type]
    return [i.name async for i in paginator]


# --- transient server failures ----------------------------------------------------------------


async def test_503_burst_shorter_than_the_budget_is_ridden_out(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """Three 503s then success: the walk completes, each item exactly once."""
    expected = await _expected_names(server)
    server.inject(Fault.status(503), times=3, path=LISTING)
    assert await _walk(gitbook) == expected


async def test_503_burst_longer_than_the_budget_raises_server_error(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """Persistent 503s raise ServerError after exactly 1 + max_retries attempts."""
    server.inject(Fault.status(503), times=None, path=BLOCKS)
    with pytest.raises(ServerError) as caught:
        await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert caught.value.status == 503
    assert _hits(server, BLOCKS) == 4


async def test_per_call_max_retries_overrides_the_client(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """max_retries=0 on a call disables retrying for that call only."""
    server.inject(Fault.status(500), times=None, path=BLOCKS)
    with pytest.raises(ServerError):
        await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID, max_retries=0)
    assert _hits(server, BLOCKS) == 1


async def test_failed_page_is_retried_as_that_page(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """A page that fails mid-walk is fetched again with the same cursor; nothing is lost."""
    expected = await _expected_names(server)
    names: list[str] = []
    pages = gitbook.spaces.list_integrations(SPACE, limit=40, prefetch=0).pages()
    async for page in pages:
        names.extend(i.name for i in page.items)
        if len(names) == 40:
            server.inject(Fault.status(502), times=2, path=LISTING)
    assert names == expected
    cursors = [r.query.get("page") for r in server.requests if r.path == LISTING][-9:]
    assert cursors[1] == cursors[2] == cursors[3]


async def test_html_502_from_a_proxy(server: FakeGitBook, gitbook: GitBookClient) -> None:
    """An HTML 502 is retried; if it persists it is a ServerError with a readable message."""
    server.inject(Fault.html(502), times=1, path=BLOCKS)
    assert await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    server.inject(Fault.html(502), times=None, path=BLOCKS)
    with pytest.raises(ServerError) as caught:
        await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert caught.value.code is None
    assert "text/html" in caught.value.message
    assert "<" not in str(caught.value).split("text/html", 1)[0]


async def test_connection_reset_mid_body(server: FakeGitBook, gitbook: GitBookClient) -> None:
    """A connection dropped mid-body is retried and the walk completes."""
    expected = await _expected_names(server)
    server.inject(Fault.reset(), times=2, path=LISTING)
    assert await _walk(gitbook) == expected


async def test_connection_reset_every_time_raises_connection_error(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """A connection dropped on every attempt raises APIConnectionError (no aiohttp error)."""
    server.inject(Fault.reset(), times=None, path=BLOCKS)
    with pytest.raises(APIConnectionError) as caught:
        await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert type(caught.value) is APIConnectionError
    assert caught.value.__cause__ is None


async def test_truncated_json_is_retried(server: FakeGitBook, gitbook: GitBookClient) -> None:
    """A body cut short (invalid JSON) is retried; if it persists it is a validation error."""
    expected = await _expected_names(server)
    server.inject(Fault.truncated_json(), times=1, path=LISTING)
    assert await _walk(gitbook) == expected
    server.inject(Fault.truncated_json(), times=None, path=BLOCKS)
    with pytest.raises(ResponseValidationError, match="not valid JSON"):
        await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert _hits(server, BLOCKS) == 4


# --- rate limits ------------------------------------------------------------------------------


async def test_429_retry_after_seconds_is_honoured(
    server: FakeGitBook, caplog: pytest.LogCaptureFixture
) -> None:
    """A 429's Retry-After (seconds) sets the wait, not the exponential backoff."""
    slow_backoff = RetryPolicy(backoff_base=30.0, backoff_max=30.0)
    server.inject(Fault.status(429, headers={"Retry-After": "0"}), times=1, path=BLOCKS)
    caplog.set_level(logging.INFO, logger="gitbook_async")
    async with GitBookClient(TOKEN, base_url=server.url, retry=slow_backoff) as gitbook:
        assert await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    (record,) = caplog.records
    assert "HTTP 429" in record.getMessage()
    assert "in 0.00 s" in record.getMessage()


async def test_429_retry_after_http_date_is_honoured(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """Retry-After as an HTTP date in the past retries at once; far in the future it raises."""
    past = email.utils.formatdate(time.time() - 5, usegmt=True)
    server.inject(Fault.status(429, headers={"Retry-After": past}), times=1, path=BLOCKS)
    assert await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)

    future = email.utils.formatdate(time.time() + 3600, usegmt=True)
    server.inject(Fault.status(429, headers={"Retry-After": future}), times=1, path=BLOCKS)
    with pytest.raises(RateLimitError) as caught:
        await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert caught.value.retry_after is not None
    assert 3500 < caught.value.retry_after <= 3600


async def test_wait_longer_than_max_wait_raises_at_once(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """A Retry-After beyond max_wait raises RateLimitError without sleeping or retrying."""
    server.inject(Fault.status(429, headers={"Retry-After": "120"}), times=None, path=BLOCKS)
    started = time.monotonic()
    with pytest.raises(RateLimitError) as caught:
        await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert time.monotonic() - started < 1
    assert caught.value.retry_after == 120
    assert _hits(server, BLOCKS) == 1


async def test_exhausted_budget_makes_every_task_wait_for_the_reset(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """After X-RateLimit-Remaining: 0, concurrent tasks wait for the reset, firing no 429s."""
    reset = int(time.time()) + 1
    reset_monotonic = time.monotonic() + (reset - time.time())
    server.inject(Fault.rate_limit_headers(100, 0, reset), times=1, path=BLOCKS)
    await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert gitbook.rate_limit is not None
    assert gitbook.rate_limit.remaining == 0
    assert gitbook.rate_limit.reset == reset

    results = await asyncio.gather(
        *(gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID) for _ in range(20))
    )
    assert len(results) == 20
    later = [r for r in server.requests if r.path == BLOCKS][1:]
    assert len(later) == 20
    assert all(r.received_at >= reset_monotonic - 0.05 for r in later)


async def test_rate_limited_server_is_ridden_out_by_concurrent_tasks(server: FakeGitBook) -> None:
    """Against a server enforcing a limit, concurrent tasks finish without RateLimitError."""
    server.rate_limit = (10, 0.5)
    policy = RetryPolicy(max_retries=6, backoff_base=0.01, backoff_max=0.05)
    async with GitBookClient(TOKEN, base_url=server.url, retry=policy) as gitbook:
        results = await asyncio.gather(
            *(gitbook.spaces.list_integration_scripts(DEMO_SPACE_ID) for _ in range(25))
        )
        assert gitbook.rate_limit is not None
        assert gitbook.rate_limit.limit == 10
    assert len(results) == 25


# --- timeouts and size ------------------------------------------------------------------------


async def test_server_slower_than_the_timeout(server: FakeGitBook) -> None:
    """A server slower than the timeout raises APITimeoutError after the retries."""
    server.inject(Fault.delay(2.0), times=None, path=BLOCKS)
    retry = RetryPolicy(max_retries=1, backoff_base=0.001, backoff_max=0.001)
    async with GitBookClient(TOKEN, base_url=server.url, retry=retry, timeout=0.2) as gitbook:
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match="timed out"):
            await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
        assert time.monotonic() - started < 1.5
    assert _hits(server, BLOCKS) == 2


async def test_per_call_timeout_overrides_the_client(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """timeout= on one call applies to that call."""
    server.inject(Fault.delay(2.0), times=None, path=BLOCKS)
    with pytest.raises(APITimeoutError):
        await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID, timeout=0.1, max_retries=0)


@pytest.mark.parametrize("content_length", [True, False])
async def test_body_over_the_cap(server: FakeGitBook, content_length: bool) -> None:
    """A body larger than max_response_bytes raises ResponseTooLargeError, not retried."""
    server.inject(Fault.oversized(300_000, content_length=content_length), times=None, path=BLOCKS)
    async with GitBookClient(
        TOKEN, base_url=server.url, retry=FAST_RETRY, max_response_bytes=100_000
    ) as gitbook:
        with pytest.raises(ResponseTooLargeError, match="max_response_bytes=100000"):
            await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert _hits(server, BLOCKS) == 1


# --- errors that must not be retried ----------------------------------------------------------


async def test_401_is_not_retried(server: FakeGitBook) -> None:
    """401 raises AuthenticationError after a single request."""
    async with GitBookClient("not-the-token", base_url=server.url, retry=FAST_RETRY) as gitbook:
        with pytest.raises(AuthenticationError) as caught:
            await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert caught.value.status == 401
    assert _hits(server, BLOCKS) == 1


async def test_404_is_not_retried(server: FakeGitBook, gitbook: GitBookClient) -> None:
    """404 raises NotFoundError after a single request."""
    with pytest.raises(NotFoundError):
        await gitbook.spaces.list_integration_blocks("missing-space")
    assert _hits(server, "/v1/spaces/missing-space/integration-blocks") == 1


async def test_schema_invalid_payload_is_not_retried(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """A payload that fails validation raises at once with its JSON path."""
    server.inject(Fault.payload([{"name": "x", "blocks": [{"id": 3}]}]), times=None, path=BLOCKS)
    with pytest.raises(ResponseValidationError) as caught:
        await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert [p for p, _ in caught.value.errors] == ["[0].blocks[0].id", "[0].blocks[0].title"]
    assert _hits(server, BLOCKS) == 1


async def test_looping_cursor(server: FakeGitBook, gitbook: GitBookClient) -> None:
    """A server that repeats a cursor makes the walk raise PaginationError."""
    server.inject(Fault.looping_cursor(), times=None, path=LISTING)
    with pytest.raises(PaginationError):
        await _walk(gitbook)


# --- secrets ----------------------------------------------------------------------------------


async def test_redirect_to_another_host_drops_the_token(server: FakeGitBook) -> None:
    """A redirect to another origin (another port) does not carry Authorization."""
    async with FakeGitBook(token=None) as other:
        other.add_space(DEMO_SPACE_ID)
        server.inject(Fault.redirect(other.url + BLOCKS), times=1, path=BLOCKS)
        async with GitBookClient(TOKEN, base_url=server.url, retry=FAST_RETRY) as gitbook:
            with pytest.raises(AuthenticationError):
                await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
        (request,) = other.requests
        assert "Authorization" not in request.headers
        assert all(TOKEN not in value for value in request.headers.values())


async def test_redirect_within_the_origin_keeps_the_token(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """A same-origin redirect is followed with the token."""
    moved = f"/v1/spaces/{DEMO_SPACE_ID}/integration-blocks?moved=1"
    server.inject(Fault.redirect(server.url + moved), times=1, path=BLOCKS)
    assert await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert server.requests[-1].headers["Authorization"] == f"Bearer {TOKEN}"


async def test_token_never_appears_in_errors_or_logs(
    server: FakeGitBook, caplog: pytest.LogCaptureFixture
) -> None:
    """No failure mode puts the token into an exception, its chain, or a log line."""
    caplog.set_level(logging.DEBUG, logger="gitbook_async")
    faults = [Fault.status(503), Fault.reset(), Fault.truncated_json(), Fault.html(502)]
    for fault in faults:
        server.inject(fault, times=None, path=BLOCKS)
        async with GitBookClient(TOKEN, base_url=server.url, retry=FAST_RETRY) as gitbook:
            with pytest.raises(Exception) as caught:  # noqa: PT011 - any error, checked below
                await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
            assert TOKEN not in repr(gitbook)
        server.clear_faults()
        chain: BaseException | None = caught.value
        while chain is not None:
            assert TOKEN not in str(chain)
            assert TOKEN not in repr(chain)
            assert TOKEN not in repr(vars(chain))
            chain = chain.__cause__ or chain.__context__
    assert caplog.records
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


# --- cancellation -----------------------------------------------------------------------------


async def test_cancel_mid_request(server: FakeGitBook, gitbook: GitBookClient) -> None:
    """Cancelling during a request propagates CancelledError and is never retried."""
    server.inject(Fault.delay(5.0), times=None, path=BLOCKS)
    task = asyncio.create_task(gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID))
    await _until_requested(server, BLOCKS)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.05)
    assert _hits(server, BLOCKS) == 1
    assert await pending_sdk_tasks() == []


async def test_cancel_mid_backoff(server: FakeGitBook) -> None:
    """Cancelling while backing off propagates CancelledError and sends nothing more."""
    server.inject(Fault.status(503), times=None, path=BLOCKS)
    slow = RetryPolicy(backoff_base=10.0, backoff_max=10.0)
    async with GitBookClient(TOKEN, base_url=server.url, retry=slow) as gitbook:
        task = asyncio.create_task(gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID))
        await _until_requested(server, BLOCKS)
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert _hits(server, BLOCKS) == 1
    assert await pending_sdk_tasks() == []


async def test_cancel_mid_pagination_with_prefetch(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """Cancelling a walk while a prefetch is in flight cancels the prefetch too."""
    first_page_seen = asyncio.Event()

    async def walk() -> None:
        async for _ in gitbook.spaces.list_integrations(SPACE, limit=10, prefetch=1):
            first_page_seen.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(walk())
    await first_page_seen.wait()
    server.inject(Fault.delay(5.0), times=None, path=LISTING)
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await pending_sdk_tasks() == []


async def test_cancel_while_waiting_for_the_rate_limit_reset(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """A task waiting for the rate-limit reset can be cancelled cleanly."""
    reset = int(time.time()) + 3
    server.inject(Fault.rate_limit_headers(10, 0, reset), times=1, path=BLOCKS)
    await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    task = asyncio.create_task(gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _hits(server, BLOCKS) == 1
