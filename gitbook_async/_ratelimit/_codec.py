"""A budget as JSON, for a shared store (Redis keeps each budget as one JSON string)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import attrs

from gitbook_async._ratelimit._budget import Budget, Lease

__all__ = ["budget_from_json", "budget_to_json"]


def budget_to_json(budget: Budget) -> str:
    """Serialise ``budget`` (for a shared store); ``budget_from_json`` reads it back."""
    data = attrs.asdict(budget, recurse=False)
    data["leases"] = [[lease.id, lease.expires, lease.sent] for lease in budget.leases]
    return json.dumps(data, separators=(",", ":"))


def budget_from_json(text: str | bytes | None) -> Budget:
    """Read a budget written by ``budget_to_json``; anything unreadable is a fresh budget."""
    if not text:
        return Budget()
    try:
        data = json.loads(text)
        return _budget_from_mapping(data)
    except (ValueError, TypeError, KeyError):
        return Budget()


def _budget_from_mapping(data: Mapping[str, Any]) -> Budget:
    return Budget(
        limit=_opt_int(data["limit"]),
        available=_opt_int(data["available"]),
        reset=_opt_float(data["reset"]),
        rolled=bool(data["rolled"]),
        paused_until=_opt_float(data["paused_until"]),
        probing=bool(data["probing"]),
        leases=tuple(
            Lease(str(lid), _float(expires), _opt_int(sent))
            for lid, expires, sent in data["leases"]
        ),
        sends=_int(data["sends"]),
        lowest=_opt_int(data["lowest"]),
        lowest_sent=_opt_int(data["lowest_sent"]),
        answered=_int(data["answered"]),
    )


def _opt_int(value: object) -> int | None:
    return None if value is None else _int(value)


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(value)
    return value


def _opt_float(value: object) -> float | None:
    return None if value is None else _float(value)


def _float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(value)
    return float(value)
