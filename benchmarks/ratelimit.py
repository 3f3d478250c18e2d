"""Benchmark 11: the shared rate budget against the fake's GitBook-like windows.

Three scenarios, each against ``FakeGitBook`` with ``RateLimitWindow`` (fixed windows
aligned to the epoch, 429 without ``Retry-After`` past the limit, as GitBook answers):

- 11a: 60 concurrent calls on one client, 20 requests per 2 s.
- 11b: 300 spaces x their first page through ``list_integrations_many``, 50 requests per s.
- 11c: 3 processes x 100 calls on one token, sharing the budget through Redis
  (``RedisRateLimiter``; a ``redis-server`` on 127.0.0.1 is started for the run), 50 per s.
  It also counts the Redis commands per SDK request (``INFO commandstats`` deltas over the
  run: the commands the workers sent, goal <= 2, and those executed counting the scripts'
  inner calls).

The fake runs in the benchmark's own process (for 11a and 11b in the client's event loop):
the budget, not the CPU, sets the pace here.

The floor is ``(ceil(requests / limit) - 1) x window``: the least wall time the budget
allows. Each row compares the wall time with its goal (11a: floor + one window;
11b, 11c: 1.15 x floor + one window) and checks the 429s the server counted.
``python -m benchmarks.ratelimit`` runs them alone and draws each run's windows;
``--write-section docs/performance.md`` also rewrites this benchmark's section there.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import redis.asyncio as aioredis

from benchmarks._measure import Check, Comparison, Direction, Measurement, Target
from benchmarks._settings import Settings
from gitbook_async import GitBookClient
from gitbook_async.testing import (
    DEMO_SPACE_ID,
    DEMO_TOKEN,
    FakeGitBook,
    RateLimitWindow,
    WindowStats,
    make_integration,
)

TOKEN: Final = DEMO_TOKEN
REPEATS: Final = 5
SECTION_START: Final = "<!-- benchmark 11: rate budget (benchmarks/ratelimit.py) -->"
SECTION_END: Final = "<!-- end of benchmark 11 -->"
COMMAND: Final = "python -m benchmarks.ratelimit --write-section docs/performance.md"
TIMEOUT: Final = 120.0
ROOT: Final = Path(__file__).resolve().parent.parent
NO_REDIS: Final = "benchmark 11c needs redis-server (Debian: apt-get install redis-server)"


@dataclass(frozen=True)
class Scenario:
    """One row of benchmark 7: its size, the server's window and the goal."""

    key: str
    title: str
    requests: int
    limit: int
    window: float
    floor_factor: float  # goal = floor_factor x floor + one window
    max_refused: int
    processes: int = 1

    @property
    def floor(self) -> float:
        """The least wall time the budget allows: (ceil(requests / limit) - 1) x window."""
        return (math.ceil(self.requests / self.limit) - 1) * self.window

    @property
    def goal(self) -> float:
        """The goal for the wall time."""
        return self.floor_factor * self.floor + self.window


@dataclass(frozen=True)
class Run:
    """What one run measured: wall time, the server's counters, the calls that failed."""

    wall: float
    requests: int
    refused: int
    failed: int
    windows: tuple[WindowStats, ...]
    commands: Commands | None = None


@dataclass(frozen=True)
class Commands:
    """What Redis counted during a run (``INFO commandstats`` deltas, our own INFO excluded).

    ``sent`` are the commands the workers sent (EVALSHA, SUBSCRIBE, SCRIPT LOAD, ...);
    ``executed`` adds the commands the Lua scripts ran inside Redis (GET, SET, TIME,
    PUBLISH), which ``total_commands_processed`` counts too.
    """

    sent: int
    executed: int
    by_name: tuple[tuple[str, int], ...]

    def per_request(self, requests: int) -> float:
        """Commands the workers sent per request the server received."""
        return self.sent / max(requests, 1)

    def executed_per_request(self, requests: int) -> float:
        """Commands Redis executed (scripts' inner calls included) per request."""
        return self.executed / max(requests, 1)


SCRIPT_INNER: Final = frozenset({"get", "set", "time", "publish", "del", "pexpire"})
"""Commands only the limiter's Lua scripts run (the workers never send them directly)."""

COMMANDS_GOAL: Final = 2.0
"""The goal: Redis commands per SDK request in 11c (3 processes x 100 calls)."""


async def command_counts(client: aioredis.Redis) -> dict[str, int]:
    """Calls per command name so far (``INFO commandstats``), e.g. ``{"evalsha": 12}``.

    Use one connection for the counts before and after: a new connection's handshake
    (``HELLO``) would count too.
    """
    stats = await client.info("commandstats")
    return {
        name.removeprefix("cmdstat_"): int(value["calls"])
        for name, value in stats.items()
        if isinstance(value, dict)
    }


def command_delta(before: Mapping[str, int], after: Mapping[str, int]) -> Commands:
    """The commands counted between two ``command_counts`` (the second INFO excluded)."""
    delta = {name: calls - before.get(name, 0) for name, calls in after.items()}
    delta["info"] = delta.get("info", 0) - 1  # the INFO that took ``after``
    delta = {name: calls for name, calls in delta.items() if calls > 0}
    executed = sum(delta.values())
    sent = sum(calls for name, calls in delta.items() if name not in SCRIPT_INNER)
    return Commands(sent, executed, tuple(sorted(delta.items())))


def one_client(calls: int = 60) -> Scenario:
    """11a: concurrent calls on one client, 20 requests / 2 s."""
    return Scenario(
        "11a", f"{calls} concurrent calls on one client, 20 requests / 2 s", calls, 20, 2.0, 1.0, 2
    )


def many_spaces(spaces: int = 300) -> Scenario:
    """11b: first pages of many spaces through list_integrations_many, 50 requests / s."""
    return Scenario(
        "11b",
        f"{spaces} spaces x first page via list_integrations_many, 50 requests / s",
        spaces,
        50,
        1.0,
        1.15,
        spaces // 100,
    )


def processes(count: int = 3, calls: int = 100) -> Scenario:
    """11c: processes sharing one token through Redis, 50 requests / s."""
    total = count * calls
    return Scenario(
        "11c",
        f"{count} processes x {calls} calls, one token, shared through Redis, 50 requests / s",
        total,
        50,
        1.0,
        1.15,
        total // 100,
        count,
    )


# --- the runs ---------------------------------------------------------------------------------


async def _serve(scenario: Scenario, spaces: int = 0) -> FakeGitBook:
    server = FakeGitBook.with_demo_data(
        token=TOKEN, rate_limit=RateLimitWindow(scenario.limit, scenario.window)
    )
    for index in range(spaces):
        server.add_space(f"space-{index}", integrations=[make_integration("slack")])
    await server.start()
    return server


def _run(server: FakeGitBook, wall: float, failed: int, commands: Commands | None = None) -> Run:
    stats = server.rate_limit_stats(token=TOKEN)
    return Run(wall, stats.requests, stats.refused, failed, stats.windows, commands)


async def run_one_client(scenario: Scenario) -> Run:
    """11a: ``scenario.requests`` concurrent ``list_integration_blocks`` calls, one client."""
    server = await _serve(scenario)
    try:
        async with GitBookClient(TOKEN, base_url=server.url) as client:
            started = time.perf_counter()
            outcomes = await asyncio.gather(
                *(
                    client.spaces.list_integration_blocks(DEMO_SPACE_ID)
                    for _ in range(scenario.requests)
                ),
                return_exceptions=True,
            )
            wall = time.perf_counter() - started
        return _run(server, wall, sum(isinstance(o, BaseException) for o in outcomes))
    finally:
        await server.close()


async def run_many_spaces(scenario: Scenario) -> Run:
    """11b: the first page of ``scenario.requests`` spaces via ``list_integrations_many``."""
    server = await _serve(scenario, spaces=scenario.requests)
    space_ids = [f"space-{index}" for index in range(scenario.requests)]
    failed = 0
    try:
        async with GitBookClient(TOKEN, base_url=server.url) as client:
            started = time.perf_counter()
            async with client.spaces.list_integrations_many(space_ids, max_items=20) as results:
                async for result in results:
                    failed += not result.ok
            wall = time.perf_counter() - started
        return _run(server, wall, failed)
    finally:
        await server.close()


async def run_processes(scenario: Scenario) -> Run:
    """11c: worker processes share one budget through a redis-server of our own."""
    from tests._redis_server import RedisServer

    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(NO_REDIS)
    with tempfile.TemporaryDirectory(prefix="gitbook-async-bench-redis-") as directory:
        redis = RedisServer(binary, Path(directory))
        try:
            if not await asyncio.to_thread(redis.wait_ready):
                raise RuntimeError("redis-server did not start")
            server = await _serve(scenario)
            try:
                count = scenario.processes
                return await race(server, redis.url, calls=scenario.requests // count, count=count)
            finally:
                await server.close()
        finally:
            redis.stop()


async def race(server: FakeGitBook, redis_url: str, *, calls: int, count: int) -> Run:
    """Start ``count`` workers, let them go together once all are ready, time them."""
    command = [sys.executable, "-m", "benchmarks.ratelimit", "worker", server.url, redis_url]
    workers = [
        await asyncio.create_subprocess_exec(
            *command,
            str(calls),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for _ in range(count)
    ]
    for worker in workers:  # each says "ready" once it has imported and connected
        assert worker.stdout is not None
        await worker.stdout.readline()
    counter = aioredis.Redis.from_url(redis_url)
    before = await command_counts(counter)
    started = time.time()
    for worker in workers:  # all go at once (then each one's output is read)
        assert worker.stdin is not None
        worker.stdin.write(b"go\n")
        await worker.stdin.drain()
    answers = await asyncio.gather(*(worker.communicate() for worker in workers))
    outputs = [json.loads(stdout) for stdout, _ in answers]
    wall = max(out["finished"] for out in outputs) - started
    commands = command_delta(before, await command_counts(counter))
    await counter.aclose()
    return _run(server, wall, sum(out["failed"] for out in outputs), commands)


async def _worker(url: str, redis_url: str, calls: int) -> dict[str, float]:
    from gitbook_async.redis import RedisRateLimiter

    async with (
        RedisRateLimiter.from_url(redis_url) as limiter,
        GitBookClient(TOKEN, base_url=url, rate_limiter=limiter) as client,
    ):
        await limiter.budget("warm-up")  # connect before the start
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        outcomes = await asyncio.gather(
            *(client.spaces.list_integration_blocks(DEMO_SPACE_ID) for _ in range(calls)),
            return_exceptions=True,
        )
        finished = time.time()
    return {"finished": finished, "failed": sum(isinstance(o, BaseException) for o in outcomes)}


# --- the rows and the picture -----------------------------------------------------------------


RUNNERS: Final[dict[str, Callable[[Scenario], Awaitable[Run]]]] = {
    "11a": run_one_client,
    "11b": run_many_spaces,
    "11c": run_processes,
}


def measure(scenarios: Sequence[Scenario], repeats: int = REPEATS) -> dict[str, list[Run]]:
    """Run each scenario ``repeats`` times, in turn; return the runs by key."""
    runs: dict[str, list[Run]] = {s.key: [] for s in scenarios}
    sdk_logger = logging.getLogger("gitbook_async")
    level = sdk_logger.level
    sdk_logger.setLevel(logging.ERROR)  # one INFO per call that waited for the budget
    try:
        for _ in range(repeats):
            for scenario in scenarios:
                run = asyncio.run(asyncio.wait_for(RUNNERS[scenario.key](scenario), TIMEOUT))
                runs[scenario.key].append(run)
    finally:
        sdk_logger.setLevel(level)
    return runs


def comparison(scenario: Scenario, runs: Sequence[Run]) -> Comparison:
    """The results-table row of one scenario: median wall time against its goal."""
    refused = [run.refused for run in runs]
    failed = [run.failed for run in runs]
    return Comparison(
        key=scenario.key,
        title=scenario.title,
        subject=Measurement("wall time", "s", tuple(run.wall for run in runs)),
        baseline=Measurement(
            f"goal ({scenario.floor_factor:g} x floor {scenario.floor:g} s + one window)",
            "s",
            tuple(scenario.goal for _ in runs),
        ),
        target=Target(Direction.AT_MOST, 1.0),
        checks=(
            Check(
                f"429s per run: {', '.join(map(str, refused))} (goal: at most "
                f"{scenario.max_refused}); requests per run: "
                f"{', '.join(str(run.requests) for run in runs)}",
                max(refused) <= scenario.max_refused,
            ),
            Check(f"failed calls per run: {', '.join(map(str, failed))}", max(failed) == 0),
            *_command_checks(runs),
        ),
    )


def _command_checks(runs: Sequence[Run]) -> tuple[Check, ...]:
    """11c's Redis cost: commands sent per request against the goal (and those executed)."""
    counted = [run for run in runs if run.commands is not None]
    if not counted:
        return ()
    sent = [run.commands.per_request(run.requests) for run in counted if run.commands]
    executed = [run.commands.executed_per_request(run.requests) for run in counted if run.commands]
    return (
        Check(
            f"Redis commands per request, sent: {', '.join(f'{x:.2f}' for x in sent)} (goal: at "
            f"most {COMMANDS_GOAL:g}); executed, scripts' inner calls included: "
            f"{', '.join(f'{x:.2f}' for x in executed)}",
            max(sent) <= COMMANDS_GOAL,
        ),
    )


def picture(scenario: Scenario, run: Run, width: int = 50) -> str:
    """Requests per window against the limit, as text: one bar per window, ``x`` = 429."""
    if not run.windows:
        return "(no requests)"
    first = run.windows[0].started_at
    scale = width / max(scenario.limit, max(w.requests for w in run.windows))
    mark = round(scenario.limit * scale)
    lines = [
        f"{scenario.key}: requests per {scenario.window:g} s window (| = limit {scenario.limit})"
    ]
    for window in run.windows:
        ok = window.requests - window.refused
        bar = "#" * round(ok * scale) + "x" * round(window.refused * scale)
        bar = bar.ljust(mark) if len(bar) < mark else bar
        bar = bar[:mark] + "|" + bar[mark:]
        refused = f", {window.refused} refused" if window.refused else ""
        lines.append(f"  +{window.started_at - first:5.1f} s  {bar}  {window.requests}{refused}")
    return "\n".join(lines)


def scenarios(settings: Settings) -> list[Scenario]:
    """The three scenarios at their full sizes, or tiny ones in quick mode (11c only with
    a ``redis-server`` to start)."""
    chosen = [
        one_client(settings.size(60, 10)),
        many_spaces(settings.size(300, 20)),
        processes(settings.size(3, 2), settings.size(100, 5)),
    ]
    if shutil.which("redis-server") is None:
        print(f"[11c] skipped: {NO_REDIS}", file=sys.stderr)
        chosen.pop()
    return chosen


def run_ratelimit(settings: Settings) -> list[Comparison]:
    """Run benchmark 11 (the registry's entry point) and return its rows."""
    chosen = scenarios(settings)
    runs = measure(chosen, settings.repeats(REPEATS))
    return [comparison(s, runs[s.key]) for s in chosen]


def analysis(rows: Mapping[str, Comparison], findings: object = None) -> str:
    """The paragraph of *What the numbers say* for benchmark 11."""
    parts = []
    for key in ("11a", "11b", "11c"):
        row = rows.get(key)
        if row is None:
            continue
        verdict = "met" if row.met else "missed"
        goal = "" if row.baseline is None else f" against a goal of {row.baseline.show()}"
        parts.append(f"{key} {verdict}, {row.subject.show()} (median){goal}")
    return (
        "**11. Rate budget:** "
        + "; ".join(parts)
        + ". The 429s each run met are listed with the results above; the section *Rate "
        "budget (benchmark 11)* below draws the requests of each window against the limit."
    )


def section(scenarios: Sequence[Scenario], runs: dict[str, list[Run]]) -> str:
    """This benchmark's section of docs/performance.md, pictures included."""
    rows = [comparison(s, runs[s.key]) for s in scenarios]
    out = [
        SECTION_START,
        "## Rate budget (benchmark 11)",
        "",
        "Goals against the fake's GitBook-like windows (fixed, aligned to the "
        "epoch, 429 without `Retry-After`; a refused request still counts). Floor = "
        "(ceil(requests / limit) - 1) x window. A run starts at a random point of the "
        "server's first window, so it can end up to one window below the floor (11a's "
        "three windows of 2 s fit in 2 s to 4 s plus the last answers). The fake runs in "
        "the benchmark's process; 11c's three workers are child processes that start "
        "together once each has connected. "
        f"Reproduce: `{COMMAND}` (needs `redis-server` for 11c).",
        "",
        "| # | Scenario | Wall time (median, min - max) | Goal | 429s per run | Met |",
        "|---|---|---|---|---|---|",
    ]
    for scenario, row in zip(scenarios, rows, strict=True):
        walls = row.subject.runs
        refused = ", ".join(str(r.refused) for r in runs[scenario.key])
        out.append(
            f"| {row.key} | {row.title} | {statistics.median(walls):.2f} s ({min(walls):.2f} - "
            f"{max(walls):.2f}, n={len(walls)}) | <= {scenario.goal:.2f} s, 429s <= "
            f"{scenario.max_refused} | {refused} | {'yes' if row.met else 'NO'} |"
        )
    for scenario in scenarios:
        counted = [run.commands for run in runs[scenario.key] if run.commands is not None]
        if counted:
            requests = [run.requests for run in runs[scenario.key] if run.commands is not None]
            sent = [c.per_request(n) for c, n in zip(counted, requests, strict=True)]
            executed = [c.executed_per_request(n) for c, n in zip(counted, requests, strict=True)]
            out += [
                "",
                f"{scenario.key}: Redis commands per SDK request (`INFO commandstats` deltas): "
                f"sent by the workers {statistics.median(sent):.2f} (median; "
                f"{min(sent):.2f} - {max(sent):.2f}; goal <= {COMMANDS_GOAL:g}), executed "
                f"with the scripts' inner GET/SET/TIME/PUBLISH {statistics.median(executed):.2f}.",
            ]
    out += ["", "One run of each, drawn from the server's counters:", "", "```text"]
    for scenario in scenarios:
        median_run = sorted(runs[scenario.key], key=lambda r: r.wall)[len(runs[scenario.key]) // 2]
        out += [picture(scenario, median_run), ""]
    out[-1] = "```"
    out += ["", SECTION_END]
    return "\n".join(out)


def write_section(path: Path, text: str) -> None:
    """Replace this benchmark's section in ``path`` (or append it)."""
    page = path.read_text(encoding="utf-8")
    if SECTION_START in page and SECTION_END in page:
        head, rest = page.split(SECTION_START, 1)
        _, tail = rest.split(SECTION_END, 1)
        page = head + text + tail
    else:
        page = page.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(page, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Run benchmark 11 and print its table and pictures (or serve as an 11c worker)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["worker"]:
        logging.getLogger("gitbook_async").setLevel(logging.ERROR)
        url, redis_url, calls = args[1:4]
        print(json.dumps(asyncio.run(_worker(url, redis_url, int(calls)))))
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ratelimit", description=__doc__)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--only", help="comma-separated keys, e.g. 11a,11c")
    parser.add_argument("--write-section", metavar="PATH", type=Path)
    options = parser.parse_args(args)
    chosen = scenarios(Settings())
    if options.only:
        wanted = set(options.only.split(","))
        chosen = [s for s in chosen if s.key in wanted]
    runs = measure(chosen, options.repeats)
    text = section(chosen, runs)
    print(text)
    if options.write_section is not None:
        write_section(options.write_section, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
