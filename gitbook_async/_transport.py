"""The only aiohttp user: the session, one HTTP exchange, a capped read, the retry loop.

Each attempt becomes an outcome (``RawResponse`` or ``Failure``) and ``_sansio.decide()``,
given the call's decoder, says what follows: the decoded value, a retry or an error.
aiohttp's exceptions are mapped to a ``FailureKind`` here and never raised: their
``request_info`` repr includes the Authorization header.

The transport holds no lifecycle state of its own: the ``GitBookClient`` that owns it
decides whether a call may start, and closes the session through ``aclose()``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl as ssl_module
import time
from collections.abc import Iterable, Mapping
from typing import Final, TypedDict, TypeVar

import aiohttp
from yarl import URL

from gitbook_async import _urls
from gitbook_async._call import Call, retried_error
from gitbook_async._config import RetryPolicy
from gitbook_async._constants import LOGGER_NAME, MAX_REDIRECTS, READ_CHUNK_BYTES
from gitbook_async._errors import (
    ClientClosedError,
    ConfigurationError,
    Headers,
    RateLimitError,
)
from gitbook_async._events import EventHooks, RequestEvent, ResponseEvent, RetryEvent, emit
from gitbook_async._failures import failure_of, too_large
from gitbook_async._headers import RateLimit
from gitbook_async._options import CallOptions, Pairs, Request
from gitbook_async._proxy import ProxySetting
from gitbook_async._ratelimit import RateLimiter, RateLimitFeedback, spend
from gitbook_async._response import Response
from gitbook_async._sansio import (
    Done,
    Failure,
    FailureKind,
    Outcome,
    Raise,
    RawResponse,
    Retry,
    decide,
    redacted_headers,
)
from gitbook_async._urls import redirect_refusal, same_origin

__all__ = ["Transport", "user_agent"]

logger = logging.getLogger(LOGGER_NAME)

T = TypeVar("T")

_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})

SSLSetting = ssl_module.SSLContext | bool
"""What aiohttp's ``ssl=`` takes here: a context, or True for the default checks."""


def user_agent(extra: str | None = None) -> str:
    """Build the User-Agent header: ours, with Python's and aiohttp's versions, then ``extra``."""
    return _urls.user_agent(extra, http_library=f"aiohttp {aiohttp.__version__}")


class _RequestSettings(TypedDict):
    """What every request of a transport sets itself (``session.get()`` keywords)."""

    allow_redirects: bool
    raise_for_status: bool
    auto_decompress: bool
    ssl: SSLSetting
    proxy: URL | None


class Transport:
    """Sends GET requests to one API origin with one (owned or borrowed) aiohttp session.

    Clients made by ``GitBookClient.with_options()`` share it: one pool, one in-flight
    limit, one rate budget.
    """

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str],
        secrets: Iterable[str],
        max_response_bytes: int,
        session: aiohttp.ClientSession | None,
        max_concurrency: int,
        retry: RetryPolicy,
        rate_limiter: RateLimiter,
        budget_key: str,
        proxy: ProxySetting | None = None,
        ssl: SSLSetting = True,
        trace_configs: tuple[aiohttp.TraceConfig, ...] = (),
        hooks: EventHooks | None = None,
    ) -> None:
        self.base_url = base_url
        self._headers = dict(headers)
        self._secrets = tuple(s for s in secrets if s)
        self.max_response_bytes = max_response_bytes
        self.retry = retry
        self.rate_limit: RateLimit | None = None
        self._rate_limiter = rate_limiter
        self._budget_key = budget_key  # a hash of the origin and the token
        self._session = session
        self._owns_session = session is None
        self._released = False  # aclose() ran: a session is never created again
        self._max_concurrency = max_concurrency
        self._in_flight: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.proxy = proxy
        # Set per request, so a borrowed session's settings (raise_for_status,
        # auto_decompress, its own proxy) never change what a response means.
        self._settings = _RequestSettings(
            allow_redirects=False,
            raise_for_status=False,
            auto_decompress=True,
            ssl=ssl,
            proxy=None if proxy is None else proxy.url,
        )
        self._trace_configs = trace_configs
        self._hooks = hooks or EventHooks()

    @property
    def secrets(self) -> tuple[str, ...]:
        """Texts redacted from everything the client shows: the token, proxy credentials."""
        return self._secrets

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers every request carries (the token among them): never shown."""
        return self._headers

    def session(self) -> aiohttp.ClientSession:
        """Return the session, creating the owned one inside the running loop on first use.

        Raises:
            ConfigurationError: used from another event loop than the first call's.
            ClientClosedError: the borrowed session is closed.

        """
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            raise ConfigurationError(
                "this GitBookClient is bound to another event loop; create one client per loop "
                "(e.g. in your app's startup/lifespan)"
            )
        if self._released:
            raise ClientClosedError(
                "the GitBookClient was closed while this call was in flight; keep the client "
                "open until its calls are done"
            )
        if self._session is None:
            # In-flight requests are capped by a semaphore of the same size, so no request
            # ever burns its timeout waiting for a pooled connection.
            connector = aiohttp.TCPConnector(
                limit=self._max_concurrency, limit_per_host=self._max_concurrency
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                raise_for_status=False,
                trace_configs=list(self._trace_configs) or None,
            )
        elif self._session.closed:
            raise ClientClosedError(
                "the aiohttp session passed as session= is closed; keep it open while the "
                "GitBookClient is in use"
            )
        return self._session

    async def aclose(self) -> None:
        """Close the owned session (a borrowed one stays open); idempotent.

        A call still in flight (say, waiting to retry) then fails with ``ClientClosedError``
        at its next attempt: no session is created again.
        """
        self._released = True
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()

    async def request(self, request: Request[T], options: CallOptions) -> Response[T]:
        """Send ``request`` and return what its decoder made of the body, with the metadata.

        ``options`` are the request's options merged with the client's defaults (every
        field set but ``deadline``).
        Retries what ``decide()`` calls transient; holds one of the ``max_concurrency``
        in-flight slots per attempt (not while waiting).

        Raises:
            GitBookError: the typed error ``decide()`` chose (docs/errors.md has the table).
            APITimeoutError: the call's ``deadline`` passed (naming the attempts made).
            RateLimitError: the rate budget allows this request only after more than
                ``RetryPolicy.max_wait`` seconds (nothing was sent).
            RateLimiterUnavailableError: the rate limiter's store cannot be reached.
            ConfigurationError: the client is used from another event loop.

        """
        self.session()  # fail fast on another loop, before any waiting
        call = Call(self, request.path, request.params, options)
        while True:
            attempt = call.next_attempt()
            try:
                outcome = await spend(
                    self._rate_limiter,
                    self._budget_key,
                    functools.partial(self._attempt, call, attempt),
                    slots=self._slots(),
                    max_wait=call.max_wait(),
                    feedback=self._after_response,
                    url=call.url,
                )
            except RateLimitError as error:
                raise call.budget_error(error) from None
            decision = decide(
                outcome,
                attempt,
                call.policy,
                endpoint=request.endpoint,
                decode=request.decode,
                secrets=self._secrets,
            )
            if isinstance(decision, Done):
                assert isinstance(outcome, RawResponse)
                return Response(value=decision.value, metadata=call.metadata(outcome))
            if isinstance(decision, Raise):
                # This frame must not hold what it raises (nor the body): the error's
                # traceback holds the frame, so a local would put both in a reference cycle.
                # The error leaves the one-item list as it is raised.
                raised = [call.final_error(outcome, decision.error)]
                del decision, outcome
                raise raised.pop()
            await self._wait_to_retry(call, attempt, decision, outcome)

    async def _wait_to_retry(
        self, call: Call, attempt: int, decision: Retry, outcome: Outcome
    ) -> None:
        """Log, tell the retry hooks, and sleep before the next attempt of ``call``."""
        call.check_deadline(decision.delay, decision.reason)
        if self._hooks.retry:
            error = retried_error(outcome, self._secrets)
            event = RetryEvent(
                url=call.shown_url,
                attempt=attempt,
                delay=decision.delay,
                reason=decision.reason,
                error=error,
            )
            await emit(self._hooks.retry, event)
        logger.info(
            "GET %s failed (%s); retry %d of %d in %.2f s",
            call.logged,
            decision.reason,
            attempt,
            call.policy.max_retries,
            decision.delay,
        )
        await asyncio.sleep(decision.delay)

    def _after_response(self, outcome: Outcome) -> RateLimitFeedback | None:
        """Tell the budget what a response said (None: no answer, the request still counts)."""
        if not isinstance(outcome, RawResponse):
            return None
        if outcome.hints.rate_limit is not None:
            self.rate_limit = outcome.hints.rate_limit
        return RateLimitFeedback.from_hints(outcome.status, outcome.hints)

    def _slots(self) -> asyncio.Semaphore:
        if self._in_flight is None:
            self._in_flight = asyncio.Semaphore(self._max_concurrency)
        return self._in_flight

    async def _attempt(self, call: Call, attempt: int) -> Outcome:
        """Send one attempt of ``call``, telling the request and response hooks."""
        call.check_time_left()  # it may have waited for one of the in-flight slots
        call.attempts = attempt  # counted once it is sent, not while it waits for the budget
        if self._hooks.request:
            await emit(self._hooks.request, RequestEvent(url=call.shown_url, attempt=attempt))
        outcome = await self.send(
            call.url, call.query, headers=call.headers, timeout=call.timeout()
        )
        if isinstance(outcome, RawResponse):
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "GET %s -> %d (attempt %d, %.1f ms)",
                    call.logged,
                    outcome.status,
                    attempt,
                    outcome.elapsed * 1000,
                )
            if self._hooks.response:
                event = ResponseEvent(
                    url=call.shown_url,
                    attempt=attempt,
                    status=outcome.status,
                    headers=outcome.headers,
                    elapsed=outcome.elapsed,
                    rate_limit=outcome.hints.rate_limit,
                )
                await emit(self._hooks.response, event)
        return outcome

    async def send(
        self,
        url: str,
        query: Pairs,
        *,
        headers: Mapping[str, str],
        timeout: aiohttp.ClientTimeout,
    ) -> Outcome:
        """Send one GET (following safe redirects) and read its whole body, capped.

        Returns the response, or the ``Failure`` that stopped it; never an aiohttp error.
        """
        session = self.session()
        started = time.perf_counter()
        try:
            outcome = await self._exchange(session, url, query, headers, timeout, started)
        except (
            asyncio.TimeoutError,
            asyncio.IncompleteReadError,
            aiohttp.ClientError,
            ValueError,
            OSError,
        ) as exc:
            outcome = failure_of(exc, url, time.perf_counter() - started, self.proxy)
        except RuntimeError:
            if not session.closed:
                raise
            raise ClientClosedError(
                "the GitBookClient was closed while this request was in flight"
            ) from None
        return outcome

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        url: str,
        query: Pairs | None,
        headers: Mapping[str, str],
        timeout: aiohttp.ClientTimeout,
        started: float,
    ) -> Outcome:
        target: str | URL = url
        for _ in range(MAX_REDIRECTS + 1):
            sent_headers, proxy_headers = self._proxy_headers(target, headers)
            async with session.get(
                target,
                params=query,
                headers=sent_headers,
                timeout=timeout,
                proxy_headers=proxy_headers,
                **self._settings,
            ) as response:
                location = response.headers.get("Location")
                if response.status not in _REDIRECTS or location is None:
                    return await self._read(response, url, started)
                target = response.url.join(URL(location))
            refusal = redirect_refusal(self.base_url, str(target))
            if refusal is not None:
                return Failure(kind=FailureKind.REDIRECT, detail=refusal, url=url)
            if not same_origin(self.base_url, str(target)):
                # Never send the token to another origin (aiohttp's own rule, kept by hand).
                headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            query = None  # the Location carries its own query
        return Failure(
            kind=FailureKind.REDIRECT, detail=f"more than {MAX_REDIRECTS} redirects", url=url
        )

    def _proxy_headers(
        self, target: str | URL, headers: Mapping[str, str]
    ) -> tuple[Mapping[str, str], dict[str, str] | None]:
        """Return the request's headers and ``proxy_headers=``, with the proxy credentials.

        aiohttp sends ``proxy_headers`` only with a CONNECT (https targets): to a plain-http
        target the proxy reads ``Proxy-Authorization`` from the request itself, which it
        does not forward. Inside a tunnel it would reach the API, so it never goes there.
        """
        authorization = None if self.proxy is None else self.proxy.authorization
        if authorization is None:
            return headers, None
        if URL(target).scheme == "http":
            return {**headers, "Proxy-Authorization": authorization}, None
        return headers, {"Proxy-Authorization": authorization}  # fresh: aiohttp mutates it

    async def _read(self, response: aiohttp.ClientResponse, url: str, started: float) -> Outcome:
        cap = self.max_response_bytes
        declared = response.content_length
        if declared is not None and declared > cap:
            return too_large(url, cap, f"Content-Length is {declared} bytes")
        if declared is not None and "Content-Encoding" not in response.headers:
            # A known, uncompressed length: one read, no chunk list, no join.
            body = await response.content.readexactly(declared) if declared else b""
        else:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.content.iter_chunked(READ_CHUNK_BYTES):
                size += len(chunk)
                if size > cap:
                    return too_large(url, cap, "the body kept going past it")
                chunks.append(chunk)
            body = b"".join(chunks)
        return RawResponse.build(
            url=str(response.url),
            status=response.status,
            headers=redacted_headers(Headers(response.headers.items()), self._secrets),
            body=body,
            now=time.time(),
            elapsed=time.perf_counter() - started,
        )
