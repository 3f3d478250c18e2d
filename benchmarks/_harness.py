"""What every benchmark shares: settings, the fake server in a child process, runs taken in
turns, medians, result rows, the raw-aiohttp floor, and the console and Markdown reports.

A benchmark is a function ``run(settings) -> list[Comparison]``. It starts the fake GitBook
with ``serve(ServerSpec(...))`` (always in a child process, ``python -m benchmarks._harness
SPEC``, so that the server's CPU counts on neither side of a comparison), builds its
variants as zero-argument callables that return one measured value, lets ``rounds`` (or
``async_rounds``) run them in rotating order, and turns the runs into rows with
``Comparison``. ``render_table`` and ``render_page`` format the rows of a whole run.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import importlib.metadata
import json
import operator
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

import aiohttp
from aiohttp import web

from benchmarks._data import TOKEN, DataSet, integrations
from gitbook_async import GitBookClient
from gitbook_async.testing import FakeGitBook

K = TypeVar("K")
ROOT: Final = Path(__file__).resolve().parent.parent
MIN_RUNS: Final = 5
"""Every figure is the median of at least this many runs."""

# --- settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Options every benchmark's ``run`` receives: ``quick`` runs tiny sizes, one round each
    (``tests/test_benchmarks_smoke.py``: the figures then mean nothing)."""

    quick: bool = False

    def repeats(self, full: int = MIN_RUNS) -> int:
        """Rounds to run: ``full`` (at least ``MIN_RUNS``), or 1 when quick."""
        return 1 if self.quick else max(full, MIN_RUNS)

    def size(self, full: int, quick: int) -> int:
        """``full``, or ``quick`` in quick mode."""
        return quick if self.quick else full


# --- measurements and rows --------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """One quantity measured ``len(runs)`` times; the figure is the median (or the minimum,
    ``best=True``, for quantities only noise can inflate, such as import time)."""

    label: str
    unit: str
    runs: tuple[float, ...]
    decimals: int | None = None  # None: a precision that suits the size of the value
    best: bool = False

    @property
    def median(self) -> float:
        """The reported figure: the median of the runs (their minimum when ``best``)."""
        return min(self.runs) if self.best else statistics.median(self.runs)

    def show(self, value: float | None = None) -> str:
        """Format ``value`` (default: the figure) with a precision that suits its size."""
        value = self.median if value is None else value
        digits = self.decimals
        if digits is None:
            size = abs(value)
            digits = 3 if size < 10 else 2 if size < 100 else 1 if size < 1000 else 0
        return f"{value:,.{digits}f} {self.unit}"

    def spread(self) -> str:
        """The figure with the range of the runs, e.g. ``1.20 s (1.18 s - 1.31 s, n=5)``."""
        kind = "min" if self.best else "median"
        low, high = min(self.runs), max(self.runs)
        return f"{kind} {self.show()} ({self.show(low)} - {self.show(high)}, n={len(self.runs)})"


class Direction(enum.Enum):
    """How a value compares with its target."""

    AT_MOST = "<="
    AT_LEAST = ">="
    BELOW = "<"


_COMPARE: Final = {
    Direction.AT_MOST: operator.le,
    Direction.AT_LEAST: operator.ge,
    Direction.BELOW: operator.lt,
}


@dataclass(frozen=True)
class Target:
    """A goal for a ratio (``Target(Direction.AT_MOST, 0.6)``: "<= 0.6x"), or, with a unit
    other than ``"x"``, for the measured value itself (``Target(Direction.BELOW, 100,
    "objects")``)."""

    direction: Direction
    value: float
    unit: str = "x"

    def met_by(self, value: float) -> bool:
        """Tell whether ``value`` (a ratio, or the measured value) meets the target."""
        return bool(_COMPARE[self.direction](value, self.value))

    def __str__(self) -> str:
        unit = "x" if self.unit == "x" else f" {self.unit}"
        return f"{self.direction.value} {self.value:g}{unit}"


@dataclass(frozen=True)
class Check:
    """A further condition a row must meet besides its ratio (e.g. connections <= 16)."""

    description: str
    passed: bool


@dataclass(frozen=True)
class Comparison:
    """One row of the results: a subject against a baseline, as a ratio of their figures.

    ``ratio`` is subject/baseline, or baseline/subject when ``speedup``. Without a baseline
    the row reports the subject alone and its target applies to the value itself. A row
    without a target is for information; ``checks`` are further conditions of the target.
    """

    key: str
    title: str
    subject: Measurement
    baseline: Measurement | None = None
    target: Target | None = None
    speedup: bool = False
    checks: tuple[Check, ...] = field(default=())

    @property
    def ratio(self) -> float | None:
        """The ratio of the figures (None without a baseline)."""
        if self.baseline is None:
            return None
        pair = (self.baseline.median, self.subject.median)
        return _divide(*pair) if self.speedup else _divide(*reversed(pair))

    @property
    def value(self) -> float:
        """What the target applies to: the ratio, or the subject's figure without baseline."""
        ratio = self.ratio
        return self.subject.median if ratio is None else ratio

    @property
    def paired_ratio(self) -> float | None:
        """Median of the per-round ratios (runs taken side by side), when rounds line up."""
        if self.baseline is None or len(self.subject.runs) != len(self.baseline.runs):
            return None
        pairs = zip(self.subject.runs, self.baseline.runs, strict=True)
        return statistics.median(_divide(b, s) if self.speedup else _divide(s, b) for s, b in pairs)

    @property
    def met(self) -> bool | None:
        """Whether the target is met (None without a target)."""
        if self.target is None:
            return None
        return self.target.met_by(self.value) and all(check.passed for check in self.checks)


def _divide(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")


# --- runs taken in turns ----------------------------------------------------------------------


def interleaved(order: Sequence[K], repeat: int) -> list[K]:
    """Rotate ``order`` by ``repeat`` so that no variant always runs first (drift, warm-up)."""
    shift = repeat % len(order)
    return [*order[shift:], *order[:shift]]


def rounds(variants: Mapping[K, Callable[[], float]], repeats: int) -> dict[K, tuple[float, ...]]:
    """Run every variant once per round, in rotating order; collect the values they return."""
    runs: dict[K, list[float]] = {name: [] for name in variants}
    for repeat in range(repeats):
        for name in interleaved(list(variants), repeat):
            runs[name].append(variants[name]())
    return {name: tuple(values) for name, values in runs.items()}


async def async_rounds(
    variants: Mapping[K, Callable[[], Awaitable[float]]], repeats: int, *, warm_up: bool = True
) -> dict[K, tuple[float, ...]]:
    """``rounds`` for coroutines; ``warm_up`` first runs each variant once, unmeasured
    (connections, the SDK's converter hooks built on first use)."""
    if warm_up:
        for variant in variants.values():
            await variant()
    runs: dict[K, list[float]] = {name: [] for name in variants}
    for repeat in range(repeats):
        for name in interleaved(list(variants), repeat):
            runs[name].append(await variants[name]())
    return {name: tuple(values) for name, values in runs.items()}


def timed(walk: Callable[[], Awaitable[int]], expected: int) -> Callable[[], Awaitable[float]]:
    """A variant measuring the seconds ``walk`` takes; it must return ``expected`` items."""

    async def run() -> float:
        started = time.perf_counter()
        seen = await walk()
        elapsed = time.perf_counter() - started
        if seen != expected:
            raise RuntimeError(f"a walk saw {seen} items, not {expected}")
        return elapsed

    return run


async def at_once(keys: Sequence[str], one: Callable[[str], Awaitable[int]], limit: int) -> int:
    """Run ``one(key)`` for every key, ``limit`` at a time (a semaphore); sum the results."""
    slots = asyncio.Semaphore(limit)

    async def limited(key: str) -> int:
        async with slots:
            return await one(key)

    return sum(await asyncio.gather(*(limited(key) for key in keys)))


def python(*args: str, env: Mapping[str, str] | None = None) -> str:
    """Run a fresh ``python ARGS`` from the repository root; return its stdout.

    Raises:
        subprocess.CalledProcessError: the child failed (its stderr is in the error).
    """
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**_child_env(), **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _child_env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


# --- the raw floor and the SDK walk -----------------------------------------------------------

RAW_HEADERS: Final = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
"""What a raw client sends with every request."""


def endpoint(url: str, space_id: str) -> str:
    """The integrations listing of a space on the fake (``url`` is the server's origin)."""
    return f"{url}/v1/spaces/{space_id}/integrations"


async def raw_pages(
    session: aiohttp.ClientSession,
    url: str,
    space_id: str,
    *,
    limit: int | None = None,
    loads: Callable[[bytes], Any] = json.loads,
) -> AsyncIterator[dict[str, Any]]:
    """What a user writes by hand: GET, ``read()``, ``loads``, follow ``next.page``."""
    query = {} if limit is None else {"limit": str(limit)}
    while True:
        async with session.get(endpoint(url, space_id), params=query, headers=RAW_HEADERS) as r:
            if r.status != 200:
                raise RuntimeError(f"the raw walk got HTTP {r.status}")
            body = await r.read()
        page: dict[str, Any] = loads(body)
        yield page
        following = page.get("next")
        if following is None:
            return
        query = {**query, "page": following["page"]}


async def walk_raw(session: aiohttp.ClientSession, url: str, space_id: str, *, limit: int) -> int:
    """Walk a listing raw, reading every item's ``version``; return the item count."""
    count = 0
    async for page in raw_pages(session, url, space_id, limit=limit):
        for item in page["items"]:
            count += item["version"] > 0
    return count


async def walk_sdk(client: GitBookClient, space_id: str, *, limit: int) -> int:
    """Walk a listing with the SDK, reading every model's ``version``; return the count."""
    count = 0
    async for item in client.spaces.list_integrations(space_id, limit=limit):
        count += item.version > 0
    return count


# --- the fake GitBook in a child process ------------------------------------------------------

_READY: Final = "READY "
_START_TIMEOUT: Final = 300.0  # seconds: building 20,000 integrations takes a few
_STOP_TIMEOUT: Final = 10.0
INVALID_VERSION: Final = "not-a-number"
"""The ``version`` of the invalid item a space may hold (the spec says a number)."""


@dataclass(frozen=True)
class SpaceSpec:
    """One space: ``count`` items of a data set from item ``first`` on; ``invalid_at`` (an
    index within the space) gives that item a string ``version``."""

    count: int
    data: DataSet = DataSet.SPARSE
    first: int = 0
    invalid_at: int | None = None

    def items(self) -> Iterator[dict[str, Any]]:
        """The space's integrations as wire dicts, one at a time."""
        for position, item in enumerate(integrations(self.count, self.data, first=self.first)):
            if position == self.invalid_at:
                item["version"] = INVALID_VERSION
            yield item


@dataclass(frozen=True)
class ServerSpec:
    """What the fake serves: ``{space_id: SpaceSpec}``, its latency per request, and whether
    items carry fields newer than the models (``FakeGitBook(extra_fields=True)``)."""

    spaces: Mapping[str, SpaceSpec]
    latency: float = 0.0
    extra_fields: bool = False

    def to_json(self) -> str:
        """Encode for the child process's command line."""
        spaces = {k: [s.count, s.data.value, s.first, s.invalid_at] for k, s in self.spaces.items()}
        return json.dumps([spaces, self.latency, self.extra_fields])

    @classmethod
    def from_json(cls, text: str) -> ServerSpec:
        """Decode what ``to_json`` made."""
        spaces, latency, extra = json.loads(text)
        built = {
            k: SpaceSpec(n, DataSet(data), first, bad)
            for k, (n, data, first, bad) in spaces.items()
        }
        return cls(built, float(latency), bool(extra))


@dataclass(frozen=True)
class ServerStats:
    """What the server saw since the last reset: requests, and TCP connections (distinct
    client ``(host, port)`` peers)."""

    requests: int
    connections: int


class Host:
    """A fake GitBook running in a child process; ``url`` is its origin."""

    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self._process, self.url = process, url
        self._lock = asyncio.Lock()

    async def _ask(self, command: str) -> str:
        stdin, stdout = _pipes(self._process)
        async with self._lock:
            stdin.write(command.encode() + b"\n")
            await stdin.drain()
            reply = (await stdout.readline()).decode().strip()
        if not reply:
            raise RuntimeError(f"the benchmark server exited while asked {command!r}")
        return reply

    async def stats(self) -> ServerStats:
        """Requests and connections seen since the last ``reset``."""
        return ServerStats(*json.loads(await self._ask("stats")))

    async def reset(self) -> None:
        """Forget the requests and connections seen so far."""
        await self._ask("reset")


@contextlib.asynccontextmanager
async def serve(spec: ServerSpec) -> AsyncIterator[Host]:
    """Run the fake GitBook serving ``spec`` in a child process for the ``async with``."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks._harness",
        spec.to_json(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=_child_env(),
    )
    stdin, stdout = _pipes(process)
    try:
        line = (await asyncio.wait_for(stdout.readline(), _START_TIMEOUT)).decode()
        if not line.startswith(_READY):
            raise RuntimeError(f"the benchmark server did not start (it said {line!r})")
        yield Host(process, line[len(_READY) :].strip())
    finally:
        stdin.close()
        try:
            await asyncio.wait_for(process.wait(), _STOP_TIMEOUT)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
        await stdout.read()  # drain to EOF so the pipe transport closes now


def _pipes(
    process: asyncio.subprocess.Process,
) -> tuple[asyncio.StreamWriter, asyncio.StreamReader]:
    if process.stdin is None or process.stdout is None:  # pragma: no cover - PIPE was asked
        raise RuntimeError("the benchmark server has no stdin/stdout pipes")
    return process.stdin, process.stdout


async def _serve_child(spec: ServerSpec) -> None:
    """The child: serve ``spec``, count peers, answer ``stats``/``reset`` until stdin closes."""
    server = FakeGitBook(token=TOKEN, latency=spec.latency, extra_fields=spec.extra_fields)
    for space_id, space in spec.spaces.items():
        server.add_space(space_id, integrations=space.items())
    peers: set[object] = set()

    @web.middleware
    async def record_peer(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        transport = request.transport
        peers.add(None if transport is None else transport.get_extra_info("peername"))
        return await handler(request)

    server.app.middlewares.insert(0, record_peer)
    loop = asyncio.get_running_loop()
    async with server:
        print(f"{_READY}{server.url}", flush=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            if line.strip() == "reset":
                server.requests.clear()
                peers.clear()
            print(json.dumps([len(server.requests), len(peers)]), flush=True)


# --- reports ----------------------------------------------------------------------------------

_PACKAGES: Final = ("gitbook-async", "aiohttp", "attrs", "cattrs", "msgspec", "pydantic")
_PACKAGES_MORE: Final = ("orjson", "fastapi", "uvicorn", "redis")


def environment() -> list[str]:
    """The machine and library versions of this run, as Markdown list items."""
    versions = []
    for name in (*_PACKAGES, *_PACKAGES_MORE):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{name} {importlib.metadata.version(name)}")
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    return [
        f"- {os.cpu_count()} cores ({cpu}), {platform.platform()}",
        f"- {platform.python_implementation()} {platform.python_version()}; " + ", ".join(versions),
    ]


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def ratio_text(row: Comparison) -> str:
    """The ratio as shown (``0.61x``, ``13.8x faster``, or ``-`` without a baseline)."""
    ratio = row.ratio
    if ratio is None:
        return "-"
    return f"{ratio:.1f}x faster" if row.speedup else f"{ratio:.2f}x"


def verdict(row: Comparison) -> str:
    """``met`` / ``MISSED`` / ``-`` (no target: for information)."""
    return {True: "met", False: "MISSED", None: "-"}[row.met]


def _cells(row: Comparison, dash: str) -> tuple[str, ...]:
    baseline = "-" if row.baseline is None else f"{row.baseline.show()}{dash}{row.baseline.label}"
    return (
        row.key,
        row.title,
        f"{row.subject.show()}{dash}{row.subject.label}",
        baseline,
        ratio_text(row),
        str(row.target) if row.target else "for information",
        verdict(row),
    )


_HEADER: Final = ("#", "Benchmark", "Measured", "Baseline", "Ratio", "Goal", "Met")


def render_table(rows: Sequence[Comparison]) -> str:
    """A plain-text table for the terminal."""
    lines = [_HEADER, *(_cells(row, " - ") for row in rows)]
    widths = [min(60, max(len(c) for c in column)) for column in zip(*lines, strict=True)]
    return "\n".join(
        "  ".join(c[:w].ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
        for cells in lines
    )


def markdown_table(rows: Sequence[Comparison]) -> list[str]:
    """The results table, then each row's spread and checks, as Markdown lines."""
    out = ["| " + " | ".join(_HEADER) + " |", "|" + "---|" * len(_HEADER)]
    out += ["| " + " | ".join(_cells(row, " — ")) + " |" for row in rows]
    out += ["", "Spreads (min - max of the runs):", ""]
    for row in rows:
        paired = row.paired_ratio
        baseline = (
            "" if row.baseline is None else f"; {row.baseline.label}: {row.baseline.spread()}"
        )
        rounds = "" if paired is None else f" Ratio within each round, median: {paired:.2f}."
        out.append(
            f"- **{row.key}** {row.subject.label}: {row.subject.spread()}{baseline}.{rounds}"
        )
        out += [f"  {check.description}." for check in row.checks]
    return out


def kept_sections(previous: str | None, owned: frozenset[str]) -> list[str]:
    """The ``## `` sections of ``previous`` whose titles are not in ``owned``, in order.

    Each is returned whole (heading and body, trailing blank lines stripped). HTML comment
    lines right above a heading (markers such as ``<!-- benchmark N -->``) belong to it.
    """
    if not previous:
        return []
    sections: list[tuple[bool, list[str]]] = []
    current: list[str] = []
    kept = in_code = False
    for line in previous.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("## "):
            markers: list[str] = []
            while current and current[-1].startswith("<!--"):
                markers.insert(0, current.pop())
            sections.append((kept, current))
            current, kept = [*markers, line], line[3:].strip() not in owned
        else:
            current.append(line)
    sections.append((kept, current))
    return ["\n".join(lines).rstrip() for keep, lines in sections if keep]


if __name__ == "__main__":
    asyncio.run(_serve_child(ServerSpec.from_json(sys.argv[1])))
