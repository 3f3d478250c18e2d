"""The ``gitbook-async`` command line, as docs/cli.md describes it.

Most tests run the real console script in a subprocess against a fake GitBook started by the
test (stdout and stderr are pipes, as in a shell pipeline). A few call ``_cli.main()`` in
process (in a worker thread, since it runs its own event loop) so coverage sees the module.
"""

from __future__ import annotations

import ast
import asyncio
import io
import json
import logging
import os
import pty
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitbook_async import ConfigurationError, GitBookClient, __version__, _constants
from gitbook_async import _cli as cli
from gitbook_async._logging import configure_logging_from_env
from gitbook_async.testing import (
    DEMO_EMPTY_SPACE_ID,
    DEMO_LARGE_SPACE_ID,
    DEMO_SPACE_ID,
    FakeGitBook,
    Fault,
)

from .conftest import TOKEN

SUBPROCESS_TIMEOUT = 30
WRONG_TOKEN = "gb_api_wrong_secret_0451"
LARGE_SPACE_SIZE = 250
DEMO_SPACE_SIZE = 25
JSON_BY_50 = ("--format", "json", "--limit", "50")
JSONL_AT_ONCE = ("--format", "jsonl", "--limit", "250")  # one page: more than a pipe buffer


def _console_script() -> list[str]:
    """The installed ``gitbook-async`` of this interpreter's environment, else ``-m``."""
    beside_python = shutil.which("gitbook-async", path=str(Path(sys.executable).parent))
    found = beside_python or shutil.which("gitbook-async")
    return [found] if found else [sys.executable, "-m", "gitbook_async"]


CLI = _console_script()


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy", "no_proxy"})


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment without GitBook's variables and proxies (tests that need them say so)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GITBOOK_") and k.lower() not in _PROXY_VARIABLES
    }
    return {**env, **extra}


async def run_cli(*args: str, env: dict[str, str] | None = None) -> Run:
    """Run the console script with pipes for stdout/stderr, without blocking the loop."""
    completed = await asyncio.to_thread(
        subprocess.run,
        [*CLI, *args],
        capture_output=True,
        text=True,
        env=_clean_env() if env is None else env,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


def target(server: FakeGitBook, token: str = TOKEN) -> list[str]:
    return ["--base-url", server.url, "--token", token]


def assert_one_error_line(run: Run, *fragments: str) -> str:
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in run.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


# -- the real console script -------------------------------------------------------------------


def test_console_script_is_found() -> None:
    """The tests exercise the installed entry point (``[project.scripts]``) when it exists."""
    if CLI[0] == sys.executable:
        pytest.skip("gitbook-async is not installed as a script here; testing python -m")
    assert Path(CLI[0]).name == "gitbook-async"
    assert Path(CLI[0]).read_text().count("gitbook_async._cli") == 1


async def test_integrations_table(fake_gitbook: FakeGitBook) -> None:
    """``--format table`` prints a header and one row per integration; stderr stays empty."""
    run = await run_cli("integrations", DEMO_SPACE_ID, *target(fake_gitbook), "--format", "table")
    assert run.code == 0, run.stderr
    assert run.stderr == ""
    header, *rows = run.stdout.splitlines()
    assert header.split() == ["NAME", "TITLE", "OWNER", "TARGET", "VERIFIED"]
    assert len(rows) == DEMO_SPACE_SIZE


async def test_json_on_a_pipe_is_clean_and_complete(
    fake_gitbook: FakeGitBook, live_client: GitBookClient
) -> None:
    """``--format json`` prints the wire JSON of every item, and no progress text on a pipe."""
    run = await run_cli(
        "integrations", DEMO_LARGE_SPACE_ID, *target(fake_gitbook), "--format", "json"
    )
    assert run.code == 0, run.stderr
    assert run.stderr == ""  # stderr is a pipe here: no progress
    expected = await live_client.spaces.list_integrations(DEMO_LARGE_SPACE_ID).collect()
    assert json.loads(run.stdout) == [item.to_dict() for item in expected]
    assert len(expected) == LARGE_SPACE_SIZE


async def test_jsonl_with_search_limit_and_max_items(fake_gitbook: FakeGitBook) -> None:
    """``--search``, ``--limit`` and ``--max-items`` reach the API; jsonl is one object a line."""
    run = await run_cli(
        "integrations",
        DEMO_LARGE_SPACE_ID,
        *target(fake_gitbook),
        "--format",
        "jsonl",
        "--search",
        "a",
        "--limit",
        "3",
        "--max-items",
        "7",
    )
    assert run.code == 0, run.stderr
    items = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(items) == 7
    assert all("a" in (item["name"] + item["title"]).lower() for item in items)
    listing = [r for r in fake_gitbook.requests if r.path.endswith("/integrations")]
    assert len(listing) == 3  # 3 + 3 + 1: the walk stops at max_items
    assert all(r.query["search"] == "a" and r.query["limit"] == "3" for r in listing)


async def test_blocks_and_scripts_print_wire_json(
    fake_gitbook: FakeGitBook, live_client: GitBookClient
) -> None:
    """``blocks`` and ``scripts`` print exactly what the SDK returns, as wire JSON."""
    blocks, scripts = await asyncio.gather(
        run_cli("blocks", DEMO_SPACE_ID, *target(fake_gitbook), "--format", "json"),
        run_cli("scripts", DEMO_SPACE_ID, *target(fake_gitbook), "--format", "jsonl"),
    )
    assert (blocks.code, scripts.code) == (0, 0), blocks.stderr + scripts.stderr
    expected_blocks = await live_client.spaces.list_integration_blocks(DEMO_SPACE_ID)
    expected_scripts = await live_client.spaces.list_integration_scripts(DEMO_SPACE_ID)
    assert json.loads(blocks.stdout) == [b.to_dict() for b in expected_blocks]
    assert [json.loads(line) for line in scripts.stdout.splitlines()] == [
        s.to_dict() for s in expected_scripts
    ]


async def test_demo_needs_no_token_and_no_server() -> None:
    """``demo`` runs the three commands against its own embedded fake GitBook."""
    run = await run_cli("demo")
    assert run.code == 0, run.stderr
    for command in ("integrations", "blocks", "scripts"):
        assert f"$ gitbook-async {command} {DEMO_SPACE_ID}" in run.stdout
    assert "NAME" in run.stdout
    assert "SCRIPT" in run.stdout


async def test_not_found_exits_1_with_one_line(fake_gitbook: FakeGitBook) -> None:
    """A 404 exits 1 with one ``error:`` line on stderr and nothing on stdout."""
    run = await run_cli("integrations", "no-such-space", *target(fake_gitbook))
    assert run.code == 1
    assert run.stdout == ""
    assert_one_error_line(run, "404", "no-such-space")


async def test_wrong_token_exits_1_and_never_shows_the_token(fake_gitbook: FakeGitBook) -> None:
    """A rejected token exits 1 with one line that does not contain the token."""
    run = await run_cli("blocks", DEMO_SPACE_ID, *target(fake_gitbook, WRONG_TOKEN))
    assert run.code == 1
    assert_one_error_line(run, "401")
    assert WRONG_TOKEN not in run.stderr + run.stdout


USAGE_ERRORS = {  # arguments -> what the one-line complaint must mention
    ("integrations", DEMO_SPACE_ID, "--format", "xml"): "invalid choice",  # argparse
    ("integrations", "bad/space"): "SPACE_ID must be",  # InvalidArgumentError, a ValueError
    ("integrations", DEMO_SPACE_ID, "--limit", "1001"): "--limit must be",
}


async def test_usage_errors_exit_2(fake_gitbook: FakeGitBook) -> None:
    """Argparse errors and arguments the SDK rejects before sending anything exit 2."""
    runs = await asyncio.gather(*(run_cli(*a, *target(fake_gitbook)) for a in USAGE_ERRORS))
    for run, fragment in zip(runs, USAGE_ERRORS.values(), strict=True):
        assert run.code == 2, run
        assert fragment in run.stderr
        assert "Traceback" not in run.stderr
    assert not fake_gitbook.requests


async def test_token_and_base_url_from_the_environment(fake_gitbook: FakeGitBook) -> None:
    """``$GITBOOK_API_TOKEN`` and ``$GITBOOK_BASE_URL`` are used when no option is given."""
    env = _clean_env(GITBOOK_API_TOKEN=TOKEN, GITBOOK_BASE_URL=fake_gitbook.url)
    run = await run_cli("scripts", DEMO_EMPTY_SPACE_ID, "--format", "json", env=env)
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout) == []


async def test_token_option_wins_over_the_environment(fake_gitbook: FakeGitBook) -> None:
    """``--token`` overrides ``$GITBOOK_API_TOKEN`` (and a wrong one there is not printed)."""
    env = _clean_env(GITBOOK_API_TOKEN=WRONG_TOKEN)
    run = await run_cli("scripts", DEMO_SPACE_ID, *target(fake_gitbook), env=env)
    assert run.code == 0, run.stderr
    assert [r.headers.get("Authorization") for r in fake_gitbook.requests] == [f"Bearer {TOKEN}"]


async def test_no_token_anywhere_is_a_usage_error() -> None:
    """Without ``--token`` or ``$GITBOOK_API_TOKEN`` it exits 2 and says how to give one."""
    run = await run_cli("blocks", DEMO_SPACE_ID, "--base-url", "http://127.0.0.1:9")
    assert run.code == 2
    assert_one_error_line(run, "GITBOOK_API_TOKEN")


async def test_progress_shows_only_on_a_terminal(fake_gitbook: FakeGitBook) -> None:
    """With stderr on a terminal (a pty) a walk reports progress; stdout stays clean JSON."""
    controller, terminal = pty.openpty()
    try:
        completed = await asyncio.to_thread(
            subprocess.run,
            [*CLI, "integrations", DEMO_LARGE_SPACE_ID, *target(fake_gitbook), *JSON_BY_50],
            stdout=subprocess.PIPE,
            stderr=terminal,
            env=_clean_env(),
            timeout=SUBPROCESS_TIMEOUT,
            check=False,
        )
    finally:
        os.close(terminal)
    try:
        progress = _read_terminal(controller)
    finally:
        os.close(controller)
    assert completed.returncode == 0, progress
    assert f"fetched {LARGE_SPACE_SIZE}/{LARGE_SPACE_SIZE}" in progress
    assert len(json.loads(completed.stdout)) == LARGE_SPACE_SIZE


def _read_terminal(controller: int) -> str:
    """Everything written to the pty; Linux reports EIO once the other side is closed."""
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode()


async def test_closed_stdout_exits_quietly(fake_gitbook: FakeGitBook) -> None:
    """``| head`` closing stdout early ends the command with 141 and no traceback."""

    def read_one_line_then_close() -> tuple[int, bytes]:
        with subprocess.Popen(
            [*CLI, "integrations", DEMO_LARGE_SPACE_ID, *target(fake_gitbook), *JSONL_AT_ONCE],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_clean_env(),
        ) as process:
            assert process.stdout is not None
            assert process.stderr is not None
            json.loads(process.stdout.readline())
            process.stdout.close()
            stderr = process.stderr.read()
            return process.wait(SUBPROCESS_TIMEOUT), stderr

    code, stderr = await asyncio.to_thread(read_one_line_then_close)
    assert code == cli.EXIT_BROKEN_PIPE
    assert stderr == b""


# -- in process (coverage does not follow subprocesses) ----------------------------------------


class _Terminal(io.StringIO):
    """A stand-in stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class _ClosedPipe(io.StringIO):
    """A stand-in stdout whose reader went away."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


async def main_in_thread(args: Sequence[str]) -> int:
    """``_cli.main`` runs its own event loop, so run it beside the fake server's loop."""
    return await asyncio.to_thread(cli.main, list(args))


@pytest.mark.parametrize("command", ["integrations", "blocks", "scripts"])
@pytest.mark.parametrize("fmt", ["table", "json", "jsonl"])
async def test_main_prints_every_format(
    fake_gitbook: FakeGitBook, capsys: pytest.CaptureFixture[str], command: str, fmt: str
) -> None:
    """Every command prints every format; json and jsonl parse, table has a header row."""
    code = await main_in_thread([command, DEMO_SPACE_ID, *target(fake_gitbook), "--format", fmt])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    if fmt == "json":
        assert isinstance(json.loads(out), list)
    elif fmt == "jsonl":
        assert all(isinstance(json.loads(line), dict) for line in out.splitlines())
    else:
        assert out.splitlines()[0].split()[0] in {"NAME", "INTEGRATION", "SCRIPT"}


async def test_main_empty_table(
    fake_gitbook: FakeGitBook, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty listing prints ``(none)`` as its table."""
    code = await main_in_thread(["integrations", DEMO_EMPTY_SPACE_ID, *target(fake_gitbook)])
    assert (code, capsys.readouterr().out) == (0, "(none)\n")


async def test_main_shows_progress_and_retries_on_a_terminal(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal, stderr gets the progress and the SDK's retry lines."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fake_gitbook.inject(Fault.status(503), times=1)
    args = ["integrations", DEMO_LARGE_SPACE_ID, *target(fake_gitbook), "--limit", "100"]
    assert await main_in_thread(args) == 0
    shown = terminal.getvalue()
    assert "info: GET /v1/spaces/large-space/integrations?limit=100 failed" in shown
    assert shown.endswith(f"\rfetched {LARGE_SPACE_SIZE}/{LARGE_SPACE_SIZE}\n")
    assert len(capsys.readouterr().out.splitlines()) == LARGE_SPACE_SIZE + 1


async def test_main_keeps_a_pipe_quiet_during_retries(
    fake_gitbook: FakeGitBook, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a pipe, a retried failure that recovers leaves stderr empty."""
    fake_gitbook.inject(Fault.status(503), times=1)
    assert await main_in_thread(["scripts", DEMO_SPACE_ID, *target(fake_gitbook)]) == 0
    assert capsys.readouterr().err == ""


async def test_main_api_error_exits_1(
    fake_gitbook: FakeGitBook, capsys: pytest.CaptureFixture[str]
) -> None:
    """An API error returns 1 and prints exactly one line, without the token."""
    code = await main_in_thread(["blocks", "gone", *target(fake_gitbook, WRONG_TOKEN)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert WRONG_TOKEN not in err


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["integrations", "a b"], id="space-id"),
        pytest.param(["integrations", DEMO_SPACE_ID, "--limit", "0"], id="limit"),
        pytest.param(["integrations", DEMO_SPACE_ID, "--max-items", "-1"], id="max-items"),
        pytest.param(["blocks", DEMO_SPACE_ID, "--timeout", "0"], id="timeout"),
        pytest.param(["blocks", DEMO_SPACE_ID, "--base-url", "ftp://example"], id="base-url"),
    ],
)
def test_main_invalid_arguments_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Values the SDK rejects before any request (a ValueError, or bad settings) exit 2."""
    base = [] if "--base-url" in args else ["--base-url", "http://127.0.0.1:9"]
    assert cli.main([*args, *base, "--token", TOKEN]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: ")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="no-command"),
        pytest.param(["integrations"], id="no-space"),
        pytest.param(["integrations", "x", "--limit", "many"], id="limit-type"),
        pytest.param(["publish", "x"], id="unknown-command"),
    ],
)
def test_main_argparse_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Malformed command lines exit 2 with argparse's usage message."""
    with pytest.raises(SystemExit) as exited:
        cli.main(args)
    assert exited.value.code == 2
    assert "usage: gitbook-async" in capsys.readouterr().err


def test_main_version(capsys: pytest.CaptureFixture[str]) -> None:
    """``--version`` prints the package version."""
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"gitbook-async {__version__}"


def test_main_demo(capsys: pytest.CaptureFixture[str]) -> None:
    """``demo`` works in process too (its own server, its own loop)."""
    assert cli.main(["demo"]) == 0
    assert "Embedded fake GitBook at http://127.0.0.1:" in capsys.readouterr().out


def test_main_broken_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """A closed stdout ends the run with 141 and leaves no task or session behind."""
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert cli.main(["demo"]) == cli.EXIT_BROKEN_PIPE


def test_main_interrupted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C ends the run with 130 and one line, not a traceback."""

    async def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run", interrupted)
    assert cli.main(["demo"]) == 130
    assert capsys.readouterr().err == "interrupted\n"


# -- issue 13: options anywhere, --max-retries, --quiet, the terminal, hints, --help ------------

SCRIPTS_PATH = f"/v1/spaces/{DEMO_SPACE_ID}/integration-scripts"
LARGE_PATH = f"/v1/spaces/{DEMO_LARGE_SPACE_ID}/integrations"


async def test_options_work_before_and_after_the_command(
    fake_gitbook: FakeGitBook, capsys: pytest.CaptureFixture[str]
) -> None:
    """Shared options may come before or after COMMAND; after it, they win."""
    before = ["--format", "json", "--token", TOKEN, "scripts", DEMO_SPACE_ID]
    assert await main_in_thread([*before, "--base-url", fake_gitbook.url]) == 0
    assert isinstance(json.loads(capsys.readouterr().out), list)
    both = ["--format", "table", "--base-url", fake_gitbook.url, "scripts", DEMO_SPACE_ID]
    assert await main_in_thread([*both, "--format", "jsonl", "--token", TOKEN]) == 0
    out = capsys.readouterr().out
    assert all(isinstance(json.loads(line), dict) for line in out.splitlines())


@pytest.mark.parametrize(("max_retries", "code", "requests"), [(0, 1, 1), (1, 1, 2)])
async def test_max_retries_option(
    fake_gitbook: FakeGitBook,
    capsys: pytest.CaptureFixture[str],
    max_retries: int,
    code: int,
    requests: int,
) -> None:
    """``--max-retries N`` sends at most N + 1 requests for a call that keeps failing."""
    fake_gitbook.inject(Fault.status(503), times=None, path=SCRIPTS_PATH)
    args = ["scripts", DEMO_SPACE_ID, *target(fake_gitbook), "--max-retries", str(max_retries)]
    assert await main_in_thread(args) == code
    assert len(fake_gitbook.requests) == requests
    assert_one_line(capsys.readouterr().err, "503")


def assert_one_line(err: str, *fragments: str) -> str:
    assert err.count("\n") == 1, err
    assert err.startswith("error: "), err
    for fragment in fragments:
        assert fragment in err, err
    return err.strip()


async def test_quiet_keeps_a_terminal_silent(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--quiet`` shows neither progress nor retry warnings, even on a terminal."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fake_gitbook.inject(Fault.status(503), times=1)
    args = ["integrations", DEMO_LARGE_SPACE_ID, *target(fake_gitbook), "--quiet"]
    assert await main_in_thread(args) == 0
    assert terminal.getvalue() == ""
    assert len(capsys.readouterr().out.splitlines()) == LARGE_SPACE_SIZE + 1


async def test_terminal_warning_starts_a_line_and_progress_is_cleared(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal, a warning is not glued to the progress, which is erased before output."""
    stderr, stdout = _Terminal(), _Terminal()
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setattr(sys, "stdout", stdout)
    # The first page passes (the headers fault answers normally); the second fails once.
    fake_gitbook.inject(Fault.rate_limit_headers(1000, 999, 2_000_000_000), times=1)
    fake_gitbook.inject(Fault.status(503), times=1)
    args = ["integrations", DEMO_LARGE_SPACE_ID, *target(fake_gitbook), "--limit", "100"]
    assert await main_in_thread(args) == 0
    shown = stderr.getvalue()
    assert "\rfetched 100/250\r\x1b[Kinfo: GET /v1/spaces/large-space/integrations" in shown
    assert "\n\rfetched 100/250\rfetched 200/250" in shown  # drawn again below the warning
    assert shown.endswith(f"\rfetched {LARGE_SPACE_SIZE}/{LARGE_SPACE_SIZE}\r\x1b[K")
    assert stdout.getvalue().splitlines()[0].split()[0] == "NAME"


async def test_gitbook_log_on_a_terminal_prints_each_line_once_above_the_progress(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With GITBOOK_LOG=debug on a terminal, debug lines go above the progress line, once each."""
    logger = logging.getLogger("gitbook_async")
    saved_level, saved_handlers = logger.level, logger.handlers[:]
    monkeypatch.setenv("GITBOOK_LOG", "debug")
    configure_logging_from_env()
    stderr, stdout = _Terminal(), _Terminal()
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setattr(sys, "stdout", stdout)
    try:
        args = ["integrations", DEMO_LARGE_SPACE_ID, *target(fake_gitbook), "--limit", "100"]
        assert await main_in_thread(args) == 0
        assert logger.handlers == [*saved_handlers, *logger.handlers[len(saved_handlers) :]]
    finally:
        for handler in logger.handlers[len(saved_handlers) :]:
            logger.removeHandler(handler)
        logger.setLevel(saved_level)
    lines = [line for line in stderr.getvalue().split("\n") if "debug: GET" in line]
    assert len(lines) == 3  # one per page, none doubled by GITBOOK_LOG's own handler
    # Once a progress line is shown, each log line first erases it (not glued to it).
    assert all("\r\x1b[Kdebug: GET /v1/spaces/" in line for line in lines[1:])


async def test_an_unknown_gitbook_log_value_adds_no_retry_lines_on_a_pipe(
    fake_gitbook: FakeGitBook,
) -> None:
    """GITBOOK_LOG=verbose turns nothing on: a piped stderr gets its one warning, no retries."""
    fake_gitbook.inject(Fault.status(503), times=1)
    env = {**_clean_env(), "GITBOOK_LOG": "verbose"}
    run = await run_cli("blocks", DEMO_SPACE_ID, *target(fake_gitbook), "--format", "json", env=env)
    assert run.code == 0
    assert len(fake_gitbook.requests) == 2  # the 503 was retried
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert "GITBOOK_LOG='verbose' is not a level" in lines[0]


async def test_terminal_jsonl_output_never_mixes_with_progress(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With both streams on one screen, the progress line is erased before each page's lines."""
    stderr, stdout = _Terminal(), _Terminal()
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setattr(sys, "stdout", stdout)
    args = ["integrations", DEMO_LARGE_SPACE_ID, *target(fake_gitbook), *JSONL_AT_ONCE[:2]]
    assert await main_in_thread([*args, "--limit", "100"]) == 0
    assert stderr.getvalue().count("\r\x1b[K") == 3  # before pages 2 and 3, and at the end
    assert len(stdout.getvalue().splitlines()) == LARGE_SPACE_SIZE


def _no_library_parameters(line: str) -> None:
    assert "GitBookClient" not in line, line
    assert not re.search(r"\b[a-z_]+=", line), line  # token=, timeout=, allow_insecure_http=


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        pytest.param(
            ["--base-url", "http://example.com"], "--allow-insecure-http", id="insecure-http"
        ),
        pytest.param(["--base-url", "https://u:p@example.com"], "--token", id="credentials"),
        pytest.param(["--base-url", "ftp://example"], "--base-url", id="scheme"),
        pytest.param(["--timeout", "-1"], "--timeout", id="timeout"),
    ],
)
def test_usage_hints_name_the_cli_flags(
    args: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Settings errors name the CLI's flags, not the library's parameters."""
    base = [] if "--base-url" in args else ["--base-url", "http://127.0.0.1:9"]
    assert cli.main(["blocks", DEMO_SPACE_ID, "--token", TOKEN, *base, *args]) == 2
    _no_library_parameters(assert_one_line(capsys.readouterr().err, fragment))


def test_no_token_hint_names_the_flag_and_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a token, the hint names --token and $GITBOOK_API_TOKEN."""
    monkeypatch.delenv("GITBOOK_API_TOKEN", raising=False)
    assert cli.main(["blocks", DEMO_SPACE_ID, "--base-url", "http://127.0.0.1:9"]) == 2
    line = assert_one_line(capsys.readouterr().err, "--token", "$GITBOOK_API_TOKEN")
    _no_library_parameters(line)


@pytest.mark.parametrize(
    ("where", "named", "not_named"),
    [
        pytest.param("option", "--token", "$GITBOOK_API_TOKEN", id="option"),
        pytest.param("environment", "$GITBOOK_API_TOKEN", "--token", id="environment"),
    ],
)
def test_token_with_a_control_character_is_a_usage_error(
    where: str,
    named: str,
    not_named: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A token with a control character exits 2 with one line naming where it came from."""
    bad = "gb_api_pasted\x07badly"
    args = ["blocks", DEMO_SPACE_ID, "--base-url", "http://127.0.0.1:9"]
    if where == "option":
        args += ["--token", bad]
    else:
        monkeypatch.setenv("GITBOOK_API_TOKEN", bad)
    assert cli.main(args) == 2
    line = assert_one_line(capsys.readouterr().err, "control character", named)
    assert not_named not in line
    assert "pasted" not in line
    _no_library_parameters(line)


async def test_timeout_hint_names_the_flag(
    fake_gitbook: FakeGitBook, capsys: pytest.CaptureFixture[str]
) -> None:
    """A timeout's hint says to raise --timeout."""
    fake_gitbook.inject(Fault.delay(5), times=None, path=SCRIPTS_PATH)
    args = ["scripts", DEMO_SPACE_ID, *target(fake_gitbook), "--timeout", "0.2"]
    assert await main_in_thread([*args, "--max-retries", "0"]) == 1
    _no_library_parameters(assert_one_line(capsys.readouterr().err, "--timeout"))


def test_allow_insecure_http_reaches_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--allow-insecure-http`` is passed on as the client's opt-in."""
    seen: dict[str, object] = {}

    def recording_client(token: str, **options: object) -> GitBookClient:
        seen.update(options)
        raise ConfigurationError("stop here")

    monkeypatch.setattr(cli, "GitBookClient", recording_client)
    args = ["blocks", "x", "--token", TOKEN, "--base-url", "http://example.com"]
    assert cli.main([*args, "--allow-insecure-http"]) == 2
    assert seen["allow_insecure_http"] is True
    assert seen["base_url"] == "http://example.com"


@pytest.mark.parametrize("command", [[], ["integrations"]])
def test_help_documents_exit_codes_defaults_and_space_id(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """``--help`` lists every exit code, shows defaults and says what SPACE_ID is."""
    with pytest.raises(SystemExit) as exited:
        cli.main([*command, "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for code in ("0 success", "1 API or network error", "2 usage error", "130", "141"):
        assert code in text
    assert "SPACE_ID is the id of a GitBook space" in text
    assert "(default: 60)" in text
    assert "(default: 3)" in text
    assert "--quiet" in text
    assert "$GITBOOK_API_TOKEN" in text


def test_cli_environment_variables_are_the_clients() -> None:
    """The variables the help names are the ones GitBookClient reads."""
    assert cli.TOKEN_ENV_VAR == _constants.TOKEN_ENV_VAR
    assert cli.BASE_URL_ENV_VAR == _constants.BASE_URL_ENV_VAR


def _imports_of_ours(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    return {name for name in imported if name.split(".")[0] == "gitbook_async"}


def test_cli_uses_the_public_api_only() -> None:
    """The CLI's modules import gitbook_async, gitbook_async.testing and each other only."""
    cli_path = Path(cli.__file__)
    assert _imports_of_ours(cli_path) == {
        "gitbook_async",
        "gitbook_async.testing",
        "gitbook_async._cli_terminal",
    }
    assert _imports_of_ours(cli_path.with_name("_cli_terminal.py")) == set()


# -- issue 17: the token as the SDK reads it, proxies, hints, demo's options, the debug log ------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(f"{TOKEN}\n", id="trailing-newline"),
        pytest.param(f"{TOKEN}\r\n", id="trailing-crlf"),
        pytest.param(f"  {TOKEN}\t", id="spaces-and-tab"),
        pytest.param(f"\n{TOKEN}", id="leading-newline"),
    ],
)
async def test_token_from_the_environment_is_stripped_as_the_sdk_strips_it(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """``$GITBOOK_API_TOKEN`` with surrounding whitespace works, sent as the SDK sends it."""
    monkeypatch.setenv("GITBOOK_API_TOKEN", value)
    args = ["scripts", DEMO_EMPTY_SPACE_ID, "--base-url", fake_gitbook.url]
    assert await main_in_thread(args) == 0
    async with GitBookClient(base_url=fake_gitbook.url) as sdk:  # the same variable, read by it
        await sdk.spaces.list_integration_scripts(DEMO_EMPTY_SPACE_ID)
    cli_sent, sdk_sent = (r.headers.get("Authorization") for r in fake_gitbook.requests)
    assert cli_sent == sdk_sent == f"Bearer {TOKEN}"


async def test_console_script_accepts_a_token_variable_with_a_trailing_newline(
    fake_gitbook: FakeGitBook,
) -> None:
    """The reported case: a trailing newline in ``$GITBOOK_API_TOKEN`` is not a usage error."""
    env = _clean_env(GITBOOK_API_TOKEN=f"{TOKEN}\n", GITBOOK_BASE_URL=fake_gitbook.url)
    run = await run_cli("scripts", DEMO_EMPTY_SPACE_ID, "--format", "json", env=env)
    assert (run.code, run.stderr) == (0, "")
    assert json.loads(run.stdout) == []


@pytest.mark.parametrize("value", [" ", "\n", " \t\r\n "])
def test_a_blank_token_variable_is_no_token(
    value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``$GITBOOK_API_TOKEN`` of whitespace only counts as absent, as for the SDK."""
    monkeypatch.setenv("GITBOOK_API_TOKEN", value)
    assert cli.main(["blocks", DEMO_SPACE_ID, "--base-url", "http://127.0.0.1:9"]) == 2
    assert_one_line(capsys.readouterr().err, "no GitBook API token", "--token")


def test_an_empty_token_option_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    """``--token ''`` is refused as the SDK refuses ``token=''``, naming ``--token``."""
    assert (
        cli.main(["blocks", DEMO_SPACE_ID, "--base-url", "http://127.0.0.1:9", "--token", ""]) == 2
    )
    _no_library_parameters(assert_one_line(capsys.readouterr().err, "--token must be"))


_PROXIED_HOST = "gitbook.invalid"  # resolves nowhere: only a proxy can reach it


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy"])
async def test_the_proxy_environment_is_honoured(fake_gitbook: FakeGitBook, variable: str) -> None:
    """With ``$HTTP_PROXY`` set, requests go through that proxy (here the fake itself)."""
    env = _clean_env(**{variable: fake_gitbook.url})
    base = ["--base-url", f"http://{_PROXIED_HOST}", "--allow-insecure-http", "--token", TOKEN]
    run = await run_cli("scripts", DEMO_SPACE_ID, *base, "--max-retries", "0", env=env)
    assert (run.code, run.stderr) == (0, "")
    assert [r.headers.get("Host") for r in fake_gitbook.requests] == [_PROXIED_HOST]


async def test_no_proxy_sends_directly(fake_gitbook: FakeGitBook) -> None:
    """A host ``$NO_PROXY`` names is reached directly, not through ``$HTTP_PROXY``."""
    dead = "http://127.0.0.1:9"  # nothing listens there: a proxied request would fail
    env = _clean_env(HTTP_PROXY=dead, NO_PROXY="127.0.0.1")
    run = await run_cli(
        "scripts", DEMO_SPACE_ID, *target(fake_gitbook), "--max-retries", "0", env=env
    )
    assert (run.code, run.stderr) == (0, "")
    assert len(fake_gitbook.requests) == 1


async def test_demo_ignores_the_proxy_environment() -> None:
    """``demo`` talks to its own server on loopback, whatever proxy the environment names."""
    dead = "http://127.0.0.1:9"  # nothing listens there
    env = _clean_env(HTTP_PROXY=dead, HTTPS_PROXY=dead, http_proxy=dead, https_proxy=dead)
    run = await run_cli("demo", env=env)
    assert (run.code, run.stderr) == (0, "")
    assert "NAME" in run.stdout


def test_the_cli_passes_no_session_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client creates its own session, so its proxy settings are the ones that apply."""
    seen: dict[str, object] = {}

    def recording_client(token: str | None, **options: object) -> GitBookClient:
        seen.update(options, token=token)
        raise ConfigurationError("stop here")

    monkeypatch.setattr(cli, "GitBookClient", recording_client)
    assert cli.main(["blocks", "x", "--token", TOKEN]) == 2
    assert "session" not in seen
    assert "trust_env" not in seen  # the client's default (the environment's proxies) stands


_SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # base_url, max_response_bytes


def _no_library_names(line: str) -> None:
    """No parameter of the library outside the values the line quotes."""
    unquoted = cli._QUOTED.sub("''", line)
    _no_library_parameters(unquoted)
    assert not _SNAKE_CASE.search(unquoted), line


@pytest.mark.parametrize(
    ("fault", "args", "fragments"),
    [
        pytest.param(
            Fault.status(200, body="<html>portal</html>", content_type="text/html"),
            [],
            ["instead of JSON", "check --base-url"],
            id="html",
        ),
        pytest.param(
            Fault.redirect("http://elsewhere.example/v1/x"),
            [],
            ["redirect", "Check --base-url"],
            id="redirect",
        ),
        pytest.param(
            Fault.oversized(40 * 2**20), [], ["too large", "bytes", "--limit"], id="too-large"
        ),
        pytest.param(
            None,
            ["--base-url", "http://127.0.0.1:9"],
            ["Check the network and --base-url"],
            id="refused",
        ),
        pytest.param(
            None,
            ["--base-url", f"http://{_PROXIED_HOST}", "--allow-insecure-http"],
            ["Check --base-url and the DNS"],
            id="dns",
        ),
    ],
)
async def test_sdk_hints_name_the_cli_flags(
    fake_gitbook: FakeGitBook,
    capsys: pytest.CaptureFixture[str],
    fault: Fault | None,
    args: list[str],
    fragments: list[str],
) -> None:
    """The SDK's advice (check base_url, limit=, max_response_bytes) names flags instead."""
    if fault is not None:
        fake_gitbook.inject(fault, times=None)
    base = args or ["--base-url", fake_gitbook.url]
    run = [*base, "--token", TOKEN, "--max-retries", "0"]
    assert await main_in_thread(["scripts", DEMO_SPACE_ID, *run]) == 1
    _no_library_names(assert_one_line(capsys.readouterr().err, *fragments))


@pytest.mark.parametrize(
    ("base_url", "code", "fragments"),
    [
        pytest.param("ftp://example", 2, ["$GITBOOK_BASE_URL must be"], id="scheme"),
        pytest.param(
            "http://127.0.0.1:9", 1, ["Check the network and $GITBOOK_BASE_URL"], id="down"
        ),
        pytest.param("http://example.com", 2, ["--allow-insecure-http"], id="insecure"),
    ],
)
def test_hints_about_a_base_url_from_the_environment_name_the_variable(
    base_url: str,
    code: int,
    fragments: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A base URL read from ``$GITBOOK_BASE_URL`` is called that, not ``--base-url``."""
    monkeypatch.setenv("GITBOOK_BASE_URL", base_url)
    assert cli.main(["blocks", DEMO_SPACE_ID, "--token", TOKEN, "--max-retries", "0"]) == code
    line = assert_one_line(capsys.readouterr().err, *fragments)
    assert "--base-url" not in line
    _no_library_names(line)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param(
            "base_url must be an http(s) URL, got 'ftp://x/?token=abc&base_url=1'",
            "--base-url must be an http(s) URL, got 'ftp://x/?token=abc&base_url=1'",
            id="quoted-url-kept",
        ),
        pytest.param(
            "Space 'max_items' not found. Check base_url.",
            "Space 'max_items' not found. Check --base-url.",
            id="quoted-id-kept",
        ),
        pytest.param(
            "the integration's page limit must be 10; raise timeout=",
            "the integration's page --limit must be 10; raise --timeout",
            id="apostrophe-is-not-a-quote",
        ),
        pytest.param("rate limit reached", "rate limit reached", id="english-words-kept"),
        pytest.param(
            "pass GitBookClient(token=...) or set $GITBOOK_API_TOKEN",
            "pass --token or set $GITBOOK_API_TOKEN",
            id="constructor",
        ),
        pytest.param(
            "over max_response_bytes=100: it is 200 bytes",
            "over 100 bytes: it is 200 bytes",
            id="no-flag",
        ),
        pytest.param(
            "Check the proxy (proxy=, trust_env= and $HTTP_PROXY, $NO_PROXY say which).",
            "Check the proxy ($HTTP_PROXY, $NO_PROXY say which).",
            id="proxy-settings",
        ),
    ],
)
def test_error_line_translates_parameters_outside_quotes(message: str, expected: str) -> None:
    """Parameters become flags in the message's own words; quoted values stay as they are."""
    assert cli._error_line(ConfigurationError(message)) == expected


@pytest.mark.parametrize(
    ("args", "refused"),
    [
        pytest.param(["demo", "--token", "x"], "--token", id="token-after"),
        pytest.param(["--token", "x", "demo"], "--token", id="token-before"),
        pytest.param(["demo", "--base-url", "http://127.0.0.1:9"], "--base-url", id="base-url"),
        pytest.param(["demo", "--format", "json"], "--format", id="format"),
        pytest.param(["--format", "table", "demo"], "--format", id="format-default-value"),
        pytest.param(["demo", "--timeout", "5"], "--timeout", id="timeout"),
        pytest.param(["demo", "--max-retries", "1"], "--max-retries", id="max-retries"),
        pytest.param(["demo", "--allow-insecure-http"], "--allow-insecure-http", id="insecure"),
        pytest.param(["demo", "--token", "x", "--format", "json"], "--token, --format", id="two"),
    ],
)
def test_demo_refuses_options_it_would_ignore(
    args: list[str], refused: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``demo`` brings its own server, token and tables: other shared options are usage errors."""
    with pytest.raises(SystemExit) as exited:
        cli.main(args)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "usage: gitbook-async demo" in err
    assert f"demo takes no {refused}:" in err


@pytest.mark.parametrize("args", [["demo", "--quiet"], ["-q", "demo"]])
def test_demo_takes_quiet(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """``--quiet``, the one shared option the demo honours, is accepted before or after it."""
    assert cli.main(args) == 0
    assert "Embedded fake GitBook" in capsys.readouterr().out


def test_demo_help_lists_only_what_it_takes(capsys: pytest.CaptureFixture[str]) -> None:
    """``demo --help`` shows ``--quiet`` and none of the options it refuses."""
    with pytest.raises(SystemExit) as exited:
        cli.main(["demo", "--help"])
    assert exited.value.code == 0
    options = capsys.readouterr().out.split("SPACE_ID is the id")[0]  # before the epilog
    assert "--quiet" in options
    for flag in ("--token", "--base-url", "--format", "--timeout", "--max-retries"):
        assert flag not in options
