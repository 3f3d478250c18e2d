"""Benchmark 10 (from issue 5): peak memory of a walk of 1,000 pages against one of 10 pages.

The consumer drops each item once seen, so a walk should hold about one page (plus the one
being prefetched) whatever its length. Measured with ``tracemalloc``: the peak of traced
Python allocations during the walk, above what was allocated before it. The client is
warmed up first (converter hooks, connection pool, aiohttp's buffers), so that one-time
allocations count in neither walk.

``tracemalloc`` rather than RSS: RSS only grows (the allocator keeps freed arenas), a fresh
process per run would add import noise, and RSS would count the fake server's memory when
it runs in-process. For the same reason the fake runs in a child process here by default:
only the client's allocations are traced.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from typing import Final

from benchmarks._data import TOKEN
from benchmarks._host import HostMode, ServerSpec, SpaceSpec, serve
from benchmarks._measure import Comparison, Direction, Measurement, Target, interleaved
from benchmarks._settings import Settings
from gitbook_async import GitBookClient

TARGET: Final = Target(Direction.AT_MOST, 1.2)
_MIB: Final = 1024 * 1024


async def walk(client: GitBookClient, space_id: str, *, page_size: int) -> int:
    """Walk a listing, dropping every item; return how many were seen."""
    count = 0
    async for item in client.spaces.list_integrations(space_id, limit=page_size):
        count += item.version > 0
    return count


async def _peak(client: GitBookClient, space_id: str, *, page_size: int, items: int) -> float:
    """MiB of the traced peak during one walk, above the memory in use before it."""
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        seen = await walk(client, space_id, page_size=page_size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    if seen != items:
        raise RuntimeError(f"walked {seen} items, not {items}")
    return (peak - before) / _MIB


LONG_PAGES: Final = 1_000
SHORT_PAGES: Final = 10
PAGE_SIZE: Final = 10


def run_memory(settings: Settings) -> list[Comparison]:
    """Benchmark 10 (see the module docstring); the fake always runs in a child process."""
    long_pages = settings.size(LONG_PAGES, 3)
    short_pages = settings.size(SHORT_PAGES, 2)
    page_size = settings.size(PAGE_SIZE, 2)
    return [asyncio.run(_run(long_pages, short_pages, page_size, settings.repeats()))]


async def _run(long_pages: int, short_pages: int, page_size: int, repeats: int) -> Comparison:
    walks = {"long": long_pages * page_size, "short": short_pages * page_size}
    spec = ServerSpec({f"bench-memory-{name}": SpaceSpec(items) for name, items in walks.items()})
    runs: dict[str, list[float]] = {name: [] for name in walks}
    async with (
        serve(spec, mode=HostMode.SUBPROCESS) as host,
        GitBookClient(TOKEN, base_url=host.url) as client,
    ):
        await walk(client, "bench-memory-short", page_size=page_size)  # warm-up
        for repeat in range(repeats):
            for name in interleaved(list(walks), repeat):
                runs[name].append(
                    await _peak(
                        client, f"bench-memory-{name}", page_size=page_size, items=walks[name]
                    )
                )
    return Comparison(
        "10",
        f"Peak traced memory, walk of {long_pages:,} pages vs {short_pages} pages "
        f"(limit={page_size}, prefetch=1, items dropped)",
        Measurement(f"{long_pages:,} pages", "MiB", tuple(runs["long"])),
        Measurement(f"{short_pages} pages", "MiB", tuple(runs["short"])),
        TARGET,
    )
