"""Benchmarks 1 and 2: walk a long listing, the SDK against raw aiohttp + ``json.loads``.

Same server (in another process), same pages, in the same run, the variants taking turns:
the raw walk is the floor a user could write by hand (HTTP plus JSON decoding into plain
dicts, following ``next.page``); the SDK walk is the documented one, ``async for item in
client.spaces.list_integrations(space_id, limit=100)`` with the default prefetch. Both touch
every item (compare its ``version``), keep one connection pool for the whole benchmark, and
are warmed up once before the measured runs (the SDK builds its converter hooks on first
use).

1. 20,000 items, 100 a page, no latency: on the fully filled items and on the sparse items
   drawn from 200 owners (``benchmarks._data``).
2. 5,000 sparse items, 100 a page, 10 ms of latency per request: with prefetch the SDK can
   hide its own work behind the wait for the next page.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

import aiohttp

from benchmarks._data import TOKEN, DataSet
from benchmarks._host import Host, ServerSpec, SpaceSpec, serve
from benchmarks._measure import Comparison, Direction, Measurement, Target, interleaved
from benchmarks._settings import Settings
from gitbook_async import GitBookClient

ITEMS: Final = 20_000
LATENCY_ITEMS: Final = 5_000
PAGE_SIZE: Final = 100
LATENCY: Final = 0.010
WALK_TARGET: Final = Target(Direction.AT_MOST, 0.8)
LATENCY_TARGET: Final = Target(Direction.AT_MOST, 1.0)
_WARM_UP_ITEMS: Final = 300
_RAW, _SDK = "raw", "sdk"
_RAW_LABEL: Final = "raw aiohttp + json.loads (dicts)"
_SDK_LABEL: Final = "SDK, default prefetch"

Walk = Callable[[], Awaitable[int]]


def endpoint(url: str, space_id: str) -> str:
    """The listing's URL on the fake (``url`` is the server's origin)."""
    return f"{url}/v1/spaces/{space_id}/integrations"


RAW_HEADERS: Final = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
"""What the raw client sends with every request."""


async def walk_raw(
    session: aiohttp.ClientSession, url: str, space_id: str, *, page_size: int
) -> int:
    """Walk a listing with plain aiohttp and ``json.loads``; return the item count."""
    query = {"limit": str(page_size)}
    count = 0
    while True:
        async with session.get(endpoint(url, space_id), params=query, headers=RAW_HEADERS) as r:
            if r.status != 200:
                raise RuntimeError(f"raw walk got HTTP {r.status}")
            body = await r.read()
        page = json.loads(body)
        for item in page["items"]:
            count += item["version"] > 0  # touch every item, as a consumer would
        following = page.get("next")
        if following is None:
            return count
        query = {"limit": str(page_size), "page": following["page"]}


async def walk_sdk(client: GitBookClient, space_id: str, *, page_size: int) -> int:
    """Walk a listing with the SDK (typed ``Integration`` models); return the item count."""
    count = 0
    async for item in client.spaces.list_integrations(space_id, limit=page_size):
        count += item.version > 0
    return count


async def take_turns(
    walks: Mapping[str, Walk], *, expected: int, repeats: int
) -> dict[str, tuple[float, ...]]:
    """Time each walk ``repeats`` times, in rotating order; return seconds per walk."""
    runs: dict[str, list[float]] = {name: [] for name in walks}
    for repeat in range(repeats):
        for name in interleaved(list(walks), repeat):
            started = time.perf_counter()
            seen = await walks[name]()
            runs[name].append(time.perf_counter() - started)
            if seen != expected:
                raise RuntimeError(f"{name} saw {seen} items, not {expected}")
    return {name: tuple(times) for name, times in runs.items()}


async def _walk_pair(
    host: Host, spaces: Mapping[str, int], *, page_size: int, repeats: int
) -> dict[str, dict[str, tuple[float, ...]]]:
    """For each ``{space_id: items}``: raw and SDK walks taking turns (after a warm-up)."""
    results: dict[str, dict[str, tuple[float, ...]]] = {}
    async with aiohttp.ClientSession() as session, GitBookClient(TOKEN, base_url=host.url) as sdk:

        def walks(space_id: str) -> dict[str, Walk]:
            return {
                _RAW: lambda: walk_raw(session, host.url, space_id, page_size=page_size),
                _SDK: lambda: walk_sdk(sdk, space_id, page_size=page_size),
            }

        for space_id, items in spaces.items():
            for warm_up in walks(f"{space_id}-warm-up").values():
                await warm_up()
            results[space_id] = await take_turns(walks(space_id), expected=items, repeats=repeats)
    return results


def _spec(spaces: Mapping[str, SpaceSpec], *, latency: float = 0.0) -> ServerSpec:
    """The spaces, each with a short warm-up twin of the same data set."""
    warm_ups = {
        f"{space_id}-warm-up": SpaceSpec(min(space.count, _WARM_UP_ITEMS), space.data)
        for space_id, space in spaces.items()
    }
    return ServerSpec({**spaces, **warm_ups}, latency=latency)


def _row(key: str, title: str, runs: Mapping[str, tuple[float, ...]], target: Target) -> Comparison:
    return Comparison(
        key,
        title,
        Measurement(_SDK_LABEL, "s", runs[_SDK]),
        Measurement(_RAW_LABEL, "s", runs[_RAW]),
        target,
    )


def run_walk(settings: Settings) -> list[Comparison]:
    """Benchmark 1: 20,000 items, no latency, on both data sets (see the module docstring)."""
    items = settings.size(ITEMS, 60)
    page_size = settings.size(PAGE_SIZE, 20)
    spaces = {"walk-full": SpaceSpec(items, DataSet.FULL), "walk-sparse": SpaceSpec(items)}

    async def main() -> dict[str, dict[str, tuple[float, ...]]]:
        async with serve(_spec(spaces), mode=settings.server) as host:
            return await _walk_pair(
                host, dict.fromkeys(spaces, items), page_size=page_size, repeats=settings.repeats()
            )

    runs = asyncio.run(main())
    title = f"Walk {items:,} items, page size {page_size}, no latency"
    return [
        _row("1a", f"{title}, fully filled items: SDK vs raw", runs["walk-full"], WALK_TARGET),
        _row(
            "1b",
            f"{title}, sparse items from 200 owners: SDK vs raw",
            runs["walk-sparse"],
            WALK_TARGET,
        ),
    ]


def run_latency_walk(settings: Settings) -> list[Comparison]:
    """Benchmark 2: 5,000 sparse items, 10 ms latency per request (see the module docstring)."""
    items = settings.size(LATENCY_ITEMS, 60)
    page_size = settings.size(PAGE_SIZE, 20)
    spaces = {"walk-latency": SpaceSpec(items)}

    async def main() -> dict[str, dict[str, tuple[float, ...]]]:
        async with serve(_spec(spaces, latency=LATENCY), mode=settings.server) as host:
            return await _walk_pair(
                host, dict.fromkeys(spaces, items), page_size=page_size, repeats=settings.repeats()
            )

    runs = asyncio.run(main())
    title = (
        f"Walk {items:,} sparse items, page size {page_size}, "
        f"{LATENCY * 1000:.0f} ms latency per request: SDK vs raw"
    )
    return [_row("2", title, runs["walk-latency"], LATENCY_TARGET)]
