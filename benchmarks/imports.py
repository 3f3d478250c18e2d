"""Benchmark 8: ``import gitbook_async`` against ``import aiohttp``, each in a fresh interpreter.

The main row reads ``python -X importtime -c "import X"``: the cumulative time of the
top-level import of ``X`` (its dependencies included, interpreter startup excluded). A second
row times the whole ``python -c "import X"`` minus ``python -c "pass"`` (wall clock), which
also catches anything ``-X importtime`` would not attribute to the import.

Byte-code is compiled once, before any run (users install wheels, whose ``.pyc`` files pip
writes at install time); the environment's ``PYTHONDONTWRITEBYTECODE`` would otherwise make
every run of our editable install compile the package from source.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Final

from benchmarks._measure import MIN_RUNS, Comparison, Direction, Measurement, Target, interleaved
from benchmarks._settings import Settings

TARGET: Final = Target(Direction.AT_MOST, 1.3)
_ROOT: Final = Path(__file__).resolve().parent.parent
_IMPORTTIME_LINE: Final = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")
_SDK, _AIOHTTP = "gitbook_async", "aiohttp"


def _python(code: str, *, importtime: bool = False, write_bytecode: bool = False) -> str:
    """Run ``code`` in a fresh interpreter from the repository root; return its stderr."""
    env = dict(os.environ)
    if write_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    flags = ["-X", "importtime"] if importtime else []
    done = subprocess.run(
        [sys.executable, *flags, "-c", code],
        cwd=_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stderr


def import_time(module: str) -> float:
    """Milliseconds ``-X importtime`` reports for importing ``module`` (cumulative)."""
    for line in _python(f"import {module}", importtime=True).splitlines():
        match = _IMPORTTIME_LINE.match(line)
        # The top-level line has no indentation before the module name (beyond one space).
        if match and match.group(4) == module and len(match.group(3)) <= 1:
            return int(match.group(2)) / 1000
    raise RuntimeError(f"-X importtime printed no line for {module}")


def wall_time(code: str) -> float:
    """Milliseconds of wall clock for a fresh ``python -c code``."""
    started = time.perf_counter()
    _python(code)
    return (time.perf_counter() - started) * 1000


def run_imports(settings: Settings) -> list[Comparison]:
    """Benchmark 8 (see the module docstring)."""
    repeats = settings.repeats(2 * MIN_RUNS)
    _python(f"import {_SDK}, {_AIOHTTP}", write_bytecode=True)  # compile once, untimed
    cumulative: dict[str, list[float]] = {_SDK: [], _AIOHTTP: []}
    wall: dict[str, list[float]] = {_SDK: [], _AIOHTTP: [], "pass": []}
    for repeat in range(repeats):
        for module in interleaved(list(cumulative), repeat):
            cumulative[module].append(import_time(module))
        for name in interleaved(list(wall), repeat):
            wall[name].append(wall_time("pass" if name == "pass" else f"import {name}"))
    startup = sorted(wall["pass"])[len(wall["pass"]) // 2]
    return [
        Comparison(
            "8",
            "import gitbook_async vs import aiohttp (-X importtime, cumulative)",
            Measurement("import gitbook_async", "ms", tuple(cumulative[_SDK])),
            Measurement("import aiohttp", "ms", tuple(cumulative[_AIOHTTP])),
            TARGET,
        ),
        Comparison(
            "8i",
            f"The same, as wall clock minus interpreter startup ({startup:.0f} ms)",
            Measurement("import gitbook_async", "ms", tuple(t - startup for t in wall[_SDK])),
            Measurement("import aiohttp", "ms", tuple(t - startup for t in wall[_AIOHTTP])),
        ),
    ]
