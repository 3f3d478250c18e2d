"""GitBook's rate limit as the fake models it: fixed windows counted per token.

GitBook sends ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset``
(epoch seconds) on every API response and answers 429 past the limit, with the reset but
without ``Retry-After`` (https://gitbook.com/docs/developers/gitbook-api/rate-limiting).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RateLimitWindow:
    """A rate limit for `FakeGitBook`: ``limit`` requests per token per ``window`` seconds.

    ```python
    from gitbook_async.testing import FakeGitBook, RateLimitWindow

    server = FakeGitBook(rate_limit=RateLimitWindow(limit=20, window=2.0))
    ```

    Every request that reaches the API counts against its bearer token's current window
    (a request answered by an injected fault alone does not count). Every answer carries
    ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (the window's
    end in epoch seconds, rounded up); past ``limit``, the answer is a 429 in GitBook's
    error shape, which counts too (a refused request still costs budget).

    Attributes:
        limit: Requests allowed per token in one window (at least 1).
        window: The window's length in seconds (finite, above 0).
        retry_after: Also send ``Retry-After`` (whole seconds to the reset) with a 429.
            GitBook does not; turn it on to test clients against servers that do.
        aligned: ``True``: windows start at multiples of ``window`` since the epoch (the
            ``limits`` library's fixed window), so the reset header is exact for
            whole-second windows. ``False``: a token's window starts at its first request
            after the previous one ended (GitHub's style).

    Raises:
        ValueError: if ``limit`` or ``window`` is out of range.

    """

    limit: int
    window: float = 1.0
    retry_after: bool = False
    aligned: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1:
            raise ValueError(f"limit must be an int >= 1, got {self.limit!r}")
        if not math.isfinite(self.window) or self.window <= 0:
            raise ValueError(f"window must be a finite number of seconds > 0, got {self.window!r}")

    @classmethod
    def parse(cls, text: str, *, retry_after: bool = False) -> RateLimitWindow:
        """Read ``N/SECONDS`` (e.g. ``20/2``: 20 requests per 2 seconds).

        Raises:
            ValueError: if ``text`` is not ``N/SECONDS`` with N >= 1 and SECONDS > 0.

        """
        limit, slash, seconds = text.partition("/")
        try:
            return cls(int(limit), float(seconds) if slash else math.nan, retry_after=retry_after)
        except ValueError:
            raise ValueError(
                f"a rate limit is N/SECONDS such as 20/2 (N >= 1, SECONDS > 0), got {text!r}"
            ) from None


@dataclass(frozen=True)
class WindowStats:
    """What one token did in one window (a `RateLimitStats` entry).

    Attributes:
        token_id: A short hash of the bearer token (never the token itself); ``""`` for
            requests without a bearer token.
        started_at: The window's start, epoch seconds.
        reset_at: The window's end (its reset), epoch seconds.
        requests: Requests counted in the window, refused ones included.
        refused: Requests answered 429 because the window was spent.

    """

    token_id: str
    started_at: float
    reset_at: float
    requests: int
    refused: int


@dataclass(frozen=True)
class RateLimitStats:
    """Counters of the fake's rate limiter, read with `FakeGitBook.rate_limit_stats`.

    Attributes:
        requests: Requests counted, refused ones included.
        refused: 429s the limiter answered (faults injected with ``inject`` not included).
        windows: Every window opened, oldest first.

    """

    requests: int
    refused: int
    windows: tuple[WindowStats, ...]

    @property
    def max_requests_per_window(self) -> int:
        """The most requests any token sent in one window (0 before any request)."""
        return max((w.requests for w in self.windows), default=0)


def token_id(token: str) -> str:
    """Name a token in counters without revealing it: the first 12 hex digits of its SHA-256."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:12] if token else ""


@dataclass
class _Window:
    token_id: str
    started_at: float
    reset_at: float
    requests: int = 0
    refused: int = 0

    def freeze(self) -> WindowStats:
        return WindowStats(
            self.token_id, self.started_at, self.reset_at, self.requests, self.refused
        )


@dataclass
class RateLimiter:
    """The fake's mutable limiter state for one `RateLimitWindow` (a fresh one per setting)."""

    config: RateLimitWindow
    clock: Callable[[], float] = time.time
    _current: dict[str, _Window] = field(default_factory=dict)
    _history: list[_Window] = field(default_factory=list)

    def take(self, token: str) -> tuple[bool, dict[str, str]]:
        """Count one request for ``token``; return whether it may proceed and the headers."""
        config, now = self.config, self.clock()
        key = token_id(token)
        window = self._current.get(key)
        if window is None or now >= window.reset_at:
            start = math.floor(now / config.window) * config.window if config.aligned else now
            window = _Window(key, start, start + config.window)
            self._current[key] = window
            self._history.append(window)
        window.requests += 1
        allowed = window.requests <= config.limit
        headers = {
            "X-RateLimit-Limit": str(config.limit),
            "X-RateLimit-Remaining": str(max(0, config.limit - window.requests)),
            "X-RateLimit-Reset": str(math.ceil(window.reset_at)),
        }
        if not allowed:
            window.refused += 1
            if config.retry_after:
                headers["Retry-After"] = str(max(1, math.ceil(window.reset_at - now)))
        return allowed, headers

    def stats(self, token: str | None = None) -> RateLimitStats:
        """Snapshot the counters, for every token or only ``token``'s."""
        windows = tuple(
            w.freeze() for w in self._history if token is None or w.token_id == token_id(token)
        )
        return RateLimitStats(
            requests=sum(w.requests for w in windows),
            refused=sum(w.refused for w in windows),
            windows=windows,
        )
