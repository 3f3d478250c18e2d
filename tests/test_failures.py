"""``_failures``: aiohttp's exceptions mapped to failures, retried or not, with no header."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from gitbook_async._failures import classify, failure_of, too_large
from gitbook_async._proxy import ProxySetting
from gitbook_async._sansio import TRANSIENT, FailureKind

REQUEST_INFO = aiohttp.RequestInfo(
    URL("http://127.0.0.1:3128"),
    "CONNECT",
    headers=CIMultiDictProxy(CIMultiDict({"Proxy-Authorization": "Basic c2VjcmV0"})),
    real_url=URL("http://127.0.0.1:3128"),
)


def proxy_error(status: int, message: str) -> aiohttp.ClientHttpProxyError:
    return aiohttp.ClientHttpProxyError(REQUEST_INFO, (), status=status, message=message)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (asyncio.TimeoutError(), FailureKind.TIMEOUT),
        (aiohttp.ClientPayloadError("cut"), FailureKind.CUT_SHORT),
        (asyncio.IncompleteReadError(b"ab", 10), FailureKind.CUT_SHORT),
        (aiohttp.ServerDisconnectedError(), FailureKind.CONNECTION),
        (ConnectionResetError("reset"), FailureKind.CONNECTION),
        (ValueError("header"), FailureKind.INVALID_REQUEST),
        (proxy_error(407, "Proxy Authentication Required"), FailureKind.INVALID_REQUEST),
        (proxy_error(403, "Forbidden"), FailureKind.INVALID_REQUEST),
        (proxy_error(502, "Bad Gateway"), FailureKind.CONNECTION),
        (proxy_error(429, "Too Many Requests"), FailureKind.CONNECTION),
    ],
    ids=[
        "timeout",
        "payload",
        "incomplete-read",
        "disconnected",
        "reset",
        "value-error",
        "proxy-407",
        "proxy-403",
        "proxy-502",
        "proxy-429",
    ],
)
def test_each_exception_maps_to_its_failure_kind(exc: BaseException, kind: FailureKind) -> None:
    """Each aiohttp or OS exception becomes one failure kind; only some are transient."""
    assert classify(exc)[0] is kind


def test_a_proxys_refusal_keeps_its_status_and_never_its_headers() -> None:
    """A 407 from a proxy says to check the credentials; the header aiohttp kept is gone."""
    kind, detail = classify(proxy_error(407, "Proxy Authentication Required"))
    assert kind not in TRANSIENT
    assert (
        detail
        == "the proxy answered 407 Proxy Authentication Required: check the proxy credentials"
    )
    assert "c2VjcmV0" not in detail


def test_a_timeout_says_how_long_it_waited_and_names_the_proxy() -> None:
    """A timed-out attempt's detail is its duration; a proxy in use is named in the error."""
    proxy = ProxySetting.resolve("http://127.0.0.1:3128", trust_env=False, base_url="https://x.io")
    failure = failure_of(asyncio.TimeoutError(), "https://x.io/v1/a", 2.04, proxy)
    assert (failure.kind, failure.detail) == (FailureKind.TIMEOUT, "after 2.0 s")
    assert "through the proxy http://127.0.0.1:3128 (from proxy=)" in str(failure.error())


def test_too_large_names_the_cap() -> None:
    """A body over the cap is a TOO_LARGE failure naming ``max_response_bytes``."""
    failure = too_large("https://x.io/v1/a", 10, "Content-Length is 11 bytes")
    assert failure.kind is FailureKind.TOO_LARGE
    assert failure.detail == "over max_response_bytes=10: Content-Length is 11 bytes"
