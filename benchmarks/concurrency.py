"""Benchmark 7: 500 spaces, one page each, 10 ms latency: bounded concurrency vs one by one.

``client.spaces.list_integrations_many(space_ids)`` (the client's default
``max_concurrency=16``) against awaiting ``list_integrations(space_id).collect()`` for each
space in turn. Each run uses a fresh client, so that the connections counted are the ones
that run opened: the server counts them itself (distinct client ``(host, port)`` peers, see
``_host.py``), and at most 16 may appear. For information, the concurrent run against plain
aiohttp + ``json.loads`` with 16 requests in flight (a semaphore): the SDK's overhead when
requests overlap.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Final

import aiohttp

from benchmarks._data import TOKEN
from benchmarks._host import ServerSpec, SpaceSpec, serve
from benchmarks._measure import Check, Comparison, Direction, Measurement, Target, interleaved
from benchmarks._settings import Settings
from gitbook_async import GitBookClient

TARGET: Final = Target(Direction.AT_LEAST, 12.0)
MAX_CONNECTIONS: Final = 16
LATENCY: Final = 0.010
_SDK_CONCURRENT, _SDK_SEQUENTIAL = "sdk-concurrent", "sdk-sequential"
_RAW_CONCURRENT = "raw-concurrent"


async def list_concurrently(client: GitBookClient, space_ids: list[str]) -> int:
    """List every space with ``list_integrations_many`` (default concurrency); return items."""
    items = 0
    async with client.spaces.list_integrations_many(space_ids) as results:
        async for result in results:
            items += len(result.unwrap())
    return items


async def list_sequentially(client: GitBookClient, space_ids: list[str]) -> int:
    """List every space, one after the other; return the number of items."""
    items = 0
    for space_id in space_ids:
        items += len(await client.spaces.list_integrations(space_id, prefetch=0).collect())
    return items


async def _raw_list(session: aiohttp.ClientSession, url: str, space_id: str) -> int:
    endpoint = f"{url}/v1/spaces/{space_id}/integrations"
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    async with session.get(endpoint, headers=headers) as response:
        if response.status != 200:
            raise RuntimeError(f"raw listing got HTTP {response.status}")
        body = await response.read()
    return len(json.loads(body)["items"])


async def raw_concurrently(session: aiohttp.ClientSession, url: str, space_ids: list[str]) -> int:
    """The floor: plain aiohttp + ``json.loads``, 16 requests in flight (a semaphore)."""
    slots = asyncio.Semaphore(MAX_CONNECTIONS)

    async def one(space_id: str) -> int:
        async with slots:
            return await _raw_list(session, url, space_id)

    return sum(await asyncio.gather(*(one(space_id) for space_id in space_ids)))


async def _walk(variant: str, url: str, space_ids: list[str]) -> int:
    """Run one variant with a fresh client (or session), so its connections start at 0."""
    if variant.startswith("sdk"):
        async with GitBookClient(TOKEN, base_url=url) as client:
            walk = list_concurrently if variant == _SDK_CONCURRENT else list_sequentially
            return await walk(client, space_ids)
    connector = aiohttp.TCPConnector(limit=MAX_CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as session:
        return await raw_concurrently(session, url, space_ids)


SPACES: Final = 500
ITEMS_PER_SPACE: Final = 1


def run_concurrency(settings: Settings) -> list[Comparison]:
    """Benchmark 7 (see the module docstring)."""
    spaces = settings.size(SPACES, 20)
    return asyncio.run(_run(spaces, ITEMS_PER_SPACE, settings))


async def _run(spaces: int, items_per_space: int, settings: Settings) -> list[Comparison]:
    space_ids = [f"bench-space-{n:04d}" for n in range(spaces)]
    spec = ServerSpec(
        {
            space_id: SpaceSpec(items_per_space, first=n * items_per_space)
            for n, space_id in enumerate(space_ids)
        },
        latency=LATENCY,
    )
    variants = [_SDK_CONCURRENT, _SDK_SEQUENTIAL, _RAW_CONCURRENT]
    runs: dict[str, list[float]] = {variant: [] for variant in variants}
    connections: list[int] = []
    async with serve(spec, mode=settings.server) as host:
        for variant in variants:  # warm-up: converter hooks, the server's first connections
            await _walk(variant, host.url, space_ids[:MAX_CONNECTIONS])
        for repeat in range(settings.repeats()):
            for variant in interleaved(variants, repeat):
                await host.reset()
                started = time.perf_counter()
                items = await _walk(variant, host.url, space_ids)
                runs[variant].append(time.perf_counter() - started)
                stats = await host.stats()
                if items != spaces * items_per_space or stats.requests != spaces:
                    raise RuntimeError(f"{variant}: {items} items in {stats.requests} requests")
                if variant == _SDK_CONCURRENT:
                    connections.append(stats.connections)
    title = f"{spaces} spaces x {items_per_space} integration(s), one page each, 10 ms latency"
    return [
        Comparison(
            "7",
            f"{title}: list_integrations_many (concurrency 16) vs sequential",
            Measurement("list_integrations_many", "s", tuple(runs[_SDK_CONCURRENT])),
            Measurement("SDK, sequential", "s", tuple(runs[_SDK_SEQUENTIAL])),
            TARGET,
            speedup=True,
            checks=(
                Check(
                    f"TCP connections opened per concurrent run, counted server-side: "
                    f"{', '.join(map(str, connections))} (at most {MAX_CONNECTIONS} allowed)",
                    max(connections) <= MAX_CONNECTIONS,
                ),
            ),
        ),
        Comparison(
            "7i",
            f"{title}: list_integrations_many vs raw aiohttp + json.loads, 16 in flight",
            Measurement("list_integrations_many", "s", tuple(runs[_SDK_CONCURRENT])),
            Measurement("raw, 16 in flight", "s", tuple(runs[_RAW_CONCURRENT])),
        ),
    ]
