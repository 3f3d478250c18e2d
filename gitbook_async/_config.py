"""Frozen configuration values: the retry policy."""

from __future__ import annotations

import random
from collections.abc import Callable

import attrs

from gitbook_async._checks import check_int, check_seconds
from gitbook_async._constants import (
    DEFAULT_BACKOFF_BASE,
    DEFAULT_BACKOFF_MAX,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_WAIT,
)
from gitbook_async._errors import ConfigurationError

__all__ = ["RetryPolicy"]


def _seconds(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    check_seconds(attribute.name, value, error=ConfigurationError)


def _count(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    check_int(attribute.name, value, error=ConfigurationError)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How failed requests are retried. All three endpoints are GETs, so retries are safe.

    Retried: connection refused or reset, timeouts, a body cut short, and HTTP 408, 429,
    500, 502, 503, 504. Never retried: other 4xx, DNS and TLS certificate failures, and
    responses that fail validation. docs/errors.md has the full table.

    Attributes:
        max_retries: Retries after the first attempt (0 disables retrying).
        backoff_base: Delay before the first retry, in seconds; it doubles each retry.
        backoff_max: Cap on the backoff delay, in seconds.
        max_wait: Longest wait the client accepts when the server names one (``Retry-After``
            or the rate-limit reset); a longer one raises ``RateLimitError`` at once.

    Raises:
        ConfigurationError: a count that is not an int >= 0, or a number of seconds that is
            not finite and >= 0.

    """

    max_retries: int = attrs.field(default=DEFAULT_MAX_RETRIES, validator=_count)
    backoff_base: float = attrs.field(default=DEFAULT_BACKOFF_BASE, validator=_seconds)
    backoff_max: float = attrs.field(default=DEFAULT_BACKOFF_MAX, validator=_seconds)
    max_wait: float = attrs.field(default=DEFAULT_MAX_WAIT, validator=_seconds)

    def backoff(self, retry: int, *, rng: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number ``retry`` (1-based): exponential, jittered.

        The delay is drawn uniformly from the upper half of the exponential step, so
        concurrent clients spread out without ever retrying immediately. ``rng`` returns a
        number in [0, 1); pass a fixed one for a deterministic delay.
        """
        step: float = min(self.backoff_max, self.backoff_base * 2.0 ** min(retry - 1, 64))
        return step / 2 + rng() * step / 2
