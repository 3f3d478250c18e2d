"""The benchmarks (``python -m benchmarks``, not part of ``make test``) still run.

Each benchmark runs once at a tiny size, so that the code cannot rot; the figures mean
nothing at this size.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import pytest

from benchmarks._host import HostMode
from benchmarks._measure import Comparison
from benchmarks._report import Environment, render_markdown, render_table
from benchmarks.concurrency import bench_concurrency
from benchmarks.imports import bench_imports
from benchmarks.memory import bench_memory
from benchmarks.prefetch import bench_prefetch
from benchmarks.profile_parse import analyse, report
from benchmarks.structuring import bench_structuring
from benchmarks.walk import bench_walk

FAST = HostMode.IN_PROCESS
TINY: dict[str, Callable[[], list[Comparison]]] = {
    "1-walk": lambda: bench_walk(items=30, page_size=10, repeats=1, mode=FAST),
    "2-structuring": lambda: bench_structuring(page_size=2, calls=1, repeats=1),
    "3-prefetch": lambda: bench_prefetch(pages=2, repeats=1, mode=FAST),
    "4-concurrency": lambda: bench_concurrency(spaces=20, items_per_space=1, repeats=1, mode=FAST),
    # The real default: the fake in a child process, so that path is exercised too.
    "5-memory": lambda: bench_memory(long_pages=3, short_pages=2, page_size=2, repeats=1),
    "6-imports": lambda: bench_imports(repeats=1),
}


@pytest.mark.parametrize("name", list(TINY))
def test_benchmark_runs_at_a_tiny_size(name: str) -> None:
    """The benchmark returns rows with positive medians, and they render as table and page."""
    if name.startswith("2-") and importlib.util.find_spec("pydantic") is None:
        pytest.skip("benchmark 2 compares with pydantic, which is not installed (.[bench])")
    rows = TINY[name]()
    assert rows
    for row in rows:
        assert row.subject.median > 0
        assert row.baseline.median > 0
        assert row.ratio > 0
    assert rows[0].key in render_table(rows)
    page = render_markdown(
        rows,
        environment=Environment.capture(FAST).finished(),
        command="python -m benchmarks",
        elapsed=1.0,
        findings=analyse(100, rounds=1) if name.startswith("1-") else None,
        skipped=[],
    )
    assert page.startswith("# Performance\n")
    if name.startswith("1-"):
        assert "by cumulative time" in report(100, rounds=1)
