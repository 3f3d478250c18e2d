"""Benchmark 1: walk 20,000 items at page size 100, the SDK against raw aiohttp + ``json.loads``.

Same server, same pages, same event loop, in the same run: the raw walk is the floor (HTTP
plus JSON decoding into plain dicts); the SDK adds typed models, validation, retries and
the paginator. Both keep one connection pool for the whole benchmark and are warmed up
once (the SDK builds its converter hooks on first use) before the measured runs.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Final

import aiohttp

from benchmarks._data import TOKEN
from benchmarks._host import HostMode, ServerSpec, serve
from benchmarks._measure import MIN_RUNS, Comparison, Direction, Measurement, Target, interleaved
from gitbook_async import GitBookClient

SPACE_ID: Final = "bench-walk"
WARM_UP_SPACE_ID: Final = "bench-warm-up"
_WARM_UP_ITEMS: Final = 300
ITEMS: Final = 20_000
PAGE_SIZE: Final = 100
TARGET: Final = Target(Direction.AT_MOST, 1.3)
_RAW, _PREFETCH, _NO_PREFETCH = "raw", "sdk-prefetch-1", "sdk-prefetch-0"


async def walk_raw(
    session: aiohttp.ClientSession, url: str, space_id: str, *, page_size: int
) -> int:
    """Walk a listing with plain aiohttp and ``json.loads``; return the item count."""
    endpoint = f"{url}/v1/spaces/{space_id}/integrations"
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    query = {"limit": str(page_size)}
    count = 0
    while True:
        async with session.get(endpoint, params=query, headers=headers) as response:
            if response.status != 200:
                raise RuntimeError(f"raw walk got HTTP {response.status}")
            body = await response.read()
        page = json.loads(body)
        for item in page["items"]:
            count += item["version"] > 0  # touch every item, as a consumer would
        following = page.get("next")
        if following is None:
            return count
        query = {"limit": str(page_size), "page": following["page"]}


async def walk_sdk(client: GitBookClient, space_id: str, *, page_size: int, prefetch: int) -> int:
    """Walk a listing with the SDK (typed ``Integration`` models); return the item count."""
    count = 0
    listing = client.spaces.list_integrations(space_id, limit=page_size, prefetch=prefetch)
    async for item in listing:
        count += item.version > 0
    return count


async def _run(items: int, page_size: int, repeats: int, mode: HostMode) -> list[Comparison]:
    runs: dict[str, list[float]] = {_RAW: [], _PREFETCH: [], _NO_PREFETCH: []}
    warm_up_items = min(items, _WARM_UP_ITEMS)
    spec = ServerSpec({SPACE_ID: items, WARM_UP_SPACE_ID: warm_up_items})
    async with serve(spec, mode=mode) as host:
        client = GitBookClient(TOKEN, base_url=host.url)
        async with aiohttp.ClientSession() as session, client:

            def variants(space_id: str) -> dict[str, Callable[[], Awaitable[int]]]:
                return {
                    _RAW: lambda: walk_raw(session, host.url, space_id, page_size=page_size),
                    _PREFETCH: lambda: walk_sdk(client, space_id, page_size=page_size, prefetch=1),
                    _NO_PREFETCH: lambda: walk_sdk(
                        client, space_id, page_size=page_size, prefetch=0
                    ),
                }

            # Warm-up on a short listing: connections, and the SDK's converter hooks.
            for walk in variants(WARM_UP_SPACE_ID).values():
                if await walk() != warm_up_items:
                    raise RuntimeError("a walk did not see every item")
            measured = variants(SPACE_ID)
            for repeat in range(repeats):
                for name in interleaved(list(measured), repeat):
                    started = time.perf_counter()
                    seen = await measured[name]()
                    runs[name].append(time.perf_counter() - started)
                    if seen != items:
                        raise RuntimeError(f"{name} saw {seen} items, not {items}")
    raw = Measurement("raw aiohttp + json.loads (dicts)", "s", tuple(runs[_RAW]))
    title = f"Walk {items:,} items, page size {page_size}"
    return [
        Comparison(
            "1a",
            f"{title}: SDK (prefetch=1, default) vs raw",
            Measurement("SDK, prefetch=1", "s", tuple(runs[_PREFETCH])),
            raw,
            TARGET,
        ),
        Comparison(
            "1b",
            f"{title}: SDK (prefetch=0) vs raw",
            Measurement("SDK, prefetch=0", "s", tuple(runs[_NO_PREFETCH])),
            raw,
            TARGET,
        ),
    ]


def bench_walk(
    *,
    items: int = ITEMS,
    page_size: int = PAGE_SIZE,
    repeats: int = MIN_RUNS,
    mode: HostMode = HostMode.IN_PROCESS,
) -> list[Comparison]:
    """Benchmark 1 (see the module docstring)."""
    return asyncio.run(_run(items, page_size, repeats, mode))
