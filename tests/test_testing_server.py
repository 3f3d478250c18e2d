"""Tests of gitbook_async.testing: the fake GitBook server, driven by a plain aiohttp client."""

from __future__ import annotations

import ast
import asyncio
import json
import os
import re
import runpy
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import gitbook_async.testing as testing
from gitbook_async.testing import (
    DEMO_EMPTY_SPACE_ID,
    DEMO_LARGE_SPACE_ID,
    DEMO_SPACE_ID,
    DEMO_TOKEN,
    EXTRA_INTEGRATION_FIELDS,
    EXTRA_OWNER_FIELDS,
    FakeGitBook,
    Fault,
    NormalHandler,
    RateLimitStats,
    RateLimitWindow,
    make_block,
    make_block_group,
    make_integration,
    make_organization,
    make_script,
    with_extra_fields,
)
from gitbook_async.testing._data import demo_spaces
from gitbook_async.testing._ratelimit import RateLimiter
from gitbook_async.testing._serve import FaultSpec
from gitbook_async.testing._serve import _serve as serve_loop
from gitbook_async.testing._serve import main as serve_main

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DEMO_AUTH = {"Authorization": f"Bearer {DEMO_TOKEN}"}
INTEGRATIONS = f"/v1/spaces/{DEMO_SPACE_ID}/integrations"
LARGE = f"/v1/spaces/{DEMO_LARGE_SPACE_ID}/integrations"
REPO_ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = REPO_ROOT.parent / "shared" / "gitbook-openapi" / "0.137.0" / "openapi.json"
PACKAGE_DIR = REPO_ROOT / "gitbook_async" / "testing"


@pytest.fixture
async def server() -> AsyncIterator[FakeGitBook]:
    async with FakeGitBook.with_demo_data() as fake:
        yield fake


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=DEMO_AUTH) as client:
        yield client


async def get_json(
    session: aiohttp.ClientSession, url: str, **params: str
) -> tuple[int, dict[str, str], Any]:
    async with session.get(url, params=params) as response:
        return response.status, dict(response.headers), await response.json()


async def walk(
    session: aiohttp.ClientSession, server: FakeGitBook, path: str, **params: str
) -> tuple[list[dict[str, Any]], list[int]]:
    """Follow next.page to the end; return every item and each page's count."""
    items: list[dict[str, Any]] = []
    counts: list[int] = []
    query = dict(params)
    for _ in range(1000):
        status, _, body = await get_json(session, server.url + path, **query)
        assert status == 200, body
        items += body["items"]
        counts.append(body["count"])
        if "next" not in body:
            return items, counts
        query = {**params, "page": body["next"]["page"]}
    raise AssertionError("pagination did not end")


# -- auth and routing ------------------------------------------------------------------------


async def test_missing_or_wrong_token_is_401_in_gitbook_error_shape(server: FakeGitBook) -> None:
    """Requests without the server's bearer token get 401 with {"error": {code, message}}."""
    async with aiohttp.ClientSession() as anonymous:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": DEMO_TOKEN}):
            async with anonymous.get(server.url + INTEGRATIONS, headers=headers) as response:
                body = await response.json()
                assert response.status == 401
                assert body["error"]["code"] == 401
                assert isinstance(body["error"]["message"], str)


async def test_token_none_accepts_any_bearer_token() -> None:
    """With token=None any non-empty bearer token is accepted, but one is still required."""
    async with FakeGitBook() as server, aiohttp.ClientSession() as session:
        server.add_space("s")
        path = server.url + "/v1/spaces/s/integrations"
        async with session.get(path, headers={"Authorization": "bearer whatever"}) as response:
            assert response.status == 200
        async with session.get(path) as response:
            assert response.status == 401


async def test_unknown_space_is_404(server: FakeGitBook, session: aiohttp.ClientSession) -> None:
    """Every endpoint answers 404 in GitBook's shape for a space it does not know."""
    for endpoint in ("integrations", "integration-blocks", "integration-scripts"):
        status, _, body = await get_json(session, f"{server.url}/v1/spaces/nope/{endpoint}")
        assert (status, body["error"]["code"]) == (404, 404)


async def test_unknown_route_is_404_and_wrong_method_405(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Unknown paths get a JSON 404; a POST to a known path gets a JSON 405 with Allow."""
    status, _, body = await get_json(session, server.url + "/v1/nothing/here")
    assert (status, body["error"]["code"]) == (404, 404)
    async with session.post(server.url + INTEGRATIONS) as response:
        assert response.status == 405
        assert response.headers["Allow"] == "GET"
        assert (await response.json())["error"]["code"] == 405


async def test_json_responses_declare_utf8_json(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Successful and error answers carry Content-Type: application/json; charset=utf-8."""
    for path in (INTEGRATIONS, "/v1/spaces/nope/integrations"):
        async with session.get(server.url + path) as response:
            assert response.headers["Content-Type"] == "application/json; charset=utf-8"


# -- pagination ------------------------------------------------------------------------------


async def test_walk_with_limit_yields_every_item_once_in_order(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Following next.page with limit=37 yields all 250 items exactly once, in order."""
    items, counts = await walk(session, server, LARGE, limit="37")
    expected = [i["name"] for i in demo_spaces()[DEMO_LARGE_SPACE_ID]["integrations"]]
    assert [i["name"] for i in items] == expected
    assert len(counts) == 7
    assert set(counts) == {250}


async def test_default_page_size_is_20_and_last_page_has_no_next(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Without limit, the 25-item demo space comes in pages of 20 and 5; `next` ends it."""
    status, _, first = await get_json(session, server.url + INTEGRATIONS)
    assert status == 200
    assert (len(first["items"]), first["count"]) == (20, 25)
    _, _, second = await get_json(session, server.url + INTEGRATIONS, page=first["next"]["page"])
    assert (len(second["items"]), second["count"]) == (5, 25)
    assert "next" not in second


async def test_search_is_case_insensitive_on_name_and_title(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """search matches name or title case-insensitively; count is the number of matches."""
    items, counts = await walk(session, server, INTEGRATIONS, search="GOOGLE", limit="1")
    assert [i["name"] for i in items] == ["google-analytics", "google-tag-manager"]
    assert counts == [2, 2]
    items, _ = await walk(session, server, INTEGRATIONS, search="sync")  # titles only
    assert [i["name"] for i in items] == ["github", "gitlab"]


async def test_search_walk_over_large_space_repeats_nothing(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """A filtered walk across many pages returns each matching item exactly once."""
    items, counts = await walk(session, server, LARGE, search="git", limit="3")
    names = [i["name"] for i in items]
    assert len(names) == len(set(names)) == counts[0] > 3
    assert all("git" in n or "git" in i["title"].lower() for n, i in zip(names, items, strict=True))


async def test_cursor_carries_limit_and_search_when_not_resent(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """A follow-up request with only `page` keeps the search and limit of the first one."""
    _, _, first = await get_json(session, server.url + LARGE, search="slack", limit="2")
    _, _, second = await get_json(session, server.url + LARGE, page=first["next"]["page"])
    assert len(second["items"]) == 2
    assert all(i["name"].startswith("slack-") for i in second["items"])


async def test_empty_space_lists_nothing(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """An empty space answers items=[], count=0 and no next."""
    url = f"{server.url}/v1/spaces/{DEMO_EMPTY_SPACE_ID}/integrations"
    assert (await get_json(session, url))[2] == {"items": [], "count": 0}


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "abc", "1.5", "", " 5", "99999999"])
async def test_invalid_limit_is_400(
    server: FakeGitBook, session: aiohttp.ClientSession, limit: str
) -> None:
    """limit must be an integer in 1..1000."""
    status, _, body = await get_json(session, server.url + INTEGRATIONS, limit=limit)
    assert (status, body["error"]["code"]) == (400, 400)


async def test_limit_bounds_are_accepted(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """limit=1 and limit=1000 are both valid."""
    for limit, size in (("1", 1), ("1000", 250)):
        _, _, body = await get_json(session, server.url + LARGE, limit=limit)
        assert len(body["items"]) == size


async def test_invalid_or_foreign_cursor_is_400(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Garbage cursors and cursors from another space, limit or search get 400."""
    _, _, first = await get_json(session, server.url + LARGE, limit="5", search="a")
    cursor = first["next"]["page"]
    cases: list[tuple[str, dict[str, str]]] = [
        (LARGE, {"page": "not-a-cursor"}),
        (LARGE, {"page": ""}),
        (LARGE, {"page": "eyJ2IjoxfQ"}),  # valid base64 JSON, wrong content
        (INTEGRATIONS, {"page": cursor}),
        (LARGE, {"page": cursor, "limit": "6"}),
        (LARGE, {"page": cursor, "search": "b"}),
    ]
    for path, params in cases:
        status, _, body = await get_json(session, server.url + path, **params)
        assert (status, body["error"]["code"]) == (400, 400), params


# -- blocks and scripts ----------------------------------------------------------------------


async def test_blocks_and_scripts_are_served_as_stored(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """integration-blocks and integration-scripts return the stored arrays unchanged."""
    demo = demo_spaces()[DEMO_SPACE_ID]
    base = f"{server.url}/v1/spaces/{DEMO_SPACE_ID}"
    assert (await get_json(session, base + "/integration-blocks"))[2] == demo["blocks"]
    assert (await get_json(session, base + "/integration-scripts"))[2] == demo["scripts"]
    assert demo["blocks"]
    assert demo["scripts"]


async def test_add_space_snapshots_and_defaults_to_empty() -> None:
    """add_space copies the dicts it is given; omitted lists are served as []."""
    integration = make_integration("slack")
    async with FakeGitBook(token=TOKEN) as server, aiohttp.ClientSession(headers=AUTH) as s:
        server.add_space("s", integrations=[integration])
        integration["name"] = "changed"
        _, _, body = await get_json(s, server.url + "/v1/spaces/s/integrations")
        assert body["items"][0]["name"] == "slack"
        _, _, blocks = await get_json(s, server.url + "/v1/spaces/s/integration-blocks")
        assert blocks == []
        server.remove_space("s")
        status, _, _ = await get_json(s, server.url + "/v1/spaces/s/integration-scripts")
        assert status == 404


# -- recording -------------------------------------------------------------------------------


async def test_requests_are_recorded_before_faults(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Every request is recorded (method, path, query, case-insensitive headers), faulted or not."""
    server.inject(Fault.status(503))
    await get_json(session, server.url + INTEGRATIONS, limit="3")
    await get_json(session, server.url + INTEGRATIONS, search="git")
    first, second = server.requests
    assert (first.method, first.path, first.query) == ("GET", INTEGRATIONS, {"limit": "3"})
    assert second.query == {"search": "git"}
    assert first.headers["authorization"] == f"Bearer {DEMO_TOKEN}"
    assert first.received_at <= second.received_at


# -- faults ----------------------------------------------------------------------------------


async def test_status_fault_defaults_to_gitbook_error_and_counts_down(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Fault.status answers `times` requests with GitBook's error JSON, then the API answers."""
    rule = server.inject(Fault.status(503), times=2, path=INTEGRATIONS)
    statuses = []
    for _ in range(3):
        statuses.append((await get_json(session, server.url + INTEGRATIONS))[0])
    assert statuses == [503, 503, 200]
    assert (rule.hits, rule.remaining) == (2, 0)


async def test_status_fault_custom_headers_body_and_content_type(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Fault.status sends the given headers, body and content type."""
    server.inject(Fault.status(429, headers={"Retry-After": "1"}))
    server.inject(Fault.status(500, body="oops", content_type="text/plain"))
    async with session.get(server.url + INTEGRATIONS) as response:
        assert (response.status, response.headers["Retry-After"]) == (429, "1")
        assert await response.json() == {"error": {"code": 429, "message": "Too Many Requests"}}
    async with session.get(server.url + INTEGRATIONS) as response:
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert await response.text() == "oops"


async def test_fault_path_filter_forever_and_clear(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """A path-scoped fault spares other paths; times=None never runs out; clear_faults ends it."""
    blocks = f"/v1/spaces/{DEMO_SPACE_ID}/integration-blocks"
    server.inject(Fault.status(500), times=None, path=blocks)
    for _ in range(3):
        assert (await get_json(session, server.url + blocks))[0] == 500
    assert (await get_json(session, server.url + INTEGRATIONS))[0] == 200
    server.clear_faults()
    assert (await get_json(session, server.url + blocks))[0] == 200
    assert server.faults == ()


async def test_html_fault_is_a_proxy_error_page(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Fault.html answers with text/html, as a proxy in front of the API would."""
    server.inject(Fault.html())
    async with session.get(server.url + INTEGRATIONS) as response:
        assert response.status == 502
        assert response.content_type == "text/html"
        assert "<html>" in await response.text()


async def test_delay_fault_times_out_a_client(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Fault.delay holds the answer long enough for a client timeout to fire."""
    server.inject(Fault.delay(5))
    timeout = aiohttp.ClientTimeout(total=0.1)
    with pytest.raises(asyncio.TimeoutError):
        await session.get(server.url + INTEGRATIONS, timeout=timeout)


@dataclass(frozen=True)
class Announce(Fault):
    """A custom fault (as users may write): set an event, then let another fault answer."""

    inner: Fault
    event: asyncio.Event

    async def respond(self, request: web.Request, normal: NormalHandler) -> web.StreamResponse:
        self.event.set()
        return await self.inner.respond(request, normal)


async def test_close_is_prompt_with_a_delayed_request_pending() -> None:
    """close() cancels a delayed in-flight request instead of waiting for it."""
    server = FakeGitBook(token=TOKEN)
    await server.start()
    server.add_space("s")
    arrived = asyncio.Event()
    server.inject(Announce(Fault.delay(30), arrived))
    async with aiohttp.ClientSession(headers=AUTH) as session:
        pending = asyncio.ensure_future(session.get(server.url + "/v1/spaces/s/integrations"))
        await arrived.wait()
        started = time.monotonic()
        await server.close()
        assert time.monotonic() - started < 2
        with pytest.raises(aiohttp.ClientConnectionError):
            await pending


async def test_reset_fault_drops_the_connection_mid_body(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Fault.reset promises a Content-Length, sends part of the body and disconnects."""
    server.inject(Fault.reset())
    async with session.get(server.url + INTEGRATIONS) as response:
        assert response.status == 200
        assert int(response.headers["Content-Length"]) > 0
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.read()
    assert (await get_json(session, server.url + INTEGRATIONS))[0] == 200


async def test_truncated_json_fault_sends_a_complete_but_invalid_body(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Fault.truncated_json sends half the JSON with a matching Content-Length."""
    server.inject(Fault.truncated_json())
    async with session.get(server.url + INTEGRATIONS) as response:
        body = await response.read()
        assert response.status == 200
        assert int(response.headers["Content-Length"]) == len(body) > 0
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


@pytest.mark.parametrize("content_length", [True, False])
async def test_oversized_fault_streams_a_large_valid_body(
    server: FakeGitBook, session: aiohttp.ClientSession, content_length: bool
) -> None:
    """Fault.oversized sends valid JSON of at least n bytes, with or without Content-Length."""
    server.inject(Fault.oversized(300_000, content_length=content_length))
    async with session.get(server.url + INTEGRATIONS) as response:
        body = await response.read()
        assert len(body) >= 300_000
        if content_length:
            assert int(response.headers["Content-Length"]) == len(body)
        else:
            assert "Content-Length" not in response.headers
            assert response.headers["Transfer-Encoding"] == "chunked"
    payload = json.loads(body)
    assert payload["count"] == len(payload["items"])


async def test_oversized_fault_survives_a_client_that_stops_reading(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """A client closing an oversized response early leaves the server working."""
    server.inject(Fault.oversized(20_000_000))
    async with session.get(server.url + INTEGRATIONS) as response:
        await response.content.read(1024)
        response.close()
    assert (await get_json(session, server.url + INTEGRATIONS))[0] == 200


async def test_redirect_fault(server: FakeGitBook, session: aiohttp.ClientSession) -> None:
    """Fault.redirect answers with the status and a Location header."""
    server.inject(Fault.redirect("https://example.com/elsewhere", status=301))
    async with session.get(server.url + INTEGRATIONS, allow_redirects=False) as response:
        assert response.status == 301
        assert response.headers["Location"] == "https://example.com/elsewhere"


async def test_payload_fault_sends_exactly_that_json(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Fault.payload answers 200 with exactly the given JSON."""
    server.inject(Fault.payload({"items": [{"name": 5}], "count": "x"}))
    status, _, body = await get_json(session, server.url + INTEGRATIONS)
    assert (status, body) == (200, {"items": [{"name": 5}], "count": "x"})


async def test_looping_cursor_points_at_the_same_page(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Fault.looping_cursor makes next.page serve the same items again, even on the last page."""
    server.inject(Fault.looping_cursor(), times=None)
    _, _, first = await get_json(session, server.url + INTEGRATIONS, limit="100")
    _, _, again = await get_json(session, server.url + INTEGRATIONS, page=first["next"]["page"])
    assert len(first["items"]) == 25
    assert again == first


async def test_rate_limit_headers_fault(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """Fault.rate_limit_headers answers normally with X-RateLimit-* headers added."""
    server.inject(Fault.rate_limit_headers(100, 7, 1_700_000_000))
    status, headers, body = await get_json(session, server.url + INTEGRATIONS)
    assert (status, len(body["items"])) == (200, 20)
    assert headers["X-RateLimit-Limit"] == "100"
    assert headers["X-RateLimit-Remaining"] == "7"
    assert headers["X-RateLimit-Reset"] == "1700000000"


async def test_global_rate_limit_answers_429_past_the_limit(
    server: FakeGitBook, session: aiohttp.ClientSession
) -> None:
    """With rate_limit=(2, 60), the third request in the window gets 429 and Retry-After."""
    server.rate_limit = (2, 60)
    answers = [await get_json(session, server.url + INTEGRATIONS) for _ in range(3)]
    assert [a[0] for a in answers] == [200, 200, 429]
    assert [a[1]["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert 0 < int(answers[2][1]["Retry-After"]) <= 60
    assert int(answers[0][1]["X-RateLimit-Reset"]) >= time.time()
    server.rate_limit = None
    assert "X-RateLimit-Limit" not in (await get_json(session, server.url + INTEGRATIONS))[1]


async def test_rate_limit_window_refuses_like_gitbook(
    session: aiohttp.ClientSession,
) -> None:
    """Past the limit, a 429 carries X-RateLimit-* (Remaining 0, the reset) and no Retry-After."""
    window = RateLimitWindow(limit=2, window=60, aligned=False)
    async with FakeGitBook.with_demo_data(rate_limit=window) as server:
        assert server.rate_limit == window
        answers = [await get_json(session, server.url + INTEGRATIONS) for _ in range(3)]
    assert [a[0] for a in answers] == [200, 200, 429]
    assert answers[2][2] == {"error": {"code": 429, "message": "Too many requests, retry later"}}
    assert "Retry-After" not in answers[2][1]
    assert [a[1]["X-RateLimit-Limit"] for a in answers] == ["2"] * 3
    assert [a[1]["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    resets = {a[1]["X-RateLimit-Reset"] for a in answers}
    assert len(resets) == 1
    assert time.time() < int(resets.pop()) <= time.time() + 61


async def test_rate_limit_retry_after_is_optional(session: aiohttp.ClientSession) -> None:
    """RateLimitWindow(retry_after=True) adds Retry-After (whole seconds to the reset) to 429s."""
    window = RateLimitWindow(1, 30, retry_after=True, aligned=False)
    async with FakeGitBook.with_demo_data(rate_limit=window) as server:
        first = await get_json(session, server.url + INTEGRATIONS)
        refused = await get_json(session, server.url + INTEGRATIONS)
    assert "Retry-After" not in first[1]
    assert refused[0] == 429
    assert 1 <= int(refused[1]["Retry-After"]) <= 30


async def test_rate_limit_headers_on_every_answer(session: aiohttp.ClientSession) -> None:
    """Errors (404, 401, unknown paths) carry X-RateLimit-* and count against the window."""
    async with FakeGitBook.with_demo_data(rate_limit=RateLimitWindow(10, 60)) as server:
        missing = await get_json(session, server.url + "/v1/spaces/nope/integrations")
        unknown = await get_json(session, server.url + "/v1/nothing-here")
        async with aiohttp.ClientSession() as anonymous:
            unauthenticated = await get_json(anonymous, server.url + INTEGRATIONS)
        stats = server.rate_limit_stats()
    assert [a[0] for a in (missing, unknown, unauthenticated)] == [404, 404, 401]
    assert [a[1]["X-RateLimit-Remaining"] for a in (missing, unknown)] == ["9", "8"]
    assert unauthenticated[1]["X-RateLimit-Remaining"] == "9"  # its own (empty) token's window
    assert (stats.requests, stats.refused, len(stats.windows)) == (3, 0, 2)


async def test_rate_limit_counts_per_token() -> None:
    """Each bearer token has its own window; stats filter by token and never show it."""
    window = RateLimitWindow(2, 60, aligned=False)
    async with FakeGitBook.with_demo_data(token=None, rate_limit=window) as server:
        statuses: dict[str, list[int]] = {}
        for token in ("token-a", "token-b"):
            headers = {"Authorization": f"Bearer {token}"}
            async with aiohttp.ClientSession(headers=headers) as client:
                statuses[token] = [
                    (await get_json(client, server.url + INTEGRATIONS))[0]
                    for _ in range(3 if token == "token-a" else 1)
                ]
        everyone, only_a = server.rate_limit_stats(), server.rate_limit_stats("token-a")
    assert statuses == {"token-a": [200, 200, 429], "token-b": [200]}
    assert (everyone.requests, everyone.refused, len(everyone.windows)) == (4, 1, 2)
    assert (only_a.requests, only_a.refused, only_a.max_requests_per_window) == (3, 1, 3)
    assert server.rate_limit_stats("token-c") == RateLimitStats(0, 0, ())
    assert "token-a" not in repr(everyone)


async def test_faults_do_not_count_against_the_rate_limit(
    session: aiohttp.ClientSession,
) -> None:
    """A request a fault answers alone is not counted; setting rate_limit resets the counters."""
    async with FakeGitBook.with_demo_data(rate_limit=RateLimitWindow(5, 60)) as server:
        server.inject(Fault.status(503), times=1)
        assert (await get_json(session, server.url + INTEGRATIONS))[0] == 503
        assert (await get_json(session, server.url + INTEGRATIONS))[0] == 200
        assert server.rate_limit_stats().requests == 1
        server.rate_limit = RateLimitWindow(5, 60)
        assert server.rate_limit_stats() == RateLimitStats(0, 0, ())
        server.rate_limit = None
        assert server.rate_limit is None
        assert server.rate_limit_stats() == RateLimitStats(0, 0, ())


def test_rate_limit_windows_follow_the_clock() -> None:
    """Aligned windows start at multiples of the window; unaligned ones at the first request."""
    now = [1000.5]
    aligned = RateLimiter(RateLimitWindow(2, 2.0), clock=lambda: now[0])
    table = [  # (time, allowed, remaining, reset)
        (1000.5, True, "1", "1002"),
        (1001.0, True, "0", "1002"),
        (1001.9, False, "0", "1002"),
        (1002.0, True, "1", "1004"),
        (1005.0, True, "1", "1006"),
    ]
    for at, allowed, remaining, reset in table:
        now[0] = at
        ok, headers = aligned.take("t")
        assert (ok, headers["X-RateLimit-Remaining"], headers["X-RateLimit-Reset"]) == (
            allowed,
            remaining,
            reset,
        ), at
    stats = aligned.stats()
    assert [(w.started_at, w.requests, w.refused) for w in stats.windows] == [
        (1000.0, 3, 1),
        (1002.0, 1, 0),
        (1004.0, 1, 0),
    ]
    now[0] = 1000.5
    unaligned = RateLimiter(RateLimitWindow(1, 2.0, aligned=False), clock=lambda: now[0])
    assert unaligned.take("t")[1]["X-RateLimit-Reset"] == "1003"  # ceil(1002.5)
    now[0] = 1002.4
    assert unaligned.take("t")[0] is False
    now[0] = 1002.5
    assert unaligned.take("t")[0] is True


def test_rate_limit_window_checks_and_parses() -> None:
    """RateLimitWindow rejects nonsense; parse reads N/SECONDS; a tuple is the 0.1.0 form."""
    assert RateLimitWindow.parse("20/2") == RateLimitWindow(20, 2.0)
    assert RateLimitWindow.parse("5/0.5", retry_after=True).retry_after is True
    for text in ("20", "0/1", "x/1", "20/0", "20/-1", "20/inf", "20/nan", "/2", ""):
        with pytest.raises(ValueError, match="N/SECONDS"):
            RateLimitWindow.parse(text)
    for limit, window in ((0, 1.0), (True, 1.0), (1, 0.0), (1, float("nan"))):
        with pytest.raises(ValueError):  # noqa: PT011
            RateLimitWindow(limit, window)
    server = FakeGitBook(rate_limit=(3, 1.5))
    assert server.rate_limit == RateLimitWindow(3, 1.5, retry_after=True, aligned=False)


def test_fault_constructors_reject_nonsense() -> None:
    """Fault constructors check their arguments early."""
    makers: list[Callable[[], Fault]] = [
        lambda: Fault.status(99),
        lambda: Fault.html(200),
        lambda: Fault.redirect("/x", status=200),
        lambda: Fault.delay(-1),
        lambda: Fault.oversized(-1),
    ]
    for make in makers:
        with pytest.raises(ValueError):  # noqa: PT011
            make()
    assert Fault.status(503) == Fault.status(503)
    assert Fault.status(204, body="ignored") == Fault.status(204)
    assert hash(Fault.status(429, headers={"Retry-After": "1"}))


# -- lifecycle and options -------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "localhost", "10.0.0.1", "example.com", "::"])
def test_only_loopback_hosts_are_accepted(host: str) -> None:
    """Binding anything but a loopback IP address is refused."""
    with pytest.raises(ValueError, match="loopback"):
        FakeGitBook(host=host)


async def test_lifecycle_close_is_idempotent_and_start_is_once() -> None:
    """close() may be called any number of times; start() only once; url needs start()."""
    server = FakeGitBook()
    with pytest.raises(RuntimeError):
        server.url  # noqa: B018
    await server.close()
    server = FakeGitBook()
    await server.start()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
    assert server.api_url == server.url + "/v1"
    with pytest.raises(RuntimeError):
        await server.start()
    await server.close()
    await server.close()
    with pytest.raises(RuntimeError):
        await server.start()


def test_ipv6_loopback_is_accepted_without_binding() -> None:
    """::1 is accepted as a loopback host (not bound here: our tests use 127.0.0.1 only)."""
    FakeGitBook(host="::1")


async def test_app_runs_under_aiohttp_test_utils() -> None:
    """server.app works with aiohttp's TestServer (as pytest-aiohttp users run it)."""
    fake = FakeGitBook(token=TOKEN)
    fake.add_space("s", scripts=[make_script("https://x.test/s.js")])
    async with TestServer(fake.app) as test_server, TestClient(test_server) as client:
        response = await client.get("/v1/spaces/s/integration-scripts", headers=AUTH)
        assert await response.json() == [{"script": "https://x.test/s.js", "cookies": False}]
    assert len(fake.requests) == 1


async def test_latency_delays_every_answer() -> None:
    """latency is added before every answer."""
    async with FakeGitBook(latency=0.05) as server, aiohttp.ClientSession() as session:
        started = time.monotonic()
        async with session.get(server.url + "/v1/nowhere") as response:
            assert response.status == 404
        assert time.monotonic() - started >= 0.05


def test_repr_does_not_show_the_token() -> None:
    """repr(server) never contains the token."""
    assert TOKEN not in repr(FakeGitBook(token=TOKEN))


def test_constructor_seeds_spaces_and_checks_options() -> None:
    """spaces= seeds the server; bad page sizes, latency or rate limits raise ValueError."""
    server = FakeGitBook(spaces={"a": {"integrations": [make_integration("slack")]}, "b": {}})
    assert server.space_ids == ("a", "b")
    for options in (
        {"default_page_size": 0},
        {"default_page_size": 50, "max_page_size": 10},
        {"latency": -1.0},
        {"rate_limit": (0, 1.0)},
        {"token": ""},
    ):
        with pytest.raises(ValueError):  # noqa: PT011
            FakeGitBook(**options)


# -- data ------------------------------------------------------------------------------------


def test_demo_data_shape() -> None:
    """The demo has a 25-item space, an empty one and a 250-item one, and is deterministic."""
    spaces = demo_spaces()
    assert len(spaces[DEMO_SPACE_ID]["integrations"]) == 25
    assert spaces[DEMO_EMPTY_SPACE_ID] == {"integrations": [], "blocks": [], "scripts": []}
    assert len(spaces[DEMO_LARGE_SPACE_ID]["integrations"]) == 250
    assert json.dumps(spaces) == json.dumps(demo_spaces())
    names = [i["name"] for i in spaces[DEMO_LARGE_SPACE_ID]["integrations"]]
    assert len(set(names)) == len(names)


def test_builders_override_and_shape() -> None:
    """Builders take overrides by wire name and leave optional script CSP out when None."""
    org = make_organization("org_1", title="Acme", plan="free_2024")
    assert (org["id"], org["title"], org["plan"]) == ("org_1", "Acme", "free_2024")
    integration = make_integration("custom-thing", owner=org, verified=False)
    assert (integration["title"], integration["verified"]) == ("Custom Thing", False)
    assert integration["owner"] == org
    assert integration["owner"] is not org
    assert make_script("https://x.test/s.js") == {"script": "https://x.test/s.js", "cookies": False}
    block = make_block("mermaid", "diagram", title="Diagram")
    assert make_block_group("mermaid", [block]) == {"name": "mermaid", "blocks": [block]}


def _spec() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        pytest.skip(f"the GitBook OpenAPI spec is not at {SPEC_PATH} (../shared is absent)")
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


def _validate(
    spec: dict[str, Any], schema: dict[str, Any], value: Any, at: str, lenient: bool = False
) -> Iterator[str]:
    """Yield the schema violations of `value` (a small subset of JSON Schema / OpenAPI 3.0).

    Unknown keys are reported where a schema lists its properties (our builders must use
    the spec's exact wire names), except inside allOf, whose parts each list only some.
    """
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        yield from _validate(spec, spec["components"]["schemas"][name], value, at, lenient)
        return
    if value is None:
        if not schema.get("nullable") and None not in schema.get("enum", [None]):
            yield f"{at}: null"
        return
    for part in schema.get("allOf", []):
        yield from _validate(spec, part, value, at, lenient=True)
    if "oneOf" in schema:
        matches = [s for s in schema["oneOf"] if not list(_validate(spec, s, value, at, lenient))]
        if len(matches) != 1:
            yield f"{at}: matches {len(matches)} oneOf branches"
    kind = schema.get("type")
    checks: dict[str, Callable[[Any], bool]] = {
        "string": lambda v: isinstance(v, str),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
    }
    if kind is not None and not checks[kind](value):
        yield f"{at}: expected {kind}, got {type(value).__name__}"
        return
    if "enum" in schema and value not in schema["enum"]:
        yield f"{at}: {value!r} not in enum"
    if isinstance(value, str):
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", 10**9):
            yield f"{at}: length {len(value)} out of bounds"
        fmt = schema.get("format")
        if fmt == "uri" and not re.match(r"https?://", value):
            yield f"{at}: not a URI"
        if fmt == "date-time" and not re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", value
        ):
            yield f"{at}: not a timestamp"
    if isinstance(value, (int, float)) and value < schema.get("minimum", float("-inf")):
        yield f"{at}: below minimum"
    if isinstance(value, list):
        if len(value) > schema.get("maxItems", 10**9):
            yield f"{at}: too many items"
        if schema.get("uniqueItems") and len({json.dumps(v) for v in value}) != len(value):
            yield f"{at}: items not unique"
        for index, item in enumerate(value):
            yield from _validate(spec, schema.get("items", {}), item, f"{at}[{index}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                yield f"{at}: missing required {key!r}"
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                yield from _validate(spec, properties[key], item, f"{at}.{key}")
            elif isinstance(extra, dict):
                yield from _validate(spec, extra, item, f"{at}.{key}")
            elif extra is False or (properties and not lenient):
                yield f"{at}: unknown key {key!r}"


def _optional_keys_used(spec: dict[str, Any], name: str, values: list[dict[str, Any]]) -> set[str]:
    schema = spec["components"]["schemas"][name]
    return set(schema["properties"]) - {k for v in values for k in v}


def test_generated_data_validates_against_the_spec() -> None:
    """Every demo integration, block group and script validates against the 0.137.0 schemas."""
    spec = _spec()
    schemas = spec["components"]["schemas"]
    spaces = demo_spaces()
    integrations = [i for s in spaces.values() for i in s["integrations"]]
    integrations.append(make_integration("not-in-catalog"))
    problems: list[str] = []
    for integration in integrations:
        problems += _validate(spec, schemas["Integration"], integration, integration["name"])
    for space in spaces.values():
        problems += _validate(spec, schemas["SpaceIntegrationBlocks"], space["blocks"], "blocks")
        for script in space["scripts"]:
            problems += _validate(spec, schemas["SpaceIntegrationScript"], script, "script")
    assert problems == []


def test_generated_data_fills_every_optional_field_and_both_variants() -> None:
    """Integrations and owners use every property of the spec, and both forms of unions."""
    spec = _spec()
    integrations = [i for s in demo_spaces().values() for i in s["integrations"]]
    assert _optional_keys_used(spec, "Integration", integrations) == set()
    owners = [i["owner"] for i in integrations]
    assert _optional_keys_used(spec, "Organization", owners) == set()
    assert {type(i["contentSecurityPolicy"]) for i in integrations} == {str, dict}
    assert {type(o["defaultRole"]) for o in owners} == {str, type(None)}
    sites = {next(iter(i["configurations"]["site"])) for i in integrations}
    assert sites == {"properties", "componentId"}
    one = integrations[0]["configurations"]["account"]["properties"]
    assert {p["type"] for p in one.values()} == {"string", "number", "boolean", "button"}


# -- package hygiene -------------------------------------------------------------------------


def test_testing_package_imports_nothing_else_from_gitbook_async() -> None:
    """gitbook_async.testing speaks wire JSON only: it imports no other part of the SDK."""
    for module in PACKAGE_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{module.name}: use absolute imports"
                names = [node.module or ""]
            for name in names:
                if name.split(".")[0] == "gitbook_async":
                    assert name.startswith("gitbook_async.testing"), (module.name, name)


def test_public_names_are_sorted_and_importable() -> None:
    """__all__ is sorted and every name in it exists."""
    assert testing.__all__ == sorted(testing.__all__)
    for name in testing.__all__:
        assert getattr(testing, name) is not None


# -- python -m gitbook_async.testing ---------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("status:503", FaultSpec(Fault.status(503))),
        ("status:429,times=3", FaultSpec(Fault.status(429), times=3)),
        ("html", FaultSpec(Fault.html(502))),
        ("html:504,times=always", FaultSpec(Fault.html(504), times=None)),
        (
            "delay:1.5,path=/v1/spaces/x/integrations",
            FaultSpec(Fault.delay(1.5), 1, "/v1/spaces/x/integrations"),
        ),
        ("reset", FaultSpec(Fault.reset())),
        ("truncated-json", FaultSpec(Fault.truncated_json())),
        ("oversized:100", FaultSpec(Fault.oversized(100))),
        ("redirect:/elsewhere", FaultSpec(Fault.redirect("/elsewhere"))),
        ("looping-cursor,times=2", FaultSpec(Fault.looping_cursor(), times=2)),
    ],
)
def test_fault_spec_parses(spec: str, expected: FaultSpec) -> None:
    """--fault KIND[:ARG][,times=N|always][,path=PATH] builds the matching Fault."""
    assert FaultSpec.parse(spec) == expected


@pytest.mark.parametrize(
    "spec",
    [
        "teapot",
        "status",
        "status:",
        "status:abc",
        "status:99",
        "reset:1",
        "delay:-1",
        "status:503,times=0",
        "status:503,times=x",
        "status:503,path=v1",
        "status:503,colour=red",
    ],
)
def test_fault_spec_rejects_nonsense(spec: str) -> None:
    """An unknown kind, a missing or bad argument, or a bad option is a ValueError."""
    with pytest.raises(ValueError, match="fault"):
        FaultSpec.parse(spec)


@pytest.mark.parametrize(
    "argv",
    [
        ["--rate-limit", "0/1"],
        ["--rate-limit", "20"],
        ["--fault", "teapot"],
        ["--latency", "-5"],
        ["--host", "0.0.0.0"],
        ["--port", "70000"],
    ],
)
def test_serve_rejects_bad_arguments(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Bad options exit 2 with the usage line and one error line, before listening."""
    with pytest.raises(SystemExit) as caught:
        serve_main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m gitbook_async.testing")
    assert "Traceback" not in err


async def _first_lines(capsys: pytest.CaptureFixture[str], task: asyncio.Task[int]) -> str:
    out = ""
    while "serving until Ctrl-C" not in out:
        assert not task.done(), capsys.readouterr()
        await asyncio.sleep(0.01)
        out += capsys.readouterr().out
    return out


async def test_serve_announces_and_stops_on_sigterm(capsys: pytest.CaptureFixture[str]) -> None:
    """The announcement starts with GITBOOK_BASE_URL=; SIGTERM stops the server with 0."""
    server = FakeGitBook.with_demo_data(rate_limit=RateLimitWindow(7, 3))
    task = asyncio.create_task(serve_loop(server))
    out = await asyncio.wait_for(_first_lines(capsys, task), timeout=10)
    lines = out.splitlines()
    assert lines[0] == f"GITBOOK_BASE_URL={server.url}"
    assert lines[1] == f"GITBOOK_API_TOKEN={DEMO_TOKEN}"
    assert f"{DEMO_SPACE_ID} (25 integrations)" in lines[2]
    assert "7 requests per 3 s" in out
    async with aiohttp.ClientSession(headers=DEMO_AUTH) as client:
        status, headers, _ = await get_json(client, server.url + INTEGRATIONS)
    assert (status, headers["X-RateLimit-Limit"]) == (200, "7")
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(task, timeout=10) == 0
    assert capsys.readouterr().err == "stopped\n"
    with pytest.raises(RuntimeError):
        await server.start()  # closed


async def test_serve_reports_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    """A port already in use is one error line and exit code 1."""
    async with FakeGitBook() as busy:
        port = int(busy.url.rsplit(":", 1)[1])
        code = await asyncio.wait_for(serve_loop(FakeGitBook(port=port)), timeout=10)
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot listen")
    assert len(err.splitlines()) == 1


@dataclass(frozen=True)
class ProgramRun:
    """How ``python -m gitbook_async.testing`` ended: its first line, output and exit code."""

    first_line: str
    out: bytes
    err: bytes
    returncode: int | None


async def run_fake_program(*options: str, use: Callable[[str], Awaitable[None]]) -> ProgramRun:
    """Start the fake as a program, ``await use(base_url)``, then Ctrl-C it (killed if stuck)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gitbook_async.testing",
        "--port",
        "0",
        *options,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        first = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode()
        await use(first.strip().partition("=")[2])
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return ProgramRun(first.strip(), out, err, process.returncode)


async def test_python_m_gitbook_async_testing_serves_until_ctrl_c() -> None:
    """As a program: first line is the base URL to export; Ctrl-C exits 0 without a traceback."""
    statuses: list[int] = []

    async def use(url: str) -> None:
        assert re.fullmatch(r"http://127\.0\.0\.1:[0-9]+", url)
        async with aiohttp.ClientSession(headers=DEMO_AUTH) as client:
            statuses.extend([(await get_json(client, url + INTEGRATIONS))[0] for _ in range(2)])

    run = await run_fake_program("--fault", "status:503", use=use)
    assert run.first_line.partition("=")[0] == "GITBOOK_BASE_URL"
    assert statuses == [503, 200]
    assert run.returncode == 0, run.err
    assert b"Traceback" not in run.err
    assert run.out.decode().splitlines()[0] == f"GITBOOK_API_TOKEN={DEMO_TOKEN}"


def test_module_entry_point_runs_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m gitbook_async.testing`` is the serve command (checked in process)."""
    monkeypatch.setattr(sys, "argv", ["gitbook_async.testing", "--port", "70000"])
    with pytest.raises(SystemExit) as caught:
        runpy.run_module("gitbook_async.testing", run_name="__main__")
    assert caught.value.code == 2
    assert "port must be in 0..65535" in capsys.readouterr().err


# -- fields newer than the models (extra_fields) ----------------------------------------------


def assert_extra_fields(served: dict[str, Any], original: dict[str, Any]) -> None:
    """``served`` is ``original`` plus exactly the extra fields: a string, an object, a bool."""
    added = sorted(set(served) - set(original))
    assert added == sorted(EXTRA_INTEGRATION_FIELDS)
    assert isinstance(served["supportUrl"], str)
    assert served["supportUrl"].startswith("https://")
    assert isinstance(served["marketplace"], dict)
    assert set(served["owner"]) - set(original["owner"]) == set(EXTRA_OWNER_FIELDS)
    assert isinstance(served["owner"]["verifiedPublisher"], bool)
    assert {k: v for k, v in served.items() if k not in added and k != "owner"} == {
        k: v for k, v in original.items() if k != "owner"
    }
    assert {k: v for k, v in served["owner"].items() if k not in EXTRA_OWNER_FIELDS} == (
        original["owner"]
    )


async def test_extra_fields_add_two_item_fields_and_one_owner_field() -> None:
    """With ``extra_fields=True`` every listed item carries two new top-level fields and one
    new field in ``owner``; the spec's fields are unchanged, and a default server adds none.
    """
    originals = [make_integration(name) for name in ("slack", "github", "mermaid")]
    async with (
        FakeGitBook(token=TOKEN, extra_fields=True) as extra,
        FakeGitBook(token=TOKEN) as plain,
        aiohttp.ClientSession(headers=AUTH) as session,
    ):
        assert (extra.extra_fields, plain.extra_fields) == (True, False)
        for server in (extra, plain):
            server.add_space("s", integrations=originals)
        served, _ = await walk(session, extra, "/v1/spaces/s/integrations", limit="2")
        as_is, _ = await walk(session, plain, "/v1/spaces/s/integrations")
    assert as_is == originals
    assert len(served) == len(originals)
    for item, original in zip(served, originals, strict=True):
        assert_extra_fields(item, original)
    assert served[0] == with_extra_fields(originals[0])  # deterministic, and the same values


def test_with_extra_fields_copies_and_tolerates_a_missing_owner() -> None:
    """The builder never changes its argument; an item without an owner gets no owner."""
    original = make_integration("slack")
    owner = dict(original["owner"])
    extended = with_extra_fields(original)
    assert "supportUrl" not in original
    assert original["owner"] == owner
    assert extended["owner"] is not original["owner"]
    del original["owner"]
    assert "owner" not in with_extra_fields(original)


async def test_extra_fields_apply_to_demo_data_and_seeded_spaces(
    session: aiohttp.ClientSession,
) -> None:
    """``with_demo_data(extra_fields=True)`` and ``spaces=`` serve the extra fields too."""
    original = make_integration("jira")
    async with FakeGitBook.with_demo_data(
        extra_fields=True, spaces={"seeded": {"integrations": [original]}}
    ) as server:
        demo, _ = await walk(session, server, INTEGRATIONS)
        seeded, _ = await walk(session, server, "/v1/spaces/seeded/integrations")
    expected = demo_spaces()[DEMO_SPACE_ID]["integrations"]
    for item, plain in zip(demo, expected, strict=True):
        assert_extra_fields(item, plain)
    assert_extra_fields(seeded[0], original)


async def test_python_m_gitbook_async_testing_extra_fields() -> None:
    """``--extra-fields`` serves the demo spaces with fields newer than the models."""

    async def use(url: str) -> None:
        async with aiohttp.ClientSession(headers=DEMO_AUTH) as client:
            status, _, body = await get_json(client, url + INTEGRATIONS, limit="3")
        assert status == 200
        for item, plain in zip(
            body["items"], demo_spaces()[DEMO_SPACE_ID]["integrations"], strict=False
        ):
            assert_extra_fields(item, plain)

    run = await run_fake_program("--extra-fields", use=use)
    assert run.returncode == 0, run.err
    assert b"# extra fields:" in run.out


def test_extra_fields_of_one_owner_are_the_same_wherever_it_appears() -> None:
    """``verifiedPublisher`` is a fact about the organization: one owner, one set of bytes."""
    owner = {"id": "org_1", "title": "Acme"}
    first = with_extra_fields({"name": "slack", "owner": owner})
    second = with_extra_fields({"name": "figma", "owner": owner})
    assert first["owner"] == second["owner"]
