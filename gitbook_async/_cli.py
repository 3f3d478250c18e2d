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
from collections.abc import Mapping, Sequence
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
${BASE_URL_ENV_VAR}; $HTTPS_PROXY, $HTTP_PROXY and $NO_PROXY are honoured (not by demo).
Options may come before or after COMMAND (demo takes --quiet only). To try it without a
GitBook account, start the fake server (python -m gitbook_async.testing) and export the
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
# ``allow_insecure_http=True``, ``Check base_url``); on the command line the user has flags
# instead (issues 13 and 17).
_FLAGS = {
    "token": "--token",
    "base_url": "--base-url",
    "timeout": "--timeout",
    "max_retries": "--max-retries",
    "allow_insecure_http": "--allow-insecure-http",
    "limit": "--limit",
    "max_items": "--max-items",
    "search": "--search",
    "space_id": "SPACE_ID",
}
_NAMES = "|".join(_FLAGS)
# Names with an underscore are never English words: replaced wherever they stand alone.
_IDENTIFIERS = "|".join(name for name in _FLAGS if "_" in name)
_PARAMETER_HINTS = (
    re.compile(rf"GitBookClient\(({_NAMES})=(?:\.\.\.)?\)"),  # pass GitBookClient(token=...)
    re.compile(rf"\b({_NAMES})=(?:\.\.\.|True)?"),  # raise timeout=, allow_insecure_http=True
    re.compile(rf"\b({_NAMES})(?= must\b)"),  # timeout must be ...
    re.compile(rf"(?<![\w/.$-])({_IDENTIFIERS})(?![\w/-])"),  # check base_url
)
# Settings the CLI has no flag for: the hint keeps only what the user can act on.
_NO_FLAG_HINTS = (
    (re.compile(r"\bRaise max_response_bytes or use\b"), "Use"),
    (re.compile(r"\bmax_response_bytes=([0-9]+)"), r"\1 bytes"),
    (re.compile(r"\b(?:proxy|trust_env)=(?:, | and )?"), ""),  # the proxy variables remain
)
# A value the message quotes (a URL, a server's text) is shown as it is, never translated.
_QUOTED = re.compile(r"""((?<!\w)'(?:[^'\\]|\\.)*'(?!\w)|"(?:[^"\\]|\\.)*")""")
# The demo brings its own server, token and table output: it takes no other shared option.
_DEMO_OPTIONS = frozenset({"quiet"})


def _add_options(parser: argparse.ArgumentParser, *, demo: bool = False) -> None:
    """Add the options every command shares, to the top parser and to each command's.

    Every copy defaults to "absent" (``_parse`` fills in the defaults), so that an option
    given before COMMAND is not overwritten by the command's default: options work before
    and after COMMAND, and ``_parse`` can tell which ones were given. The demo's copies of
    the options it refuses are hidden from its ``--help``.
    """

    def shown(name: str, text: str) -> str:
        return argparse.SUPPRESS if demo and name not in _DEMO_OPTIONS else text

    absent = argparse.SUPPRESS
    parser.add_argument(
        "--token", default=absent, help=shown("token", f"API token (default: ${TOKEN_ENV_VAR})")
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        default=absent,
        help=shown(
            "base_url", f"API server (default: ${BASE_URL_ENV_VAR}, else {DEFAULT_BASE_URL})"
        ),
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=absent,
        help=shown("format", "output (default: table)"),
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        default=absent,
        help=shown("timeout", f"seconds one request may take (default: {DEFAULT_TIMEOUT:g})"),
    )
    parser.add_argument(
        "--max-retries",
        type=int,
        metavar="N",
        default=absent,
        help=shown(
            "max_retries",
            "retries after a network error, a timeout, 429 or 5xx; 0: none "
            f"(default: {DEFAULT_MAX_RETRIES})",
        ),
    )
    parser.add_argument(
        "--allow-insecure-http",
        action="store_true",
        default=absent,
        help=shown(
            "allow_insecure_http",
            "allow a plain http:// --base-url to a host that is not loopback (sends the token "
            "unencrypted)",
        ),
    )
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        default=absent,
        help=shown("quiet", "no progress and no retry lines on stderr, only errors"),
    )


_DEFAULTS: dict[str, object] = {
    "token": None,
    "base_url": None,
    "format": "table",
    "timeout": DEFAULT_TIMEOUT,
    "max_retries": DEFAULT_MAX_RETRIES,
    "allow_insecure_http": False,
    "quiet": False,
}
"""The shared options' defaults, by destination (the help texts above show them)."""


def _parser() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """Return the command line's parser, and the demo command's (for its usage errors)."""
    parser = argparse.ArgumentParser(
        prog="gitbook-async",
        description="List the integrations, blocks and scripts of GitBook spaces.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gitbook-async {__version__}")
    _add_options(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    about = {
        "integrations": "list the integrations installed in a space",
        "blocks": "list the integration blocks of a space",
        "scripts": "list the integration scripts of a space",
        "demo": "run the commands against an embedded fake GitBook (no token, no internet)",
    }
    demo = parser
    for name, summary in about.items():
        command = commands.add_parser(
            name,
            help=summary,
            description=summary[0].upper() + summary[1:] + ".",
            epilog=_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if name == "demo":
            demo = command
        else:
            command.add_argument("space_id", metavar="SPACE_ID", help="the space's id (see below)")
        if name == "integrations":
            command.add_argument("--search", metavar="TEXT", help="only integrations matching TEXT")
            command.add_argument(
                "--limit", type=int, metavar="N", help="page size, 1-1000 (default: GitBook's)"
            )
            command.add_argument(
                "--max-items", type=int, metavar="N", help="stop after N (default: all)"
            )
        _add_options(command, demo=name == "demo")
    return parser, demo


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line and fill in the defaults of the shared options not given.

    ``demo`` refuses the shared options it would ignore (its server, token and output are
    its own), before or after the command: a usage error, exit 2 (issue 17).
    """
    parser, demo = _parser()
    args = parser.parse_args(argv)
    given = vars(args)
    if args.command == "demo":
        refused = [
            _option(name) for name in _DEFAULTS if name in given and name not in _DEMO_OPTIONS
        ]
        if refused:
            demo.error(
                f"demo takes no {', '.join(refused)}: it runs against its own embedded fake "
                "GitBook and prints tables (only --quiet applies)"
            )
    for name, value in _DEFAULTS.items():
        given.setdefault(name, value)
    return args


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    args = _parse(argv)
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
        # No --token: the client reads $GITBOOK_API_TOKEN itself, with its own rule (surrounding
        # whitespace such as a trailing newline stripped; a control character refused, naming
        # the variable). This check only decides, by the same rule, that none is there.
        if args.token is None and not os.environ.get(TOKEN_ENV_VAR, "").strip():
            raise ConfigurationError(
                f"no GitBook API token: pass --token or set ${TOKEN_ENV_VAR} "
                "(a demo token: run python -m gitbook_async.testing)"
            )
        # No session of ours: the client's own honours HTTP(S)_PROXY and NO_PROXY (issue 17).
        async with GitBookClient(
            args.token,
            base_url=args.base_url,
            timeout=args.timeout,
            retry=RetryPolicy(max_retries=args.max_retries),
            allow_insecure_http=args.allow_insecure_http,
        ) as gitbook:
            await _command(gitbook, args, sys.stdout, status)
    except GitBookError as exc:
        print(f"error: {_error_line(exc, _setting_names(args))}", file=sys.stderr)
        # A bad argument or setting (no request was sent) is the caller's to fix: usage error.
        usage = isinstance(exc, (ValueError, ConfigurationError))
        return EXIT_USAGE if usage else EXIT_API_ERROR
    return EXIT_OK


def _setting_names(args: argparse.Namespace) -> dict[str, str]:
    """Return what an error should call each library parameter: its flag, or its source."""
    names = dict(_FLAGS)
    if args.command != "demo" and args.base_url is None and os.environ.get(BASE_URL_ENV_VAR):
        names["base_url"] = f"${BASE_URL_ENV_VAR}"  # the client read it there
    return names


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


def _error_line(exc: BaseException, names: Mapping[str, str] = _FLAGS) -> str:
    """One line (control characters folded into spaces), hints naming the CLI's flags.

    ``names`` maps a library parameter to what the user sets instead (``--base-url``, or
    ``$GITBOOK_BASE_URL`` when the value came from there). Quoted values (a URL given, a
    server's text) are left as they are.
    """
    line = " ".join(str(exc).split()) or type(exc).__name__
    parts = _QUOTED.split(line)
    for index in range(0, len(parts), 2):  # the odd ones are the quoted values
        part = parts[index]
        for pattern in _PARAMETER_HINTS:
            part = pattern.sub(lambda match: names[match[1]], part)
        for pattern, replacement in _NO_FLAG_HINTS:
            part = pattern.sub(replacement, part)
        parts[index] = part
    return "".join(parts)


async def _demo(status: StatusLine) -> int:
    from gitbook_async.testing import DEMO_SPACE_ID, DEMO_TOKEN, FakeGitBook

    out = sys.stdout
    async with (
        FakeGitBook.with_demo_data(token=DEMO_TOKEN) as server,
        # Its own server on 127.0.0.1: never through a proxy from the environment.
        GitBookClient(DEMO_TOKEN, base_url=server.url, trust_env=False) as gitbook,
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
