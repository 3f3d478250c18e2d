"""RedisRateLimiter against a real redis-server (tests/_redis_server.py), on 127.0.0.1."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import ParamSpec

import pytest
import redis.asyncio as aioredis

from benchmarks import ratelimit as ratelimit_bench
from gitbook_async import (
    ClientClosedError,
    ConfigurationError,
    GitBookClient,
    RateLimiter,
    RateLimitError,
    RateLimitFeedback,
)
from gitbook_async.redis import RateLimiterUnavailableError, RedisRateLimiter
from gitbook_async.testing import DEMO_SPACE_ID, FakeGitBook, RateLimitWindow
from tests._redis_server import RedisServer, _missing, free_port

KEY = "0123456789abcdef" * 4
TIMEOUT = 10.0

Factory = Callable[..., RedisRateLimiter]
P = ParamSpec("P")


def hard_timeout(test: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """Fail a test that runs longer than TIMEOUT instead of hanging the suite."""

    @functools.wraps(test)
    async def bounded(*args: P.args, **kwargs: P.kwargs) -> None:
        await asyncio.wait_for(test(*args, **kwargs), TIMEOUT)

    return bounded


@pytest.fixture
async def limiters(redis_server: RedisServer) -> AsyncIterator[Factory]:
    """Make limiters on the session's Redis, all with this test's own key prefix."""
    prefix = f"test-{secrets.token_hex(4)}:"
    made: list[RedisRateLimiter] = []

    def make(**options: object) -> RedisRateLimiter:
        limiter = RedisRateLimiter.from_url(redis_server.url, prefix=prefix, **options)  # type: ignore[arg-type]
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        await limiter.aclose()


def news(remaining: int, reset: float, *, limit: int = 10, status: int = 200) -> RateLimitFeedback:
    return RateLimitFeedback(status=status, limit=limit, remaining=remaining, reset=reset)


@hard_timeout
async def test_it_is_a_rate_limiter_with_a_safe_repr(limiters: Factory) -> None:
    """RedisRateLimiter satisfies the protocol; its repr names host and prefix only."""
    limiter = limiters()
    assert isinstance(limiter, RateLimiter)
    assert "127.0.0.1" in repr(limiter)


@hard_timeout
async def test_the_budget_lives_in_redis(limiters: Factory) -> None:
    """A recorded answer is what every process then reads from Redis."""
    first, second = limiters(), limiters()
    probe = await first.acquire(KEY, max_wait=5)
    assert await first.confirm(probe)
    reset = time.time() + 100
    await first.record(probe, news(4, reset))
    await first.budget(KEY)  # settles what first has pending (within settle_delay anyway)
    budget = await second.budget(KEY)
    assert (budget.available, budget.limit, budget.reset, budget.leases) == (4, 10, reset, ())


@hard_timeout
async def test_processes_share_one_budget_atomically(limiters: Factory) -> None:
    """Three limiters racing for a budget of 10 grant exactly 10 reservations."""
    shared = [limiters(), limiters(), limiters()]
    probe = await shared[0].acquire(KEY, max_wait=5)
    await shared[0].record(probe, news(10, time.time() + 100))

    async def grab(limiter: RedisRateLimiter) -> bool:
        try:
            await limiter.acquire(KEY, max_wait=1.0)
        except RateLimitError:
            return False
        return True

    granted = await asyncio.gather(*(grab(shared[i % 3]) for i in range(30)))
    assert sum(granted) == 10
    assert len((await shared[1].budget(KEY)).leases) == 10


@hard_timeout
async def test_a_waiting_process_goes_when_another_process_records(limiters: Factory) -> None:
    """A process waiting for the probe's answer sees it through Redis (polling)."""
    first, second = limiters(), limiters()
    probe = await first.acquire(KEY, max_wait=5)
    waiter = asyncio.create_task(second.acquire(KEY, max_wait=5))
    await asyncio.sleep(0.2)
    assert not waiter.done()
    await first.record(probe, news(5, time.time() + 100))
    reservation = await waiter
    await second.release(reservation)
    assert (await second.budget(KEY)).available == 5


@hard_timeout
async def test_a_429_in_one_process_pauses_the_others(limiters: Factory) -> None:
    """A Retry-After pause recorded by one process makes another one wait (or raise)."""
    first, second = limiters(), limiters()
    probe = await first.acquire(KEY, max_wait=5)
    await first.record(probe, news(5, time.time() + 100))
    sent = await first.acquire(KEY, max_wait=5)
    await first.record(sent, RateLimitFeedback(status=429, retry_after=30.0))
    await first.budget(KEY)
    with pytest.raises(RateLimitError) as caught:
        await second.acquire(KEY, max_wait=2.0)
    assert caught.value.retry_after is not None
    assert 25 < caught.value.retry_after <= 30


@hard_timeout
async def test_unreachable_redis_raises_a_typed_error(limiters: Factory) -> None:
    """With on_unavailable="raise" (default), a closed port is a clear typed error, no secret."""
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    async with RedisRateLimiter.from_url(url, connect_timeout=1.0) as limiter:
        with pytest.raises(RateLimiterUnavailableError) as caught:
            await limiter.acquire(KEY, max_wait=5)
    message = str(caught.value)
    assert "unreachable" in message
    assert "127.0.0.1" in message
    assert "on_unavailable='local'" in message
    assert "hunter2" not in message
    assert "hunter2" not in repr(limiter)


@hard_timeout
async def test_unreachable_redis_falls_back_to_local_accounting(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With on_unavailable="local", the budget is kept in the process, with one warning."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    async with RedisRateLimiter.from_url(
        url, on_unavailable="local", connect_timeout=1.0
    ) as limiter:
        with caplog.at_level(logging.WARNING, logger="gitbook_async"):
            probe = await limiter.acquire(KEY, max_wait=5)
            assert await limiter.confirm(probe)
            await limiter.record(probe, news(0, time.time() + 100))
            with pytest.raises(RateLimitError):
                await limiter.acquire(KEY, max_wait=1.0)
            other = await limiter.acquire("other-key", max_wait=1.0)
            await limiter.release(other)
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1
    assert "in this process" in warnings[0].getMessage()


@hard_timeout
async def test_redis_failing_after_acquire_does_not_fail_the_request(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """When Redis goes away between acquire and record, confirm/record/release only log."""
    limiter = RedisRateLimiter.from_url(
        redis_server.url, prefix=f"t-{secrets.token_hex(4)}:", on_unavailable="local"
    )
    first = await limiter.acquire(KEY, max_wait=5)
    await limiter.record(first, news(5, time.time() + 100))
    second = await limiter.acquire(KEY, max_wait=5)
    third = await limiter.acquire(KEY, max_wait=5)
    await limiter.aclose()
    # An outage: from now on the limiter talks to a closed port.
    dead = RedisRateLimiter.from_url(f"redis://127.0.0.1:{free_port()}/0", connect_timeout=1.0)
    limiter._redis, limiter._script, limiter._closed = dead._redis, dead._script, False
    with caplog.at_level(logging.WARNING, logger="gitbook_async"):
        assert await limiter.confirm(second)  # no news since it was granted: no round trip
        await limiter.record(second, news(3, time.time() + 100))
        await limiter.release(third)
        await limiter._flush(KEY)
    await dead.aclose()
    messages = [r.getMessage() for r in caplog.records]
    assert any("failed while settling reservations" in m for m in messages)


def test_on_unavailable_must_be_known(redis_server: RedisServer) -> None:
    """A misspelt on_unavailable is refused at construction."""
    with pytest.raises(ConfigurationError, match="on_unavailable"):
        RedisRateLimiter.from_url(redis_server.url, on_unavailable="ignore")


def test_missing_redis_skips_locally_and_fails_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without redis-server the Redis tests skip, except with CI=true where they fail."""
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        _missing("redis-server is not installed")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="redis-server package"):
        _missing("redis-server is not installed")


@hard_timeout
async def test_tasks_of_one_process_waiting_for_the_probe_go_when_it_answers(
    limiters: Factory,
) -> None:
    """In one process, the task watching Redis also wakes on this process's own news."""
    limiter = limiters()
    probe = await limiter.acquire(KEY, max_wait=5)
    waiters = [asyncio.create_task(limiter.acquire(KEY, max_wait=5)) for _ in range(4)]
    await asyncio.sleep(0.2)
    assert not any(task.done() for task in waiters)
    assert await limiter.confirm(probe)
    await limiter.record(probe, news(10, time.time() + 100))
    reservations = await asyncio.gather(*waiters)
    for reservation in reservations:
        assert await limiter.confirm(reservation)
        await limiter.record(reservation, news(5, time.time() + 100))
    budget = await limiter.budget(KEY)
    assert budget.leases == ()
    assert budget.sends == 5


@hard_timeout
async def test_the_redis_key_is_a_hash_never_the_token(redis_server: RedisServer) -> None:
    """Through a client, the budget lives under prefix + SHA-256(origin, token)."""
    token = "gb_api_redis_secret_token"
    prefix = f"t-{secrets.token_hex(4)}:"
    async with (
        FakeGitBook.with_demo_data(token=token, rate_limit=RateLimitWindow(30, 1.0)) as server,
        RedisRateLimiter.from_url(redis_server.url, prefix=prefix) as limiter,
        GitBookClient(token, base_url=server.url, rate_limiter=limiter) as client,
    ):
        await client.spaces.list_integration_blocks(DEMO_SPACE_ID)
        keys = [key.decode() async for key in limiter._redis.scan_iter(f"{prefix}*")]
        key = hashlib.sha256(f"{server.url.rstrip('/')}\n{token}".encode()).hexdigest()
        assert keys == [prefix + key]
        budget = await limiter.budget(key)
    assert budget.limit == 30
    assert budget.leases == ()
    assert all(token not in k for k in keys)


def race_three_processes(redis_server: RedisServer, calls: int) -> ratelimit_bench.Run:
    """3 processes x ``calls`` calls on one token, 20 per second, sharing the budget in Redis."""

    async def race() -> ratelimit_bench.Run:
        window = RateLimitWindow(20, 1.0)
        async with FakeGitBook.with_demo_data(
            token=ratelimit_bench.TOKEN, rate_limit=window
        ) as server:
            return await asyncio.wait_for(
                ratelimit_bench.race(server, redis_server.url, calls=calls, count=3), 60
            )

    return asyncio.run(race())


def test_processes_sharing_redis_stay_within_the_limit(redis_server: RedisServer) -> None:
    """Three processes on one token, sharing the budget through Redis, get no 429."""
    run = race_three_processes(redis_server, calls=15)
    assert run.failed == 0
    assert run.requests == 45
    assert run.refused == 0
    assert max(window.requests for window in run.windows) <= 20


@hard_timeout
async def test_a_process_waiting_for_the_reset_goes_after_it(limiters: Factory) -> None:
    """A process that finds the budget spent waits for the reset, then reserves."""
    first, second = limiters(), limiters()
    probe = await first.acquire(KEY, max_wait=5)
    assert await first.confirm(probe)
    await first.record(probe, news(0, time.time() + 0.3))
    reservation = await second.acquire(KEY, max_wait=5)
    assert await second.confirm(reservation)
    budget = await first.budget(KEY)
    assert budget.rolled
    assert [lease.id for lease in budget.leases] == [reservation.id]


def test_a_unix_socket_url_is_described_without_secrets() -> None:
    """The repr of a limiter on a Unix socket names the path, never a password."""
    limiter = RedisRateLimiter.from_url("unix://:hunter2@/run/redis.sock?db=2")
    assert "unix:/run/redis.sock/2" in repr(limiter)
    assert "hunter2" not in repr(limiter)


# --- what it costs Redis (issue 18) -------------------------------------------------------------


@pytest.fixture
async def counter(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    """One connection that reads Redis's command counts (its handshake done once)."""
    client = aioredis.Redis.from_url(redis_server.url)
    await client.ping()
    yield client
    await client.aclose()


async def commands(counter: aioredis.Redis) -> dict[str, int]:
    """Calls per command Redis has counted so far (INFO commandstats)."""
    return await ratelimit_bench.command_counts(counter)


async def sent_since(counter: aioredis.Redis, before: dict[str, int]) -> int:
    """Commands clients sent since ``before`` (the INFO that measures excluded)."""
    return ratelimit_bench.command_delta(before, await commands(counter)).sent


@hard_timeout
async def test_confirm_costs_no_round_trip_and_a_batch_one(
    limiters: Factory, counter: aioredis.Redis
) -> None:
    """Ten tasks waiting for the probe get their reservations from one call; confirming
    them sends nothing; their ten answers are settled together."""
    limiter = limiters()
    probe = await limiter.acquire(KEY, max_wait=5)
    waiters = [asyncio.create_task(limiter.acquire(KEY, max_wait=5)) for _ in range(10)]
    await asyncio.sleep(0.05)
    before = await commands(counter)
    await limiter.record(probe, news(20, time.time() + 100, limit=30))
    reservations = await asyncio.gather(*waiters)
    assert await sent_since(counter, before) == 1  # settle + ten reservations
    before = await commands(counter)
    assert all([await limiter.confirm(r) for r in reservations])
    assert await sent_since(counter, before) == 0
    before = await commands(counter)
    for reservation in reservations:
        await limiter.record(reservation, news(10, time.time() + 100, limit=30))
    await asyncio.sleep(0.1)  # more than settle_delay
    assert await sent_since(counter, before) == 1
    assert (await limiter.budget(KEY)).leases == ()


@hard_timeout
async def test_news_of_a_pause_makes_confirm_recheck(limiters: Factory) -> None:
    """A reservation granted before another process's 429 is re-checked, and given back."""
    first, second = limiters(), limiters()
    probe = await first.acquire(KEY, max_wait=5)
    await first.record(probe, news(5, time.time() + 100))
    await first.budget(KEY)
    queued = await second.acquire(KEY, max_wait=5)
    sent = await first.acquire(KEY, max_wait=5)
    await first.record(sent, RateLimitFeedback(status=429, retry_after=30.0))
    for _ in range(100):  # the pause reaches second by pub/sub
        if second._keys[KEY].doubt:
            break
        await asyncio.sleep(0.01)
    assert not await second.confirm(queued)
    assert (await second.budget(KEY)).leases == ()


@hard_timeout
async def test_a_waiting_process_neither_polls_nor_hangs_on_a_lost_message(
    limiters: Factory, counter: aioredis.Redis
) -> None:
    """Waiting for the probe's answer costs no polling; when the news is lost (published
    where nobody listens), the waiter still asks again within the safety net (1 s)."""
    first, second = limiters(), limiters()
    probe = await first.acquire(KEY, max_wait=5)
    waiter = asyncio.create_task(second.acquire(KEY, max_wait=5))
    await asyncio.sleep(0.1)
    before = await commands(counter)
    await asyncio.sleep(0.3)
    assert await sent_since(counter, before) == 0
    first._channel = "nobody-listens"
    started = time.monotonic()
    await first.record(probe, news(5, time.time() + 100))
    await first.budget(KEY)
    reservation = await waiter
    assert time.monotonic() - started <= 1.2
    await second.release(reservation)


@hard_timeout
async def test_a_dead_processs_reservation_lapses(limiters: Factory) -> None:
    """A probe whose process never settles it lapses after lease_seconds; then others go."""
    dead, alive = limiters(lease_seconds=0.3), limiters()
    await dead.acquire(KEY, max_wait=5)
    started = time.monotonic()
    reservation = await alive.acquire(KEY, max_wait=5)
    assert 0.25 <= time.monotonic() - started <= 1.5
    assert [lease.id for lease in (await alive.budget(KEY)).leases] == [reservation.id]


@hard_timeout
async def test_a_wait_for_the_reset_logs_once_at_info_with_the_total(
    limiters: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """Each call that waited for a time logs one INFO line with all it waited; no WARNING."""
    limiter = limiters(release_spread=0.0)
    probe = await limiter.acquire(KEY, max_wait=5)
    await limiter.record(probe, news(0, time.time() + 0.4))
    with caplog.at_level(logging.DEBUG, logger="gitbook_async"):
        reservations = await asyncio.gather(*(limiter.acquire(KEY, max_wait=5) for _ in range(2)))
    for reservation in reservations:
        await limiter.release(reservation)
    records = [r for r in caplog.records if "rate budget" in r.getMessage()]
    assert [r.levelno for r in records] == [logging.INFO, logging.INFO]
    waited = [float(r.getMessage().split("waited ")[1].split(" s")[0]) for r in records]
    assert all(0.25 <= seconds <= 1.0 for seconds in waited)


def test_batch_must_be_a_positive_int(redis_server: RedisServer) -> None:
    """A batch below one is refused at construction."""
    with pytest.raises(ConfigurationError, match="batch"):
        RedisRateLimiter.from_url(redis_server.url, batch=0)


def test_three_processes_cost_at_most_two_commands_per_request(
    redis_server: RedisServer,
) -> None:
    """The fleet goal at a small size: 3 processes x 20 calls, 20 per second, one token."""
    run = race_three_processes(redis_server, calls=20)
    assert run.refused == 0
    assert run.commands is not None
    assert run.commands.per_request(run.requests) <= 2.0
    assert run.commands.executed_per_request(run.requests) <= 4.0


async def test_a_closed_limiter_refuses_to_reserve(redis_server: RedisServer) -> None:
    """``acquire`` after ``aclose()`` raises ClientClosedError instead of using a closed
    connection.
    """
    limiter = RedisRateLimiter.from_url(redis_server.url)
    await limiter.aclose()
    with pytest.raises(ClientClosedError, match="closed"):
        await limiter.acquire("some-key", max_wait=1.0)
