"""Tests of gitbook_async._client: token, lifecycle, session ownership and settings."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from gitbook_async import (
    ClientClosedError,
    ConfigurationError,
    GitBookClient,
    InvalidArgumentError,
    __version__,
)

from .conftest import API, TOKEN

BLOCKS = f"{API}/spaces/space_1/integration-blocks"
_REAL_CLIENT_SESSION = aiohttp.ClientSession


@pytest.fixture
def sessions(monkeypatch: pytest.MonkeyPatch) -> list[aiohttp.ClientSession]:
    """Every aiohttp session the SDK creates, in order."""
    created: list[aiohttp.ClientSession] = []

    def spy(*args: Any, **kwargs: Any) -> aiohttp.ClientSession:
        session = _REAL_CLIENT_SESSION(*args, **kwargs)
        created.append(session)
        return session

    monkeypatch.setattr(aiohttp, "ClientSession", spy)
    return created


@pytest.fixture
def no_env_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITBOOK_API_TOKEN", raising=False)


def sent_request(mock_api: aioresponses, url: str = BLOCKS) -> dict[str, Any]:
    """The keyword arguments of the one request sent to ``url``."""
    calls = mock_api.requests[("GET", URL(url))]
    assert len(calls) == 1
    kwargs: dict[str, Any] = calls[0].kwargs
    return kwargs


async def blocks(client: GitBookClient) -> None:
    """Send one request (to a mocked endpoint) through ``client``."""
    await client.spaces.list_integration_blocks("space_1")


# --- the token ------------------------------------------------------------------------------


async def test_the_token_argument_is_sent_as_a_bearer_authorization(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """Requests carry ``Authorization: Bearer <token>``."""
    mock_api.get(BLOCKS, payload=[])
    await blocks(client)
    assert sent_request(mock_api)["headers"]["Authorization"] == f"Bearer {TOKEN}"


async def test_the_token_defaults_to_the_environment_variable(
    mock_api: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ``token=`` the client uses ``$GITBOOK_API_TOKEN``."""
    monkeypatch.setenv("GITBOOK_API_TOKEN", "gb_api_from_env")
    mock_api.get(BLOCKS, payload=[])
    async with GitBookClient() as client:
        await blocks(client)
    assert sent_request(mock_api)["headers"]["Authorization"] == "Bearer gb_api_from_env"


async def test_the_token_argument_wins_over_the_environment(
    mock_api: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An explicit ``token=`` takes precedence over ``$GITBOOK_API_TOKEN``."""
    monkeypatch.setenv("GITBOOK_API_TOKEN", "gb_api_from_env")
    mock_api.get(BLOCKS, payload=[])
    async with GitBookClient(token=TOKEN) as client:
        await blocks(client)
    assert sent_request(mock_api)["headers"]["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.usefixtures("no_env_token")
async def test_no_token_fails_on_async_with_before_any_request(
    mock_api: aioresponses, sessions: list[aiohttp.ClientSession]
) -> None:
    """With no token anywhere, ``async with`` raises ConfigurationError and opens nothing."""
    with pytest.raises(ConfigurationError, match="GITBOOK_API_TOKEN"):
        async with GitBookClient():
            pass  # pragma: no cover - never entered
    assert sessions == []
    assert mock_api.requests == {}


@pytest.mark.usefixtures("no_env_token")
async def test_no_token_fails_on_a_call_before_any_request(
    mock_api: aioresponses, sessions: list[aiohttp.ClientSession]
) -> None:
    """With no token anywhere, a call raises ConfigurationError and sends nothing."""
    client = GitBookClient()
    with pytest.raises(ConfigurationError, match="token"):
        await blocks(client)
    with pytest.raises(ConfigurationError):
        await client.spaces.list_integrations("space_1").collect()
    await client.aclose()
    assert sessions == []
    assert mock_api.requests == {}


async def test_an_empty_environment_token_counts_as_no_token(
    mock_api: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``GITBOOK_API_TOKEN=""`` is treated as unset."""
    monkeypatch.setenv("GITBOOK_API_TOKEN", "")
    client = GitBookClient()
    with pytest.raises(ConfigurationError):
        await blocks(client)
    await client.aclose()


@pytest.mark.parametrize("source", ["argument", "environment"])
def test_a_token_with_a_lone_surrogate_is_refused_without_echoing_it(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token holding undecodable bytes (``$'ab\\xff'`` reads as ``'ab\\udcff'``) is refused
    at construction with a ConfigurationError naming its source, never the token.
    """
    token = "secret-ab\udcff"
    if source == "environment":
        monkeypatch.setenv("GITBOOK_API_TOKEN", token)
    with pytest.raises(ConfigurationError, match="not valid text") as caught:
        GitBookClient(token=token if source == "argument" else None)
    assert "secret" not in str(caught.value)
    assert ("$GITBOOK_API_TOKEN" in str(caught.value)) is (source == "environment")


def test_an_empty_token_argument_is_refused() -> None:
    """``token=""`` raises ConfigurationError at construction."""
    with pytest.raises(ConfigurationError):
        GitBookClient(token="")


async def test_repr_and_str_never_contain_the_token() -> None:
    """The client's repr and str say whether a token is set, never what it is."""
    client = GitBookClient(token=TOKEN)
    for text in (repr(client), str(client), f"{client!r}"):
        assert TOKEN not in text
        assert "token=set" in text
    await client.aclose()
    assert TOKEN not in repr(client)
    assert TOKEN not in str(client)


# --- lifecycle ------------------------------------------------------------------------------


async def test_a_call_after_aclose_raises_client_closed_error(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """After ``aclose()`` every call raises ClientClosedError and nothing is sent."""
    await client.aclose()
    assert client.closed
    with pytest.raises(ClientClosedError):
        await blocks(client)
    with pytest.raises(ClientClosedError):
        await client.spaces.list_integration_scripts("space_1")
    with pytest.raises(ClientClosedError):
        await client.spaces.list_integrations("space_1").collect()
    with pytest.raises(ClientClosedError):
        async with client:
            pass  # pragma: no cover - never entered
    assert mock_api.requests == {}


async def test_every_call_after_aclose_gives_the_same_closed_message(
    mock_api: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One lifecycle state, one message: calls, walks and ``async with`` on a closed client
    (with or without a token) raise ClientClosedError saying the same thing.
    """
    monkeypatch.delenv("GITBOOK_API_TOKEN", raising=False)
    messages = set()
    for token in (TOKEN, None):
        client = GitBookClient(token)
        await client.aclose()
        for attempt in (
            blocks(client),
            client.spaces.list_integrations("space_1").collect(),
            client.__aenter__(),
        ):
            with pytest.raises(ClientClosedError) as caught:
                await attempt
            messages.add(str(caught.value))
    assert len(messages) == 1
    assert "closed" in messages.pop()
    assert mock_api.requests == {}


async def test_aclose_is_idempotent(sessions: list[aiohttp.ClientSession]) -> None:
    """``aclose()`` may be called any number of times, used or not."""
    unused = GitBookClient(token=TOKEN)
    await unused.aclose()
    await unused.aclose()
    async with GitBookClient(token=TOKEN) as used:
        pass
    await used.aclose()
    await used.aclose()
    assert used.closed
    assert all(session.closed for session in sessions)


async def test_the_session_is_created_lazily_and_closed_when_owned(
    mock_api: aioresponses, sessions: list[aiohttp.ClientSession]
) -> None:
    """The client opens its own session at first use (not in ``__init__``) and closes it."""
    mock_api.get(BLOCKS, payload=[])
    client = GitBookClient(token=TOKEN)
    assert sessions == []
    await blocks(client)
    assert len(sessions) == 1
    assert not sessions[0].closed
    await client.aclose()
    assert sessions[0].closed


async def test_async_with_opens_the_session_and_closes_it_on_exit(
    sessions: list[aiohttp.ClientSession],
) -> None:
    """``async with`` creates the owned session on entry and closes it on exit."""
    client = GitBookClient(token=TOKEN)
    async with client as entered:
        assert entered is client
        assert len(sessions) == 1
    assert client.closed
    assert sessions[0].closed


def test_the_client_can_be_built_outside_a_running_loop(
    sessions: list[aiohttp.ClientSession],
) -> None:
    """Constructing a client with no event loop running works and creates no session."""
    client = GitBookClient(token=TOKEN)
    assert not client.closed
    assert sessions == []


async def test_a_borrowed_session_is_used_and_never_closed(mock_api: aioresponses) -> None:
    """A ``session=`` passed in carries the requests and stays open after ``aclose()``."""
    mock_api.get(BLOCKS, payload=[])
    async with aiohttp.ClientSession() as borrowed:
        async with GitBookClient(token=TOKEN, session=borrowed) as client:
            await blocks(client)
        assert client.closed
        assert not borrowed.closed
    assert sent_request(mock_api)["headers"]["Authorization"] == f"Bearer {TOKEN}"


async def test_a_client_used_from_a_second_event_loop_raises_configuration_error(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """A client bound to one event loop refuses, with ConfigurationError, to work in another."""

    def call_from_another_loop() -> None:
        asyncio.run(blocks(client))

    with (
        concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor,
        pytest.raises(ConfigurationError, match="event loop"),
    ):
        await asyncio.get_running_loop().run_in_executor(executor, call_from_another_loop)
    assert mock_api.requests == {}


# --- headers --------------------------------------------------------------------------------


async def test_the_user_agent_names_the_sdk_and_its_version(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """The User-Agent starts with ``gitbook-async/<version>``."""
    mock_api.get(BLOCKS, payload=[])
    await blocks(client)
    assert sent_request(mock_api)["headers"]["User-Agent"].startswith(
        f"gitbook-async/{__version__} "
    )


async def test_user_agent_is_appended_to_the_sdks(mock_api: aioresponses) -> None:
    """``user_agent=`` is appended after the SDK's own product token."""
    mock_api.get(BLOCKS, payload=[])
    async with GitBookClient(token=TOKEN, user_agent="acme-docs-sync/2.1") as client:
        await blocks(client)
    sent = sent_request(mock_api)["headers"]["User-Agent"]
    assert sent.startswith(f"gitbook-async/{__version__} ")
    assert sent.endswith(" acme-docs-sync/2.1")


@pytest.mark.parametrize("user_agent", ["app/1\nX-Evil: 1", "app/1\r\n", "\rapp"])
def test_a_multi_line_user_agent_is_refused(user_agent: str) -> None:
    """A user agent with CR or LF (header injection) raises ConfigurationError."""
    with pytest.raises(ConfigurationError):
        GitBookClient(token=TOKEN, user_agent=user_agent)


# --- base_url -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("https://api.gitbook.com", "https://api.gitbook.com"),
        ("https://api.gitbook.com/", "https://api.gitbook.com"),
        ("https://api.gitbook.com/v1", "https://api.gitbook.com"),
        ("https://api.gitbook.com/v1/", "https://api.gitbook.com"),
        ("  https://api.gitbook.com  ", "https://api.gitbook.com"),
        ("https://proxy.example/gitbook/v1", "https://proxy.example/gitbook"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:9000/v1", "http://localhost:9000"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
    ],
)
def test_base_url_is_normalised(given: str, normalised: str) -> None:
    """A trailing slash and a trailing ``/v1`` are dropped (the client adds ``/v1``)."""
    assert GitBookClient(token=TOKEN, base_url=given).base_url == normalised


async def test_requests_go_to_the_normalised_base_url_plus_v1(mock_api: aioresponses) -> None:
    """A base URL given with ``/v1/`` still yields ``.../v1/spaces/...``, not ``/v1/v1``."""
    mock_api.get(BLOCKS, payload=[])
    async with GitBookClient(token=TOKEN, base_url="https://api.gitbook.com/v1/") as client:
        await blocks(client)
    assert list(mock_api.requests) == [("GET", URL(BLOCKS))]


def test_plain_http_to_a_remote_host_is_refused_unless_allowed() -> None:
    """``http://`` to a non-loopback host raises ConfigurationError unless
    ``allow_insecure_http=True``.
    """
    with pytest.raises(ConfigurationError, match="plain http"):
        GitBookClient(token=TOKEN, base_url="http://api.gitbook.com")
    client = GitBookClient(token=TOKEN, base_url="http://api.gitbook.com", allow_insecure_http=True)
    assert client.base_url == "http://api.gitbook.com"


@pytest.mark.parametrize(
    "base_url",
    [
        "https://user:hunter2@api.gitbook.com",
        "https://:hunter2@api.gitbook.com",
        "https://api.gitbook.com/?token=hunter2",
        "https://api.gitbook.com/#hunter2",
        "ftp://api.gitbook.com",
        "api.gitbook.com",
        "",
    ],
)
def test_an_unusable_base_url_is_refused(base_url: str) -> None:
    """Credentials, a query, a fragment, or a non-http(s) URL raise ConfigurationError."""
    with pytest.raises(ConfigurationError) as caught:
        GitBookClient(token=TOKEN, base_url=base_url)
    assert "hunter2" not in str(caught.value)


# --- numeric settings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "timeout",
    [
        0,
        -1,
        True,
        "5",
        float("nan"),
        float("inf"),
    ],
)
def test_an_invalid_timeout_is_refused(timeout: Any) -> None:
    """A timeout that is not a positive finite number or a ClientTimeout raises
    InvalidArgumentError (also a ValueError) at construction.
    """
    with pytest.raises(InvalidArgumentError) as caught:
        GitBookClient(token=TOKEN, timeout=timeout)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("setting", ["max_response_bytes", "max_concurrency"])
@pytest.mark.parametrize("value", [0, -1, True, 1.5, "10"])
def test_invalid_size_settings_are_refused(setting: str, value: Any) -> None:
    """``max_response_bytes`` and ``max_concurrency`` must be positive ints."""
    with pytest.raises(ConfigurationError, match=setting):
        GitBookClient(token=TOKEN, **{setting: value})


@pytest.mark.parametrize(
    ("timeout", "total"),
    [(5, 5.0), (2.5, 2.5), (aiohttp.ClientTimeout(total=7, connect=1), 7)],
    ids=["int", "float", "ClientTimeout"],
)
async def test_a_timeout_is_accepted_as_seconds_or_a_client_timeout(
    mock_api: aioresponses, timeout: float | aiohttp.ClientTimeout, total: float
) -> None:
    """A number of seconds becomes the request's total timeout; a ClientTimeout is used as
    given.
    """
    mock_api.get(BLOCKS, payload=[])
    async with GitBookClient(token=TOKEN, timeout=timeout) as client:
        await blocks(client)
    sent = sent_request(mock_api)["timeout"]
    assert isinstance(sent, aiohttp.ClientTimeout)
    assert sent.total == total
    if isinstance(timeout, aiohttp.ClientTimeout):
        assert sent == timeout


async def test_a_per_call_timeout_overrides_the_clients(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """``timeout=`` on a call is used for that request instead of the client's."""
    mock_api.get(BLOCKS, payload=[])
    await client.spaces.list_integration_blocks("space_1", timeout=3)
    assert sent_request(mock_api)["timeout"].total == 3.0
