"""aiohttp's exceptions mapped to a ``Failure``: the only place that reads them.

aiohttp's exceptions are never raised to users: the ``repr`` of their ``request_info``
holds the Authorization header. ``str()`` of the ones read here holds no header.
"""

from __future__ import annotations

import asyncio

import aiohttp

from gitbook_async._proxy import ProxySetting
from gitbook_async._sansio import Failure, FailureKind

__all__ = ["classify", "failure_of", "too_large"]


def too_large(url: str, cap: int, detail: str) -> Failure:
    return Failure(
        kind=FailureKind.TOO_LARGE, detail=f"over max_response_bytes={cap}: {detail}", url=url
    )


def failure_of(exc: BaseException, url: str, elapsed: float, proxy: ProxySetting | None) -> Failure:
    """Map an aiohttp/OS exception to a Failure. str() of aiohttp errors holds no headers."""
    kind, detail = classify(exc)
    if kind is FailureKind.TIMEOUT:
        detail = f"after {elapsed:.1f} s"
    return Failure(kind=kind, detail=detail, url=url, proxy="" if proxy is None else str(proxy))


def classify(exc: BaseException) -> tuple[FailureKind, str]:
    name = type(exc).__name__
    text = f"{name}: {exc}" if str(exc) else name
    if isinstance(exc, asyncio.TimeoutError):
        return FailureKind.TIMEOUT, text
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return FailureKind.DNS, f"{exc.host}: {exc.os_error.strerror or exc.os_error}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        error = exc.certificate_error
        reason = getattr(error, "verify_message", None) or str(error)
        return FailureKind.TLS, f"certificate of {exc.host} not accepted: {reason}"
    if isinstance(exc, aiohttp.ClientSSLError):
        return FailureKind.TLS, f"{exc.host}: {exc.os_error}"
    if isinstance(exc, (aiohttp.ClientPayloadError, asyncio.IncompleteReadError)):
        return FailureKind.CUT_SHORT, text
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        # The proxy refused the CONNECT tunnel. str() names the proxy and repr() holds the
        # request_info (Proxy-Authorization among its headers): keep the status and reason.
        # A refusal (407 credentials, 403 target) is the same on every attempt; a 5xx (the
        # target unreachable from the proxy), 408 or 429 may pass.
        detail = f"the proxy answered {exc.status} {exc.message}"
        if exc.status == 407:
            detail += ": check the proxy credentials"
        if exc.status >= 500 or exc.status in (408, 429):
            return FailureKind.CONNECTION, detail
        return FailureKind.INVALID_REQUEST, detail
    if isinstance(exc, (aiohttp.TooManyRedirects, aiohttp.RedirectClientError)):
        return FailureKind.REDIRECT, name  # str() of TooManyRedirects is the request URL
    if isinstance(exc, (ValueError, aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        return FailureKind.INVALID_REQUEST, name
    return FailureKind.CONNECTION, text
