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
