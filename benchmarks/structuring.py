"""Bytes to models, the SDK against pydantic v2's ``model_validate_json``: pure CPU.

Five consecutive, distinct 100-item pages of a walk (fully filled items, and sparse items
from 200 owners), as compact JSON bytes, become ``IntegrationList`` models through the
SDK's public API (``structure_json(body, IntegrationList)``, the path a response takes:
msgspec straight from the bytes, each page on its own) and ``PydanticIntegrationList``
models (``benchmarks/_pydantic_models.py``, a field-for-field mirror that parses the JSON
in Rust). For information, the decoding step alone, orjson against json. Each run starts
after a ``gc.collect()``.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import json
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

from benchmarks._data import DataSet, integrations
from benchmarks._harness import Comparison, Direction, Measurement, Settings, Target, rounds
from gitbook_async import IntegrationList, structure_json

SDK_LABEL: Final = "structure_json(body, IntegrationList)"


def walk_pages(data: DataSet, *, pages: int, size: int) -> list[bytes]:
    """``pages`` consecutive, distinct pages of a data set, as compact UTF-8 JSON bodies."""
    bodies = []
    for number in range(pages):
        items = list(integrations(size, data, first=number * size))
        page = {"items": items, "count": 10 * pages * size, "next": {"page": f"c{number + 1}"}}
        bodies.append(json.dumps(page, separators=(",", ":"), ensure_ascii=False).encode())
    return bodies


def _per_item(operation: Callable[[bytes], object], bodies: Sequence[bytes], size: int) -> float:
    """µs per item of ``operation`` over every body."""
    gc.collect()  # no variant pays for the collections another one made due
    started = time.perf_counter()
    for body in bodies:
        operation(body)
    return (time.perf_counter() - started) / (len(bodies) * size) * 1e6


def _sdk(body: bytes) -> IntegrationList:
    return structure_json(body, IntegrationList)


def run_structuring(settings: Settings) -> list[Comparison]:
    """µs per item of each way to turn a page's bytes into models.

    Raises:
        ImportError: pydantic is not installed (``pip install -e '.[bench]'``).
    """
    from benchmarks._pydantic_models import PydanticIntegrationList

    size, count = settings.size(100, 4), settings.size(5, 1)
    bodies = {data: walk_pages(data, pages=count, size=size) for data in DataSet}
    pydantic: Callable[[bytes], Any] = PydanticIntegrationList.model_validate_json
    for body in (*bodies[DataSet.FULL], *bodies[DataSet.SPARSE]):
        if [i.name for i in _sdk(body).items] != [i.name for i in pydantic(body).items]:
            raise RuntimeError("the SDK and the pydantic mirror disagree on a page")
    operations: dict[str, tuple[Callable[[bytes], object], DataSet]] = {
        "sdk-full": (_sdk, DataSet.FULL),
        "pydantic-full": (pydantic, DataSet.FULL),
        "sdk-sparse": (_sdk, DataSet.SPARSE),
        "pydantic-sparse": (pydantic, DataSet.SPARSE),
        "json": (json.loads, DataSet.FULL),
    }
    with contextlib.suppress(ImportError):
        operations["orjson"] = (importlib.import_module("orjson").loads, DataSet.FULL)
    variants = {
        name: functools.partial(_per_item, operation, bodies[data], size)
        for name, (operation, data) in operations.items()
    }
    runs = rounds(variants, settings.repeats(15))

    def measured(name: str, label: str) -> Measurement:
        return Measurement(label, "µs/item", runs[name])

    pydantic_label = "PydanticIntegrationList.model_validate_json(body)"
    rows = [
        Comparison(
            key,
            f"Bytes -> models, {size}-item pages of {what}: SDK vs pydantic v2",
            measured(f"sdk-{data}", SDK_LABEL),
            measured(f"pydantic-{data}", pydantic_label),
            Target(Direction.AT_MOST, 0.5),
        )
        for key, data, what in (
            ("6a", "full", "fully filled items"),
            ("6b", "sparse", "sparse items from 200 owners"),
        )
    ]
    if "orjson" in runs:
        rows.append(
            Comparison(
                "6i",
                "Decode a page (bytes -> dicts), fully filled items: orjson vs json",
                measured("orjson", "orjson.loads(body)"),
                measured("json", "json.loads(body)"),
            )
        )
    return rows
