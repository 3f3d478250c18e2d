"""The payloads the benchmarks use: two deterministic sets of GitBook-shaped integrations.

- ``FULL``: every field the spec defines filled, the owner organization included, about
  5 KB of JSON each (the fake's own ``make_integration``, cycled over real catalog names
  and renamed so that every item is distinct). Owners repeat with the catalog publisher.
- ``SPARSE``: like GitBook's real listing: optional parts often absent (content
  sources, blocks, CSP, the site configuration, most of the owner's billing and internal
  fields), fewer preview images and links, about 3.8 KB each, and owners drawn from 200
  organizations: 180 shared by many integrations (drawn uniformly, so about a fifth of the
  owners on a 100-item page repeat within it and almost all repeat across a long walk) and
  one unique owner every 1,000 items (20 in a 20,000-item walk).

Every item is a pure function of ``(data set, index)``: two runs, and the parent and the
child process of a benchmark, build byte-identical JSON.
"""

from __future__ import annotations

import enum
import functools
import json
import random
from collections.abc import Iterator
from typing import Any, Final

from gitbook_async.testing import make_integration, make_organization

TOKEN: Final = "gb_api_benchmark_token"
"""The bearer token the benchmark server accepts."""


class DataSet(enum.Enum):
    """Which items a space holds."""

    FULL = "full"
    SPARSE = "sparse"


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
SHARED_OWNERS: Final = 180
"""Organizations that publish most sparse items (drawn uniformly)."""
UNIQUE_OWNER_EVERY: Final = 1_000
"""Every this-many sparse items, one is published by an organization of its own."""
_SEED: Final = "gitbook-async issue 12"
_OWNER_WORDS: Final = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell")
# Owner fields GitBook leaves out for a token that is not a member (billing) or that are
# rare (blocked, the internal migration), with the share of owners that lack each.
_OWNER_ABSENT: Final = (
    ("billing", 0.7),
    ("internal_billingMigration", 0.9),
    ("internal_isOnNewTrial", 0.6),
    ("blocked", 0.95),
    ("customHostname", 0.5),
    ("defaultContent", 0.3),
    ("communityType", 0.7),
)
# Integration fields often absent from a listing, with the share of items that lack each.
_ITEM_ABSENT: Final = (
    ("contentSources", 0.5),
    ("blocks", 0.4),
    ("contentSecurityPolicy", 0.4),
)


def integration(index: int, data: DataSet = DataSet.FULL) -> dict[str, Any]:
    """Return the ``index``-th integration of a data set as a wire dict (deterministic)."""
    if data is DataSet.FULL:
        base = _NAMES[index % len(_NAMES)]
        return {**make_integration(base), "name": f"{base}-{index:06d}"}
    return _sparse(index)


def integrations(
    count: int, data: DataSet = DataSet.FULL, *, first: int = 0
) -> Iterator[dict[str, Any]]:
    """Yield items ``first`` to ``first + count - 1`` of a data set, one at a time."""
    return (integration(index, data) for index in range(first, first + count))


def owner_key(index: int) -> str:
    """The id of the organization that publishes the ``index``-th sparse item."""
    if index % UNIQUE_OWNER_EVERY == UNIQUE_OWNER_EVERY // 2:
        return f"unique{index:014d}"
    return f"shared{random.Random(f'{_SEED} owner-of {index}').randrange(SHARED_OWNERS):014d}"


@functools.lru_cache(maxsize=SHARED_OWNERS + 8)
def _owner(owner_id: str) -> dict[str, Any]:
    rng = random.Random(f"{_SEED} owner {owner_id}")
    title = f"{rng.choice(_OWNER_WORDS)} {owner_id[-4:]}"
    org = make_organization(owner_id, title=title)
    for key, share in _OWNER_ABSENT:
        if rng.random() < share:
            del org[key]
    return org


def _sparse(index: int) -> dict[str, Any]:
    rng = random.Random(f"{_SEED} item {index}")
    base = _NAMES[index % len(_NAMES)]
    item = make_integration(base, owner=_owner(owner_key(index)))
    item["name"] = f"{base}-{index:06d}"
    item["previewImages"] = item["previewImages"][: rng.randrange(0, 4)]
    item["externalLinks"] = item["externalLinks"][: rng.randrange(1, 3)]
    if rng.random() < 0.4:
        del item["configurations"]["site"]
    for key, share in _ITEM_ABSENT:
        if rng.random() < share:
            del item[key]
    return item


def page_dict(
    size: int, *, total: int | None = None, data: DataSet = DataSet.FULL
) -> dict[str, Any]:
    """Return one decoded ``GET /spaces/{id}/integrations`` page of ``size`` items."""
    page: dict[str, Any] = {"items": list(integrations(size, data)), "count": total or size}
    if total is not None and total > size:
        page["next"] = {"page": "benchmark-next-page-cursor"}
    return page


def page_bytes(size: int, *, total: int | None = None, data: DataSet = DataSet.FULL) -> bytes:
    """Return the same page as compact UTF-8 JSON, as the fake (and GitBook) send it."""
    page = page_dict(size, total=total, data=data)
    return json.dumps(page, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def average_size(data: DataSet, *, sample: int = 2_000) -> float:
    """Mean bytes of JSON per item over the first ``sample`` items of a data set."""
    return len(page_bytes(sample, data=data)) / sample
