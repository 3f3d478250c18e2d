"""What a response's headers say about waiting: rate-limit state and ``Retry-After``. Pure.

Every number read from a header is checked by a pattern and bounded (issue 10): a wait is
finite, at least 0 and at most a day; anything else is unreadable and ignored.
"""

from __future__ import annotations

import email.utils
import math
import re
from collections.abc import Mapping
from datetime import timezone
from typing import Final

import attrs

from gitbook_async._constants import MAX_SERVER_WAIT
from gitbook_async._errors import Headers

__all__ = ["RateLimit", "ServerHints", "parse_retry_after"]

_DELTA_SECONDS: Final = re.compile(r"[0-9]+")  # RFC 9110 section 10.2.3: 1*DIGIT
_COUNT: Final = re.compile(r"[0-9]{1,12}")
_EPOCH: Final = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?")


@attrs.frozen(kw_only=True)
class RateLimit:
    """The rate-limit state GitBook reported on its last response.

    Attributes:
        limit: Requests allowed per window (``X-RateLimit-Limit``).
        remaining: Requests left in the window (``X-RateLimit-Remaining``).
        reset: When the window resets, as Unix epoch seconds (``X-RateLimit-Reset``); None
            when absent or unreadable (not a number, or more than a day away).

    """

    limit: int | None
    remaining: int | None
    reset: float | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], now: float) -> RateLimit | None:
        """Read GitBook's ``X-RateLimit-*`` headers; None when none is present or readable.

        A reset more than a day after ``now`` (say, milliseconds instead of seconds) is
        unreadable, so a wrong header can never stop the client from sending for long.
        """
        headers = headers if isinstance(headers, Headers) else Headers(headers)
        limit = _match(_COUNT, headers.get("X-RateLimit-Limit"))
        remaining = _match(_COUNT, headers.get("X-RateLimit-Remaining"))
        reset = _match(_EPOCH, headers.get("X-RateLimit-Reset"))
        if reset is not None and float(reset) - now > MAX_SERVER_WAIT:
            reset = None
        if limit is None and remaining is None and reset is None:
            return None
        return cls(
            limit=None if limit is None else int(limit),
            remaining=None if remaining is None else int(remaining),
            reset=None if reset is None else float(reset),
        )

    def wait_seconds(self, now: float) -> float:
        """Seconds to wait before the next request: until the reset once nothing remains."""
        if self.remaining is None or self.remaining > 0 or self.reset is None:
            return 0.0
        if math.isnan(self.reset):  # only a RateLimit built by hand can hold one
            return 0.0
        return min(max(self.reset - now, 0.0), MAX_SERVER_WAIT)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Read ``Retry-After`` as seconds from ``now`` (RFC 9110 section 10.2.3).

    Only delta-seconds (digits) or an HTTP date count; anything else (``nan``, ``-5``,
    ``1.5``) is None. The result is finite, >= 0 and at most a day.
    """
    if value is None:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return min(float(value), MAX_SERVER_WAIT) if len(value) <= 12 else MAX_SERVER_WAIT
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with no claim about local time
        when = when.replace(tzinfo=timezone.utc)
    return min(max(when.timestamp() - now, 0.0), MAX_SERVER_WAIT)


@attrs.frozen(kw_only=True)
class ServerHints:
    """What a response's headers tell the client, read once per response.

    Attributes:
        rate_limit: The ``X-RateLimit-*`` state, or None.
        wait: Seconds the server asked the client to wait (``Retry-After`` when present,
            else the rate-limit reset once nothing remains), or None when it named none.
        retry_after: ``Retry-After`` alone, in seconds, or None (the rate budget needs to
            tell it from the reset).

    """

    rate_limit: RateLimit | None
    wait: float | None
    retry_after: float | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], now: float) -> ServerHints:
        """Read the rate-limit headers and ``Retry-After`` (it wins for its response)."""
        headers = headers if isinstance(headers, Headers) else Headers(headers)
        rate_limit = RateLimit.from_headers(headers, now)
        retry_after = parse_retry_after(headers.get("Retry-After"), now)
        wait = retry_after
        if wait is None and rate_limit is not None:
            wait = rate_limit.wait_seconds(now) or None
        return cls(rate_limit=rate_limit, wait=wait, retry_after=retry_after)


def _match(pattern: re.Pattern[str], value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value if pattern.fullmatch(value) else None
