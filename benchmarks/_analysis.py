"""The prose of ``docs/performance.md``: what each result means, computed from the run.

Every number in the prose comes from the rows of the run being written up (or the
parse-path findings); nothing here is a figure typed in by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from benchmarks._measure import Comparison
from benchmarks.concurrency import LATENCY as CONCURRENCY_LATENCY
from benchmarks.concurrency import MAX_CONNECTIONS
from benchmarks.cycles import WALKS
from benchmarks.prefetch import CALLER_WORK, DEFAULT_PAGE_SIZE
from benchmarks.prefetch import LATENCY as PREFETCH_LATENCY
from benchmarks.profile_parse import Findings
from benchmarks.stall import PAGE_SIZES as STALL_PAGE_SIZES
from benchmarks.structuring import SDK_BYTES_LABEL
from benchmarks.walk import ITEMS, LATENCY, LATENCY_ITEMS, PAGE_SIZE

Rows = Mapping[str, Comparison]
Analysis = Callable[[Rows, "Findings | None"], str]
"""Prose for one benchmark: from the rows of the run (keyed by row key) and the findings."""

INTRO: Final = (
    "The benchmarks of GitHub issue 12 (and the ones of issue 5 that still apply), run "
    "against the fake GitBook (`gitbook_async.testing.FakeGitBook`) on 127.0.0.1, in another "
    "process than the client. This page is written by the command under *Reproduce*; the "
    "numbers are from that run. The machine is a shared 2-core virtual machine whose speed "
    "drifts, so read the ratios, which compare runs taken side by side, rather than the "
    "absolute times."
)

METHOD: Final = """\
- Every figure is the median of at least 5 runs. The variants of a benchmark take turns,
  round after round, in a rotating order, so that drift and bursts of noise hit each of
  them alike; the details above also give the median of the per-round ratios.
- Each benchmark warms up first (connections, and the SDK's converter hooks, which are
  built on first use) on a short listing, outside the measured runs.
- The fake GitBook runs in a child process (`python -m benchmarks._host`), as issue 12
  measured: the client's event loop is its own, and the server's CPU counts on neither
  side of a comparison. `--server in-process` runs it in the client's loop instead.
  Spaces are built from `benchmarks/_data.py` in the child: every item is a pure
  function of its data set and index.
- The raw baseline is what a user would write by hand: `aiohttp` GET, `await
  response.read()`, `json.loads`, follow `next.page`, read each item's `version`. The SDK
  walks read `item.version` of each model likewise.
- Benchmark 4 runs with the collector off (`gc.disable()`), after a `gc.collect()`, and
  reports what the next `gc.collect()` finds after the walks and a 0.1 s pause.
- Benchmark 5's ticker sleeps 2 ms at a time; a walk's figure is its latest wake-up.
- Benchmark 6 and the profile's measurements are pure CPU; each timed run starts after a
  `gc.collect()` (the collector stays on during the run), so that no variant pays for the
  collections another one made due.
- Benchmark 7 counts TCP connections on the server: a middleware added to the fake's
  `aiohttp` application records each distinct client `(host, port)`; every concurrent run
  uses a fresh client, so the count is what that run opened.
- Benchmark 8 runs fresh interpreters; byte-code is compiled once beforehand, as pip does
  when it installs a wheel.
- Benchmark 10 reads `tracemalloc`'s peak (Python allocations, above what was allocated
  before the walk): only the client is traced."""

PROFILE_NOTES: Final = (
    "`python -m benchmarks.profile_parse` profiles `structure(page, IntegrationList)` (decoded "
    "dicts to models) over 2,000 fully filled integrations, then measures without the "
    "profiler (cProfile charges a fixed cost to every Python call and so overstates the "
    "hooks). Its summary, from this run:"
)


def _verdict(row: Comparison) -> str:
    return {True: "met", False: "missed", None: "for information"}[row.met]


def _ratio(row: Comparison) -> str:
    ratio = row.ratio
    return "-" if ratio is None else f"{ratio:.2f}x"


def _walk(rows: Rows, findings: Findings | None) -> str:
    parts = []
    for key, what in (("1a", "fully filled items"), ("1b", "sparse items from 200 owners")):
        row = rows.get(key)
        if row is None or row.baseline is None:
            continue
        raw_us = row.baseline.median / ITEMS * 1e6
        sdk_us = row.subject.median / ITEMS * 1e6
        allowed = raw_us * row.target.value if row.target else raw_us
        parts.append(
            f"on {what} {_verdict(row)}, {_ratio(row)} ({sdk_us:.0f} µs per item against "
            f"{raw_us:.0f} µs for the raw walk; the target allows {allowed:.0f} µs)"
        )
    return (
        f"**1. Walk {ITEMS:,} items, {PAGE_SIZE} a page, no latency (target <= 0.8x raw): "
        + "; ".join(parts)
        + ".** The raw walk's time per item is HTTP on loopback and `json.loads` into dicts: "
        "to meet the target, the SDK has to turn the same bytes into typed, validated models "
        "in less time than that."
    )


def _latency_walk(rows: Rows, findings: Findings | None) -> str:
    row = rows["2"]
    assert row.baseline is not None
    pages = LATENCY_ITEMS // PAGE_SIZE
    raw_ms = row.baseline.median / pages * 1000
    sdk_ms = row.subject.median / pages * 1000
    return (
        f"**2. Walk with {LATENCY * 1000:.0f} ms of latency per request (target <= 1.0x raw): "
        f"{_verdict(row)}, {_ratio(row)}.** A page costs the raw walk {raw_ms:.1f} ms and the "
        f"SDK {sdk_ms:.1f} ms. Cursor pages chain (page n+1's cursor is in page n's body), so "
        "the SDK keeps up only if it sends the next request before it structures the page it "
        "has, and structures while the server waits out its latency."
    )


def _first_pages(rows: Rows, findings: Findings | None) -> str:
    row = rows["3"]
    text = (
        f"**3. 200 spaces x first 100 items, 16 at once (target <= 1.0x raw): "
        f"{_verdict(row)}, {_ratio(row)}** with the default prefetch"
    )
    plain = rows.get("3i")
    if plain is not None:
        text += f" ({_ratio(plain)} with `prefetch=0`)"
    return text + (
        ". Each space holds two pages, but a walk that stops within its first page never "
        "asks for the second (prefetch starts once the first page is handed over, and a "
        "`break` before the loop runs again cancels it before it sends anything), so the two "
        "rows differ by noise. With 16 walks at once the client's core is saturated, so what "
        "counts is CPU per request: the raw walk only runs `json.loads`, while the SDK "
        "validates and builds typed models (about 17 µs per item in benchmark 6, owners "
        "shared through the client's memo) and runs its per-request machinery (rate budget, "
        "retry decisions, redirect checks). Closing the gap would take cheaper model building "
        "on first sightings (e.g. memoising repeated sub-objects such as configuration "
        "schemas, which the accelerated path cannot yet keep raw inside optional fields)."
    )


def _cycles(rows: Rows, findings: Findings | None) -> str:
    row = rows["4"]
    counts = [
        f"{name} {rows[key].subject.median:,.0f}"
        for key, name in (("4i", "`prefetch=0`"), ("4ii", "the raw walk"))
        if key in rows
    ]
    text = (
        f"**4. Objects left in reference cycles by {WALKS} walks ended early (target < 100): "
        f"{_verdict(row)}, {row.subject.median:,.0f}** with the default prefetch"
    )
    if counts:
        text += " (" + ", ".join(counts) + ")"
    return text + (
        ". Objects in cycles wait for the cyclic collector: memory lingers, and with many "
        "concurrent walks the collections themselves cost time."
    )


def _stall(rows: Rows, findings: Findings | None) -> str:
    parts, cpu_parts = [], []
    keys = (("5a", "5i"), ("5b", "5ii"))
    for (key, cpu_key), size in zip(keys, STALL_PAGE_SIZES, strict=True):
        row, cpu = rows.get(key), rows.get(cpu_key)
        if row is not None and row.baseline is not None:
            parts.append(
                f"{size:,}-item pages {_verdict(row)}, {_ratio(row)} "
                f"({row.subject.show()} against {row.baseline.show()})"
            )
        if cpu is not None and cpu.baseline is not None:
            cpu_parts.append(
                f"{cpu.subject.show()} against {cpu.baseline.show()} ({_ratio(cpu)}) on "
                f"{size:,}-item pages"
            )
    text = (
        "**5. Worst event-loop stall while walking (target <= 1.2x raw): "
        + "; ".join(parts)
        + ".** The raw walk stalls the loop too: `json.loads` decodes a whole page between "
        "two `await`s. Every other task sharing the loop (the other requests of a web app) "
        "waits that long."
    )
    if cpu_parts:
        text += (
            " Counted as CPU time of the loop's thread between two ticks (which the "
            "machine's other load does not inflate): " + "; ".join(cpu_parts) + "."
        )
    return text


def _structuring(rows: Rows, findings: Findings | None) -> str:
    parts = []
    for key, what in (("6a", "fully filled items"), ("6b", "sparse items")):
        row = rows.get(key)
        if row is None or row.baseline is None:
            continue
        parts.append(
            f"{what} {_verdict(row)}, {_ratio(row)} ({row.subject.show()} against "
            f"{row.baseline.show()})"
        )
    text = [
        "**6. Bytes to models vs pydantic v2 `model_validate_json` (target <= 0.5x): "
        + "; ".join(parts)
        + ".** The pydantic mirror (`benchmarks/_pydantic_models.py`) does what the SDK "
        "does, field for field: strict primitives, open enums, kept unknown fields, "
        "discriminated subclasses chosen by the same keys, frozen instances; it parses the "
        "JSON in Rust without building intermediate dicts."
    ]
    if SDK_BYTES_LABEL.startswith("structure(json.loads"):
        text.append(
            f" The SDK's side is `{SDK_BYTES_LABEL}`, the bytes -> models path its public API "
            "offers; a walk may take a faster internal path (compare benchmark 1)."
        )
    dicts = rows.get("6i")
    if dicts is not None:
        text.append(
            f" From decoded dicts, `structure` took {_ratio(dicts)} the time of "
            "`model_validate` (6i)."
        )
    decode = rows.get("6ii")
    if decode is not None and decode.ratio:
        text.append(f" orjson decoded a page {1 / decode.ratio:.1f}x faster than `json` (6ii).")
    return "".join(text)


def _concurrency(rows: Rows, findings: Findings | None) -> str:
    row = rows["7"]
    assert row.baseline is not None
    spaces = 500
    sequential_ms = row.baseline.median / spaces * 1000
    per_request_ms = row.subject.median / spaces * 1000
    floor = spaces / MAX_CONNECTIONS * CONCURRENCY_LATENCY
    connections = "met" if all(check.passed for check in row.checks) else "MISSED"
    text = [
        f"**7. Bounded concurrency (target >= 12x, at most {MAX_CONNECTIONS} connections): "
        f"{_verdict(row)}, {row.value:.1f}x; connections {connections}** (counted by the "
        f"server, see the details above). One by one, a space costs {sequential_ms:.1f} ms: "
        f"{CONCURRENCY_LATENCY * 1000:.0f} ms of latency and the rest CPU. With 16 in flight, "
        f"latency alone would allow {floor:.2f} s for {spaces} spaces; the run takes "
        f"{row.subject.median:.2f} s, {per_request_ms:.2f} ms per request."
    ]
    raw = rows.get("7i")
    if raw is not None:
        text.append(
            f" Against plain aiohttp + `json.loads` with 16 in flight, the concurrent run took "
            f"{_ratio(raw)} the time (7i)."
        )
    return "".join(text)


def _imports(rows: Rows, findings: Findings | None) -> str:
    row = rows["8"]
    assert row.baseline is not None
    extra = row.subject.median - row.baseline.median
    return (
        f"**8. Import time (target <= 1.3x): {_verdict(row)}, {_ratio(row)}.** "
        f"`import gitbook_async` costs {extra:+.0f} ms against `import aiohttp` (which it "
        "includes), as `-X importtime` counts it."
    )


def _prefetch(rows: Rows, findings: Findings | None) -> str:
    row, deeper = rows["9"], rows.get("9i")
    assert row.baseline is not None
    pages = 50
    sequential_ms = row.baseline.median / pages * 1000
    prefetched_ms = row.subject.median / pages * 1000
    work_ms = CALLER_WORK * 1000
    fetch_ms = sequential_ms - work_ms
    text = [
        f"**9. Prefetch (issue 5, target <= 0.6x): {_verdict(row)}, {_ratio(row)}.** Without "
        f"prefetch a page costs {sequential_ms:.1f} ms: {work_ms:.0f} ms of the caller's work "
        f"plus {fetch_ms:.1f} ms to fetch it ({PREFETCH_LATENCY * 1000:.0f} ms of latency, the "
        f"rest CPU: HTTP, `json` and structuring {DEFAULT_PAGE_SIZE} integrations). With "
        f"prefetch a walk goes at the pace of the slower of the two: {prefetched_ms:.1f} ms "
        "per page."
    ]
    if deeper is not None:
        text.append(f" prefetch=2 measured {_ratio(deeper)} (9i).")
    return "".join(text)


def _memory(rows: Rows, findings: Findings | None) -> str:
    row = rows["10"]
    assert row.baseline is not None
    growth = (row.subject.median - row.baseline.median) * 1024
    return (
        f"**10. Peak memory, 1,000 pages vs 10 (issue 5, target <= 1.2x): {_verdict(row)}, "
        f"{_ratio(row)}** ({row.subject.show()} against {row.baseline.show()}, 10 sparse "
        "integrations per page, items dropped as they are read: the smallest working set, "
        "since `tracemalloc` slows the walk about 5x). The difference, "
        f"{growth:.0f} KiB, is what a long walk holds at its peak beyond a short one: "
        "buffers and free lists that a 10-page walk does not fill, and whatever the SDK "
        "keeps for the length of a walk (anything it caches per walk has to be bounded for "
        "this ratio to stay flat as walks grow)."
    )


def proposals(findings: Findings) -> list[str]:
    """What the profile sizes, from this run's measurements (µs per integration)."""
    f = findings
    shipped = f.init_us["frozen, slots (as shipped)"]
    mutable = f.init_us["not frozen, slots"]
    hooks = f.calls_per_item * f.call_cost_ns / 1000
    gc_share = 1 - f.structure_no_gc_us / f.structure_us
    return [
        "What these measurements size (µs per integration):",
        "",
        f"- **The owner `Organization`** takes {f.owner_us:.0f} µs, "
        f"{f.owner_us / f.structure_us:.0%} of structuring a fully filled item; on the sparse "
        "data most owners repeat across a walk.",
        f"- **Model construction**: attrs' frozen slotted `__init__` costs {shipped:.0f} µs "
        f"for the ~{f.init_us['instances per item']:.0f} instances of an item, a non-frozen "
        f"one {mutable:.0f} µs.",
        f"- **Python calls**: {f.calls_per_item:.0f} per item at ~{f.call_cost_ns:.0f} ns of "
        f"call overhead each, ~{hooks:.0f} µs.",
        f"- **Garbage collection**: {gc_share:.0%} of structuring here.",
    ]


ANALYSES: Final[Mapping[str, Analysis]] = {
    "1a": _walk,
    "2": _latency_walk,
    "3": _first_pages,
    "4": _cycles,
    "5a": _stall,
    "6a": _structuring,
    "7": _concurrency,
    "8": _imports,
    "9": _prefetch,
    "10": _memory,
}
"""Prose per benchmark, keyed by the row that must be present for it to be written."""
