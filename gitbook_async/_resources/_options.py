"""Per-call options shared by the client and the resources (below both; imports neither).

``Timeout`` is what users pass as ``timeout=``; ``client_timeout`` turns it into the
``aiohttp.ClientTimeout`` the transport takes, and ``CallOptions`` checks a call's overrides
once, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import aiohttp
import attrs

from gitbook_async._checks import check_int, check_seconds
from gitbook_async._constants import DEFAULT_CONNECT_TIMEOUT
from gitbook_async._errors import InvalidArgumentError

__all__ = ["CallOptions", "JSONTransport", "Timeout", "client_timeout"]

Timeout = float | aiohttp.ClientTimeout | None
"""Seconds for a whole request, an ``aiohttp.ClientTimeout``, or None (the client's)."""


def client_timeout(timeout: float | aiohttp.ClientTimeout) -> aiohttp.ClientTimeout:
    """Return ``timeout`` as an ``aiohttp.ClientTimeout``.

    A number is the ``total`` seconds of one attempt; connecting may take at most
    ``DEFAULT_CONNECT_TIMEOUT`` of it.

    Raises:
        InvalidArgumentError: ``timeout`` is neither a positive finite number nor an
            ``aiohttp.ClientTimeout``.

    """
    if isinstance(timeout, aiohttp.ClientTimeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise InvalidArgumentError(
            f"timeout must be a positive number of seconds or an aiohttp.ClientTimeout, "
            f"got {timeout!r}"
        )
    seconds = check_seconds("timeout", timeout, allow_zero=False)
    return aiohttp.ClientTimeout(total=seconds, sock_connect=min(DEFAULT_CONNECT_TIMEOUT, seconds))


@attrs.frozen(init=False)
class CallOptions:
    """Per-call overrides of the client's settings, checked (None keeps the client's).

    Raises:
        InvalidArgumentError: a bad ``timeout`` or ``max_retries`` (at construction).

    """

    timeout: aiohttp.ClientTimeout | None
    max_retries: int | None

    def __init__(self, timeout: Timeout = None, max_retries: int | None = None) -> None:
        if max_retries is not None:
            check_int("max_retries", max_retries)
        converted = None if timeout is None else client_timeout(timeout)
        self.__attrs_init__(converted, max_retries)


class JSONTransport(Protocol):
    """What a resource needs from the transport: one GET that returns decoded JSON."""

    async def get_json(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        endpoint: str,
        timeout: aiohttp.ClientTimeout | None = None,
        max_retries: int | None = None,
        fast_decode: Callable[[bytes], Any] | None = None,
    ) -> Any:
        """GET ``path`` with ``params`` and return the decoded JSON; raise our errors.

        ``fast_decode`` may read a 2xx JSON body first; None from it means "decode strictly".
        """
        ...
