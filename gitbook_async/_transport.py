"""The only aiohttp user: session ownership, one HTTP exchange, a capped body read.

Every aiohttp and OS exception is mapped to our hierarchy here, ``from None``: aiohttp's
exceptions carry ``request_info`` whose repr includes the Authorization header.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping

import aiohttp
from multidict import CIMultiDictProxy

from gitbook_async._constants import READ_CHUNK_BYTES
from gitbook_async._errors import (
    APIConnectionError,
    APITimeoutError,
    ClientClosedError,
    ConfigurationError,
    ResponseTooLargeError,
)
from gitbook_async._sansio import RawResponse

__all__ = ["Transport"]

logger = logging.getLogger("gitbook_async")


class Transport:
    """Sends GET requests to one API origin with one (owned or borrowed) aiohttp session."""

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str],
        timeout: aiohttp.ClientTimeout,
        max_response_bytes: int,
        session: aiohttp.ClientSession | None,
        connection_limit: int,
    ) -> None:
        self.base_url = base_url
        self._headers = dict(headers)
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self._session = session
        self._owns_session = session is None
        self._connection_limit = connection_limit
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether ``aclose()`` was called."""
        return self._closed

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("this GitBookClient is closed; create a new client")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            raise ConfigurationError(
                "this GitBookClient is bound to another event loop; create one client per loop "
                "(e.g. in your app's startup/lifespan)"
            )
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._connection_limit, limit_per_host=self._connection_limit
            )
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self.timeout, raise_for_status=False
            )
        elif self._session.closed:
            raise ClientClosedError(
                "the aiohttp session passed as session= is closed; keep it open while the "
                "GitBookClient is in use"
            )
        return self._session

    def ensure_open(self) -> None:
        """Create the owned session now (inside the running loop) if it does not exist yet."""
        self._get_session()

    async def send(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        timeout: aiohttp.ClientTimeout | None = None,
        attempt: int = 1,
    ) -> RawResponse:
        """Send one GET and read its whole body (at most ``max_response_bytes``).

        Raises:
            APITimeoutError: the timeout expired.
            ResponseTooLargeError: the body is over the cap.
            APIConnectionError: any other transport failure.
            ClientClosedError: the client is closed.

        """
        session = self._get_session()
        url = self.base_url + path
        started = time.perf_counter()
        try:
            async with session.get(
                url,
                params=params,
                headers=self._headers,
                timeout=timeout or self.timeout,
            ) as response:
                body = await self._read_body(response, url)
                raw = RawResponse(
                    method="GET",
                    url=str(response.url),
                    status=response.status,
                    headers=CIMultiDictProxy(response.headers.copy()),
                    body=body,
                )
        except asyncio.TimeoutError:
            elapsed = time.perf_counter() - started
            raise APITimeoutError(
                f"GET {url} timed out after {elapsed:.1f} s; raise timeout= if the server is "
                "slow, or check the network",
                url=url,
            ) from None
        except aiohttp.ClientError as exc:
            raise APIConnectionError(
                f"GET {url} failed: {_describe(exc)}. Check the network and base_url.", url=url
            ) from None
        except OSError as exc:  # pragma: no cover - aiohttp wraps these, kept as a safety net
            raise APIConnectionError(f"GET {url} failed: {exc}", url=url) from None
        logger.debug(
            "GET %s -> %d (attempt %d, %.1f ms)",
            path,
            raw.status,
            attempt,
            (time.perf_counter() - started) * 1000,
        )
        return raw

    async def _read_body(self, response: aiohttp.ClientResponse, url: str) -> bytes:
        cap = self.max_response_bytes
        declared = response.content_length
        if declared is not None and declared > cap:
            raise _too_large(url, cap, f"Content-Length is {declared} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(READ_CHUNK_BYTES):
            size += len(chunk)
            if size > cap:
                raise _too_large(url, cap, "the body kept going past it")
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        """Close the owned session (a borrowed one stays open); idempotent."""
        if self._closed:
            return
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()


def _too_large(url: str, cap: int, detail: str) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"GET {url}: response body is larger than max_response_bytes={cap} ({detail}); "
        "raise max_response_bytes or use a smaller page size (limit=)",
        url=url,
    )


def _describe(exc: aiohttp.ClientError) -> str:
    # str() of aiohttp errors never includes request headers (repr() of some does).
    text = str(exc)
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
