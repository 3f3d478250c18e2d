"""The only aiohttp user: session ownership, one HTTP exchange, a capped body read.

Every aiohttp and OS exception is mapped to our hierarchy here, ``from None``: aiohttp's
exceptions carry ``request_info`` whose repr includes the Authorization header.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy

from gitbook_async._config import RETRY_STATUSES, RateLimit, RetryPolicy, requested_wait
from gitbook_async._constants import READ_CHUNK_BYTES
from gitbook_async._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    ConfigurationError,
    GitBookError,
    RateLimitError,
    ResponseTooLargeError,
    ResponseValidationError,
)
from gitbook_async._sansio import (
    RawResponse,
    decode_json,
    error_from_response,
    is_malformed_json,
)

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
        max_concurrency: int,
        retry: RetryPolicy,
    ) -> None:
        self.base_url = base_url
        self._headers = dict(headers)
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.retry = retry
        self.rate_limit: RateLimit | None = None
        self._session = session
        self._owns_session = session is None
        self._max_concurrency = max_concurrency
        self._in_flight: asyncio.Semaphore | None = None
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
            # In-flight requests are capped by a semaphore of the same size, so no request
            # ever burns its timeout waiting for a pooled connection.
            connector = aiohttp.TCPConnector(
                limit=self._max_concurrency, limit_per_host=self._max_concurrency
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

    async def get_json(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        endpoint: str,
        timeout: aiohttp.ClientTimeout | None = None,
        max_retries: int | None = None,
    ) -> Any:
        """GET ``path`` and return its decoded JSON, retrying transient failures.

        Waits first while the shared rate limit is exhausted, and holds one of the
        ``max_concurrency`` in-flight slots per attempt (not while backing off).

        Raises:
            APIStatusError: an error status (after retries for 408/429/5xx).
            APIConnectionError: a transport failure or timeout, after retries.
            ResponseValidationError: the body is not JSON, after retries.
            RateLimitError: the server asks for a wait longer than ``RetryPolicy.max_wait``.

        """
        self._get_session()  # fail fast when closed or on another loop, before any waiting
        retries = self.retry.max_retries if max_retries is None else max_retries
        attempt = 0
        while True:
            attempt += 1
            await self._wait_for_rate_limit(path)
            try:
                async with self._slots():
                    response = await self.send(path, params, timeout=timeout, attempt=attempt)
                self._record_rate_limit(response)
                if 200 <= response.status < 300:
                    return decode_json(response, endpoint=endpoint)
                raise error_from_response(response)
            except GitBookError as exc:
                delay = self._retry_delay(exc, attempt, retries)
                if delay is None:
                    raise
                logger.warning(
                    "GET %s failed (%s); retry %d of %d in %.2f s",
                    path,
                    _reason(exc),
                    attempt,
                    retries,
                    delay,
                )
                await asyncio.sleep(delay)

    def _retry_delay(self, exc: GitBookError, attempt: int, retries: int) -> float | None:
        """Seconds to wait before retrying after ``exc``, or None to give up and raise."""
        server_wait: float | None = None
        if isinstance(exc, APIStatusError):
            if exc.status not in RETRY_STATUSES:
                return None
            server_wait = requested_wait(exc.headers, time.time())
            too_long = server_wait is not None and server_wait > self.retry.max_wait
            if too_long and isinstance(exc, RateLimitError):
                return None  # raise now, with retry_after: the caller decides when to retry
        elif isinstance(exc, ResponseTooLargeError):
            return None
        elif isinstance(exc, ResponseValidationError):
            # A body cut short on the way is worth another try; a schema mismatch is not.
            if not is_malformed_json(exc):
                return None
        elif not isinstance(exc, APIConnectionError):
            return None
        if attempt > retries:
            return None
        backoff = self.retry.backoff(attempt)
        return backoff if server_wait is None else min(server_wait, self.retry.max_wait)

    async def _wait_for_rate_limit(self, path: str) -> None:
        state = self.rate_limit
        if state is None:
            return
        wait = state.wait_seconds(time.time())
        if wait <= 0:
            return
        if wait > self.retry.max_wait:
            error = RateLimitError(
                f"rate limit exhausted until {state.reset:.0f} (epoch seconds), {wait:.0f} s "
                f"from now, longer than RetryPolicy.max_wait={self.retry.max_wait:g} s; retry "
                "later",
                status=429,
                url=self.base_url + path,
            )
            error.retry_after = wait
            raise error
        logger.warning(
            "rate limit exhausted; waiting %.2f s for the reset before GET %s", wait, path
        )
        await asyncio.sleep(wait)

    def _record_rate_limit(self, response: RawResponse) -> None:
        state = RateLimit.from_headers(response.headers)
        if state is not None:
            self.rate_limit = state

    def _slots(self) -> asyncio.Semaphore:
        if self._in_flight is None:
            self._in_flight = asyncio.Semaphore(self._max_concurrency)
        return self._in_flight

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
        failure: APIConnectionError | None = None
        try:
            raw = await self._exchange(session, url, params, timeout or self.timeout)
        except asyncio.TimeoutError:
            elapsed = time.perf_counter() - started
            failure = APITimeoutError(
                f"GET {url} timed out after {elapsed:.1f} s; raise timeout= if the server is "
                "slow, or check the network",
                url=url,
            )
        except aiohttp.ClientError as exc:
            failure = APIConnectionError(
                f"GET {url} failed: {_describe(exc)}. Check the network and base_url.", url=url
            )
        except OSError as exc:  # pragma: no cover - aiohttp wraps these, kept as a safety net
            failure = APIConnectionError(f"GET {url} failed: {exc}", url=url)
        if failure is not None:
            # Raised outside the except block so that not even __context__ refers to aiohttp's
            # exception, whose repr can include the request headers (the token).
            raise failure
        logger.debug(
            "GET %s -> %d (attempt %d, %.1f ms)",
            path,
            raw.status,
            attempt,
            (time.perf_counter() - started) * 1000,
        )
        return raw

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        url: str,
        params: Mapping[str, str],
        timeout: aiohttp.ClientTimeout,
    ) -> RawResponse:
        async with session.get(
            url, params=params, headers=self._headers, timeout=timeout
        ) as response:
            body = await self._read_body(response, url)
            return RawResponse(
                method="GET",
                url=str(response.url),
                status=response.status,
                headers=CIMultiDictProxy(response.headers.copy()),
                body=body,
            )

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


def _reason(exc: GitBookError) -> str:
    if isinstance(exc, APIStatusError):
        return f"HTTP {exc.status}"
    return type(exc).__name__


def _describe(exc: aiohttp.ClientError) -> str:
    # str() of aiohttp errors never includes request headers (repr() of some does).
    text = str(exc)
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
