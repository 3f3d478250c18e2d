"""Shared fixtures: an aioresponses mock with a catch-all, and the fake GitBook server.

The aioresponses shim below works around two bugs of aioresponses 0.7.9 on aiohttp 3.14
(PITFALLS.md): ``ClientResponse.__init__`` now requires ``stream_writer`` (aioresponses
issue #289) and its stream reader's 64 KiB limit breaks bodies larger than that (PR #292).
Delete the shim when a fixed aioresponses release is out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any
from unittest import mock

import aioresponses.core
import pytest
from aiohttp import ClientResponse, StreamReader
from aiohttp.client_proto import ResponseHandler

from gitbook_async import GitBookClient
from gitbook_async.testing import FakeGitBook
from tests._redis_server import redis_server  # noqa: F401 - a fixture (issue 11)

API = "https://api.gitbook.com/v1"
TOKEN = "gb_api_test_secret_token_123"


class _StubStreamWriter:
    output_size = 0


class _ShimClientResponse(ClientResponse):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _StubStreamWriter())
        super().__init__(*args, **kwargs)


def _stream_reader_factory(loop: asyncio.AbstractEventLoop | None = None) -> StreamReader:
    return StreamReader(ResponseHandler(loop=loop), limit=2**30, loop=loop)  # type: ignore[arg-type]


@pytest.fixture
def mock_api() -> Iterator[aioresponses.aioresponses]:
    """aioresponses with the shim; any request no test registered fails loudly (no retry)."""
    with (
        mock.patch.object(aioresponses.core, "ClientResponse", _ShimClientResponse),
        mock.patch.object(aioresponses.core, "stream_reader_factory", _stream_reader_factory),
        aioresponses.aioresponses() as mocked,
    ):
        match = mocked.match

        async def match_or_fail(method: str, url: Any, **kwargs: Any) -> Any:
            response = await match(method, url, **kwargs)
            if response is None:
                raise AssertionError(f"unexpected request: {method} {url}")
            return response

        mocked.match = match_or_fail  # type: ignore[method-assign,assignment]
        yield mocked


@pytest.fixture
async def client() -> AsyncIterator[GitBookClient]:
    """A client for the mocked API (aioresponses)."""
    async with GitBookClient(token=TOKEN) as gitbook:
        yield gitbook


@pytest.fixture
async def fake_gitbook() -> AsyncIterator[FakeGitBook]:
    """A running fake GitBook with demo data, on 127.0.0.1."""
    async with FakeGitBook.with_demo_data(token=TOKEN) as server:
        yield server


@pytest.fixture
async def live_client(fake_gitbook: FakeGitBook) -> AsyncIterator[GitBookClient]:
    """A client talking to the fake GitBook over real sockets."""
    async with GitBookClient(token=TOKEN, base_url=fake_gitbook.url) as gitbook:
        yield gitbook


def _source_file(task: asyncio.Task[Any]) -> str:
    code = getattr(task.get_coro(), "cr_code", None)
    return code.co_filename if code is not None else ""


async def pending_sdk_tasks() -> list[asyncio.Task[Any]]:
    """Tasks the SDK left running (the fake server's own handler tasks do not count)."""
    for _ in range(5):
        await asyncio.sleep(0)
    current = asyncio.current_task()
    return [
        task
        for task in asyncio.all_tasks()
        if task is not current
        and "/gitbook_async/" in _source_file(task)
        and "/gitbook_async/testing/" not in _source_file(task)
    ]
