"""Conventions users expect from an SDK (issue 13): ``with_options``, ``GITBOOK_LOG``, reprs.

``with_options`` and the logging are tested against real loopback servers (the fake GitBook,
or a small aiohttp app that counts connections or echoes the token); reprs are plain checks.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import warnings
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import gitbook_async
from gitbook_async import (
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    ConfigurationError,
    GitBookClient,
    InvalidArgumentError,
    LocalRateLimiter,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from gitbook_async._errors import STATUS_ERRORS
from gitbook_async._logging import LOG_ENV_VAR, LOGGER_NAME, configure_logging_from_env
from gitbook_async._pagination import AsyncPaginator, Page
from gitbook_async.testing import DEMO_SPACE_ID, FakeGitBook, Fault, RateLimitWindow

from .conftest import TOKEN, pending_sdk_tasks

HARD_TIMEOUT = 30.0
"""Seconds any one test here may take before it fails (hostile and slow servers)."""

FAST_RETRY = RetryPolicy(max_retries=2, backoff_base=0.001, backoff_max=0.005, max_wait=5.0)
BLOCKS = f"/v1/spaces/{DEMO_SPACE_ID}/integration-blocks"


@pytest.fixture
def server(fake_gitbook: FakeGitBook) -> FakeGitBook:
    """The fake GitBook with demo data (conftest's ``fake_gitbook``)."""
    return fake_gitbook


@pytest.fixture
async def gitbook(server: FakeGitBook) -> AsyncIterator[GitBookClient]:
    """An open client of the fake, with tiny backoff; no SDK task may outlive it."""
    async with GitBookClient(TOKEN, base_url=server.url, retry=FAST_RETRY) as client:
        yield client
    assert await pending_sdk_tasks() == []


async def within_deadline(awaitable: Awaitable[Any]) -> Any:
    """Await ``awaitable``, failing the test after ``HARD_TIMEOUT`` seconds."""
    return await asyncio.wait_for(awaitable, HARD_TIMEOUT)


def hits(server: FakeGitBook, path: str = BLOCKS) -> int:
    """Requests the fake received for ``path``."""
    return sum(1 for request in server.requests if request.path == path)


# --- with_options: the overrides ---------------------------------------------------------------


async def test_with_options_applies_the_overrides_and_leaves_the_original_alone(
    gitbook: GitBookClient,
) -> None:
    """The derived client reports its overrides; the original keeps its own settings."""
    derived = gitbook.with_options(timeout=5, max_retries=0)
    assert derived is not gitbook
    assert derived.retry == RetryPolicy(
        max_retries=0, backoff_base=0.001, backoff_max=0.005, max_wait=5.0
    )
    assert gitbook.retry == FAST_RETRY
    assert derived.base_url == gitbook.base_url
    assert derived.spaces is not gitbook.spaces
    assert "with_options(timeout=5.0, max_retries=0)" in repr(derived)
    assert "with_options" not in repr(gitbook)
    assert TOKEN not in repr(derived)


async def test_with_options_chains_and_none_keeps_the_current_value(gitbook: GitBookClient) -> None:
    """Deriving from a derived client keeps what it does not override."""
    first = gitbook.with_options(timeout=5)
    second = first.with_options(max_retries=1)
    third = second.with_options(timeout=aiohttp.ClientTimeout(total=7))
    assert repr(second).endswith("with_options(timeout=5.0, max_retries=1)>")
    assert repr(third).endswith("with_options(timeout=7, max_retries=1)>")
    assert gitbook.with_options().retry == gitbook.retry


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": 0},
        {"timeout": -1.0},
        {"timeout": "5"},
        {"max_retries": -1},
        {"max_retries": 1.5},
    ],
)
async def test_with_options_refuses_bad_values(
    gitbook: GitBookClient, options: dict[str, Any]
) -> None:
    """A bad ``timeout`` or ``max_retries`` raises InvalidArgumentError at once."""
    with pytest.raises(InvalidArgumentError):
        gitbook.with_options(**options)


async def test_the_max_retries_override_applies_and_a_call_argument_still_wins(
    server: FakeGitBook, gitbook: GitBookClient
) -> None:
    """``max_retries=0`` makes the derived client give up at the first 503; a call's own
    ``max_retries=`` beats it; the original still retries.
    """
    derived = gitbook.with_options(max_retries=0)
    server.inject(Fault.status(503), times=1, path=BLOCKS)
    with pytest.raises(ServerError) as caught:
        await within_deadline(derived.spaces.list_integration_blocks(DEMO_SPACE_ID))
    assert caught.value.status == 503
    assert hits(server) == 1

    server.inject(Fault.status(503), times=1, path=BLOCKS)
    await within_deadline(derived.spaces.list_integration_blocks(DEMO_SPACE_ID, max_retries=1))
    assert hits(server) == 3

    server.inject(Fault.status(503), times=1, path=BLOCKS)
    await within_deadline(gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID))
    assert hits(server) == 5


async def test_the_timeout_override_applies_to_the_derived_client_only() -> None:
    """Against a server that answers only when told to, the derived client's short timeout
    fires while the original's request (same pool) waits and then succeeds.
    """
    release = asyncio.Event()
    arrived = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        if request.match_info["space"] == "slow":
            arrived.set()
            await release.wait()
        return web.json_response([])

    async def scenario(url: str) -> None:
        async with GitBookClient(TOKEN, base_url=url, retry=FAST_RETRY) as gitbook:
            impatient = gitbook.with_options(timeout=0.2, max_retries=0)
            # A first answer ends the rate limiter's probing (one request at a time until
            # news), so the two requests below are in flight together.
            await gitbook.spaces.list_integration_blocks("warm-up")
            patient = asyncio.create_task(gitbook.spaces.list_integration_blocks("slow"))
            await arrived.wait()
            with pytest.raises(APITimeoutError):
                await impatient.spaces.list_integration_blocks("slow")
            release.set()
            assert await patient == []

    app = web.Application()
    app.router.add_get("/v1/spaces/{space}/integration-blocks", slow)
    async with TestServer(app, host="127.0.0.1") as test_server:
        try:
            await within_deadline(scenario(str(test_server.make_url("")).rstrip("/")))
        finally:
            release.set()


# --- with_options: one pool, one budget --------------------------------------------------------


class ConnectionCounter:
    """A loopback server answering ``[]`` to integration-blocks, recording each request's
    client address: one (host, port) pair per TCP connection.
    """

    def __init__(self) -> None:
        self.peers: list[object] = []
        self.app = web.Application()
        self.app.router.add_get("/v1/spaces/{space}/integration-blocks", self._blocks)

    async def _blocks(self, request: web.Request) -> web.Response:
        transport = request.transport
        assert transport is not None
        self.peers.append(transport.get_extra_info("peername"))
        return web.json_response([])


async def test_derived_clients_send_through_the_original_connection_pool() -> None:
    """Sequential calls through the original and two derived clients reuse one connection
    (counted server-side); a separate GitBookClient opens a connection of its own.
    """
    counter = ConnectionCounter()
    async with TestServer(counter.app, host="127.0.0.1") as test_server:
        url = str(test_server.make_url("")).rstrip("/")
        async with GitBookClient(TOKEN, base_url=url) as gitbook:
            derived = gitbook.with_options(timeout=10)
            again = derived.with_options(max_retries=0)
            for client in (gitbook, derived, again, derived, gitbook):
                await within_deadline(client.spaces.list_integration_blocks("space_1"))
            assert len(counter.peers) == 5
            assert len(set(counter.peers)) == 1
            async with GitBookClient(TOKEN, base_url=url) as separate:
                await within_deadline(separate.spaces.list_integration_blocks("space_1"))
            assert len(set(counter.peers)) == 2


async def test_derived_clients_share_the_rate_limit_state(server: FakeGitBook) -> None:
    """What a response through a derived client says about the budget, the original knows."""
    server.rate_limit = (50, 60.0)
    async with GitBookClient(TOKEN, base_url=server.url) as gitbook:
        derived = gitbook.with_options(max_retries=0)
        before = gitbook.rate_limit
        assert before is None
        await within_deadline(derived.spaces.list_integration_blocks(DEMO_SPACE_ID))
        seen = gitbook.rate_limit
        assert seen is not None
        assert seen == derived.rate_limit
        assert seen.remaining == 49
        await within_deadline(gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID))
        later = derived.rate_limit
        assert later is not None
        assert later.remaining == 48


@pytest.mark.parametrize("given", [False, True], ids=["default", "given"])
async def test_derived_clients_spend_the_original_rate_budget(
    server: FakeGitBook, given: bool
) -> None:
    """Once the original has spent the window's budget, a derived client (default or given
    ``rate_limiter=``) knows it: it raises RateLimitError without sending, instead of
    probing the server with a budget of its own.
    """
    server.rate_limit = (3, 60.0)
    limiter = LocalRateLimiter() if given else None
    async with GitBookClient(
        TOKEN, base_url=server.url, retry=FAST_RETRY, rate_limiter=limiter
    ) as gitbook:
        for _ in range(3):
            await within_deadline(gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID))
        derived = gitbook.with_options(timeout=5, max_retries=1)
        with pytest.raises(RateLimitError) as caught:
            await within_deadline(derived.spaces.list_integration_blocks(DEMO_SPACE_ID))
        retry_after = caught.value.retry_after
        assert retry_after is not None
        assert retry_after > FAST_RETRY.max_wait
        assert hits(server) == 3
    if limiter is not None:
        assert len(limiter.budgets) == 1  # one budget: the token at this origin


# --- with_options: lifecycle -------------------------------------------------------------------


async def test_closing_the_original_closes_every_derived_client(server: FakeGitBook) -> None:
    """After the original's aclose(), a derived client (and a paginator it made) raise
    ClientClosedError saying why, before sending anything.
    """
    gitbook = GitBookClient(TOKEN, base_url=server.url)
    derived = gitbook.with_options(timeout=5)
    await within_deadline(derived.spaces.list_integration_blocks(DEMO_SPACE_ID))
    listing = derived.spaces.list_integrations(DEMO_SPACE_ID)
    await gitbook.aclose()
    assert gitbook.closed
    assert derived.closed
    assert "closed" in repr(derived)
    sent = len(server.requests)
    with pytest.raises(ClientClosedError, match="made from"):
        await derived.spaces.list_integration_blocks(DEMO_SPACE_ID)
    with pytest.raises(ClientClosedError):
        await listing.collect()
    with pytest.raises(ClientClosedError):
        async with derived:
            pass
    with pytest.raises(ClientClosedError):
        gitbook.with_options(timeout=1)
    assert len(server.requests) == sent


async def test_closing_a_derived_client_leaves_the_pool_open(server: FakeGitBook) -> None:
    """``aclose()`` on a derived client closes it alone; the original and its other derived
    clients keep working; closing again is harmless.
    """
    async with GitBookClient(TOKEN, base_url=server.url) as gitbook:
        derived = gitbook.with_options(max_retries=0)
        sibling = gitbook.with_options(timeout=5)
        child = derived.with_options(timeout=5)
        await within_deadline(derived.spaces.list_integration_blocks(DEMO_SPACE_ID))
        await derived.aclose()
        await derived.aclose()
        assert derived.closed
        assert not gitbook.closed
        assert not sibling.closed
        assert not child.closed  # each derived client closes on its own
        with pytest.raises(ClientClosedError, match="with_options"):
            await derived.spaces.list_integration_blocks(DEMO_SPACE_ID)
        with pytest.raises(ClientClosedError):
            derived.with_options(timeout=1)
        for client in (gitbook, sibling, child):
            await within_deadline(client.spaces.list_integration_blocks(DEMO_SPACE_ID))
    assert await pending_sdk_tasks() == []


async def test_async_with_a_derived_client_closes_only_that_client(server: FakeGitBook) -> None:
    """Leaving ``async with derived:`` closes the derived client, not the original."""
    async with GitBookClient(TOKEN, base_url=server.url) as gitbook:
        async with gitbook.with_options(timeout=5) as derived:
            await within_deadline(derived.spaces.list_integration_blocks(DEMO_SPACE_ID))
        assert derived.closed
        assert not gitbook.closed
        await within_deadline(gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID))


async def test_a_derived_client_can_open_the_pool_first(server: FakeGitBook) -> None:
    """``async with derived:`` before the original was used opens the shared pool, which the
    original then uses, and closes with the original: no warning about unclosed sockets.
    """
    counter = ConnectionCounter()
    async with TestServer(counter.app, host="127.0.0.1") as test_server:
        url = str(test_server.make_url("")).rstrip("/")
        gitbook = GitBookClient(TOKEN, base_url=url)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            async with gitbook.with_options(max_retries=0) as derived:
                await within_deadline(derived.spaces.list_integration_blocks("space_1"))
            await within_deadline(gitbook.spaces.list_integration_blocks("space_1"))
            await gitbook.aclose()
            del gitbook, derived
            gc.collect()
        assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
        assert len(set(counter.peers)) == 1


async def test_with_options_keeps_a_missing_token_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A derived client of a client without a token also refuses to send, saying why."""
    monkeypatch.delenv("GITBOOK_API_TOKEN", raising=False)
    gitbook = GitBookClient(base_url="http://127.0.0.1:9")
    derived = gitbook.with_options(timeout=1)
    assert "token=missing" in repr(derived)
    with pytest.raises(ConfigurationError, match="token"):
        await derived.spaces.list_integration_blocks("space_1")
    with pytest.raises(ConfigurationError, match="token"):
        async with derived:
            pass
    await gitbook.aclose()


# --- GITBOOK_LOG -------------------------------------------------------------------------------


@pytest.fixture
def sdk_logger() -> Iterator[logging.Logger]:
    """The SDK's logger, restored afterwards (handlers, level, propagation)."""
    logger = logging.getLogger(LOGGER_NAME)
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield logger
    logger.handlers[:] = saved[0]
    logger.setLevel(saved[1])
    logger.propagate = saved[2]


def our_handlers(logger: logging.Logger) -> list[logging.Handler]:
    """The handlers GITBOOK_LOG installed."""
    return [h for h in logger.handlers if type(h).__module__ == "gitbook_async._logging"]


@pytest.mark.parametrize(
    ("value", "level"),
    [("debug", logging.DEBUG), ("info", logging.INFO), (" DEBUG\n", logging.DEBUG)],
)
def test_gitbook_log_sets_the_level_and_one_stderr_handler(
    sdk_logger: logging.Logger, value: str, level: int
) -> None:
    """``debug`` or ``info`` (any case, any whitespace) sets the level; calling again adds no
    second handler.
    """
    assert configure_logging_from_env({LOG_ENV_VAR: value}) == level
    assert configure_logging_from_env({LOG_ENV_VAR: value}) == level
    assert sdk_logger.level == level
    assert len(our_handlers(sdk_logger)) == 1


def test_gitbook_log_switches_level_without_a_second_handler(sdk_logger: logging.Logger) -> None:
    """``info`` then ``debug`` leaves one handler at the later level."""
    configure_logging_from_env({LOG_ENV_VAR: "info"})
    configure_logging_from_env({LOG_ENV_VAR: "debug"})
    assert sdk_logger.level == logging.DEBUG
    assert len(our_handlers(sdk_logger)) == 1


@pytest.mark.parametrize("environ", [{}, {LOG_ENV_VAR: ""}, {LOG_ENV_VAR: "  "}])
def test_no_gitbook_log_changes_nothing(
    sdk_logger: logging.Logger, environ: dict[str, str]
) -> None:
    """Without a value, the logger is left as the application configured it."""
    before = (list(sdk_logger.handlers), sdk_logger.level)
    assert configure_logging_from_env(environ) is None
    assert (list(sdk_logger.handlers), sdk_logger.level) == before


def test_an_unknown_gitbook_log_value_is_ignored_with_one_warning(
    sdk_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    """``GITBOOK_LOG=verbose`` changes nothing and says so once."""
    before = (list(sdk_logger.handlers), sdk_logger.level)
    with caplog.at_level(logging.WARNING, logger=LOGGER_NAME):
        assert configure_logging_from_env({LOG_ENV_VAR: "verbose"}) is None
    assert [r.getMessage() for r in caplog.records] == [
        "GITBOOK_LOG='verbose' is not a level gitbook-async knows (use debug or info); ignored"
    ]
    assert (list(sdk_logger.handlers), sdk_logger.level) == before


def test_the_handler_writes_to_the_current_stderr(
    sdk_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    """Records go to whatever ``sys.stderr`` is when they are logged, formatted with level
    and logger name.
    """
    sdk_logger.propagate = False  # keep pytest's own capture out of this
    configure_logging_from_env({LOG_ENV_VAR: "info"})
    sdk_logger.debug("not shown at info")
    sdk_logger.info("shown at %s", "info")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.endswith(" INFO gitbook_async: shown at info\n")


def test_a_broken_stderr_does_not_break_the_sdk(
    sdk_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handler error goes to logging's error hook, never into the SDK's call."""
    sdk_logger.propagate = False
    configure_logging_from_env({LOG_ENV_VAR: "info"})
    reported: list[logging.LogRecord] = []
    handler = our_handlers(sdk_logger)[0]
    monkeypatch.setattr(handler, "handleError", reported.append)
    monkeypatch.setattr(sys, "stderr", None)
    sdk_logger.info("lost")
    assert [record.getMessage() for record in reported] == ["lost"]


SCRIPT = """
import asyncio, sys
from gitbook_async import GitBookClient, GitBookError, RetryPolicy

async def main() -> None:
    retry = RetryPolicy(max_retries=1, backoff_base=0.001, backoff_max=0.002)
    async with GitBookClient(base_url=sys.argv[1], retry=retry) as gitbook:
        for space in ("flaky", "missing", "fine"):
            try:
                await gitbook.spaces.list_integration_blocks(space)
            except GitBookError as exc:
                print("caught", type(exc).__name__, exc, repr(exc), file=sys.stderr)

asyncio.run(main())
"""


async def test_gitbook_log_debug_logs_requests_to_stderr_without_the_token(tmp_path: Path) -> None:
    """With ``GITBOOK_LOG=debug`` in the environment (no logging code), a program's stderr
    shows each request and retry, and never the token, though the server echoes it in
    bodies, error messages and headers.
    """
    flaky_calls = 0

    async def echo(request: web.Request) -> web.Response:
        nonlocal flaky_calls
        sent = request.headers.get("Authorization", "")
        headers = {"X-Echo": sent, "Retry-After": "0"}
        space = request.match_info["space"]
        if space == "flaky" and flaky_calls == 0:
            flaky_calls += 1
            error = {"error": {"code": 503, "message": f"overloaded for {sent}"}}
            return web.json_response(error, status=503, headers=headers)
        if space == "missing":
            error = {"error": {"code": 404, "message": f"no such space for {sent}"}}
            return web.json_response(error, status=404, headers=headers)
        return web.json_response([], headers=headers)

    app = web.Application()
    app.router.add_get("/v1/spaces/{space}/integration-blocks", echo)
    script = tmp_path / "logs.py"
    script.write_text(SCRIPT)
    async with TestServer(app, host="127.0.0.1") as test_server:
        env = {**os.environ, "GITBOOK_API_TOKEN": TOKEN, LOG_ENV_VAR: "debug"}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-W",
            "error",
            str(script),
            str(test_server.make_url("")).rstrip("/"),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await within_deadline(process.communicate())
    stderr = err.decode()
    assert process.returncode == 0, stderr
    assert "DEBUG gitbook_async: GET /v1/spaces/flaky/integration-blocks -> 503" in stderr
    assert "INFO gitbook_async: GET /v1/spaces/flaky/integration-blocks failed" in stderr
    assert "GET /v1/spaces/missing/integration-blocks -> 404" in stderr
    assert "GET /v1/spaces/fine/integration-blocks -> 200" in stderr
    assert "caught NotFoundError" in stderr
    assert "status=404" in stderr
    assert TOKEN not in stderr
    assert TOKEN[4:-4] not in stderr  # not even a part of it


def test_gitbook_log_is_read_when_the_package_is_imported() -> None:
    """The package applies ``$GITBOOK_LOG`` at import (the same function, called once)."""
    source = Path(gitbook_async.__file__).parent.joinpath("_client.py").read_text()
    assert "\nconfigure_logging_from_env()\n" in source


# --- reprs -------------------------------------------------------------------------------------


async def test_a_paginator_repr_says_what_it_lists(gitbook: GitBookClient) -> None:
    """The repr of ``list_integrations()`` names the space, the filters, the start and the
    item cap, and never the token.
    """
    listing = gitbook.spaces.list_integrations(
        DEMO_SPACE_ID, search="slack", limit=10, page="cursor-2", max_items=5, prefetch=0
    )
    assert repr(listing) == (
        "<AsyncPaginator spaces.list_integrations('demo-space', search='slack', limit=10) "
        "start_page='cursor-2' max_items=5 prefetch=0>"
    )
    plain = gitbook.spaces.list_integrations(DEMO_SPACE_ID)
    assert repr(plain) == (
        "<AsyncPaginator spaces.list_integrations('demo-space') "
        "start_page=None max_items=None prefetch=1>"
    )
    assert TOKEN not in repr(listing) + repr(plain)


async def test_a_hand_made_paginator_repr_names_its_fetch_function() -> None:
    """Without a label, the repr names the fetch function."""

    async def fetch_numbers(cursor: str | None) -> Page[int]:
        return Page(items=(1,), next_page=None)

    assert repr(AsyncPaginator(fetch_numbers, max_items=3)).startswith(
        "<AsyncPaginator test_a_hand_made_paginator_repr_names_its_fetch_function.<locals>."
        "fetch_numbers start_page=None max_items=3 "
    )
    labelled = AsyncPaginator(fetch_numbers, label="numbers")
    assert repr(labelled).startswith("<AsyncPaginator numbers start_page=None")


async def test_the_spaces_resource_repr_names_its_client(gitbook: GitBookClient) -> None:
    """``client.spaces`` says whose it is (the base URL) and never the token."""
    text = repr(gitbook.spaces)
    assert text == (
        f"<SpacesResource of GitBookClient base_url={gitbook.base_url!r} max_concurrency=16>"
    )
    assert TOKEN not in text


@pytest.mark.parametrize(
    "error_class", sorted({*STATUS_ERRORS.values(), ServerError, APIStatusError}, key=str)
)
def test_every_status_error_repr_shows_its_status(error_class: type[APIStatusError]) -> None:
    """Every APIStatusError's repr starts with its class and status, then code, message and
    request; never headers or body.
    """
    error = error_class(
        "nope",
        status=418,
        code="teapot",
        headers={"X-Secret-Header": "h"},
        url="https://api.gitbook.com/v1/x",
        body="body text",
    )
    text = repr(error)
    assert text.startswith(
        f"{error_class.__name__}(status=418, code='teapot', message='nope', method='GET', "
        "url='https://api.gitbook.com/v1/x'"
    )
    assert "X-Secret-Header" not in text
    assert "body text" not in text


def test_a_rate_limit_error_repr_shows_retry_after() -> None:
    """RateLimitError's repr adds the wait the server asked for."""
    error = RateLimitError("slow down", retry_after=1.5, url="https://api.gitbook.com/v1/x")
    assert repr(error) == (
        "RateLimitError(status=429, code=None, message='slow down', method='GET', "
        "url='https://api.gitbook.com/v1/x', retry_after=1.5)"
    )


async def test_a_real_not_found_repr_shows_404_without_the_token(gitbook: GitBookClient) -> None:
    """A 404 from the server reads ``NotFoundError(status=404, ...)`` and hides the token."""
    with pytest.raises(NotFoundError) as caught:
        await within_deadline(gitbook.spaces.list_integration_blocks("no-such-space"))
    text = repr(caught.value)
    assert text.startswith("NotFoundError(status=404, ")
    assert TOKEN not in text


QUIET_SCRIPT = """
import asyncio, sys
from gitbook_async import GitBookClient, RetryPolicy

async def main() -> None:
    retry = RetryPolicy(backoff_base=0.001, backoff_max=0.002)
    async with GitBookClient(base_url=sys.argv[1], retry=retry) as gitbook:
        calls = [gitbook.spaces.list_integration_blocks(sys.argv[2]) for _ in range(30)]
        print("ok", len(await asyncio.gather(*calls)))

asyncio.run(main())
"""


async def test_rate_budget_waits_and_retries_are_quiet_without_logging(tmp_path: Path) -> None:
    """With no logging configured, 30 calls that wait for the rate budget (10 per 0.5 s) and
    meet a 503 they retry print nothing to stderr: normal operation logs at INFO, and
    Python's last-resort handler shows only WARNING and above.
    """
    script = tmp_path / "quiet.py"
    script.write_text(QUIET_SCRIPT)
    window = RateLimitWindow(limit=10, window=1.0)
    async with FakeGitBook.with_demo_data(token=TOKEN, rate_limit=window) as server:
        server.inject(Fault.status(503), times=1)
        env = {k: v for k, v in os.environ.items() if k != LOG_ENV_VAR}
        env["GITBOOK_API_TOKEN"] = TOKEN
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            server.url,
            DEMO_SPACE_ID,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await within_deadline(process.communicate())
        stats = server.rate_limit_stats()
    assert (process.returncode, out.decode().strip(), err.decode()) == (0, "ok 30", "")
    assert len(stats.windows) > 1  # the calls spanned several windows: they waited
    assert stats.refused == 0  # the first answer, a 503 without a count, released nobody
