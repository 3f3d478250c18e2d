"""Turn benchmark results into the console table and the ``docs/performance.md`` page."""

from __future__ import annotations

import importlib.metadata
import os
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from benchmarks._analysis import ANALYSES, INTRO, METHOD, PROFILE_NOTES, proposals
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
    """The ratio as the table shows it (``3.10x``, or ``9.1x faster`` for speedups)."""
    return f"{row.ratio:.1f}x faster" if row.speedup else f"{row.ratio:.2f}x"


def met_text(row: Comparison) -> str:
    """``yes`` / ``NO`` / ``-`` (no target: for information)."""
    return {True: "yes", False: "NO", None: "-"}[row.met]


def render_table(rows: Sequence[Comparison]) -> str:
    """A plain-text table for the terminal."""
    header = ("#", "Benchmark", "Measured", "Baseline", "Ratio", "Target", "Met")
    lines = [
        (
            row.key,
            row.title,
            f"{row.subject.show()} ({row.subject.label})",
            f"{row.baseline.show()} ({row.baseline.label})",
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
            f"{row.baseline.show()} — {row.baseline.label} | {ratio_text(row)} | "
            f"{row.target or 'for information'} | {met_text(row)} |"
        )
    return out


def _details(rows: Sequence[Comparison]) -> list[str]:
    out = []
    for row in rows:
        paired = row.paired_ratio
        rounds = "" if paired is None else f" Ratio within each round, median: {paired:.2f}."
        out.append(
            f"- **{row.key}** {row.subject.label}: {row.subject.spread()}; "
            f"{row.baseline.label}: {row.baseline.spread()}.{rounds}"
        )
        out += [f"  {check.description}." for check in row.checks]
    return out


def render_markdown(
    rows: Sequence[Comparison],
    *,
    environment: Environment,
    command: str,
    elapsed: float,
    findings: Findings | None,
    skipped: Sequence[str],
) -> str:
    """The whole ``docs/performance.md`` page."""
    by_key = {row.key: row for row in rows}
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
        "`--only 1,4` runs a subset. The parse-path profile is "
        "`python -m benchmarks.profile_parse`.",
        "",
        "## Machine",
        "",
        f"- {env.cores} cores ({env.cpu}), {env.system}",
        f"- {env.python}; "
        + ", ".join(f"{name} {version}" for name, version in env.versions.items()),
        f"- Fake GitBook: `gitbook_async.testing.FakeGitBook` on 127.0.0.1, {where}"
        " (benchmark 5: in a child process, so that only the client's memory is traced)",
        f"- Load average before the run: {', '.join(f'{x:.2f}' for x in env.load_before)}; "
        f"after: {load_after}. The whole run took {elapsed:.0f} s.",
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
    for key, analysis in ANALYSES.items():
        if key in by_key:
            out += [analysis(by_key, findings), ""]
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
    out += ["## Method", "", METHOD, ""]
    return "\n".join(out)
