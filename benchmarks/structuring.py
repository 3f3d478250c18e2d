"""Benchmark 6: bytes to models, the SDK against pydantic v2's ``model_validate_json``.

Pure CPU, no I/O: 100-item pages of JSON bytes (five consecutive, distinct pages of a walk;
fully filled items, and sparse items from 200 owners) become ``IntegrationList`` models
through the path a walk uses (``SdkWalkStructurer``: msgspec, cattrs as fallback) and
``PydanticIntegrationList`` models through ``model_validate_json``
(``benchmarks/_pydantic_models.py``, a field-for-field mirror that parses the JSON in
Rust). For information: dicts to models (``structure`` against ``model_validate``) and, if
orjson is installed, the decoding step alone (orjson vs json).
"""

from __future__ import annotations

import gc
import importlib
import json
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

from benchmarks._data import DataSet, integrations
from benchmarks._measure import Comparison, Direction, Measurement, Target, interleaved
from benchmarks._settings import Settings
from gitbook_async import IntegrationList, structure
from gitbook_async._wire import OwnerMemo, structure_body

TARGET: Final = Target(Direction.AT_MOST, 0.5)
PAGE_SIZE: Final = 100
PAGES: Final = 5
REPEATS: Final = 15
_UNIT: Final = "µs/item"
SDK_BYTES_LABEL: Final = "structure_body(body, IntegrationList), one owner memo per walk"
"""How the SDK's bytes -> models path is shown in the results (see `SdkWalkStructurer`)."""


class SdkWalkStructurer:
    """Bytes -> models as a walk does it: the msgspec path, cattrs as fallback, one owner memo.

    ``start_walk()`` gives it a fresh memo, so each timed run pays for its own first
    sightings of each owner (a client keeps its memo for its lifetime, which would be
    cheaper still).
    """

    def __init__(self) -> None:
        self._owners = OwnerMemo()

    def start_walk(self) -> None:
        """Forget every owner built so far."""
        self._owners = OwnerMemo()

    def __call__(self, body: bytes) -> IntegrationList:
        page: IntegrationList = structure_body(
            body, IntegrationList, endpoint="benchmark", decode=json.loads, owners=self._owners
        )
        return page


def sdk_page_from_bytes(body: bytes) -> IntegrationList:
    """Bytes -> models for one page on its own (a fresh owner memo)."""
    return SdkWalkStructurer()(body)


def load_orjson() -> Callable[[bytes], Any] | None:
    """Return ``orjson.loads`` if orjson is installed (benchmark-only), else None."""
    try:
        module = importlib.import_module("orjson")
    except ImportError:
        return None
    loads: Callable[[bytes], Any] = module.loads
    return loads


def walk_pages(data: DataSet, *, pages: int, size: int) -> list[bytes]:
    """``pages`` consecutive, distinct pages of a data set, as compact UTF-8 JSON bodies."""
    bodies = []
    for number in range(pages):
        page: dict[str, Any] = {
            "items": list(integrations(size, data, first=number * size)),
            "count": 10 * pages * size,
            "next": {"page": f"cursor-{number + 1}"},
        }
        bodies.append(json.dumps(page, separators=(",", ":"), ensure_ascii=False).encode())
    return bodies


def _per_item(operation: Callable[[Any], object], pages: Sequence[Any], *, items: int) -> float:
    """µs per item of ``operation`` over every page (after a ``gc.collect()``)."""
    # Start every run from an empty young generation, so that one variant does not pay for
    # the collections the previous one made due (the collector stays on during the run).
    gc.collect()
    start_walk = getattr(operation, "start_walk", None)
    if start_walk is not None:
        start_walk()
    started = time.perf_counter()
    for page in pages:
        operation(page)
    return (time.perf_counter() - started) / (len(pages) * items) * 1e6


def run_structuring(settings: Settings) -> list[Comparison]:
    """Benchmark 6 (see the module docstring): per-item CPU cost of each way to parse a page.

    Each run times one parse of each of ``PAGES`` distinct pages; runs are many and short,
    interleaved across the variants, so that a burst of machine noise hits one run of each.

    Raises:
        ImportError: pydantic is not installed (``pip install -e '.[bench]'``).
    """
    from benchmarks._pydantic_models import PydanticIntegrationList

    size = settings.size(PAGE_SIZE, 4)
    count = settings.size(PAGES, 1)
    full = walk_pages(DataSet.FULL, pages=count, size=size)
    sparse = walk_pages(DataSet.SPARSE, pages=count, size=size)
    full_dicts = [json.loads(body) for body in full]
    for body in (*full, *sparse):
        sdk, mirror = sdk_page_from_bytes(body), PydanticIntegrationList.model_validate_json(body)
        if [i.name for i in sdk.items] != [i.name for i in mirror.items]:
            raise RuntimeError("the SDK and the pydantic mirror disagree on the page")

    from_json = PydanticIntegrationList.model_validate_json
    variants: dict[str, tuple[Callable[[Any], object], Sequence[Any]]] = {
        "sdk-full": (SdkWalkStructurer(), full),
        "pydantic-full": (from_json, full),
        "sdk-sparse": (SdkWalkStructurer(), sparse),
        "pydantic-sparse": (from_json, sparse),
        "sdk-dicts": (lambda page: structure(page, IntegrationList), full_dicts),
        "pydantic-dicts": (PydanticIntegrationList.model_validate, full_dicts),
        "json": (json.loads, full),
    }
    orjson_loads = load_orjson()
    if orjson_loads is not None:
        variants["orjson"] = (orjson_loads, full)
    runs: dict[str, list[float]] = {name: [] for name in variants}
    for repeat in range(settings.repeats(REPEATS)):
        for name in interleaved(list(variants), repeat):
            operation, pages = variants[name]
            runs[name].append(_per_item(operation, pages, items=size))

    def measured(name: str, label: str) -> Measurement:
        return Measurement(label, _UNIT, tuple(runs[name]))

    pydantic_json = "PydanticIntegrationList.model_validate_json(body)"
    rows = [
        Comparison(
            "6a",
            f"Bytes -> models, {size}-item pages of fully filled items: SDK vs pydantic v2 "
            "model_validate_json",
            measured("sdk-full", SDK_BYTES_LABEL),
            measured("pydantic-full", pydantic_json),
            TARGET,
        ),
        Comparison(
            "6b",
            f"Bytes -> models, {size}-item pages of sparse items from 200 owners: SDK vs "
            "pydantic v2 model_validate_json",
            measured("sdk-sparse", SDK_BYTES_LABEL),
            measured("pydantic-sparse", pydantic_json),
            TARGET,
        ),
        Comparison(
            "6i",
            "Decoded page (dicts) -> models, fully filled items: SDK structure vs pydantic "
            "model_validate",
            measured("sdk-dicts", "structure(page, IntegrationList)"),
            measured("pydantic-dicts", "PydanticIntegrationList.model_validate(page)"),
        ),
    ]
    if orjson_loads is not None:
        rows.append(
            Comparison(
                "6ii",
                "Decode a page (bytes -> dicts), fully filled items: orjson vs json",
                measured("orjson", "orjson.loads(body)"),
                measured("json", "json.loads(body)"),
            )
        )
    return rows
