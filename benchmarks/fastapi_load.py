"""Load on the FastAPI example app (``examples/fastapi_app.py``) under uvicorn.

The example app (one shared ``GitBookClient``, ``GET /spaces/{id}/integrations`` collects a
space and returns a summary of each integration) against the same app written with a
shared raw ``aiohttp.ClientSession`` + ``json.loads`` (``raw_app`` below, each with its
library's default connection limits). Each app runs under uvicorn in a child process
(``python -m benchmarks.fastapi_load sdk|raw FAKE_URL``) on 127.0.0.1; the fake GitBook, with
10 ms of latency, in another. 50 and then 200 concurrent users (tasks of this process, one
connection each), each sending a fixed number of requests one after the other over 20
spaces of 20 sparse items (one page each): throughput and median and p99 latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Final

import aiohttp

from benchmarks._data import TOKEN
from benchmarks._harness import (
    ROOT,
    Comparison,
    Measurement,
    ServerSpec,
    Settings,
    SpaceSpec,
    async_rounds,
    endpoint,
    serve,
)

SPACES: Final = 20
USERS: Final = {50: 16, 200: 8}  # concurrent users: requests each, one after the other
TIMEOUT: Final = 120.0  # seconds for one run, whatever happens
_READY: Final = "READY "


def raw_app(base_url: str) -> Any:
    """The example app's endpoint with raw aiohttp + ``json.loads`` instead of the SDK."""
    from fastapi import FastAPI

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
        async with aiohttp.ClientSession(headers=headers) as session:
            app.state.session = session
            yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/spaces/{space_id}/integrations")
    async def list_integrations(space_id: str) -> dict[str, Any]:
        session: aiohttp.ClientSession = app.state.session
        items: list[dict[str, Any]] = []
        query: dict[str, str] = {}
        while len(items) < 1000:
            async with session.get(endpoint(base_url, space_id), params=query) as response:
                page = json.loads(await response.read())
            items += [
                {
                    "name": i["name"],
                    "title": i["title"],
                    "owner": i["owner"]["title"],
                    "target": i["target"],
                    "verified": i["verified"],
                }
                for i in page["items"]
            ]
            if "next" not in page:
                break
            query = {"page": page["next"]["page"]}
        return {"space_id": space_id, "items": items[:1000]}

    return app


async def _serve_app(kind: str, base_url: str) -> None:
    """The child: serve one app with uvicorn on a free 127.0.0.1 port until SIGTERM."""
    import uvicorn

    if kind == "sdk":
        sys.path.insert(0, str(ROOT))
        from examples.fastapi_app import create_app

        app = create_app(token=TOKEN, base_url=base_url)
    else:
        app = raw_app(base_url)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    print(f"{_READY}http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    await server.serve(sockets=[sock])


@contextlib.asynccontextmanager
async def app_process(kind: str, fake_url: str) -> AsyncIterator[str]:
    """Run one app in a child process; yield its URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.fastapi_load",
        kind,
        fake_url,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        if not line.startswith(_READY):
            raise RuntimeError(f"the {kind} app did not start (it said {line!r})")
        yield line[len(_READY) :].strip()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 10)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
        await process.stdout.read()


async def load(url: str, users: int, requests: int) -> tuple[float, list[float]]:
    """``users`` concurrent users, ``requests`` each: requests per second, latencies (ms)."""
    latencies: list[float] = []

    async def user(number: int, session: aiohttp.ClientSession) -> None:
        for n in range(requests):
            space_id = f"space-{(number + n) % SPACES:02d}"
            started = time.perf_counter()
            async with session.get(f"{url}/spaces/{space_id}/integrations") as response:
                body = await response.read()
                if response.status != 200:
                    raise RuntimeError(f"the app answered {response.status}: {body[:200]!r}")
            latencies.append((time.perf_counter() - started) * 1000)

    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        users_done = asyncio.gather(*(user(n, session) for n in range(users)))
        await asyncio.wait_for(users_done, TIMEOUT)
        wall = time.perf_counter() - started
    return len(latencies) / wall, latencies


def run_fastapi(settings: Settings) -> list[Comparison]:
    """Throughput and latency of the example app, SDK against raw, 50 and 200 users.

    Raises:
        ImportError: uvicorn or fastapi is not installed (``pip install -e '.[bench]'``).
    """
    import uvicorn  # noqa: F401 - fail early, before any server starts

    spec = ServerSpec({f"space-{n:02d}": SpaceSpec(20, first=20 * n) for n in range(SPACES)}, 0.010)
    levels = {users: settings.size(each, 2) for users, each in USERS.items()}
    results: dict[tuple[str, int], list[tuple[float, list[float]]]] = {}

    async def main() -> None:
        async with (
            serve(spec) as fake,
            app_process("sdk", fake.url) as sdk,
            app_process("raw", fake.url) as raw,
        ):
            urls = {"sdk": sdk, "raw": raw}

            def variant(kind: str, users: int) -> Callable[[], Awaitable[float]]:
                async def run() -> float:
                    result = await load(urls[kind], users, levels[users])
                    results.setdefault((kind, users), []).append(result)
                    return result[0]

                return run

            variants = {(k, u): variant(k, u) for k in urls for u in levels}
            await async_rounds(variants, settings.repeats())

    asyncio.run(main())

    def measured(kind: str, users: int, what: str) -> Measurement:
        runs = results[kind, users][1:]  # the first was the warm-up
        label = "SDK app (examples/fastapi_app.py)" if kind == "sdk" else "raw aiohttp app"
        if what == "throughput":
            return Measurement(label, "requests/s", tuple(r[0] for r in runs))
        pick = statistics.median if what == "median" else _p99
        return Measurement(label, "ms", tuple(pick(r[1]) for r in runs))

    rows = []
    keys = iter("abcdef")
    for users, each in levels.items():
        title = (
            f"FastAPI + uvicorn, {users} concurrent users x {each} requests, fake with 10 ms "
            "latency: SDK app vs raw aiohttp app"
        )
        for what in ("throughput", "median", "p99"):
            key = f"12{next(keys)}"
            shown = "throughput" if what == "throughput" else f"{what} latency"
            rows.append(
                Comparison(
                    key,
                    f"{title}, {shown}",
                    measured("sdk", users, what),
                    measured("raw", users, what),
                )
            )
    return rows


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]


if __name__ == "__main__":
    asyncio.run(_serve_app(sys.argv[1], sys.argv[2]))
