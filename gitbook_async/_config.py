"""Frozen configuration and state values: the retry policy and the rate-limit snapshot."""

from __future__ import annotations

import email.utils
import random
from collections.abc import Mapping
from datetime import timezone
from typing import Final

import attrs

from gitbook_async._errors import ConfigurationError

__all__ = ["RateLimit", "RetryPolicy", "parse_retry_after", "requested_wait"]

DEFAULT_MAX_RETRIES: Final = 3
DEFAULT_BACKOFF_BASE: Final = 0.5
DEFAULT_BACKOFF_MAX: Final = 8.0
DEFAULT_MAX_WAIT: Final = 60.0

RETRY_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})
"""Statuses worth another attempt: timeouts, rate limits and transient server failures."""


def _non_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigurationError(f"{attribute.name} must be a number >= 0, got {value!r}")


def _retry_count(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(f"{attribute.name} must be an int >= 0, got {value!r}")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How failed requests are retried. All three endpoints are GETs, so retries are safe.

    Retried: connection errors, timeouts, a body that is not valid JSON, and HTTP 408, 429,
    500, 502, 503, 504. Never retried: other 4xx, and responses that fail validation.

    Attributes:
        max_retries: Retries after the first attempt (0 disables retrying).
        backoff_base: Delay before the first retry, in seconds; it doubles each retry.
        backoff_max: Cap on the backoff delay, in seconds.
        max_wait: Longest wait the client accepts when the server names one (``Retry-After``
            or the rate-limit reset); a longer one raises ``RateLimitError`` at once.

    """

    max_retries: int = attrs.field(default=DEFAULT_MAX_RETRIES, validator=_retry_count)
    backoff_base: float = attrs.field(default=DEFAULT_BACKOFF_BASE, validator=_non_negative)
    backoff_max: float = attrs.field(default=DEFAULT_BACKOFF_MAX, validator=_non_negative)
    max_wait: float = attrs.field(default=DEFAULT_MAX_WAIT, validator=_non_negative)

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based): exponential, jittered.

        The delay is drawn uniformly from the upper half of the exponential step, so
        concurrent clients spread out without ever retrying immediately.
        """
        step: float = min(self.backoff_max, self.backoff_base * 2.0 ** (retry - 1))
        jitter: float = random.uniform(0, step / 2)
        return step / 2 + jitter


@attrs.frozen(kw_only=True)
class RateLimit:
    """The rate-limit state GitBook reported on its last response.

    Attributes:
        limit: Requests allowed per window (``X-RateLimit-Limit``).
        remaining: Requests left in the window (``X-RateLimit-Remaining``).
        reset: When the window resets, as Unix epoch seconds (``X-RateLimit-Reset``).

    """

    limit: int | None
    remaining: int | None
    reset: float | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit | None:
        """Read GitBook's ``X-RateLimit-*`` headers; None when none is present or readable."""
        limit = _int_header(headers, "X-RateLimit-Limit")
        remaining = _int_header(headers, "X-RateLimit-Remaining")
        reset = _float_header(headers, "X-RateLimit-Reset")
        if limit is None and remaining is None and reset is None:
            return None
        return cls(limit=limit, remaining=remaining, reset=reset)

    def wait_seconds(self, now: float) -> float:
        """Seconds to wait before the next request: until the reset once nothing remains."""
        if self.remaining is None or self.remaining > 0 or self.reset is None:
            return 0.0
        return max(self.reset - now, 0.0)


def parse_retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Read ``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP date (RFC 9110).

    Returns None when it is absent or unreadable.
    """
    value = headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with no claim about local time
        when = when.replace(tzinfo=timezone.utc)
    return max(when.timestamp() - now, 0.0)


def requested_wait(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asked the client to wait, or None when it named no wait.

    ``Retry-After`` when present, else the time until ``X-RateLimit-Reset`` once
    ``X-RateLimit-Remaining`` is 0.
    """
    wait = parse_retry_after(headers, now)
    if wait is None:
        state = RateLimit.from_headers(headers)
        reset_wait = state.wait_seconds(now) if state is not None else 0.0
        wait = reset_wait or None
    return wait


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = _float_header(headers, name)
    return None if value is None else int(value)


def _float_header(headers: Mapping[str, str], name: str) -> float | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None
