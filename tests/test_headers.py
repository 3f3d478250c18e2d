"""``_headers``: what a response's headers say about waiting, as pure functions of (headers, now).

Every number read from a header must come out finite, at least 0 and at most a day
(``MAX_SERVER_WAIT``), or be ignored: a hostile or broken header may never make the client
sleep for NaN, forever, or a negative time (issue 10, docs/rate-limits.md).
"""

from __future__ import annotations

import email.utils
import math

import pytest

from gitbook_async import RateLimit
from gitbook_async._constants import MAX_SERVER_WAIT
from gitbook_async._errors import Headers
from gitbook_async._headers import ServerHints, parse_retry_after

NOW = 1_700_000_000.0
DAY = 86_400.0


def http_date(epoch: float) -> str:
    """``epoch`` as an IMF-fixdate, as a server writes ``Retry-After``."""
    return email.utils.formatdate(epoch, usegmt=True)


def test_a_day_is_the_longest_wait() -> None:
    """The tables below assume the cap is one day."""
    assert MAX_SERVER_WAIT == DAY


# -- parse_retry_after ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, None, id="absent"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("7", 7.0, id="seconds"),
        pytest.param(" 7\t", 7.0, id="surrounding-whitespace"),
        pytest.param("007", 7.0, id="leading-zeros"),
        pytest.param("86400", DAY, id="a-day"),
        pytest.param("86401", DAY, id="over-a-day-is-capped"),
        pytest.param("9" * 12, DAY, id="twelve-digits"),
        pytest.param("9" * 400, DAY, id="huge-no-float-overflow"),
        pytest.param(http_date(NOW + 30), 30.0, id="date-ahead"),
        pytest.param(http_date(NOW - 3600), 0.0, id="date-in-the-past"),
        pytest.param(http_date(0), 0.0, id="date-at-the-epoch"),
        pytest.param(http_date(NOW + 10 * DAY), DAY, id="date-far-ahead-is-capped"),
        pytest.param("Fri, 31 Dec 9999 23:59:59 GMT", DAY, id="date-year-9999"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 -0000", 0.0, id="date-minus-zero-zone"),
        pytest.param("Sunday, 06-Nov-94 08:49:37 GMT", 0.0, id="date-rfc850"),
        pytest.param("Sun Nov  6 08:49:37 1994", 0.0, id="date-asctime"),
    ],
)
def test_retry_after_readable_values(value: str | None, expected: float | None) -> None:
    """Delta-seconds and HTTP dates read as seconds from now, capped at a day."""
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("nan", id="nan"),
        pytest.param("NaN", id="NaN"),
        pytest.param("inf", id="inf"),
        pytest.param("Infinity", id="Infinity"),
        pytest.param("-1", id="negative"),
        pytest.param("+5", id="plus-sign"),
        pytest.param("1.5", id="fraction"),
        pytest.param("1e3", id="exponent"),
        pytest.param("0x10", id="hex"),
        pytest.param("5 s", id="unit"),
        pytest.param("5\r\nX-Injected: 1", id="crlf"),
        pytest.param("5\x00", id="nul"),
        pytest.param("\u0663", id="arabic-indic-digit"),
        pytest.param("\uff11\uff12", id="fullwidth-digits"),
        pytest.param("\u00b2", id="superscript-two"),
        pytest.param("\ud800", id="lone-surrogate"),
        pytest.param("Mon, 32 Jan 2024 00:00:00 GMT", id="date-day-32"),
        pytest.param("Mon, 01 Foo 2024 00:00:00 GMT", id="date-bad-month"),
        pytest.param("soon", id="word"),
    ],
)
def test_retry_after_unreadable_values_are_none(value: str) -> None:
    """Anything but digits or an HTTP date is ignored (None), never a NaN or negative wait."""
    assert parse_retry_after(value, NOW) is None


@pytest.mark.parametrize("now", [0.0, NOW, 4_102_444_800.0])  # 1970, 2023, 2100
@pytest.mark.parametrize("value", ["0", "120", "9" * 30, http_date(NOW), http_date(NOW + 99)])
def test_retry_after_is_always_finite_and_bounded(value: str, now: float) -> None:
    """Whatever the clock, a readable ``Retry-After`` is within 0..a day."""
    seconds = parse_retry_after(value, now)
    assert seconds is not None
    assert math.isfinite(seconds)
    assert 0.0 <= seconds <= DAY


# -- RateLimit.from_headers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({}, None, id="none"),
        pytest.param({"Content-Type": "application/json"}, None, id="unrelated"),
        pytest.param(
            {
                "X-RateLimit-Limit": "100",
                "X-RateLimit-Remaining": "7",
                "X-RateLimit-Reset": "1700000030",
            },
            RateLimit(limit=100, remaining=7, reset=1_700_000_030.0),
            id="all-three",
        ),
        pytest.param(
            {"x-ratelimit-limit": "100", "X-RATELIMIT-REMAINING": "0"},
            RateLimit(limit=100, remaining=0, reset=None),
            id="case-insensitive-names",
        ),
        pytest.param(
            {"X-RateLimit-Reset": "1700000030.250"},
            RateLimit(limit=None, remaining=None, reset=1_700_000_030.25),
            id="fractional-reset",
        ),
        pytest.param(
            {"X-RateLimit-Remaining": " 3 "},
            RateLimit(limit=None, remaining=3, reset=None),
            id="surrounding-whitespace",
        ),
        pytest.param(
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW * 1000))},
            RateLimit(limit=None, remaining=0, reset=None),
            id="reset-in-milliseconds-is-unreadable",
        ),
        pytest.param(
            {"X-RateLimit-Reset": str(int(NOW + DAY + 1))}, None, id="reset-over-a-day-away"
        ),
        pytest.param(
            {"X-RateLimit-Reset": str(int(NOW + DAY))},
            RateLimit(limit=None, remaining=None, reset=NOW + DAY),
            id="reset-a-day-away",
        ),
        pytest.param(
            {"X-RateLimit-Reset": "1600000000"},
            RateLimit(limit=None, remaining=None, reset=1_600_000_000.0),
            id="reset-in-the-past-is-kept",
        ),
    ],
)
def test_rate_limit_from_headers(headers: dict[str, str], expected: RateLimit | None) -> None:
    """GitBook's ``X-RateLimit-*`` headers become a RateLimit; None when none is readable."""
    assert RateLimit.from_headers(headers, NOW) == expected


@pytest.mark.parametrize(
    "value",
    [
        "nan",
        "inf",
        "-1",
        "1.5e3",
        "1e400",
        "0x10",
        "9" * 13,
        "\u0661\u0660",  # Arabic-Indic 10: str.isdigit() says yes, the pattern says no
        "10\r\nX: y",
        "\ud800",
        "",
    ],
)
@pytest.mark.parametrize(
    "name", ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]
)
def test_rate_limit_unreadable_values_are_ignored(name: str, value: str) -> None:
    """A header that is not plain digits (a decimal point for the reset) is as if absent."""
    assert RateLimit.from_headers({name: value}, NOW) is None


def test_rate_limit_accepts_aiohttp_style_headers() -> None:
    """A ``Headers`` (case-insensitive multidict) is read as it is, not copied."""
    headers = Headers({"X-RateLimit-Remaining": "2"})
    assert RateLimit.from_headers(headers, NOW) == RateLimit(limit=None, remaining=2, reset=None)


# -- RateLimit.wait_seconds ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("remaining", "reset", "expected"),
    [
        pytest.param(None, NOW + 30, 0.0, id="remaining-unknown"),
        pytest.param(5, NOW + 30, 0.0, id="some-remaining"),
        pytest.param(0, None, 0.0, id="reset-unknown"),
        pytest.param(0, NOW + 30, 30.0, id="until-the-reset"),
        pytest.param(0, NOW - 30, 0.0, id="reset-passed"),
        pytest.param(0, NOW + 10 * DAY, DAY, id="capped-at-a-day"),
        pytest.param(0, math.inf, DAY, id="infinite-reset"),
        pytest.param(0, -math.inf, 0.0, id="minus-infinite-reset"),
        pytest.param(-3, NOW + 30, 30.0, id="negative-remaining-counts-as-none-left"),
    ],
)
def test_rate_limit_wait_seconds(
    remaining: int | None, reset: float | None, expected: float
) -> None:
    """A wait only once nothing remains: until the reset, within 0..a day."""
    rate_limit = RateLimit(limit=100, remaining=remaining, reset=reset)
    assert rate_limit.wait_seconds(NOW) == expected


def test_rate_limit_wait_seconds_is_finite_for_a_nan_reset() -> None:
    """A RateLimit built by hand with a NaN reset still waits a finite time (PITFALLS)."""
    rate_limit = RateLimit(limit=100, remaining=0, reset=math.nan)
    assert math.isfinite(rate_limit.wait_seconds(NOW))


def test_rate_limit_is_frozen() -> None:
    """A RateLimit is a value: it cannot be changed after it is read."""
    rate_limit = RateLimit(limit=1, remaining=0, reset=None)
    with pytest.raises(AttributeError):
        rate_limit.remaining = 5  # type: ignore[misc]


# -- ServerHints.from_headers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "wait", "retry_after"),
    [
        pytest.param({}, None, None, id="nothing"),
        pytest.param({"Retry-After": "12"}, 12.0, 12.0, id="retry-after"),
        pytest.param({"Retry-After": "0"}, 0.0, 0.0, id="retry-after-zero"),
        pytest.param(
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW + 40))},
            40.0,
            None,
            id="reset-when-none-remain",
        ),
        pytest.param(
            {"X-RateLimit-Remaining": "9", "X-RateLimit-Reset": str(int(NOW + 40))},
            None,
            None,
            id="no-wait-while-some-remain",
        ),
        pytest.param(
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW - 5))},
            None,
            None,
            id="reset-passed-is-no-wait",
        ),
        pytest.param(
            {
                "Retry-After": "3",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(NOW + 40)),
            },
            3.0,
            3.0,
            id="retry-after-wins-over-the-reset",
        ),
        pytest.param(
            {
                "Retry-After": "nan",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(NOW + 40)),
            },
            40.0,
            None,
            id="unreadable-retry-after-falls-back-to-the-reset",
        ),
        pytest.param({"Retry-After": "-1"}, None, None, id="negative-retry-after-ignored"),
    ],
)
def test_server_hints(
    headers: dict[str, str], wait: float | None, retry_after: float | None
) -> None:
    """The wait a response asks for: ``Retry-After`` first, else the reset once none remain."""
    hints = ServerHints.from_headers(headers, NOW)
    assert (hints.wait, hints.retry_after) == (wait, retry_after)
    assert hints.rate_limit == RateLimit.from_headers(headers, NOW)
