"""One request inside the shared budget: reserve, take a slot, re-check, send, record."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from gitbook_async._errors import RateLimitError
from gitbook_async._ratelimit._budget import RateLimitFeedback
from gitbook_async._ratelimit._limiter import RateLimiter

__all__ = ["budget_key", "spend"]

Outcome = TypeVar("Outcome")


def budget_key(origin: str, token: str) -> str:
    """Name the budget of ``token`` at ``origin`` without revealing the token (SHA-256)."""
    return hashlib.sha256(f"{origin}\n{token}".encode("utf-8", "surrogatepass")).hexdigest()


async def spend(
    limiter: RateLimiter,
    key: str,
    send: Callable[[], Awaitable[Outcome]],
    *,
    slots: asyncio.Semaphore,
    max_wait: float,
    feedback: Callable[[Outcome], RateLimitFeedback | None],
    url: str,
) -> Outcome:
    """Send one attempt within the budget ``key`` of ``limiter`` and return its outcome.

    Reserves before sending (waiting while the budget is spent), then takes one of the
    in-flight ``slots`` and re-checks the reservation, since news may have come while it
    queued; a reservation given back is reserved again. After sending, ``feedback(outcome)``
    is recorded. A reservation never sent (cancelled) is given back; a request sent without
    an answer is recorded as such (the server may have counted it).

    Raises:
        RateLimitError: the budget allows the next request only after more than
            ``max_wait`` seconds (its ``url`` is set to ``url``).

    """
    while True:
        try:
            reservation = await limiter.acquire(key, max_wait=max_wait)
        except RateLimitError as error:
            error.url = error.url or url
            raise
        sent = False
        try:
            async with slots:
                confirmed = await limiter.confirm(reservation)
                if not confirmed:
                    await asyncio.sleep(0)  # given back: let the news that caused it land
                    continue  # and reserve again
                sent = True
                outcome = await send()
        except BaseException:
            if sent:
                await limiter.record(reservation, None)
            else:
                await limiter.release(reservation)
            raise
        await limiter.record(reservation, feedback(outcome))
        return outcome
