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
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from gitbook_async import (
    ConfigurationError,
    GitBookClient,
    GitBookError,
    GitBookModel,
    Integration,
    SpaceIntegrationBlocks,
    SpaceIntegrationScript,
    __version__,
)
from gitbook_async._constants import BASE_URL_ENV_VAR, DEFAULT_BASE_URL, TOKEN_ENV_VAR

__all__ = ["main"]

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what `cmd | head` reports for other Unix tools
FORMATS = ("table", "json", "jsonl")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gitbook-async",
        description="List the integrations, blocks and scripts of GitBook spaces.",
        epilog=f"The token comes from --token or ${TOKEN_ENV_VAR}. "
        "Exit codes: 0 ok, 1 API/network error, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"gitbook-async {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--token", help=f"API token (default: ${TOKEN_ENV_VAR})")
    common.add_argument(
        "--base-url", help=f"API origin (default: ${BASE_URL_ENV_VAR} or {DEFAULT_BASE_URL})"
    )
    common.add_argument("--format", choices=FORMATS, default="table", help="output format")
    common.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    integrations = commands.add_parser(
        "integrations", parents=[common], help="list the integrations enabled in a space"
    )
    integrations.add_argument("space_id", metavar="SPACE_ID")
    integrations.add_argument("--search", help="only integrations matching this text")
    integrations.add_argument("--limit", type=int, help="page size (1-1000)")
    integrations.add_argument("--max-items", type=int, help="stop after this many")

    blocks = commands.add_parser(
        "blocks", parents=[common], help="list the integration blocks of a space"
    )
    blocks.add_argument("space_id", metavar="SPACE_ID")
    scripts = commands.add_parser(
        "scripts", parents=[common], help="list the integration scripts of a space"
    )
    scripts.add_argument("space_id", metavar="SPACE_ID")
    commands.add_parser(
        "demo",
        help="run the commands against an embedded fake GitBook (no token, no internet)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    args = _parser().parse_args(argv)
    try:
        with _sdk_warnings_to_terminal():
            return asyncio.run(_run(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE


async def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "demo":
            return await _demo()
        async with GitBookClient(
            args.token, base_url=args.base_url, timeout=args.timeout
        ) as gitbook:
            await _command(gitbook, args, sys.stdout)
    except GitBookError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        # A bad argument or setting (no request was sent) is the caller's to fix: usage error.
        usage = isinstance(exc, (ValueError, ConfigurationError))
        return EXIT_USAGE if usage else EXIT_API_ERROR
    return EXIT_OK


@contextlib.contextmanager
def _sdk_warnings_to_terminal() -> Iterator[None]:
    """Show the SDK's warnings (retries, rate-limit waits) only when stderr is a terminal.

    On a pipe or file, stderr carries exactly one ``error:`` line on failure and nothing
    else; without this, logging's last-resort handler would print every retry there.
    """
    logger = logging.getLogger("gitbook_async")
    handler: logging.Handler
    if sys.stderr.isatty():
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("warning: %(message)s"))
        handler.setLevel(logging.WARNING)
    else:
        handler = logging.NullHandler()
    saved_propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = saved_propagate


def _discard_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError):  # ValueError: not a real file (tests)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


async def _command(gitbook: GitBookClient, args: argparse.Namespace, out: TextIO) -> None:
    if args.command == "integrations":
        paginator = gitbook.spaces.list_integrations(
            args.space_id, search=args.search, limit=args.limit, max_items=args.max_items
        )
        progress = sys.stderr.isatty()
        integrations: list[Integration] = []  # kept for table and json only
        fetched = 0
        try:
            async with paginator.pages() as pages:  # a failed write must not leave a prefetch
                async for page in pages:
                    fetched += len(page.items)
                    if args.format == "jsonl":
                        for item in page.items:
                            out.write(json.dumps(item.to_dict()) + "\n")
                        out.flush()  # one page at a time for the next command in the pipe
                    else:
                        integrations.extend(page.items)
                    if progress:
                        total = f"/{int(page.count)}" if page.count is not None else ""
                        print(f"\rfetched {fetched}{total}", end="", file=sys.stderr)
        finally:
            if progress and fetched:
                print(file=sys.stderr)  # end the progress line, also before an error line
        if args.format != "jsonl":
            _emit(integrations, args.format, _integration_row, out)
    elif args.command == "blocks":
        blocks = await gitbook.spaces.list_integration_blocks(args.space_id)
        _emit(blocks, args.format, _blocks_row, out)
    else:
        scripts = await gitbook.spaces.list_integration_scripts(args.space_id)
        _emit(scripts, args.format, _script_row, out)


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


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


async def _demo() -> int:
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
            await _command(gitbook, args, out)
            out.write("\n")
    return EXIT_OK
