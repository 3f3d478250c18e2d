"""Run the benchmarks side by side and print (or write) the results.

``python -m benchmarks`` runs them all (about six to eight minutes on a 2-core machine) and
prints a table of figures, ratios and goals; ``--write docs/performance.md`` also writes the
results page (keeping any section of it the generator does not own); ``--only 1,walk``
runs a subset (numbers or names); ``--quick`` runs tiny sizes, one round each (what
``tests/test_benchmarks_smoke.py`` uses: the figures then mean nothing).

To add a benchmark, append a ``Benchmark`` to ``BENCHMARKS``: a number, a name for
``--only``, the ``module:function`` that returns its rows, and what it measures.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from benchmarks._data import DataSet, average_size
from benchmarks._harness import (
    Comparison,
    Settings,
    environment,
    kept_sections,
    markdown_table,
    render_table,
)

COMMAND: Final = "python -m benchmarks --write docs/performance.md"


@dataclass(frozen=True)
class Benchmark:
    """One benchmark: ``run`` is ``"module:function"`` under ``benchmarks`` (imported when
    the benchmark runs); ``needs`` names a module that must be importable, or the benchmark
    is skipped and the page says so."""

    number: int
    name: str
    run: str
    about: str
    needs: str | None = None

    def function(self) -> Callable[[Settings], list[Comparison]]:
        """The benchmark's ``run(settings) -> rows``."""
        module, _, name = self.run.partition(":")
        function: Callable[[Settings], list[Comparison]]
        function = getattr(importlib.import_module(f"benchmarks.{module}"), name)
        return function


BENCHMARKS: Final = [
    Benchmark(
        1,
        "walk",
        "walks:run_walk",
        "Walk 20,000 items, 100 a page, no latency: the SDK's `async for` over "
        "`list_integrations` against plain aiohttp + `json.loads` following `next.page`, on "
        "fully filled items, on sparse items from 200 owners, and on sparse items that carry "
        "fields newer than the models (`FakeGitBook(extra_fields=True)`: two top-level fields "
        "and one in `owner`, as GitBook adds fields without notice).",
    ),
    Benchmark(
        2,
        "latency",
        "walks:run_latency",
        "The same walk over 5,000 sparse items with 10 ms of latency per request: with "
        "prefetch the SDK structures a page while the next one is on its way.",
    ),
    Benchmark(
        3,
        "first-pages",
        "walks:run_first_pages",
        "A dashboard: 200 spaces (two pages each), 16 at once, `async for` + `break` after the "
        "first 100 items, against fetching each first page raw with `json.loads` (and, for "
        "information, orjson). With 16 walks at once the core is saturated: the SDK's CPU "
        "per request decides.",
    ),
    Benchmark(
        4,
        "cycles",
        "loop:run_cycles",
        "Objects left to the cyclic garbage collector by 10 walks that end early (break, an "
        "exception in the caller, cancellation, an invalid page), counted by `gc.collect()` "
        "with the collector off.",
    ),
    Benchmark(
        5,
        "stall",
        "loop:run_stall",
        "The longest the event loop is blocked while walking (a 2 ms ticker's latest wake-up): "
        "what every other task of a web app waits.",
    ),
    Benchmark(
        6,
        "structuring",
        "structuring:run_structuring",
        "Bytes to models through the public `structure(json.loads(body), IntegrationList)` "
        "against pydantic v2's `model_validate_json` on a field-for-field mirror "
        "(`benchmarks/_pydantic_models.py`); pure CPU.",
        needs="pydantic",
    ),
    Benchmark(
        7,
        "concurrency",
        "walks:run_concurrency",
        "500 spaces, one page each, 10 ms latency: `list_integrations_many` (concurrency 16) "
        "against one space after the other, with the TCP connections counted by the server.",
    ),
    Benchmark(
        8,
        "imports",
        "imports:run_imports",
        "`import gitbook_async` against `import aiohttp` (which it includes), in fresh "
        "interpreters.",
    ),
    Benchmark(
        9,
        "prefetch",
        "walks:run_prefetch",
        "A slow server (10 ms) and a slow consumer (10 ms per page): prefetch overlaps them.",
    ),
    Benchmark(
        10,
        "memory",
        "memory:run_memory",
        "Peak traced memory of a 1,000-page walk against a 10-page walk, each in a fresh "
        "process: a walk that drops its items should hold about one page whatever its length.",
    ),
    Benchmark(
        11,
        "ratelimit",
        "ratelimit:run_ratelimit",
        "The shared rate budget against the fake's GitBook-like windows "
        "(`benchmarks/ratelimit.py`; its own section below draws each window).",
        needs="redis",
    ),
    Benchmark(
        12,
        "fastapi",
        "fastapi_load:run_fastapi",
        "Load on the FastAPI example app (`examples/fastapi_app.py`) under uvicorn, 50 and 200 "
        "concurrent users, against the same app written with raw aiohttp (each with its "
        "library's default limits: the SDK client's 16 requests in flight, aiohttp's 100 "
        "connections); the fake with 10 ms latency, each in its own process.",
        needs="uvicorn",
    ),
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
    unknown = wanted - {str(b.number) for b in BENCHMARKS} - {b.name for b in BENCHMARKS}
    if unknown:
        names = ", ".join(f"{b.number} ({b.name})" for b in BENCHMARKS)
        raise SystemExit(f"no benchmark {', '.join(sorted(unknown))}; they are {names}")
    return [b for b in BENCHMARKS if str(b.number) in wanted or b.name in wanted]


OWNED: Final = frozenset(
    {"Reproduce", "Machine", "Data", "Results", "Benchmarks", "Method"}
    # sections earlier generators wrote, dropped when the page is rewritten
    | {"What the numbers say", "Where structuring time goes"}
)

INTRO: Final = (
    "Benchmarks of gitbook-async against the fake GitBook (`gitbook_async.testing.FakeGitBook`) "
    "on 127.0.0.1, always in another process than the client. This page is written by the "
    "command under *Reproduce*; every figure is from that run. The machine is a shared 2-core "
    "virtual machine whose speed drifts: read the ratios, which compare runs taken side by "
    "side, rather than the absolute times."
)

METHOD: Final = """\
- Every figure is the median of at least 5 runs (import time: the minimum of 15). The
  variants of a benchmark take turns, round after round, in a rotating order, so that drift
  and bursts of noise hit each of them alike; the spreads also give the median of the
  per-round ratios.
- Each benchmark warms up first (connections, and the SDK's converter hooks, built on first
  use), outside the measured runs.
- The fake GitBook runs in a child process (`python -m benchmarks._harness SPEC`): the
  client's event loop is its own, and the server's CPU counts on neither side. Spaces are
  built there from `benchmarks/_data.py`, every item a pure function of its index. The
  server counts TCP connections itself (distinct client `(host, port)` peers).
- The raw baseline is what a user writes by hand: `aiohttp` GET, `await response.read()`,
  `json.loads`, follow `next.page`, read each item's `version`; the SDK walks read
  `item.version` of each model likewise.
- Pure-CPU runs start after a `gc.collect()`, so that no variant pays for the collections
  another one made due.
- The code is in `benchmarks/`: `_harness.py` (server, turns, medians, rows, report),
  one module per group of benchmarks, and `run.py` (the registry and this page)."""


def render_page(
    rows: Sequence[Comparison],
    ran: Sequence[Benchmark],
    *,
    elapsed: float,
    load: tuple[tuple[float, ...], tuple[float, ...]],
    skipped: Sequence[str] = (),
    previous: str | None = None,
    size_sample: int = 2_000,
) -> str:
    """The whole ``docs/performance.md`` page; sections of ``previous`` it does not own are
    kept, before *Method*."""
    full = average_size(DataSet.FULL, sample=size_sample) / 1000
    sparse = average_size(DataSet.SPARSE, sample=size_sample) / 1000
    before, after = (", ".join(f"{x:.2f}" for x in values) for values in load)
    out = [
        "# Performance",
        "",
        INTRO,
        "",
        "## Reproduce",
        "",
        "```bash",
        "make bench",
        "# which is:",
        "python -m pip install -e '.[bench]'",
        COMMAND,
        "```",
        "",
        "`python -m benchmarks` alone prints the table; `--only 3,memory` runs a subset (numbers "
        "or names) and `--quick` tiny sizes (the figures then mean nothing). "
        "`python -m benchmarks.profiling` profiles the first-page benchmark per request and "
        "diffs the memory of a long and a short walk.",
        "",
        "## Machine",
        "",
        *environment(),
        f"- Load average before the run: {before}; after: {after}. The run took {elapsed:.0f} s.",
        "",
        "## Data",
        "",
        f"- **Fully filled**: every field of the spec filled, owner organization included, "
        f"{full:.1f} KB of JSON per integration.",
        f"- **Sparse**: like GitBook's real listing, optional parts often absent, owners drawn "
        f"from 200 organizations (180 shared, one of its own every 1,000 items), {sparse:.1f} KB "
        "per integration; about a fifth of the owners on a 100-item page repeat within it, "
        "99% across a 20,000-item walk. Both from `benchmarks/_data.py`, deterministic.",
        "",
        "## Results",
        "",
        *markdown_table(rows),
    ]
    if skipped:
        out += ["", "Skipped: " + "; ".join(skipped) + "."]
    out += ["", "## Benchmarks", ""]
    out += [
        f"{b.number}. **{b.name}** (`benchmarks/{b.run.split(':')[0]}.py`): {b.about}" for b in ran
    ]
    out.append("")
    for section in kept_sections(previous, OWNED):
        out += [section, ""]
    out += ["## Method", "", METHOD, ""]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected benchmarks, print the table, optionally write the results page."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", metavar="N,NAME", help="run only these benchmarks")
    parser.add_argument("--write", metavar="PATH", type=Path, help="write the results page")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round (smoke)")
    args = parser.parse_args(argv)
    settings = Settings(quick=args.quick)
    load_before, started = os.getloadavg(), time.perf_counter()
    rows: list[Comparison] = []
    skipped: list[str] = []
    ran: list[Benchmark] = []
    for benchmark in select(args.only):
        if benchmark.needs and importlib.util.find_spec(benchmark.needs) is None:
            skipped.append(f"{benchmark.number}. {benchmark.name}: {benchmark.needs} is missing")
            print(f"[{benchmark.number}] skipped: {skipped[-1]}", file=sys.stderr)
            continue
        print(f"[{benchmark.number}] {benchmark.name} ...", file=sys.stderr, flush=True)
        began = time.perf_counter()
        rows += benchmark.function()(settings)
        ran.append(benchmark)
        print(f"[{benchmark.number}] {time.perf_counter() - began:.0f} s", file=sys.stderr)
    elapsed = time.perf_counter() - started
    print(render_table(rows))
    print(f"\n{len(rows)} rows in {elapsed:.0f} s" + "".join(f"\nskipped {s}" for s in skipped))
    if args.write is not None:
        previous = args.write.read_text(encoding="utf-8") if args.write.exists() else None
        page = render_page(
            rows,
            ran,
            elapsed=elapsed,
            load=(load_before, os.getloadavg()),
            skipped=skipped,
            previous=previous,
            size_sample=200 if args.quick else 2_000,
        )
        args.write.write_text(page, encoding="utf-8")
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
