"""The import table: which module of gitbook_async may import what, checked with ``ast``.

Data flows one way (STYLE.md): wire -> transport -> converter -> models -> paginator ->
resources -> client. The fake server in ``testing/`` shares no code with the client.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

import gitbook_async

PACKAGE_DIR = Path(gitbook_async.__file__).parent

# The client-side modules allowed to talk to aiohttp. The fake server (gitbook_async.testing)
# is exempt: it is an aiohttp.web application, not part of the client.
AIOHTTP_USERS = ("gitbook_async._transport", "gitbook_async._client", "gitbook_async._sansio")
AIOHTTP_PACKAGES = ("gitbook_async._resources", "gitbook_async.testing")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def import_table() -> dict[str, frozenset[str]]:
    """{module: every module it imports}, including imports inside functions."""
    table: dict[str, frozenset[str]] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        name = module_name(path)
        is_package = path.name == "__init__.py"
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".")
                    base = base[: len(base) - node.level + (1 if is_package else 0)]
                    parent = ".".join([*base, node.module] if node.module else base)
                else:
                    parent = node.module or ""
                imported.add(parent)
                imported.update(f"{parent}.{alias.name}" for alias in node.names)
        table[name] = frozenset(imported)
    return table


def imports_from(module: str, package: str) -> set[str]:
    """The imports of ``module`` that are ``package`` or inside it."""
    return {
        name for name in import_table()[module] if name == package or name.startswith(f"{package}.")
    }


def modules_under(package: str) -> list[str]:
    return [name for name in import_table() if name == package or name.startswith(f"{package}.")]


def test_the_import_table_sees_the_package() -> None:
    """The table covers the package's modules and finds known imports (a parser check)."""
    table = import_table()
    assert {"gitbook_async", "gitbook_async._transport", "gitbook_async.models"} <= set(table)
    assert "aiohttp" in table["gitbook_async._transport"]
    assert "gitbook_async._errors" in table["gitbook_async._pagination"]


@pytest.mark.parametrize("module", modules_under("gitbook_async.testing"))
def test_the_fake_server_imports_nothing_of_the_client(module: str) -> None:
    """gitbook_async.testing imports nothing from gitbook_async outside itself (a fake built
    from our own models would agree with our own bugs).
    """
    outside = {
        name
        for name in imports_from(module, "gitbook_async")
        if not (name == "gitbook_async.testing" or name.startswith("gitbook_async.testing."))
    }
    assert outside == set()


def test_the_paginator_knows_no_http() -> None:
    """_pagination imports no aiohttp."""
    assert imports_from("gitbook_async._pagination", "aiohttp") == set()


@pytest.mark.parametrize("module", modules_under("gitbook_async.models"))
def test_models_import_neither_aiohttp_nor_cattrs(module: str) -> None:
    """The models are plain attrs classes: no aiohttp, no cattrs."""
    assert imports_from(module, "aiohttp") == set()
    assert imports_from(module, "cattrs") == set()


@pytest.mark.parametrize("module", sorted(import_table()))
def test_only_the_http_layer_imports_aiohttp(module: str) -> None:
    """Only _transport, _client, _sansio and _resources (and the fake server) import aiohttp."""
    allowed = module in AIOHTTP_USERS or any(
        module == package or module.startswith(f"{package}.") for package in AIOHTTP_PACKAGES
    )
    if not allowed:
        assert imports_from(module, "aiohttp") == set()
