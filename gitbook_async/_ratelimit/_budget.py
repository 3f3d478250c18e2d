"""The shared rate budget as pure decisions: no clock, no I/O, no event loop (issue 11).

A ``Budget`` is what every task, process or machine sharing one token knows about the
server's current rate-limit window. Each function takes a budget (and the time, and what
happened) and returns the next budget, so the same rules serve the in-process limiter and
any shared store (Redis keeps the budget as JSON and swaps it atomically).

The rules, as the issue states them:

- Once a response names ``remaining`` and ``reset``, at most that many more requests start
  before the reset: a request *reserves* first (a lease), re-checks after it took an
  in-flight slot, and gives the reservation back if it was not used.
- At the reset, waiting tasks are released up to the new budget (the last known limit,
  minus reservations still out), each after its own jitter, not as a herd.
- Later news wins over stale guesses: a newer ``reset`` replaces the window, a smaller
  ``remaining`` lowers it; a response that arrives late cannot raise the count within
  its window.
- On a 429, ``Retry-After`` wins for the response that carries it (RFC 9110, section
  10.2.3): every task pauses that long, then one probe asks for fresh news. Without it, the
  window's ``X-RateLimit-Reset`` applies (a 429 means nothing remains in that window). A
  429 that names neither stops every task until one probe is answered (the retry of the
  refused request waits for its own backoff).
- Before any news, and after such a pause, one request goes alone (a probe): its answer
  says what the budget is. A server that sends no rate-limit headers gets no limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from gitbook_async._constants import TOO_MANY_REQUESTS
from gitbook_async._headers import ServerHints

__all__ = [
    "Budget",
    "RateLimitFeedback",
    "Lease",
    "Send",
    "Wait",
    "Outlook",
    "advance",
    "announces",
    "doubtful",
    "give_back",
    "outlook",
    "plan",
    "recheck",
    "settle",
    "take",
    "take_many",
]

Outlook = Literal["send", "news", "time"]
"""What a new request would do now: start, wait for news (an answer), or wait for a time."""


@attrs.frozen
class Lease:
    """A reservation held against the budget until its response (or its expiry).

    Attributes:
        id: Unique id of the reservation.
        expires: When the lease lapses (epoch seconds) if its holder never settles it, e.g.
            a process that died: a lapsed lease counts as a request sent.
        sent: Its place in the order of requests sent (set when confirmed), or None while
            it waits to be sent.

    """

    id: str
    expires: float
    sent: int | None = None


@attrs.frozen(kw_only=True)
class RateLimitFeedback:
    """What one response says about the budget (parsed, finite, bounded values).

    Attributes:
        status: The HTTP status.
        limit: ``X-RateLimit-Limit``, or None.
        remaining: ``X-RateLimit-Remaining``, or None.
        reset: ``X-RateLimit-Reset`` as epoch seconds, or None.
        retry_after: ``Retry-After`` in seconds from when the response arrived, or None.

    """

    status: int
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    retry_after: float | None = None

    @classmethod
    def from_response(
        cls, status: int, headers: Mapping[str, str], now: float
    ) -> RateLimitFeedback:
        """Read a response's ``X-RateLimit-*`` and ``Retry-After`` headers (received at ``now``).

        The parsers are the client's own (finite, bounded; an implausible reset is unread).
        """
        return cls.from_hints(status, ServerHints.from_headers(headers, now))

    @classmethod
    def from_hints(cls, status: int, hints: ServerHints) -> RateLimitFeedback:
        """Take what a response's headers said from its ``ServerHints`` (read once)."""
        state = hints.rate_limit
        return cls(
            status=status,
            limit=None if state is None else state.limit,
            remaining=None if state is None else state.remaining,
            reset=None if state is None else state.reset,
            retry_after=hints.retry_after,
        )


@attrs.frozen(kw_only=True)
class Budget:
    """What the tasks sharing one token know about the server's rate-limit window.

    Attributes:
        limit: The last limit the server named (requests per window), or None.
        available: Requests that may still start in this window, reservations already
            subtracted (negative: more are reserved than the server allows); None when no
            limit is known.
        reset: The end of the latest window heard of (epoch seconds), or None.
        rolled: ``reset`` has passed and ``available`` is our guess for the next window.
        paused_until: Every task waits until then (a 429), or None.
        probing: No news yet (or a pause just ended): one request at a time until news.
        leases: Reservations not yet settled.
        sends: Requests confirmed so far (numbers the leases' ``sent``).
        lowest: The smallest ``remaining`` the server named in this window, or None.
        lowest_sent: The ``sent`` number of the request whose answer named ``lowest``.
        answered: Answers that named a count in this window.

    """

    limit: int | None = None
    available: int | None = None
    reset: float | None = None
    rolled: bool = False
    paused_until: float | None = None
    probing: bool = True
    leases: tuple[Lease, ...] = ()
    sends: int = 0
    lowest: int | None = None
    lowest_sent: int | None = None
    answered: int = 0


@attrs.frozen
class Send:
    """The decision to send now."""


@attrs.frozen
class Wait:
    """The decision to wait.

    Attributes:
        seconds: How long, or None for "until news arrives" (a response of a request in
            flight, or another task giving its reservation back).

    """

    seconds: float | None


Decision = Send | Wait

_SEND: Final = Send()  # decisions are values: one instance serves every request


def _copy(budget: Budget, **changes: Any) -> Budget:
    """Return ``budget`` with ``changes``: ``attrs.evolve`` without its introspection.

    Every step builds at most one new budget, through here: less than half the cost of
    ``attrs.evolve``, which looks the fields up on each call.
    """
    get = changes.get
    return Budget(
        limit=get("limit", budget.limit),
        available=get("available", budget.available),
        reset=get("reset", budget.reset),
        rolled=get("rolled", budget.rolled),
        paused_until=get("paused_until", budget.paused_until),
        probing=get("probing", budget.probing),
        leases=get("leases", budget.leases),
        sends=get("sends", budget.sends),
        lowest=get("lowest", budget.lowest),
        lowest_sent=get("lowest_sent", budget.lowest_sent),
        answered=get("answered", budget.answered),
    )


def _without(leases: tuple[Lease, ...], lease_id: str) -> tuple[tuple[Lease, ...], Lease | None]:
    """Return ``leases`` without the one named ``lease_id``, and that lease (or None)."""
    for index, lease in enumerate(leases):
        if lease.id == lease_id:
            return leases[:index] + leases[index + 1 :], lease
    return leases, None


def advance(budget: Budget, now: float) -> Budget:
    """Bring ``budget`` up to ``now``: drop lapsed leases, end a pause, roll a past window.

    At the reset the next window's budget is guessed as the last known limit minus the
    reservations still out; without a known limit, the next request probes.
    """
    pause_over = budget.paused_until is not None and now >= budget.paused_until
    window_over = budget.reset is not None and not budget.rolled and now >= budget.reset
    if not pause_over and not window_over:
        for lease in budget.leases:
            if lease.expires <= now:
                break
        else:
            return budget  # nothing to bring up to date (the common case, on every request)
    leases = tuple(lease for lease in budget.leases if lease.expires > now)
    paused_until = None if pause_over else budget.paused_until
    changes: dict[str, Any] = {"leases": leases, "paused_until": paused_until}
    if window_over:
        changes.update(rolled=True, lowest=None, lowest_sent=None, answered=0)
        if budget.limit is None:
            changes.update(available=None, probing=True)
        else:
            changes["available"] = budget.limit - len(leases)
    return _copy(budget, **changes)


def plan(budget: Budget, now: float, *, jitter: float = 0.0) -> Decision:
    """Decide whether a new request may start now (``budget`` already advanced to ``now``).

    ``jitter`` (seconds, drawn by the caller) is added to waits that end at a known time, so
    the tasks released together at a reset or after a pause do not start as one herd.
    """
    if budget.paused_until is not None:
        return Wait(budget.paused_until - now + jitter)
    if budget.probing:
        return Wait(None) if budget.leases else _SEND
    if budget.available is None or budget.available > 0:
        return _SEND
    if budget.reset is not None and not budget.rolled:
        return Wait(max(budget.reset - now, 0.0) + jitter)
    # Nothing left and the reset unknown: the requests in flight will bring news. With none
    # in flight nobody would, so one request goes to ask.
    return Wait(None) if budget.leases else _SEND


def take(
    budget: Budget, now: float, lease: Lease, *, jitter: float = 0.0, number: bool = False
) -> tuple[Budget, Decision]:
    """Advance, plan, and on ``Send`` reserve ``lease``: the atomic step of an acquire.

    A request sent although nothing is left (the reset is unknown and nothing is in flight
    to bring news) goes as a probe: it spends nothing, and others wait for its answer.
    With ``number``, a granted lease is numbered (``sent``) in the order of granting, for a
    holder that sends it without a re-check (``take_many``).
    """
    budget = advance(budget, now)
    decision = plan(budget, now, jitter=jitter)
    if decision is _SEND:
        sends = budget.sends
        if number:
            lease = Lease(lease.id, lease.expires, sends)
            sends += 1
        leases = (*budget.leases, lease)
        available, probing = budget.available, budget.probing
        if available is not None and not probing:
            if available > 0:
                available -= 1
            else:
                probing = True
        budget = _copy(budget, available=available, probing=probing, leases=leases, sends=sends)
    return budget, decision


def take_many(budget: Budget, now: float, leases: Sequence[Lease]) -> tuple[Budget, int, Decision]:
    """Reserve as many of ``leases`` as the budget allows now, in order, in one step.

    The shared store's batch: one round trip reserves for several waiting tasks of a
    process. Each granted lease is numbered (``sent``) in the order of granting, since its
    holder sends it without a round trip to re-check (the order of sending within one
    process follows the order of granting). Returns the budget, how many of ``leases``
    (the first ones) were granted, and the decision for the next request (``Send`` if the
    budget allows more, else how long the others wait; no jitter: the caller adds its own).
    """
    budget = advance(budget, now)
    granted = 0
    for lease in leases:
        budget, decision = take(budget, now, lease, number=True)
        if decision is not _SEND:
            break
        granted += 1
    return budget, granted, plan(budget, now)


def outlook(budget: Budget, now: float) -> Outlook:
    """Tell what a new request would do under ``budget`` (already advanced to ``now``)."""
    decision = plan(budget, now)
    if isinstance(decision, Send):
        return "send"
    return "news" if decision.seconds is None else "time"


def doubtful(budget: Budget) -> bool:
    """Tell whether a reservation granted earlier may have to be given back (re-checked).

    The conditions under which ``recheck`` refuses: a pause, more reserved than the server
    allows, or a probe in progress with other reservations out. A limiter that confirms
    reservations without a round trip does so only while no such news has come.
    """
    over = not budget.probing and budget.available is not None and budget.available < 0
    crowded_probe = budget.probing and len(budget.leases) > 1
    return budget.paused_until is not None or over or crowded_probe


def announces(before: Budget, after: Budget, now: float) -> bool:
    """Tell whether a change from ``before`` to ``after`` (both at ``now``) is news to share.

    Waiting tasks elsewhere need to hear of it when a request may start now and could not
    before, when tasks waiting for news must plan again (the outlook changed), or when
    reservations already granted may have to be given back (``doubtful`` began). Other
    changes (the budget closing, a time passing) need no message: the waits end on their own.
    """
    was, now_is = outlook(before, now), outlook(after, now)
    changed = was != now_is and (now_is == "send" or was == "news")
    return changed or (doubtful(after) and not doubtful(before))


def give_back(budget: Budget, lease_id: str) -> Budget:
    """Return an unused reservation (its request was never sent) to the budget."""
    leases, mine = _without(budget.leases, lease_id)
    if mine is None:
        return budget  # lapsed already, or given back twice
    available = None if budget.available is None else budget.available + 1
    return _copy(budget, available=available, leases=leases)


def recheck(
    budget: Budget, now: float, lease_id: str, *, renew_until: float
) -> tuple[Budget, bool]:
    """Re-check a reservation after its task took an in-flight slot, just before sending.

    News may have come while the task waited for the slot: a pause, a smaller remaining
    count (more reserved than allowed), or a probe in progress. Then the reservation is
    given back and the answer is False (acquire again); else it is renewed until
    ``renew_until``, numbered in the order of sending, and the answer is True.
    """
    budget = advance(budget, now)
    leases = budget.leases
    index = next((i for i, lease in enumerate(leases) if lease.id == lease_id), None)
    if index is None:
        return budget, False  # lapsed while waiting for the slot: reserve again
    if doubtful(budget):
        return give_back(budget, lease_id), False
    renewed = (*leases[:index], Lease(lease_id, renew_until, budget.sends), *leases[index + 1 :])
    return _copy(budget, leases=renewed, sends=budget.sends + 1), True


def settle(budget: Budget, lease_id: str, feedback: RateLimitFeedback | None, now: float) -> Budget:
    """Settle a sent request's reservation with what its response said (None: no response).

    A request that was sent counts against the budget even when it failed: the server may
    have counted it.
    """
    leases, mine = _without(budget.leases, lease_id)
    if feedback is None:
        return _copy(budget, leases=leases)
    limit = budget.limit
    if feedback.limit is not None and feedback.limit >= 1:
        limit = feedback.limit
    if feedback.status == TOO_MANY_REQUESTS and feedback.retry_after is not None:
        return _pause(budget, now + feedback.retry_after, leases=leases, limit=limit)
    remaining = feedback.remaining
    if feedback.status == TOO_MANY_REQUESTS:
        if remaining is None and feedback.reset is None:
            # no wait named: every task waits for one probe
            return _pause(budget, now, leases=leases, limit=limit)
        remaining = 0  # refused: nothing remains in this window, whatever the header says
    if remaining is None:
        if not 200 <= feedback.status < 300:
            # An error without a count (a 503 from a proxy, say) proves nothing about the
            # server's limit: the budget keeps probing, one request at a time.
            return _copy(budget, leases=leases, limit=limit)
        # A success without a count: a probe learns the server names none (no limit known).
        return _copy(budget, leases=leases, limit=limit, probing=False)
    sent = None if mine is None else mine.sent
    return _merge_count(budget, leases, limit, remaining, feedback.reset, sent)


_FORGOTTEN: Final[dict[str, Any]] = {
    "probing": True,
    "available": None,
    "lowest": None,
    "lowest_sent": None,
    "answered": 0,
}
"""What a pause forgets: the count of the window is unknown until the next answer."""


def _pause(budget: Budget, until: float, *, leases: tuple[Lease, ...], limit: int | None) -> Budget:
    paused_until = until if budget.paused_until is None else max(budget.paused_until, until)
    return _copy(budget, limit=limit, leases=leases, paused_until=paused_until, **_FORGOTTEN)


def _merge_count(
    budget: Budget,
    leases: tuple[Lease, ...],
    limit: int | None,
    remaining: int,
    reset: float | None,
    sent: int | None,
) -> Budget:
    """Apply "the server had ``remaining`` left when it counted request ``sent``".

    ``leases`` and ``limit`` are the budget's after the settled lease left it.
    """
    window, rolled = budget.reset, budget.rolled
    lowest, lowest_sent, answered = budget.lowest, budget.lowest_sent, budget.answered
    if reset is not None and (window is None or reset > window):
        # a newer window: its news replaces whatever we guessed
        window, rolled, lowest, lowest_sent, answered = reset, False, None, None, 0
    elif reset is not None and (reset < window or rolled):  # type: ignore[operator]
        return _copy(budget, leases=leases, limit=limit)  # a late answer from a window over
    if lowest is None or remaining < lowest:  # later news wins; a late answer cannot raise
        lowest, lowest_sent = remaining, sent
    answered += 1
    return _copy(
        budget,
        limit=limit,
        leases=leases,
        reset=window,
        rolled=rolled,
        lowest=lowest,
        lowest_sent=lowest_sent,
        answered=answered,
        available=lowest - _uncounted(leases, limit, lowest, lowest_sent, answered),
        probing=False,
    )


def _uncounted(
    leases: tuple[Lease, ...],
    limit: int | None,
    lowest: int | None,
    lowest_sent: int | None,
    answered: int,
) -> int:
    """How many of our reservations the server's ``lowest`` may not have counted yet.

    The answer that named ``lowest`` was the server's ``limit - lowest``-th request of the
    window. Of those, ``answered`` came back to us; the others (the gaps) are requests still
    out that the server counted before it, as long as we still have that many out that were
    sent before it. Every other reservation (sent after it, or not sent yet) may still be
    uncounted. Without a known limit, every reservation is taken as uncounted.
    """
    out = len(leases)
    if limit is None or lowest is None or lowest_sent is None:
        return out
    gaps = max(limit - lowest - answered, 0)
    before = sum(1 for lease in leases if lease.sent is not None and lease.sent < lowest_sent)
    return out - min(gaps, before)
