"""The Lua script against the pure rules: the same tables, run on a real redis-server.

Each row seeds a budget in Redis (``budget_to_json``), runs one call of the script at the
row's clock (``NOW``), reads the budget back and compares it with what the pure functions
of ``_budget.py`` make of the same budget (the script first brings the budget up to its
clock, as ``advance`` does).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
import redis.asyncio as aioredis

from gitbook_async._ratelimit._budget import (
    Budget,
    Lease,
    RateLimitFeedback,
    Send,
    Wait,
    advance,
    announces,
    doubtful,
    give_back,
    plan,
    recheck,
    settle,
    take_many,
)
from gitbook_async._ratelimit._codec import budget_from_json, budget_to_json
from gitbook_async._ratelimit._script import SCRIPT, Answer, steps_json
from tests._redis_server import RedisServer
from tests.test_ratelimit import (
    ADVANCES,
    MINE,
    NOW,
    PLANS,
    RECHECKS,
    SETTLES,
    budgeted,
    lease,
)

LEASE_SECONDS = 300.0
CHANNEL = "test-news"


@attrs.frozen
class Call:
    """One script call on a seeded budget: what it answered and left in Redis."""

    answer: Answer
    budget: Budget


@pytest.fixture
async def script(redis_server: RedisServer) -> AsyncIterator[Any]:
    """Run the script once on a budget: ``await script(budget, **steps) -> Call``."""
    client = aioredis.Redis.from_url(redis_server.url)
    runner = client.register_script(SCRIPT)

    async def run(budget: Budget | None, **steps: Any) -> Call:
        key = f"script-test:{secrets.token_hex(6)}"
        if budget is not None:
            await client.set(key, budget_to_json(budget))
        raw = await runner(
            keys=[key],
            args=[repr(NOW), LEASE_SECONDS, 60_000, CHANNEL, "me", steps_json(**steps)],
        )
        stored = await client.get(key)
        await client.delete(key)
        return Call(Answer.from_json(raw), budget_from_json(stored))

    yield run
    await client.aclose()


def decision(call: Call) -> Send | Wait:
    return Send() if call.answer.send else Wait(call.answer.wait)


@pytest.mark.parametrize(("name", "budget", "jitter", "expected"), PLANS, ids=[p[0] for p in PLANS])
async def test_plan(
    script: Any, name: str, budget: Budget, jitter: float, expected: object
) -> None:
    """The script's answer for waiting tasks is plan() without jitter (the caller adds it)."""
    call = await script(budget)
    assert decision(call) == plan(advance(budget, NOW), NOW)


@pytest.mark.parametrize(("name", "budget", "expected"), ADVANCES, ids=[a[0] for a in ADVANCES])
async def test_advance(script: Any, name: str, budget: Budget, expected: dict[str, object]) -> None:
    """Every call first drops lapsed leases, ends a pause and rolls a past window."""
    call = await script(budget)
    assert call.budget == advance(budget, NOW)


@pytest.mark.parametrize(
    ("name", "budget", "feedback", "expected"), SETTLES, ids=[s[0] for s in SETTLES]
)
async def test_settle(
    script: Any,
    name: str,
    budget: Budget,
    feedback: RateLimitFeedback | None,
    expected: dict[str, object],
) -> None:
    """settle in the script is settle() (table of tests/test_ratelimit.py)."""
    call = await script(budget, settle=[(MINE.id, feedback)])
    before = advance(budget, NOW)
    after = settle(before, MINE.id, feedback, NOW)
    assert call.budget == after
    assert call.answer.doubtful is doubtful(after)
    assert call.answer.published is announces(before, after, NOW)


@pytest.mark.parametrize(
    ("name", "budget", "confirmed", "expected"), RECHECKS, ids=[r[0] for r in RECHECKS]
)
async def test_recheck(
    script: Any, name: str, budget: Budget, confirmed: bool, expected: dict[str, object]
) -> None:
    """recheck in the script is recheck(), renewing for lease seconds from its clock."""
    call = await script(budget, recheck=[MINE.id])
    after, answer = recheck(budget, NOW, MINE.id, renew_until=NOW + LEASE_SECONDS)
    assert call.answer.rechecked == (answer,)
    assert call.budget == after


GIVE_BACKS = [
    ("returns one unit", budgeted(available=2, leases=(MINE,))),
    ("unknown id: nothing", budgeted(available=2)),
    ("no limit known: the lease goes", Budget(leases=(MINE, lease("p")))),
]


@pytest.mark.parametrize(("name", "budget"), GIVE_BACKS, ids=[g[0] for g in GIVE_BACKS])
async def test_give_back(script: Any, name: str, budget: Budget) -> None:
    """give_back in the script is give_back()."""
    call = await script(budget, give_back=[MINE.id])
    assert call.budget == give_back(advance(budget, NOW), MINE.id)


TAKES = [
    ("no news: one probe only", None, 5),
    ("budget of 3 for 5 waiting: 3", budgeted(available=3), 5),
    ("budget of 5 for 2 waiting: 2, still open", budgeted(available=5), 2),
    ("nothing left: none", budgeted(available=0), 4),
    ("no limit known: all", budgeted(available=None), 4),
    ("paused: none", budgeted(paused_until=105.0), 3),
    ("reset unknown, nothing out: one asks", budgeted(available=0, reset=None), 3),
    (
        "numbers continue after earlier sends",
        budgeted(available=4, sends=7, leases=(Lease("a", 400.0, 6),)),
        2,
    ),
]


@pytest.mark.parametrize(("name", "budget", "wanted"), TAKES, ids=[t[0] for t in TAKES])
async def test_take_many(script: Any, name: str, budget: Budget | None, wanted: int) -> None:
    """take in the script is take_many(): granted ids, numbers, and the next decision."""
    ids = [f"w{index}" for index in range(wanted)]
    call = await script(budget, take=ids)
    leases = [Lease(lease_id, NOW + LEASE_SECONDS) for lease_id in ids]
    after, granted, next_decision = take_many(budget or Budget(), NOW, leases)
    assert call.answer.granted == tuple(ids[:granted])
    assert call.budget == after
    assert decision(call) == next_decision


async def test_steps_of_one_call_apply_in_order(script: Any) -> None:
    """One call settles, gives back, re-checks and reserves, in that order."""
    start = budgeted(available=0, leases=(MINE, lease("back"), lease("check")))
    feedback = RateLimitFeedback(status=200, limit=20, remaining=4, reset=112.0)
    call = await script(
        start,
        settle=[(MINE.id, feedback)],
        give_back=["back"],
        recheck=["check"],
        take=["n1", "n2", "n3", "n4", "n5"],
    )
    budget = settle(advance(start, NOW), MINE.id, feedback, NOW)
    budget = give_back(budget, "back")
    budget, confirmed = recheck(budget, NOW, "check", renew_until=NOW + LEASE_SECONDS)
    taken = [Lease(f"n{i}", NOW + LEASE_SECONDS) for i in range(1, 6)]
    budget, granted, _ = take_many(budget, NOW, taken)
    assert call.budget == budget
    assert call.answer.rechecked == (confirmed,)
    assert len(call.answer.granted) == granted == 3


@pytest.mark.parametrize(
    "text",
    ["not json", "[]", '{"limit": 1}', '{"limit":"x","sends":0,"answered":0,"leases":[]}'],
)
async def test_an_unreadable_budget_starts_over(
    redis_server: RedisServer, script: Any, text: str
) -> None:
    """Whatever the key holds, an unreadable budget is a fresh one (one probe goes)."""
    client = aioredis.Redis.from_url(redis_server.url)
    key = f"script-test:{secrets.token_hex(6)}"
    try:
        await client.set(key, text)
        raw = await client.register_script(SCRIPT)(
            keys=[key], args=[repr(NOW), 300, 60_000, CHANNEL, "me", steps_json(take=["a", "b"])]
        )
        assert Answer.from_json(raw).granted == ("a",)
        assert budget_from_json(await client.get(key)).leases == (Lease("a", NOW + 300, 0),)
    finally:
        await client.delete(key)
        await client.aclose()


def test_steps_json_writes_no_answer_as_nulls() -> None:
    """A request sent without an answer is settled with a null status."""
    text = steps_json(settle=[("a", None)], take=["b"])
    assert (
        text
        == '{"settle":[["a",null,null,null,null,null]],"give_back":[],"recheck":[],"take":["b"]}'
    )
