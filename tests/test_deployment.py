"""Deployments (issue 17, item 1): proxies, TLS, borrowed sessions, on 127.0.0.1 only.

Each proxy test runs a real forward proxy (tests/_proxy.py) in front of the fake GitBook
or a TLS server using the self-signed certificate of tests/fixtures/tls. The environment's
proxy variables are cleared for every test; each test sets the ones it needs *before*
constructing the client (the client reads them once, at construction).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from gitbook_async import (
    APIConnectionError,
    APIStatusError,
    ConfigurationError,
    GitBookClient,
    NotFoundError,
    RetryPolicy,
    ServerError,
)
from gitbook_async.testing import DEMO_SPACE_ID, FakeGitBook, Fault, NormalHandler

from ._proxy import ForwardProxy, ProxyMode, isolate_proxy_env
from .conftest import TOKEN

TLS_DIR = Path(__file__).parent / "fixtures" / "tls"  # a self-signed certificate for 127.0.0.1
FAST = RetryPolicy(max_retries=2, backoff_base=0.001, backoff_max=0.002, max_wait=5.0)
BLOCKS = f"/v1/spaces/{DEMO_SPACE_ID}/integration-blocks"
PROXY_USER = "proxy-user"
PROXY_PASSWORD = "pr0xy-pa:ss@word/42"  # needs percent-encoding in a URL
PROXY_SECRETS = (
    PROXY_PASSWORD,
    quote(PROXY_PASSWORD, safe=""),
    base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode("ascii"),
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No proxy variable and no ~/.netrc from this machine: each test sets its own."""
    isolate_proxy_env(monkeypatch, tmp_path)


@pytest.fixture
def proxy_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record of every logger, DEBUG and up."""
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_no_proxy_secret(*texts: object) -> None:
    """No text holds the proxy password, percent-encoded or not, or its Basic form."""
    for text in texts:
        shown = text if isinstance(text, str) else repr(text)
        for secret in PROXY_SECRETS:
            assert secret not in shown, f"a proxy secret shows in {shown!r}"


def error_texts(error: BaseException) -> list[object]:
    """Everything an error shows: str, repr, args, and every attribute it carries."""
    return [str(error), repr(error), *error.args, *vars(error).values()]


async def blocks(base_url: str, space_id: str = DEMO_SPACE_ID, **options: Any) -> Any:
    """One list_integration_blocks call through a fresh client."""
    options.setdefault("retry", FAST)
    async with GitBookClient(TOKEN, base_url=base_url, **options) as gitbook:
        return await gitbook.spaces.list_integration_blocks(space_id)


# --- TLS servers --------------------------------------------------------------------------


async def _blocks_answer(request: web.Request) -> web.Response:
    return web.json_response(
        [],
        headers={
            "X-Saw-Authorization": str(request.headers.get("Authorization") == f"Bearer {TOKEN}")
        },
    )


def server_tls(*, client_cert: bool = False) -> ssl.SSLContext:
    """The TLS server's context; with ``client_cert``, a client certificate is required."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS_DIR / "cert.pem", TLS_DIR / "key.pem")
    if client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=TLS_DIR / "cert.pem")
    return context


def client_tls(*, client_cert: bool = False) -> ssl.SSLContext:
    """Trusts the test certificate (a custom CA) and nothing else; optionally presents it."""
    context = ssl.create_default_context(cafile=str(TLS_DIR / "cert.pem"))
    if client_cert:
        context.load_cert_chain(TLS_DIR / "cert.pem", TLS_DIR / "key.pem")
    return context


@dataclass(frozen=True)
class TLSServer:
    """A running https server: its URL and port."""

    url: str
    port: int


@contextlib.asynccontextmanager
async def tls_server(*, client_cert: bool = False) -> AsyncIterator[TLSServer]:
    """An https server on 127.0.0.1 answering ``[]`` to every GET."""
    app = web.Application()
    app.router.add_get("/{tail:.*}", _blocks_answer)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(ssl=server_tls(client_cert=client_cert))
    assert server.port is not None
    try:
        yield TLSServer(f"https://127.0.0.1:{server.port}", server.port)
    finally:
        await server.close()


# --- the environment: trust_env, HTTP_PROXY, NO_PROXY -------------------------------------


async def test_trust_env_is_the_default_and_sends_through_http_proxy(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        assert await blocks(fake_gitbook.url) is not None

    assert proxy.request_lines == [f"GET {fake_gitbook.url}{BLOCKS} HTTP/1.1"]
    assert proxy.records[0].status == 200
    assert proxy.upstream_connections == [("127.0.0.1", int(fake_gitbook.url.rsplit(":", 1)[1]))]
    # The bearer token goes through the (plain-http) proxy to the API.
    assert proxy.records[0].header("Authorization") == f"Bearer {TOKEN}"
    assert fake_gitbook.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert not proxy.records[0].proxy_authorization_present


async def test_lowercase_http_proxy_is_honoured_too(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with ForwardProxy() as proxy:
        monkeypatch.setenv("http_proxy", proxy.url)
        await blocks(fake_gitbook.url)
    assert len(proxy.records) == 1


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.1", "*"])
async def test_no_proxy_sends_direct(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch, no_proxy: str
) -> None:
    async with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", no_proxy)
        await blocks(fake_gitbook.url)
    assert proxy.client_connections == 0
    assert len(fake_gitbook.requests) == 1


async def test_trust_env_false_ignores_the_environment(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        await blocks(fake_gitbook.url, trust_env=False)
    assert proxy.client_connections == 0
    assert len(fake_gitbook.requests) == 1


async def test_all_proxy_is_not_read(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiohttp reads only the scheme's variable: $ALL_PROXY alone sends direct (documented)."""
    async with ForwardProxy() as proxy:
        monkeypatch.setenv("ALL_PROXY", proxy.url)
        await blocks(fake_gitbook.url)
    assert proxy.client_connections == 0


async def test_the_environment_is_read_once_at_construction(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        ForwardProxy() as before,
        ForwardProxy() as after,
    ):
        monkeypatch.setenv("HTTP_PROXY", before.url)
        async with GitBookClient(TOKEN, base_url=fake_gitbook.url) as gitbook:
            monkeypatch.setenv("HTTP_PROXY", after.url)
            await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
            monkeypatch.delenv("HTTP_PROXY")
            await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert len(before.records) == 2
    assert after.client_connections == 0


async def test_an_explicit_proxy_wins_over_the_environment(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``proxy=`` applies to every request: $HTTP_PROXY and $NO_PROXY are not consulted."""
    async with (
        ForwardProxy(mode="refuse") as from_env,
        ForwardProxy() as explicit,
    ):
        monkeypatch.setenv("HTTP_PROXY", from_env.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # applies to the environment's proxy only
        await blocks(fake_gitbook.url, proxy=explicit.url)
    assert explicit.request_lines == [f"GET {fake_gitbook.url}{BLOCKS} HTTP/1.1"]


async def test_https_proxy_applies_to_an_https_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    async with tls_server() as server, ForwardProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # for http:// only: unused
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        assert await blocks(server.url, ssl=client_tls()) == []
    assert proxy.connect_targets == [f"127.0.0.1:{server.port}"]


# --- proxy credentials -------------------------------------------------------------------


@pytest.mark.parametrize("source", ["proxy=", "$HTTP_PROXY"])
async def test_proxy_credentials_authenticate_and_never_show(
    fake_gitbook: FakeGitBook,
    monkeypatch: pytest.MonkeyPatch,
    proxy_logs: pytest.LogCaptureFixture,
    source: str,
) -> None:
    events: list[object] = []
    hooks = {"request": [events.append], "response": [events.append], "retry": [events.append]}
    fake_gitbook.inject(Fault.status(503), times=1)  # one retry: a retry event and log line
    async with ForwardProxy(auth=(PROXY_USER, PROXY_PASSWORD)) as proxy:
        options: dict[str, Any] = {"event_hooks": hooks, "retry": FAST}
        if source == "proxy=":
            options["proxy"] = proxy.url_with_credentials
        else:
            monkeypatch.setenv("HTTP_PROXY", proxy.url_with_credentials)
        async with GitBookClient(TOKEN, base_url=fake_gitbook.url, **options) as gitbook:
            shown: list[object] = [repr(gitbook), str(gitbook), gitbook.with_options(timeout=5)]
            assert await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID) is not None
            with pytest.raises(NotFoundError) as caught:
                await gitbook.spaces.list_integration_blocks("no-such-space")
            raw = await gitbook.spaces.with_raw_response.list_integration_blocks(DEMO_SPACE_ID)
            shown += [raw.url, repr(raw.headers)]

    assert [r.status for r in proxy.records] == [503, 200, 404, 200]
    assert all(r.proxy_authorization_present for r in proxy.records)
    # The proxy's credentials stop at the proxy; the token goes on to the API.
    assert all("Proxy-Authorization" not in r.headers for r in fake_gitbook.requests)
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in fake_gitbook.requests)
    assert len(events) == 9  # 4 requests, 4 responses, 1 retry
    records = [f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text}" for r in proxy_logs.records]
    assert any("retry 1 of 2" in text for text in records)
    assert_no_proxy_secret(*shown, *error_texts(caught.value), *events, *map(repr, events))
    assert_no_proxy_secret(*records)


async def test_a_non_latin1_proxy_password_is_sent_as_utf8(fake_gitbook: FakeGitBook) -> None:
    async with ForwardProxy(auth=(PROXY_USER, "pässwört-€")) as proxy:
        await blocks(fake_gitbook.url, proxy=proxy.url_with_credentials)
    assert [r.status for r in proxy.records] == [200]


async def test_the_proxy_in_errors_is_named_without_credentials(
    proxy_logs: pytest.LogCaptureFixture,
) -> None:
    retries: list[object] = []
    async with (
        ForwardProxy(mode="refuse", auth=(PROXY_USER, PROXY_PASSWORD)) as proxy,
        FakeGitBook.with_demo_data(token=TOKEN) as fake,
    ):
        with pytest.raises(APIConnectionError) as caught:
            await blocks(
                fake.url, proxy=proxy.url_with_credentials, event_hooks={"retry": [retries.append]}
            )
    message = str(caught.value)
    assert f"through the proxy {proxy.url} (from proxy=)" in message
    assert "proxy=, trust_env=" in message  # the proxy advice
    assert len(retries) == FAST.max_retries  # refused: transient, retried
    assert fake.requests == []
    texts = [f"{r.getMessage()} {r.exc_text}" for r in proxy_logs.records]
    assert_no_proxy_secret(*error_texts(caught.value), *retries, *texts)
    assert PROXY_USER not in message


@pytest.mark.parametrize("mode", ["refuse", "close"])
async def test_a_broken_proxy_from_the_environment_is_named_with_its_source(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch, mode: ProxyMode
) -> None:
    async with ForwardProxy(mode=mode, auth=(PROXY_USER, PROXY_PASSWORD)) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url_with_credentials)
        with pytest.raises(APIConnectionError) as caught:
            await blocks(fake_gitbook.url)
    assert f"through the proxy {proxy.url} (from $HTTP_PROXY)" in str(caught.value)
    assert_no_proxy_secret(*error_texts(caught.value))
    assert fake_gitbook.requests == []


async def test_wrong_proxy_credentials_are_a_407_status_error(
    fake_gitbook: FakeGitBook, proxy_logs: pytest.LogCaptureFixture
) -> None:
    async with ForwardProxy(auth=(PROXY_USER, "the-right-one")) as proxy:
        wrong = proxy.url.replace(
            "http://", f"http://{PROXY_USER}:{quote(PROXY_PASSWORD, safe='')}@"
        )
        with pytest.raises(APIStatusError) as caught:
            await blocks(fake_gitbook.url, proxy=wrong)
    error = caught.value
    assert error.status == 407
    assert "Proxy authentication required: check the proxy credentials" in str(error)
    assert error.headers["Proxy-Authenticate"] == 'Basic realm="test-proxy"'
    assert [r.status for r in proxy.records] == [407]  # not retried
    assert fake_gitbook.requests == []
    texts = [f"{r.getMessage()} {r.exc_text}" for r in proxy_logs.records]
    assert_no_proxy_secret(*error_texts(error), *texts)


async def test_wrong_proxy_credentials_for_a_tunnel_fail_at_once() -> None:
    """An https target: the proxy refuses the CONNECT; a connection error, not retried."""
    async with tls_server() as server, ForwardProxy(auth=(PROXY_USER, "right")) as proxy:
        wrong = proxy.url.replace(
            "http://", f"http://{PROXY_USER}:{quote(PROXY_PASSWORD, safe='')}@"
        )
        with pytest.raises(APIConnectionError) as caught:
            await blocks(server.url, proxy=wrong, ssl=client_tls())
    message = str(caught.value)
    assert f"through the proxy {proxy.url} (from proxy=)" in message
    assert "407 Proxy Authentication Required: check the proxy credentials" in message
    assert [r.status for r in proxy.records] == [407]
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert_no_proxy_secret(*error_texts(caught.value))


async def test_netrc_credentials_for_the_proxy_do_not_touch_our_authorization(
    fake_gitbook: FakeGitBook, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """.netrc has an entry for 127.0.0.1, host of both the proxy and the API.

    The proxy gets it (trust_env reads .netrc for the proxy); the API still gets our bearer
    token: the client's session never applies .netrc to the target.
    """
    netrc = tmp_path / "proxy-netrc"
    netrc.write_text(f"machine 127.0.0.1 login {PROXY_USER} password {PROXY_PASSWORD}\n")
    monkeypatch.setenv("NETRC", str(netrc))
    async with ForwardProxy(auth=(PROXY_USER, PROXY_PASSWORD)) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        async with GitBookClient(TOKEN, base_url=fake_gitbook.url) as gitbook:
            await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
            with pytest.raises(NotFoundError) as caught:
                await gitbook.spaces.list_integration_blocks("no-such-space")
    assert [r.status for r in proxy.records] == [200, 404]
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in fake_gitbook.requests)
    assert_no_proxy_secret(*error_texts(caught.value))


# --- TLS: through the proxy, custom CA, client certificates -------------------------------


async def test_https_through_the_proxy_with_a_custom_ca() -> None:
    async with (
        tls_server() as server,
        ForwardProxy(auth=(PROXY_USER, PROXY_PASSWORD)) as proxy,
        GitBookClient(
            TOKEN, base_url=server.url, proxy=proxy.url_with_credentials, ssl=client_tls()
        ) as gitbook,
    ):
        for _ in range(2):
            raw = await gitbook.spaces.with_raw_response.list_integration_blocks(DEMO_SPACE_ID)
    assert await raw.parse() == []
    assert raw.headers["X-Saw-Authorization"] == "True"  # the token reached the server
    assert proxy.connect_targets == [f"127.0.0.1:{server.port}"]  # one tunnel, kept alive
    assert proxy.records[0].proxy_authorization_present
    # Inside the tunnel: the proxy saw the CONNECT only, never the token.
    assert all(r.header("Authorization") is None for r in proxy.records)


@pytest.mark.parametrize("through_proxy", [False, True], ids=["direct", "proxy"])
async def test_an_untrusted_certificate_is_a_tls_error_at_once(through_proxy: bool) -> None:
    async with tls_server() as server, ForwardProxy() as proxy:
        options = {"proxy": proxy.url} if through_proxy else {}
        with pytest.raises(APIConnectionError) as caught:
            await blocks(server.url, **options)
    message = str(caught.value)
    assert "the TLS connection failed" in message
    assert "certificate of 127.0.0.1 not accepted: self-signed certificate" in message
    assert ("through the proxy" in message) is through_proxy
    assert len(proxy.records) == (1 if through_proxy else 0)  # not retried


@pytest.mark.parametrize("through_proxy", [False, True], ids=["direct", "proxy"])
async def test_a_client_certificate_is_presented_with_ssl(through_proxy: bool) -> None:
    """mTLS: the ``ssl=`` context carries the client certificate the server requires.

    Without it, TLS 1.3 reports the refusal after the handshake: aiohttp sees the server
    disconnect, so the error is a plain connection failure, not a TLS one.
    """
    async with tls_server(client_cert=True) as server, ForwardProxy() as proxy:
        options = {"proxy": proxy.url} if through_proxy else {}
        assert await blocks(server.url, ssl=client_tls(client_cert=True), **options) == []
        with pytest.raises(APIConnectionError) as caught:
            await blocks(server.url, ssl=client_tls(), retry=RetryPolicy(max_retries=0))
    assert "GET https://127.0.0.1" in str(caught.value)


# --- borrowed sessions ----------------------------------------------------------------------


async def test_a_raise_for_status_session_still_gives_typed_errors(
    fake_gitbook: FakeGitBook,
) -> None:
    async with aiohttp.ClientSession(raise_for_status=True) as session:
        with pytest.raises(NotFoundError) as caught:
            await blocks(fake_gitbook.url, "no-such-space", session=session)
        assert caught.value.status == 404
        assert len(fake_gitbook.requests) == 1  # no retry of a 404

        fake_gitbook.inject(Fault.status(503), times=None)
        with pytest.raises(ServerError) as server_error:
            await blocks(fake_gitbook.url, session=session)
        assert server_error.value.status == 503
        assert len(fake_gitbook.requests) == 1 + 1 + FAST.max_retries
        assert not session.closed  # borrowed: never closed by the client
    assert caught.value.__context__ is None


@dataclass(frozen=True)
class _Gzipped(Fault):
    """The normal answer, gzip-encoded (Content-Encoding: gzip)."""

    async def respond(self, request: web.Request, normal: NormalHandler) -> web.StreamResponse:
        response = await normal(request)
        assert isinstance(response, web.Response)
        assert isinstance(response.body, bytes)
        return web.Response(
            body=gzip.compress(response.body),
            status=response.status,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )


async def test_an_auto_decompress_false_session_still_decodes_gzip(
    fake_gitbook: FakeGitBook,
) -> None:
    async with (
        GitBookClient(TOKEN, base_url=fake_gitbook.url) as reference,
        aiohttp.ClientSession(auto_decompress=False) as session,
    ):
        expected = await reference.spaces.list_integration_blocks(DEMO_SPACE_ID)
        fake_gitbook.inject(_Gzipped(), times=1)
        assert await blocks(fake_gitbook.url, session=session) == expected
        assert not session.closed


async def test_our_authorization_wins_over_the_session_headers(
    fake_gitbook: FakeGitBook,
) -> None:
    headers = {"Authorization": "Bearer someone-else", "X-Session-Header": "kept"}
    async with aiohttp.ClientSession(headers=headers) as session:
        await blocks(fake_gitbook.url, session=session)
    seen = fake_gitbook.requests[0].headers
    assert seen["Authorization"] == f"Bearer {TOKEN}"
    assert seen["X-Session-Header"] == "kept"


async def test_a_borrowed_session_stays_open_and_usable(fake_gitbook: FakeGitBook) -> None:
    async with aiohttp.ClientSession() as session:
        client = GitBookClient(TOKEN, base_url=fake_gitbook.url, session=session)
        async with client:
            await client.spaces.list_integration_blocks(DEMO_SPACE_ID)
        assert client.closed
        assert not session.closed
        async with session.get(f"{fake_gitbook.url}{BLOCKS}") as response:
            assert response.status == 401  # still usable (without our token)


async def test_trace_configs_with_a_borrowed_session_is_refused() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ConfigurationError, match="trace_configs"):
            GitBookClient(TOKEN, session=session, trace_configs=[aiohttp.TraceConfig()])
        assert not session.closed
        GitBookClient(TOKEN, session=session, trace_configs=[])  # nothing to apply: accepted


# --- configuration errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    "proxy",
    [
        f"ftp://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:21",
        "socks5://127.0.0.1:1080",
        "http://",
        "127.0.0.1:3128",
        "http:///path-only",
        3128,
        b"http://127.0.0.1:3128",
        ("127.0.0.1", 3128),
        f"http://us%3Aer:{quote(PROXY_PASSWORD, safe='')}@127.0.0.1:3128",
    ],
    ids=["ftp", "socks", "no-host", "no-scheme", "empty-host", "int", "bytes", "tuple", "colon"],
)
def test_a_bad_proxy_is_a_configuration_error(proxy: object) -> None:
    with pytest.raises(ConfigurationError, match="proxy") as caught:
        GitBookClient(TOKEN, proxy=proxy)  # type: ignore[arg-type]
    assert_no_proxy_secret(*error_texts(caught.value))
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    "context",
    [True, False, str(TLS_DIR / "cert.pem"), ssl.create_default_context],
    ids=["true", "false", "path", "factory"],
)
def test_a_bad_ssl_is_a_configuration_error(context: object) -> None:
    with pytest.raises(ConfigurationError, match=r"ssl must be an ssl\.SSLContext"):
        GitBookClient(TOKEN, ssl=context)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "configs", [[object()], [aiohttp.TraceConfig(), "x"]], ids=["object", "mixed"]
)
def test_bad_trace_configs_are_a_configuration_error(configs: list[Any]) -> None:
    with pytest.raises(ConfigurationError, match="TraceConfig"):
        GitBookClient(TOKEN, trace_configs=configs)
