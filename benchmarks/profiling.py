"""Where the SDK's time and memory go: ``python -m benchmarks.profiling [cpu|memory]``.

``cpu`` profiles the first-page benchmark (200 spaces x first 100 items, 16 at once,
``async for`` + ``break``) under cProfile, after measuring it without the profiler against
the raw floor, and prints own time per request grouped by module and the top functions.
``memory`` walks 10 pages and then 1,000 pages (20 sparse items each) with one client,
takes a ``tracemalloc`` snapshot at the last item of each, and prints what grew between
them by file and line. Not part of ``python -m benchmarks``: for the analysis behind the
first-page and memory rows.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import gc
import io
import json
import pstats
import sys
import time
import tracemalloc
from collections.abc import Sequence
from typing import Any, Final

import aiohttp

from benchmarks._data import TOKEN
from benchmarks._harness import ServerSpec, SpaceSpec, at_once, serve
from benchmarks.walks import first_items_raw, first_items_sdk
from gitbook_async import GitBookClient

SPACES: Final = 200
TOP: Final = 25


def _group(filename: str) -> str:
    """The module (SDK, aiohttp, asyncio, ...) a profiled function belongs to."""
    for marker in ("gitbook_async/", "aiohttp/", "asyncio/", "multidict/", "yarl/", "msgspec"):
        if marker in filename:
            return filename[filename.index(marker) :]
    return "built-ins" if filename == "~" else filename.rsplit("/", 1)[-1]


async def cpu(rounds: int) -> str:
    """Time the first-page scenario raw and with the SDK, then profile the SDK's rounds."""
    ids = [f"first-pages-{n:03d}" for n in range(SPACES)]
    spec = ServerSpec({s: SpaceSpec(200, first=n % 100 * 200) for n, s in enumerate(ids)})
    out = io.StringIO()
    async with (
        serve(spec) as host,
        aiohttp.ClientSession() as session,
        GitBookClient(TOKEN, base_url=host.url) as client,
    ):
        raw = functools.partial(
            at_once, ids, lambda s: first_items_raw(session, host.url, s, json.loads), 16
        )
        sdk = functools.partial(at_once, ids, lambda s: first_items_sdk(client, s), 16)
        times: dict[str, list[float]] = {"raw": [], "sdk": []}
        for _ in range(rounds + 1):  # the first round warms up
            for name, walk in (("raw", raw), ("sdk", sdk)):
                started = time.perf_counter()
                await walk()
                times[name].append((time.perf_counter() - started) / SPACES * 1e6)
        raw_us, sdk_us = (sorted(t[1:])[len(t[1:]) // 2] for t in times.values())
        print(
            f"per request, unprofiled (median of {rounds}): raw {raw_us:.0f} µs, SDK "
            f"{sdk_us:.0f} µs ({sdk_us / raw_us:.2f}x), SDK extra {sdk_us - raw_us:.0f} µs",
            file=out,
        )
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(rounds):
            await sdk()
        profiler.disable()
    requests = rounds * SPACES
    stats = pstats.Stats(profiler, stream=out)
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    table = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in table.values())
    groups: dict[str, float] = {}
    for (filename, _, _), entry in table.items():
        groups[_group(filename)] = groups.get(_group(filename), 0.0) + entry[2]
    print(f"\nown time per request under cProfile ({total / requests * 1e6:.0f} µs):", file=out)
    for name, seconds in sorted(groups.items(), key=lambda kv: -kv[1])[:TOP]:
        print(f"  {seconds / requests * 1e6:7.1f} µs  {seconds / total:5.1%}  {name}", file=out)
    print(f"\ntop {TOP} functions by own time (per request: divide by {requests}):", file=out)
    stats.sort_stats("tottime").print_stats(TOP)
    print(f"top {TOP} SDK functions by cumulative time:", file=out)
    stats.sort_stats("cumulative").print_stats("gitbook_async", TOP)
    return out.getvalue()


async def memory(short_pages: int, long_pages: int) -> str:
    """What grows between the last item of a short walk and that of a long one."""
    spaces = {"short": short_pages * 20, "long": long_pages * 20}
    spec = ServerSpec(
        {**{k: SpaceSpec(n) for k, n in spaces.items()}, "warm-up": SpaceSpec(40, first=10**6)}
    )
    snapshots: dict[str, tracemalloc.Snapshot] = {}
    peaks: dict[str, float] = {}
    async with serve(spec) as host, GitBookClient(TOKEN, base_url=host.url) as client:
        async for _ in client.spaces.list_integrations("warm-up", limit=20):
            pass
        tracemalloc.start(1)
        for name, count in spaces.items():
            gc.collect()
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            seen = 0
            async for _ in client.spaces.list_integrations(name, limit=20):
                seen += 1
                if seen == count:
                    gc.collect()
                    snapshots[name] = tracemalloc.take_snapshot()
            peaks[name] = (tracemalloc.get_traced_memory()[1] - before) / 1024
        tracemalloc.stop()
    out = io.StringIO()
    print(
        f"traced peak above the start: {short_pages} pages {peaks['short']:.0f} KiB, "
        f"{long_pages} pages {peaks['long']:.0f} KiB",
        file=out,
    )
    print(f"\ngrowth between the last item of each walk, by line (top {TOP}):", file=out)
    for stat in snapshots["long"].compare_to(snapshots["short"], "lineno")[:TOP]:
        frame = stat.traceback[0]
        where = f"{_group(frame.filename)}:{frame.lineno}"
        print(
            f"  {stat.size_diff / 1024:+8.1f} KiB {stat.count_diff:+7d} blocks  {where}", file=out
        )
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """Print the CPU profile, the memory growth, or both."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profiling", description=__doc__)
    parser.add_argument("what", nargs="?", choices=["cpu", "memory", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", type=int, default=1_000, help="pages of the long walk")
    args = parser.parse_args(argv)
    if args.what in ("cpu", "both"):
        print(asyncio.run(cpu(args.rounds)))
    if args.what in ("memory", "both"):
        print(asyncio.run(memory(10, args.pages)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
