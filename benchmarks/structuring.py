"""Benchmark 2: structuring cost per item, attrs + cattrs (the SDK) against pydantic v2.

Pure CPU, no I/O: the same decoded page of GitBook-shaped integrations goes through
``gitbook_async.structure(page, IntegrationList)`` and through
``PydanticIntegrationList.model_validate(page)`` (``benchmarks/_pydantic_models.py``, a
field-for-field mirror). For information it also times the step before (bytes -> dicts with
``json`` and, if installed, ``orjson``) and bytes -> models end to end, where pydantic can
parse the JSON itself (``model_validate_json``).
"""

from __future__ import annotations

import gc
import importlib
import json
import time
from collections.abc import Callable
from typing import Any, Final

from benchmarks._data import page_bytes
from benchmarks._measure import MIN_RUNS, Comparison, Direction, Measurement, Target, interleaved
from gitbook_async import IntegrationList, structure

TARGET: Final = Target(Direction.AT_MOST, 1.0)
_UNIT: Final = "µs/item"


def load_orjson() -> Callable[[bytes], Any] | None:
    """Return ``orjson.loads`` if orjson is installed (benchmark-only), else None."""
    try:
        module = importlib.import_module("orjson")
    except ImportError:
        return None
    loads: Callable[[bytes], Any] = module.loads
    return loads


def _per_item(operation: Callable[[], object], *, calls: int, items: int) -> float:
    # Start every run from an empty young generation, so that one variant does not pay for
    # the collections the previous one made due (the collector stays on during the run).
    gc.collect()
    started = time.perf_counter()
    for _ in range(calls):
        operation()
    return (time.perf_counter() - started) / (calls * items) * 1e6


def bench_structuring(
    *, page_size: int = 100, calls: int = 5, repeats: int = 3 * MIN_RUNS
) -> list[Comparison]:
    """Benchmark 2 (see the module docstring): per-item CPU cost of each way to parse a page.

    Each run times ``calls`` parses of one ``page_size``-item page; runs are many and short,
    interleaved across the variants, so that a burst of machine noise hits one run of each.

    Raises:
        ImportError: pydantic is not installed (``pip install -e '.[bench]'``).
    """
    from benchmarks._pydantic_models import PydanticIntegrationList

    body = page_bytes(page_size, total=page_size * 10)
    page = json.loads(body)
    sdk = structure(page, IntegrationList)
    mirror = PydanticIntegrationList.model_validate(page)
    if [i.name for i in sdk.items] != [i.name for i in mirror.items]:
        raise RuntimeError("the SDK and the pydantic mirror disagree on the page")

    orjson_loads = load_orjson()
    variants: dict[str, Callable[[], object]] = {
        "sdk": lambda: structure(page, IntegrationList),
        "pydantic": lambda: PydanticIntegrationList.model_validate(page),
        "json": lambda: json.loads(body),
        "sdk-bytes": lambda: structure(json.loads(body), IntegrationList),
        "pydantic-json": lambda: PydanticIntegrationList.model_validate_json(body),
    }
    if orjson_loads is not None:
        variants["orjson"] = lambda: orjson_loads(body)
        variants["sdk-orjson"] = lambda: structure(orjson_loads(body), IntegrationList)
    runs: dict[str, list[float]] = {name: [] for name in variants}
    for repeat in range(repeats):
        for name in interleaved(list(variants), repeat):
            runs[name].append(_per_item(variants[name], calls=calls, items=page_size))

    def measured(name: str, label: str) -> Measurement:
        return Measurement(label, _UNIT, tuple(runs[name]))

    rows = [
        Comparison(
            "2",
            "Structure a decoded page (dicts -> models): SDK vs pydantic v2",
            measured("sdk", "gitbook_async.structure(page, IntegrationList)"),
            measured("pydantic", "PydanticIntegrationList.model_validate(page)"),
            TARGET,
        ),
        Comparison(
            "2i",
            "Bytes -> models: SDK (json.loads + structure) vs pydantic model_validate_json",
            measured("sdk-bytes", "structure(json.loads(body), IntegrationList)"),
            measured("pydantic-json", "PydanticIntegrationList.model_validate_json(body)"),
        ),
    ]
    if orjson_loads is not None:
        rows += [
            Comparison(
                "2ii",
                "Decode a page (bytes -> dicts): orjson vs json",
                measured("orjson", "orjson.loads(body)"),
                measured("json", "json.loads(body)"),
            ),
            Comparison(
                "2iii",
                "Bytes -> models in the SDK: with orjson vs with json",
                measured("sdk-orjson", "structure(orjson.loads(body), IntegrationList)"),
                measured("sdk-bytes", "structure(json.loads(body), IntegrationList)"),
            ),
        ]
    return rows
