"""The ``gitbook-async`` command line, built only on the public API.

Exit codes: 0 success, 1 API or network error (one line on stderr), 2 usage error (bad
arguments, an invalid space id or limit, no token, an unusable base URL), 130 interrupted,
141 stdout closed early (``| head``), as a process killed by SIGPIPE would report.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from gitbook_async import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ConfigurationError,
    GitBookClient,
    GitBookError,
    GitBookModel,
    Integration,
    RetryPolicy,
    SpaceIntegrationBlocks,
    SpaceIntegrationScript,
    __version__,
)
from gitbook_async._cli_terminal import StatusLine, sdk_warnings_to_terminal

__all__ = ["main"]

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what `cmd | head` reports for other Unix tools
FORMATS = ("table", "json", "jsonl")
TOKEN_ENV_VAR = "GITBOOK_API_TOKEN"  # the names GitBookClient reads (tests check they agree)
BASE_URL_ENV_VAR = "GITBOOK_BASE_URL"

_EPILOG = f"""\
SPACE_ID is the id of a GitBook space: the part after /s/ in the space's address in the
GitBook app (https://app.gitbook.com/o/ORG_ID/s/SPACE_ID/...).

The token comes from --token or ${TOKEN_ENV_VAR}, the server from --base-url or
${BASE_URL_ENV_VAR}. Options may come before or after COMMAND. To try it without a GitBook
account, start the fake server (python -m gitbook_async.testing) and export the
GITBOOK_BASE_URL and GITBOOK_API_TOKEN lines it prints, or run `gitbook-async demo`.

exit codes:
  0    success
  1    API or network error (one "error:" line on stderr, never the token)
  2    usage error: bad arguments, an invalid SPACE_ID or --limit, no token, an unusable
       --base-url
  130  interrupted (Ctrl-C)
  141  stdout closed early (e.g. piped into head)
"""

# Library errors name the library's parameters (``token=``, ``GitBookClient(token=...)``,
# ``allow_insecure_http=True``); on the command line the user has flags instead (issue 13).
_FLAGS = {
    "token": "--token",
    "base_url": "--base-url",
    "timeout": "--timeout",
    "max_retries": "--max-retries",
    "allow_insecure_http": "--allow-insecure-http",
    "limit": "--limit",
    "max_items": "--max-items",
    "search": "--search",
}
_NAMES = "|".join(_FLAGS)
_PARAMETER_HINTS = (
    re.compile(rf"GitBookClient\(({_NAMES})=(?:\.\.\.)?\)"),  # pass GitBookClient(token=...)
    re.compile(rf"\b({_NAMES})=(?:\.\.\.|True)?"),  # raise timeout=, allow_insecure_http=True
    re.compile(rf"\b({_NAMES})(?= must\b)"),  # timeout must be ...
)


def _add_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Add the options every command shares, to the top parser and to each command's.

    A command's copies default to "absent" so that an option given before COMMAND is not
    overwritten by the command's default: options work before and after COMMAND.
    """

    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    parser.add_argument(
        "--token", default=default(None), help=f"API token (default: ${TOKEN_ENV_VAR})"
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        default=default(None),
        help=f"API server (default: ${BASE_URL_ENV_VAR}, else {DEFAULT_BASE_URL})",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default=default("table"), help="output (default: table)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        default=default(DEFAULT_TIMEOUT),
        help=f"seconds one request may take (default: {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--max-retries",
        type=int,
        metavar="N",
        default=default(DEFAULT_MAX_RETRIES),
        help="retries after a network error, a timeout, 429 or 5xx; 0: none "
        f"(default: {DEFAULT_MAX_RETRIES})",
    )
    parser.add_argument(
        "--allow-insecure-http",
        action="store_true",
        default=default(False),
        help="allow a plain http:// --base-url to a host that is not loopback (sends the token "
        "unencrypted)",
    )
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        default=default(False),
        help="no progress and no retry warnings on stderr, only errors",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gitbook-async",
        description="List the integrations, blocks and scripts of GitBook spaces.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gitbook-async {__version__}")
    _add_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    about = {
        "integrations": "list the integrations installed in a space",
        "blocks": "list the integration blocks of a space",
        "scripts": "list the integration scripts of a space",
        "demo": "run the commands against an embedded fake GitBook (no token, no internet)",
    }
    for name, summary in about.items():
        command = commands.add_parser(
            name,
            help=summary,
            description=summary[0].upper() + summary[1:] + ".",
            epilog=_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if name != "demo":
            command.add_argument("space_id", metavar="SPACE_ID", help="the space's id (see below)")
        if name == "integrations":
            command.add_argument("--search", metavar="TEXT", help="only integrations matching TEXT")
            command.add_argument(
                "--limit", type=int, metavar="N", help="page size, 1-1000 (default: GitBook's)"
            )
            command.add_argument(
                "--max-items", type=int, metavar="N", help="stop after N (default: all)"
            )
        _add_options(command, top=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    args = _parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:  # asyncio.run cancelled _run first, which ended the progress line
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE


async def _run(args: argparse.Namespace) -> int:
    status = StatusLine(quiet=args.quiet)
    with sdk_warnings_to_terminal(status):
        try:
            return await _run_command(args, status)
        finally:
            status.finish()  # also when interrupted (Ctrl-C cancels this task)


async def _run_command(args: argparse.Namespace, status: StatusLine) -> int:
    try:
        if args.command == "demo":
            return await _demo(status)
        token = args.token if args.token is not None else os.environ.get(TOKEN_ENV_VAR)
        if not token:
            raise ConfigurationError(
                f"no GitBook API token: pass --token or set ${TOKEN_ENV_VAR} "
                "(a demo token: run python -m gitbook_async.testing)"
            )
        async with GitBookClient(
            token,
            base_url=args.base_url,
            timeout=args.timeout,
            retry=RetryPolicy(max_retries=args.max_retries),
            allow_insecure_http=args.allow_insecure_http,
        ) as gitbook:
            await _command(gitbook, args, sys.stdout, status)
    except GitBookError as exc:
        print(f"error: {_error_line(exc)}", file=sys.stderr)
        # A bad argument or setting (no request was sent) is the caller's to fix: usage error.
        usage = isinstance(exc, (ValueError, ConfigurationError))
        return EXIT_USAGE if usage else EXIT_API_ERROR
    return EXIT_OK


def _discard_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError):  # ValueError: not a real file (tests)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


async def _command(
    gitbook: GitBookClient, args: argparse.Namespace, out: TextIO, status: StatusLine
) -> None:
    if args.command == "integrations":
        await _integrations(gitbook, args, out, status)
    elif args.command == "blocks":
        blocks = await gitbook.spaces.list_integration_blocks(args.space_id)
        _emit(blocks, args.format, _blocks_row, out)
    else:
        scripts = await gitbook.spaces.list_integration_scripts(args.space_id)
        _emit(scripts, args.format, _script_row, out)


async def _integrations(
    gitbook: GitBookClient, args: argparse.Namespace, out: TextIO, status: StatusLine
) -> None:
    paginator = gitbook.spaces.list_integrations(
        args.space_id, search=args.search, limit=args.limit, max_items=args.max_items
    )
    integrations: list[Integration] = []  # kept for table and json only
    fetched = 0
    try:
        async with paginator.pages() as pages:  # a failed write must not leave a prefetch
            async for page in pages:
                fetched += len(page.items)
                if args.format == "jsonl":
                    status.make_room()
                    for item in page.items:
                        out.write(json.dumps(item.to_dict()) + "\n")
                    out.flush()  # one page at a time for the next command in the pipe
                else:
                    integrations.extend(page.items)
                total = f"/{int(page.count)}" if page.count is not None else ""
                status.show(f"fetched {fetched}{total}")
    finally:
        status.finish()  # before the output, and before an error line
    if args.format != "jsonl":
        _emit(integrations, args.format, _integration_row, out)


def _integration_row(item: Integration) -> dict[str, str]:
    return {
        "NAME": item.name,
        "TITLE": item.title,
        "OWNER": item.owner.title,
        "TARGET": str(item.target),
        "VERIFIED": "yes" if item.verified else "no",
    }


def _blocks_row(item: SpaceIntegrationBlocks) -> dict[str, str]:
    return {
        "INTEGRATION": item.name,
        "BLOCKS": ", ".join(f"{b.id} ({b.title})" for b in item.blocks) or "-",
    }


def _script_row(item: SpaceIntegrationScript) -> dict[str, str]:
    return {"SCRIPT": item.script, "COOKIES": "yes" if item.cookies else "no"}


def _emit(items: Sequence[Any], fmt: str, row: Any, out: TextIO) -> None:
    models: Sequence[GitBookModel] = items
    if fmt == "json":
        out.write(json.dumps([m.to_dict() for m in models], indent=2) + "\n")
    elif fmt == "jsonl":
        for model in models:
            out.write(json.dumps(model.to_dict()) + "\n")
    else:
        _table([row(m) for m in models], out)


def _table(rows: list[dict[str, str]], out: TextIO) -> None:
    if not rows:
        out.write("(none)\n")
        return
    headers = list(rows[0])
    widths = {h: max(len(h), *(len(r[h]) for r in rows)) for h in headers}
    out.write("  ".join(h.ljust(widths[h]) for h in headers).rstrip() + "\n")
    for r in rows:
        out.write("  ".join(r[h].ljust(widths[h]) for h in headers).rstrip() + "\n")


def _error_line(exc: BaseException) -> str:
    """One line (control characters folded into spaces), hints naming the CLI's flags."""
    line = " ".join(str(exc).split()) or type(exc).__name__
    for pattern in _PARAMETER_HINTS:
        line = pattern.sub(lambda match: _FLAGS[match[1]], line)
    return line


async def _demo(status: StatusLine) -> int:
    from gitbook_async.testing import DEMO_SPACE_ID, DEMO_TOKEN, FakeGitBook

    out = sys.stdout
    async with (
        FakeGitBook.with_demo_data(token=DEMO_TOKEN) as server,
        GitBookClient(DEMO_TOKEN, base_url=server.url) as gitbook,
    ):
        out.write(f"Embedded fake GitBook at {server.url} (no token, no internet)\n\n")
        for command in ("integrations", "blocks", "scripts"):
            out.write(f"$ gitbook-async {command} {DEMO_SPACE_ID}\n")
            args = argparse.Namespace(
                command=command,
                space_id=DEMO_SPACE_ID,
                search=None,
                limit=10,
                max_items=None,
                format="table",
            )
            await _command(gitbook, args, out, status)
            out.write("\n")
        out.write("Serve the fake GitBook for your own commands: python -m gitbook_async.testing\n")
    return EXIT_OK
