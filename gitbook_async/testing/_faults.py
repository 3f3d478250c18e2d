"""Programmable faults: frozen values that answer a request in place of the normal API.

Every fault is a `Fault` subclass with one ``async respond(request, normal)`` method;
``normal`` is the fake API itself (rate limit, auth, routing), so a fault may answer alone,
wrap the normal answer, or rewrite it. Adding a kind means adding one small frozen dataclass
and one classmethod on `Fault`.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus

from aiohttp import web

from gitbook_async.testing._data import make_integration
from gitbook_async.testing._wire import (
    JSON_CONTENT_TYPE,
    PAGE_CURSOR_KEY,
    dumps,
    error_body,
    json_response,
)

NormalHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
"""The fake API's normal answer to a request (what a fault may call, wrap or ignore)."""

_Headers = tuple[tuple[str, str], ...]

_BODY_HEADERS = frozenset({"content-length", "content-type", "transfer-encoding"})
_BODYLESS = frozenset({204, 304})
_OVERSIZED_CHUNK_BYTES = 64 * 1024
_HTML_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class Fault(ABC):
    """A misbehaviour the fake server can be told to show (see ``FakeGitBook.inject``).

    Build faults with the classmethods (``Fault.status(503)``, ``Fault.reset()``, ...).
    To add a kind, subclass ``Fault`` as a frozen dataclass and implement `respond`.
    """

    __slots__ = ()

    @abstractmethod
    async def respond(self, request: web.Request, normal: NormalHandler) -> web.StreamResponse:
        """Answer ``request``; ``normal`` produces the answer the API would have given."""

    @classmethod
    def status(
        cls,
        status: int,
        *,
        body: object = None,
        headers: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Fault:
        """Answer with ``status``; the body defaults to GitBook's error JSON for that status.

        ``body`` may be ``bytes`` (sent as is), ``str`` (sent as UTF-8) or any JSON value;
        204 and 304 never carry one.

        Raises:
            ValueError: if ``status`` is not in 200..599.
            TypeError: if ``body`` is not JSON-serialisable.

        """
        _check_status(status, 200, 599)
        if status in _BODYLESS:
            raw = b""
        elif body is None:
            raw = error_body(status, _reason(status))
        elif isinstance(body, bytes):
            raw = body
        elif isinstance(body, str):
            raw = body.encode("utf-8")
        else:
            raw = dumps(body)
        return StatusFault(status, raw, _freeze(headers), _with_charset(content_type))

    @classmethod
    def html(cls, status: int = 502) -> Fault:
        """Answer with a proxy's HTML error page (``text/html``), as a load balancer would.

        Raises:
            ValueError: if ``status`` is not in 400..599.

        """
        _check_status(status, 400, 599)
        page = _HTML_PAGE.format(status=status, reason=_reason(status))
        return StatusFault(status, page.encode("utf-8"), (), "text/html; charset=utf-8")

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Sleep ``seconds`` before answering normally (for client timeout tests).

        The sleep is cancelled when the client disconnects or the server closes.

        Raises:
            ValueError: if ``seconds`` is negative or not finite.

        """
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"delay must be a finite number of seconds >= 0, got {seconds!r}")
        return DelayFault(seconds)

    @classmethod
    def reset(cls) -> Fault:
        """Send headers with a ``Content-Length`` and half of the body, then drop the connection."""
        return ResetFault()

    @classmethod
    def truncated_json(cls) -> Fault:
        """Answer 200 with the first half of the normal JSON body and a matching Content-Length."""
        return TruncatedJsonFault()

    @classmethod
    def oversized(cls, n_bytes: int, *, content_length: bool = True) -> Fault:
        """Answer 200 with a valid JSON listing of at least ``n_bytes``, streamed in chunks.

        With ``content_length=False`` the body is sent with chunked transfer encoding, so a
        client only finds out the size by reading.

        Raises:
            ValueError: if ``n_bytes`` is negative.

        """
        if n_bytes < 0:
            raise ValueError(f"n_bytes must be >= 0, got {n_bytes!r}")
        return OversizedFault(n_bytes, content_length)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Fault:
        """Answer with a redirect to ``location`` (absolute or relative URL).

        Raises:
            ValueError: if ``status`` is not in 300..399.

        """
        _check_status(status, 300, 399)
        return StatusFault(
            status,
            error_body(status, f"Moved to {location}"),
            (("Location", location),),
            JSON_CONTENT_TYPE,
        )

    @classmethod
    def payload(cls, body: object, *, status: int = 200) -> Fault:
        """Answer with exactly this JSON value (for schema-invalid or surprising payloads).

        Raises:
            ValueError: if ``status`` is not in 200..599.
            TypeError: if ``body`` is not JSON-serialisable.

        """
        _check_status(status, 200, 599)
        return StatusFault(status, dumps(body), (), JSON_CONTENT_TYPE)

    @classmethod
    def looping_cursor(cls) -> Fault:
        """Answer a listing normally, but with ``next.page`` pointing back at the same page.

        Non-listing answers (errors, blocks, scripts) pass through unchanged.
        """
        return LoopingCursorFault()

    @classmethod
    def rate_limit_headers(cls, limit: int, remaining: int, reset: int) -> Fault:
        """Answer normally, adding ``X-RateLimit-Limit/Remaining/Reset`` (reset: epoch seconds)."""
        return HeadersFault(
            (
                ("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", str(remaining)),
                ("X-RateLimit-Reset", str(reset)),
            )
        )


@dataclass(frozen=True)
class StatusFault(Fault):
    """Answer with a fixed status, body and headers, never reaching the API."""

    status_code: int
    body: bytes
    headers: _Headers
    content_type: str

    async def respond(self, request: web.Request, normal: NormalHandler) -> web.StreamResponse:
        """Send the canned answer."""
        response = web.Response(status=self.status_code, body=self.body, headers=self.headers)
        response.headers["Content-Type"] = self.content_type
        return response


@dataclass(frozen=True)
class DelayFault(Fault):
    """Sleep, then answer normally."""

    seconds: float

    async def respond(self, request: web.Request, normal: NormalHandler) -> web.StreamResponse:
        """Sleep (cancellable), then delegate to the API."""
        await asyncio.sleep(self.seconds)
        return await normal(request)


@dataclass(frozen=True)
class ResetFault(Fault):
    """Promise a body, send half of it, then abort the connection."""

    async def respond(self, request: web.Request, normal: NormalHandler) -> web.StreamResponse:
        """Write headers and half the normal body, then abort the transport."""
        body = await _body_of(await normal(request))
        response = web.StreamResponse(status=200)
        response.content_type = "application/json"
        response.charset = "utf-8"
        response.content_length = len(body)
        await response.prepare(request)
        await response.write(body[: len(body) // 2])
        transport = request.transport
        if transport is not None:
            # abort() drops only asyncio's unsent buffer; the half body already went to the
            # kernel (loopback sends it at once), so the client reads it and then EOF.
            transport.abort()
        return response  # aiohttp sees the closed transport and finishes quietly


@dataclass(frozen=True)
class TruncatedJsonFault(Fault):
    """Answer 200 with the normal body cut in half."""

    async def respond(self, request: web.Request, normal: NormalHandler) -> web.StreamResponse:
        """Cut the normal body in half; Content-Length matches what is sent."""
        body = await _body_of(await normal(request))
        return json_response(body[: len(body) // 2])


@dataclass(frozen=True)
class OversizedFault(Fault):
    """Stream a valid, huge listing."""

    n_bytes: int
    content_length: bool = True

    async def respond(self, request: web.Request, normal: NormalHandler) -> web.StreamResponse:
        """Stream ``{"items": [...], "count": n}`` of at least ``n_bytes`` in 64 KiB chunks."""
        item = _filler_item()
        count = max(1, math.ceil(self.n_bytes / (len(item) + 1)))
        head, tail = b'{"items":[', b'],"count":' + str(count).encode() + b"}"
        response = web.StreamResponse(status=200)
        response.content_type = "application/json"
        response.charset = "utf-8"
        if self.content_length:
            response.content_length = len(head) + count * (len(item) + 1) - 1 + len(tail)
        else:
            response.enable_chunked_encoding()
        await response.prepare(request)
        per_chunk = max(1, _OVERSIZED_CHUNK_BYTES // (len(item) + 1))
        await response.write(head)
        for start in range(0, count, per_chunk):
            n = min(per_chunk, count - start)
            chunk = b",".join([item] * n)
            await response.write(chunk if start == 0 else b"," + chunk)
        await response.write(tail)
        await response.write_eof()
        return response


@dataclass(frozen=True)
class LoopingCursorFault(Fault):
    """Make every listing page point at itself."""

    async def respond(self, request: web.Request, normal: NormalHandler) -> web.StreamResponse:
        """Replace ``next.page`` with the cursor of the page just served."""
        response = await normal(request)
        cursor = request.get(PAGE_CURSOR_KEY)
        if cursor is None or response.status != 200:
            return response
        data = json.loads(await _body_of(response))
        data["next"] = {"page": cursor}
        kept = {k: v for k, v in response.headers.items() if k.lower() not in _BODY_HEADERS}
        return json_response(dumps(data), headers=kept)


@dataclass(frozen=True)
class HeadersFault(Fault):
    """Answer normally with extra response headers."""

    headers: _Headers = field(default=())

    async def respond(self, request: web.Request, normal: NormalHandler) -> web.StreamResponse:
        """Add the headers to the normal answer."""
        response = await normal(request)
        response.headers.update(self.headers)
        return response


async def _body_of(response: web.StreamResponse) -> bytes:
    """Return the bytes of an unsent, in-memory response (all the fake API produces)."""
    if isinstance(response, web.Response) and isinstance(response.body, bytes):
        return response.body
    raise TypeError(f"cannot rewrite a streamed response: {response!r}")


@functools.lru_cache(maxsize=1)
def _filler_item() -> bytes:
    return dumps(make_integration("oversized-filler", title="Oversized filler"))


def _freeze(headers: Mapping[str, str] | None) -> _Headers:
    return tuple((headers or {}).items())


def _with_charset(content_type: str) -> str:
    if "charset=" in content_type or not (
        content_type.startswith("text/") or content_type.endswith("json")
    ):
        return content_type
    return f"{content_type}; charset=utf-8"


def _check_status(status: int, low: int, high: int) -> None:
    if not low <= status <= high:
        raise ValueError(f"status must be in {low}..{high}, got {status!r}")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a status Python has no name for, e.g. 599
        return "Error"
