"""The programs in examples/ work as their docstrings say, against the fake GitBook.

The aiohttp app runs on a real loopback socket (aiohttp's TestServer); the FastAPI app runs
through its lifespan (asgi-lifespan) with an in-process httpx client; the batch job runs as
a subprocess that is made to fail or is killed midway, then run again.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from asgi_lifespan import LifespanManager

from examples import aiohttp_app, batch_job, fastapi_app
from gitbook_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    GitBookClient,
    GitBookError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ResponseValidationError,
    ServerError,
)
from gitbook_async.testing import (
    DEMO_EMPTY_SPACE_ID,
    DEMO_LARGE_SPACE_ID,
    DEMO_SPACE_ID,
    DEMO_TEAM_SPACE_ID,
    FakeGitBook,
    Fault,
    NormalHandler,
    make_integration,
)

from .conftest import TOKEN

ROOT = Path(__file__).parent.parent
BATCH_JOB = ROOT / "examples" / "batch_job.py"
JOB_TIMEOUT = 30
EXTRA_SPACES = [f"extra-space-{n}" for n in range(8)]
SPACES = [
    DEMO_SPACE_ID,
    DEMO_LARGE_SPACE_ID,
    DEMO_TEAM_SPACE_ID,
    DEMO_EMPTY_SPACE_ID,
    *EXTRA_SPACES,
]


async def expected_names(server: FakeGitBook, space_id: str) -> list[str]:
    async with GitBookClient(TOKEN, base_url=server.url) as gitbook:
        return [i.name for i in await gitbook.spaces.list_integrations(space_id).collect()]


# -- web apps ----------------------------------------------------------------------------------


async def test_aiohttp_app_shares_one_client(fake_gitbook: FakeGitBook) -> None:
    """The aiohttp app answers over a real socket and closes its client when it stops."""
    app = aiohttp_app.create_app(token=TOKEN, base_url=fake_gitbook.url)
    async with TestClient(TestServer(app, host="127.0.0.1")) as http:
        first = await http.get(f"/spaces/{DEMO_SPACE_ID}/integrations")
        second = await http.get(f"/spaces/{DEMO_SPACE_ID}/integrations", params={"search": "git"})
        assert first.status == 200
        body = await first.json()
        searched = await second.json()
        open_while_serving = not app[aiohttp_app.GITBOOK].closed
    assert open_while_serving
    assert app[aiohttp_app.GITBOOK].closed  # cleanup_ctx closed it at shutdown
    assert all("example-app/1.0" in r.headers["User-Agent"] for r in fake_gitbook.requests)
    assert body["space_id"] == DEMO_SPACE_ID
    assert [i["name"] for i in body["items"]] == await expected_names(fake_gitbook, DEMO_SPACE_ID)
    assert searched["items"]
    assert all("git" in (i["name"] + i["title"]).lower() for i in searched["items"])


@pytest.mark.parametrize(
    ("space_id", "token", "status"),
    [("no-such-space", TOKEN, 404), ("bad space", TOKEN, 400), (DEMO_SPACE_ID, "wrong", 502)],
)
async def test_aiohttp_app_maps_errors(
    fake_gitbook: FakeGitBook, space_id: str, token: str, status: int
) -> None:
    """Unknown space: 404; invalid id: 400; GitBook refusing the app: 502, token not shown."""
    app = aiohttp_app.create_app(token=token, base_url=fake_gitbook.url)
    async with TestClient(TestServer(app, host="127.0.0.1")) as http:
        response = await http.get(f"/spaces/{space_id}/integrations")
        assert response.status == status
        assert TOKEN not in await response.text()


async def test_aiohttp_app_answers_504_when_the_deadline_passes(fake_gitbook: FakeGitBook) -> None:
    """A GitBook that does not answer within the handler's deadline gets the caller a 504."""
    fake_gitbook.inject(Fault.delay(JOB_TIMEOUT), times=None)
    app = aiohttp_app.create_app(token=TOKEN, base_url=fake_gitbook.url, deadline=0.5)
    loop = asyncio.get_running_loop()
    async with TestClient(TestServer(app, host="127.0.0.1")) as http:
        started = loop.time()
        response = await http.get(f"/spaces/{DEMO_SPACE_ID}/integrations")
        assert response.status == 504
        assert loop.time() - started < 5


@pytest.fixture
async def fastapi_client(fake_gitbook: FakeGitBook) -> AsyncIterator[httpx.AsyncClient]:
    app = fastapi_app.create_app(token=TOKEN, base_url=fake_gitbook.url)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://example.test"
        ) as http,
    ):
        yield http
    assert app.state.gitbook.closed  # the lifespan closed the shared client


async def test_fastapi_app_shares_one_client(
    fake_gitbook: FakeGitBook, fastapi_client: httpx.AsyncClient
) -> None:
    """The FastAPI app's lifespan opens one client that every request uses."""
    response = await fastapi_client.get(f"/spaces/{DEMO_SPACE_ID}/integrations")
    again = await fastapi_client.get(f"/spaces/{DEMO_TEAM_SPACE_ID}/integrations")
    assert (response.status_code, again.status_code) == (200, 200)
    body = response.json()
    assert [i["name"] for i in body["items"]] == await expected_names(fake_gitbook, DEMO_SPACE_ID)
    assert {"name", "title", "owner", "target", "verified"} <= set(body["items"][0])


@pytest.mark.parametrize(("space_id", "status"), [("no-such-space", 404), ("bad space", 400)])
async def test_fastapi_app_maps_errors(
    fastapi_client: httpx.AsyncClient, space_id: str, status: int
) -> None:
    """Unknown space: 404; invalid id: 400."""
    response = await fastapi_client.get(f"/spaces/{space_id}/integrations")
    assert response.status_code == status


async def test_fastapi_app_reports_gitbook_failures_as_502(fake_gitbook: FakeGitBook) -> None:
    """GitBook refusing the app's token is the upstream's failure (502), token not shown."""
    app = fastapi_app.create_app(token="gb_api_wrong", base_url=fake_gitbook.url)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://example.test"
        ) as http,
    ):
        response = await http.get(f"/spaces/{DEMO_SPACE_ID}/integrations")
    assert response.status_code == 502
    assert "gb_api_wrong" not in response.text


async def test_fastapi_app_answers_504_when_the_deadline_passes(fake_gitbook: FakeGitBook) -> None:
    """A GitBook that does not answer within the handler's deadline gets the caller a 504."""
    fake_gitbook.inject(Fault.delay(JOB_TIMEOUT), times=None)
    app = fastapi_app.create_app(token=TOKEN, base_url=fake_gitbook.url, deadline=0.5)
    loop = asyncio.get_running_loop()
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://example.test"
        ) as http,
    ):
        started = loop.time()
        response = await http.get(f"/spaces/{DEMO_SPACE_ID}/integrations")
        assert response.status_code == 504
        assert loop.time() - started < 5


def test_fastapi_dependency_runs_on_the_event_loop() -> None:
    """``get_gitbook`` is ``async def``: a plain ``def`` would run in the thread pool."""
    assert inspect.iscoroutinefunction(fastapi_app.get_gitbook)


def test_fastapi_module_app_is_ready_for_uvicorn() -> None:
    """``examples.fastapi_app:app`` exists and opens no client before it starts."""
    assert not hasattr(fastapi_app.app.state, "gitbook")


# -- batch job ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AfterHealthy(Fault):
    """Answer ``healthy`` requests normally, then every later one with ``then``."""

    healthy: int
    then: Fault
    served: list[int] = field(default_factory=lambda: [0])  # a counter inside a frozen value

    async def respond(self, request: web.Request, normal: NormalHandler) -> web.StreamResponse:
        if self.served[0] < self.healthy:
            self.served[0] += 1
            return await normal(request)
        return await self.then.respond(request, normal)


@pytest.fixture
async def many_spaces(fake_gitbook: FakeGitBook) -> FakeGitBook:
    for n, space_id in enumerate(EXTRA_SPACES):
        integrations = [make_integration(f"tool-{n}-{i}") for i in range(5 + 4 * n)]
        fake_gitbook.add_space(space_id, integrations=integrations)
    return fake_gitbook


def job_args(server: FakeGitBook, tmp_path: Path) -> list[str]:
    return [
        str(BATCH_JOB),
        *SPACES,
        "--checkpoint",
        str(tmp_path / "job.json"),
        "--output",
        str(tmp_path / "integrations.jsonl"),
        "--base-url",
        server.url,
        "--concurrency",
        "4",
        "--limit",
        "10",
        "--max-retries",
        "0",
    ]


async def start_job(args: list[str]) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITBOOK_")}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        env={**env, "GITBOOK_API_TOKEN": TOKEN},  # the token comes from the environment
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def run_job(args: list[str]) -> tuple[int, str]:
    process = await start_job(args)
    _, stderr = await asyncio.wait_for(process.communicate(), JOB_TIMEOUT)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def every_integration(server: FakeGitBook) -> collections.Counter[tuple[str, str]]:
    """(space id, integration name) for every integration of every space the job walks."""
    expected: collections.Counter[tuple[str, str]] = collections.Counter()
    for space_id in SPACES:
        expected.update((space_id, name) for name in await expected_names(server, space_id))
    return expected


def written_by_job(output: Path) -> collections.Counter[tuple[str, str]]:
    """(space id, integration name) for every line of the job's output."""
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    return collections.Counter((r["space_id"], r["integration"]["name"]) for r in lines)


async def test_batch_job_resumes_after_failures(many_spaces: FakeGitBook, tmp_path: Path) -> None:
    """A run cut off by an outage exits 1; the rerun completes without loss or repeats."""
    many_spaces.inject(AfterHealthy(healthy=15, then=Fault.status(503)), times=None)
    code, stderr = await run_job(job_args(many_spaces, tmp_path))
    assert code == 1, stderr
    assert "rerun the same command to resume" in stderr
    checkpoint: dict[str, Any] = json.loads((tmp_path / "job.json").read_text())
    unfinished = [s for s in SPACES if not checkpoint["spaces"].get(s, {}).get("done")]
    assert unfinished  # the outage stopped some spaces
    assert any(checkpoint["spaces"].get(s, {}).get("cursor") for s in unfinished)  # mid-walk

    many_spaces.clear_faults()
    code, stderr = await run_job(job_args(many_spaces, tmp_path))
    assert code == 0, stderr
    written = written_by_job(tmp_path / "integrations.jsonl")
    assert written == await every_integration(many_spaces)
    assert set(written.values()) == {1}


async def test_batch_job_resumes_after_a_crash(many_spaces: FakeGitBook, tmp_path: Path) -> None:
    """A run killed with SIGKILL (mid-page, with a torn last line) resumes exactly once."""
    many_spaces.inject(AfterHealthy(healthy=20, then=Fault.delay(JOB_TIMEOUT)), times=None)
    process = await start_job(job_args(many_spaces, tmp_path))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + JOB_TIMEOUT
    try:
        while len(many_spaces.requests) <= 20:  # then the job hangs on its 21st request
            assert process.returncode is None
            assert loop.time() < deadline
            await asyncio.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        await process.communicate()
    assert process.returncode == -signal.SIGKILL
    with (tmp_path / "integrations.jsonl").open("ab") as output:
        output.write(b'{"space_id": "torn-by-the-crash", "integ')  # written, not committed

    many_spaces.clear_faults()
    code, stderr = await run_job(job_args(many_spaces, tmp_path))
    assert code == 0, stderr
    written = written_by_job(tmp_path / "integrations.jsonl")
    assert written == await every_integration(many_spaces)
    assert set(written.values()) == {1}


def test_batch_job_refuses_a_foreign_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A checkpoint file that is not the job's is a usage error, not a silent restart."""
    (tmp_path / "job.json").write_text('{"format": 99}')
    args = ["x", "--checkpoint", str(tmp_path / "job.json"), "--output", str(tmp_path / "o")]
    assert batch_job.main(args) == batch_job.EXIT_USAGE
    assert "cannot resume" in capsys.readouterr().err


GONE_SPACE = "gone-space"  # the fake has no such space: 404, a permanent failure
BROKEN_SPACE = DEMO_TEAM_SPACE_ID  # its listing answers a payload the models refuse
FLAKY_SPACE = DEMO_SPACE_ID  # its listing answers 503: a transient failure


def listing(space_id: str) -> str:
    return f"/v1/spaces/{space_id}/integrations"


async def test_batch_job_tells_permanent_from_transient_failures(
    many_spaces: FakeGitBook, tmp_path: Path
) -> None:
    """404 and invalid responses are permanent (checkpointed, skipped by reruns); 503 resumes."""
    many_spaces.inject(Fault.status(503), times=None, path=listing(FLAKY_SPACE))
    many_spaces.inject(Fault.payload({"items": "nope"}), times=None, path=listing(BROKEN_SPACE))
    script, *rest = job_args(many_spaces, tmp_path)
    args = [script, GONE_SPACE, *rest]
    code, stderr = await run_job(args)
    assert code == batch_job.EXIT_FAILED, stderr
    lines = stderr.splitlines()
    assert any(line.startswith(f"{FLAKY_SPACE}: failed, resumable: ") for line in lines)
    assert any(line.startswith(f"{GONE_SPACE}: failed permanently: ") for line in lines)
    assert any(line.startswith(f"{BROKEN_SPACE}: failed permanently: ") for line in lines)
    assert "1 failed transiently: rerun the same command to resume them" in stderr
    assert f"2 failed permanently ({BROKEN_SPACE}, {GONE_SPACE})" in stderr or (
        f"2 failed permanently ({GONE_SPACE}, {BROKEN_SPACE})" in stderr
    )
    spaces = json.loads((tmp_path / "job.json").read_text())["spaces"]
    assert "404" in spaces[GONE_SPACE]["failed"]
    assert "failed" in spaces[BROKEN_SPACE]
    assert "failed" not in spaces.get(FLAKY_SPACE, {})  # transient: nothing to remember

    # The outage is over: the rerun resumes the flaky space and skips the permanent failures.
    many_spaces.clear_faults()
    many_spaces.requests.clear()
    code, stderr = await run_job(args)
    assert code == batch_job.EXIT_FAILED_PERMANENTLY, stderr
    assert f"{GONE_SPACE}: skipped, failed permanently before: " in stderr
    assert "rerun the same command" not in stderr
    assert "--retry-failed" in stderr
    asked = {r.path for r in many_spaces.requests}
    assert listing(FLAKY_SPACE) in asked
    assert not asked & {listing(GONE_SPACE), listing(BROKEN_SPACE)}

    # The cause is fixed (the space exists now): --retry-failed finishes the job.
    many_spaces.add_space(GONE_SPACE, integrations=[make_integration("late-tool")])
    code, stderr = await run_job([*args, "--retry-failed"])
    assert code == batch_job.EXIT_OK, stderr
    written = written_by_job(tmp_path / "integrations.jsonl")
    expected = await every_integration(many_spaces)
    expected[(GONE_SPACE, "late-tool")] = 1
    assert written == expected
    assert set(written.values()) == {1}


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (APIConnectionError("reset"), True),
        (APITimeoutError("slow"), True),
        (ServerError("down", status=503), True),
        (RateLimitError("slow down"), True),
        (APIStatusError("timeout", status=408), True),
        (NotFoundError("gone", status=404), False),
        (AuthenticationError("who", status=401), False),
        (PermissionDeniedError("no", status=403), False),
        (BadRequestError("bad", status=400), False),
        (ResponseValidationError("odd", endpoint="listSpaceIntegrations"), False),
        (PaginationError("loop"), False),
        (ResponseTooLargeError("big"), False),
    ],
)
def test_batch_job_failure_kinds(error: GitBookError, transient: bool) -> None:
    """Only what a later rerun may fix (network, timeouts, 408, 429, 5xx) counts as transient."""
    assert batch_job.is_transient(error) is transient
