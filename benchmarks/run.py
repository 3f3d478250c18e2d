"""Run the six benchmarks of issue 5 side by side and print (or write) the results.

``python -m benchmarks`` runs them all (about five minutes on a 2-core machine) and prints a
table of medians, ratios and targets; ``--write docs/performance.md`` also writes the results
page; ``--only 1,4`` runs a subset.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from benchmarks._host import HostMode
from benchmarks._measure import Comparison
from benchmarks._report import Environment, render_markdown, render_table
from benchmarks.concurrency import bench_concurrency
from benchmarks.imports import bench_imports
from benchmarks.memory import bench_memory
from benchmarks.prefetch import bench_prefetch
from benchmarks.profile_parse import Findings, analyse
from benchmarks.structuring import bench_structuring
from benchmarks.walk import bench_walk

COMMAND: Final = "python -m benchmarks --write docs/performance.md"
PROFILED_ITEMS: Final = 2_000


@dataclass(frozen=True)
class Benchmark:
    """One of the six benchmarks: its number, its title and how to run it."""

    number: int
    title: str
    run: Callable[[HostMode], list[Comparison]]
    needs: str | None = None  # a module that must be importable (benchmark-only dependency)


BENCHMARKS: Final = (
    Benchmark(1, "Walk 20,000 items: SDK vs raw aiohttp", lambda mode: bench_walk(mode=mode)),
    Benchmark(
        2, "Structuring: attrs + cattrs vs pydantic v2", lambda _: bench_structuring(), "pydantic"
    ),
    Benchmark(3, "Prefetch under latency", lambda mode: bench_prefetch(mode=mode)),
    Benchmark(4, "Bounded concurrency over 500 spaces", lambda mode: bench_concurrency(mode=mode)),
    # The memory benchmark always runs the fake out of process: only the client is traced.
    Benchmark(5, "Peak memory: 1,000 pages vs 10", lambda _: bench_memory()),
    Benchmark(6, "Import time", lambda _: bench_imports()),
)


def _selection(text: str | None) -> list[Benchmark]:
    if text is None:
        return list(BENCHMARKS)
    wanted = {int(part) for part in text.split(",") if part.strip()}
    unknown = wanted - {b.number for b in BENCHMARKS}
    if unknown:
        raise SystemExit(f"no benchmark numbered {sorted(unknown)}; they are 1 to 6")
    return [b for b in BENCHMARKS if b.number in wanted]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected benchmarks, print the table, optionally write the results page."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", metavar="N,N", help="run only these benchmarks (1-6)")
    parser.add_argument("--write", metavar="PATH", type=Path, help="write the results page")
    parser.add_argument(
        "--server",
        choices=[mode.value for mode in HostMode],
        default=HostMode.IN_PROCESS.value,
        help="where the fake GitBook runs for benchmarks 1, 3 and 4 (default: in the "
        "client's event loop, as issue 5 asks)",
    )
    args = parser.parse_args(argv)
    mode = HostMode(args.server)
    environment = Environment.capture(mode)
    started = time.perf_counter()
    results: list[Comparison] = []
    skipped: list[str] = []
    for benchmark in _selection(args.only):
        if benchmark.needs and importlib.util.find_spec(benchmark.needs) is None:
            skipped.append(
                f"{benchmark.number}. {benchmark.title}: {benchmark.needs} is not "
                "installed (pip install -e '.[bench]')"
            )
            print(f"[{benchmark.number}] skipped: {skipped[-1]}", file=sys.stderr)
            continue
        print(f"[{benchmark.number}] {benchmark.title} ...", file=sys.stderr, flush=True)
        began = time.perf_counter()
        results += benchmark.run(mode)
        print(
            f"[{benchmark.number}] done in {time.perf_counter() - began:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    findings: Findings | None = None
    if args.write is not None:
        print("[profile] structuring 2,000 items under cProfile ...", file=sys.stderr, flush=True)
        findings = analyse(PROFILED_ITEMS)
    elapsed = time.perf_counter() - started
    print(render_table(results))
    for line in skipped:
        print(f"skipped {line}")
    print(f"\n{len(results)} rows in {elapsed:.0f} s")
    if args.write is not None:
        page = render_markdown(
            results,
            environment=environment.finished(),
            command=COMMAND,
            elapsed=elapsed,
            findings=findings,
            skipped=skipped,
        )
        args.write.write_text(page, encoding="utf-8")
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
