"""Turn benchmark results into the console table and the ``docs/performance.md`` page.

The page is generated, but sections other helpers or maintainers add to it (any ``## ``
heading the generator does not write) are kept: ``render_markdown`` takes the page it
replaces and carries those sections over, in their order, before *Method*.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from benchmarks._analysis import INTRO, METHOD, PROFILE_NOTES, proposals
from benchmarks._data import DataSet, average_size
from benchmarks._host import HostMode
from benchmarks._measure import Comparison
from benchmarks.profile_parse import Findings, summary

_PACKAGES: Final = (
    "gitbook-async",
    "aiohttp",
    "attrs",
    "cattrs",
    "pydantic",
    "pydantic-core",
    "orjson",
    "msgspec",
)


@dataclass(frozen=True)
class Environment:
    """The machine and library versions a run used."""

    python: str
    system: str
    cpu: str
    cores: int
    versions: Mapping[str, str]
    server: HostMode
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] | None = None

    @classmethod
    def capture(cls, server: HostMode) -> Environment:
        """Describe this machine now."""
        versions = {}
        for name in _PACKAGES:
            try:
                versions[name] = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                versions[name] = "not installed"
        return cls(
            python=f"{platform.python_implementation()} {platform.python_version()}",
            system=platform.platform(),
            cpu=_cpu_model(),
            cores=os.cpu_count() or 0,
            versions=versions,
            server=server,
            load_before=os.getloadavg(),
        )

    def finished(self) -> Environment:
        """The same, with the load average at the end of the run."""
        return replace(self, load_after=os.getloadavg())


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ratio_text(row: Comparison) -> str:
    """The ratio as the table shows it (``3.10x``, ``9.1x faster``, or ``-`` without one)."""
    ratio = row.ratio
    if ratio is None:
        return "-"
    return f"{ratio:.1f}x faster" if row.speedup else f"{ratio:.2f}x"


def met_text(row: Comparison) -> str:
    """``yes`` / ``NO`` / ``-`` (no target: for information)."""
    return {True: "yes", False: "NO", None: "-"}[row.met]


def _baseline_text(row: Comparison, separator: str) -> str:
    if row.baseline is None:
        return "-"
    return f"{row.baseline.show()}{separator}{row.baseline.label}"


def render_table(rows: Sequence[Comparison]) -> str:
    """A plain-text table for the terminal."""
    header = ("#", "Benchmark", "Measured", "Baseline", "Ratio", "Target", "Met")
    lines = [
        (
            row.key,
            row.title,
            f"{row.subject.show()} ({row.subject.label})",
            _baseline_text(row, " - "),
            ratio_text(row),
            str(row.target) if row.target else "-",
            met_text(row),
        )
        for row in rows
    ]
    widths = [
        min(60, max(len(str(c)) for c in column)) for column in zip(header, *lines, strict=True)
    ]
    out = []
    for cells in (header, *lines):
        out.append(
            "  ".join(str(c)[:w].ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
        )
    return "\n".join(out)


def _markdown_table(rows: Sequence[Comparison]) -> list[str]:
    out = [
        "| # | Benchmark | Measured (median) | Baseline (median) | Ratio | Target | Met |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        out.append(
            f"| {row.key} | {row.title} | {row.subject.show()} — {row.subject.label} | "
            f"{_baseline_text(row, ' — ')} | {ratio_text(row)} | "
            f"{row.target or 'for information'} | {met_text(row)} |"
        )
    return out


def _details(rows: Sequence[Comparison]) -> list[str]:
    out = []
    for row in rows:
        paired = row.paired_ratio
        rounds = "" if paired is None else f" Ratio within each round, median: {paired:.2f}."
        baseline = (
            "" if row.baseline is None else (f"; {row.baseline.label}: {row.baseline.spread()}")
        )
        out.append(
            f"- **{row.key}** {row.subject.label}: {row.subject.spread()}{baseline}.{rounds}"
        )
        out += [f"  {check.description}." for check in row.checks]
    return out


OWNED_SECTIONS: Final = frozenset(
    {
        "Reproduce",
        "Machine",
        "Data",
        "Results",
        "What the numbers say",
        "Where structuring time goes",
        "Method",
    }
)
"""The ``## `` sections the generator writes; any other section of the page is kept."""


def kept_sections(previous: str | None) -> list[str]:
    """The ``## `` sections of ``previous`` the generator does not own, in their order.

    Each is returned whole (heading and body, trailing blank lines stripped), so that a
    section another helper maintains (e.g. rate limiting) survives ``--write``. HTML
    comment lines right above a heading, with no blank line between (markers such as
    ``<!-- benchmark N -->``), belong to the section that heading opens.
    """
    if not previous:
        return []
    sections: list[tuple[bool, list[str]]] = []  # (kept, lines)
    current: list[str] = []
    kept = False
    in_code = False
    for line in previous.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("## "):
            markers: list[str] = []
            while current and current[-1].startswith("<!--"):
                markers.insert(0, current.pop())
            sections.append((kept, current))
            current, kept = [*markers, line], line[3:].strip() not in OWNED_SECTIONS
        else:
            current.append(line)
    sections.append((kept, current))
    return ["\n".join(lines).rstrip() for keep, lines in sections if keep]


def _data_lines(sample: int) -> list[str]:
    full = average_size(DataSet.FULL, sample=sample)
    sparse = average_size(DataSet.SPARSE, sample=sample)
    return [
        f"- **Fully filled** (rows marked so): every field of the spec filled, owner "
        f"organization included, {full / 1000:.1f} KB of JSON per integration on average.",
        f"- **Sparse** (every other row): like GitBook's real listing, optional parts often "
        f"absent and owners drawn from 200 organizations (180 shared by many integrations, "
        f"one of its own every 1,000 items), {sparse / 1000:.1f} KB per integration on "
        "average. On a 100-item page about a fifth of the owners repeat; across a "
        "20,000-item walk 99% do.",
        "- Both come from `benchmarks/_data.py`, deterministic (seeded by item index).",
    ]


def render_markdown(
    rows: Sequence[Comparison],
    *,
    environment: Environment,
    command: str,
    elapsed: float,
    findings: Findings | None,
    analyses: Sequence[str],
    skipped: Sequence[str],
    previous: str | None = None,
    size_sample: int = 2_000,
) -> str:
    """The whole ``docs/performance.md`` page.

    ``analyses`` are the paragraphs of *What the numbers say*, in order; ``previous`` is
    the page being replaced, whose sections the generator does not own are kept.
    """
    env = environment
    load_after = ", ".join(f"{x:.2f}" for x in env.load_after) if env.load_after else "?"
    where = (
        "in the client's event loop" if env.server is HostMode.IN_PROCESS else "in a child process"
    )
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
        command,
        "```",
        "",
        "`python -m benchmarks` alone prints the table without writing this page; "
        "`--only 1,4` (or `--only walk,cycles`) runs a subset and `--quick` runs tiny sizes "
        "(the figures then mean nothing). The parse-path profile is "
        "`python -m benchmarks.profile_parse`.",
        "",
        "## Machine",
        "",
        f"- {env.cores} cores ({env.cpu}), {env.system}",
        f"- {env.python}; "
        + ", ".join(f"{name} {version}" for name, version in env.versions.items()),
        f"- Fake GitBook: `gitbook_async.testing.FakeGitBook` on 127.0.0.1, {where}"
        " (benchmark 10: always in a child process, so that only the client's memory is "
        "traced)",
        f"- Load average before the run: {', '.join(f'{x:.2f}' for x in env.load_before)}; "
        f"after: {load_after}. The whole run took {elapsed:.0f} s.",
        "",
        "## Data",
        "",
        *_data_lines(size_sample),
        "",
        "## Results",
        "",
        *_markdown_table(rows),
        "",
        "Rows without a target are reported for information. Ratios are medians over medians;"
        " every figure is the median of at least 5 runs, interleaved with the runs it is"
        " compared with. Spreads (min - max):",
        "",
        *_details(rows),
    ]
    if skipped:
        out += ["", "Skipped: " + "; ".join(skipped) + "."]
    out += ["", "## What the numbers say", ""]
    for paragraph in analyses:
        out += [paragraph, ""]
    if findings is not None:
        out += [
            "## Where structuring time goes",
            "",
            PROFILE_NOTES,
            "",
            "```text",
            summary(findings),
            "```",
            "",
            *proposals(findings),
            "",
        ]
    for section in kept_sections(previous):
        out += [section, ""]
    out += ["## Method", "", METHOD, ""]
    return "\n".join(out)
