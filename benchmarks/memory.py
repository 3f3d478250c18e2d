"""Peak traced memory of a 1,000-page walk against a 10-page walk, each in a fresh process.

A walk whose consumer drops each item should hold about one page (plus the one being
prefetched) whatever its length. Each run is a fresh ``python -m benchmarks.memory URL
SPACE``: it opens a client, warms it up on a 2-page space of other items (connections,
converter hooks), then reads ``tracemalloc``'s peak during the measured walk (20-item
pages, sparse items), above what was allocated before it. The fake runs in yet another
process: only the client's allocations are traced, and nothing carries over between runs.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import sys
import tracemalloc
from typing import Final

from benchmarks._data import TOKEN
from benchmarks._harness import (
    Comparison,
    Direction,
    Measurement,
    ServerSpec,
    Settings,
    SpaceSpec,
    Target,
    python,
    rounds,
    serve,
    walk_sdk,
)
from gitbook_async import GitBookClient

PAGE_SIZE: Final = 20
_MIB: Final = 1024 * 1024


async def peak_of_walk(url: str, space_id: str) -> float:
    """MiB of the traced peak during one walk of ``space_id``, after a warm-up walk."""
    async with GitBookClient(TOKEN, base_url=url) as client:
        await walk_sdk(client, "warm-up", limit=PAGE_SIZE)
        gc.collect()
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            await walk_sdk(client, space_id, limit=PAGE_SIZE)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return (peak - before) / _MIB


def _fresh_process(url: str, space_id: str) -> float:
    return float(python("-m", "benchmarks.memory", url, space_id))


def run_memory(settings: Settings) -> list[Comparison]:
    """Peak traced memory, 1,000 pages against 10 pages of 20 sparse items."""
    pages = {"long": settings.size(1_000, 3), "short": settings.size(10, 2)}
    spaces = {name: SpaceSpec(count * PAGE_SIZE) for name, count in pages.items()}
    spec = ServerSpec({**spaces, "warm-up": SpaceSpec(2 * PAGE_SIZE, first=10**6)})

    async def main() -> dict[str, tuple[float, ...]]:
        async with serve(spec) as host:  # the runs block this loop: the server is elsewhere
            variants = {name: functools.partial(_fresh_process, host.url, name) for name in pages}
            return rounds(variants, settings.repeats())

    runs = asyncio.run(main())
    long, short = pages["long"], pages["short"]
    return [
        Comparison(
            "10",
            f"Peak traced memory (tracemalloc, fresh process), walk of {long:,} pages vs "
            f"{short} pages ({PAGE_SIZE}-item pages, default prefetch, items dropped)",
            Measurement(f"{long:,} pages", "MiB", runs["long"]),
            Measurement(f"{short} pages", "MiB", runs["short"]),
            Target(Direction.AT_MOST, 1.2),
        )
    ]


if __name__ == "__main__":
    print(asyncio.run(peak_of_walk(sys.argv[1], sys.argv[2])))
