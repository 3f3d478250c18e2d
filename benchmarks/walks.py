"""Walks against the fake GitBook: the SDK against what a user writes by hand.

The raw floor is plain aiohttp: GET, ``read()``, ``json.loads``, follow ``next.page``,
read each item's ``version``; the SDK walk is ``async for item in
client.spaces.list_integrations(space_id, limit=...)`` reading ``item.version``. One
connection pool per variant for the whole benchmark, a warm-up first, runs in turns.

- walk: 20,000 items, 100 a page, no latency: fully filled items, sparse items from 200
  owners, and sparse items carrying fields newer than the models (``extra_fields``).
- latency: 5,000 sparse items, 100 a page, 10 ms of latency per request.
- first-pages: 200 spaces x first page, 16 at once, ``async for`` + ``break`` after 100
  items (each space holds two pages); raw with ``json.loads`` and with orjson.
- concurrency: 500 spaces x one page, 10 ms latency, ``list_integrations_many`` against
  one by one; TCP connections counted by the server (fresh client per run).
- prefetch: 50 pages of the default size, 10 ms latency and 10 ms of caller work per page,
  prefetch=1 (and 2) against prefetch=0.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, Final

import aiohttp

from benchmarks._data import TOKEN, DataSet
from benchmarks._harness import (
    RAW_HEADERS,
    Check,
    Comparison,
    Direction,
    Measurement,
    ServerSpec,
    Settings,
    SpaceSpec,
    Target,
    async_rounds,
    at_once,
    endpoint,
    serve,
    timed,
    walk_raw,
    walk_sdk,
)
from gitbook_async import GitBookClient

LATENCY: Final = 0.010
WALK_RUNS: Final = 7  # the CPU-bound walks are the noisiest on a shared machine
RAW: Final = "raw aiohttp + json.loads"
SDK: Final = "SDK, default prefetch"


def _seconds(label: str, runs: tuple[float, ...]) -> Measurement:
    return Measurement(label, "s", runs)


async def _raw_vs_sdk(
    spec: ServerSpec, items: int, limit: int, repeats: int
) -> dict[str, tuple[float, ...]]:
    """Walk the space ``"walk"`` raw and with the SDK, in turns (warm-up: ``"warm-up"``)."""
    async with (
        serve(spec) as host,
        aiohttp.ClientSession() as session,
        GitBookClient(TOKEN, base_url=host.url) as client,
    ):
        await walk_raw(session, host.url, "warm-up", limit=limit)  # connections, hooks
        await walk_sdk(client, "warm-up", limit=limit)
        variants = {
            "raw": timed(
                functools.partial(walk_raw, session, host.url, "walk", limit=limit), items
            ),
            "sdk": timed(functools.partial(walk_sdk, client, "walk", limit=limit), items),
        }
        return await async_rounds(variants, repeats, warm_up=False)


def _walk_spec(
    items: int, data: DataSet, *, latency: float = 0.0, extra: bool = False
) -> ServerSpec:
    spaces = {"walk": SpaceSpec(items, data), "warm-up": SpaceSpec(min(items, 300), data, 10**6)}
    return ServerSpec(spaces, latency=latency, extra_fields=extra)


def run_walk(settings: Settings) -> list[Comparison]:
    """20,000 items, page size 100, no latency, on three kinds of items."""
    items, limit = settings.size(20_000, 60), settings.size(100, 20)
    title = f"Walk {items:,} items, page size {limit}, no latency"
    cases = (
        ("1a", "fully filled items", DataSet.FULL, False, 0.6),
        ("1b", "sparse items from 200 owners", DataSet.SPARSE, False, 0.6),
        ("1c", "sparse items with fields newer than the models", DataSet.SPARSE, True, 0.7),
    )
    rows = []
    for key, what, data, extra, goal in cases:
        spec = _walk_spec(items, data, extra=extra)
        runs = asyncio.run(_raw_vs_sdk(spec, items, limit, settings.repeats(WALK_RUNS)))
        rows.append(
            Comparison(
                key,
                f"{title}, {what}: SDK vs raw",
                _seconds(SDK, runs["sdk"]),
                _seconds(RAW, runs["raw"]),
                Target(Direction.AT_MOST, goal),
            )
        )
    return rows


def run_latency(settings: Settings) -> list[Comparison]:
    """5,000 sparse items, page size 100, 10 ms latency per request."""
    items, limit = settings.size(5_000, 60), settings.size(100, 20)
    spec = _walk_spec(items, DataSet.SPARSE, latency=LATENCY)
    runs = asyncio.run(_raw_vs_sdk(spec, items, limit, settings.repeats(WALK_RUNS)))
    return [
        Comparison(
            "2",
            f"Walk {items:,} sparse items, page size {limit}, 10 ms latency per request: "
            "SDK vs raw",
            _seconds(SDK, runs["sdk"]),
            _seconds(RAW, runs["raw"]),
            Target(Direction.AT_MOST, 1.0),
        )
    ]


def _orjson_loads() -> Callable[[bytes], Any]:
    """``orjson.loads`` (the ``bench`` extra), or ``json.loads`` if orjson is missing."""
    try:
        loads: Callable[[bytes], Any] = importlib.import_module("orjson").loads
    except ImportError:
        return json.loads
    return loads


async def first_items_raw(
    session: aiohttp.ClientSession, url: str, space_id: str, loads: Callable[[bytes], Any]
) -> int:
    """The first page of a space (100 items), raw; return the items read."""
    query = {"limit": "100"}
    async with session.get(endpoint(url, space_id), params=query, headers=RAW_HEADERS) as r:
        if r.status != 200:
            raise RuntimeError(f"the raw listing got HTTP {r.status}")
        body = await r.read()
    count = 0
    for item in loads(body)["items"]:
        count += item["version"] > 0
    return count


async def first_items_sdk(client: GitBookClient, space_id: str) -> int:
    """``async for`` over a space's listing (limit 100), ``break`` after 100 items."""
    count = 0
    async for item in client.spaces.list_integrations(space_id, limit=100):
        count += item.version > 0
        if count == 100:
            break
    return count


def run_first_pages(settings: Settings) -> list[Comparison]:
    """200 spaces x their first 100 items, 16 at once; each space holds two pages."""
    spaces = settings.size(200, 8)
    ids = [f"first-pages-{n:03d}" for n in range(spaces)]
    # Spaces draw on the first 20,000 sparse items (each item in two spaces): 200 owners.
    spec = ServerSpec({s: SpaceSpec(200, first=n % 100 * 200) for n, s in enumerate(ids)})

    async def main() -> dict[str, tuple[float, ...]]:
        async with (
            serve(spec) as host,
            aiohttp.ClientSession() as session,
            GitBookClient(TOKEN, base_url=host.url) as client,
        ):
            walks: dict[str, Callable[[str], Awaitable[int]]] = {
                "raw": lambda s: first_items_raw(session, host.url, s, json.loads),
                "orjson": lambda s: first_items_raw(session, host.url, s, _orjson_loads()),
                "sdk": lambda s: first_items_sdk(client, s),
            }
            variants = {
                name: timed(functools.partial(at_once, ids, walk, 16), spaces * 100)
                for name, walk in walks.items()
            }
            return await async_rounds(variants, settings.repeats(WALK_RUNS))

    runs = asyncio.run(main())
    title = f"{spaces} spaces x first page, 16 at once, `async for` + break after 100 items"
    sdk = _seconds(SDK, runs["sdk"])
    return [
        Comparison(
            "3",
            f"{title}: SDK vs raw",
            sdk,
            _seconds(RAW, runs["raw"]),
            Target(Direction.AT_MOST, 0.8),
        ),
        Comparison(
            "3i",
            f"{title}: SDK vs raw with orjson",
            sdk,
            _seconds("raw aiohttp + orjson.loads", runs["orjson"]),
        ),
    ]


def run_concurrency(settings: Settings) -> list[Comparison]:
    """500 spaces x one page, 10 ms latency: bounded concurrency against one by one."""
    spaces = settings.size(500, 20)
    ids = [f"space-{n:04d}" for n in range(spaces)]
    spec = ServerSpec({s: SpaceSpec(1, first=n) for n, s in enumerate(ids)}, latency=LATENCY)
    connections: list[int] = []

    async def concurrent(client: GitBookClient) -> int:
        items = 0
        async with client.spaces.list_integrations_many(ids) as results:
            async for result in results:
                items += len(result.unwrap())
        return items

    async def sequential(client: GitBookClient) -> int:
        items = 0
        for space_id in ids:
            items += len(await client.spaces.list_integrations(space_id, prefetch=0).collect())
        return items

    async def main() -> dict[str, tuple[float, ...]]:
        async with serve(spec) as host:

            def fresh(
                walk: Callable[[GitBookClient], Awaitable[int]], counted: bool
            ) -> Callable[[], Awaitable[float]]:
                async def run() -> int:  # a fresh client: its connections start at 0
                    await host.reset()
                    async with GitBookClient(TOKEN, base_url=host.url) as client:
                        items = await walk(client)
                    if counted:
                        connections.append((await host.stats()).connections)
                    return items

                return timed(run, spaces)

            async def raw() -> int:
                connector = aiohttp.TCPConnector(limit=16)
                async with aiohttp.ClientSession(connector=connector) as session:
                    return await at_once(
                        ids, lambda s: first_items_raw(session, host.url, s, json.loads), 16
                    )

            variants = {
                "many": fresh(concurrent, True),
                "sequential": fresh(sequential, False),
                "raw": timed(raw, spaces),
            }
            return await async_rounds(variants, settings.repeats())

    runs = asyncio.run(main())
    measured = connections[1:]  # the first run was the warm-up
    title = f"{spaces} spaces x 1 integration, one page each, 10 ms latency"
    many = _seconds("list_integrations_many", runs["many"])
    return [
        Comparison(
            "7",
            f"{title}: list_integrations_many (concurrency 16) vs one by one",
            many,
            _seconds("SDK, one space after the other", runs["sequential"]),
            Target(Direction.AT_LEAST, 12.0),
            speedup=True,
            checks=(
                Check(
                    "TCP connections opened per concurrent run, counted by the server: "
                    f"{', '.join(map(str, measured))} (at most 16 allowed)",
                    max(measured) <= 16,
                ),
            ),
        ),
        Comparison(
            "7i",
            f"{title}: list_integrations_many vs raw aiohttp + json.loads, 16 in flight",
            many,
            _seconds("raw, 16 in flight", runs["raw"]),
        ),
    ]


def run_prefetch(settings: Settings) -> list[Comparison]:
    """50 pages of the default size (20), 10 ms latency and 10 ms caller work per page."""
    pages = settings.size(50, 2)
    spec = ServerSpec({"prefetch": SpaceSpec(pages * 20)}, latency=LATENCY)

    async def consume(client: GitBookClient, prefetch: int) -> int:
        count = 0
        async with client.spaces.list_integrations("prefetch", prefetch=prefetch).pages() as walk:
            async for _page in walk:
                count += 1
                await asyncio.sleep(0.010)
        return count

    async def main() -> dict[int, tuple[float, ...]]:
        async with serve(spec) as host, GitBookClient(TOKEN, base_url=host.url) as client:
            variants = {n: timed(functools.partial(consume, client, n), pages) for n in (1, 0, 2)}
            return await async_rounds(variants, settings.repeats())

    runs = asyncio.run(main())
    title = f"{pages} pages, default page size (20), 10 ms latency + 10 ms caller work per page"
    sequential = _seconds("prefetch=0", runs[0])
    return [
        Comparison(
            "9",
            f"{title}: prefetch=1 vs prefetch=0",
            _seconds("prefetch=1", runs[1]),
            sequential,
            Target(Direction.AT_MOST, 0.6),
        ),
        Comparison(
            "9i", f"{title}: prefetch=2 vs prefetch=0", _seconds("prefetch=2", runs[2]), sequential
        ),
    ]
