"""One call's state across its attempts: URL, headers, retry policy, deadline, attempts.

The transport makes one ``Call`` per request; the deadline's arithmetic and its error, and
what a response's metadata and a retry's error say, live here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Protocol

import aiohttp
import attrs

from gitbook_async import _urls
from gitbook_async._body import BadBody, redact
from gitbook_async._config import RetryPolicy
from gitbook_async._errors import APITimeoutError, GitBookError, RateLimitError
from gitbook_async._options import CallOptions, Pairs
from gitbook_async._response import ResponseMetadata
from gitbook_async._sansio import Failure, FailureKind, Outcome, RawResponse, status_error

__all__ = ["Call", "retried_error"]


class Sender(Protocol):
    """What a call reads of the transport that sends it."""

    base_url: str
    retry: RetryPolicy

    @property
    def secrets(self) -> tuple[str, ...]:
        """Texts redacted from everything shown."""
        ...

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers every request carries."""
        ...


class Call:
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

    def __init__(self, transport: Sender, path: str, params: Pairs, options: CallOptions) -> None:
        self._transport = transport
        self.url = transport.base_url + path
        self.query = params + options.query if options.query else params
        self.headers = (
            {**transport.headers, **dict(options.headers)} if options.headers else transport.headers
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

    def check_time_left(self) -> None:
        """Raise the deadline error if no time is left to send the next attempt."""
        remaining = self.remaining()
        if remaining is not None and remaining <= 0:
            raise self._deadline_error("no time was left to send the next one")

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


def retried_error(outcome: Outcome, secrets: tuple[str, ...]) -> GitBookError:
    """Return the error an outcome that is retried would have raised as the last."""
    if isinstance(outcome, Failure):
        return outcome.error(secrets)
    if 200 <= outcome.status < 300:  # a body cut short
        bad = BadBody(transient=True, problem="not valid JSON", status=outcome.status)
        return bad.error(secrets)
    return status_error(outcome, secrets)
