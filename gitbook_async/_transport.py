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
import attrs
from yarl import URL

from gitbook_async import _urls
from gitbook_async._body import BadBody, redact
from gitbook_async._config import RetryPolicy
from gitbook_async._constants import LOGGER_NAME, MAX_REDIRECTS, READ_CHUNK_BYTES
from gitbook_async._errors import (
    APITimeoutError,
    ClientClosedError,
    ConfigurationError,
    GitBookError,
    Headers,
    RateLimitError,
)
from gitbook_async._events import EventHooks, RequestEvent, ResponseEvent, RetryEvent, emit
from gitbook_async._headers import RateLimit
from gitbook_async._options import CallOptions, Pairs, Request
from gitbook_async._ratelimit import RateLimiter, RateLimitFeedback, spend
from gitbook_async._response import Response, ResponseMetadata
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
    status_error,
)
from gitbook_async._urls import redirect_refusal, same_origin

__all__ = ["ProxySetting", "Transport", "user_agent"]

logger = logging.getLogger(LOGGER_NAME)

T = TypeVar("T")

_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})

SSLSetting = ssl_module.SSLContext | bool
"""What aiohttp's ``ssl=`` takes here: a context, or True for the default checks."""


def user_agent(extra: str | None = None) -> str:
    """Build the User-Agent header: ours, with Python's and aiohttp's versions, then ``extra``."""
    return _urls.user_agent(extra, http_library=f"aiohttp {aiohttp.__version__}")


@attrs.frozen(kw_only=True, repr=False)
class ProxySetting:
    """The proxy every request of a client goes through, resolved once.

    Attributes:
        url: The proxy URL without credentials.
        authorization: The ``Proxy-Authorization`` value (``"Basic ..."``, UTF-8), or None.
        password: The proxy's password ("" without one), kept only to be redacted.
        source: Where it came from, for messages (``"proxy="`` or ``"$HTTPS_PROXY"``).

    The credentials are sent as a header, not as aiohttp's ``proxy_auth=``/``BasicAuth``
    (deprecated since aiohttp 3.14: a ``DeprecationWarning`` on every request).
    """

    url: URL
    authorization: str | None
    password: str = ""
    source: str

    @classmethod
    def resolve(cls, proxy: str | None, *, trust_env: bool, base_url: str) -> ProxySetting | None:
        """Return the proxy for ``base_url``: ``proxy`` if given, else the environment's.

        With ``trust_env``, ``$HTTP_PROXY``/``$HTTPS_PROXY`` (and ``.netrc`` credentials for
        the proxy) apply unless ``$NO_PROXY`` names the host, as aiohttp reads them (it
        ignores ``$ALL_PROXY`` and ``https://`` proxy URLs there); the environment is read
        once, here.

        Raises:
            ConfigurationError: ``proxy`` is not an http(s) URL with a host.

        """
        if proxy is not None:
            if not isinstance(proxy, str):
                raise ConfigurationError("proxy must be a URL string such as http://host:3128")
            try:
                parsed = URL(proxy)
            except (ValueError, TypeError):
                raise ConfigurationError("proxy is not a valid URL") from None
            if parsed.scheme not in ("http", "https") or not parsed.host:
                raise ConfigurationError(
                    "proxy must be an http:// or https:// URL with a host, such as "
                    "http://proxy.example:3128 (credentials as http://user:pass@host:port)"
                )
            if parsed.user is None:
                return cls(url=parsed.with_user(None), authorization=None, source="proxy=")
            return cls._with_credentials(
                parsed.with_user(None), parsed.user, parsed.password or "", source="proxy="
            )
        if not trust_env:
            return None
        target = URL(base_url)
        try:
            url, auth = aiohttp.helpers.get_env_proxy_for_url(target)
        except LookupError:
            return None
        source = f"${target.scheme.upper()}_PROXY"
        if auth is None:
            return cls(url=url.with_user(None), authorization=None, source=source)
        return cls._with_credentials(url.with_user(None), auth.login, auth.password, source=source)

    @classmethod
    def _with_credentials(cls, url: URL, user: str, password: str, *, source: str) -> ProxySetting:
        try:
            authorization = aiohttp.encode_basic_auth(user, password)
        except ValueError:  # a ":" in the user name (never echoed: it may be a secret)
            raise ConfigurationError(
                f"the proxy user name ({source}) must not contain ':'"
            ) from None
        return cls(url=url, authorization=authorization, password=password, source=source)

    def secrets(self) -> tuple[str, ...]:
        """Return the proxy's credentials, to redact from every text the client shows."""
        if self.authorization is None:
            return ()
        encoded = self.authorization.split(" ", 1)[1]
        return tuple(s for s in (self.password, encoded) if s)

    def __str__(self) -> str:
        return f"{self.url} (from {self.source})"

    def __repr__(self) -> str:
        return f"<ProxySetting {self}>"


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
        """Close the owned session (a borrowed one stays open); idempotent."""
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
        call = _Call(self, request.path, request.params, options)
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
        self, call: _Call, attempt: int, decision: Retry, outcome: Outcome
    ) -> None:
        """Log, tell the retry hooks, and sleep before the next attempt of ``call``."""
        call.check_deadline(decision.delay, decision.reason)
        if self._hooks.retry:
            error = _error_of(outcome, self._secrets)
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

    async def _attempt(self, call: _Call, attempt: int) -> Outcome:
        """Send one attempt of ``call``, telling the request and response hooks."""
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
            outcome = _failure(exc, url, time.perf_counter() - started, self.proxy)
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
            return _too_large(url, cap, f"Content-Length is {declared} bytes")
        if declared is not None and "Content-Encoding" not in response.headers:
            # A known, uncompressed length: one read, no chunk list, no join.
            body = await response.content.readexactly(declared) if declared else b""
        else:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.content.iter_chunked(READ_CHUNK_BYTES):
                size += len(chunk)
                if size > cap:
                    return _too_large(url, cap, "the body kept going past it")
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


class _Call:
    """One call's state across its attempts: URL, headers, policy, deadline, attempts."""

    __slots__ = (
        "_cut",
        "_deadline_at",
        "_loop",
        "_path",
        "_shown",
        "_transport",
        "attempts",
        "headers",
        "options",
        "policy",
        "query",
        "url",
    )

    def __init__(
        self, transport: Transport, path: str, params: Pairs, options: CallOptions
    ) -> None:
        self._transport = transport
        self.url = transport.base_url + path
        self.query = params + options.query if options.query else params
        self.headers = (
            {**transport._headers, **dict(options.headers)}
            if options.headers
            else transport._headers
        )
        self.options = options
        retry = transport.retry
        max_retries = options.max_retries
        self.policy = (
            retry
            if max_retries is None or max_retries == retry.max_retries
            else attrs.evolve(retry, max_retries=max_retries)
        )
        self._path = path
        self._shown: str | None = None
        self._cut = False  # the last attempt's timeout was cut to what the deadline left
        self.attempts = 0
        self._loop = asyncio.get_running_loop()
        deadline = options.deadline
        self._deadline_at = None if deadline is None else self._loop.time() + deadline

    @property
    def shown_url(self) -> str:
        """The URL with its query, secrets redacted (for events and errors; made on demand)."""
        if self._shown is None:
            self._shown = redact(_urls.with_query(self.url, self.query), self._transport.secrets)
        return self._shown

    @property
    def logged(self) -> str:
        """The path with its query, secrets redacted (for log lines)."""
        return redact(_urls.with_query(self._path, self.query), self._transport.secrets)

    def next_attempt(self) -> int:
        """Count one more attempt, if the deadline leaves time for it."""
        if self._deadline_at is not None and self._loop.time() >= self._deadline_at:
            raise self._deadline_error("no time was left for another attempt")
        return self.attempts + 1

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: the call has none)."""
        if self._deadline_at is None:
            return None
        return max(self._deadline_at - self._loop.time(), 0.0)

    def max_wait(self) -> float:
        """Return the longest rate-budget wait this attempt accepts."""
        remaining = self.remaining()
        limit = self.policy.max_wait
        return limit if remaining is None else min(limit, remaining)

    def timeout(self) -> aiohttp.ClientTimeout:
        """Return the timeout of the next attempt: the call's, cut to what the deadline leaves."""
        timeout = self.options.timeout
        assert timeout is not None  # merged with the client's defaults
        remaining = self.remaining()
        self._cut = remaining is not None and (timeout.total is None or timeout.total > remaining)
        if remaining is None or not self._cut:
            return timeout
        return aiohttp.ClientTimeout(
            total=max(remaining, 0.001),
            connect=timeout.connect,
            sock_read=timeout.sock_read,
            sock_connect=timeout.sock_connect,
        )

    def check_deadline(self, delay: float, reason: str) -> None:
        """Raise the deadline error if waiting ``delay`` seconds would pass the deadline."""
        remaining = self.remaining()
        if remaining is not None and delay >= remaining:
            raise self._deadline_error(f"the last one: {reason}")

    def final_error(self, outcome: Outcome, error: GitBookError) -> GitBookError:
        """Return the error that ends the call: the deadline's if it cut the last attempt."""
        if self._cut and isinstance(outcome, Failure) and outcome.kind is FailureKind.TIMEOUT:
            return self._deadline_error(f"the last one: {outcome.kind.value}")
        return error

    def budget_error(self, error: RateLimitError) -> GitBookError:
        """Return the error to raise for a rate-budget wait longer than allowed."""
        remaining = self.remaining()
        if remaining is not None and remaining < self.policy.max_wait:
            return self._deadline_error("the rate budget asked for a longer wait")
        return error

    def _deadline_error(self, detail: str) -> APITimeoutError:
        deadline = self.options.deadline
        attempts = "no attempt" if not self.attempts else f"{self.attempts} attempt(s)"
        message = (
            f"GET {self.shown_url}: the call's deadline of {deadline} s passed after "
            f"{attempts} ({detail}). Raise deadline= or look into the slowness."
        )
        return APITimeoutError(message, url=self.shown_url)

    def metadata(self, response: RawResponse) -> ResponseMetadata:
        """Return the metadata of the response that ended the call."""
        return ResponseMetadata(
            status=response.status,
            headers=response.headers,
            url=redact(response.url, self._transport.secrets),
            elapsed=response.elapsed,
            attempts=self.attempts,
            rate_limit=response.hints.rate_limit,
        )


def _error_of(outcome: Outcome, secrets: tuple[str, ...]) -> GitBookError:
    """Return the error an outcome that is retried would have raised as the last."""
    if isinstance(outcome, Failure):
        return outcome.error(secrets)
    if 200 <= outcome.status < 300:  # a body cut short
        bad = BadBody(transient=True, problem="not valid JSON", status=outcome.status)
        return bad.error(secrets)
    return status_error(outcome, secrets)


def _too_large(url: str, cap: int, detail: str) -> Failure:
    return Failure(
        kind=FailureKind.TOO_LARGE, detail=f"over max_response_bytes={cap}: {detail}", url=url
    )


def _failure(exc: BaseException, url: str, elapsed: float, proxy: ProxySetting | None) -> Failure:
    """Map an aiohttp/OS exception to a Failure. str() of aiohttp errors holds no headers."""
    kind, detail = _classify(exc)
    if kind is FailureKind.TIMEOUT:
        detail = f"after {elapsed:.1f} s"
    return Failure(kind=kind, detail=detail, url=url, proxy="" if proxy is None else str(proxy))


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
    if isinstance(exc, (aiohttp.ClientPayloadError, asyncio.IncompleteReadError)):
        return FailureKind.CUT_SHORT, text
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        # The proxy refused the CONNECT tunnel. str() names the proxy and repr() holds the
        # request_info (Proxy-Authorization among its headers): keep the status and reason.
        # A refusal (407 credentials, 403 target) is the same on every attempt; a 5xx (the
        # target unreachable from the proxy), 408 or 429 may pass.
        detail = f"the proxy answered {exc.status} {exc.message}"
        if exc.status == 407:
            detail += ": check the proxy credentials"
        if exc.status >= 500 or exc.status in (408, 429):
            return FailureKind.CONNECTION, detail
        return FailureKind.INVALID_REQUEST, detail
    if isinstance(exc, (aiohttp.TooManyRedirects, aiohttp.RedirectClientError)):
        return FailureKind.REDIRECT, name  # str() of TooManyRedirects is the request URL
    if isinstance(exc, (ValueError, aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        return FailureKind.INVALID_REQUEST, name
    return FailureKind.CONNECTION, text
