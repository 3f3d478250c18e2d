"""The test forward proxy (tests/_proxy.py) against plain aiohttp, all on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests._proxy import ForwardProxy, is_loopback_host, isolate_proxy_env

TLS_DIR = Path(__file__).parent / "fixtures" / "tls"
TIMEOUT = aiohttp.ClientTimeout(total=10)
TOKEN = "gb_api_test-token-0123456789"
PROXY_USER = "proxy-user"
PROXY_PASSWORD = "proxy-pa:ss@word/42"  # needs percent-encoding in a URL


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.json_response(
        {
            "method": request.method,
            "path_qs": request.path_qs,
            "authorization": request.headers.get("Authorization"),
            "proxy_authorization": request.headers.get("Proxy-Authorization"),
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "body_length": len(body),
        }
    )


async def _chunked(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    response.enable_chunked_encoding()
    await response.prepare(request)
    for i in range(5):
        await response.write(f"part-{i};".encode() * 1000)
    await response.write_eof()
    return response


async def _big(request: web.Request) -> web.Response:
    return web.Response(body=b"x" * 300_000, content_type="application/octet-stream")


async def _no_content(request: web.Request) -> web.Response:
    return web.Response(status=204)


def _app() -> web.Application:
    app = web.Application()
    app.router.add_route("*", "/echo", _echo)
    app.router.add_get("/chunked", _chunked)
    app.router.add_get("/big", _big)
    app.router.add_get("/empty", _no_content)
    return app


@pytest.fixture
async def upstream() -> AsyncIterator[TestServer]:
    server = TestServer(_app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def tls_upstream() -> AsyncIterator[TestServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS_DIR / "cert.pem", TLS_DIR / "key.pem")
    server = TestServer(_app(), host="127.0.0.1")
    await server.start_server(ssl=context)
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
def client_tls() -> ssl.SSLContext:
    """Trusts the self-signed certificate of tests/fixtures/tls (and nothing else)."""
    return ssl.create_default_context(cafile=str(TLS_DIR / "cert.pem"))


@pytest.fixture
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No proxy variable from the machine's environment: each test sets its own."""
    isolate_proxy_env(monkeypatch)
    return monkeypatch


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    assert response.status == 200, await response.text()
    data: dict[str, Any] = await response.json()
    return data


# -- plain HTTP forwarding ------------------------------------------------------------------


async def test_forwards_requests_and_keeps_the_client_connection(upstream: TestServer) -> None:
    async with (
        ForwardProxy() as proxy,
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
    ):
        for i in range(3):
            async with session.get(
                upstream.make_url(f"/echo?page={i}"),
                proxy=proxy.url,
                headers={"Authorization": f"Bearer {TOKEN}"},
            ) as response:
                data = await _json(response)
            assert data["path_qs"] == f"/echo?page={i}"
            assert data["authorization"] == f"Bearer {TOKEN}"
            assert data["proxy_authorization"] is None

    base = f"http://127.0.0.1:{upstream.port}"
    assert proxy.request_lines == [f"GET {base}/echo?page={i} HTTP/1.1" for i in range(3)]
    assert proxy.client_connections == 1  # keep-alive: one client connection for 3 requests
    assert proxy.upstream_connections == [("127.0.0.1", upstream.port)] * 3
    assert [record.status for record in proxy.records] == [200, 200, 200]
    assert proxy.records[0].header("authorization") == f"Bearer {TOKEN}"
    assert not proxy.records[0].proxy_authorization_present
    assert proxy.connect_targets == []


async def test_relays_chunked_large_and_empty_responses_on_one_connection(
    upstream: TestServer,
) -> None:
    async with (
        ForwardProxy() as proxy,
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
    ):
        async with session.get(upstream.make_url("/chunked"), proxy=proxy.url) as response:
            assert response.status == 200
            assert response.headers.get("Transfer-Encoding") == "chunked"
            body = await response.read()
        assert body == b"".join(f"part-{i};".encode() * 1000 for i in range(5))

        async with session.get(upstream.make_url("/big"), proxy=proxy.url) as response:
            assert response.headers["Content-Length"] == "300000"
            assert await response.read() == b"x" * 300_000

        async with session.get(upstream.make_url("/empty"), proxy=proxy.url) as response:
            assert response.status == 204
            assert await response.read() == b""

        async with session.head(upstream.make_url("/big"), proxy=proxy.url) as response:
            assert response.status == 200
            assert await response.read() == b""

        async with session.get(upstream.make_url("/echo"), proxy=proxy.url) as response:
            await _json(response)

    assert proxy.client_connections == 1
    assert [record.method for record in proxy.records] == ["GET", "GET", "GET", "HEAD", "GET"]


async def test_relays_request_bodies(upstream: TestServer) -> None:
    payload = bytes(range(256)) * 1000

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(payload), 10_000):
            yield payload[i : i + 10_000]

    async with (
        ForwardProxy() as proxy,
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
    ):
        async with session.post(
            upstream.make_url("/echo"), data=payload, proxy=proxy.url
        ) as response:
            sized = await _json(response)
        async with session.post(
            upstream.make_url("/echo"), data=chunks(), proxy=proxy.url
        ) as response:
            chunked = await _json(response)
        async with session.post(
            upstream.make_url("/echo"), data=payload, proxy=proxy.url, expect100=True
        ) as response:
            expected = await _json(response)

    digest = hashlib.sha256(payload).hexdigest()
    assert sized["body_sha256"] == chunked["body_sha256"] == expected["body_sha256"] == digest
    assert proxy.records[1].header("Transfer-Encoding") == "chunked"
    assert proxy.client_connections == 1


async def test_a_close_delimited_response_ends_the_client_connection() -> None:
    """An upstream answer without Content-Length or chunking ends when the upstream closes."""

    async def legacy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(legacy, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with (
            ForwardProxy() as proxy,
            aiohttp.ClientSession(timeout=TIMEOUT) as session,
        ):
            for _ in range(2):
                async with session.get(f"http://127.0.0.1:{port}/", proxy=proxy.url) as response:
                    assert response.headers["Connection"] == "close"
                    assert await response.text() == "until the end"
    finally:
        server.close()
        await server.wait_closed()
    assert proxy.client_connections == 2


async def test_an_unreachable_upstream_is_a_502(upstream: TestServer) -> None:
    async with (
        ForwardProxy(mode="refuse") as dead,
        ForwardProxy() as proxy,
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
        session.get(f"http://127.0.0.1:{dead.port}/x", proxy=proxy.url) as response,
    ):
        assert response.status == 502
    assert proxy.records[0].status == 502
    assert not proxy.records[0].connected_upstream


# -- authentication -------------------------------------------------------------------------


async def test_proxy_authorization_is_checked_and_not_forwarded(upstream: TestServer) -> None:
    url = upstream.make_url("/echo")
    good = {"Proxy-Authorization": aiohttp.encode_basic_auth(PROXY_USER, PROXY_PASSWORD)}
    async with (
        ForwardProxy(auth=(PROXY_USER, PROXY_PASSWORD)) as proxy,
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
    ):
        assert "%3A" in proxy.url_with_credentials  # the ':' of the password is encoded
        async with session.get(url, proxy=proxy.url) as response:
            assert response.status == 407
            assert response.headers["Proxy-Authenticate"] == 'Basic realm="test-proxy"'
        wrong = proxy.url.replace("http://", f"http://{PROXY_USER}:wrong@")
        async with session.get(url, proxy=wrong) as response:
            assert response.status == 407
        async with session.get(
            url, proxy=proxy.url_with_credentials, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as response:
            data = await _json(response)
        # aiohttp sends `proxy_headers` only with a CONNECT: a plain http:// request through
        # the proxy goes without them. Credentials belong in the proxy URL (or proxy_auth=,
        # deprecated since aiohttp 3.14 with BasicAuth).
        async with session.get(url, proxy=proxy.url, proxy_headers=good) as response:
            assert response.status == 407

    assert data["authorization"] == f"Bearer {TOKEN}"
    assert data["proxy_authorization"] is None  # never forwarded upstream
    assert [record.status for record in proxy.records] == [407, 407, 200, 407]
    assert [record.proxy_authorization_present for record in proxy.records] == [
        False,
        True,
        True,
        False,
    ]
    assert proxy.records[2].header("Proxy-Authorization") == good["Proxy-Authorization"]
    assert proxy.upstream_connections == [("127.0.0.1", upstream.port)]


async def test_proxy_headers_authorize_a_connect(
    tls_upstream: TestServer, client_tls: ssl.SSLContext
) -> None:
    good = {"Proxy-Authorization": aiohttp.encode_basic_auth(PROXY_USER, PROXY_PASSWORD)}
    async with (
        ForwardProxy(auth=(PROXY_USER, PROXY_PASSWORD)) as proxy,
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
        session.get(
            tls_upstream.make_url("/echo"), proxy=proxy.url, proxy_headers=good, ssl=client_tls
        ) as response,
    ):
        await _json(response)
    assert proxy.records[0].method == "CONNECT"
    assert proxy.records[0].status == 200


async def test_connect_needs_proxy_authorization_too(
    tls_upstream: TestServer, client_tls: ssl.SSLContext
) -> None:
    async with (
        ForwardProxy(auth=(PROXY_USER, PROXY_PASSWORD)) as proxy,
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
    ):
        with pytest.raises(aiohttp.ClientHttpProxyError) as caught:
            await session.get(tls_upstream.make_url("/echo"), proxy=proxy.url, ssl=client_tls)
        assert caught.value.status == 407
    assert proxy.records[0].method == "CONNECT"
    assert proxy.upstream_connections == []


# -- CONNECT tunnels ------------------------------------------------------------------------


async def test_connect_tunnels_tls_to_a_loopback_server(
    tls_upstream: TestServer, client_tls: ssl.SSLContext
) -> None:
    assert tls_upstream.scheme == "https"
    async with (
        ForwardProxy(auth=(PROXY_USER, PROXY_PASSWORD)) as proxy,
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
    ):
        for _ in range(2):
            async with session.get(
                tls_upstream.make_url("/echo"),
                proxy=proxy.url_with_credentials,
                ssl=client_tls,
                headers={"Authorization": f"Bearer {TOKEN}"},
            ) as response:
                data = await _json(response)
            assert data["authorization"] == f"Bearer {TOKEN}"
            assert data["proxy_authorization"] is None
        async with session.get(
            tls_upstream.make_url("/chunked"), proxy=proxy.url_with_credentials, ssl=client_tls
        ) as response:
            assert len(await response.read()) == 5 * 7000

    target = f"127.0.0.1:{tls_upstream.port}"
    assert proxy.connect_targets == [target]  # one tunnel carried all three requests
    assert proxy.request_lines == [f"CONNECT {target} HTTP/1.1"]
    assert proxy.records[0].proxy_authorization_present
    assert proxy.records[0].status == 200
    # The bearer token travels inside the TLS tunnel: the proxy never sees it.
    assert proxy.records[0].header("Authorization") is None


async def test_the_tunnel_does_not_weaken_certificate_checks(tls_upstream: TestServer) -> None:
    async with (
        ForwardProxy() as proxy,
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
    ):
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await session.get(tls_upstream.make_url("/echo"), proxy=proxy.url)
    assert proxy.connect_targets == [f"127.0.0.1:{tls_upstream.port}"]


# -- the safety net: loopback only ------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("192.0.2.1", False),
        ("10.0.0.1", False),
        ("::ffff:192.0.2.1", False),
        ("127.1", False),
        ("localhost.", False),
        ("example.invalid", False),
        ("", False),
    ],
)
def test_is_loopback_host(host: str, expected: bool) -> None:
    assert is_loopback_host(host) is expected


async def test_non_loopback_targets_are_refused_without_connecting() -> None:
    # 192.0.2.1 is TEST-NET-1 and .invalid never resolves: nothing is sent there anyway, and
    # the proxy must not even try.
    async with (
        ForwardProxy() as proxy,
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
    ):
        async with session.get("http://192.0.2.1/v1/spaces", proxy=proxy.url) as response:
            assert response.status == 403
            assert "loopback only" in await response.text()
        async with session.get("http://example.invalid:8080/", proxy=proxy.url) as response:
            assert response.status == 403
        with pytest.raises(aiohttp.ClientHttpProxyError) as caught:
            await session.get("https://192.0.2.1/v1/spaces", proxy=proxy.url)
        assert caught.value.status == 403

    assert proxy.request_lines == [
        "GET http://192.0.2.1/v1/spaces HTTP/1.1",
        "GET http://example.invalid:8080/ HTTP/1.1",
        "CONNECT 192.0.2.1:443 HTTP/1.1",
    ]
    assert [(r.host, r.port, r.status) for r in proxy.records] == [
        ("192.0.2.1", 80, 403),
        ("example.invalid", 8080, 403),
        ("192.0.2.1", 443, 403),
    ]
    assert not any(record.connected_upstream for record in proxy.records)
    assert proxy.upstream_connections == []


async def test_malformed_requests_are_400() -> None:
    async with ForwardProxy() as proxy:
        for request in (
            b"GET /origin-form HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            b"GET ftp://127.0.0.1/ HTTP/1.1\r\n\r\n",
            b"CONNECT 127.0.0.1 HTTP/1.1\r\n\r\n",
            b"NONSENSE\r\n\r\n",
        ):
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            try:
                writer.write(request)
                answer = await asyncio.wait_for(reader.read(), 5)
            finally:
                writer.close()
                await writer.wait_closed()
            assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n"), answer
    assert proxy.upstream_connections == []


# -- failure modes ----------------------------------------------------------------------------


async def test_mode_close_drops_connections(upstream: TestServer) -> None:
    async with (
        ForwardProxy(mode="close") as proxy,
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
    ):
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(upstream.make_url("/echo"), proxy=proxy.url)
    assert proxy.client_connections >= 1
    assert proxy.records == []


async def test_mode_refuse_refuses_connections(upstream: TestServer) -> None:
    async with (
        ForwardProxy(mode="refuse") as proxy,
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
    ):
        assert proxy.url == f"http://127.0.0.1:{proxy.port}"
        with pytest.raises(aiohttp.ClientProxyConnectionError):
            await session.get(upstream.make_url("/echo"), proxy=proxy.url)
    assert proxy.client_connections == 0


async def test_closing_with_idle_and_busy_connections_leaves_nothing_behind(
    upstream: TestServer, tls_upstream: TestServer, client_tls: ssl.SSLContext
) -> None:
    before = asyncio.all_tasks()
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        async with ForwardProxy() as proxy:
            # Both client connections (one a CONNECT tunnel) stay pooled in the session.
            async with session.get(upstream.make_url("/echo"), proxy=proxy.url) as response:
                await _json(response)
            async with session.get(
                tls_upstream.make_url("/echo"), proxy=proxy.url, ssl=client_tls
            ) as response:
                await _json(response)
            idle, busy = await asyncio.open_connection("127.0.0.1", proxy.port)
            busy.write(b"GET http://127.0.0.1:1/partial-head HTTP/1.1\r\n")
            await busy.drain()
        assert await asyncio.wait_for(idle.read(), 5) == b""  # closed by the proxy
        busy.close()
        await busy.wait_closed()
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()


async def test_url_needs_a_started_proxy() -> None:
    proxy = ForwardProxy()
    with pytest.raises(RuntimeError, match="not started"):
        _ = proxy.url
    with pytest.raises(ValueError, match="loopback"):
        ForwardProxy(host="0.0.0.0")


# -- trust_env: HTTP_PROXY and NO_PROXY ---------------------------------------------------------


async def test_trust_env_sends_loopback_requests_through_http_proxy(
    upstream: TestServer, clean_proxy_env: pytest.MonkeyPatch
) -> None:
    async with ForwardProxy(auth=(PROXY_USER, PROXY_PASSWORD)) as proxy:
        clean_proxy_env.setenv("HTTP_PROXY", proxy.url_with_credentials)
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT, trust_env=True) as session,
            session.get(upstream.make_url("/echo")) as response,
        ):
            data = await _json(response)
        # The default, trust_env=False, ignores the variable.
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as session,
            session.get(upstream.make_url("/echo")) as response,
        ):
            await _json(response)

    assert data["proxy_authorization"] is None
    assert proxy.request_lines == [f"GET http://127.0.0.1:{upstream.port}/echo HTTP/1.1"]
    assert proxy.records[0].proxy_authorization_present  # credentials taken from the URL
    assert proxy.records[0].status == 200


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.1", "*"])
async def test_trust_env_honours_no_proxy(
    upstream: TestServer, clean_proxy_env: pytest.MonkeyPatch, no_proxy: str
) -> None:
    async with ForwardProxy() as proxy:
        clean_proxy_env.setenv("HTTP_PROXY", proxy.url)
        clean_proxy_env.setenv("NO_PROXY", no_proxy)
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT, trust_env=True) as session,
            session.get(upstream.make_url("/echo")) as response,
        ):
            await _json(response)
    assert proxy.records == []
    assert proxy.client_connections == 0


async def test_trust_env_uses_https_proxy_for_https(
    tls_upstream: TestServer, client_tls: ssl.SSLContext, clean_proxy_env: pytest.MonkeyPatch
) -> None:
    async with ForwardProxy() as proxy:
        clean_proxy_env.setenv("HTTPS_PROXY", proxy.url)
        clean_proxy_env.setenv("NO_PROXY", "localhost")  # does not match 127.0.0.1
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT, trust_env=True) as session,
            session.get(tls_upstream.make_url("/echo"), ssl=client_tls) as response,
        ):
            await _json(response)
    assert proxy.connect_targets == [f"127.0.0.1:{tls_upstream.port}"]
