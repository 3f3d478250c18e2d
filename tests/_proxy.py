"""A real HTTP forward proxy for the tests, on 127.0.0.1 only.

``ForwardProxy`` is an asyncio server started and stopped by the test itself::

    async with ForwardProxy(auth=("user", "s3cret")) as proxy:
        async with aiohttp.ClientSession() as session:
            await session.get(url, proxy=proxy.url_with_credentials)
        assert proxy.records[0].proxy_authorization_present

It forwards absolute-form requests (``GET http://127.0.0.1:PORT/path HTTP/1.1``), one
upstream connection per request with ``Connection: close``, relaying the body as framed by
``Content-Length``, ``Transfer-Encoding: chunked`` or the upstream closing; the client's
connection stays open for more requests (keep-alive) unless the body was close-delimited.
``CONNECT host:port`` opens a byte tunnel (https through the proxy).

Safety net: a target host that is not a loopback address (``127.0.0.0/8``, ``::1``) or
``localhost`` is answered 403 *without any connection attempt* (``upstream_connections``
records every connection the proxy made). With ``auth=``, a missing or wrong
``Proxy-Authorization: Basic`` header is answered 407 before anything else.

``mode="close"`` accepts connections and closes them at once, without a response;
``mode="refuse"`` holds a bound but non-listening port, so connecting is refused (RST).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Final, Literal
from urllib.parse import quote, urlsplit

import pytest

ProxyMode = Literal["forward", "close", "refuse"]

#: Headers that concern one connection only (RFC 9110 section 7.6.1), never forwarded.
HOP_BY_HOP: Final = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
    }
)
_MAX_HEAD: Final = 64 * 1024
_CHUNK: Final = 64 * 1024
_UPSTREAM_CONNECT_TIMEOUT: Final = 5.0


PROXY_ENV_NAMES: Final = (
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "REQUEST_METHOD",  # urllib ignores HTTP_PROXY when it is set (CGI)
)
"""The environment variables that decide proxying (aiohttp reads them through urllib)."""


def isolate_proxy_env(monkeypatch: pytest.MonkeyPatch, netrc_dir: Path | None = None) -> None:
    """Remove this machine's proxy variables (and, given a folder, its ``~/.netrc``)."""
    for name in PROXY_ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    if netrc_dir is not None:
        netrc = netrc_dir / "netrc"
        netrc.write_text("")
        monkeypatch.setenv("NETRC", str(netrc))


class _BadRequestError(Exception):
    """The client's request cannot be parsed: answer 400 and close."""


@dataclass
class ProxyRecord:
    """One request (or CONNECT) as the proxy received it, and what it did with it."""

    #: The request line as received, e.g. ``"GET http://127.0.0.1:8080/v1/x HTTP/1.1"``.
    request_line: str
    method: str
    #: The request target: an absolute URL, or ``host:port`` for CONNECT.
    target: str
    #: The request headers as received (names as sent), Proxy-Authorization included.
    headers: tuple[tuple[str, str], ...]
    proxy_authorization_present: bool
    #: The target host and port, as parsed from ``target`` (None if it could not be parsed).
    host: str | None = None
    port: int | None = None
    #: The status the client got: the upstream's, the proxy's own (400/403/407/502), or 200
    #: for an established CONNECT tunnel; None while the request is still in flight.
    status: int | None = None
    #: Whether the proxy connected to ``host:port`` for this request.
    connected_upstream: bool = False

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


@dataclass
class _Head:
    first_line: str
    headers: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def tokens(self, name: str) -> set[str]:
        """The comma-separated tokens of every ``name`` header, lower-cased."""
        wanted = name.lower()
        return {
            token.strip().lower()
            for key, value in self.headers
            if key.lower() == wanted
            for token in value.split(",")
            if token.strip()
        }


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals: the only targets the proxy serves."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ForwardProxy:
    """A forward proxy on 127.0.0.1:<free port>; use as ``async with ForwardProxy() as p``."""

    def __init__(
        self,
        *,
        auth: tuple[str, str] | None = None,
        mode: ProxyMode = "forward",
        host: str = "127.0.0.1",
    ) -> None:
        if mode not in ("forward", "close", "refuse"):
            raise ValueError(f"unknown mode {mode!r}")
        if not is_loopback_host(host):
            raise ValueError("the test proxy listens on loopback only")
        self.auth = auth
        self.mode: ProxyMode = mode
        self.host = host
        self.port = 0
        #: Every request and CONNECT received, in order.
        self.records: list[ProxyRecord] = []
        #: Every (host, port) the proxy opened a connection to.
        self.upstream_connections: list[tuple[str, int]] = []
        #: How many client connections were accepted.
        self.client_connections = 0
        #: Unexpected exceptions in the proxy itself; ``__aexit__`` raises the first one.
        self.errors: list[Exception] = []
        self._expected_authorization = (
            None
            if auth is None
            else "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        )
        self._server: asyncio.AbstractServer | None = None
        self._refusing_socket: socket.socket | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._closing = False

    # -- addresses ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, without credentials."""
        self._require_started()
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url_with_credentials(self) -> str:
        """``http://user:pass@127.0.0.1:PORT`` (percent-encoded); ``url`` without ``auth``."""
        if self.auth is None:
            return self.url
        user, password = (quote(part, safe="") for part in self.auth)
        return self.url.replace("http://", f"http://{user}:{password}@", 1)

    # -- what the proxy saw ---------------------------------------------------------------

    @property
    def request_lines(self) -> list[str]:
        """The request lines received, CONNECTs included, in order."""
        return [record.request_line for record in self.records]

    @property
    def connect_targets(self) -> list[str]:
        """The ``host:port`` of every CONNECT received, in order."""
        return [record.target for record in self.records if record.method == "CONNECT"]

    # -- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> ForwardProxy:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
        if self.errors and exc is None:
            raise AssertionError(f"the test proxy failed: {self.errors!r}") from self.errors[0]

    async def start(self) -> None:
        """Start listening (or, with ``mode="refuse"``, reserve a port nobody accepts on)."""
        if self.port:
            raise RuntimeError("the proxy is already started")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        if self.mode == "refuse":
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.bind((self.host, 0))  # bound, never listening: connections get RST
            self._refusing_socket = sock
            self.port = sock.getsockname()[1]
            return
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _ClientProtocol(self), self.host, 0, family=family
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop: no listener, no task, no socket left behind. Idempotent."""
        self._closing = True
        if self._refusing_socket is not None:
            self._refusing_socket.close()
            self._refusing_socket = None
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        # A connection accepted just before close() gets its task a few iterations later.
        for _ in range(3):
            await asyncio.sleep(0)
        for _ in range(100):
            if not (self._tasks or self._writers):
                return
            for writer in list(self._writers):
                writer.transport.abort()
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for writer in list(self._writers):
                await _wait_closed(writer)
                self._writers.discard(writer)
            await asyncio.sleep(0)
        raise AssertionError("the test proxy could not close its connections")

    def _require_started(self) -> None:
        if not self.port:
            raise RuntimeError("the proxy is not started: use `async with ForwardProxy()`")

    # -- connections ----------------------------------------------------------------------

    def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Called from ``connection_made``: track the transport and start its task at once."""
        self.client_connections += 1
        self._writers.add(writer)  # close() waits until it is closed
        if self.mode == "close" or self._closing:
            writer.close()
            return
        task = asyncio.get_running_loop().create_task(self._serve_client(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while await self._serve_one(reader, writer):
                pass
        except (
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            _BadRequestError,
        ):
            pass
        except Exception as error:  # a bug in the proxy: reported by __aexit__
            self.errors.append(error)
        finally:
            await _wait_closed(writer)
            self._writers.discard(writer)

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; True if the client connection can carry another."""
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as error:
            if error.partial.strip():
                await _respond(writer, 400, "Bad Request")
            return False
        except asyncio.LimitOverrunError:
            await _respond(writer, 431, "Request Header Fields Too Large")
            return False
        try:
            head = _parse_head(raw)
            method, target, version = _split_request_line(head.first_line)
        except _BadRequestError:
            await _respond(writer, 400, "Bad Request")
            return False
        authorization = head.get("Proxy-Authorization")
        record = ProxyRecord(
            request_line=head.first_line,
            method=method,
            target=target,
            headers=tuple(head.headers),
            proxy_authorization_present=authorization is not None,
        )
        self.records.append(record)

        origin_form = ""
        try:
            if method == "CONNECT":
                host, port = _split_authority(target)
            else:
                host, port, origin_form = _split_absolute_url(target)
        except _BadRequestError:
            record.status = 400
            await _respond(writer, 400, "Bad Request")
            return False
        record.host, record.port = host, port
        if not self._authorized(authorization):
            record.status = 407
            await _respond(
                writer,
                407,
                "Proxy Authentication Required",
                [("Proxy-Authenticate", 'Basic realm="test-proxy"')],
            )
            return False
        if not is_loopback_host(host):
            record.status = 403
            await _respond(writer, 403, "Forbidden", body=b"the test proxy serves loopback only\n")
            return False

        try:
            upstream_reader, upstream_writer = await asyncio.wait_for(
                asyncio.open_connection(host, port),
                _UPSTREAM_CONNECT_TIMEOUT,
            )
        except (OSError, asyncio.TimeoutError):
            record.status = 502
            await _respond(writer, 502, "Bad Gateway")
            return False
        self._writers.add(upstream_writer)
        record.connected_upstream = True
        self.upstream_connections.append((host, port))
        try:
            if method == "CONNECT":
                record.status = 200
                writer.write(f"{version} 200 Connection Established\r\n\r\n".encode("latin-1"))
                await writer.drain()
                await _tunnel(reader, writer, upstream_reader, upstream_writer)
                return False
            return await self._forward(
                head,
                f"{method} {origin_form} HTTP/1.1",
                _authority(host, port),
                record,
                (reader, writer),
                (upstream_reader, upstream_writer),
            )
        finally:
            await _wait_closed(upstream_writer)
            self._writers.discard(upstream_writer)

    def _authorized(self, authorization: str | None) -> bool:
        if self._expected_authorization is None:
            return True
        if authorization is None:
            return False
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() != "basic":
            return False
        expected = self._expected_authorization.partition(" ")[2]
        return hmac.compare_digest(credentials.strip().encode(), expected.encode())

    async def _forward(
        self,
        head: _Head,
        upstream_request_line: str,
        authority: str,
        record: ProxyRecord,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> bool:
        """Forward one request upstream and its response back; True to keep the client."""
        reader, writer = client
        upstream_reader, upstream_writer = upstream
        version = record.request_line.rsplit(" ", 1)[1]
        connection_tokens = head.tokens("Connection") | head.tokens("Proxy-Connection")
        client_keeps_alive = (
            "close" not in connection_tokens
            if version == "HTTP/1.1"
            else "keep-alive" in connection_tokens
        )
        if "100-continue" in head.tokens("Expect"):
            writer.write(f"{version} 100 Continue\r\n\r\n".encode("latin-1"))
            await writer.drain()
        dropped = HOP_BY_HOP | connection_tokens | {"expect"}
        headers = [(k, v) for k, v in head.headers if k.lower() not in dropped]
        if head.get("Host") is None:
            headers.insert(0, ("Host", authority))
        headers.append(("Connection", "close"))
        upstream_writer.write(_serialize(upstream_request_line, headers))
        await _relay_body(head, reader, upstream_writer, is_request=True)
        await upstream_writer.drain()

        while True:
            try:
                raw = await upstream_reader.readuntil(b"\r\n\r\n")
                response = _parse_head(raw)
                status = int(response.first_line.split(" ", 2)[1])
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError):
                record.status = 502
                await _respond(writer, 502, "Bad Gateway")
                return False
            if 100 <= status < 200 and status != 101:
                writer.write(raw)  # an informational response; the final one follows
                continue
            break
        record.status = status
        response_tokens = response.tokens("Connection")
        no_body = record.method == "HEAD" or status in (204, 304)
        framed = (
            no_body
            or "chunked" in response.tokens("Transfer-Encoding")
            or response.get("Content-Length") is not None
        )
        keep_alive = client_keeps_alive and framed and status != 101
        dropped = HOP_BY_HOP | response_tokens
        out_headers = [(k, v) for k, v in response.headers if k.lower() not in dropped]
        out_headers.append(("Connection", "keep-alive" if keep_alive else "close"))
        writer.write(_serialize(response.first_line, out_headers))
        if not no_body:
            await _relay_body(response, upstream_reader, writer, is_request=False)
        await writer.drain()
        return keep_alive


class _ClientProtocol(asyncio.StreamReaderProtocol):
    """Hands each accepted connection to the proxy synchronously, from ``connection_made``."""

    def __init__(self, proxy: ForwardProxy) -> None:
        loop = asyncio.get_running_loop()
        self._proxy = proxy
        self._reader = asyncio.StreamReader(limit=_MAX_HEAD, loop=loop)
        self._loop_ref = loop
        super().__init__(self._reader, loop=loop)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        assert isinstance(transport, asyncio.Transport)
        writer = asyncio.StreamWriter(transport, self, self._reader, self._loop_ref)
        self._proxy._accepted(self._reader, writer)


# -- HTTP/1.1 bits ------------------------------------------------------------------------


def _parse_head(raw: bytes) -> _Head:
    lines = raw.decode("latin-1").split("\r\n")
    head = _Head(first_line=lines[0])
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise _BadRequestError(line)
        head.headers.append((name, value.strip()))
    return head


def _split_request_line(line: str) -> tuple[str, str, str]:
    parts = line.split(" ")
    if len(parts) != 3 or parts[2] not in ("HTTP/1.0", "HTTP/1.1") or not parts[0].isalpha():
        raise _BadRequestError(line)
    return parts[0].upper(), parts[1], parts[2]


def _split_authority(authority: str) -> tuple[str, int]:
    host, colon, port = authority.rpartition(":")
    if not colon or not port.isdigit() or not host:
        raise _BadRequestError(authority)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise _BadRequestError(authority)
    return host, int(port)


def _split_absolute_url(target: str) -> tuple[str, int, str]:
    try:
        parts = urlsplit(target)
        port = parts.port or 80
    except ValueError:
        raise _BadRequestError(target) from None
    if parts.scheme.lower() != "http" or not parts.hostname:
        raise _BadRequestError(target)
    origin_form = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.hostname, port, origin_form


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _serialize(first_line: str, headers: Iterable[tuple[str, str]]) -> bytes:
    lines = [first_line, *(f"{name}: {value}" for name, value in headers), "", ""]
    return "\r\n".join(lines).encode("latin-1")


async def _respond(
    writer: asyncio.StreamWriter,
    status: int,
    reason: str,
    headers: Iterable[tuple[str, str]] = (),
    *,
    body: bytes = b"",
) -> None:
    """Answer with the proxy's own response and ``Connection: close``."""
    all_headers = [
        *headers,
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("Connection", "close"),
    ]
    writer.write(_serialize(f"HTTP/1.1 {status} {reason}", all_headers) + body)
    with contextlib.suppress(ConnectionError):
        await writer.drain()


async def _relay_body(
    head: _Head,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    *,
    is_request: bool,
) -> None:
    """Copy one message body as framed by ``head`` (chunked, Content-Length, or until EOF)."""
    if "chunked" in head.tokens("Transfer-Encoding"):
        await _relay_chunked(reader, writer)
        return
    length = head.get("Content-Length")
    if length is not None:
        if not length.isdigit():
            raise _BadRequestError(length)
        await _relay_exactly(reader, writer, int(length))
    elif not is_request:  # a response without framing ends when the upstream closes
        while chunk := await reader.read(_CHUNK):
            writer.write(chunk)
            await writer.drain()


async def _relay_exactly(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int
) -> None:
    while n > 0:
        chunk = await reader.read(min(n, _CHUNK))
        if not chunk:
            raise asyncio.IncompleteReadError(b"", n)
        writer.write(chunk)
        await writer.drain()
        n -= len(chunk)


async def _relay_chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        size_line = await reader.readuntil(b"\r\n")
        writer.write(size_line)
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _BadRequestError(size_line.decode("latin-1")) from None
        if size == 0:
            while (trailer := await reader.readuntil(b"\r\n")) != b"\r\n":
                writer.write(trailer)
            writer.write(b"\r\n")
            await writer.drain()
            return
        await _relay_exactly(reader, writer, size + 2)  # the data and its CRLF


async def _tunnel(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    upstream_reader: asyncio.StreamReader,
    upstream_writer: asyncio.StreamWriter,
) -> None:
    """Relay bytes both ways until either side closes; then the tunnel is over."""
    loop = asyncio.get_running_loop()
    pumps = [
        loop.create_task(_pump(client_reader, upstream_writer)),
        loop.create_task(_pump(upstream_reader, client_writer)),
    ]
    try:
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
            await writer.drain()


async def _wait_closed(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
