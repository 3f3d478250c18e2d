"""Response metadata (``_response``): ``with_raw_response`` and ``page.response``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final

import pytest
from aiohttp import web
from yarl import URL

from gitbook_async import GitBookClient, NotFoundError, Page, RetryPolicy
from gitbook_async._errors import Headers
from gitbook_async._response import APIResponse, ResponseMetadata
from gitbook_async.testing import (
    FakeGitBook,
    Fault,
    RateLimitWindow,
    make_block,
    make_block_group,
    make_integration,
    make_script,
)

from .conftest import TOKEN, pending_sdk_tasks

SPACE: Final = "space_response"
FAST: Final = RetryPolicy(max_retries=2, backoff_base=0.001, backoff_max=0.002)
LIMIT: Final = 1000
WINDOW: Final = RateLimitWindow(limit=LIMIT, window=3600.0, aligned=False)
"""One window for the whole test (not aligned to the clock: no reset in the middle)."""


@pytest.fixture(autouse=True)
async def no_task_left() -> AsyncIterator[None]:
    """Every test leaves no SDK task pending."""
    yield
    assert await pending_sdk_tasks() == []


@pytest.fixture
async def fake() -> AsyncIterator[FakeGitBook]:
    """The fake GitBook (with GitBook's rate limit) serving one space of each kind of data."""
    async with FakeGitBook(token=TOKEN, rate_limit=WINDOW) as server:
        server.add_space(
            SPACE,
            integrations=[make_integration(f"tool-{n}") for n in range(5)],
            blocks=[make_block_group("figma", [make_block("figma", "embed", title="Figma")])],
            scripts=[make_script("https://example.com/a.js")],
        )
        yield server


@pytest.fixture
async def gitbook(fake: FakeGitBook) -> AsyncIterator[GitBookClient]:
    """A client of the fake with fast retries."""
    async with GitBookClient(TOKEN, base_url=fake.url, retry=FAST) as client:
        yield client


RawCall = Callable[[GitBookClient], Awaitable[APIResponse[Any]]]
PlainCall = Callable[[GitBookClient], Awaitable[Any]]


async def _raw_blocks(client: GitBookClient) -> APIResponse[Any]:
    return await client.spaces.with_raw_response.list_integration_blocks(SPACE)


async def _raw_scripts(client: GitBookClient) -> APIResponse[Any]:
    return await client.spaces.with_raw_response.list_integration_scripts(SPACE)


async def _raw_integrations(client: GitBookClient) -> APIResponse[Any]:
    return await client.spaces.with_raw_response.list_integrations(SPACE, limit=2)


async def _blocks(client: GitBookClient) -> Any:
    return await client.spaces.list_integration_blocks(SPACE)


async def _scripts(client: GitBookClient) -> Any:
    return await client.spaces.list_integration_scripts(SPACE)


async def _first_page(client: GitBookClient) -> Any:
    async with client.spaces.list_integrations(SPACE, limit=2).pages() as pages:
        return await anext(pages)


METHODS: Final = pytest.mark.parametrize(
    ("raw", "plain", "path"),
    [
        (_raw_blocks, _blocks, f"/v1/spaces/{SPACE}/integration-blocks"),
        (_raw_scripts, _scripts, f"/v1/spaces/{SPACE}/integration-scripts"),
        (_raw_integrations, _first_page, f"/v1/spaces/{SPACE}/integrations?limit=2"),
    ],
    ids=["blocks", "scripts", "integrations"],
)


@METHODS
async def test_a_raw_response_carries_the_metadata(
    raw: RawCall, plain: PlainCall, path: str, fake: FakeGitBook, gitbook: GitBookClient
) -> None:
    """Status, case-insensitive headers, URL, rate limit, elapsed time and one attempt."""
    response = await raw(gitbook)
    assert response.status == 200
    assert response.headers["content-type"] == response.headers["Content-Type"]
    assert response.headers["CONTENT-TYPE"].startswith("application/json")
    assert response.url == f"{fake.url}{path}"
    assert response.rate_limit is not None
    assert response.rate_limit.limit == LIMIT
    assert response.rate_limit.remaining == LIMIT - 1
    assert response.elapsed > 0
    assert response.attempts == 1
    assert response.request_id is None  # the fake sends none
    assert repr(response).startswith(f"<APIResponse 200 {fake.url}{path} elapsed=")
    assert repr(response).endswith(" attempts=1>")
    assert len(fake.requests) == 1  # the metadata is there before parse() ...


@METHODS
async def test_parse_gives_what_the_plain_method_returns_once(
    raw: RawCall, plain: PlainCall, path: str, fake: FakeGitBook, gitbook: GitBookClient
) -> None:
    """``await parse()`` equals the plain method's result; a second parse() is the same object."""
    response = await raw(gitbook)
    parsed = await response.parse()
    assert await response.parse() is parsed
    expected = await plain(gitbook)
    if isinstance(expected, Page):
        assert isinstance(parsed, Page)
        assert (parsed.items, parsed.next_page, parsed.count) == (
            expected.items,
            expected.next_page,
            expected.count,
        )
        assert parsed.response is not None
        assert parsed.response.url == response.url
    else:
        assert parsed == expected
        assert isinstance(parsed, list)
    assert len(fake.requests) == 2  # ... and parse() sends nothing


@METHODS
async def test_attempts_count_the_retries(
    raw: RawCall, plain: PlainCall, path: str, fake: FakeGitBook, gitbook: GitBookClient
) -> None:
    """After one injected 503, the response says the call took 2 attempts."""
    fake.inject(Fault.status(503), times=1)
    response = await raw(gitbook)
    assert response.attempts == 2
    assert response.status == 200


async def test_a_raw_call_raises_what_the_plain_method_raises(gitbook: GitBookClient) -> None:
    """An error status raises the typed error; no APIResponse is returned for it."""
    with pytest.raises(NotFoundError):
        await gitbook.spaces.with_raw_response.list_integration_blocks("no-such-space")
    with pytest.raises(NotFoundError, match=r"0\.202\.0"):
        await gitbook.spaces.with_raw_response.list_integration_scripts("no-such-space")
    with pytest.raises(NotFoundError):
        await gitbook.spaces.with_raw_response.list_integrations("no-such-space")


async def test_a_raw_page_fetches_the_cursor_it_is_given(gitbook: GitBookClient) -> None:
    """``page=`` fetches that page: its URL carries the cursor and its Page remembers it."""
    first = await (await gitbook.spaces.with_raw_response.list_integrations(SPACE, limit=2)).parse()
    assert first.next_page is not None
    response = await gitbook.spaces.with_raw_response.list_integrations(
        SPACE, limit=2, page=first.next_page
    )
    second = await response.parse()
    assert URL(response.url).query["page"] == first.next_page
    assert second.cursor == first.next_page
    assert [i.name for i in second.items] == ["tool-2", "tool-3"]


# --- page.response on a walk -----------------------------------------------------------------


@pytest.mark.parametrize("prefetch", [0, 2])
async def test_every_page_of_a_walk_has_its_own_response(
    prefetch: int, fake: FakeGitBook, gitbook: GitBookClient
) -> None:
    """Each page of ``pages()`` carries its response; the URLs differ by their cursor."""
    walk = gitbook.spaces.list_integrations(SPACE, limit=2, prefetch=prefetch)
    async with walk.pages() as iterator:
        pages = [page async for page in iterator]
    assert len(pages) == 3
    responses = [page.response for page in pages]
    assert all(r is not None and r.status == 200 and r.attempts == 1 for r in responses)
    urls = [URL(r.url) for r in responses if r is not None]
    assert len(set(urls)) == 3
    assert "page" not in urls[0].query
    for previous, url in zip(pages, urls[1:], strict=False):
        assert url.query["page"] == previous.next_page
        assert url.query["limit"] == "2"
    remaining = [
        r.rate_limit.remaining
        for r in responses
        if r and r.rate_limit and r.rate_limit.remaining is not None
    ]
    assert sorted(remaining, reverse=True) == remaining  # each page's own rate-limit state
    assert len(set(remaining)) == 3


# --- request_id --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "request_id"),
    [
        ({}, None),
        ({"X-Request-Id": "req-1"}, "req-1"),
        ({"x-request-id": "req-2"}, "req-2"),
        ({"X-GitBook-Request-Id": "gb-3"}, "gb-3"),
        ({"CF-Ray": "ray-4"}, "ray-4"),
        ({"CF-Ray": "ray-5", "X-Request-Id": "req-5"}, "req-5"),
        ({"CF-Ray": "ray-6", "X-GitBook-Request-Id": "gb-6"}, "gb-6"),
        ({"X-Request-Id": "", "CF-Ray": "ray-7"}, "ray-7"),
    ],
    ids=["none", "x-request-id", "lower-case", "gitbook", "cf-ray", "x-first", "gb-first", "empty"],
)
def test_request_id_reads_the_first_named_header(
    headers: dict[str, str], request_id: str | None
) -> None:
    """``request_id`` is X-Request-Id, else X-GitBook-Request-Id, else CF-Ray (any case)."""
    metadata = ResponseMetadata(
        status=200, headers=Headers(headers), url="u", elapsed=0.1, attempts=1, rate_limit=None
    )
    assert metadata.request_id == request_id


@contextlib.asynccontextmanager
async def serve(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> Any:
    """Run ``handler`` for every path on 127.0.0.1 and yield its base URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def test_a_server_sent_request_id_is_on_the_response() -> None:
    """A server's X-Request-Id is ``response.request_id`` (raw response and page alike)."""

    async def answer(request: web.Request) -> web.StreamResponse:
        body: Any = {"items": []} if request.path.endswith("/integrations") else []
        return web.json_response(body, headers={"X-Request-Id": f"req-{request.path[-6:]}"})

    async with serve(answer) as url, GitBookClient(TOKEN, base_url=url) as gitbook:
        blocks = await gitbook.spaces.with_raw_response.list_integration_blocks(SPACE)
        async with gitbook.spaces.list_integrations(SPACE).pages() as pages:
            page = await anext(pages)
    assert blocks.request_id == "req-blocks"
    assert page.response is not None
    assert page.response.request_id == "req-ations"


async def test_response_headers_never_hold_the_token() -> None:
    """A header echoing the Authorization header shows the token redacted."""

    async def echo(request: web.Request) -> web.StreamResponse:
        return web.json_response([], headers={"X-Echo": request.headers["Authorization"]})

    async with serve(echo) as url, GitBookClient(TOKEN, base_url=url) as gitbook:
        response = await gitbook.spaces.with_raw_response.list_integration_blocks(SPACE)
    assert TOKEN not in repr(response.headers)
    assert response.headers["X-Echo"] == "Bearer [REDACTED]"


async def test_concurrent_parses_build_the_page_once(gitbook: GitBookClient) -> None:
    """Two tasks parsing one raw page at once get the same page (built once, in slices)."""
    response = await gitbook.spaces.with_raw_response.list_integrations(SPACE)
    first, second = await asyncio.gather(response.parse(), response.parse())
    assert first is second
    assert len(first.items) == 5
