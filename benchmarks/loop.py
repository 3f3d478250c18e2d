"""What a walk costs the rest of the event loop: reference cycles and stalls.

- cycles: walks that end early (``break`` after 50 items, an exception raised by the caller
  at item 150, the task cancelled at its first wait after page 1, a page 2 whose 150th item
  has a string ``version``) should leave nothing to the cyclic collector. With the
  collector off, 10 such walks over 100-item pages, a 0.1 s pause, then ``gc.collect()``:
  the number it returns is what they left in cycles. The SDK (default prefetch and
  ``prefetch=0``) against the raw walk doing the same.
- stall: a ticker sleeps 2 ms at a time and records how late it wakes while 5,000 sparse
  items are walked (100- and 1,000-item pages): a walk's figure is its latest wake-up
  (wall clock), and, for information, the most CPU time the loop's thread spent between
  two wake-ups.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final

import aiohttp

from benchmarks._data import TOKEN
from benchmarks._harness import (
    Comparison,
    Direction,
    Measurement,
    ServerSpec,
    Settings,
    SpaceSpec,
    Target,
    async_rounds,
    raw_pages,
    serve,
    walk_raw,
    walk_sdk,
)
from gitbook_async import GitBookClient, GitBookError

ENDINGS: Final = ("break", "raise", "cancel", "invalid")


class CallerError(Exception):
    """Raised by the benchmark's own loop body (the "raise" ending)."""


async def _raw_items(session: aiohttp.ClientSession, url: str, space_id: str) -> AsyncIterator[Any]:
    async for page in raw_pages(session, url, space_id, limit=100):
        for item in page["items"]:
            yield item


async def _walk_until(items: AsyncIterator[Any], ending: str, taken: asyncio.Event) -> None:
    count = 0
    async for item in items:
        version = item["version"] if isinstance(item, dict) else item.version
        count += version > 0  # a string version fails here in the raw walk
        if ending == "break" and count == 50:
            break
        if ending == "raise" and count == 150:
            raise CallerError("the caller gave up")
        if ending == "cancel" and count == 100:
            taken.set()  # the canceller runs when this walk next waits (for page 2)


async def _end_early(items: Callable[[str], AsyncIterator[Any]], ending: str) -> None:
    """One walk that ends early. Only the cancelled one runs in a task of its own: a task
    keeps the exception that ended it, which would put the harness's objects in a cycle."""
    taken = asyncio.Event()
    walk = _walk_until(items("invalid" if ending == "invalid" else "cycles"), ending, taken)
    try:
        if ending == "cancel":
            task = asyncio.ensure_future(walk)
            await taken.wait()
            task.cancel()
            await task
        else:
            await walk
    except (asyncio.CancelledError, CallerError):
        pass
    except (GitBookError, TypeError):  # the invalid page: the SDK's error, or the raw walk's
        if ending != "invalid":
            raise


async def left_in_cycles(items: Callable[[str], AsyncIterator[Any]], walks: int) -> float:
    """``gc.collect()``'s count after ``walks`` early endings with the collector off."""
    gc.collect()
    gc.disable()
    try:
        for n in range(walks):
            await _end_early(items, ENDINGS[n % len(ENDINGS)])
        await asyncio.sleep(0.1)  # cancelled requests and closed connections wind down
        return gc.collect()
    finally:
        gc.enable()


def run_cycles(settings: Settings) -> list[Comparison]:
    """Objects left in reference cycles by walks that end early (collector off)."""
    walks = settings.size(10, len(ENDINGS))
    spec = ServerSpec(
        {"cycles": SpaceSpec(300), "invalid": SpaceSpec(300, first=300, invalid_at=150)}
    )

    async def main() -> dict[str, tuple[float, ...]]:
        async with (
            serve(spec) as host,
            aiohttp.ClientSession() as session,
            GitBookClient(TOKEN, base_url=host.url) as client,
        ):
            sources: dict[str, Callable[[str], AsyncIterator[Any]]] = {
                "raw": lambda s: _raw_items(session, host.url, s),
                "sdk": lambda s: aiter(client.spaces.list_integrations(s, limit=100)),
                "prefetch-0": lambda s: aiter(
                    client.spaces.list_integrations(s, limit=100, prefetch=0)
                ),
            }
            variants = {k: functools.partial(left_in_cycles, v, walks) for k, v in sources.items()}
            return await async_rounds(variants, settings.repeats())

    runs = asyncio.run(main())
    title = (
        f"Objects left in reference cycles after {walks} walks ended early (break / caller "
        "error / cancel / invalid page), gc disabled"
    )
    rows = []
    for key, name, label, target in (
        ("4", "sdk", "SDK, default prefetch", Target(Direction.BELOW, 100, "objects")),
        ("4i", "prefetch-0", "SDK, prefetch=0", None),
        ("4ii", "raw", "raw aiohttp + json.loads", None),
    ):
        measured = Measurement(label, "objects", runs[name], decimals=0)
        rows.append(Comparison(key, f"{title}: {label}", measured, None, target))
    return rows


async def worst_stall(walk: Callable[[], Awaitable[int]], expected: int) -> tuple[float, float]:
    """The latest wake-up (ms) of a 2 ms ticker while ``walk`` runs, and the most CPU time
    (ms) the loop's thread spent between two wake-ups."""
    loop = asyncio.get_running_loop()
    wall = cpu = 0.0
    walking = True

    async def tick() -> None:
        nonlocal wall, cpu
        last = time.thread_time()
        while walking:
            due = loop.time() + 0.002
            await asyncio.sleep(0.002)
            now = time.thread_time()
            wall, cpu = max(wall, (loop.time() - due) * 1000), max(cpu, (now - last) * 1000)
            last = now

    ticker = asyncio.ensure_future(tick())
    try:
        seen = await walk()
    finally:
        walking = False
        await ticker
    if seen != expected:
        raise RuntimeError(f"walked {seen} items, not {expected}")
    return wall, cpu


def run_stall(settings: Settings) -> list[Comparison]:
    """The worst event-loop stall while walking 5,000 sparse items, SDK against raw."""
    items = settings.size(5_000, 40)
    sizes = (10, 40) if settings.quick else (100, 1_000)
    spec = ServerSpec({"stall": SpaceSpec(items)})
    stalls: dict[tuple[str, int], list[tuple[float, float]]] = {}

    async def main() -> None:
        async with (
            serve(spec) as host,
            aiohttp.ClientSession() as session,
            GitBookClient(TOKEN, base_url=host.url) as client,
        ):
            walks: dict[tuple[str, int], Callable[[], Awaitable[int]]] = {}
            for size in sizes:
                walks["raw", size] = functools.partial(
                    walk_raw, session, host.url, "stall", limit=size
                )
                walks["sdk", size] = functools.partial(walk_sdk, client, "stall", limit=size)

            def variant(key: tuple[str, int]) -> Callable[[], Awaitable[float]]:
                async def run() -> float:
                    stalls.setdefault(key, []).append(await worst_stall(walks[key], items))
                    return 0.0

                return run

            await async_rounds({key: variant(key) for key in walks}, settings.repeats(7))

    asyncio.run(main())

    def measured(name: str, size: int, index: int) -> Measurement:
        runs = tuple(s[index] for s in stalls[name, size][1:])  # the first was the warm-up
        label = "SDK, default prefetch" if name == "sdk" else "raw aiohttp + json.loads"
        return Measurement(label, "ms", runs)

    rows = []
    for keys, size in zip((("5a", "5i"), ("5b", "5ii")), sizes, strict=True):
        title = f"Worst event-loop stall walking {items:,} sparse items, {size:,}-item pages"
        rows += [
            Comparison(
                keys[0],
                f"{title}: SDK vs raw",
                measured("sdk", size, 0),
                measured("raw", size, 0),
                Target(Direction.AT_MOST, 1.2),
            ),
            Comparison(
                keys[1],
                f"{title}, as CPU time of the loop's thread between two ticks: SDK vs raw",
                measured("sdk", size, 1),
                measured("raw", size, 1),
            ),
        ]
    return rows
