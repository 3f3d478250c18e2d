"""The shared rate budget (issue 11): pure rules from tables, a simulation, the local limiter."""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import attrs
import pytest

from benchmarks import ratelimit as ratelimit_bench
from gitbook_async import (
    ConfigurationError,
    GitBookClient,
    LocalRateLimiter,
    RateLimiter,
    RateLimitError,
    RateLimitFeedback,
    Reservation,
)
from gitbook_async._ratelimit import spend
from gitbook_async._ratelimit._budget import (
    Budget,
    Lease,
    Send,
    Wait,
    advance,
    announces,
    doubtful,
    give_back,
    outlook,
    plan,
    recheck,
    settle,
    take,
    take_many,
)
from gitbook_async._ratelimit._codec import budget_from_json, budget_to_json
from gitbook_async.testing import DEMO_SPACE_ID, FakeGitBook, Fault, RateLimitWindow

NOW = 100.0


def lease(name: str, expires: float = NOW + 300) -> Lease:
    return Lease(name, expires)


def budgeted(**changes: Any) -> Budget:
    """A budget that has had news: 20 per window ending at 110, the server said 5 remain."""
    base = Budget(limit=20, available=5, reset=110.0, probing=False, lowest=5, answered=15)
    return attrs.evolve(base, **changes)


def ok(remaining: int | None, reset: float | None = 110.0, **more: object) -> RateLimitFeedback:
    return RateLimitFeedback(status=200, limit=20, remaining=remaining, reset=reset, **more)  # type: ignore[arg-type]


# --- plan ------------------------------------------------------------------------------------

PLANS = [
    ("no news yet: one probe goes", Budget(), 0.0, Send()),
    (
        "no news yet, probe in flight: wait for its answer",
        Budget(leases=(lease("p"),)),
        0.0,
        Wait(None),
    ),
    ("paused: wait out the pause plus jitter", budgeted(paused_until=105.0), 0.05, Wait(5.05)),
    ("budget left: send", budgeted(available=3), 0.0, Send()),
    ("server names no limit: send", budgeted(available=None), 0.0, Send()),
    ("nothing left: wait for the reset plus jitter", budgeted(available=0), 0.02, Wait(10.02)),
    ("over-reserved: wait for the reset", budgeted(available=-2), 0.0, Wait(10.0)),
    (
        "guessed window used up, answers pending: wait for news",
        budgeted(available=0, rolled=True, leases=(lease("a"),)),
        0.0,
        Wait(None),
    ),
    (
        "nothing left, nothing in flight, reset unknown: ask",
        budgeted(available=0, reset=None),
        0.0,
        Send(),
    ),
]


@pytest.mark.parametrize(("name", "budget", "jitter", "decision"), PLANS, ids=[p[0] for p in PLANS])
def test_plan(name: str, budget: Budget, jitter: float, decision: Send | Wait) -> None:
    """plan() decides from the budget alone (table)."""
    got = plan(budget, NOW, jitter=jitter)
    if isinstance(decision, Wait) and decision.seconds is not None:
        assert isinstance(got, Wait)
        assert got.seconds == pytest.approx(decision.seconds)
    else:
        assert got == decision


# --- advance ---------------------------------------------------------------------------------

ADVANCES = [
    (
        "a lapsed lease counts as sent and is dropped",
        budgeted(leases=(lease("a", 99.0), lease("b"))),
        {"leases": (lease("b"),), "available": 5},
    ),
    ("a pause ends", budgeted(paused_until=100.0), {"paused_until": None}),
    ("a pause goes on", budgeted(paused_until=100.5), {"paused_until": 100.5}),
    ("the window is not over", budgeted(), {"rolled": False, "available": 5}),
    (
        "at the reset the limit comes back, minus reservations out",
        budgeted(reset=100.0, available=0, leases=(lease("a"), lease("b"))),
        {"rolled": True, "available": 18, "lowest": None, "answered": 0},
    ),
    (
        "at the reset without a known limit, a probe asks",
        budgeted(reset=99.0, limit=None, available=0),
        {"rolled": True, "available": None, "probing": True},
    ),
    (
        "a rolled window is not rolled twice",
        budgeted(reset=90.0, rolled=True, available=2),
        {"available": 2},
    ),
]


@pytest.mark.parametrize(("name", "budget", "expected"), ADVANCES, ids=[a[0] for a in ADVANCES])
def test_advance(name: str, budget: Budget, expected: dict[str, object]) -> None:
    """advance() drops lapsed leases, ends pauses and rolls windows at the reset (table)."""
    after = advance(budget, NOW)
    assert {key: getattr(after, key) for key in expected} == expected


# --- settle ----------------------------------------------------------------------------------

MINE = lease("mine")
OTHERS = (lease("x"), lease("y"))

SETTLES = [
    (
        "the probe's answer names the window",
        Budget(leases=(MINE,)),
        ok(19),
        {"available": 19, "reset": 110.0, "limit": 20, "probing": False, "leases": ()},
    ),
    (
        "requests still in flight are subtracted",
        budgeted(available=None, lowest=None, answered=0, leases=(MINE, *OTHERS)),
        ok(10),
        {"available": 8},
    ),
    (
        "requests sent before this one count as counted; later or unsent ones do not",
        budgeted(
            available=None,
            lowest=None,
            answered=0,
            leases=(
                Lease("mine", 400.0, 5),
                Lease("a", 400.0, 3),
                Lease("b", 400.0, 7),
                lease("c"),
            ),
        ),
        ok(10),
        {"available": 8},
    ),
    (
        "answers out of order: a gap is a request of ours sent before, counted already",
        budgeted(
            available=None,
            lowest=None,
            answered=0,
            leases=(Lease("mine", 400.0, 3), Lease("a", 400.0, 1), Lease("b", 400.0, 4)),
        ),
        ok(17),
        {"available": 16, "lowest": 17, "lowest_sent": 3, "answered": 1},
    ),
    (
        "a late answer cannot raise the count in its window",
        budgeted(leases=(MINE,)),
        ok(12),
        {"available": 5},
    ),
    ("a smaller count wins", budgeted(leases=(MINE,)), ok(3), {"available": 3}),
    (
        "a newer reset replaces the window",
        budgeted(available=0, leases=(MINE,)),
        ok(15, reset=112.0),
        {"available": 15, "reset": 112.0, "rolled": False},
    ),
    (
        "an answer from an older window changes nothing",
        budgeted(reset=112.0, leases=(MINE,)),
        ok(19, reset=110.0),
        {"available": 5, "reset": 112.0},
    ),
    (
        "an answer from a window already rolled over changes nothing",
        budgeted(rolled=True, available=17, leases=(MINE,)),
        ok(0),
        {"available": 17},
    ),
    (
        "429 with Retry-After: every task pauses that long, then a probe",
        budgeted(leases=(MINE,)),
        RateLimitFeedback(status=429, limit=20, remaining=0, reset=150.0, retry_after=1.0),
        {"paused_until": 101.0, "probing": True, "available": None, "reset": 110.0},
    ),
    (
        "429 without Retry-After: nothing left until the reset",
        budgeted(leases=(MINE, *OTHERS)),
        RateLimitFeedback(status=429, limit=20, remaining=0, reset=110.0),
        {"available": -2, "paused_until": None},
    ),
    (
        "429 naming a count still means nothing is left",
        budgeted(leases=(MINE,)),
        RateLimitFeedback(status=429, remaining=7, reset=110.0),
        {"available": 0},
    ),
    (
        "429 saying nothing: everyone waits for one probe",
        budgeted(leases=(MINE,)),
        RateLimitFeedback(status=429),
        {"paused_until": NOW, "probing": True, "available": None},
    ),
    (
        "a longer pause is kept",
        budgeted(paused_until=120.0, leases=(MINE,)),
        RateLimitFeedback(status=429, retry_after=1.0),
        {"paused_until": 120.0},
    ),
    (
        "no response: the reservation is spent, nothing learnt",
        Budget(leases=(MINE,)),
        None,
        {"leases": (), "probing": True, "available": None},
    ),
    (
        "a probe answered without headers: no limit known",
        Budget(leases=(MINE,)),
        RateLimitFeedback(status=200),
        {"probing": False, "available": None},
    ),
    (
        "a probe answered by an error without headers keeps probing (a proxy's 503)",
        Budget(leases=(MINE, *OTHERS)),
        RateLimitFeedback(status=503),
        {"probing": True, "available": None, "leases": OTHERS},
    ),
    (
        "an answer without headers keeps the budget",
        budgeted(leases=(MINE,)),
        RateLimitFeedback(status=500),
        {"available": 5, "probing": False},
    ),
    (
        "a new limit is kept",
        budgeted(leases=(MINE,)),
        RateLimitFeedback(status=200, limit=30),
        {"limit": 30},
    ),
    (
        "a count without reset can only lower",
        budgeted(leases=(MINE,)),
        ok(2, reset=None),
        {"available": 2, "reset": 110.0},
    ),
]


@pytest.mark.parametrize(
    ("name", "budget", "feedback", "expected"), SETTLES, ids=[s[0] for s in SETTLES]
)
def test_settle(
    name: str, budget: Budget, feedback: RateLimitFeedback | None, expected: dict[str, object]
) -> None:
    """settle() merges a response's news into the budget (table)."""
    after = settle(budget, MINE.id, feedback, NOW)
    assert MINE not in after.leases
    assert {key: getattr(after, key) for key in expected} == expected


def test_retry_after_wins_over_a_distant_reset() -> None:
    """After a 429 with Retry-After: 1 and a reset 50 s away, a probe goes after ~1 s."""
    feedback = RateLimitFeedback(status=429, limit=20, remaining=0, reset=NOW + 50, retry_after=1.0)
    after = settle(budgeted(leases=(MINE,)), MINE.id, feedback, NOW)
    assert plan(advance(after, NOW + 0.5), NOW + 0.5) == Wait(0.5)
    assert plan(advance(after, NOW + 1.0), NOW + 1.0) == Send()


# --- take, recheck, give back ------------------------------------------------------------------


def test_with_nothing_left_and_no_reset_known_one_probe_asks() -> None:
    """Nothing left, no reset known, nothing in flight: one request goes as a probe."""
    budget, decision = take(budgeted(available=0, reset=None), NOW, MINE)
    assert decision == Send()
    assert (budget.available, budget.probing, budget.leases) == (0, True, (MINE,))
    budget, confirmed = recheck(budget, NOW, MINE.id, renew_until=200.0)
    assert confirmed
    _, decision = take(budget, NOW, lease("next"))
    assert decision == Wait(None)


def test_take_reserves_on_send_only() -> None:
    """take() adds the lease and spends one unit on Send; on Wait it changes nothing."""
    after, decision = take(budgeted(available=1), NOW, MINE)
    assert decision == Send()
    assert after.available == 0
    assert after.leases == (MINE,)
    again, decision = take(after, NOW, lease("next"))
    assert isinstance(decision, Wait)
    assert again == after


def test_take_numbers_a_granted_lease_when_asked() -> None:
    """take(number=True) numbers a granted lease in the order of granting; a Wait does not
    number (or count) anything."""
    after, decision = take(budgeted(available=1, sends=7), NOW, MINE, number=True)
    assert decision == Send()
    assert after.leases == (Lease(MINE.id, MINE.expires, 7),)
    assert after.sends == 8
    again, decision = take(after, NOW, lease("next"), number=True)
    assert isinstance(decision, Wait)
    assert again == after


@pytest.mark.parametrize("field", [a.name for a in attrs.fields(Budget)])
def test_every_step_keeps_every_field_of_the_budget(field: str) -> None:
    """The steps build budgets with a copier of their own (faster than attrs.evolve): it must
    carry every field, so that a field added to Budget is never dropped silently."""
    from gitbook_async._ratelimit._budget import _copy

    values: dict[str, Any] = {
        "limit": 7,
        "available": 3,
        "reset": 123.0,
        "rolled": True,
        "paused_until": 150.0,
        "probing": False,
        "leases": (MINE,),
        "sends": 9,
        "lowest": 2,
        "lowest_sent": 4,
        "answered": 11,
    }
    assert set(values) == {a.name for a in attrs.fields(Budget)}
    base = Budget(**values)
    assert _copy(base) == base
    change: dict[str, Any] = {field: None if field != "leases" else ()}
    assert _copy(base, **change) == attrs.evolve(base, **change)


RECHECKS = [
    (
        "still fine: renewed",
        budgeted(leases=(MINE,)),
        True,
        {"available": 5, "leases": (Lease("mine", 200.0, 0),), "sends": 1},
    ),
    (
        "a pause began: given back",
        budgeted(available=None, paused_until=101.0, leases=(MINE,)),
        False,
        {"leases": ()},
    ),
    (
        "over-reserved: given back",
        budgeted(available=-1, leases=(MINE,)),
        False,
        {"available": 0, "leases": ()},
    ),
    ("lapsed meanwhile: reserve again", budgeted(leases=()), False, {"available": 5}),
    (
        "probing with company: given back",
        Budget(leases=(lease("p"), MINE)),
        False,
        {"leases": (lease("p"),)},
    ),
    ("the lone probe: fine", Budget(leases=(MINE,)), True, {"probing": True}),
]


@pytest.mark.parametrize(
    ("name", "budget", "confirmed", "expected"), RECHECKS, ids=[r[0] for r in RECHECKS]
)
def test_recheck(name: str, budget: Budget, confirmed: bool, expected: dict[str, object]) -> None:
    """recheck() confirms a reservation or gives it back (table)."""
    after, answer = recheck(budget, NOW, MINE.id, renew_until=200.0)
    assert answer is confirmed
    assert {key: getattr(after, key) for key in expected} == expected


def test_give_back_returns_one_unit_once() -> None:
    """An unused reservation comes back once; an unknown id changes nothing."""
    after = give_back(budgeted(available=2, leases=(MINE,)), MINE.id)
    assert (after.available, after.leases) == (3, ())
    assert give_back(after, MINE.id) == after


TAKE_MANY = [
    ("no news: one probe, then wait for its answer", Budget(), 4, 1, Wait(None)),
    ("three left for four waiting: three, then the reset", budgeted(available=3), 4, 3, Wait(10.0)),
    ("five left for two waiting: two, still open", budgeted(available=5), 2, 2, Send()),
    ("no limit known: all", budgeted(available=None), 3, 3, Send()),
    ("paused: none", budgeted(paused_until=104.0), 3, 0, Wait(4.0)),
]


@pytest.mark.parametrize(
    ("name", "budget", "wanted", "granted", "after"), TAKE_MANY, ids=[t[0] for t in TAKE_MANY]
)
def test_take_many(name: str, budget: Budget, wanted: int, granted: int, after: object) -> None:
    """take_many() reserves in order while the budget allows, numbering at grant (table)."""
    leases = [lease(f"w{index}") for index in range(wanted)]
    budget_after, count, decision = take_many(budget, NOW, leases)
    assert (count, decision) == (granted, after)
    assert [(x.id, x.sent) for x in budget_after.leases] == [
        (f"w{index}", budget.sends + index) for index in range(granted)
    ]


ANNOUNCES = [
    ("the probe's answer opens the budget", Budget(leases=(MINE,)), budgeted(), True),
    ("the budget closes: nobody to tell", budgeted(), budgeted(available=0), False),
    ("still open: nothing to tell", budgeted(available=4), budgeted(available=3), False),
    (
        "a pause begins: reservations out are in doubt",
        budgeted(),
        budgeted(paused_until=101.0),
        True,
    ),
    ("over-reserved", budgeted(leases=(MINE,)), budgeted(available=-1, leases=(MINE,)), True),
    (
        "news-waiters must plan again (now: a time)",
        budgeted(available=0, rolled=True, leases=(MINE,)),
        budgeted(available=0),
        True,
    ),
    ("a given-back unit reopens", budgeted(available=0), budgeted(available=1), True),
]


@pytest.mark.parametrize(
    ("name", "before", "after", "expected"), ANNOUNCES, ids=[a[0] for a in ANNOUNCES]
)
def test_announces(name: str, before: Budget, after: Budget, expected: bool) -> None:
    """announces() tells which changes other processes must hear of (table)."""
    assert announces(before, after, NOW) is expected


def test_outlook_and_doubt() -> None:
    """outlook() names plan()'s kind; doubtful() is recheck()'s reason to give back."""
    assert outlook(budgeted(), NOW) == "send"
    assert outlook(budgeted(available=0), NOW) == "time"
    assert outlook(Budget(leases=(MINE,)), NOW) == "news"
    assert not doubtful(budgeted(leases=(MINE,)))
    assert doubtful(Budget(leases=(MINE, lease("p"))))


# --- serialisation and parsing ---------------------------------------------------------------


def test_budget_json_round_trip() -> None:
    """A budget survives budget_to_json/budget_from_json unchanged (a shared store's format)."""
    budget = budgeted(paused_until=101.5, rolled=True, leases=(MINE, lease("b", 123.25)))
    assert budget_from_json(budget_to_json(budget)) == budget
    assert budget_from_json(budget_to_json(Budget())) == Budget()


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        b"",
        "not json",
        "[]",
        '{"limit": 1}',
        budget_to_json(Budget()).replace("null", '"x"', 1),
        budget_to_json(budgeted(paused_until=1.0)).replace("1.0", "NaN"),
        budget_to_json(budgeted()).replace("20", "true", 1),
    ],
)
def test_unreadable_budget_is_a_fresh_one(text: str | bytes | None) -> None:
    """Whatever is in the store, an unreadable budget starts over (probe first)."""
    assert budget_from_json(text) == Budget()


FEEDBACKS = [
    (
        {
            "X-RateLimit-Limit": "20",
            "X-RateLimit-Remaining": "3",
            "X-RateLimit-Reset": "110",
            "Retry-After": "2",
        },
        (20, 3, 110.0, 2.0),
    ),
    ({}, (None, None, None, None)),
    (
        {"X-RateLimit-Remaining": "nan", "X-RateLimit-Reset": "1e400", "Retry-After": "-5"},
        (None, None, None, None),
    ),
    ({"X-RateLimit-Reset": str(NOW + 3 * 86_400)}, (None, None, None, None)),
]


@pytest.mark.parametrize(("headers", "expected"), FEEDBACKS)
def test_feedback_from_response(headers: dict[str, str], expected: tuple[object, ...]) -> None:
    """Feedback reads the headers with the client's own hostile-proof parsers."""
    feedback = RateLimitFeedback.from_response(429, headers, NOW)
    assert (feedback.limit, feedback.remaining, feedback.reset, feedback.retry_after) == expected


# --- a simulation: many tasks, one server, no event loop ---------------------------------------


@dataclass
class FixedWindowServer:
    """GitBook-like fixed windows aligned to multiples of ``window`` (refusals count)."""

    limit: int
    window: float
    counts: dict[int, int] = field(default_factory=dict)
    refused: int = 0

    def answer(self, t: float) -> RateLimitFeedback:
        k = math.floor(t / self.window)
        self.counts[k] = self.counts.get(k, 0) + 1
        used = self.counts[k]
        if used > self.limit:
            self.refused += 1
        return RateLimitFeedback(
            status=429 if used > self.limit else 200,
            limit=self.limit,
            remaining=max(self.limit - used, 0),
            reset=(k + 1) * self.window,
        )


def simulate(
    tasks: int, limit: int, window: float, rtt: float, *, spread: float = 0.0, seed: int = 1
) -> tuple[FixedWindowServer, float]:
    """Run ``tasks`` requests through the pure rules on a simulated clock, as the limiters do.

    Each leg of a round trip takes ``rtt / 2``, varied by up to ``spread`` (so answers come
    back out of order); waiting tasks wake at the end of their wait, or when an answer lets
    a request start (the limiters' news). Returns the server and the time the last call ended.
    """
    rng = random.Random(seed)
    server = FixedWindowServer(limit, window)
    budget = Budget()
    events: list[tuple[float, int, str, int]] = []
    seq = 0
    waiting: set[int] = set()  # for a time (woken early when a request may start)
    waiting_news: set[int] = set()  # for news (woken by every answer)
    wakes = dict.fromkeys(range(tasks), 0)  # a task's current wake-up; older ones are stale
    done = 0

    def push(t: float, kind: str, task: int) -> None:
        nonlocal seq
        seq += 1
        if kind == "acquire":
            wakes[task] = seq
        heapq.heappush(events, (t, seq, kind, task))

    def leg() -> float:
        return rtt / 2 * rng.uniform(1 - spread, 1 + spread)

    for task in range(tasks):
        push(0.0, "acquire", task)
    feedback: dict[int, RateLimitFeedback] = {}
    t = 0.0
    while events and done < tasks:
        t, number, kind, task = heapq.heappop(events)
        lease_id = f"t{task}"
        if kind == "acquire":
            if number != wakes[task]:
                continue  # woken earlier by news
            waiting.discard(task)
            waiting_news.discard(task)
            budget, decision = take(budget, t, Lease(lease_id, t + 300), jitter=rng.uniform(0, 0.1))
            if isinstance(decision, Wait):
                if decision.seconds is None:
                    waiting_news.add(task)
                else:
                    waiting.add(task)
                    push(t + decision.seconds, "acquire", task)
                continue
            budget, confirmed = recheck(budget, t, lease_id, renew_until=t + 300)
            assert confirmed
            push(t + leg(), "arrive", task)
        elif kind == "arrive":
            feedback[task] = server.answer(t)
            push(t + leg(), "response", task)
        else:
            answer = feedback.pop(task)
            budget = settle(budget, lease_id, answer, t)
            if answer.status == 429:
                push(t, "acquire", task)
            else:
                done += 1
            woken = set(waiting_news)
            if isinstance(plan(advance(budget, t), t), Send):
                woken |= waiting
            for waiter in sorted(woken):
                push(t, "acquire", waiter)
    assert done == tasks
    return server, t


SCENARIOS = [(60, 20, 2.0, 0.01), (300, 50, 1.0, 0.02), (100, 7, 1.0, 0.3), (45, 10, 1.0, 0.6)]


@pytest.mark.parametrize(("tasks", "limit", "window", "rtt"), SCENARIOS)
def test_simulated_tasks_stay_within_the_limit(
    tasks: int, limit: int, window: float, rtt: float
) -> None:
    """Many tasks sharing one budget never exceed the limit of a window, and lose no window."""
    server, elapsed = simulate(tasks, limit, window, rtt)
    assert server.refused == 0
    assert max(server.counts.values()) <= limit
    floor = (math.ceil(tasks / limit) - 1) * window
    assert elapsed <= floor + window + rtt  # simulated time, not a timed test


# --- the in-process limiter -------------------------------------------------------------------

KEY = "k" * 64


def record_news(limiter: LocalRateLimiter, remaining: int, reset: float) -> Callable[[], object]:
    async def go() -> None:
        probe = await limiter.acquire(KEY, max_wait=60)
        await limiter.record(
            probe, RateLimitFeedback(status=200, limit=20, remaining=remaining, reset=reset)
        )

    return go


def test_local_limiter_is_a_rate_limiter() -> None:
    """LocalRateLimiter satisfies the public protocol; its repr shows no key."""
    limiter = LocalRateLimiter()
    assert isinstance(limiter, RateLimiter)
    assert KEY not in repr(limiter)


async def test_a_wait_beyond_max_wait_raises_rate_limit_error() -> None:
    """When the budget is gone for longer than max_wait, acquire raises with retry_after."""
    limiter = LocalRateLimiter()
    await record_news(limiter, 0, time.time() + 100)()  # type: ignore[misc]
    with pytest.raises(RateLimitError) as caught:
        await limiter.acquire(KEY, max_wait=1.0)
    assert caught.value.retry_after is not None
    assert 90 < caught.value.retry_after <= 101
    assert "max_wait=1" in str(caught.value)
    assert limiter.budget(KEY).leases == ()


async def test_tasks_waiting_for_the_probe_go_when_it_answers() -> None:
    """Before any news one request goes; the others start when its answer arrives."""
    limiter = LocalRateLimiter()
    probe = await limiter.acquire(KEY, max_wait=60)
    waiters = [asyncio.create_task(limiter.acquire(KEY, max_wait=60)) for _ in range(5)]
    await asyncio.sleep(0.01)
    assert not any(task.done() for task in waiters)
    await limiter.record(
        probe, RateLimitFeedback(status=200, limit=20, remaining=3, reset=time.time() + 30)
    )
    done, pending = await asyncio.wait(waiters, timeout=0.5)
    assert len(done) == 3  # the budget allows three; two wait for the reset
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    assert limiter.budget(KEY).available == 0


async def test_a_given_back_reservation_lets_a_waiter_go() -> None:
    """release() returns an unused reservation at once to a task waiting for news."""
    limiter = LocalRateLimiter()
    probe = await limiter.acquire(KEY, max_wait=60)
    waiter = asyncio.create_task(limiter.acquire(KEY, max_wait=60))
    await asyncio.sleep(0.01)
    assert not waiter.done()
    await limiter.release(probe)
    reservation = await asyncio.wait_for(waiter, 0.5)
    assert await limiter.confirm(reservation)
    await limiter.record(reservation, None)
    assert limiter.budget(KEY).leases == ()


async def test_confirm_gives_back_after_a_pause_began() -> None:
    """A reservation made before a 429 paused everyone is given back at the re-check."""
    limiter = LocalRateLimiter()
    await record_news(limiter, 10, time.time() + 60)()  # type: ignore[misc]
    first = await limiter.acquire(KEY, max_wait=60)
    queued = await limiter.acquire(KEY, max_wait=60)
    await limiter.record(first, RateLimitFeedback(status=429, retry_after=30.0))
    assert not await limiter.confirm(queued)
    assert limiter.budget(KEY).leases == ()
    with pytest.raises(RateLimitError):
        await limiter.acquire(KEY, max_wait=5.0)


async def test_budgets_are_per_key() -> None:
    """One limiter keeps one budget per key (per token and origin)."""
    limiter = LocalRateLimiter()
    await record_news(limiter, 0, time.time() + 100)()  # type: ignore[misc]
    other = await limiter.acquire("other", max_wait=0)
    assert other.key == "other"
    assert set(limiter.budgets) == {KEY, "other"}


async def test_at_the_reset_waiters_are_released_up_to_the_limit() -> None:
    """Tasks waiting for the reset start after it, at most the limit, spread by jitter."""
    limiter = LocalRateLimiter(release_spread=0.02)
    probe = await limiter.acquire(KEY, max_wait=60)
    await limiter.record(
        probe, RateLimitFeedback(status=200, limit=3, remaining=0, reset=time.time() + 0.05)
    )
    waiters = [asyncio.create_task(limiter.acquire(KEY, max_wait=60)) for _ in range(5)]
    done, pending = await asyncio.wait(waiters, timeout=1.0)
    assert len(done) == 3
    assert len(pending) == 2  # waiting for news from the three in flight
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


# --- through the client, against the fake GitBook ------------------------------------------------

CLIENT_TOKEN = "gb_api_ratelimit_secret_token"
HARD_TIMEOUT = 20.0


async def test_concurrent_calls_stay_inside_the_servers_windows() -> None:
    """25 concurrent calls under 10 requests per 1 s window: all succeed, none refused."""
    server = FakeGitBook.with_demo_data(token=CLIENT_TOKEN, rate_limit=RateLimitWindow(10, 1.0))
    async with server, GitBookClient(CLIENT_TOKEN, base_url=server.url) as client:
        calls = [client.spaces.list_integration_blocks(DEMO_SPACE_ID) for _ in range(25)]
        await asyncio.wait_for(asyncio.gather(*calls), HARD_TIMEOUT)
        stats = server.rate_limit_stats()
        assert client.rate_limit is not None
        assert client.rate_limit.limit == 10
    assert stats.refused == 0
    assert stats.requests == 25
    assert stats.max_requests_per_window <= 10


async def test_a_429_pauses_every_task_and_a_long_pause_raises_without_sending() -> None:
    """A 429 asking for 120 s raises RateLimitError; the next call raises without a request."""
    async with (
        FakeGitBook.with_demo_data(token=CLIENT_TOKEN) as server,
        GitBookClient(CLIENT_TOKEN, base_url=server.url) as client,
    ):
        server.inject(Fault.status(429, headers={"Retry-After": "120"}), times=1)
        with pytest.raises(RateLimitError) as first:
            await asyncio.wait_for(
                client.spaces.list_integration_blocks(DEMO_SPACE_ID), HARD_TIMEOUT
            )
        with pytest.raises(RateLimitError) as second:
            await asyncio.wait_for(
                client.spaces.list_integration_scripts(DEMO_SPACE_ID), HARD_TIMEOUT
            )
        assert len(server.requests) == 1
    assert first.value.retry_after == 120
    assert second.value.retry_after is not None
    assert 110 < second.value.retry_after <= 120
    assert f"/spaces/{DEMO_SPACE_ID}/integration-scripts" in str(second.value)
    assert CLIENT_TOKEN not in str(second.value)


async def test_a_client_retries_after_retry_after_not_at_the_reset() -> None:
    """A 429 with Retry-After: 1 and a reset 50 s away is retried after about a second."""
    headers = {
        "Retry-After": "1",
        "X-RateLimit-Limit": "10",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(time.time()) + 50),
    }
    async with (
        FakeGitBook.with_demo_data(token=CLIENT_TOKEN) as server,
        GitBookClient(CLIENT_TOKEN, base_url=server.url) as client,
    ):
        server.inject(Fault.status(429, headers=headers), times=1)
        blocks = await asyncio.wait_for(client.spaces.list_integration_blocks(DEMO_SPACE_ID), 10.0)
        assert len(server.requests) == 2
    assert blocks


async def test_a_shared_local_limiter_keys_budgets_by_a_hash_of_origin_and_token() -> None:
    """Two clients share one LocalRateLimiter; its keys never contain the token."""
    limiter = LocalRateLimiter()
    async with FakeGitBook.with_demo_data(
        token=CLIENT_TOKEN, rate_limit=RateLimitWindow(50, 1.0)
    ) as server:
        async with (
            GitBookClient(CLIENT_TOKEN, base_url=server.url, rate_limiter=limiter) as first,
            GitBookClient(CLIENT_TOKEN, base_url=server.url, rate_limiter=limiter) as second,
        ):
            await first.spaces.list_integration_blocks(DEMO_SPACE_ID)
            await second.spaces.list_integration_blocks(DEMO_SPACE_ID)
        origin = server.url.rstrip("/")
    key = hashlib.sha256(f"{origin}\n{CLIENT_TOKEN}".encode()).hexdigest()
    assert list(limiter.budgets) == [key]
    assert limiter.budget(key).limit == 50
    assert limiter.budget(key).leases == ()
    assert CLIENT_TOKEN not in repr(limiter.budgets)


async def test_a_call_cancelled_while_waiting_for_the_budget_leaves_no_reservation() -> None:
    """Cancelling calls that wait for the reset gives their reservations back."""
    limiter = LocalRateLimiter()
    window = RateLimitWindow(2, 30.0)
    async with (
        FakeGitBook.with_demo_data(token=CLIENT_TOKEN, rate_limit=window) as server,
        GitBookClient(CLIENT_TOKEN, base_url=server.url, rate_limiter=limiter) as client,
    ):
        await client.spaces.list_integration_blocks(DEMO_SPACE_ID)
        await client.spaces.list_integration_blocks(DEMO_SPACE_ID)
        waiting = [
            asyncio.create_task(client.spaces.list_integration_blocks(DEMO_SPACE_ID))
            for _ in range(3)
        ]
        await asyncio.sleep(0.05)
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
        assert server.rate_limit_stats().requests == 2
    (budget,) = limiter.budgets.values()
    assert budget.leases == ()
    assert budget.available == 0


def test_rate_limiter_must_implement_the_protocol() -> None:
    """Anything that is not a RateLimiter is refused at construction."""
    with pytest.raises(ConfigurationError, match="RateLimiter protocol"):
        GitBookClient(CLIENT_TOKEN, rate_limiter=object())  # type: ignore[arg-type]


def test_the_benchmark_runs_and_draws_its_windows() -> None:
    """Benchmark 11's first scenario runs at a tiny size and renders rows and a picture."""
    scenario = ratelimit_bench.one_client(10)
    runs = ratelimit_bench.measure([scenario], repeats=1)
    row = ratelimit_bench.comparison(scenario, runs[scenario.key])
    assert row.met
    text = ratelimit_bench.section([scenario], runs)
    assert "| 11a |" in text
    assert "|  10" in text  # one window of 10 requests, drawn against the limit


# --- spend(): the steps around one attempt ------------------------------------------------------


@dataclass
class ScriptedLimiter:
    """A RateLimiter that records the calls spend() makes; confirm answers from a script."""

    confirms: list[bool]
    calls: list[str] = field(default_factory=list)

    async def acquire(self, key: str, *, max_wait: float) -> Reservation:
        self.calls.append("acquire")
        return Reservation(key, f"r{len(self.calls)}")

    async def confirm(self, reservation: Reservation) -> bool:
        self.calls.append("confirm")
        return self.confirms.pop(0)

    async def release(self, reservation: Reservation) -> None:
        self.calls.append("release")

    async def record(self, reservation: Reservation, feedback: RateLimitFeedback | None) -> None:
        self.calls.append(f"record {feedback is not None}")


async def test_spend_reserves_again_when_the_recheck_gives_back() -> None:
    """A reservation given back at the re-check is followed by a new one, then the send."""
    limiter = ScriptedLimiter(confirms=[False, True])

    async def send() -> str:
        return "answer"

    outcome = await spend(
        limiter,
        KEY,
        send,
        slots=asyncio.Semaphore(1),
        max_wait=60,
        feedback=lambda _: RateLimitFeedback(status=200),
        url="http://127.0.0.1/x",
    )
    assert outcome == "answer"
    assert limiter.calls == ["acquire", "confirm", "acquire", "confirm", "record True"]


async def test_spend_records_a_sent_request_that_failed_and_releases_an_unsent_one() -> None:
    """Cancelled while sending: recorded without news; cancelled in the slot queue: released."""
    limiter = ScriptedLimiter(confirms=[True])
    started = asyncio.Event()

    async def hang() -> str:
        started.set()
        await asyncio.sleep(60)
        return "never"

    slots = asyncio.Semaphore(1)
    sending = asyncio.create_task(
        spend(limiter, KEY, hang, slots=slots, max_wait=60, feedback=lambda _: None, url="")
    )
    await started.wait()
    queued = asyncio.create_task(
        spend(limiter, KEY, hang, slots=slots, max_wait=60, feedback=lambda _: None, url="")
    )
    await asyncio.sleep(0.01)
    for task in (queued, sending):
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert limiter.calls == ["acquire", "confirm", "acquire", "release", "record False"]
