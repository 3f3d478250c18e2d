"""The only aiohttp user: session ownership, one HTTP exchange, a capped read, the retry loop.

Each attempt becomes an outcome (``RawResponse`` or ``Failure``) and ``_sansio.decide()``
says what follows. aiohttp's exceptions are mapped to a ``FailureKind`` here and never
raised: their ``request_info`` repr includes the Authorization header.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Final

import aiohttp
import attrs
from yarl import URL

from gitbook_async import _urls
from gitbook_async._config import RetryPolicy
from gitbook_async._constants import MAX_REDIRECTS, READ_CHUNK_BYTES
from gitbook_async._errors import ClientClosedError, ConfigurationError, Headers
from gitbook_async._headers import RateLimit
from gitbook_async._ratelimit import RateLimiter, RateLimitFeedback, spend
from gitbook_async._sansio import (
    Done,
    Failure,
    FailureKind,
    Outcome,
    Raise,
    RawResponse,
    decide,
)
from gitbook_async._urls import redirect_refusal, same_origin

__all__ = ["Transport", "user_agent"]

logger = logging.getLogger("gitbook_async")

_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})


def user_agent(extra: str | None = None) -> str:
    """Build the User-Agent header: ours, with Python's and aiohttp's versions, then ``extra``."""
    return _urls.user_agent(extra, http_library=f"aiohttp {aiohttp.__version__}")


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
        rate_limiter: RateLimiter,
        budget_key: str,
    ) -> None:
        self.base_url = base_url
        self._headers = dict(headers)
        credentials = self._headers.get("Authorization", "").split(" ", 1)[-1]
        self._secrets = (credentials,) if credentials else ()
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.retry = retry
        self.rate_limit: RateLimit | None = None
        self._rate_limiter = rate_limiter
        self._budget_key = budget_key  # a hash of the origin and the token (issue 11)
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

    def check_open(self) -> None:
        """Raise ``ClientClosedError`` once ``aclose()`` was called (the one closed check)."""
        if self._closed:
            raise ClientClosedError(
                "this GitBookClient is closed; create a new one (or keep it open for the "
                "lifetime of your app)"
            )

    def _get_session(self) -> aiohttp.ClientSession:
        self.check_open()
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

    def ensure_open(self) -> None:
        """Create the owned session now (inside the running loop) if it does not exist yet."""
        self._get_session()

    async def aclose(self) -> None:
        """Close the owned session (a borrowed one stays open); idempotent."""
        if self._closed:
            return
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()

    async def get_json(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        endpoint: str,
        timeout: aiohttp.ClientTimeout | None = None,
        max_retries: int | None = None,
        fast_decode: Callable[[bytes], Any] | None = None,
    ) -> Any:
        """GET ``path`` and return its decoded JSON, retrying what ``decide()`` calls transient.

        Holds one of the ``max_concurrency`` in-flight slots per attempt (not while waiting).
        ``fast_decode`` (issue 12) is offered the raw body of a 2xx JSON response first: what
        it returns (not None) is returned as it is; None means it refuses the body, which is
        then decided exactly as without it (strict decoding, a retry for a cut-short body).

        Raises:
            GitBookError: the typed error ``decide()`` chose (docs/errors.md has the table).
            RateLimitError: the rate budget allows this request only after more than
                ``RetryPolicy.max_wait`` seconds (nothing was sent).
            RateLimiterUnavailableError: the rate limiter's store cannot be reached.
            ConfigurationError: the client is used from another event loop.
            ClientClosedError: the client is closed.

        """
        self._get_session()  # fail fast when closed or on another loop, before any waiting
        policy = (
            self.retry if max_retries is None else attrs.evolve(self.retry, max_retries=max_retries)
        )
        attempt = 0
        while True:
            attempt += 1
            outcome = await spend(
                self._rate_limiter,
                self._budget_key,
                functools.partial(self.send, path, params, timeout=timeout, attempt=attempt),
                slots=self._slots(),
                max_wait=policy.max_wait,
                feedback=self._after_response,
                url=self.base_url + path,
            )
            if fast_decode is not None and isinstance(outcome, RawResponse) and _json_body(outcome):
                value = fast_decode(outcome.body)
                if value is not None:
                    return value
            decision = decide(outcome, attempt, policy, endpoint=endpoint, secrets=self._secrets)
            if isinstance(decision, Done):
                return decision.value
            if isinstance(decision, Raise):
                raise decision.error
            logger.warning(
                "GET %s failed (%s); retry %d of %d in %.2f s",
                path,
                decision.reason,
                attempt,
                policy.max_retries,
                decision.delay,
            )
            await asyncio.sleep(decision.delay)

    def _after_response(self, outcome: Outcome) -> RateLimitFeedback | None:
        """Keep the rate-limit state a response reported; tell the budget what it said."""
        if not isinstance(outcome, RawResponse):
            return None  # no answer: the request still counts against the budget
        if outcome.hints.rate_limit is not None:
            self.rate_limit = outcome.hints.rate_limit
        return RateLimitFeedback.from_hints(outcome.status, outcome.hints)

    def _slots(self) -> asyncio.Semaphore:
        if self._in_flight is None:
            self._in_flight = asyncio.Semaphore(self._max_concurrency)
        return self._in_flight

    async def send(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        timeout: aiohttp.ClientTimeout | None = None,
        attempt: int = 1,
    ) -> Outcome:
        """Send one GET (following safe redirects) and read its whole body, capped.

        Returns the response, or the ``Failure`` that stopped it; never an aiohttp error.

        Raises:
            ClientClosedError: the client is closed.

        """
        session = self._get_session()
        url = self.base_url + path
        started = time.perf_counter()
        try:
            outcome = await self._exchange(session, url, params, timeout or self.timeout)
        except (asyncio.TimeoutError, aiohttp.ClientError, ValueError, OSError) as exc:
            elapsed = time.perf_counter() - started
            outcome = _failure(exc, url, elapsed)
        if isinstance(outcome, RawResponse):
            elapsed_ms = (time.perf_counter() - started) * 1000
            logger.debug(
                "GET %s -> %d (attempt %d, %.1f ms)", path, outcome.status, attempt, elapsed_ms
            )
        return outcome

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        url: str,
        params: Mapping[str, str] | None,
        timeout: aiohttp.ClientTimeout,
    ) -> Outcome:
        target: str | URL = url
        headers = self._headers
        for _ in range(MAX_REDIRECTS + 1):
            async with session.get(
                target, params=params, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                location = response.headers.get("Location")
                if response.status not in _REDIRECTS or location is None:
                    return await self._read(response, url)
                target = response.url.join(URL(location))
            refusal = redirect_refusal(self.base_url, str(target))
            if refusal is not None:
                return Failure(kind=FailureKind.REDIRECT, detail=refusal, url=url)
            if not same_origin(self.base_url, str(target)):
                # Never send the token to another origin (aiohttp's own rule, kept by hand).
                headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            params = None  # the Location carries its own query
        return Failure(
            kind=FailureKind.REDIRECT, detail=f"more than {MAX_REDIRECTS} redirects", url=url
        )

    async def _read(self, response: aiohttp.ClientResponse, url: str) -> Outcome:
        cap = self.max_response_bytes
        declared = response.content_length
        if declared is not None and declared > cap:
            return _too_large(url, cap, f"Content-Length is {declared} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(READ_CHUNK_BYTES):
            size += len(chunk)
            if size > cap:
                return _too_large(url, cap, "the body kept going past it")
            chunks.append(chunk)
        return RawResponse.build(
            url=str(response.url),
            status=response.status,
            headers=Headers(response.headers.items()),
            body=b"".join(chunks),
            now=time.time(),
        )


def _json_body(outcome: RawResponse) -> bool:
    """Whether ``decide()`` would decode this body as JSON (a 2xx, JSON or no content type)."""
    if not 200 <= outcome.status < 300:
        return False
    content_type = outcome.content_type
    return not content_type or "json" in content_type  # decode_json's content-type rule


def _too_large(url: str, cap: int, detail: str) -> Failure:
    return Failure(
        kind=FailureKind.TOO_LARGE, detail=f"over max_response_bytes={cap}: {detail}", url=url
    )


def _failure(exc: BaseException, url: str, elapsed: float) -> Failure:
    """Map an aiohttp/OS exception to a Failure. str() of aiohttp errors holds no headers."""
    kind, detail = _classify(exc)
    if kind is FailureKind.TIMEOUT:
        detail = f"after {elapsed:.1f} s"
    return Failure(kind=kind, detail=detail, url=url)


def _classify(exc: BaseException) -> tuple[FailureKind, str]:
    name = type(exc).__name__
    text = f"{name}: {exc}" if str(exc) else name
    if isinstance(exc, asyncio.TimeoutError):
        return FailureKind.TIMEOUT, text
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return FailureKind.DNS, f"{exc.host}: {exc.os_error.strerror or exc.os_error}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        error = exc.certificate_error
        reason = getattr(error, "verify_message", None) or str(error)
        return FailureKind.TLS, f"certificate of {exc.host} not accepted: {reason}"
    if isinstance(exc, aiohttp.ClientSSLError):
        return FailureKind.TLS, f"{exc.host}: {exc.os_error}"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return FailureKind.CUT_SHORT, text
    if isinstance(exc, (aiohttp.TooManyRedirects, aiohttp.RedirectClientError)):
        return FailureKind.REDIRECT, name  # str() of TooManyRedirects is the request URL
    if isinstance(exc, (ValueError, aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        return FailureKind.INVALID_REQUEST, name
    return FailureKind.CONNECTION, text
