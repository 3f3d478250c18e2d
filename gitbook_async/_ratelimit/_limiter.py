"""The limiter protocol, and the in-process limiter that keeps the budget in memory.

``GitBookClient`` talks to a limiter in four steps per attempt (issue 11)::

    reservation = await limiter.acquire(key, max_wait=policy.max_wait)  # may wait
    async with in_flight_slot:
        if not await limiter.confirm(reservation):   # news came while queued: given back
            ...acquire again...
        try:
            response = await send()
        except BaseException:
            await limiter.record(reservation, None)  # sent, no answer: still counts
        await limiter.record(reservation, RateLimitFeedback.from_response(...))

and ``release(reservation)`` gives back a reservation that was never sent (cancelled).
``confirm`` need not cost a round trip: a limiter may answer True at once while no news
came that could take the reservation back (``RedisRateLimiter`` does). ``LocalRateLimiter``
applies each step to its budget synchronously, one pure function per step, and wakes
waiting tasks only when some wait.
"""

from __future__ import annotations

import abc
import asyncio
import itertools
import logging
import random
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Final, Protocol, TypeVar, runtime_checkable

import attrs

from gitbook_async._constants import (
    DEFAULT_LEASE_SECONDS,
    DEFAULT_RELEASE_SPREAD,
    LOGGER_NAME,
    NEWS_TIMEOUT,
)
from gitbook_async._errors import RateLimitError
from gitbook_async._ratelimit._budget import (
    Budget,
    Decision,
    Lease,
    RateLimitFeedback,
    Send,
    advance,
    give_back,
    plan,
    recheck,
    settle,
    take,
)

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "DEFAULT_RELEASE_SPREAD",
    "BudgetLimiter",
    "LocalRateLimiter",
    "RateLimiter",
    "Reservation",
    "log_wait",
    "too_long",
]

logger = logging.getLogger(LOGGER_NAME)

T = TypeVar("T")
Step = Callable[[Budget, float], tuple[Budget, T]]


@attrs.frozen
class Reservation:
    """One request's claim on the budget, from ``acquire`` until ``record`` or ``release``.

    Attributes:
        key: The budget it was taken from (a hash of the API origin and the token).
        id: Unique id of the reservation.

    """

    key: str
    id: str


@runtime_checkable
class RateLimiter(Protocol):
    """A rate budget shared by every client, task, process or machine using one token.

    ``GitBookClient(rate_limiter=...)`` takes any object with these four methods; the
    default is a ``LocalRateLimiter`` per client. ``key`` names one budget: the client
    passes a SHA-256 of its API origin and token (never the token itself), so one limiter
    can serve clients of several tokens. See docs/rate-limits.md for the rules a limiter
    follows; ``LocalRateLimiter`` and ``gitbook_async.redis.RedisRateLimiter`` implement
    them on top of the pure functions of ``gitbook_async._ratelimit._budget``.
    """

    async def acquire(self, key: str, *, max_wait: float) -> Reservation:
        """Wait until the budget allows one more request, then reserve it.

        Raises:
            RateLimitError: the wait would be longer than ``max_wait`` seconds; its
                ``retry_after`` says how long.
            RateLimiterUnavailableError: the limiter's store cannot be reached.

        """
        ...

    async def confirm(self, reservation: Reservation) -> bool:
        """Re-check a reservation just before sending; False means it was given back.

        Called once per attempt, after the in-flight slot was taken: answer at once (True)
        when no news came since ``acquire`` that could take the reservation back.
        """
        ...

    async def release(self, reservation: Reservation) -> None:
        """Give back a reservation whose request was never sent."""
        ...

    async def record(self, reservation: Reservation, feedback: RateLimitFeedback | None) -> None:
        """Settle a sent request with what its response said (None: it got no response)."""
        ...


class BudgetLimiter(abc.ABC):
    """A limiter built on the pure budget rules: subclasses only store the budget.

    A subclass implements ``_transact(key, step)``: read the budget of ``key`` and the
    store's clock, apply ``step``, write the new budget atomically, return the step's
    result.
    """

    def __init__(self, *, release_spread: float, lease_seconds: float, news_poll: float) -> None:
        self.release_spread = release_spread
        self.lease_seconds = lease_seconds
        self._news_poll = news_poll
        self._news: dict[str, asyncio.Event] = {}  # any answer or give-back
        self._open: dict[str, asyncio.Event] = {}  # ... after which a request may start

    @abc.abstractmethod
    async def _transact(self, key: str, step: Step[T]) -> T:
        """Apply ``step`` to the budget of ``key`` atomically; return its result."""

    async def acquire(self, key: str, *, max_wait: float) -> Reservation:
        """Wait until the budget allows one more request, then reserve it.

        Raises:
            RateLimitError: the wait would be longer than ``max_wait`` seconds.

        """
        lease_id = secrets.token_hex(8)
        started = time.monotonic()
        timed = False  # waited for a time (a reset, a pause) at least once
        while True:
            jitter = random.uniform(0.0, self.release_spread)

            def step(budget: Budget, now: float, jitter: float = jitter) -> tuple[Budget, Decision]:
                lease = Lease(lease_id, now + self.lease_seconds)
                return take(budget, now, lease, jitter=jitter)

            decision = await self._transact(key, step)
            if isinstance(decision, Send):
                if timed:
                    log_wait(time.monotonic() - started)
                return Reservation(key, lease_id)
            seconds = decision.seconds
            if seconds is not None and seconds - jitter > max_wait:  # jitter is ours
                raise too_long(seconds - jitter, max_wait)
            timed = timed or seconds is not None
            await self._wait(key, seconds)

    async def confirm(self, reservation: Reservation) -> bool:
        """Re-check a reservation after taking an in-flight slot; False: it was given back."""

        def step(budget: Budget, now: float) -> tuple[Budget, tuple[bool, bool]]:
            budget, confirmed = recheck(
                budget, now, reservation.id, renew_until=now + self.lease_seconds
            )
            return budget, (confirmed, opens(budget, now))

        confirmed, opened = await self._transact(reservation.key, step)
        if not confirmed:
            self._announce(reservation.key, opened=opened)
        return confirmed

    async def release(self, reservation: Reservation) -> None:
        """Give back a reservation whose request was never sent."""

        def step(budget: Budget, now: float) -> tuple[Budget, bool]:
            budget = give_back(budget, reservation.id)
            return budget, opens(budget, now)

        self._announce(reservation.key, opened=await self._transact(reservation.key, step))

    async def record(self, reservation: Reservation, feedback: RateLimitFeedback | None) -> None:
        """Settle a sent request with what its response said (None: no response)."""

        def step(budget: Budget, now: float) -> tuple[Budget, bool]:
            budget = settle(budget, reservation.id, feedback, now)
            return budget, opens(budget, now)

        self._announce(reservation.key, opened=await self._transact(reservation.key, step))

    def _announce(self, key: str, *, opened: bool) -> None:
        """Wake this process's tasks waiting for news of ``key`` (all of them if ``opened``).

        Tasks waiting for news (an answer) wake on any; tasks waiting for a time (the
        reset) wake early only when a request may start now.
        """
        for events in (self._news, self._open) if opened else (self._news,):
            event = events.pop(key, None)
            if event is not None:
                event.set()

    async def _wait(self, key: str, seconds: float | None) -> None:
        timeout = self._news_poll * random.uniform(0.5, 1.0) if seconds is None else seconds
        await self._announced(key, seconds, timeout)

    async def _announced(self, key: str, seconds: float | None, timeout: float) -> bool:
        """Wait up to ``timeout`` for this process's news that ends a ``seconds`` wait.

        Returns whether the news came (else the time ran out).
        """
        events = self._news if seconds is None else self._open
        event = events.get(key)
        if event is None:
            event = events[key] = asyncio.Event()
        try:
            await asyncio.wait_for(event.wait(), max(timeout, 0.0))
        except asyncio.TimeoutError:
            return False
        return True


def opens(budget: Budget, now: float) -> bool:
    """Tell whether a request may start now under ``budget``."""
    return isinstance(plan(advance(budget, now), now), Send)


_FRESH: Final = Budget()
"""The budget of a key nobody used yet (budgets are frozen values: one serves every key)."""


class LocalRateLimiter(BudgetLimiter):
    """The in-process rate budget: every client and task of this process that shares it.

    ``GitBookClient`` creates one per client by default. Pass one instance to several
    clients (``rate_limiter=``) to share the budget among them; for several processes or
    machines use ``gitbook_async.redis.RedisRateLimiter``. Use it from one event loop.

    Args:
        release_spread: Seconds over which tasks released together (at a reset, after a
            pause) spread out, so that they do not start as a herd.

    """

    def __init__(self, *, release_spread: float = DEFAULT_RELEASE_SPREAD) -> None:
        super().__init__(
            release_spread=release_spread,
            lease_seconds=DEFAULT_LEASE_SECONDS,
            news_poll=NEWS_TIMEOUT,
        )
        self._budgets: dict[str, Budget] = {}
        self._ids = itertools.count()  # lease ids: unique within this limiter is enough

    def budget(self, key: str) -> Budget:
        """Return the current budget of ``key`` (for inspection and tests)."""
        return self._budgets.get(key, _FRESH)

    # The four steps apply the pure rules directly: no closure, no transaction object; the
    # budget is only this dict entry and nothing else runs between the read and the write.

    async def acquire(self, key: str, *, max_wait: float) -> Reservation:
        """Wait until the budget allows one more request, then reserve it.

        Raises:
            RateLimitError: the wait would be longer than ``max_wait`` seconds.

        """
        lease_id = f"{next(self._ids):x}"
        now = time.time()
        lease = Lease(lease_id, now + self.lease_seconds)
        budget, decision = take(self._budgets.get(key, _FRESH), now, lease)
        self._budgets[key] = budget
        if isinstance(decision, Send):  # the common case: no wait, no jitter drawn
            return Reservation(key, lease_id)
        return await super().acquire(key, max_wait=max_wait)

    async def confirm(self, reservation: Reservation) -> bool:
        """Re-check a reservation after taking an in-flight slot; False: it was given back."""
        key, now = reservation.key, time.time()
        budget, confirmed = recheck(
            self._budgets.get(key, _FRESH),
            now,
            reservation.id,
            renew_until=now + self.lease_seconds,
        )
        self._budgets[key] = budget
        if not confirmed:
            self._announce(key, opened=opens(budget, now))
        return confirmed

    async def release(self, reservation: Reservation) -> None:
        """Give back a reservation whose request was never sent."""
        key = reservation.key
        budget = self._budgets[key] = give_back(self._budgets.get(key, _FRESH), reservation.id)
        self._tell(key, budget)

    async def record(self, reservation: Reservation, feedback: RateLimitFeedback | None) -> None:
        """Settle a sent request with what its response said (None: no response)."""
        key, now = reservation.key, time.time()
        budget = settle(self._budgets.get(key, _FRESH), reservation.id, feedback, now)
        self._budgets[key] = budget
        self._tell(key, budget, now)

    def _tell(self, key: str, budget: Budget, now: float | None = None) -> None:
        """Wake the tasks waiting for news of ``key``, if any wait (the usual case: none)."""
        if key in self._news or key in self._open:
            now = time.time() if now is None else now
            self._announce(key, opened=opens(budget, now))

    @property
    def budgets(self) -> Mapping[str, Budget]:
        """Every budget this limiter keeps, by key."""
        return dict(self._budgets)

    async def _transact(self, key: str, step: Step[T]) -> T:
        budget, result = step(self._budgets.get(key, _FRESH), time.time())
        self._budgets[key] = budget
        return result

    def __repr__(self) -> str:
        return f"<LocalRateLimiter budgets={len(self._budgets)}>"


def log_wait(seconds: float) -> None:
    """Log, at INFO, that a call waited ``seconds`` in all for the rate budget (once per call)."""
    logger.info("rate budget spent: this call waited %.2f s for its turn", seconds)


def too_long(seconds: float, max_wait: float) -> RateLimitError:
    """Make the error of a call whose wait for the budget would exceed ``max_wait``."""
    return RateLimitError(
        f"the rate budget of this token allows the next request in {seconds:.1f} s, longer "
        f"than RetryPolicy.max_wait={max_wait:g} s; retry later (after retry_after seconds) "
        "or raise max_wait",
        status=429,
        retry_after=seconds,
    )
