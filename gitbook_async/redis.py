"""A rate budget shared through Redis by every process and machine using one token.

```python
from gitbook_async import GitBookClient
from gitbook_async.redis import RedisRateLimiter

limiter = RedisRateLimiter.from_url("redis://localhost:6379/0")
client = GitBookClient(rate_limiter=limiter)
```

Needs the ``redis`` extra: ``pip install "gitbook-async[redis]"`` (redis-py's asyncio
client). The budget of each token lives under one Redis key, named by a SHA-256 of the API
origin and the token (never the token itself). A Lua script decides every step in one call
(``EVALSHA``), at Redis's own clock (``TIME``), so processes on machines whose clocks differ
still agree on when a window ends. Per key, each process keeps at most one call in flight:
it carries the answers to settle, the reservations to give back, and reserves for all the
tasks waiting at that moment (up to ``batch``). Waiting processes hear news on one pub/sub
channel. About one command per request in all; see docs/rate-limits.md.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import random
import secrets
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
from gitbook_async._constants import (
    DEFAULT_LEASE_SECONDS,
    DEFAULT_RELEASE_SPREAD,
    LOGGER_NAME,
    NEWS_TIMEOUT,
    REDIS_BATCH,
    REDIS_CONNECT_TIMEOUT,
    REDIS_KEY_TTL,
    REDIS_NEWS_CHANNEL,
    REDIS_PREFIX,
    REDIS_RETRY_INTERVAL,
    REDIS_SETTLE_DELAY,
    TOO_MANY_REQUESTS,
)
from gitbook_async._errors import (
    ClientClosedError,
    ConfigurationError,
    RateLimiterUnavailableError,
)
from gitbook_async._ratelimit._budget import Budget, RateLimitFeedback
from gitbook_async._ratelimit._codec import budget_from_json
from gitbook_async._ratelimit._limiter import (
    LocalRateLimiter,
    Reservation,
    log_wait,
    too_long,
)
from gitbook_async._ratelimit._script import SCRIPT, Answer, steps_json

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_KEY_TTL",
    "DEFAULT_PREFIX",
    "DEFAULT_RETRY_INTERVAL",
    "RateLimiterUnavailableError",
    "RedisRateLimiter",
]

logger = logging.getLogger(LOGGER_NAME)

DEFAULT_PREFIX: Final = REDIS_PREFIX
"""Prefix of the Redis keys that hold the budgets (``_constants.REDIS_PREFIX``)."""

DEFAULT_KEY_TTL: Final = REDIS_KEY_TTL
"""Seconds a budget stays in Redis after its last change (``_constants.REDIS_KEY_TTL``)."""

DEFAULT_CONNECT_TIMEOUT: Final = REDIS_CONNECT_TIMEOUT
"""Seconds to connect to Redis and to wait for an answer (``_constants.REDIS_CONNECT_TIMEOUT``)."""

DEFAULT_RETRY_INTERVAL: Final = REDIS_RETRY_INTERVAL
"""Seconds of local accounting before Redis is tried again (``_constants.REDIS_RETRY_INTERVAL``)."""

OnUnavailable = Literal["raise", "local"]

_FAILURES: Final = (RedisError, OSError, asyncio.TimeoutError)


class _StoreFailedError(Exception):
    """Redis failed during the call a waiting task depended on (handled in acquire/confirm)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(cause)
        self.cause = cause


class _Waiter:
    """One task waiting in ``acquire`` for a reservation of this process's next call."""

    __slots__ = ("future", "max_wait", "timed")

    def __init__(self, future: asyncio.Future[str], max_wait: float) -> None:
        self.future = future
        self.max_wait = max_wait
        self.timed = False  # told to wait for a time (a reset, a pause) at least once


class _Key:
    """What this process has pending for one budget, and what it heard about it."""

    def __init__(self) -> None:
        self.waiters: collections.deque[_Waiter] = collections.deque()
        self.settles: list[tuple[str, RateLimitFeedback | None]] = []
        self.give_backs: list[str] = []
        self.rechecks: list[tuple[str, asyncio.Future[bool]]] = []
        self.flushed: list[asyncio.Future[None]] = []  # ``_flush`` callers
        self.since: float | None = None  # when the oldest pending settle was queued
        self.wake = asyncio.Event()
        self.news = 0  # messages heard from other processes
        self.opened = 0  # ... that said a request may start now
        self.doubt = 0  # news that granted reservations may have to be given back
        self.grants: dict[str, int] = {}  # reservation id -> ``doubt`` when granted
        self.task: asyncio.Task[None] | None = None

    def idle(self) -> bool:
        return not (self.waiters or self.settles or self.give_backs or self.rechecks)


class RedisRateLimiter(AsyncClosing):
    """A rate limiter whose budgets live in Redis, shared by every process that uses it.

    Pass it to each ``GitBookClient`` (``rate_limiter=``) of every worker, process or
    machine that uses the same token; they then keep together to the server's limit.
    Close it (``await limiter.aclose()`` or ``async with``) when done: closing settles what
    is still pending; clients never close it. Use it from one event loop.

    Args:
        client: A ``redis.asyncio.Redis`` client (borrowed: ``aclose()`` leaves it open).
        prefix: Prefix of the Redis keys (and of the news channel, ``prefix + "news"``).
        on_unavailable: When Redis cannot be reached: ``"raise"`` (default) raises
            ``RateLimiterUnavailableError`` and sends nothing; ``"local"`` logs a warning and
            keeps the budget in this process until Redis answers again (tried every
            ``retry_interval`` seconds), so the processes no longer coordinate meanwhile.
        retry_interval: See ``on_unavailable``.
        release_spread: Seconds over which processes released together (at a reset, after
            a pause) spread out.
        lease_seconds: How long a reservation counts if its process dies before settling it.
        key_ttl: Seconds a budget stays in Redis after its last change.
        batch: Most reservations one call takes for the tasks of this process waiting then.
        settle_delay: Seconds answers may gather before they are settled in one call (a
            call that reserves goes at once and takes them along).

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
        batch: int = REDIS_BATCH,
        settle_delay: float = REDIS_SETTLE_DELAY,
    ) -> None:
        if on_unavailable not in ("raise", "local"):
            raise ConfigurationError(
                f"on_unavailable must be 'raise' or 'local', got {on_unavailable!r}"
            )
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise ConfigurationError(f"batch must be an int >= 1, got {batch!r}")
        self._redis = client
        self._owns_client = False
        self._prefix = prefix
        self._channel = prefix + REDIS_NEWS_CHANNEL
        self._on_unavailable = on_unavailable
        self._retry_interval = retry_interval
        self.release_spread = release_spread
        self.lease_seconds = lease_seconds
        self._key_ttl_ms = str(int(key_ttl * 1000))
        self._batch = batch
        self._settle_delay = settle_delay
        self._script = client.register_script(SCRIPT)
        self._sender = secrets.token_hex(8)
        self._local = LocalRateLimiter(release_spread=release_spread)
        self._local_ids: set[str] = set()
        self._down_until: float | None = None
        self._where = _describe(client)
        self._keys: dict[str, _Key] = {}
        self._listener: asyncio.Task[None] | None = None
        self._subscribed: asyncio.Event | None = None
        self._helpers: set[asyncio.Task[None]] = set()
        self._closed = False

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

    # --- the four steps -----------------------------------------------------------------------

    async def acquire(self, key: str, *, max_wait: float) -> Reservation:
        """Wait until the shared budget allows one more request, then reserve it.

        Raises:
            RateLimitError: the wait would be longer than ``max_wait`` seconds.
            RateLimiterUnavailableError: Redis cannot be reached (``on_unavailable="raise"``).
            ClientClosedError: the limiter is closed.

        """
        if self._closed:
            raise ClientClosedError(
                "this RedisRateLimiter is closed; create a new one (or close it only after "
                "the clients using it)"
            )
        if not self._redis_down():
            state = self._key(key)
            loop = asyncio.get_running_loop()
            waiter = _Waiter(loop.create_future(), max_wait)
            state.waiters.append(waiter)
            self._kick(key, state)
            started = time.monotonic()
            try:
                lease_id = await waiter.future
            except _StoreFailedError as failed:
                self._failed(failed.cause)
            except asyncio.CancelledError:
                self._abandon(key, state, waiter)
                raise
            else:
                if waiter.timed:
                    log_wait(time.monotonic() - started)
                return Reservation(key, lease_id)
        reservation = await self._local.acquire(key, max_wait=max_wait)
        self._local_ids.add(reservation.id)
        return reservation

    async def confirm(self, reservation: Reservation) -> bool:
        """Re-check a reservation before sending; False: it was given back.

        No round trip unless news came since it was granted that may take it back (a
        pause, more reserved than the server allows): then the script re-checks it.
        """
        if reservation.id in self._local_ids:
            return await self._local.confirm(reservation)
        state = self._key(reservation.key)
        granted = state.grants.get(reservation.id)
        if granted is not None and granted == state.doubt:
            return True
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        state.rechecks.append((reservation.id, future))
        self._kick(reservation.key, state)
        try:
            confirmed = await future
        except _StoreFailedError as failed:
            self._failed(failed.cause)
            return True  # "local": go ahead; the reservation lapses in Redis on its own
        if confirmed:
            state.grants[reservation.id] = state.doubt
        else:
            state.grants.pop(reservation.id, None)
        return confirmed

    async def release(self, reservation: Reservation) -> None:
        """Give back a reservation whose request was never sent (settled in the next call)."""
        if reservation.id in self._local_ids:
            self._local_ids.discard(reservation.id)
            await self._local.release(reservation)
            return
        state = self._key(reservation.key)
        state.grants.pop(reservation.id, None)
        state.give_backs.append(reservation.id)
        self._queued(reservation.key, state)

    async def record(self, reservation: Reservation, feedback: RateLimitFeedback | None) -> None:
        """Settle a sent request with what its response said (None: no response).

        The answer is settled in Redis by this process's next call, within ``settle_delay``;
        it never fails the request (a failure is logged; the reservation then lapses).
        """
        if reservation.id in self._local_ids:
            self._local_ids.discard(reservation.id)
            await self._local.record(reservation, feedback)
            return
        state = self._key(reservation.key)
        state.grants.pop(reservation.id, None)
        state.settles.append((reservation.id, feedback))
        if feedback is not None and feedback.status == TOO_MANY_REQUESTS:
            state.since = 0.0  # a refusal pauses everyone: no gathering
        self._queued(reservation.key, state)

    async def budget(self, key: str) -> Budget:
        """Read the current budget of ``key`` from Redis, after settling what is pending here.

        For inspection and tests.
        """
        await self._flush(key)
        try:
            stored = await self._redis.get(self._prefix + key)
        except _FAILURES as exc:
            raise RateLimiterUnavailableError(
                f"Redis at {self._where} is unreachable ({type(exc).__name__}); the budget "
                "cannot be read"
            ) from None
        return budget_from_json(stored)

    # --- one call per key at a time -----------------------------------------------------------

    def _key(self, key: str) -> _Key:
        state = self._keys.get(key)
        if state is None:
            state = self._keys[key] = _Key()
        return state

    def _queued(self, key: str, state: _Key) -> None:
        if state.since is None:
            state.since = time.monotonic()
        self._kick(key, state)

    def _kick(self, key: str, state: _Key) -> None:
        """Make sure this key's call loop runs, and wake it."""
        state.wake.set()
        if state.task is None or state.task.done():
            state.task = asyncio.create_task(self._run(key, state), name="gitbook-redis-budget")

    def _abandon(self, key: str, state: _Key, waiter: _Waiter) -> None:
        """Forget a cancelled waiting task, or give back what it was granted."""
        future = waiter.future
        if future.done() and not future.cancelled() and future.exception() is None:
            lease_id = future.result()
            state.grants.pop(lease_id, None)
            state.give_backs.append(lease_id)
            self._queued(key, state)
        else:
            with contextlib.suppress(ValueError):
                state.waiters.remove(waiter)

    async def _flush(self, key: str) -> None:
        state = self._keys.get(key)
        if state is None or not (state.settles or state.give_backs):
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        state.flushed.append(future)
        state.since = 0.0  # due now
        self._kick(key, state)
        await future

    async def _run(self, key: str, state: _Key) -> None:
        """Run the call loop of ``key``: one script call at a time, while anything is pending."""
        ask_at: float | None = None  # the waiting tasks ask again then (monotonic)
        for_news = False  # ... or earlier at any news; else only when one says "opened"
        news_mark = opened_mark = 0
        await self._listening()
        while True:
            state.wake.clear()
            if state.waiters:
                state.waiters = collections.deque(w for w in state.waiters if not w.future.done())
            if state.idle():
                for future in state.flushed:
                    if not future.done():
                        future.set_result(None)
                state.flushed.clear()
                return
            now = time.monotonic()
            due = [] if state.rechecks else [_LATER]
            if state.waiters:
                heard = state.opened != opened_mark or (for_news and state.news != news_mark)
                due.append(0.0 if ask_at is None or heard else ask_at - now)
            if state.since is not None:
                due.append(state.since + self._settle_delay - now)
            pause = min(due) if due else 0.0
            if pause > 0:
                await _woken(state.wake, pause)
                continue
            news_mark, opened_mark = state.news, state.opened
            answer = await self._call(key, state)
            if answer is None:
                ask_at = None
                continue
            ask_at, for_news = self._grant(key, state, answer)

    def _grant(self, key: str, state: _Key, answer: Answer) -> tuple[float | None, bool]:
        """Hand out what a call granted; tell when the tasks left waiting ask again."""
        if answer.doubtful:
            state.doubt += 1
        granted = list(answer.granted)
        while granted and state.waiters:
            waiter = state.waiters.popleft()
            if waiter.future.done():
                continue
            lease_id = granted.pop(0)
            state.grants[lease_id] = state.doubt
            waiter.future.set_result(lease_id)
        if granted:  # the tasks went away meanwhile
            state.give_backs.extend(granted)
            self._queued(key, state)
        if answer.send or not state.waiters:
            return None, False
        if answer.wait is None:
            return time.monotonic() + NEWS_TIMEOUT * random.uniform(0.5, 1.0), True
        seconds = answer.wait
        for waiter in list(state.waiters):
            if seconds > waiter.max_wait:
                state.waiters.remove(waiter)
                waiter.future.set_exception(too_long(seconds, waiter.max_wait))
            else:
                waiter.timed = True
        jitter = random.uniform(0.0, self.release_spread)
        return time.monotonic() + seconds + jitter, False

    async def _call(self, key: str, state: _Key) -> Answer | None:
        """One script call with everything pending for ``key``; None if Redis failed."""
        settles, state.settles = state.settles, []
        give_backs, state.give_backs = state.give_backs, []
        rechecks, state.rechecks = state.rechecks, []
        flushed, state.flushed = state.flushed, []
        state.since = None
        waiting = [w for w in state.waiters if not w.future.done()][: self._batch]
        take = [secrets.token_hex(8) for _ in waiting]
        steps = steps_json(
            settle=settles,
            give_back=give_backs,
            recheck=[lease_id for lease_id, _ in rechecks],
            take=take,
        )
        try:
            raw = await self._script(
                keys=[self._prefix + key],
                args=["", self.lease_seconds, self._key_ttl_ms, self._channel, self._sender, steps],
            )
            got = Answer.from_json(raw)
        except _FAILURES as exc:
            failed = _StoreFailedError(exc)
            for waiter in list(state.waiters):
                if not waiter.future.done():
                    waiter.future.set_exception(failed)
            state.waiters.clear()
            for _, check in rechecks:
                if not check.done():
                    check.set_exception(failed)
            if settles or give_backs:
                self._lost(exc)
            answer: Answer | None = None
        else:
            answer = got
            for (_, check), confirmed in zip(rechecks, got.rechecked, strict=True):
                if not check.done():
                    check.set_result(confirmed)
        for flush in flushed:
            if not flush.done():
                flush.set_result(None)
        return answer

    # --- news from the other processes --------------------------------------------------------

    async def _listening(self) -> None:
        """Start the news listener once; wait (briefly) until it is subscribed."""
        if self._closed:
            return
        if self._listener is None or self._listener.done():
            self._subscribed = asyncio.Event()
            self._listener = asyncio.create_task(self._listen(), name="gitbook-redis-news")
        assert self._subscribed is not None
        await _woken(self._subscribed, NEWS_TIMEOUT)

    async def _listen(self) -> None:
        """Hear the scripts' messages (``sender key kinds``) for as long as the limiter is open.

        A message from another process wakes this process's call loop of that key. A lost
        message costs at most ``NEWS_TIMEOUT``: the waiting tasks then ask again anyway.
        """
        assert self._subscribed is not None
        while not self._closed:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                self._subscribed.set()
                while not self._closed:
                    message = await pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=NEWS_TIMEOUT
                    )
                    if message is not None:
                        self._heard(message.get("data"))
            except _FAILURES:
                self._subscribed.set()  # nobody waits for a subscription that failed
                await asyncio.sleep(self._retry_interval)
            finally:
                with contextlib.suppress(*_FAILURES):
                    await pubsub.aclose()

    def _heard(self, data: object) -> None:
        text = data.decode() if isinstance(data, bytes) else str(data)
        sender, _, rest = text.partition(" ")
        name, _, kinds = rest.partition(" ")
        if sender == self._sender or not name.startswith(self._prefix):
            return
        state = self._keys.get(name[len(self._prefix) :])
        if state is None:
            return
        state.news += 1
        if "o" in kinds:
            state.opened += 1
        if "d" in kinds:
            state.doubt += 1
        state.wake.set()

    # --- when Redis fails ---------------------------------------------------------------------

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
        """Redis failed while settling: the reservations lapse on their own; log it."""
        logger.warning(
            "Redis at %s failed while settling reservations (%s); they lapse within %g s",
            self._where,
            type(exc).__name__,
            self.lease_seconds,
        )

    # --- lifecycle --------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Settle what is pending, stop listening, close the connection if ours; idempotent.

        The connection is ours when the limiter opened it (``from_url``).
        """
        if self._closed:
            return
        self._closed = True
        for key in list(self._keys):
            with contextlib.suppress(*_FAILURES):
                await self._flush(key)
        tasks = [state.task for state in self._keys.values() if state.task is not None]
        if self._listener is not None:
            tasks.append(self._listener)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._owns_client:
            self._owns_client = False
            await self._redis.aclose()

    def __repr__(self) -> str:
        return f"<RedisRateLimiter {self._where} prefix={self._prefix!r}>"


async def _woken(event: asyncio.Event, seconds: float) -> None:
    """Wait until ``event`` is set, or at most ``seconds``."""
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


_LATER: Final = 3600.0
"""A pause long enough to mean "until woken" in the call loop."""


def _describe(client: aioredis.Redis) -> str:
    """Where the client connects, without any password: ``host:port/db`` or a socket path."""
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix:{kwargs['path']}/{kwargs.get('db', 0)}"
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
