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
# _sansio holds pure decisions (issue 9): it is no aiohttp user.
# _options holds the call options, whose timeout is an aiohttp.ClientTimeout.
AIOHTTP_USERS = (
    "gitbook_async._transport",
    "gitbook_async._client",
    "gitbook_async._options",
    "gitbook_async._call",  # an attempt's aiohttp.ClientTimeout
    "gitbook_async._proxy",  # aiohttp reads the proxy environment and encodes credentials
    "gitbook_async._failures",  # aiohttp's exceptions, mapped to failures
)
AIOHTTP_PACKAGES = ("gitbook_async._resources", "gitbook_async.testing")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def import_table() -> dict[str, frozenset[str]]:
    """{module: every module it imports}, including imports inside functions.

    ``from package import submodule`` imports the submodule (not the package's other
    contents): it is recorded as the submodule alone, so that it draws no false cycle.
    """
    paths = sorted(PACKAGE_DIR.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    table: dict[str, frozenset[str]] = {}
    for path in paths:
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
                for alias in node.names:
                    full = f"{parent}.{alias.name}"
                    imported.update((full,) if full in modules else (parent, full))
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
    assert "gitbook_async._errors" in table["gitbook_async._wire._paths"]


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


def module_graph() -> dict[str, set[str]]:
    """{module: the modules of gitbook_async it imports}; ``from m import name`` counts as m
    (or as m.name when that is a module). Imports inside functions count too.
    """
    table = import_table()
    return {
        module: {name for name in imported if name in table} for module, imported in table.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle of ``graph`` as [a, b, ..., a], or None (depth-first search)."""
    done: set[str] = set()
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(module: str) -> list[str] | None:
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph[module]):
            if imported in on_stack:
                return [*stack[stack.index(imported) :], imported]
            if imported not in done:
                cycle = visit(imported)
                if cycle is not None:
                    return cycle
        stack.pop()
        on_stack.discard(module)
        done.add(module)
        return None

    for module in sorted(graph):
        if module not in done:
            cycle = visit(module)
            if cycle is not None:
                return cycle
    return None


def test_the_cycle_finder_finds_cycles() -> None:
    """find_cycle reports a cycle through a longer path, and none in a tree (checks the check)."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_import_graph_has_no_cycle() -> None:
    """No module of gitbook_async imports itself through others, not even inside a function
    (issue 9: the models once imported the converter lazily for to_dict()).
    """
    assert find_cycle(module_graph()) is None


@pytest.mark.parametrize("module", modules_under("gitbook_async.models"))
def test_models_import_nothing_else_of_the_package(module: str) -> None:
    """The models depend on nothing of gitbook_async outside models/ (the wire layer installs
    to_dict()'s function into them; they never import it).
    """
    outside = {
        name
        for name in imports_from(module, "gitbook_async")
        if not (name == "gitbook_async.models" or name.startswith("gitbook_async.models."))
    }
    assert outside == set()


WIRE_MAY_IMPORT = (
    "gitbook_async._wire",
    "gitbook_async.models",
    "gitbook_async._errors",
    "gitbook_async._body",  # strict JSON of bytes: pure, no HTTP
    "gitbook_async._constants",
)


@pytest.mark.parametrize("module", modules_under("gitbook_async._wire"))
def test_the_wire_layer_knows_no_http(module: str) -> None:
    """The wire layer (JSON <-> models) imports no aiohttp and, of gitbook_async, only itself,
    the models, the errors, strict JSON and the constants: data flows transport -> wire ->
    models, never back.
    """
    assert imports_from(module, "aiohttp") == set()
    outside = {
        name
        for name in imports_from(module, "gitbook_async")
        if not any(name == p or name.startswith(f"{p}.") for p in WIRE_MAY_IMPORT)
    }
    assert outside == set()


@pytest.mark.parametrize("module", modules_under("gitbook_async._pagination"))
def test_the_paginator_knows_no_http(module: str) -> None:
    """No module of _pagination imports aiohttp."""
    assert imports_from(module, "aiohttp") == set()


@pytest.mark.parametrize("module", modules_under("gitbook_async.models"))
def test_models_import_neither_aiohttp_nor_cattrs(module: str) -> None:
    """The models are plain attrs classes: no aiohttp, no cattrs."""
    assert imports_from(module, "aiohttp") == set()
    assert imports_from(module, "cattrs") == set()


@pytest.mark.parametrize("module", sorted(import_table()))
def test_only_the_http_layer_imports_aiohttp(module: str) -> None:
    """Only the HTTP layer (transport, call, proxy, failures, options, client, resources) and
    the fake server import aiohttp.
    """
    allowed = module in AIOHTTP_USERS or any(
        module == package or module.startswith(f"{package}.") for package in AIOHTTP_PACKAGES
    )
    if not allowed:
        assert imports_from(module, "aiohttp") == set()
