"""Benchmark 9 (from issue 5): prefetch=1 against prefetch=0 with a slow server and a slow consumer.

The server answers after 10 ms; the caller spends 10 ms on each page
(``await asyncio.sleep(0.01)``); 50 pages. Without prefetch the two waits add up; with it the
next page is fetched (and parsed) while the caller works on the current one.

The walk uses the fake's default page size (20, what ``list_integrations()`` gets without
``limit=``). A second row, for information, runs ``prefetch=2``: two pages in flight, for
when one fetch takes longer than the caller's work on one page.
"""

from __future__ import annotations

import asyncio
import time
from typing import Final

from benchmarks._data import TOKEN
from benchmarks._host import ServerSpec, SpaceSpec, serve
from benchmarks._measure import Comparison, Direction, Measurement, Target, interleaved
from benchmarks._settings import Settings
from gitbook_async import GitBookClient

TARGET: Final = Target(Direction.AT_MOST, 0.6)
LATENCY: Final = 0.010
CALLER_WORK: Final = 0.010
DEFAULT_PAGE_SIZE: Final = 20  # the fake's default, used when no limit= is sent


async def consume(
    client: GitBookClient, space_id: str, *, prefetch: int, page_size: int | None, work: float
) -> int:
    """Walk the pages, spending ``work`` seconds on each; return the page count."""
    pages = 0
    listing = client.spaces.list_integrations(space_id, limit=page_size, prefetch=prefetch)
    async with listing.pages() as walk:
        async for _page in walk:
            pages += 1
            await asyncio.sleep(work)
    return pages


PAGES: Final = 50


def run_prefetch(settings: Settings) -> list[Comparison]:
    """Benchmark 9 (see the module docstring); the fake's default page size (no ``limit``)."""
    return asyncio.run(_run(settings.size(PAGES, 2), None, settings))


async def _run(pages: int, page_size: int | None, settings: Settings) -> list[Comparison]:
    size = page_size or DEFAULT_PAGE_SIZE
    space_id = f"bench-prefetch-{size}"
    runs: dict[int, list[float]] = {1: [], 0: [], 2: []}
    spec = ServerSpec({space_id: SpaceSpec(pages * size)}, latency=LATENCY)
    async with (
        serve(spec, mode=settings.server) as host,
        GitBookClient(TOKEN, base_url=host.url) as client,
    ):
        await consume(client, space_id, prefetch=1, page_size=page_size, work=0)  # warm-up
        for repeat in range(settings.repeats()):
            for prefetch in interleaved(list(runs), repeat):
                started = time.perf_counter()
                seen = await consume(
                    client, space_id, prefetch=prefetch, page_size=page_size, work=CALLER_WORK
                )
                runs[prefetch].append(time.perf_counter() - started)
                if seen != pages:
                    raise RuntimeError(f"walked {seen} pages, not {pages}")
    shown = f"default page size ({size})" if page_size is None else f"limit={page_size}"
    title = f"{pages} pages, {shown}, 10 ms latency + 10 ms caller work per page"
    sequential = Measurement("prefetch=0", "s", tuple(runs[0]))
    return [
        Comparison(
            "9",
            f"{title}: prefetch=1 vs prefetch=0",
            Measurement("prefetch=1", "s", tuple(runs[1])),
            sequential,
            TARGET,
        ),
        Comparison(
            "9i",
            f"{title}: prefetch=2 vs prefetch=0",
            Measurement("prefetch=2", "s", tuple(runs[2])),
            sequential,
        ),
    ]
