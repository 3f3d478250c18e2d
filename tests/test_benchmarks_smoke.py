"""The benchmarks (``python -m benchmarks``, not part of ``make test``) still run.

Each benchmark runs once in ``--quick`` mode (tiny sizes, one round), so that the code
cannot rot; the figures mean nothing at this size and are not checked.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from benchmarks._data import DataSet, integration, owner_key
from benchmarks._host import HostMode
from benchmarks._measure import Comparison, Direction, Measurement, Target
from benchmarks._report import Environment, kept_sections, render_markdown, render_table
from benchmarks._settings import Settings
from benchmarks.profile_parse import report
from benchmarks.run import BENCHMARKS, analyses, main, select

# The fake in the test's own loop keeps the smoke run short; benchmark 10 (memory) always
# starts it in a child process, which keeps that path exercised too.
QUICK = Settings(quick=True, server=HostMode.IN_PROCESS)


@pytest.mark.parametrize("name", [benchmark.name for benchmark in BENCHMARKS])
def test_benchmark_runs_in_quick_mode(name: str) -> None:
    """The benchmark returns rows with positive medians, and they render as table and page."""
    [benchmark] = select(name)
    if benchmark.needs and importlib.util.find_spec(benchmark.needs) is None:
        pytest.skip(f"{name} needs {benchmark.needs}, which is not installed (.[bench])")
    rows = benchmark.run(QUICK)
    assert rows
    for row in rows:
        assert row.subject.runs
        assert row.baseline is None or row.baseline.median > 0
    assert rows[0].key in render_table(rows)
    page = render_markdown(
        rows,
        environment=Environment.capture(QUICK.server).finished(),
        command="python -m benchmarks",
        elapsed=1.0,
        findings=None,
        analyses=analyses([benchmark], {row.key: row for row in rows}, None),
        skipped=[],
        size_sample=20,
    )
    assert page.startswith("# Performance\n")
    assert "## What the numbers say\n\n**" in page


def test_the_page_keeps_sections_it_does_not_own(tmp_path: Path) -> None:
    """``--write`` replaces its own sections and carries the others over, before Method."""
    page = tmp_path / "performance.md"
    page.write_text(
        "# Performance\n\n## Results\n\nold\n\n## Rate limits\n\nkept text\n\n"
        "```text\n## not a heading\n```\n\n## Method\n\nold method\n",
        encoding="utf-8",
    )
    assert main(["--quick", "--only", "structuring", "--write", str(page)]) == 0
    written = page.read_text(encoding="utf-8")
    assert "\nold\n" not in written
    assert written.count("## Rate limits") == 1
    assert "kept text\n\n```text\n## not a heading\n```" in written
    assert written.index("## Rate limits") < written.index("## Method")
    assert "## Where structuring time goes" in written
    assert kept_sections(written) == kept_sections(page.read_text(encoding="utf-8"))


def test_only_accepts_numbers_and_names() -> None:
    """``--only 1,cycles`` selects benchmark 1 and the cycles benchmark; unknowns exit."""
    assert [b.number for b in select("1,cycles")] == [1, 4]
    with pytest.raises(SystemExit):
        select("nope")


def test_absolute_targets_apply_to_the_value() -> None:
    """A row without a baseline meets ``< 100 objects`` by its own median."""
    target = Target(Direction.BELOW, 100, "objects")
    row = Comparison("4", "t", Measurement("SDK", "objects", (99, 3, 120)), None, target)
    assert row.ratio is None
    assert row.met is True
    assert str(target) == "< 100 objects"


def test_the_data_sets_are_deterministic() -> None:
    """Items are pure functions of their index; sparse owners come from 200 organizations."""
    assert integration(7, DataSet.SPARSE) == integration(7, DataSet.SPARSE)
    assert integration(7, DataSet.FULL) != integration(7, DataSet.SPARSE)
    assert len({owner_key(index) for index in range(20_000)}) == 200


def test_the_profile_runs() -> None:
    """The parse-path profile prints its listings."""
    assert "by cumulative time" in report(100, rounds=1)
