"""Profile the parse path: where ``structure(page, IntegrationList)`` spends its time.

``python -m benchmarks.profile_parse [--items 2000]`` runs cProfile over structuring
GitBook-shaped integrations (100 per page, decoded once, outside the profile), prints the
top functions by cumulative and by own time, then a breakdown of own time by kind of work
and a few measurements (without the profiler) that size the optimisations worth making.

cProfile charges a fixed cost to every Python call, so it overstates call-heavy code; the
measurements at the end are taken without it.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import io
import json
import pstats
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import attrs

from benchmarks._data import page_bytes
from gitbook_async import GitBookModel, IntegrationList, Organization, structure

PAGE_SIZE: Final = 100
ROUNDS: Final = 9  # of each unprofiled measurement (the median is reported)
TOP: Final = 15

# Own time is grouped by the first rule whose test matches (file, line, function name).
_KINDS: Final[Sequence[tuple[str, Callable[[str, str], bool]]]] = (
    ("attrs __init__ (frozen: object.__setattr__ per field)", lambda f, n: "<attrs generated" in f),
    ("cattrs generated per-class structure fns", lambda f, n: "<cattrs generated" in f),
    (
        "SDK generated fast-path model hooks (inline checks, slot filling)",
        lambda f, n: "<gitbook_async fast structure" in f,
    ),
    ("SDK generated accelerated builders", lambda f, n: "<gitbook_async accelerated" in f),
    ("SDK generated primitive hooks", lambda f, n: f.startswith("<gitbook_async structure_")),
    ("SDK model hook (type check, unknown fields, nulls)", lambda f, n: n == "structure_model"),
    ("SDK optional/union wrappers", lambda f, n: n in {"structure_optional", "structure_union"}),
    (
        "SDK tuple/mapping hooks",
        lambda f, n: (
            n.startswith(("structure_tuple", "structure_mapping", "<listcomp>"))
            or n == "<dictcomp>"
        ),
    ),
    (
        "SDK strict primitives",
        lambda f, n: n in {"structure_str", "structure_bool", "structure_int", "structure_float"},
    ),
    ("SDK open enums", lambda f, n: n == "structure_open_enum"),
    ("timestamps (regex + datetime)", lambda f, n: "timestamp" in n or "datetime" in n.lower()),
    (
        "SDK discriminated unions (properties, configurations, CSP)",
        lambda f, n: f.endswith(("_hooks.py", "_unions.py")),
    ),
    ("built-ins (isinstance, set/dict methods, setattr, ...)", lambda f, n: f == "~"),
)


@dataclass(frozen=True)
class Share:
    """Own time of one kind of work, in seconds and as a share of the profiled total."""

    kind: str
    seconds: float
    share: float
    calls: int


def decoded_pages(items: int) -> list[dict[str, Any]]:
    """``items`` integrations as decoded pages (one page decoded once, structured repeatedly).

    One page object, not copies: a walk holds one page at a time, and a heap of 20 decoded
    pages would make the garbage collector's share look larger than in a walk.
    """
    page = json.loads(page_bytes(PAGE_SIZE, total=items))
    return [page] * max(1, items // PAGE_SIZE)


def structure_all(pages: list[dict[str, Any]]) -> int:
    """Structure every page; return the number of items."""
    return sum(len(structure(page, IntegrationList).items) for page in pages)


def profile(pages: list[dict[str, Any]]) -> pstats.Stats:
    """cProfile ``structure_all(pages)`` (after one warm-up page builds the hooks)."""
    structure_all(pages[:1])
    profiler = cProfile.Profile()
    profiler.enable()
    structure_all(pages)
    profiler.disable()
    return pstats.Stats(profiler, stream=io.StringIO())


def breakdown(stats: pstats.Stats) -> list[Share]:
    """Own time grouped into kinds of work, largest first."""
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    table = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in table.values())
    seconds: dict[str, float] = {}
    calls: dict[str, int] = {}
    for (filename, _line, name), (_primitive, ncalls, own, _cumulative, _callers) in table.items():
        kind = next((k for k, test in _KINDS if test(filename, name)), "other")
        seconds[kind] = seconds.get(kind, 0.0) + own
        calls[kind] = calls.get(kind, 0) + ncalls
    return sorted(
        (Share(kind, s, s / total, calls[kind]) for kind, s in seconds.items()),
        key=lambda share: -share.seconds,
    )


def python_calls_per_item(stats: pstats.Stats, items: int) -> float:
    """Python-level function calls (built-ins excluded) per structured item."""
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    table = stats.stats  # type: ignore[attr-defined]
    return sum(entry[1] for (f, _, _), entry in table.items() if f != "~") / items


def per_item_us(
    operations: Mapping[str, tuple[Callable[[], object], int]], *, rounds: int = ROUNDS
) -> dict[str, float]:
    """Median µs per item of each ``(operation, items it handles)``, unprofiled.

    The operations take turns, round after round, so that a burst of machine noise hits
    one run of each rather than all runs of one.
    """
    timings: dict[str, list[float]] = {name: [] for name in operations}
    for _ in range(rounds):
        for name, (operation, items) in operations.items():
            gc.collect()  # no collections left due by the previous operation
            started = time.perf_counter()
            operation()
            timings[name].append((time.perf_counter() - started) / items * 1e6)
    return {name: statistics.median(values) for name, values in timings.items()}


def call_cost_ns(*, calls: int = 200_000) -> float:
    """ns of one call to a two-argument Python hook like ``_structure_str`` (unprofiled)."""

    def hook(value: Any, _: Any) -> Any:
        if isinstance(value, str):
            return value
        raise TypeError(value)

    started = time.perf_counter()
    for _ in range(calls):
        hook("x", str)
    with_call = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(calls):
        if not isinstance("x", str):
            raise TypeError("x")
    inline = time.perf_counter() - started
    return (with_call - inline) / calls * 1e9


def _instances(value: object) -> Iterator[GitBookModel]:
    """Every model instance in a structured value, depth first."""
    if isinstance(value, GitBookModel):
        yield value
        for field in attrs.fields(type(value)):
            yield from _instances(getattr(value, field.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _instances(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _instances(item)


def _twin(cls: type, *, frozen: bool, slots: bool) -> type:
    """A class with the same attrs fields as ``cls`` but other class options."""
    fields = {
        a.name: attrs.field(default=a.default, init=a.init, alias=a.alias)
        for a in attrs.fields(cls)
    }
    return attrs.make_class(cls.__name__, fields, kw_only=True, frozen=frozen, slots=slots)


def init_costs(pages: list[dict[str, Any]], *, rounds: int = ROUNDS) -> dict[str, float]:
    """µs per item spent in model ``__init__`` alone, as the models are and with other options.

    Rebuilds every instance of one structured page from its own field values, with the
    real classes (frozen, slotted), with non-frozen slotted twins and with frozen
    dict-based twins.
    """
    page = structure(pages[0], IntegrationList)
    instances = list(_instances(page.items))
    calls = [
        (type(i), {a.alias: getattr(i, a.name) for a in attrs.fields(type(i)) if a.init})
        for i in instances
    ]
    classes = {cls for cls, _ in calls}
    twins: dict[str, dict[type, type]] = {
        "frozen, slots (as shipped)": {cls: cls for cls in classes},
        "not frozen, slots": {cls: _twin(cls, frozen=False, slots=True) for cls in classes},
        "frozen, no slots": {cls: _twin(cls, frozen=True, slots=False) for cls in classes},
    }
    items = len(page.items)

    def rebuild(classes: dict[type, type]) -> None:
        for cls, kwargs in calls:
            classes[cls](**kwargs)

    costs = per_item_us(
        {name: (functools.partial(rebuild, classes), items) for name, classes in twins.items()},
        rounds=rounds,
    )
    costs["instances per item"] = len(instances) / items
    return costs


@dataclass(frozen=True)
class Findings:
    """What the profile and the unprofiled measurements found."""

    items: int
    stats: pstats.Stats
    shares: list[Share]
    calls_per_item: float
    call_cost_ns: float
    structure_us: float
    structure_no_gc_us: float
    owner_us: float
    init_us: dict[str, float]


def _without_gc(
    function: Callable[[list[dict[str, Any]]], int], pages: list[dict[str, Any]]
) -> int:
    gc.disable()
    try:
        return function(pages)
    finally:
        gc.enable()


def analyse(items: int, *, rounds: int = ROUNDS) -> Findings:
    """Profile structuring ``items`` integrations, then measure without the profiler."""
    pages = decoded_pages(items)
    items = len(pages) * PAGE_SIZE
    gc.disable()  # a collection is charged to whichever function allocated last
    try:
        stats = profile(pages)
    finally:
        gc.enable()
    owners = [item["owner"] for item in pages[0]["items"]]
    timed = per_item_us(
        {
            "page": (lambda: structure_all(pages[:1]), PAGE_SIZE),
            "page, gc off": (lambda: _without_gc(structure_all, pages[:1]), PAGE_SIZE),
            "owners": (lambda: [structure(o, Organization) for o in owners], len(owners)),
        },
        rounds=rounds,
    )
    return Findings(
        items=items,
        stats=stats,
        shares=breakdown(stats),
        calls_per_item=python_calls_per_item(stats, items),
        call_cost_ns=call_cost_ns(calls=20_000 * rounds),
        structure_us=timed["page"],
        structure_no_gc_us=timed["page, gc off"],
        owner_us=timed["owners"],
        init_us=init_costs(pages, rounds=rounds),
    )


def summary(findings: Findings) -> str:
    """The breakdown and the measurements, without the cProfile listings."""
    f = findings
    lines = ["own time by kind of work (cProfile, gc off):"]
    for share in f.shares:
        lines.append(f"  {share.share:6.1%}  {share.calls / f.items:6.1f} calls/item  {share.kind}")
    lines += [
        "",
        "measured without the profiler (µs per integration):",
        f"  structure(page, IntegrationList)       {f.structure_us:6.1f}"
        f"  ({f.structure_no_gc_us:.1f} with gc disabled)",
        f"  of which the owner Organization        {f.owner_us:6.1f}"
        f"  ({f.owner_us / f.structure_us:.0%})",
        f"  model __init__ alone, {f.init_us['instances per item']:.0f} instances/item:",
    ]
    for name, cost in f.init_us.items():
        if name != "instances per item":
            lines.append(f"    {name:<34} {cost:6.1f}  ({cost / f.structure_us:.0%})")
    lines.append(
        f"  Python calls per item: {f.calls_per_item:.0f}; at ~{f.call_cost_ns:.0f} ns of call "
        f"overhead each (measured), ~{f.calls_per_item * f.call_cost_ns / 1000:.0f} µs/item"
    )
    return "\n".join(lines)


def report(items: int, *, rounds: int = ROUNDS) -> str:
    """Profile and measure; return the full printable report."""
    findings = analyse(items, rounds=rounds)
    out = io.StringIO()
    stats = findings.stats
    stats.stream = out  # type: ignore[attr-defined]
    print(f"== cProfile of structuring {findings.items:,} integrations ==", file=out)
    print(f"\n-- top {TOP} by cumulative time --", file=out)
    stats.sort_stats("cumulative").print_stats(TOP)
    print(f"-- top {TOP} by own time --", file=out)
    stats.sort_stats("tottime").print_stats(TOP)
    print(summary(findings), file=out)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """Print the profile report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=2_000, help="integrations to structure")
    args = parser.parse_args(argv)
    print(report(args.items))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
