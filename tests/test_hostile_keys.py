"""Hostile keys from a real server on 127.0.0.1, walked through ``GitBookClient``.

Issue 18 item 1: fields newer than the models are learned by the accelerated path, but keys
come from the network. Quotes, newlines, ``__class__``, code-like keys, 10,000 distinct
keys, a 1 MB key, and a server that invents new keys on every page: every walk ends with
every item as sent (``to_dict()`` gives back the server's JSON), learning stays bounded, and
no task is left behind.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any, Final

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from gitbook_async import GitBookClient, Integration, Organization
from gitbook_async._constants import LEARNING_ATTEMPTS, LOGGER_NAME
from gitbook_async._wire import _accelerated as accelerated
from gitbook_async.testing import make_integration

from .conftest import pending_sdk_tasks

TOKEN: Final = "gb_api_hostile_keys_token"
SPACE: Final = "space_1"
HARD_TIMEOUT: Final = 30.0
PAGE_SIZE: Final = 5
HOSTILE_KEYS: Final = (
    '"',
    "a'b\"c",
    "back\\slash",
    "new\nline",
    "\r\n\x00",
    "__class__",
    "__init__",
    "'); import os; os._exit(3); ('",
    "\u2028",
    "",
    "🎉",
)
BIG_KEY: Final = "k" * 2**20

Items = Callable[[int], list[dict[str, Any]]]


class KeyServer:
    """A listing of ``pages`` pages whose items ``items(page)`` makes."""

    def __init__(self, pages: int, items: Items) -> None:
        self.pages = pages
        self.items = items
        self.sent: list[dict[str, Any]] = []
        app = web.Application()
        app.router.add_get("/v1/spaces/{space}/integrations", self._integrations)
        self.server = TestServer(app, host="127.0.0.1")

    async def _integrations(self, request: web.Request) -> web.Response:
        number = int(request.query.get("page", "0"))
        items = self.items(number)
        self.sent += items
        page: dict[str, Any] = {"items": items, "count": self.pages * PAGE_SIZE}
        if number + 1 < self.pages:
            page["next"] = {"page": str(number + 1)}
        return web.json_response(body=json.dumps(page).encode())


@pytest.fixture
def plans(monkeypatch: pytest.MonkeyPatch) -> accelerated._Plans:
    """Plans that learned nothing yet (learning is process-wide and bounded)."""
    fresh = accelerated._Plans()
    monkeypatch.setattr(accelerated, "_PLANS", fresh)
    return fresh


async def _walk(server: KeyServer) -> list[Integration]:
    async with server.server:
        url = str(server.server.make_url("")).rstrip("/")
        async with GitBookClient(TOKEN, base_url=url) as gitbook:
            walk = gitbook.spaces.list_integrations(SPACE, limit=PAGE_SIZE)
            found = [item async for item in walk]
    assert await pending_sdk_tasks() == []
    return found


def _items(number: int, **extra: Any) -> list[dict[str, Any]]:
    items = []
    for index in range(PAGE_SIZE):
        item = make_integration("github")
        item["name"] = f"github-{number}-{index}"
        item.update(extra)
        item["owner"] = {**item["owner"], **extra}
        items.append(item)
    return items


def _as_sent(found: list[Integration], sent: list[dict[str, Any]]) -> None:
    assert [item.to_dict() for item in found] == sent


async def test_hostile_keys_on_every_page_come_back_as_sent(plans: accelerated._Plans) -> None:
    """Every hostile key on every item and owner: the walk gives every item as sent; what
    msgspec can name is learned once, the rest takes the detailed path.
    """
    extra = {key: {"v": key} for key in HOSTILE_KEYS}
    server = KeyServer(4, lambda number: _items(number, **extra))
    found = await asyncio.wait_for(_walk(server), HARD_TIMEOUT)
    _as_sent(found, server.sent)
    assert found[0].unknown_fields == extra
    learned = set(plans._learned.get(Integration, ()))
    assert {
        "__class__",
        "__init__",
        "",
        "🎉",
        "\u2028",
        "'); import os; os._exit(3); ('",
    } <= learned
    assert not learned & {'"', "back\\slash", "new\nline"}


async def test_a_few_odd_keys_are_learned_and_the_walk_takes_the_fast_path(
    plans: accelerated._Plans,
) -> None:
    """Code-like keys msgspec can name: one learning attempt for the whole walk."""
    extra = {"__class__": 1, "'); import os; os._exit(3); ('": [None], "launchedAt": "x"}
    server = KeyServer(6, lambda number: _items(number, **extra))
    found = await asyncio.wait_for(_walk(server), HARD_TIMEOUT)
    _as_sent(found, server.sent)
    assert plans._attempts == 1
    assert plans._learned[Organization] == tuple(extra)


async def test_ten_thousand_keys_and_a_one_megabyte_key(
    plans: accelerated._Plans, caplog: pytest.LogCaptureFixture
) -> None:
    """One item with 10,000 new keys, one owner with a 1 MB key: read as sent, nothing of
    it learned, one WARNING for the class that would exceed its cap.
    """
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)

    def items(number: int) -> list[dict[str, Any]]:
        made = _items(number)
        made[0].update({f"k{index}": index for index in range(10_000)})
        made[1]["owner"][BIG_KEY] = "big"
        return made

    server = KeyServer(3, items)
    found = await asyncio.wait_for(_walk(server), HARD_TIMEOUT)
    _as_sent(found, server.sent)
    assert found[1].owner.unknown_fields == {BIG_KEY: "big"}
    assert Integration not in plans._learned
    assert BIG_KEY not in plans._learned.get(Organization, ())
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Integration" in warnings[0].getMessage()


async def test_a_server_inventing_keys_on_every_page(
    plans: accelerated._Plans, caplog: pytest.LogCaptureFixture
) -> None:
    """A new key on every page: the walk ends with every item as sent; learning stops
    after LEARNING_ATTEMPTS pages, said once, and the mirrors stop changing.
    """
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    pages = LEARNING_ATTEMPTS + 10
    server = KeyServer(pages, lambda number: _items(number, **{f"invented{number}": number}))
    found = await asyncio.wait_for(_walk(server), HARD_TIMEOUT)
    _as_sent(found, server.sent)
    assert len(found) == pages * PAGE_SIZE
    assert plans._attempts == LEARNING_ATTEMPTS + 1
    assert len(plans._learned[Integration]) <= LEARNING_ATTEMPTS
    stopped = [r for r in caplog.records if "stopped learning" in r.getMessage()]
    assert len(stopped) == 1
