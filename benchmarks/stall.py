"""Benchmark 5: the worst event-loop stall while walking, SDK against a raw walk.

A web app that walks a listing shares its event loop with every other request it serves:
whatever the walk does between two ``await`` points (decoding and structuring a page)
delays all of them. A ticker task sleeps ``TICK`` seconds at a time and records how late
each wake-up comes; a walk's figure is its worst lateness. The walks cover the same 5,000
sparse items with 100-item and 1,000-item pages, the SDK (default prefetch) against plain
aiohttp + ``json.loads`` (which decodes a whole page in one go, so it stalls the loop too:
the target allows the SDK 1.2x of that). Wall-clock lateness is what other tasks feel, but
on a busy machine it also counts the times the process was descheduled; for information,
the same walks' worst stalls as CPU time of the loop's thread between two wake-ups.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

import aiohttp

from benchmarks._data import TOKEN
from benchmarks._host import ServerSpec, SpaceSpec, serve
from benchmarks._measure import Comparison, Direction, Measurement, Target, interleaved
from benchmarks._settings import Settings
from benchmarks.walk import walk_raw, walk_sdk
from gitbook_async import GitBookClient

TARGET: Final = Target(Direction.AT_MOST, 1.2)
ITEMS: Final = 5_000
PAGE_SIZES: Final = (100, 1_000)
TICK: Final = 0.002
REPEATS: Final = 7  # maxima are noisy: more rounds than the minimum
_SPACE: Final = "stall"
_RAW, _SDK = "raw", "sdk"


@dataclass(frozen=True)
class Stall:
    """The worst stall of one walk, in milliseconds of wall clock and of the loop's CPU."""

    wall: float
    cpu: float


async def worst_stall(walk: Callable[[], Awaitable[int]], *, expected: int) -> Stall:
    """The latest wake-up of a ``TICK`` ticker while ``walk`` runs.

    ``wall`` is how late the ticker woke (what other tasks feel, machine noise included);
    ``cpu`` is the most CPU time the loop's thread spent between two wake-ups (what ran
    without yielding, insensitive to the process being descheduled on a busy machine).
    """
    loop = asyncio.get_running_loop()
    worst = Stall(0.0, 0.0)
    walking = True

    async def tick() -> None:
        nonlocal worst
        cpu = time.thread_time()
        while walking:
            due = loop.time() + TICK
            await asyncio.sleep(TICK)
            late, now = loop.time() - due, time.thread_time()
            worst = Stall(max(worst.wall, late * 1000), max(worst.cpu, (now - cpu) * 1000))
            cpu = now

    ticker = asyncio.ensure_future(tick())
    try:
        seen = await walk()
    finally:
        walking = False
        await ticker
    if seen != expected:
        raise RuntimeError(f"walked {seen} items, not {expected}")
    return worst


def run_stall(settings: Settings) -> list[Comparison]:
    """Benchmark 5 (see the module docstring)."""
    items = settings.size(ITEMS, 40)
    sizes = (10, 40) if settings.quick else PAGE_SIZES
    spec = ServerSpec({_SPACE: SpaceSpec(items)})

    async def main() -> dict[tuple[str, int], list[Stall]]:
        async with (
            serve(spec, mode=settings.server) as host,
            aiohttp.ClientSession() as session,
            GitBookClient(TOKEN, base_url=host.url) as client,
        ):
            walks: dict[tuple[str, int], Callable[[], Awaitable[int]]] = {}
            for size in sizes:
                walks[_RAW, size] = functools.partial(
                    walk_raw, session, host.url, _SPACE, page_size=size
                )
                walks[_SDK, size] = functools.partial(walk_sdk, client, _SPACE, page_size=size)
            for walk in walks.values():  # warm-up: connections, hooks
                await walk()
            runs: dict[tuple[str, int], list[Stall]] = {key: [] for key in walks}
            for repeat in range(settings.repeats(REPEATS)):
                for key in interleaved(list(walks), repeat):
                    runs[key].append(await worst_stall(walks[key], expected=items))
            return runs

    runs = asyncio.run(main())

    def stalls(key: tuple[str, int], label: str, *, cpu: bool = False) -> Measurement:
        values = tuple(stall.cpu if cpu else stall.wall for stall in runs[key])
        return Measurement(label, "ms", values)

    rows = []
    for keys, size in zip((("5a", "5i"), ("5b", "5ii")), sizes, strict=True):
        title = f"Worst event-loop stall walking {items:,} sparse items, {size:,}-item pages"
        rows += [
            Comparison(
                keys[0],
                f"{title}: SDK vs raw",
                stalls((_SDK, size), "SDK, default prefetch"),
                stalls((_RAW, size), "raw aiohttp + json.loads"),
                TARGET,
            ),
            Comparison(
                keys[1],
                f"{title}, as CPU time of the loop's thread between two ticks: SDK vs raw",
                stalls((_SDK, size), "SDK, default prefetch", cpu=True),
                stalls((_RAW, size), "raw aiohttp + json.loads", cpu=True),
            ),
        ]
    return rows
