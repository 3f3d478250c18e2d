"""``GitBookClient``: the token, the lifecycle, and the resources hanging off it."""

from __future__ import annotations

import copy
import os
import unicodedata
from collections.abc import Awaitable, Callable, Iterable
from typing import Final, TypeVar

import aiohttp
import attrs

from gitbook_async._batch import SpaceResults, map_spaces
from gitbook_async._calls import ClientCalls, Tokenless, no_token_error
from gitbook_async._checks import check_int
from gitbook_async._closing import AsyncClosing
from gitbook_async._config import RetryPolicy
from gitbook_async._constants import (
    BASE_URL_ENV_VAR,
    DEFAULT_BASE_URL,
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    TOKEN_ENV_VAR,
)
from gitbook_async._errors import ConfigurationError
from gitbook_async._headers import RateLimit
from gitbook_async._logging import configure_logging_from_env
from gitbook_async._ratelimit import LocalRateLimiter, RateLimiter, budget_key
from gitbook_async._resources._options import CallOptions, JSONTransport, Timeout, client_timeout
from gitbook_async._resources._spaces import SpacesResource
from gitbook_async._transport import Transport, user_agent
from gitbook_async._urls import normalize_base_url

__all__ = ["GitBookClient"]

T = TypeVar("T")

_CONTROL_CATEGORIES: Final = frozenset({"Cc", "Zl", "Zp"})
"""Unicode categories refused in a token: controls (CR, LF, NUL, ...) and line breaks."""

# $GITBOOK_LOG is read once, when gitbook_async is imported (like openai's $OPENAI_LOG).
configure_logging_from_env()


class GitBookClient(AsyncClosing):
    """An async client for GitBook's space integrations API.

    Create one per application (or batch job) and share it: it holds a connection pool.
    Its aiohttp session is created lazily inside the running event loop, so constructing
    the client anywhere (module import, app factory) is safe.

    Example:
        ```python
        import asyncio

        from gitbook_async import GitBookClient


        async def main() -> None:
            async with GitBookClient() as gitbook:  # token from $GITBOOK_API_TOKEN
                async for integration in gitbook.spaces.list_integrations("demo-space"):
                    print(integration.name, integration.title)


        asyncio.run(main())
        ```

    Args:
        token: API token; defaults to the ``GITBOOK_API_TOKEN`` environment variable (with
            surrounding whitespace, such as a trailing newline, stripped).
        base_url: API origin (``/v1`` is added); defaults to ``$GITBOOK_BASE_URL``, else
            ``https://api.gitbook.com``. Plain http is refused except to loopback hosts unless
            ``allow_insecure_http=True``.
        session: An aiohttp session to borrow instead of creating one; it is never closed by
            this client.
        timeout: Seconds for each request (total), or an ``aiohttp.ClientTimeout``.
        user_agent: Your product token, appended to ``gitbook-async/<version> ...``.
        retry: How transient failures are retried (default ``RetryPolicy()``: 3 retries,
            0.5 s doubling backoff capped at 8 s, server-named waits up to 60 s).
        max_response_bytes: Largest response body accepted (default 32 MiB).
        max_concurrency: Requests in flight at once across all tasks sharing the client;
            the owned session's connection pool is sized to match.
        allow_insecure_http: Allow a plain ``http://`` base URL to a non-loopback host.
        rate_limiter: Where the rate budget lives (docs/rate-limits.md): by default a
            ``LocalRateLimiter`` of this client's own; pass one shared instance to several
            clients, or ``gitbook_async.redis.RedisRateLimiter`` to share the budget among
            processes and machines. The client never closes it.

    Raises:
        ConfigurationError: ``base_url`` is unusable or unsafe, or the token holds a
            control character (a line break, NUL, ...), which could forge headers.
        InvalidArgumentError: ``timeout`` is not a positive number or a ``ClientTimeout``.

    """

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout: float | aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
        user_agent: str | None = None,
        retry: RetryPolicy | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        allow_insecure_http: bool = False,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self._token = _read_token(token)
        check_int("max_response_bytes", max_response_bytes, minimum=1, error=ConfigurationError)
        check_int("max_concurrency", max_concurrency, minimum=1, error=ConfigurationError)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ConfigurationError(f"retry must be a RetryPolicy, got {retry!r}")
        if base_url is None:
            base_url = os.environ.get(BASE_URL_ENV_VAR) or DEFAULT_BASE_URL
        self._base_url = normalize_base_url(base_url, allow_insecure_http=allow_insecure_http)
        headers = {"Accept": "application/json", "User-Agent": _user_agent_or_error(user_agent)}
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token}"
        self._transport = Transport(
            base_url=self._base_url,
            headers=headers,
            timeout=client_timeout(timeout),
            max_response_bytes=max_response_bytes,
            session=session,
            max_concurrency=max_concurrency,
            retry=retry if retry is not None else RetryPolicy(),
            rate_limiter=_rate_limiter_or_error(rate_limiter),
            budget_key=budget_key(self._base_url, self._token or ""),
        )
        self._max_concurrency = max_concurrency
        sender: JSONTransport = self._transport if self._token is not None else Tokenless()
        self._calls = ClientCalls(sender, self._transport, CallOptions(), derived=False)
        self._spaces = SpacesResource(
            self._calls, max_concurrency=max_concurrency, base_url=self._base_url
        )

    @property
    def spaces(self) -> SpacesResource:
        """The space integrations endpoints."""
        return self._spaces

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate-limit state of the last response that reported one (None before)."""
        return self._transport.rate_limit

    @property
    def retry(self) -> RetryPolicy:
        """The client's retry policy (with a ``with_options(max_retries=...)`` override)."""
        max_retries = self._calls.defaults.max_retries
        if max_retries is None:
            return self._transport.retry
        return attrs.evolve(self._transport.retry, max_retries=max_retries)

    @property
    def base_url(self) -> str:
        """The API origin requests go to (without ``/v1``)."""
        return self._base_url

    @property
    def closed(self) -> bool:
        """Whether ``aclose()`` has been called (on this client, or on the one it derives from)."""
        return self._calls.closed

    def with_options(
        self, *, timeout: Timeout = None, max_retries: int | None = None
    ) -> GitBookClient:
        """Return a client with other defaults that shares this one's pool and rate budget.

        The new client sends through this client's connection pool, in-flight limit and rate
        limiter (so both stay inside one budget), with ``timeout`` and ``max_retries`` as its
        defaults; None keeps this client's value, and a call's own ``timeout=`` or
        ``max_retries=`` still wins. Like openai's ``with_options``; it is cheap, so derive
        one per job, per request handler or inline.

        What defines the pool and the budget cannot be overridden: ``token``, ``base_url``,
        ``session``, ``max_concurrency``, ``allow_insecure_http``, ``rate_limiter`` (and
        ``user_agent``, ``max_response_bytes`` and the retry backoff, fixed by the pool's
        transport). Create another ``GitBookClient`` for those; it gets a pool of its own.

        Lifecycle: closing this client closes the pool, and every client derived from it then
        raises ``ClientClosedError``. Closing a derived client (``aclose()`` or leaving
        ``async with derived:``) closes only that client; the pool stays open for the others.
        Keep this client open while derived ones are in use, and close it at the end.

        Example:
            ```python
            import asyncio

            from gitbook_async import GitBookClient


            async def main() -> None:
                async with GitBookClient() as gitbook:
                    impatient = gitbook.with_options(timeout=5, max_retries=0)
                    blocks = await impatient.spaces.list_integration_blocks("demo-space")
                    print(len(blocks), "blocks;", impatient)  # same pool, other defaults


            asyncio.run(main())
            ```

        Raises:
            ClientClosedError: this client is closed.
            InvalidArgumentError: ``timeout`` is not a positive number or an
                ``aiohttp.ClientTimeout``, or ``max_retries`` is not an int >= 0.

        """
        self._calls.check_open()
        changes = CallOptions(timeout, max_retries)
        current = self._calls.defaults
        defaults = CallOptions(
            current.timeout if changes.timeout is None else changes.timeout,
            current.max_retries if changes.max_retries is None else changes.max_retries,
        )
        derived = copy.copy(self)  # shares the transport: the pool, the slots, the limiter
        derived._calls = ClientCalls(self._calls.sender, self._transport, defaults, derived=True)
        derived._spaces = SpacesResource(
            derived._calls, max_concurrency=self._max_concurrency, base_url=self._base_url
        )
        return derived

    def map_spaces(
        self,
        space_ids: Iterable[str],
        operation: Callable[[str], Awaitable[T]],
        *,
        concurrency: int | None = None,
    ) -> SpaceResults[T]:
        """Run ``await operation(space_id)`` for many spaces, yielding results as they complete.

        At most ``concurrency`` operations run at once (default: ``max_concurrency``); each
        result is a ``SpaceResult`` holding the value or the ``GitBookError`` for that space,
        so one failing space does not sink the batch.

        Example:
            ```python
            import asyncio

            from gitbook_async import GitBookClient


            async def main() -> None:
                space_ids = ["demo-space", "team-space", "no-such-space"]
                async with GitBookClient() as gitbook:
                    blocks = gitbook.spaces.list_integration_blocks
                    async with gitbook.map_spaces(space_ids, blocks) as results:
                        async for result in results:
                            print(result.space_id, result.value if result.ok else result.error)


            asyncio.run(main())
            ```
        """
        return map_spaces(
            space_ids, operation, concurrency=concurrency, default_concurrency=self._max_concurrency
        )

    async def aclose(self) -> None:
        """Close the client and the session it owns (a borrowed session stays open).

        A client made by ``with_options()`` closes only itself: the pool stays open for the
        client it derives from. Idempotent; calls made afterwards raise ``ClientClosedError``.
        """
        if self._calls.derived:
            self._calls.closed_here = True
        else:
            await self._transport.aclose()

    async def __aenter__(self) -> GitBookClient:
        self._calls.check_open()
        if self._token is None:
            raise no_token_error()
        self._transport.ensure_open()
        return self

    def __repr__(self) -> str:
        token = "set" if self._token else "missing"
        state = "closed" if self.closed else "open"
        text = f"<GitBookClient base_url={self._base_url!r} token={token} {state}"
        if self._calls.derived:
            text += f" with_options({self._calls.defaults_text()})"
        return text + ">"


def _read_token(token: object) -> str | None:
    """Return the token given, else ``$GITBOOK_API_TOKEN`` stripped, else None.

    Raises:
        ConfigurationError: the token is not a non-empty string, or holds a control
            character (a header injection or a pasted line break); never echoing it.

    """
    if token is None:
        token = os.environ.get(TOKEN_ENV_VAR, "").strip() or None
        source = f"${TOKEN_ENV_VAR}"
        if token is None:
            return None
    else:
        source = "token="
    if not isinstance(token, str) or not token:
        raise ConfigurationError("token must be a non-empty string")
    if any(unicodedata.category(char) in _CONTROL_CATEGORIES for char in token):
        raise ConfigurationError(
            f"the token ({source}) contains a control character such as a line break; "
            "copy the token again without it (it is not shown here)"
        )
    return token


def _user_agent_or_error(extra: str | None) -> str:
    if extra is not None and (not isinstance(extra, str) or any(c in extra for c in "\r\n")):
        raise ConfigurationError("user_agent must be a single-line string")
    return user_agent(extra)


def _rate_limiter_or_error(limiter: object) -> RateLimiter:
    if limiter is None:
        return LocalRateLimiter()
    if not isinstance(limiter, RateLimiter):
        raise ConfigurationError(
            "rate_limiter must implement the RateLimiter protocol (acquire, confirm, release, "
            f"record), such as LocalRateLimiter() or RedisRateLimiter; got {type(limiter).__name__}"
        )
    return limiter
