"""The public surface: what the public modules export, and how it is documented."""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
import re
import types
from pathlib import Path
from typing import Any

import pytest

import gitbook_async
from gitbook_async import GitBookError
from gitbook_async import _errors as errors_module

PUBLIC_MODULES = ["gitbook_async", "gitbook_async.models", "gitbook_async.testing"]


def public_module(name: str) -> types.ModuleType:
    return importlib.import_module(name)


def exported(module_name: str) -> list[tuple[str, Any]]:
    module = public_module(module_name)
    return [(name, getattr(module, name)) for name in module.__all__]


def documented_objects() -> list[tuple[str, Any]]:
    """Every exported class and function, plus the public methods those classes define."""
    found: list[tuple[str, Any]] = []
    for module_name in PUBLIC_MODULES:
        for name, obj in exported(module_name):
            if inspect.isfunction(obj):
                found.append((f"{module_name}.{name}", obj))
            elif inspect.isclass(obj):
                found.append((f"{module_name}.{name}", obj))
                for attribute, member in vars(obj).items():
                    if attribute.startswith("_"):
                        continue
                    if isinstance(member, (classmethod, staticmethod)):
                        member = member.__func__
                    if inspect.isfunction(member) or isinstance(member, property):
                        found.append((f"{module_name}.{name}.{attribute}", member))
    return found


def has_docstring(obj: Any) -> bool:
    doc = obj.__doc__
    if not isinstance(doc, str) or not doc.strip():
        return False
    # dataclasses invent "Name(field, ...)" when the class has no docstring of its own
    return not (inspect.isclass(obj) and doc.startswith(f"{obj.__name__}("))


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_name_in_all_is_importable(module_name: str) -> None:
    """``from <module> import *`` provides every name listed in ``__all__``."""
    namespace: dict[str, Any] = {}
    exec(f"from {module_name} import *", namespace)
    assert set(public_module(module_name).__all__) <= set(namespace)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_is_sorted_and_has_no_duplicates(module_name: str) -> None:
    """``__all__`` is in code-point order, with dunder names (``__version__``) last."""
    names = public_module(module_name).__all__
    assert names == sorted(names, key=lambda name: (name.startswith("__"), name))
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_no_public_name_is_left_out_of_all(module_name: str) -> None:
    """Every public name a public module binds (submodules aside) is listed in ``__all__``."""
    module = public_module(module_name)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= set(module.__all__)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_public_names_are_defined_inside_the_package(module_name: str) -> None:
    """Every exported class and function comes from gitbook_async (httpx style: no foreign
    object is re-exported as ours). Constants and type aliases have no module of their own.
    """
    for name, obj in exported(module_name):
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        assert obj.__module__.startswith("gitbook_async"), name


# What a public module may hold besides imports and ``__all__``: the lazy loader of the
# models (PEP 562), whose names it imports under ``if _TYPE_CHECKING:`` for type checkers.
LAZY_LOADER = {"__getattr__", "__dir__", "_LAZY"}


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_public_modules_only_re_export(module_name: str) -> None:
    """A public module's source holds only a docstring, imports and ``__all__`` (and the
    lazy loader of the models: ``__getattr__``, ``__dir__``, its table, type-only imports).
    """
    source = Path(public_module(module_name).__file__ or "").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module docstring
        if isinstance(node, ast.If) and ast.unparse(node.test) == "_TYPE_CHECKING":
            assert all(isinstance(n, ast.ImportFrom) for n in node.body)
            continue
        if isinstance(node, ast.FunctionDef):
            assert node.name in LAZY_LOADER
            continue
        if isinstance(node, ast.AnnAssign):
            assert ast.unparse(node.target) in LAZY_LOADER
            continue
        assert isinstance(node, ast.Assign), ast.dump(node)
        assert [ast.unparse(target) for target in node.targets] == ["__all__"]


@pytest.mark.parametrize("module_name", ["gitbook_async", "gitbook_async.models"])
def test_the_lazy_models_resolve_to_their_classes(module_name: str) -> None:
    """Every model name re-exported lazily resolves to the class (or alias) its module
    defines, and the table names exactly the names imported for type checkers.
    """
    from gitbook_async import models

    source = Path(models.__file__ or "").read_text(encoding="utf-8")
    typed = {
        alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module != "gitbook_async.models._base"
        for alias in node.names
        if (node.module or "").startswith("gitbook_async.models._")
    }
    assert typed == set(models._LAZY)
    module = public_module(module_name)
    for name, where in models._LAZY.items():
        defining = importlib.import_module(f"gitbook_async.models.{where}")
        assert getattr(module, name) is getattr(defining, name), name
    with pytest.raises(AttributeError):
        module.NoSuchModel  # noqa: B018


def test_every_public_class_and_function_has_a_docstring() -> None:
    """Exported classes and functions, and their public methods, all have docstrings."""
    missing = [name for name, obj in documented_objects() if not has_docstring(obj)]
    assert missing == []


def test_every_exception_is_a_gitbook_error() -> None:
    """Every exception class defined in _errors or exported publicly derives from
    GitBookError.
    """
    exceptions = {
        obj
        for obj in vars(errors_module).values()
        if inspect.isclass(obj) and issubclass(obj, BaseException)
    }
    for module_name in PUBLIC_MODULES:
        exceptions |= {
            obj
            for _name, obj in exported(module_name)
            if inspect.isclass(obj) and issubclass(obj, BaseException)
        }
    assert len(exceptions) > 10
    assert all(issubclass(exc, GitBookError) for exc in exceptions)


def drawn_tree() -> dict[str, str | None]:
    """The hierarchy drawn in _errors' docstring, as {class name: parent name}."""
    parents: dict[str, str | None] = {}
    stack: list[str] = []
    for line in (errors_module.__doc__ or "").splitlines():
        if line.strip() == "GitBookError":
            parents["GitBookError"] = None
            stack = ["GitBookError"]
            continue
        match = re.match(r"^(?P<indent>[│ ]*)[├└]── (?P<name>\w+)", line)
        if match is None:
            continue
        depth = len(match["indent"]) // 4 + 1
        del stack[depth:]
        parents[match["name"]] = stack[-1]
        stack.append(match["name"])
    return parents


def test_the_drawn_exception_tree_matches_the_classes() -> None:
    """The tree drawn in _errors' docstring lists every exported exception, each drawn
    under its real base class, all under GitBookError.
    """
    tree = drawn_tree()
    exported_errors = {
        name
        for name, obj in exported("gitbook_async")
        if inspect.isclass(obj) and issubclass(obj, BaseException)
    }
    assert set(tree) == exported_errors
    for name, parent in tree.items():
        cls = getattr(gitbook_async, name)
        assert issubclass(cls, GitBookError)
        if parent is not None:
            assert getattr(gitbook_async, parent) in cls.__bases__, name


def test_public_defaults_are_exported_with_their_values() -> None:
    """The documented defaults are importable from ``gitbook_async`` (openai's
    ``DEFAULT_TIMEOUT`` style), each with its documented value.
    """
    assert gitbook_async.DEFAULT_BASE_URL == "https://api.gitbook.com"
    assert gitbook_async.DEFAULT_TIMEOUT == 60.0
    assert gitbook_async.DEFAULT_MAX_RETRIES == 3
    assert gitbook_async.DEFAULT_MAX_CONCURRENCY == 16
    assert gitbook_async.DEFAULT_PREFETCH == 1


def test_public_defaults_have_docstrings() -> None:
    """Every ``DEFAULT_*`` constant in ``__all__`` has an attribute docstring where it is
    defined (mkdocstrings shows it in the reference).
    """
    from gitbook_async import _constants

    tree = ast.parse(Path(_constants.__file__).read_text(encoding="utf-8"))
    documented = set()
    for node, following in itertools.pairwise(tree.body):
        if (
            isinstance(node, (ast.Assign, ast.AnnAssign))
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            documented.add(ast.unparse(target))
    defaults = {name for name in gitbook_async.__all__ if name.startswith("DEFAULT_")}
    assert defaults == {
        "DEFAULT_BASE_URL",
        "DEFAULT_MAX_CONCURRENCY",
        "DEFAULT_MAX_RETRIES",
        "DEFAULT_PREFETCH",
        "DEFAULT_TIMEOUT",
    }
    assert defaults <= documented
