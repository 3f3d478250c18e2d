"""Benchmark 3: the first 100 items of 200 spaces, 16 spaces at once, then ``break``.

What a dashboard does: for each of 200 spaces, ``async for item in
client.spaces.list_integrations(space_id, limit=100)`` and ``break`` after 100 items, 16
spaces in flight at a time (a semaphore), with the SDK's default prefetch. Each space holds
200 sparse items (two pages), so a walk that prefetches asks for a second page it will
never use, and then has to drop it. The raw floor fetches each first page with plain
aiohttp + ``json.loads`` and reads its 100 items. For information, the same SDK walks with
``prefetch=0``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Final

import aiohttp

from benchmarks._data import TOKEN
from benchmarks._host import ServerSpec, SpaceSpec, serve
from benchmarks._measure import Comparison, Direction, Measurement, Target
from benchmarks._settings import Settings
from benchmarks.walk import RAW_HEADERS, endpoint, take_turns
from gitbook_async import GitBookClient

SPACES: Final = 200
ITEMS_PER_SPACE: Final = 200
DISTINCT: Final = 100  # spaces with items of their own; the others repeat them
TAKEN: Final = 100
AT_ONCE: Final = 16
TARGET: Final = Target(Direction.AT_MOST, 1.0)
_RAW, _SDK, _SDK_NO_PREFETCH = "raw", "sdk", "sdk-prefetch-0"


async def first_items_raw(session: aiohttp.ClientSession, url: str, space_id: str) -> int:
    """The first ``TAKEN`` items of a space with plain aiohttp + ``json.loads``."""
    query = {"limit": str(TAKEN)}
    async with session.get(endpoint(url, space_id), params=query, headers=RAW_HEADERS) as r:
        if r.status != 200:
            raise RuntimeError(f"raw listing got HTTP {r.status}")
        body = await r.read()
    count = 0
    for item in json.loads(body)["items"]:
        count += item["version"] > 0
    return count


async def first_items_sdk(client: GitBookClient, space_id: str, *, prefetch: int | None) -> int:
    """``async for`` over the SDK's listing, ``break`` after ``TAKEN`` items."""
    listing = (
        client.spaces.list_integrations(space_id, limit=TAKEN)
        if prefetch is None
        else client.spaces.list_integrations(space_id, limit=TAKEN, prefetch=prefetch)
    )
    count = 0
    async for item in listing:
        count += item.version > 0
        if count == TAKEN:
            break
    return count


async def at_once(space_ids: list[str], one: Callable[[str], Awaitable[int]]) -> int:
    """Run ``one(space_id)`` for every space, ``AT_ONCE`` at a time; return the items seen."""
    slots = asyncio.Semaphore(AT_ONCE)

    async def limited(space_id: str) -> int:
        async with slots:
            return await one(space_id)

    return sum(await asyncio.gather(*(limited(space_id) for space_id in space_ids)))


def run_first_pages(settings: Settings) -> list[Comparison]:
    """Benchmark 3 (see the module docstring)."""
    spaces = settings.size(SPACES, 8)
    space_ids = [f"first-pages-{n:03d}" for n in range(spaces)]
    # Spaces draw on the first 20,000 sparse items (each item in two spaces): 200 owners.
    spec = ServerSpec(
        {
            space_id: SpaceSpec(ITEMS_PER_SPACE, first=n % DISTINCT * ITEMS_PER_SPACE)
            for n, space_id in enumerate(space_ids)
        }
    )

    async def main() -> dict[str, tuple[float, ...]]:
        async with (
            serve(spec, mode=settings.server) as host,
            aiohttp.ClientSession() as session,
            GitBookClient(TOKEN, base_url=host.url) as client,
        ):

            def walks(ids: list[str]) -> dict[str, Callable[[], Awaitable[int]]]:
                return {
                    _RAW: lambda: at_once(
                        ids, lambda space_id: first_items_raw(session, host.url, space_id)
                    ),
                    _SDK: lambda: at_once(
                        ids, lambda space_id: first_items_sdk(client, space_id, prefetch=None)
                    ),
                    _SDK_NO_PREFETCH: lambda: at_once(
                        ids, lambda space_id: first_items_sdk(client, space_id, prefetch=0)
                    ),
                }

            for warm_up in walks(space_ids[:AT_ONCE]).values():  # connections, hooks
                await warm_up()
            measured = walks(space_ids)
            return await take_turns(measured, expected=spaces * TAKEN, repeats=settings.repeats())

    runs = asyncio.run(main())
    raw = Measurement("raw aiohttp + json.loads, first page", "s", runs[_RAW])
    title = (
        f"{spaces} spaces x first {TAKEN} items, {AT_ONCE} at once, `async for` + break, no latency"
    )
    return [
        Comparison(
            "3",
            f"{title}: SDK (default prefetch) vs raw",
            Measurement("SDK, default prefetch", "s", runs[_SDK]),
            raw,
            TARGET,
        ),
        Comparison(
            "3i",
            f"{title}: SDK (prefetch=0) vs raw",
            Measurement("SDK, prefetch=0", "s", runs[_SDK_NO_PREFETCH]),
            raw,
        ),
    ]
