"""A rate budget shared through Redis by every process and machine using one token.

```python
from gitbook_async import GitBookClient
from gitbook_async.redis import RedisRateLimiter

limiter = RedisRateLimiter.from_url("redis://localhost:6379/0")
client = GitBookClient(rate_limiter=limiter)
```

Needs the ``redis`` extra: ``pip install "gitbook-async[redis]"`` (redis-py's asyncio
client). The budget of each token lives under one Redis key, named by a SHA-256 of the API
origin and the token (never the token itself). Every change is a compare-and-set done by a
Lua script, and the clock is Redis's own (``TIME``), so processes on machines whose clocks
differ still agree on when a window ends. See docs/rate-limits.md.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any, Final, Literal

try:
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        'gitbook_async.redis needs redis-py: pip install "gitbook-async[redis]"'
    ) from None

from gitbook_async._closing import AsyncClosing
from gitbook_async._errors import ConfigurationError, RateLimiterUnavailableError
from gitbook_async._ratelimit._budget import (
    Budget,
    RateLimitFeedback,
)
from gitbook_async._ratelimit._codec import budget_from_json, budget_to_json
from gitbook_async._ratelimit._limiter import (
    DEFAULT_LEASE_SECONDS,
    DEFAULT_RELEASE_SPREAD,
    BudgetLimiter,
    LocalRateLimiter,
    Reservation,
    Step,
    T,
    opens,
)

__all__ = ["DEFAULT_PREFIX", "RateLimiterUnavailableError", "RedisRateLimiter"]

logger = logging.getLogger("gitbook_async")

DEFAULT_PREFIX: Final = "gitbook-async:ratelimit:"
"""Prefix of the Redis keys that hold the budgets."""

DEFAULT_KEY_TTL: Final = 86_400.0
"""Seconds a budget stays in Redis after its last change."""

DEFAULT_CONNECT_TIMEOUT: Final = 2.0
"""Seconds to connect to Redis (and to wait for an answer) before it counts as unreachable."""

DEFAULT_RETRY_INTERVAL: Final = 5.0
"""After Redis failed, seconds of local accounting before it is tried again (``"local"``)."""

_WATCH_INTERVAL: Final = 0.05
"""Seconds between reads of the budget while a process waits for news from the others."""

_NEWS_TIMEOUT: Final = 1.0
"""Longest wait for news before a task reads the budget itself (a safety net)."""

_MAX_SWAPS: Final = 100
"""Compare-and-set attempts of one step before giving up (the budget changed under us)."""

# Compare-and-set: write ARGV[2] when the key still holds ARGV[1] ("" when absent), else
# return what it holds. Either way, return Redis's clock too.
_SWAP: Final = """
local current = redis.call('GET', KEYS[1]) or ''
local now = redis.call('TIME')
if ARGV[2] ~= '' and current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return {1, current, now[1], now[2]}
end
return {0, current, now[1], now[2]}
"""

OnUnavailable = Literal["raise", "local"]


class RedisRateLimiter(BudgetLimiter, AsyncClosing):
    """A rate limiter whose budgets live in Redis, shared by every process that uses it.

    Pass it to each ``GitBookClient`` (``rate_limiter=``) of every worker, process or
    machine that uses the same token; they then keep together to the server's limit.
    Close it (``await limiter.aclose()`` or ``async with``) when done; clients never close
    it. Use it from one event loop.

    Args:
        client: A ``redis.asyncio.Redis`` client (borrowed: ``aclose()`` leaves it open).
        prefix: Prefix of the Redis keys.
        on_unavailable: When Redis cannot be reached: ``"raise"`` (default) raises
            ``RateLimiterUnavailableError`` and sends nothing; ``"local"`` logs a warning and
            keeps the budget in this process until Redis answers again (tried every
            ``retry_interval`` seconds), so the processes no longer coordinate meanwhile.
        retry_interval: See ``on_unavailable``.
        release_spread: Seconds over which tasks released together spread out.
        lease_seconds: How long a reservation counts if its process dies before settling it.
        key_ttl: Seconds a budget stays in Redis after its last change.

    """

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        on_unavailable: OnUnavailable = "raise",
        retry_interval: float = DEFAULT_RETRY_INTERVAL,
        release_spread: float = DEFAULT_RELEASE_SPREAD,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        key_ttl: float = DEFAULT_KEY_TTL,
    ) -> None:
        if on_unavailable not in ("raise", "local"):
            raise ConfigurationError(
                f"on_unavailable must be 'raise' or 'local', got {on_unavailable!r}"
            )
        super().__init__(
            release_spread=release_spread, lease_seconds=lease_seconds, news_poll=_NEWS_TIMEOUT
        )
        self._redis = client
        self._owns_client = False
        self._prefix = prefix
        self._on_unavailable = on_unavailable
        self._retry_interval = retry_interval
        self._key_ttl_ms = str(int(key_ttl * 1000))
        self._swap = client.register_script(_SWAP)
        self._local = LocalRateLimiter(release_spread=release_spread)
        self._local_ids: set[str] = set()
        self._down_until: float | None = None
        self._where = _describe(client)
        self._locks: dict[str, asyncio.Lock] = {}
        self._seen: dict[str, str] = {}
        self._clock_offset = 0.0
        self._watching: set[str] = set()

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        **options: Any,
    ) -> RedisRateLimiter:
        """Connect (lazily) to the Redis at ``url``, e.g. ``redis://host:6379/0``.

        ``connect_timeout`` bounds connecting and each answer; other keyword arguments are
        those of ``RedisRateLimiter``. The limiter owns this connection: ``aclose()`` it.
        """
        client = aioredis.Redis.from_url(
            url, socket_connect_timeout=connect_timeout, socket_timeout=connect_timeout
        )
        limiter = cls(client, **options)
        limiter._owns_client = True
        return limiter

    # --- the store --------------------------------------------------------------------------

    async def _transact(self, key: str, step: Step[T]) -> T:
        # One step at a time per process: the compare-and-set then only races the other
        # processes, instead of every waiting task of this one (which would retry O(n^2)).
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            return await self._swap_step(key, step)

    async def _swap_step(self, key: str, step: Step[T]) -> T:
        name = self._prefix + key
        # Optimistic: assume the budget is what this process saw last, at Redis's time as
        # estimated from the last answer; a wrong guess costs one round trip, which returns
        # the real budget and time.
        current = self._seen.get(key)
        now = time.time() + self._clock_offset
        if current is None:
            _, current, now = await self._call(name, "", "")  # "" writes nothing: a read
        for _ in range(_MAX_SWAPS):
            budget, result = step(budget_from_json(current), now)
            new = budget_to_json(budget)
            if new == current:
                self._seen[key] = current
                return result
            ok, current, now = await self._call(name, current, new)
            if ok:
                self._seen[key] = new
                return result
        raise RateLimiterUnavailableError(
            f"the rate budget in Redis at {self._where} kept changing under this process "
            f"({_MAX_SWAPS} attempts); retry"
        )

    async def _call(self, name: str, expected: str, new: str) -> tuple[bool, str, float]:
        answer = await self._swap(keys=[name], args=[expected, new, self._key_ttl_ms])
        ok, current, seconds, micros = answer
        text = current.decode() if isinstance(current, bytes) else str(current)
        now = int(seconds) + int(micros) / 1e6
        self._clock_offset = now - time.time()
        return bool(ok), text, now

    async def _wait(self, key: str, seconds: float | None) -> None:
        """Wait for a time or for news; one task per process watches Redis for the others.

        The watcher reads the budget every 50 ms. It wakes this process's tasks waiting for
        news when the budget changed, and those waiting for a time when a request may start
        (another process gave a reservation back, or an answer showed more remains).
        """
        if key in self._watching:
            await super()._wait(key, seconds)
            return
        self._watching.add(key)
        try:
            await self._watch(key, seconds)
        finally:
            self._watching.discard(key)

    async def _watch(self, key: str, seconds: float | None) -> None:
        deadline = None if seconds is None else time.monotonic() + seconds
        while deadline is None or time.monotonic() < deadline:
            pause = _WATCH_INTERVAL * random.uniform(0.5, 1.0)
            if deadline is not None:
                pause = min(pause, max(deadline - time.monotonic(), 0.0))
            if await self._announced(key, seconds, pause):
                return  # news from this process itself
            _, current, now = await self._call(self._prefix + key, "", "")
            changed = current != self._seen.get(key)
            self._seen[key] = current
            # A request may start: say so even if nothing changed since this process last
            # looked (its own news may have come while this read was on its way).
            opened = opens(budget_from_json(current), now)
            if changed or opened:
                self._announce(key, opened=opened)
            if opened or (changed and seconds is None):
                return

    # --- the limiter, with the fallback -----------------------------------------------------

    async def acquire(self, key: str, *, max_wait: float) -> Reservation:
        """Wait until the shared budget allows one more request, then reserve it.

        Raises:
            RateLimitError: the wait would be longer than ``max_wait`` seconds.
            RateLimiterUnavailableError: Redis cannot be reached (``on_unavailable="raise"``).

        """
        if not self._redis_down():
            try:
                return await super().acquire(key, max_wait=max_wait)
            except (RedisError, OSError, asyncio.TimeoutError) as exc:
                self._failed(exc)
        reservation = await self._local.acquire(key, max_wait=max_wait)
        self._local_ids.add(reservation.id)
        return reservation

    async def confirm(self, reservation: Reservation) -> bool:
        """Re-check a reservation before sending; False: it was given back."""
        if reservation.id in self._local_ids:
            return await self._local.confirm(reservation)
        try:
            return await super().confirm(reservation)
        except (RedisError, OSError, asyncio.TimeoutError) as exc:
            self._failed(exc)
            return True  # "local": go ahead; the reservation lapses in Redis on its own

    async def release(self, reservation: Reservation) -> None:
        """Give back a reservation whose request was never sent."""
        if reservation.id in self._local_ids:
            self._local_ids.discard(reservation.id)
            await self._local.release(reservation)
            return
        try:
            await super().release(reservation)
        except (RedisError, OSError, asyncio.TimeoutError) as exc:
            self._lost(exc)

    async def record(self, reservation: Reservation, feedback: RateLimitFeedback | None) -> None:
        """Settle a sent request with what its response said (None: no response)."""
        if reservation.id in self._local_ids:
            self._local_ids.discard(reservation.id)
            await self._local.record(reservation, feedback)
            return
        try:
            await super().record(reservation, feedback)
        except (RedisError, OSError, asyncio.TimeoutError) as exc:
            self._lost(exc)

    async def budget(self, key: str) -> Budget:
        """Read the current budget of ``key`` from Redis (for inspection and tests)."""
        _, current, _ = await self._call(self._prefix + key, "", "")
        return budget_from_json(current)

    def _redis_down(self) -> bool:
        return self._down_until is not None and time.monotonic() < self._down_until

    def _failed(self, exc: BaseException) -> None:
        """Redis failed during an acquire or a confirm: raise, or fall back (logged)."""
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if self._on_unavailable == "raise":
            raise RateLimiterUnavailableError(
                f"Redis at {self._where} is unreachable ({reason}); nothing was sent. Check "
                "that Redis runs at that address, or pass on_unavailable='local' to fall "
                "back to per-process accounting"
            ) from None
        if self._down_until is None or not self._redis_down():
            logger.warning(
                "Redis at %s is unreachable (%s): keeping the rate budget in this process "
                "for %g s; other processes are not coordinated meanwhile",
                self._where,
                reason,
                self._retry_interval,
            )
        self._down_until = time.monotonic() + self._retry_interval

    def _lost(self, exc: BaseException) -> None:
        """Redis failed while settling: the reservation lapses on its own; log it."""
        logger.warning(
            "Redis at %s failed while settling a reservation (%s); it lapses within %g s",
            self._where,
            type(exc).__name__,
            self.lease_seconds,
        )

    # --- lifecycle --------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the Redis connection if this limiter opened it (``from_url``); idempotent."""
        if self._owns_client:
            self._owns_client = False
            await self._redis.aclose()

    def __repr__(self) -> str:
        return f"<RedisRateLimiter {self._where} prefix={self._prefix!r}>"


def _describe(client: aioredis.Redis) -> str:
    """Where the client connects, without any password: ``host:port/db`` or a socket path."""
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix:{kwargs['path']}/{kwargs.get('db', 0)}"
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
