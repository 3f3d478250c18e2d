"""Every Python example in README.md, docs/ and the public docstrings runs, against the fake
GitBook, so none can rot.

A block fenced as ``python`` is run as a script in a subprocess with ``GITBOOK_API_TOKEN`` and
``GITBOOK_BASE_URL`` pointing at a fake GitBook with demo data; a block defining ``test_``
functions is run with pytest instead.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import gitbook_async
import gitbook_async.testing
from gitbook_async.testing import FakeGitBook

ROOT = Path(__file__).parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
DOCSTRING_FENCE = re.compile(r"^([ ]*)```python\n(.*?)^\1```", re.DOTALL | re.MULTILINE)
DOC_TOKEN = "gb_api_docs_example"
TIMEOUT_SECONDS = 60


def _examples() -> list[tuple[str, str]]:
    found = []
    for document in DOCUMENTS:
        for index, match in enumerate(FENCE.finditer(document.read_text())):
            found.append((f"{document.relative_to(ROOT)}#{index + 1}", match.group(1)))
    return found + _docstring_examples()


def _public_docstrings() -> dict[str, str]:
    """The docstrings the API reference renders: public modules, names and their members."""
    found: dict[str, str] = {}
    for module in (gitbook_async, gitbook_async.testing):
        found[module.__name__] = module.__doc__ or ""
        for name in module.__all__:
            obj = getattr(module, name)
            found[f"{module.__name__}.{name}"] = inspect.getdoc(obj) or ""
            if inspect.isclass(obj):
                for member_name, member in vars(obj).items():
                    if not member_name.startswith("_") and getattr(member, "__doc__", None):
                        found[f"{module.__name__}.{name}.{member_name}"] = member.__doc__
    return found


def _docstring_examples() -> list[tuple[str, str]]:
    found = []
    for where, doc in sorted(_public_docstrings().items()):
        for index, match in enumerate(DOCSTRING_FENCE.finditer(inspect.cleandoc(doc))):
            found.append((f"{where}#{index + 1}", textwrap.dedent(match.group(2))))
    return found


EXAMPLES = _examples()


def test_examples_are_found() -> None:
    """The extraction finds the examples (so the parametrized test is not silently empty)."""
    assert len(EXAMPLES) >= 10
    assert len(_docstring_examples()) >= 5


@pytest.mark.parametrize(("where", "code"), EXAMPLES, ids=[where for where, _ in EXAMPLES])
async def test_example_runs(where: str, code: str, tmp_path: Path) -> None:
    """The example exits 0 against the fake GitBook."""
    script = tmp_path / ("test_example.py" if "def test_" in code else "example.py")
    script.write_text(code)
    if script.name.startswith("test_"):
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error",
            "-o",
            "asyncio_mode=auto",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            str(script),
        ]
    else:
        command = [sys.executable, "-W", "error", str(script)]
    async with FakeGitBook.with_demo_data(token=DOC_TOKEN) as server:
        env = {**os.environ, "GITBOOK_API_TOKEN": DOC_TOKEN, "GITBOOK_BASE_URL": server.url}
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), TIMEOUT_SECONDS)
    assert process.returncode == 0, f"{where} failed:\n{output.decode()}"


# -- the API reference shows the public surface only (issue 13) --------------------------------


def _mkdocs_python_options() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    # mkdocs.yml uses !relative and !!python/name tags: read them as nothing.
    loader: Any = type("Loader", (yaml.SafeLoader,), {})
    loader.add_multi_constructor("", lambda *_: None)
    loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *_: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=loader)
    [plugin] = [p for p in config["plugins"] if isinstance(p, dict) and "mkdocstrings" in p]
    options: dict[str, Any] = plugin["mkdocstrings"]["handlers"]["python"]["options"]
    return options


def _reference_signatures() -> dict[str, str]:
    """Every signature the reference renders, as text, after the mkdocs.yml extension."""
    griffe = pytest.importorskip("griffe")
    [extension] = _mkdocs_python_options()["extensions"]
    [(path, extension_options)] = extension.items()
    extensions = griffe.load_extensions({path: extension_options})
    package = griffe.load("gitbook_async", search_paths=[str(ROOT)], extensions=extensions)
    signatures: dict[str, str] = {}
    for module, names in (
        (package, gitbook_async.__all__),
        (package["testing"], gitbook_async.testing.__all__),
    ):
        for name in names:
            obj = module[name]
            functions = {name: obj} if obj.is_function else {}
            if obj.is_class:
                functions = {
                    f"{name}.{member}": value
                    for member, value in obj.all_members.items()
                    if value.is_function and (member == "__init__" or not member.startswith("_"))
                }
            for where, function in functions.items():
                signatures[where] = ", ".join(
                    f"{p.name}: {p.annotation} = {p.default}" for p in function.parameters
                )
    return signatures


def test_reference_signatures_name_public_things_only() -> None:
    """No rendered signature names a private or unexported constant, alias or class."""
    public = set(gitbook_async.__all__) | set(gitbook_async.testing.__all__)
    private = re.compile(r"(?<![\w.])_[A-Za-z]\w*")
    constant = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")
    problems = []
    for where, signature in _reference_signatures().items():
        names = private.findall(signature) + [
            name for name in constant.findall(signature) if name not in public
        ]
        if names:
            problems.append(f"{where}({signature}): {names}")
    assert problems == []


def test_handed_out_classes_show_no_constructor() -> None:
    """Classes users never build (errors, paginators, client.spaces) render no __init__."""
    [extension] = _mkdocs_python_options()["extensions"]
    handed_out = next(iter(extension.values()))["handed_out"]
    public = set(gitbook_async.__all__) | set(gitbook_async.testing.__all__)
    assert set(handed_out) <= public  # a typo would silently hide nothing
    signatures = _reference_signatures()
    assert not [name for name in handed_out if f"{name}.__init__" in signatures]
    assert "GitBookClient.__init__" in signatures  # what users do build keeps its signature
    assert "FakeGitBook.__init__" in signatures


def test_mermaid_fences_are_diagrams_and_the_pagination_page_has_one() -> None:
    """```mermaid blocks render as diagrams (superfences), and pagination.md draws a walk."""
    config = (ROOT / "mkdocs.yml").read_text()
    assert "name: mermaid" in config
    assert "pymdownx.superfences.fence_code_format" in config
    pagination = (ROOT / "docs" / "pagination.md").read_text()
    diagram = pagination.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert diagram.startswith("sequenceDiagram")
    for word in ("prefetch", "next_page", "resume"):
        assert word in diagram


def test_contributor_pages_are_out_of_the_user_navigation() -> None:
    """The spec-drift report sits in the Contributing section, not among the user guides."""
    config = (ROOT / "mkdocs.yml").read_text()
    nav = config.split("\nnav:\n", 1)[1].split("\n\n", 1)[0]
    contributing = nav.split("  - Contributing:\n", 1)[1]
    assert "spec-drift-0.202.0.md" in contributing
    assert "spec-drift-0.202.0.md" not in nav.split("  - Contributing:\n", 1)[0]
