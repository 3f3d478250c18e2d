"""The payloads the benchmarks use: GitBook-shaped integrations with every field filled.

Items come from the fake's own ``make_integration`` (owner organization included, ~4.6 KB of
JSON each), cycled over real catalog names and renamed so that every item is distinct.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Final

from gitbook_async.testing import make_integration

TOKEN: Final = "gb_api_benchmark_token"
"""The bearer token the benchmark server accepts."""

# Catalog integrations of every kind (analytics, chat, embed, gitsync, notify, auth) and
# publishers other than GitBook, so that pages mix the shapes the fake produces.
_NAMES: Final = (
    "slack",
    "github",
    "mermaid",
    "amplitude",
    "intercom",
    "okta",
    "jira",
    "posthog",
    "figma",
    "segment",
    "linear",
    "plausible",
)


def integration(index: int) -> dict[str, Any]:
    """Return the ``index``-th benchmark integration as a wire dict (deterministic)."""
    base = _NAMES[index % len(_NAMES)]
    return {**make_integration(base), "name": f"{base}-{index:06d}"}


def integrations(count: int) -> Iterator[dict[str, Any]]:
    """Yield ``count`` distinct integrations, one at a time (the fake keeps only bytes)."""
    return (integration(index) for index in range(count))


def page_dict(size: int, *, total: int | None = None) -> dict[str, Any]:
    """Return one decoded ``GET /spaces/{id}/integrations`` page of ``size`` items."""
    page: dict[str, Any] = {"items": list(integrations(size)), "count": total or size}
    if total is not None and total > size:
        page["next"] = {"page": "benchmark-next-page-cursor"}
    return page


def page_bytes(size: int, *, total: int | None = None) -> bytes:
    """Return the same page as compact UTF-8 JSON, as the fake (and GitBook) send it."""
    page = page_dict(size, total=total)
    return json.dumps(page, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
