"""Benchmark: bytes -> models per item, today's cattrs path vs the accelerated path vs pydantic.

Pure CPU, no I/O. A *walk* of 100-item pages (JSON bytes, as the server sends them) becomes
``IntegrationList`` models four ways:

- ``cattrs``: ``json.loads`` then ``gitbook_async.structure`` (the path before issue 12);
- ``accel``: ``decode_models`` (msgspec mirrors + generated builders) with one
  ``OwnerMemo`` for the whole walk, as a walk uses it;
- ``accel, memo per page``: the same with a fresh memo per page (owners shared within a
  page only), to show what the walk-long memo adds;
- ``pydantic``: ``PydanticIntegrationList.model_validate_json`` (Rust), the yardstick of
  issue 12's goal (structuring <= 0.5x pydantic).

On both data sets of ``benchmarks/_data.py``: fully filled items, and sparser ~3.8 KB items
drawn from 200 owners. For information, the accelerated path's two steps (msgspec decoding
into the mirrors, then the builders) are timed apart.

Run: ``python -m benchmarks.structuring_accel`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

from benchmarks._data import DataSet, integrations
from benchmarks._measure import Comparison, Direction, Measurement, Target, interleaved
from benchmarks._settings import Settings
from gitbook_async import IntegrationList, structure
from gitbook_async._wire._accelerated import OwnerMemo, decode_models

TARGET: Final = Target(Direction.AT_MOST, 0.5)
PAGE_SIZE: Final = 100
PAGES: Final = 20
REPEATS: Final = 11
_UNIT: Final = "µs/item"


def walk_pages(data: DataSet, *, pages: int, size: int) -> list[bytes]:
    """The bodies of ``pages`` consecutive pages of a data set (compact UTF-8 JSON)."""
    bodies = []
    for number in range(pages):
        page: dict[str, Any] = {
            "items": list(integrations(size, data, first=number * size)),
            "count": pages * size,
        }
        if number < pages - 1:
            page["next"] = {"page": f"cursor-{number + 1}"}
        bodies.append(json.dumps(page, separators=(",", ":"), ensure_ascii=False).encode())
    return bodies


def _variants(bodies: Sequence[bytes]) -> dict[str, Callable[[], object]]:
    from benchmarks._pydantic_models import PydanticIntegrationList

    def cattrs() -> None:
        for body in bodies:
            structure(json.loads(body), IntegrationList)

    def accel() -> None:
        owners = OwnerMemo()
        for body in bodies:
            decode_models(body, IntegrationList, owners=owners)

    def accel_per_page() -> None:
        for body in bodies:
            decode_models(body, IntegrationList)

    def pydantic() -> None:
        for body in bodies:
            PydanticIntegrationList.model_validate_json(body)

    return {"cattrs": cattrs, "accel": accel, "accel-page": accel_per_page, "pydantic": pydantic}


def _steps(bodies: Sequence[bytes]) -> dict[str, Callable[[], object]]:
    """The accelerated path's two steps apart: msgspec decoding, then the builders."""
    from gitbook_async._wire._accelerated import _PLANS

    plan = _PLANS.get(IntegrationList)
    assert plan is not None
    mirrors = [plan.decode(body) for body in bodies]

    def decode() -> None:
        for body in bodies:
            plan.decode(body)

    def build() -> None:
        owners = OwnerMemo()
        for mirror in mirrors:
            plan.build(mirror, owners)

    return {"msgspec": decode, "builders": build}


def _per_item(operation: Callable[[], object], items: int) -> float:
    gc.collect()  # every run starts from an empty young generation (the collector stays on)
    started = time.perf_counter()
    operation()
    return (time.perf_counter() - started) / items * 1e6


def _check(bodies: Sequence[bytes]) -> None:
    """The paths must agree on the data before they are timed."""
    owners = OwnerMemo()
    for body in bodies:
        fast = decode_models(body, IntegrationList, owners=owners)
        if fast is None or fast != structure(json.loads(body), IntegrationList):
            raise RuntimeError("the accelerated path refused or disagreed on a benchmark page")


def run_structuring_accel(settings: Settings) -> list[Comparison]:
    """Time every variant on both data sets (runs interleaved) and compare them.

    Raises:
        ImportError: pydantic is not installed (``pip install -e '.[bench]'``).
    """
    size = settings.size(PAGE_SIZE, 4)
    pages = settings.size(PAGES, 2)
    rows: list[Comparison] = []
    for data in (DataSet.FULL, DataSet.SPARSE):
        bodies = walk_pages(data, pages=pages, size=size)
        _check(bodies)
        variants = {**_variants(bodies), **_steps(bodies)}
        runs: dict[str, list[float]] = {name: [] for name in variants}
        for repeat in range(settings.repeats(REPEATS)):
            for name in interleaved(list(variants), repeat):
                runs[name].append(_per_item(variants[name], pages * size))

        def measured(name: str, label: str) -> Measurement:
            return Measurement(label, _UNIT, tuple(runs[name]))  # noqa: B023 - used at once

        where = f"{data.value} items, {pages} pages of {size}"
        pydantic = measured("pydantic", "pydantic model_validate_json")
        accel = measured("accel", "decode_models, one OwnerMemo per walk")
        rows += [
            Comparison(f"{data.value}-a", f"accel vs pydantic ({where})", accel, pydantic, TARGET),
            Comparison(
                f"{data.value}-b",
                f"cattrs vs pydantic ({where})",
                measured("cattrs", "json.loads + structure"),
                pydantic,
            ),
            Comparison(
                f"{data.value}-c",
                f"accel vs cattrs ({where})",
                accel,
                measured("cattrs", "json.loads + structure"),
            ),
            Comparison(
                f"{data.value}-d",
                f"accel, memo per page vs one memo per walk ({where})",
                measured("accel-page", "decode_models, memo per page"),
                accel,
            ),
            Comparison(
                f"{data.value}-e",
                f"accel steps: builders vs msgspec decoding ({where})",
                measured("builders", "generated builders"),
                measured("msgspec", "msgspec decode into mirrors"),
            ),
        ]
    return rows


def main(argv: Sequence[str] = ()) -> int:
    """Print the comparisons; ``--quick`` for a smoke run."""
    rows = run_structuring_accel(Settings(quick="--quick" in argv))
    for row in rows:
        baseline = row.baseline.spread() if row.baseline is not None else "-"
        goal = f"  goal {row.target}: {'met' if row.met else 'NOT met'}" if row.target else ""
        print(f"{row.key:9} {row.title}\n          {row.subject.label}: {row.subject.spread()}")
        print(f"          {row.baseline.label if row.baseline else ''}: {baseline}")
        print(f"          ratio {row.ratio:.2f}x{goal}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
