"""Pure HTTP decisions: retry, wait or raise for one outcome of a request. No I/O.

The transport sends a request, turns what happened into an outcome (a ``RawResponse`` or a
``Failure``) and asks ``decide()`` what to do: ``Done(value)``, ``Retry(delay)`` or
``Raise(error)``. Retrying is decided from the outcome itself, before any error is built.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Mapping
from typing import Any, Final, Generic, TypeVar

import attrs

from gitbook_async._body import (
    BadBody,
    error_message_of,
    excerpt,
    read_json,
    redact,
    refuse_content_type,
)
from gitbook_async._config import RetryPolicy
from gitbook_async._constants import ERROR_BODY_CHARS, RETRY_STATUSES
from gitbook_async._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    GitBookError,
    Headers,
    RateLimitError,
    ResponseTooLargeError,
    ResponseValidationError,
    error_class_for_status,
)
from gitbook_async._headers import ServerHints

__all__ = [
    "TRANSIENT",
    "Decision",
    "Done",
    "Failure",
    "FailureKind",
    "Outcome",
    "Raise",
    "RawResponse",
    "Retry",
    "decide",
    "redact_validation_error",
    "redacted_headers",
    "status_error",
]


T = TypeVar("T")

# --- outcomes -----------------------------------------------------------------------------


@attrs.frozen
class RawResponse:
    """A complete HTTP response, body read, with its headers read once into ``hints``."""

    method: str
    url: str
    status: int
    headers: Headers
    body: bytes
    hints: ServerHints
    elapsed: float = 0.0

    @classmethod
    def build(
        cls,
        *,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        now: float,
        url: str = "",
        method: str = "GET",
        elapsed: float = 0.0,
    ) -> RawResponse:
        """Wrap what the wire gave; ``now`` (epoch seconds) anchors relative header times.

        ``elapsed``: seconds from sending the request to the last body byte.
        """
        frozen = headers if isinstance(headers, Headers) else Headers(headers)
        hints = ServerHints.from_headers(frozen, now)
        return cls(method, url, status, frozen, body, hints, elapsed)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased ("" when absent)."""
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


class FailureKind(enum.Enum):
    """Why no complete response arrived, in the words of the error message."""

    CONNECTION = "the connection failed"
    TIMEOUT = "timed out"
    CUT_SHORT = "the response body was cut short"
    TOO_LARGE = "the response body is too large"
    DNS = "the host name could not be resolved"
    TLS = "the TLS connection failed"
    REDIRECT = "the redirect was refused"
    INVALID_REQUEST = "the request could not be sent"


TRANSIENT: Final = frozenset({FailureKind.CONNECTION, FailureKind.TIMEOUT, FailureKind.CUT_SHORT})
"""Failures another attempt can mend (connection refused/reset, timeout, short body)."""

_ADVICE: Final[Mapping[FailureKind, str]] = {
    FailureKind.CONNECTION: "Check the network and base_url.",
    FailureKind.TIMEOUT: "Raise timeout= if the server is slow, or check the network.",
    FailureKind.CUT_SHORT: "A proxy or the network dropped it; retrying usually helps.",
    FailureKind.TOO_LARGE: "Raise max_response_bytes or use a smaller page size (limit=).",
    FailureKind.DNS: "Check base_url and the DNS settings of this machine.",
    FailureKind.TLS: "Check base_url, the system clock and the trusted CA certificates.",
    FailureKind.REDIRECT: "Check base_url; the API should not redirect.",
    FailureKind.INVALID_REQUEST: "Check base_url and the token.",
}


_PROXY_ADVICE: Final = (
    "Check that the proxy is reachable and accepts this request (proxy=, trust_env= and "
    "$HTTP_PROXY, $HTTPS_PROXY, $NO_PROXY say which proxy is used)."
)


_PROXY_KINDS: Final = frozenset(
    {FailureKind.CONNECTION, FailureKind.DNS, FailureKind.INVALID_REQUEST}
)
"""Failures through a proxy whose advice is the proxy's (TLS, timeouts keep their own)."""


@attrs.frozen(kw_only=True)
class Failure:
    """A request that got no complete response.

    Attributes:
        kind: What failed.
        detail: What the library said, e.g. ``"Connection refused"`` (never with headers).
        url: The URL requested.
        method: The HTTP method.
        proxy: The proxy the request went through (without credentials), or "".

    """

    kind: FailureKind
    detail: str
    url: str
    method: str = "GET"
    proxy: str = ""

    def error(self, secrets: tuple[str, ...] = ()) -> APIConnectionError:
        """Build the typed error for this failure, the token redacted from every text in it."""
        cls = {
            FailureKind.TIMEOUT: APITimeoutError,
            FailureKind.TOO_LARGE: ResponseTooLargeError,
        }.get(self.kind, APIConnectionError)
        where, advice = "", _ADVICE[self.kind]
        if self.proxy:
            where = f" through the proxy {self.proxy}"
            if self.kind in _PROXY_KINDS:
                advice = _PROXY_ADVICE
        message = f"{self.method} {self.url}: {self.kind.value}{where} ({self.detail}). {advice}"
        url = redact(self.url, secrets)
        return cls(redact(message, secrets), method=self.method, url=url)


Outcome = RawResponse | Failure


# --- decisions ----------------------------------------------------------------------------


@attrs.frozen
class Done(Generic[T]):
    """Success: ``value`` is what the call's decoder made of the body."""

    value: T


@attrs.frozen
class Retry:
    """Try again after ``delay`` seconds (finite, >= 0); ``reason`` is for the log line."""

    delay: float
    reason: str


@attrs.frozen
class Raise:
    """Give up and raise ``error``."""

    error: GitBookError


Decision = Done[T] | Retry | Raise


def decide(
    outcome: Outcome,
    attempt: int,
    policy: RetryPolicy,
    *,
    endpoint: str,
    decode: Callable[[bytes], T | BadBody] = read_json,
    secrets: tuple[str, ...] = (),
    rng: Callable[[], float] = random.random,
) -> Decision[T]:
    """Decide what follows attempt number ``attempt`` (1-based) that ended in ``outcome``.

    A 2xx body with a JSON (or no) content type goes to ``decode`` (strict JSON by
    default): what it returns is the call's value; a ``BadBody`` or a
    ``ResponseValidationError`` it raises is the call's error (token redacted).
    Retried while ``attempt <= policy.max_retries``: transient failures, a 2xx body cut
    short (invalid JSON), and ``RETRY_STATUSES``, after the server-named wait (at most
    ``policy.max_wait``) or else the jittered backoff drawn with ``rng``. A 429 that names a
    wait longer than ``policy.max_wait`` raises ``RateLimitError`` at once.
    """
    retries_left = attempt <= policy.max_retries
    if isinstance(outcome, Failure):
        if outcome.kind in TRANSIENT and retries_left:
            return Retry(policy.backoff(attempt, rng=rng), outcome.kind.value)
        return Raise(outcome.error(secrets))
    if 200 <= outcome.status < 300:
        refused = refuse_content_type(outcome.body, outcome.content_type)
        if refused is None:
            try:
                decoded = decode(outcome.body)
            except ResponseValidationError as error:
                return Raise(redact_validation_error(error, secrets))
            if not isinstance(decoded, BadBody):
                return Done(decoded)
            refused = decoded
        body = refused
        if body.transient and retries_left:
            return Retry(policy.backoff(attempt, rng=rng), "invalid JSON")
        bad = attrs.evolve(body, status=outcome.status, endpoint=endpoint)
        return Raise(bad.error(secrets))
    wait = outcome.hints.wait
    if outcome.status in RETRY_STATUSES:
        too_long = wait is not None and wait > policy.max_wait
        if retries_left and not (too_long and outcome.status == 429):
            delay = policy.backoff(attempt, rng=rng) if wait is None else min(wait, policy.max_wait)
            return Retry(delay, f"HTTP {outcome.status}")
    return Raise(status_error(outcome, secrets))


def redacted_headers(headers: Headers, secrets: tuple[str, ...]) -> Headers:
    """Return ``headers`` with every secret redacted from the values (itself if none shows)."""
    if not secrets:
        return headers
    values = "\n".join(headers.values())
    if redact(values, secrets) == values:
        return headers
    return Headers((name, redact(value, secrets)) for name, value in headers.items())


def redact_validation_error(
    error: ResponseValidationError, secrets: tuple[str, ...]
) -> ResponseValidationError:
    """Return ``error`` with every secret redacted from its texts (itself when none shows)."""
    message = redact(str(error), secrets)
    errors = tuple((redact(p, secrets), redact(q, secrets)) for p, q in error.errors)
    if message == str(error) and errors == error.errors:
        return error
    return ResponseValidationError(message, endpoint=error.endpoint, errors=errors)


def status_error(response: RawResponse, secrets: tuple[str, ...] = ()) -> APIStatusError:
    """Build the typed error for a non-2xx response from GitBook's ``{"error": ...}`` body."""
    code, message = error_message_of(response.body, response.content_type)
    if message is None:
        reason = _STATUS_REASONS.get(response.status, "unexpected status")
        if response.body.strip():
            kind = response.content_type or "unknown content type"
            message = f"{reason} ({kind} body: {excerpt(response.body, 200, secrets)!r})"
        else:
            message = f"{reason} (empty body)"
    cls = error_class_for_status(response.status)
    fields: dict[str, Any] = {
        "status": response.status,
        "code": redact(code, secrets) if isinstance(code, str) else code,
        "headers": redacted_headers(response.headers, secrets),
        "method": response.method,
        "url": redact(response.url, secrets),
        "body": excerpt(response.body, ERROR_BODY_CHARS, secrets),
    }
    if cls is RateLimitError:
        fields["retry_after"] = response.hints.wait
    return cls(redact(message, secrets), **fields)


_STATUS_REASONS: Final[Mapping[int, str]] = {
    400: "Bad request",
    401: "Unauthorized: check the API token",
    403: "Forbidden: the token may not access this resource",
    404: "Not found",
    407: "Proxy authentication required: check the proxy credentials",
    408: "Request timeout",
    409: "Conflict",
    422: "Unprocessable entity",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}
