"""Tests for gitbook_async/_wire/_paths.py: how a place in a JSON document is written."""

from __future__ import annotations

import pytest

from gitbook_async._wire._paths import json_path


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ((), ""),
        (("items",), "items"),
        ((3,), "[3]"),
        (("items", 3, "owner"), "items[3].owner"),
        (("items", 3, "owner", "billing", "interval"), "items[3].owner.billing.interval"),
        (("scopes", 0), "scopes[0]"),
        (("csp", "script-src-elem"), "csp.script-src-elem"),
        (("internal_isOnNewTrial",), "internal_isOnNewTrial"),
        (("$ref", "a$b"), "$ref.a$b"),
        (("addons", "weird key", "enabled"), "addons['weird key'].enabled"),
        (("addons", "it's"), """addons["it's"]"""),
        (("scopes", "space:views:read"), "scopes['space:views:read']"),
        (("pricing", "2024"), "pricing['2024']"),
        (("-x",), "['-x']"),
        (("",), "['']"),
        (("a b", 1), "['a b'][1]"),
        ((0, "name"), "[0].name"),
    ],
)
def test_json_path_renders_keys_and_indexes(parts: tuple[str | int, ...], expected: str) -> None:
    """Identifier-like keys after dots, indexes and other keys in brackets ("" is the root)."""
    assert json_path(parts) == expected


def test_json_path_takes_any_iterable() -> None:
    """A generator of parts renders the same as a tuple."""
    assert json_path(part for part in ("items", 1, "name")) == "items[1].name"
