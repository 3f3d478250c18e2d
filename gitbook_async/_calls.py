"""The transport as one client's resources see it: default options, closed state, no token.

Clients made by ``GitBookClient.with_options()`` share one ``Transport`` (one connection
pool, one rate budget); each sends through its own ``ClientCalls``, which fills in that
client's default ``timeout``/``max_retries`` and keeps that client's own closed state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from gitbook_async._constants import TOKEN_ENV_VAR
from gitbook_async._errors import ClientClosedError, ConfigurationError
from gitbook_async._resources._options import CallOptions, JSONTransport
from gitbook_async._transport import Transport

__all__ = ["ClientCalls", "Tokenless", "no_token_error"]


class ClientCalls:
    """The transport as one client's resources see it.

    It adds that client's default ``timeout`` and ``max_retries`` and its own closed state:
    clients made by ``with_options`` share one transport (one pool, one rate budget) but
    each closes on its own.
    """

    def __init__(
        self, sender: JSONTransport, transport: Transport, defaults: CallOptions, *, derived: bool
    ) -> None:
        self.sender = sender
        self.defaults = defaults
        self.derived = derived
        self.closed_here = False
        self._transport = transport

    @property
    def closed(self) -> bool:
        """Whether this client, or the pool it sends through, is closed."""
        return self.closed_here or self._transport.closed

    def check_open(self) -> None:
        """Raise ``ClientClosedError`` if this client or its pool is closed."""
        if self.closed_here:
            raise ClientClosedError(
                "this GitBookClient (made by with_options()) is closed; call with_options() "
                "again on the client it came from"
            )
        if self.derived and self._transport.closed:
            raise ClientClosedError(
                "the GitBookClient this one was made from (with_options()) is closed, and with "
                "it the connection pool they share; keep that client open while derived "
                "clients are in use"
            )
        self._transport.check_open()

    def defaults_text(self) -> str:
        """Return the overrides as ``with_options`` arguments (for the client's repr)."""
        timeout, max_retries = self.defaults.timeout, self.defaults.max_retries
        parts = [] if timeout is None else [f"timeout={timeout.total!r}"]
        if max_retries is not None:
            parts.append(f"max_retries={max_retries!r}")
        return ", ".join(parts)

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
        """Send through the shared transport with this client's defaults filled in."""
        self.check_open()
        return await self.sender.get_json(
            path,
            params,
            endpoint=endpoint,
            timeout=self.defaults.timeout if timeout is None else timeout,
            max_retries=self.defaults.max_retries if max_retries is None else max_retries,
            fast_decode=fast_decode,
        )


class Tokenless:
    """The transport as the resources see it while no token is configured.

    Every call fails before anything is sent, with the missing-token ``ConfigurationError``
    (``ClientCalls`` raises ``ClientClosedError`` first once the client is closed).
    """

    async def get_json(self, path: str, params: Mapping[str, str], **options: Any) -> Any:
        """Refuse the call; see the class docstring."""
        raise no_token_error()


def no_token_error() -> ConfigurationError:
    """Return the error of a call made while no token is configured (nothing is sent)."""
    return ConfigurationError(
        f"no GitBook API token: pass GitBookClient(token=...) or set ${TOKEN_ENV_VAR}"
    )
