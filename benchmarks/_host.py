"""Where the fake GitBook runs during a benchmark, and the server-side counts it keeps.

``HostMode.SUBPROCESS`` (the default, as issue 12 measured: the server in another process)
runs ``gitbook_async.testing.FakeGitBook`` in a child process (``python -m benchmarks._host
SPEC``, which prints ``READY <url>`` once it listens on 127.0.0.1, then answers commands on
stdin): the client has its event loop to itself and the server's CPU is not counted in
either side of a comparison (it runs on the other core, when the machine lets it).
``HostMode.IN_PROCESS`` (``--server in-process``) starts the same fake in the client's own
loop instead: steadier round trips on a busy machine, but the server's work (routing,
writing 400 KB pages) is then spent in the client's loop and counted on both sides.

Either way the server counts what it saw, server-side: requests, and distinct client
``(host, port)`` peers, i.e. TCP connections, recorded by a middleware added to
``server.app`` before it starts (``gitbook_async.testing`` itself is unchanged). Spaces are
described by ``SpaceSpec`` (which data set, how many items, optionally one invalid item)
and built from ``benchmarks._data`` in whichever process serves them.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

from aiohttp import web

from benchmarks._data import TOKEN, DataSet, integrations
from gitbook_async.testing import FakeGitBook

_ROOT: Final = Path(__file__).resolve().parent.parent
_READY: Final = "READY "
_START_TIMEOUT: Final = 300.0  # seconds: building 20,000 integrations takes a few
_STOP_TIMEOUT: Final = 10.0


class HostMode(enum.Enum):
    """Where the fake server runs."""

    SUBPROCESS = "subprocess"
    IN_PROCESS = "in-process"


INVALID_VERSION: Final = "not-a-number"
"""The ``version`` of the invalid item a space may hold (the spec says a number)."""


@dataclass(frozen=True)
class SpaceSpec:
    """One space: ``count`` items of a data set from item ``first`` on.

    ``invalid_at`` (an index within the space) replaces that item's ``version`` with a
    string: the SDK must reject the page that holds it, and a raw consumer comparing
    versions fails on it too.
    """

    count: int
    data: DataSet = DataSet.SPARSE
    first: int = 0
    invalid_at: int | None = None

    def items(self) -> Iterator[dict[str, Any]]:
        """The space's integrations as wire dicts, one at a time."""
        for position, item in enumerate(integrations(self.count, self.data, first=self.first)):
            if position == self.invalid_at:
                item["version"] = INVALID_VERSION
            yield item


@dataclass(frozen=True)
class ServerSpec:
    """What the fake serves: ``{space_id: SpaceSpec}``, and its latency per request."""

    spaces: Mapping[str, SpaceSpec]
    latency: float = 0.0

    def to_json(self) -> str:
        """Encode for the child process's command line."""
        spaces = {
            space_id: [spec.count, spec.data.value, spec.first, spec.invalid_at]
            for space_id, spec in self.spaces.items()
        }
        return json.dumps({"spaces": spaces, "latency": self.latency})

    @classmethod
    def from_json(cls, text: str) -> ServerSpec:
        """Decode what ``to_json`` made."""
        data = json.loads(text)
        spaces = {
            space_id: SpaceSpec(count, DataSet(name), first, invalid_at)
            for space_id, (count, name, first, invalid_at) in data["spaces"].items()
        }
        return cls(spaces=spaces, latency=float(data["latency"]))


@dataclass(frozen=True)
class ServerStats:
    """What the server saw since the last reset."""

    requests: int
    connections: int


class Host(Protocol):
    """A running fake GitBook, wherever it runs."""

    @property
    def url(self) -> str:
        """The origin to pass as ``base_url`` (``/v1`` is added by the client)."""
        ...

    async def stats(self) -> ServerStats:
        """Requests and distinct client connections seen since the last reset."""
        ...

    async def reset(self) -> None:
        """Forget the requests and connections seen so far."""
        ...


@dataclass
class _Counted:
    """A started fake with its peer-counting middleware."""

    server: FakeGitBook
    peers: set[tuple[str, int]] = field(default_factory=set)

    @classmethod
    def build(cls, spec: ServerSpec) -> _Counted:
        server = FakeGitBook(token=TOKEN, latency=spec.latency)
        for space_id, space in spec.spaces.items():
            server.add_space(space_id, integrations=space.items())
        counted = cls(server)
        server.app.middlewares.insert(0, counted._record_peer)
        return counted

    @web.middleware
    async def _record_peer(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        transport = request.transport
        peer = None if transport is None else transport.get_extra_info("peername")
        if peer is not None:
            self.peers.add((str(peer[0]), int(peer[1])))
        return await handler(request)

    def stats(self) -> ServerStats:
        return ServerStats(requests=len(self.server.requests), connections=len(self.peers))

    def reset(self) -> None:
        self.server.requests.clear()
        self.peers.clear()


class _InProcessHost:
    def __init__(self, counted: _Counted) -> None:
        self._counted = counted

    @property
    def url(self) -> str:
        return self._counted.server.url

    async def stats(self) -> ServerStats:
        return self._counted.stats()

    async def reset(self) -> None:
        self._counted.reset()


class _SubprocessHost:
    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self._process = process
        self._url = url
        self._lock = asyncio.Lock()

    @property
    def url(self) -> str:
        return self._url

    async def _ask(self, command: str) -> str:
        stdin, stdout = _pipes(self._process)
        async with self._lock:
            stdin.write(command.encode() + b"\n")
            await stdin.drain()
            reply = (await stdout.readline()).decode().strip()
        if not reply:
            raise RuntimeError(f"the benchmark server exited while asked {command!r}")
        return reply

    async def stats(self) -> ServerStats:
        data = json.loads(await self._ask("stats"))
        return ServerStats(requests=int(data["requests"]), connections=int(data["connections"]))

    async def reset(self) -> None:
        await self._ask("reset")


@contextlib.asynccontextmanager
async def serve(spec: ServerSpec, *, mode: HostMode) -> AsyncIterator[Host]:
    """Run the fake GitBook serving ``spec`` for the duration of the ``async with``."""
    if mode is HostMode.IN_PROCESS:
        counted = _Counted.build(spec)
        async with counted.server:
            yield _InProcessHost(counted)
        return
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(_ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks._host",
        spec.to_json(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=_ROOT,
        env=env,
    )
    stdin, stdout = _pipes(process)
    try:
        line = (await asyncio.wait_for(stdout.readline(), _START_TIMEOUT)).decode()
        if not line.startswith(_READY):
            raise RuntimeError(f"the benchmark server did not start (it said {line!r})")
        yield _SubprocessHost(process, line[len(_READY) :].strip())
    finally:
        stdin.close()
        try:
            await asyncio.wait_for(process.wait(), _STOP_TIMEOUT)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
        await stdout.read()  # drain to EOF so the pipe transport closes now


def _pipes(
    process: asyncio.subprocess.Process,
) -> tuple[asyncio.StreamWriter, asyncio.StreamReader]:
    if process.stdin is None or process.stdout is None:  # pragma: no cover - PIPE was asked
        raise RuntimeError("the benchmark server has no stdin/stdout pipes")
    return process.stdin, process.stdout


async def _serve_child(spec: ServerSpec) -> None:
    """The child process: serve ``spec``, answer commands on stdin until it closes."""
    counted = _Counted.build(spec)
    loop = asyncio.get_running_loop()
    async with counted.server as server:
        print(f"{_READY}{server.url}", flush=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            command = line.strip()
            if command == "stats":
                stats = counted.stats()
                reply = json.dumps({"requests": stats.requests, "connections": stats.connections})
            elif command == "reset":
                counted.reset()
                reply = "ok"
            else:
                reply = json.dumps({"error": f"unknown command {command!r}"})
            print(reply, flush=True)


if __name__ == "__main__":
    asyncio.run(_serve_child(ServerSpec.from_json(sys.argv[1])))
