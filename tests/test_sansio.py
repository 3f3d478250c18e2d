"""HTTP decisions as pure functions: (status, headers, failure, attempt, policy, now) -> decision.

No event loop, no server, no sleeps: every row of the tables below is one call to a pure
function. The jitter is injected (``rng``) so every delay is exact.
"""

from __future__ import annotations

import ast
import email.utils
import math
import pickle
from pathlib import Path
from typing import Any

import pytest

import gitbook_async
from gitbook_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ConfigurationError,
    NotFoundError,
    RateLimitError,
    ResponseTooLargeError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
)
from gitbook_async._body import REDACTED, excerpt, read_json, redact
from gitbook_async._headers import RateLimit, ServerHints, parse_retry_after
from gitbook_async._sansio import (
    Done,
    Failure,
    FailureKind,
    Raise,
    RawResponse,
    Retry,
    decide,
    status_error,
)
from gitbook_async._urls import normalize_base_url, redirect_refusal, same_origin

NOW = 1_700_000_000.0
DAY = 86_400.0
POLICY = RetryPolicy(max_retries=3, backoff_base=1.0, backoff_max=8.0, max_wait=60.0)
NO_RETRY = RetryPolicy(max_retries=0)
TOKEN = "gb_api_secret_token_xyz"
JSON = {"Content-Type": "application/json"}


def half() -> float:
    """The injected jitter source: always the middle of the range."""
    return 0.5


# backoff(n) with rng=half: step/2 + step/4 where step = min(8, 2**(n-1)).
B1, B2, B3 = 0.75, 1.5, 3.0


def http_date(offset: float) -> str:
    """An HTTP date ``offset`` seconds from NOW."""
    return email.utils.formatdate(NOW + offset, usegmt=True)


def response(status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> RawResponse:
    """A response received at NOW."""
    return RawResponse.build(
        status=status, headers=headers or {}, body=body, now=NOW, url="https://x.test/v1/a"
    )


def run(outcome: RawResponse | Failure, attempt: int = 1, policy: RetryPolicy = POLICY) -> Any:
    """decide() with the fixed jitter and a token to redact."""
    return decide(outcome, attempt, policy, endpoint="GET /a", secrets=(TOKEN,), rng=half)


def failure(kind: FailureKind) -> Failure:
    """A failure of kind ``kind`` on a fixed URL."""
    return Failure(kind=kind, detail="boom", url="https://x.test/v1/a")


DEEP = b"[" * 100_000 + b"]" * 100_000

# (id, status, headers, body, attempt, policy) -> Retry delay, or the error class raised.
RESPONSE_TABLE: list[tuple[str, int, dict[str, str], bytes, int, RetryPolicy, float | type]] = [
    ("503 backs off", 503, {}, b"", 1, POLICY, B1),
    ("503 backoff doubles", 503, {}, b"", 2, POLICY, B2),
    ("503 third retry", 503, {}, b"", 3, POLICY, B3),
    ("503 after the retries", 503, {}, b"", 4, POLICY, ServerError),
    ("503 without retries", 503, {}, b"", 1, NO_RETRY, ServerError),
    ("408 retried", 408, {}, b"", 1, POLICY, B1),
    ("500 retried", 500, {}, b"", 1, POLICY, B1),
    ("504 retried", 504, {}, b"", 1, POLICY, B1),
    ("400 raised", 400, {}, b"", 1, POLICY, BadRequestError),
    ("404 raised", 404, {}, b"", 1, POLICY, NotFoundError),
    ("418 raised", 418, {}, b"", 1, POLICY, APIStatusError),
    ("3xx without Location", 302, {}, b"", 1, POLICY, APIStatusError),
    ("429 Retry-After seconds", 429, {"Retry-After": "7"}, b"", 1, POLICY, 7.0),
    ("429 Retry-After 0", 429, {"Retry-After": "0"}, b"", 1, POLICY, 0.0),
    ("429 Retry-After date", 429, {"Retry-After": http_date(30)}, b"", 1, POLICY, 30.0),
    ("429 Retry-After past date", 429, {"Retry-After": http_date(-30)}, b"", 1, POLICY, 0.0),
    ("429 Retry-After nan", 429, {"Retry-After": "nan"}, b"", 1, POLICY, B1),
    ("429 Retry-After inf", 429, {"Retry-After": "inf"}, b"", 1, POLICY, B1),
    ("429 Retry-After -5", 429, {"Retry-After": "-5"}, b"", 1, POLICY, B1),
    ("429 Retry-After 1.5", 429, {"Retry-After": "1.5"}, b"", 1, POLICY, B1),
    ("429 Retry-After 1e3", 429, {"Retry-After": "1e3"}, b"", 1, POLICY, B1),
    ("429 Retry-After empty", 429, {"Retry-After": ""}, b"", 1, POLICY, B1),
    ("429 over max_wait", 429, {"Retry-After": "120"}, b"", 1, POLICY, RateLimitError),
    ("429 30 digits", 429, {"Retry-After": "9" * 30}, b"", 1, POLICY, RateLimitError),
    ("503 over max_wait waits max_wait", 503, {"Retry-After": "120"}, b"", 1, POLICY, 60.0),
    (
        "429 reset when none remain",
        429,
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW + 10))},
        b"",
        1,
        POLICY,
        10.0,
    ),
    (
        "429 Retry-After wins over reset",
        429,
        {"Retry-After": "1", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW + 50))},
        b"",
        1,
        POLICY,
        1.0,
    ),
    (
        "429 reset in milliseconds is unreadable",
        429,
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW * 1000))},
        b"",
        1,
        POLICY,
        B1,
    ),
    (
        "429 reset years away is unreadable",
        429,
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW + 3 * 365 * DAY))},
        b"",
        1,
        POLICY,
        B1,
    ),
    ("200 truncated JSON retried", 200, JSON, b'{"items": [', 1, POLICY, B1),
    (
        "200 truncated JSON at the end",
        200,
        JSON,
        b'{"items": [',
        4,
        POLICY,
        ResponseValidationError,
    ),
    ("200 invalid UTF-8", 200, JSON, b'{"a": "\xff"}', 1, POLICY, ResponseValidationError),
    ("200 5000 digits", 200, JSON, b"[" + b"7" * 5000 + b"]", 1, POLICY, ResponseValidationError),
    ("200 deep nesting", 200, JSON, DEEP, 1, POLICY, ResponseValidationError),
    ("200 NaN", 200, JSON, b'{"count": NaN}', 1, POLICY, ResponseValidationError),
    ("200 Infinity", 200, JSON, b'{"count": Infinity}', 1, POLICY, ResponseValidationError),
    ("200 -Infinity", 200, JSON, b'{"count": -Infinity}', 1, POLICY, ResponseValidationError),
    ("200 1e400", 200, JSON, b'{"count": 1e400}', 1, POLICY, ResponseValidationError),
    (
        "200 HTML page",
        200,
        {"Content-Type": "text/html"},
        b"<p>",
        1,
        POLICY,
        ResponseValidationError,
    ),
]


@pytest.mark.parametrize(
    ("status", "headers", "body", "attempt", "policy", "expected"),
    [row[1:] for row in RESPONSE_TABLE],
    ids=[row[0] for row in RESPONSE_TABLE],
)
def test_decide_for_a_response(
    status: int,
    headers: dict[str, str],
    body: bytes,
    attempt: int,
    policy: RetryPolicy,
    expected: float | type,
) -> None:
    """Each response row gives exactly the retry delay or the error class of the table."""
    decision = run(response(status, headers, body), attempt, policy)
    if isinstance(expected, float):
        assert isinstance(decision, Retry)
        assert decision.delay == expected
    else:
        assert isinstance(decision, Raise)
        assert type(decision.error) is expected


FAILURE_TABLE: list[tuple[FailureKind, int, float | type]] = [
    (FailureKind.CONNECTION, 1, B1),
    (FailureKind.CONNECTION, 3, B3),
    (FailureKind.CONNECTION, 4, APIConnectionError),
    (FailureKind.TIMEOUT, 1, B1),
    (FailureKind.TIMEOUT, 4, APITimeoutError),
    (FailureKind.CUT_SHORT, 2, B2),
    (FailureKind.CUT_SHORT, 4, APIConnectionError),
    (FailureKind.TOO_LARGE, 1, ResponseTooLargeError),
    (FailureKind.DNS, 1, APIConnectionError),
    (FailureKind.TLS, 1, APIConnectionError),
    (FailureKind.REDIRECT, 1, APIConnectionError),
    (FailureKind.INVALID_REQUEST, 1, APIConnectionError),
]


@pytest.mark.parametrize(("kind", "attempt", "expected"), FAILURE_TABLE)
def test_decide_for_a_failure(kind: FailureKind, attempt: int, expected: float | type) -> None:
    """Refused/reset, timeouts and short bodies are retried; DNS, TLS, size, redirects never."""
    decision = run(failure(kind), attempt)
    if isinstance(expected, float):
        assert decision == Retry(expected, kind.value)
    else:
        assert isinstance(decision, Raise)
        assert type(decision.error) is expected
        assert kind.value in str(decision.error)


def test_a_2xx_json_body_is_done() -> None:
    """A 2xx JSON body decodes to Done(value)."""
    assert run(response(200, JSON, b'{"items": [1.5, 2]}')) == Done({"items": [1.5, 2]})


def test_a_429_over_max_wait_carries_retry_after() -> None:
    """A 429 naming a wait over max_wait raises RateLimitError with that wait, at once."""
    decision = run(response(429, {"Retry-After": "120"}), attempt=1)
    assert isinstance(decision, Raise)
    assert isinstance(decision.error, RateLimitError)
    assert decision.error.retry_after == 120.0


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b'{"count": NaN}', "count"),
        (b'{"items": [{"a": 1}, {"version": Infinity}]}', "items[1].version"),
        (b"[1, 2, -Infinity]", "[2]"),
        (b'{"a": {"b": 1e400}}', "a.b"),
    ],
)
def test_a_non_finite_number_is_refused_naming_its_path(body: bytes, path: str) -> None:
    """NaN, Infinity, -Infinity and overflowing literals are not JSON; the error names the path."""
    decision = run(response(200, JSON, body))
    assert isinstance(decision, Raise)
    assert isinstance(decision.error, ResponseValidationError)
    assert decision.error.path == path
    assert path in str(decision.error)


def test_finite_floats_and_big_ints_are_kept() -> None:
    """Ordinary floats decode unchanged; integers wider than 64 bits stay exact."""
    value = read_json(b'{"a": 0.1, "b": 123456789012345678901234567890}')
    assert value == {"a": 0.1, "b": 123456789012345678901234567890}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("9" * 12, DAY),
        ("9" * 5000, DAY),
        (http_date(30), 30.0),
        (http_date(-30), 0.0),
        (http_date(10 * DAY), DAY),
        ("Tue, 14 Nov 2023 22:13:50 -0000", 30.0),
        ("nan", None),
        ("inf", None),
        ("-5", None),
        ("1.5", None),
        ("+5", None),
        ("", None),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_counts_only_digits_or_a_date(
    value: str | None, expected: float | None
) -> None:
    """Retry-After is delta-seconds or an HTTP date, finite and at most a day; else None."""
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        (
            {
                "X-RateLimit-Limit": "100",
                "X-RateLimit-Remaining": "7",
                "X-RateLimit-Reset": "1700000060",
            },
            RateLimit(limit=100, remaining=7, reset=1_700_000_060.0),
        ),
        ({"x-ratelimit-remaining": "0"}, RateLimit(limit=None, remaining=0, reset=None)),
        (
            {"X-RateLimit-Reset": "1700000060.5"},
            RateLimit(limit=None, remaining=None, reset=1_700_000_060.5),
        ),
        ({"X-RateLimit-Limit": "nan", "X-RateLimit-Remaining": "inf"}, None),
        ({"X-RateLimit-Remaining": "-1"}, None),
        ({"X-RateLimit-Remaining": "9" * 5000}, None),
        (
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW * 1000))},
            RateLimit(limit=None, remaining=0, reset=None),
        ),
        ({"X-RateLimit-Reset": str(int(NOW + DAY + 1))}, None),
        (
            {"X-RateLimit-Reset": str(int(NOW + DAY))},
            RateLimit(limit=None, remaining=None, reset=NOW + DAY),
        ),
    ],
)
def test_rate_limit_headers_are_finite_and_bounded(
    headers: dict[str, str], expected: RateLimit | None
) -> None:
    """X-RateLimit-* read as digits only; a reset more than a day away is unreadable."""
    assert RateLimit.from_headers(headers, NOW) == expected


def test_server_hints_are_read_once_per_response() -> None:
    """A response carries its parsed hints: Retry-After first, the reset otherwise."""
    hints = response(
        429, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW + 5))}
    ).hints
    assert hints == ServerHints(
        rate_limit=RateLimit(limit=None, remaining=0, reset=NOW + 5), wait=5.0
    )


@pytest.mark.parametrize("draw", [0.0, 0.5, 0.999])
@pytest.mark.parametrize("retry", [1, 2, 5, 10_000])
def test_backoff_is_jittered_within_the_upper_half_of_the_step(draw: float, retry: int) -> None:
    """backoff(n) lies in [step/2, step) and depends only on the injected draw."""
    step = min(POLICY.backoff_max, POLICY.backoff_base * 2 ** min(retry - 1, 64))
    delay = POLICY.backoff(retry, rng=lambda: draw)
    assert math.isfinite(delay)
    assert step / 2 <= delay < step or delay == step / 2


# --- secrets -------------------------------------------------------------------------------


def test_the_token_is_redacted_from_every_text_of_an_error_response() -> None:
    """An echoed Authorization header is redacted from message, body, headers and URL."""
    echoed = f'{{"error": {{"code": "{TOKEN}", "message": "bad header Bearer {TOKEN}"}}}}'
    raw = RawResponse.build(
        status=400,
        headers={"Content-Type": "application/json", "X-Echo": f"Bearer {TOKEN}"},
        body=echoed.encode(),
        now=NOW,
        url=f"https://x.test/v1/a?t={TOKEN}",
    )
    error = status_error(raw, (TOKEN,))
    texts = [str(error), repr(error), error.message, error.body, error.url, repr(error.headers)]
    texts.append(repr(vars(error)))
    assert all(TOKEN not in text for text in texts)
    assert REDACTED in error.message
    assert error.headers["x-echo"] == f"Bearer {REDACTED}"
    assert TOKEN not in repr(pickle.loads(pickle.dumps(error)).__dict__)


def test_an_excerpt_is_redacted_before_it_is_cut() -> None:
    """A token straddling the excerpt's end leaves no prefix of itself behind."""
    body = (b"x" * 15) + TOKEN.encode()
    assert TOKEN[:5] not in excerpt(body, 20, (TOKEN,))
    assert redact(f"a {TOKEN} b", (TOKEN,)) == f"a {REDACTED} b"


def test_a_failure_message_is_redacted() -> None:
    """Failure texts pass through the same redaction."""
    error = Failure(kind=FailureKind.CONNECTION, detail=TOKEN, url="https://x.test/").error(
        (TOKEN,)
    )
    assert TOKEN not in str(error)


# --- URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "target", "refused"),
    [
        ("https://api.gitbook.com", "https://api.gitbook.com/v1/x", False),
        ("https://api.gitbook.com", "https://cdn.gitbook.com/v1/x", False),
        ("https://api.gitbook.com", "http://api.gitbook.com/v1/x", True),
        ("https://api.gitbook.com", "http://evil.example/v1/x", True),
        ("https://api.gitbook.com", "http://localhost:8080/v1/x", False),
        ("https://api.gitbook.com", "http://127.0.0.1/v1/x", False),
        ("https://api.gitbook.com", "http://[::1]:81/v1/x", False),
        ("http://127.0.0.1:8080", "http://example.com/v1/x", True),
        ("http://gitbook.internal", "http://other.internal/v1/x", False),
        ("https://api.gitbook.com", "ftp://api.gitbook.com/x", True),
        ("https://api.gitbook.com", "file:///etc/passwd", True),
        ("https://api.gitbook.com", "http://[::1/x", True),
    ],
)
def test_a_redirect_never_downgrades_to_plain_http(base: str, target: str, refused: bool) -> None:
    """Plain http to a non-loopback host is refused unless the base URL itself is one."""
    assert (redirect_refusal(base, target) is not None) is refused


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("https://a.test/x", "https://a.test:443/y", True),
        ("https://a.test/x", "https://A.TEST/y", True),
        ("https://a.test/x", "http://a.test/x", False),
        ("https://a.test/x", "https://b.test/x", False),
        ("http://127.0.0.1:1/x", "http://127.0.0.1:2/x", False),
    ],
)
def test_same_origin_compares_scheme_host_and_port(first: str, second: str, same: bool) -> None:
    """Origins are (scheme, host, port) with default ports filled in."""
    assert same_origin(first, second) is same


@pytest.mark.parametrize(
    "base_url",
    [
        "http://[::1",
        42,
        None,
        "https://api.gitbook.com:99999",
        "https://api.gitbook.com:-1",
        "https://api.gitbook.com:0",
        "https://api.gitbook.com:port",
        "https://api gitbook.com",
        "https://api.git\nbook.com",
        "gopher://api.gitbook.com",
        "https://",
    ],
)
def test_a_malformed_base_url_is_a_configuration_error(base_url: Any) -> None:
    """A malformed base_url raises ConfigurationError, never ValueError or AttributeError."""
    with pytest.raises(ConfigurationError):
        normalize_base_url(base_url)


def test_a_well_formed_base_url_is_normalised() -> None:
    """Trailing slashes and the /v1 prefix go; ports and IPv6 literals stay."""
    assert normalize_base_url("https://x.test:8443/v1/") == "https://x.test:8443"
    assert normalize_base_url("http://[::1]:8080") == "http://[::1]:8080"


# --- purity --------------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["_sansio", "_headers", "_urls", "_body", "_config", "_errors"])
def test_the_decision_modules_do_no_io(module: str) -> None:
    """The pure modules import neither aiohttp nor asyncio (also not inside functions)."""
    path = Path(gitbook_async.__file__).parent / f"{module}.py"
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"aiohttp", "asyncio", "yarl", "multidict", "socket"}
