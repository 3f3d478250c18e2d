"""Hostile cursors, hostile tokens and careless callers, against real servers on 127.0.0.1.

Issue 10, items 3, 4 and 6: a cursor that cannot be sent is refused before anything is
sent, every other cursor reaches the server byte for byte; a token with a control character
is refused when the client is created; two tasks sharing one iterator get a RuntimeError,
never lost items. Each test has a hard timeout and leaves no task behind.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, ParamSpec

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import gitbook_async
from gitbook_async import (
    ConfigurationError,
    GitBookClient,
    Integration,
    InvalidArgumentError,
    PaginationError,
)
from gitbook_async.testing import make_integration

TOKEN = "gb_api_hostile_walks_token"
SPACE = "space_1"
HARD_TIMEOUT = 20.0
P = ParamSpec("P")
PACKAGE_DIR = Path(gitbook_async.__file__).parent
BOTH_MODES = pytest.mark.parametrize("prefetch", [0, 1], ids=["prefetch0", "prefetch1"])

HOSTILE_CURSORS = [
    "a&b",
    "a=b",
    "a#b",
    "a+b",
    "a%20b",
    "100%",
    "%zz",
    "a b",
    " lead and trail ",
    "tab\there",
    "new\nline",
    "page=x&page=y",
    "a;b",
    "a/b?c",
    "ünïcødé ✓",
    "emoji 🎉",
    "gbasync1.",
    "+/=" * 400,
]


class ChainServer:
    """A listing whose pages are linked by the given cursors, one integration per page.

    Records the ``page`` values of every request as the server framework decodes them and as
    a plain ``parse_qs`` of the raw query string decodes them.
    """

    def __init__(self, cursors: Sequence[str], *, delay: float = 0.0) -> None:
        self.cursors = list(cursors)
        self.delay = delay
        self.seen: list[list[str]] = []
        self.raw_seen: list[list[str]] = []
        self.authorizations: list[str | None] = []
        app = web.Application()
        app.router.add_get("/v1/spaces/{space}/integrations", self._integrations)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    async def _integrations(self, request: web.Request) -> web.Response:
        pages = request.query.getall("page", [])
        self.seen.append(list(pages))
        raw = urllib.parse.parse_qs(request.rel_url.raw_query_string, keep_blank_values=True)
        self.raw_seen.append(raw.get("page", []))
        self.authorizations.append(request.headers.get("Authorization"))
        if self.delay:
            await asyncio.sleep(self.delay)
        index = 0 if not pages else self.cursors.index(pages[0]) + 1
        body: dict[str, Any] = {"items": [make_integration(f"integration-{index}")]}
        if index < len(self.cursors):
            body["next"] = {"page": self.cursors[index]}
        return web.json_response(body)


@pytest.fixture
async def chain_server() -> AsyncIterator[Callable[..., Awaitable[ChainServer]]]:
    """Start ``ChainServer``s on 127.0.0.1; all are closed after the test."""
    started: list[ChainServer] = []

    async def start(cursors: Sequence[str], *, delay: float = 0.0) -> ChainServer:
        server = ChainServer(cursors, delay=delay)
        await server.server.start_server()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.server.close()


def hard_timeout(test: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """Fail the test after ``HARD_TIMEOUT`` seconds, and if it leaves any task running
    (a stray prefetch or request).
    """

    @functools.wraps(test)
    async def run(*args: P.args, **kwargs: P.kwargs) -> None:
        await asyncio.wait_for(test(*args, **kwargs), HARD_TIMEOUT)
        for _ in range(10):
            await asyncio.sleep(0)
        assert [task for task in asyncio.all_tasks() if _is_sdk_task(task)] == []

    return run


def _is_sdk_task(task: asyncio.Task[Any]) -> bool:
    """Whether ``task`` runs SDK code (the test servers' own handler tasks do not count)."""
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and Path(code.co_filename).is_relative_to(PACKAGE_DIR)


async def _drain(iterator: AsyncIterator[Any], into: list[Any]) -> None:
    """Append every value of ``iterator`` to ``into`` (what was yielded survives an error)."""
    async for value in iterator:
        into.append(value)


def names(integrations: Sequence[Integration]) -> list[str]:
    return [integration.name for integration in integrations]


# --- item 3: cursors ------------------------------------------------------------------------


@BOTH_MODES
@hard_timeout
async def test_every_hostile_cursor_reaches_the_server_byte_for_byte(
    chain_server: Callable[..., Awaitable[ChainServer]], prefetch: int
) -> None:
    """Each cursor is sent as exactly one ``page`` value equal to what the server named,
    however the server parses the query string.
    """
    server = await chain_server(HOSTILE_CURSORS)
    async with GitBookClient(TOKEN, base_url=server.url) as gitbook:
        paginator = gitbook.spaces.list_integrations(SPACE, prefetch=prefetch)
        walked = await paginator.collect()
    assert names(walked) == [f"integration-{i}" for i in range(len(HOSTILE_CURSORS) + 1)]
    assert server.seen == [[], *([cursor] for cursor in HOSTILE_CURSORS)]
    assert server.raw_seen == server.seen


@hard_timeout
async def test_a_walk_resumed_from_any_next_page_sends_the_servers_cursor_unchanged(
    chain_server: Callable[..., Awaitable[ChainServer]],
) -> None:
    """Resuming from ``Page.next_page`` sends the server's cursor unchanged, even one that
    looks like a gitbook-async resume cursor (``gbasync1.``).
    """
    server = await chain_server(HOSTILE_CURSORS)
    async with GitBookClient(TOKEN, base_url=server.url) as gitbook:
        pages = [page async for page in gitbook.spaces.list_integrations(SPACE).pages()]
        for index, page in enumerate(pages[:-1]):
            assert page.next_page is not None
            resumed = gitbook.spaces.list_integrations(SPACE, page=page.next_page)
            walked = await resumed.collect()
            assert len(walked) == len(HOSTILE_CURSORS) - index
            assert server.seen[-len(walked)] == [HOSTILE_CURSORS[index]]


@BOTH_MODES
@hard_timeout
async def test_a_cursor_that_cannot_be_encoded_raises_pagination_error_and_sends_nothing(
    chain_server: Callable[..., Awaitable[ChainServer]], prefetch: int
) -> None:
    """A lone surrogate in the server's cursor: the page's items are yielded, then
    PaginationError names the cursor, and no request for it is sent.
    """
    server = await chain_server(["\ud800abc"])
    got: list[Integration] = []
    async with GitBookClient(TOKEN, base_url=server.url) as gitbook:
        paginator = gitbook.spaces.list_integrations(SPACE, prefetch=prefetch)
        with pytest.raises(PaginationError) as caught:
            await _drain(aiter(paginator), got)
    assert names(got) == ["integration-0"]
    assert caught.value.cursor == "\ud800abc"
    assert repr("\ud800abc") in str(caught.value)
    assert server.seen == [[]]


@pytest.mark.parametrize(
    "page",
    [
        "\ud800abc",
        "gbasync1."
        + base64.urlsafe_b64encode(json.dumps({"page": "\udfffx", "skip": 1}).encode()).decode(),
    ],
    ids=["server-cursor", "resume-cursor"],
)
@hard_timeout
async def test_a_start_page_that_cannot_be_encoded_is_refused_before_sending(
    chain_server: Callable[..., Awaitable[ChainServer]], page: str
) -> None:
    """``page=`` with a lone surrogate (directly or inside a resume cursor) raises
    InvalidArgumentError when the paginator is created; nothing is sent.
    """
    server = await chain_server(["c2"])
    async with GitBookClient(TOKEN, base_url=server.url) as gitbook:
        with pytest.raises(InvalidArgumentError, match="page="):
            gitbook.spaces.list_integrations(SPACE, page=page)
    assert server.seen == []


# --- item 4: tokens -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "secret-tok\n",
        "abc\r\nX-Evil: 1",
        "secret-nul\x00byte",
        "\tsecret-tab",
        "secret-bell\x07",
        "secret-line\u2028sep",
    ],
)
def test_a_token_with_a_control_character_is_refused_at_construction(token: str) -> None:
    """GitBookClient(token=...) raises ConfigurationError, and the message does not echo
    the token.
    """
    with pytest.raises(ConfigurationError, match="control character") as caught:
        GitBookClient(token)
    assert "secret" not in str(caught.value)
    assert "X-Evil" not in str(caught.value)


@pytest.mark.parametrize("token", ["secret\ntok", "abc\r\nX-Evil: 1"])
def test_an_environment_token_with_an_inner_control_character_is_refused(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    """``$GITBOOK_API_TOKEN`` with a control character inside raises ConfigurationError
    naming the variable, never the token.
    """
    monkeypatch.setenv("GITBOOK_API_TOKEN", token)
    with pytest.raises(ConfigurationError, match="GITBOOK_API_TOKEN") as caught:
        GitBookClient()
    assert "X-Evil" not in str(caught.value)
    assert "secret" not in str(caught.value)


@hard_timeout
async def test_surrounding_whitespace_of_an_environment_token_is_stripped(
    chain_server: Callable[..., Awaitable[ChainServer]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token read from the environment with a trailing newline (``$(cat token)``-style)
    is sent without it.
    """
    server = await chain_server([])
    monkeypatch.setenv("GITBOOK_API_TOKEN", f"  {TOKEN}\r\n")
    async with GitBookClient(base_url=server.url) as gitbook:
        await gitbook.spaces.list_integrations(SPACE).collect()
    assert server.authorizations == [f"Bearer {TOKEN}"]


def test_a_blank_environment_token_counts_as_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whitespace alone in ``$GITBOOK_API_TOKEN`` is no token (as an empty one is)."""
    monkeypatch.setenv("GITBOOK_API_TOKEN", " \n")
    assert "token=missing" in repr(GitBookClient())


# --- item 6: one iterator, two tasks --------------------------------------------------------


@BOTH_MODES
@pytest.mark.parametrize("kind", ["items", "pages"])
@hard_timeout
async def test_two_tasks_sharing_an_iterator_get_runtime_error_and_lose_nothing(
    chain_server: Callable[..., Awaitable[ChainServer]], prefetch: int, kind: str
) -> None:
    """The second task's ``anext`` raises RuntimeError ("already running") while the
    first waits for a page; the first still gets every item, exactly once.
    """
    cursors = [f"c{i}" for i in range(1, 20)]
    server = await chain_server(cursors, delay=0.005)
    async with GitBookClient(TOKEN, base_url=server.url) as gitbook:
        paginator = gitbook.spaces.list_integrations(SPACE, prefetch=prefetch)
        iterator: AsyncIterator[Any] = aiter(paginator) if kind == "items" else paginator.pages()
        first: list[Any] = []
        second: list[Any] = []
        results = await asyncio.gather(
            _drain(iterator, first), _drain(iterator, second), return_exceptions=True
        )
    errors = [result for result in results if isinstance(result, BaseException)]
    assert len(errors) == 1
    assert isinstance(errors[0], RuntimeError)
    assert "already running" in str(errors[0])
    if kind == "pages":
        first = [item for page in first for item in page.items]
        second = [item for page in second for item in page.items]
    walked = names(first) + names(second)
    assert sorted(walked) == sorted(f"integration-{i}" for i in range(20))
    assert len(set(walked)) == 20
    assert server.seen == [[], *([cursor] for cursor in cursors)]


@BOTH_MODES
@hard_timeout
async def test_the_iterator_is_usable_again_once_the_other_task_is_done(
    chain_server: Callable[..., Awaitable[ChainServer]], prefetch: int
) -> None:
    """The refusal changes nothing: the same iterator keeps serving its one consumer."""
    server = await chain_server(["c1", "c2"], delay=0.005)
    async with (
        GitBookClient(TOKEN, base_url=server.url) as gitbook,
        aiter(gitbook.spaces.list_integrations(SPACE, prefetch=prefetch)) as iterator,
    ):
        pending = asyncio.ensure_future(anext(iterator))
        await asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="already running"):
            await anext(iterator)
        got = [await pending, *[item async for item in iterator]]
    assert names(got) == ["integration-0", "integration-1", "integration-2"]


@hard_timeout
async def test_concurrent_walks_over_one_paginator_are_independent(
    chain_server: Callable[..., Awaitable[ChainServer]],
) -> None:
    """Two tasks each running their own ``async for`` over one paginator both get every
    item: a paginator is a description, each loop a walk of its own.
    """
    server = await chain_server(["c1", "c2"], delay=0.005)
    async with GitBookClient(TOKEN, base_url=server.url) as gitbook:
        paginator = gitbook.spaces.list_integrations(SPACE)
        first, second = await asyncio.gather(paginator.collect(), paginator.collect())
    assert names(first) == names(second) == [f"integration-{i}" for i in range(3)]
