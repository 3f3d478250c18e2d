"""Run the benchmarks side by side and print (or write) the results.

``python -m benchmarks`` runs them all (about five to eight minutes on a 2-core machine)
and prints a table of medians, ratios and targets; ``--write docs/performance.md`` also
writes the results page (keeping any section of it the generator does not own);
``--only 1,4`` or ``--only walk,cycles`` runs a subset; ``--quick`` runs tiny sizes, one
round each (what ``tests/test_benchmarks_smoke.py`` uses: the figures then mean nothing).

To add a benchmark, append a ``Benchmark`` to ``BENCHMARKS`` (the registry below): a
number, a name for ``--only``, a function ``run(settings) -> list[Comparison]`` and,
optionally, an ``analysis`` that writes its paragraph of *What the numbers say*.
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

from benchmarks._analysis import ANALYSES, Analysis, Rows
from benchmarks._host import HostMode
from benchmarks._measure import Comparison
from benchmarks._report import Environment, render_markdown, render_table
from benchmarks._settings import Settings
from benchmarks.concurrency import run_concurrency
from benchmarks.cycles import run_cycles
from benchmarks.first_pages import run_first_pages
from benchmarks.imports import run_imports
from benchmarks.memory import run_memory
from benchmarks.prefetch import run_prefetch
from benchmarks.profile_parse import Findings, analyse
from benchmarks.ratelimit import analysis as ratelimit_analysis
from benchmarks.ratelimit import run_ratelimit
from benchmarks.stall import run_stall
from benchmarks.structuring import run_structuring
from benchmarks.walk import run_latency_walk, run_walk

COMMAND: Final = "python -m benchmarks --write docs/performance.md"
PROFILED_ITEMS: Final = 2_000


@dataclass(frozen=True)
class Benchmark:
    """One benchmark of the registry.

    ``needs`` names a module that must be importable (a benchmark-only dependency such as
    pydantic), or the benchmark is skipped and the page says so. ``analysis`` writes its
    paragraph of *What the numbers say* from the rows of the run (keyed by row key); it is
    called only when the benchmark produced rows.
    """

    number: int
    name: str
    title: str
    run: Callable[[Settings], list[Comparison]]
    needs: str | None = None
    analysis: Analysis | None = None


def _analysis(key: str) -> Analysis:
    return ANALYSES[key]


BENCHMARKS: Final[list[Benchmark]] = [
    Benchmark(1, "walk", "Walk 20,000 items: SDK vs raw aiohttp", run_walk, None, _analysis("1a")),
    Benchmark(2, "latency", "Walk with 10 ms latency", run_latency_walk, None, _analysis("2")),
    Benchmark(
        3, "first-pages", "200 spaces x first page, break", run_first_pages, None, _analysis("3")
    ),
    Benchmark(4, "cycles", "Reference cycles after early ends", run_cycles, None, _analysis("4")),
    Benchmark(5, "stall", "Worst event-loop stall", run_stall, None, _analysis("5a")),
    Benchmark(
        6,
        "structuring",
        "Bytes -> models vs pydantic v2",
        run_structuring,
        "pydantic",
        _analysis("6a"),
    ),
    Benchmark(
        7,
        "concurrency",
        "Bounded concurrency, 500 spaces",
        run_concurrency,
        None,
        _analysis("7"),
    ),
    Benchmark(8, "imports", "Import time", run_imports, None, _analysis("8")),
    Benchmark(
        9, "prefetch", "Prefetch under latency (issue 5)", run_prefetch, None, _analysis("9")
    ),
    Benchmark(
        10, "memory", "Peak memory: 1,000 pages vs 10 (issue 5)", run_memory, None, _analysis("10")
    ),
    Benchmark(
        11, "ratelimit", "Rate budget (issue 11)", run_ratelimit, "redis", ratelimit_analysis
    ),
    # Other benchmarks register here (append a Benchmark; numbers 11 and up).
]
"""Every benchmark, in the order they run and appear on the page."""


def select(text: str | None) -> list[Benchmark]:
    """The benchmarks ``--only`` names (numbers or names, comma-separated), or all.

    Raises:
        SystemExit: a number or name that no benchmark has.
    """
    if text is None:
        return list(BENCHMARKS)
    wanted = {part.strip() for part in text.split(",") if part.strip()}
    known = {str(b.number) for b in BENCHMARKS} | {b.name for b in BENCHMARKS}
    unknown = wanted - known
    if unknown:
        names = ", ".join(f"{b.number} ({b.name})" for b in BENCHMARKS)
        raise SystemExit(f"no benchmark {', '.join(sorted(unknown))}; they are {names}")
    return [b for b in BENCHMARKS if str(b.number) in wanted or b.name in wanted]


def analyses(benchmarks: Sequence[Benchmark], rows: Rows, findings: Findings | None) -> list[str]:
    """The paragraphs of *What the numbers say* for the benchmarks that produced rows."""
    paragraphs = []
    for benchmark in benchmarks:
        if benchmark.analysis is None:
            continue
        try:
            paragraphs.append(benchmark.analysis(rows, findings))
        except KeyError:  # a row it reads is missing (e.g. the benchmark was skipped)
            continue
    return paragraphs


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected benchmarks, print the table, optionally write the results page."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", metavar="N,NAME", help="run only these benchmarks")
    parser.add_argument("--write", metavar="PATH", type=Path, help="write the results page")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round (smoke)")
    parser.add_argument(
        "--server",
        choices=[mode.value for mode in HostMode],
        default=HostMode.SUBPROCESS.value,
        help="where the fake GitBook runs (default: a child process, as issue 12 measured)",
    )
    args = parser.parse_args(argv)
    settings = Settings(quick=args.quick, server=HostMode(args.server))
    selected = select(args.only)
    environment = Environment.capture(settings.server)
    started = time.perf_counter()
    results: list[Comparison] = []
    skipped: list[str] = []
    ran: list[Benchmark] = []
    for benchmark in selected:
        if benchmark.needs and importlib.util.find_spec(benchmark.needs) is None:
            skipped.append(
                f"{benchmark.number}. {benchmark.title}: {benchmark.needs} is not "
                "installed (pip install -e '.[bench]')"
            )
            print(f"[{benchmark.number}] skipped: {skipped[-1]}", file=sys.stderr)
            continue
        print(f"[{benchmark.number}] {benchmark.title} ...", file=sys.stderr, flush=True)
        began = time.perf_counter()
        results += benchmark.run(settings)
        ran.append(benchmark)
        print(
            f"[{benchmark.number}] done in {time.perf_counter() - began:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    findings: Findings | None = None
    if args.write is not None:
        items = 100 if args.quick else PROFILED_ITEMS
        print(f"[profile] structuring {items:,} items under cProfile ...", file=sys.stderr)
        findings = analyse(items, rounds=1) if args.quick else analyse(items)
    elapsed = time.perf_counter() - started
    print(render_table(results))
    for line in skipped:
        print(f"skipped {line}")
    print(f"\n{len(results)} rows in {elapsed:.0f} s")
    if args.write is not None:
        previous = args.write.read_text(encoding="utf-8") if args.write.exists() else None
        by_key = {row.key: row for row in results}
        page = render_markdown(
            results,
            environment=environment.finished(),
            command=COMMAND,
            elapsed=elapsed,
            findings=findings,
            analyses=analyses(ran, by_key, findings),
            skipped=skipped,
            previous=previous,
            size_sample=200 if args.quick else 2_000,
        )
        args.write.write_text(page, encoding="utf-8")
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
