"""``python -m gitbook_async.testing``: serve the demo spaces until Ctrl-C.

The first line on stdout is ``GITBOOK_BASE_URL=<url>``, ready to export; the second the
demo token (``GITBOOK_API_TOKEN=...``); then ``#`` comment lines naming the demo spaces.
Exit codes: 0 stopped by Ctrl-C or SIGTERM, 1 the address cannot be bound, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gitbook_async.testing._data import DEMO_TOKEN, demo_spaces
from gitbook_async.testing._faults import Fault
from gitbook_async.testing._ratelimit import RateLimitWindow
from gitbook_async.testing._server import DEFAULT_HOST, FakeGitBook

DEFAULT_PORT = 8765
"""The port ``python -m gitbook_async.testing`` listens on unless told otherwise."""

_EXIT_OK, _EXIT_BIND, _EXIT_USAGE = 0, 1, 2

_FAULT_KINDS: dict[str, tuple[str, Callable[[str], Fault]]] = {
    # kind: (argument shown in --help, builder from the argument text; "" when absent)
    "status": ("CODE", lambda arg: Fault.status(int(arg))),
    "html": ("CODE?", lambda arg: Fault.html(int(arg or 502))),
    "delay": ("SECONDS", lambda arg: Fault.delay(float(arg))),
    "reset": ("", lambda arg: Fault.reset()),
    "truncated-json": ("", lambda arg: Fault.truncated_json()),
    "oversized": ("BYTES", lambda arg: Fault.oversized(int(arg))),
    "redirect": ("LOCATION", lambda arg: Fault.redirect(arg)),
    "looping-cursor": ("", lambda arg: Fault.looping_cursor()),
}
_NEEDS_ARGUMENT = frozenset({"status", "delay", "oversized", "redirect"})


@dataclass(frozen=True)
class FaultSpec:
    """A ``--fault`` option, read: the fault, how many requests it answers, and where."""

    fault: Fault
    times: int | None = 1
    path: str | None = None

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        """Read ``KIND[:ARG][,times=N|always][,path=/v1/...]``, e.g. ``status:503,times=2``.

        Raises:
            ValueError: if the kind is unknown or an argument or option is invalid.

        """
        head, *options = text.split(",")
        kind, colon, arg = head.partition(":")
        if kind not in _FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r} in {text!r}; kinds: {_kinds_help()}")
        takes_argument = bool(_FAULT_KINDS[kind][0])
        if (
            (colon and not arg)
            or (kind in _NEEDS_ARGUMENT and not arg)
            or (arg and not takes_argument)
        ):
            raise ValueError(f"fault {text!r}: write it as {_kind_form(kind)}")
        times: int | None = 1
        path: str | None = None
        for option in options:
            key, _, value = option.partition("=")
            if key == "times" and value == "always":
                times = None
            elif key == "times" and value.isdigit() and int(value) >= 1:
                times = int(value)
            elif key == "path" and value.startswith("/"):
                path = value
            else:
                raise ValueError(
                    f"fault {text!r}: options are times=N (N >= 1), times=always, path=/v1/..."
                )
        try:
            fault = _FAULT_KINDS[kind][1](arg)
        except ValueError as exc:
            raise ValueError(f"fault {text!r}: {exc}") from None
        return cls(fault, times, path)


def _kind_form(kind: str) -> str:
    """How to write ``kind``: ``status:CODE``, ``html[:CODE]`` (optional), ``reset``."""
    argument = _FAULT_KINDS[kind][0]
    if argument.endswith("?"):
        return f"{kind}[:{argument[:-1]}]"
    return f"{kind}:{argument}" if argument else kind


def _kinds_help() -> str:
    return ", ".join(_kind_form(kind) for kind in _FAULT_KINDS)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gitbook_async.testing",
        description="Serve the fake GitBook API with the demo spaces until Ctrl-C. "
        "The first line printed is GITBOOK_BASE_URL=<url>, then the demo token and spaces.",
        epilog="Fault kinds: "
        + _kinds_help()
        + ". Each --fault answers the next request once unless ',times=N' or ',times=always'; "
        "',path=/v1/spaces/ID/integrations' limits it to one path. Example: "
        "--fault status:503,times=2 --fault delay:1.5,path=/v1/spaces/demo-space/integrations. "
        "Exit codes: 0 stopped (Ctrl-C), 1 cannot listen, 2 bad arguments.",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"loopback address to listen on (default: {DEFAULT_HOST})",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on; 0 picks a free one (default: {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="milliseconds added to every answer (default: 0)",
    )
    parser.add_argument(
        "--rate-limit",
        metavar="N/SECONDS",
        help="GitBook's rate limit: N requests per token per SECONDS-long window, then 429 "
        "(default: no limit)",
    )
    parser.add_argument(
        "--retry-after",
        action="store_true",
        help="with --rate-limit, send Retry-After with a 429 (GitBook does not)",
    )
    parser.add_argument(
        "--extra-fields",
        action="store_true",
        help="serve every integration with fields newer than the SDK's models (two top-level, "
        "one in owner), to test forward compatibility",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="inject a fault: KIND[:ARG][,times=N|always][,path=PATH] (repeatable)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fake server from the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        rate_limit = (
            None
            if args.rate_limit is None
            else RateLimitWindow.parse(args.rate_limit, retry_after=args.retry_after)
        )
        faults = [FaultSpec.parse(spec) for spec in args.fault]
        server = FakeGitBook.with_demo_data(
            host=args.host,
            port=args.port,
            latency=args.latency / 1000,
            rate_limit=rate_limit,
            extra_fields=args.extra_fields,
        )
    except ValueError as exc:
        parser.error(str(exc))  # exits 2 with the usage line
    for spec in faults:
        server.inject(spec.fault, times=spec.times, path=spec.path)
    try:
        return asyncio.run(_serve(server))
    except KeyboardInterrupt:  # Ctrl-C: asyncio.run cancelled _serve, which closed the server
        print("stopped", file=sys.stderr)
        return _EXIT_OK


async def _serve(server: FakeGitBook) -> int:
    """Serve until SIGTERM, or until cancelled (Ctrl-C: ``asyncio.run`` cancels this task)."""
    try:
        await server.start()
    except OSError as exc:
        print(f"error: cannot listen: {exc.strerror or exc}", file=sys.stderr)
        return _EXIT_BIND
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            loop.add_signal_handler(signal.SIGTERM, stop.set)
        _announce(server)
        await stop.wait()
        print("stopped", file=sys.stderr)
        return _EXIT_OK
    finally:
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signal.SIGTERM)
        await server.close()


def _announce(server: FakeGitBook) -> None:
    spaces = ", ".join(
        f"{space_id} ({len(data['integrations'])} integrations)"
        for space_id, data in demo_spaces().items()
    )
    lines = [
        f"GITBOOK_BASE_URL={server.url}",
        f"GITBOOK_API_TOKEN={DEMO_TOKEN}",
        f"# spaces: {spaces}",
    ]
    if server.rate_limit is not None:
        window = server.rate_limit
        lines.append(f"# rate limit: {window.limit} requests per {window.window:g} s per token")
    if server.extra_fields:
        lines.append("# extra fields: every integration carries fields newer than the models")
    lines.append("# serving until Ctrl-C")
    print("\n".join(lines), flush=True)
