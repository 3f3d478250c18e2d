"""Benchmark 4: objects left in reference cycles by walks that end early.

A walk that ends early (the caller breaks out, raises, is cancelled, or the server sends a
page that fails validation) should leave nothing for the cyclic garbage collector: what
it held should be freed by reference counting as soon as the walk is dropped. Each run
collects, turns the collector off (``gc.disable()``), runs 10 such walks over 100-item
pages of sparse items (in turn: ``break`` after 50 items, an exception raised by the
caller on page 2, the walking task cancelled at its first wait after page 1's last item,
and a page 2 whose 150th item has a string ``version``), lets the event loop settle for a
moment, then calls ``gc.collect()``: the number it returns is what the walks left in
cycles.

The SDK is measured with its default prefetch (the target: fewer than 100 objects) and,
for information, with ``prefetch=0``, and so is a raw aiohttp + ``json.loads`` walk doing
the same (its floor: what asyncio and aiohttp themselves leave).
"""

from __future__ import annotations

import asyncio
import enum
import gc
import json
from collections.abc import AsyncIterator, Callable
from typing import Any, Final

import aiohttp

from benchmarks._data import TOKEN
from benchmarks._host import ServerSpec, SpaceSpec, serve
from benchmarks._measure import Comparison, Direction, Measurement, Target, interleaved
from benchmarks._settings import Settings
from benchmarks.walk import RAW_HEADERS, endpoint
from gitbook_async import GitBookClient, GitBookError

TARGET: Final = Target(Direction.BELOW, 100, "objects")
WALKS: Final = 10
PAGE_SIZE: Final = 100
BREAK_AFTER: Final = 50
RAISE_AT: Final = 150
CANCEL_AFTER: Final = 100
INVALID_AT: Final = 150
ITEMS: Final = 300
SETTLE: Final = 0.1  # seconds for cancelled requests and closed connections to wind down
_SPACE, _INVALID_SPACE = "cycles", "cycles-invalid"
_RAW, _SDK, _SDK_NO_PREFETCH = "raw", "sdk", "sdk-prefetch-0"


class Ending(enum.Enum):
    """How a walk ends early."""

    BREAK = "break"
    RAISE = "raise"
    CANCEL = "cancel"
    INVALID = "invalid"


ENDINGS: Final = tuple(Ending)


class CallerError(Exception):
    """Raised by the benchmark's own loop body (the "error" ending)."""


Items = Callable[[str], AsyncIterator[Any]]


async def _raw_items(
    session: aiohttp.ClientSession, url: str, space_id: str, page_size: int
) -> AsyncIterator[Any]:
    """Plain aiohttp + ``json.loads``, following ``next.page``: the raw floor's iterator."""
    query = {"limit": str(page_size)}
    while True:
        async with session.get(endpoint(url, space_id), params=query, headers=RAW_HEADERS) as r:
            body = await r.read()
        page = json.loads(body)
        for item in page["items"]:
            yield item
        following = page.get("next")
        if following is None:
            return
        query = {"limit": str(page_size), "page": following["page"]}


def _version(item: Any) -> Any:
    return item["version"] if isinstance(item, dict) else item.version


async def walk_until(items: AsyncIterator[Any], ending: Ending, taken: asyncio.Event) -> None:
    """Consume ``items`` until the walk ends the way ``ending`` says."""
    count = 0
    async for item in items:
        count += _version(item) > 0  # a string version fails here in the raw walk
        if ending is Ending.BREAK and count == BREAK_AFTER:
            break
        if ending is Ending.RAISE and count == RAISE_AT:
            raise CallerError("the caller gave up")
        if ending is Ending.CANCEL and count == CANCEL_AFTER:
            taken.set()  # the canceller runs when this walk next waits (for page 2)


async def end_early(items: Items, ending: Ending) -> None:
    """Run one walk that ends early, swallowing the way it ended.

    Only the cancelled walk runs in a task of its own: a task keeps the exception that
    ended it, with a traceback through its frames, which would put the harness's own
    objects in a cycle; the other walks run in the caller's task.
    """
    space_id = _INVALID_SPACE if ending is Ending.INVALID else _SPACE
    taken = asyncio.Event()
    try:
        if ending is Ending.CANCEL:
            walk = asyncio.ensure_future(walk_until(items(space_id), ending, taken))
            await taken.wait()
            walk.cancel()
            await walk
        else:
            await walk_until(items(space_id), ending, taken)
    except (asyncio.CancelledError, CallerError):
        pass
    except (GitBookError, TypeError):  # the invalid page: the SDK's error, or the raw walk's
        if ending is not Ending.INVALID:
            raise


async def left_in_cycles(items: Items, *, walks: int = WALKS) -> int:
    """``gc.collect()``'s count after ``walks`` early endings with the collector off."""
    gc.collect()
    gc.disable()
    try:
        for n in range(walks):
            await end_early(items, ENDINGS[n % len(ENDINGS)])
        await asyncio.sleep(SETTLE)
        return gc.collect()
    finally:
        gc.enable()


def run_cycles(settings: Settings) -> list[Comparison]:
    """Benchmark 4 (see the module docstring)."""
    spec = ServerSpec(
        {
            _SPACE: SpaceSpec(ITEMS),
            _INVALID_SPACE: SpaceSpec(ITEMS, first=ITEMS, invalid_at=INVALID_AT),
        }
    )
    walks = settings.size(WALKS, len(ENDINGS))

    async def main() -> dict[str, list[float]]:
        async with (
            serve(spec, mode=settings.server) as host,
            aiohttp.ClientSession() as session,
            GitBookClient(TOKEN, base_url=host.url) as client,
        ):
            variants: dict[str, Items] = {
                _RAW: lambda space_id: _raw_items(session, host.url, space_id, PAGE_SIZE),
                _SDK: lambda space_id: aiter(
                    client.spaces.list_integrations(space_id, limit=PAGE_SIZE)
                ),
                _SDK_NO_PREFETCH: lambda space_id: aiter(
                    client.spaces.list_integrations(space_id, limit=PAGE_SIZE, prefetch=0)
                ),
            }
            for items in variants.values():  # warm-up: connections, hooks, every ending
                await left_in_cycles(items, walks=len(ENDINGS))
            runs: dict[str, list[float]] = {name: [] for name in variants}
            for repeat in range(settings.repeats()):
                for name in interleaved(list(variants), repeat):
                    runs[name].append(await left_in_cycles(variants[name], walks=walks))
            return runs

    runs = asyncio.run(main())

    def counted(name: str, label: str) -> Measurement:
        return Measurement(label, "objects", tuple(runs[name]), decimals=0)

    title = (
        f"Objects left in reference cycles after {walks} walks ended early (break / caller "
        "error / cancel / invalid page), gc disabled"
    )
    return [
        Comparison("4", f"{title}: SDK, default prefetch", counted(_SDK, "SDK"), None, TARGET),
        Comparison(
            "4i", f"{title}: SDK, prefetch=0", counted(_SDK_NO_PREFETCH, "SDK, prefetch=0"), None
        ),
        Comparison("4ii", f"{title}: raw aiohttp + json.loads", counted(_RAW, "raw walk"), None),
    ]
