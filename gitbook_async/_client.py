"""``GitBookClient``: the token, the lifecycle, and the resources hanging off it."""

from __future__ import annotations

import enum
import math
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

import aiohttp

from gitbook_async._batch import SpaceResults
from gitbook_async._closing import AsyncClosing
from gitbook_async._config import RateLimit, RetryPolicy
from gitbook_async._constants import (
    BASE_URL_ENV_VAR,
    DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TOTAL_TIMEOUT,
    TOKEN_ENV_VAR,
)
from gitbook_async._errors import ClientClosedError, ConfigurationError, InvalidArgumentError
from gitbook_async._resources._spaces import CallOptions, SpacesResource, Timeout
from gitbook_async._sansio import normalize_base_url, user_agent
from gitbook_async._transport import Transport

__all__ = ["GitBookClient"]

DEFAULT_MAX_CONCURRENCY = 16

T = TypeVar("T")


class _State(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


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
        token: API token; defaults to the ``GITBOOK_API_TOKEN`` environment variable.
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

    Raises:
        ConfigurationError: ``base_url`` is unusable or unsafe.

    """

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout: float | aiohttp.ClientTimeout = DEFAULT_TOTAL_TIMEOUT,
        user_agent: str | None = None,
        retry: RetryPolicy | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        allow_insecure_http: bool = False,
    ) -> None:
        self._token = token if token is not None else os.environ.get(TOKEN_ENV_VAR) or None
        if self._token is not None and (not isinstance(self._token, str) or not self._token):
            raise ConfigurationError("token must be a non-empty string")
        _check_positive_int("max_response_bytes", max_response_bytes)
        _check_positive_int("max_concurrency", max_concurrency)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ConfigurationError(f"retry must be a RetryPolicy, got {retry!r}")
        if base_url is None:
            base_url = os.environ.get(BASE_URL_ENV_VAR) or DEFAULT_BASE_URL
        self._base_url = normalize_base_url(base_url, allow_insecure_http=allow_insecure_http)
        self._state = _State.OPEN
        headers = {"Accept": "application/json", "User-Agent": _user_agent_or_error(user_agent)}
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token}"
        self._transport = Transport(
            base_url=self._base_url,
            headers=headers,
            timeout=_client_timeout(timeout),
            max_response_bytes=max_response_bytes,
            session=session,
            max_concurrency=max_concurrency,
            retry=retry if retry is not None else RetryPolicy(),
        )
        self._max_concurrency = max_concurrency
        self._spaces = SpacesResource(self._get_json, map_spaces=self.map_spaces)

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
        """The client's retry policy."""
        return self._transport.retry

    @property
    def base_url(self) -> str:
        """The API origin requests go to (without ``/v1``)."""
        return self._base_url

    @property
    def closed(self) -> bool:
        """Whether ``aclose()`` has been called."""
        return self._state is _State.CLOSED

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
        return SpaceResults(space_ids, operation, concurrency=concurrency or self._max_concurrency)

    async def _get_json(
        self, endpoint: str, path: str, query: Mapping[str, str], options: CallOptions
    ) -> Any:
        """Send a GET (with retries) and return its decoded JSON, or raise the typed error."""
        self._check_usable()
        return await self._transport.get_json(
            path,
            query,
            endpoint=endpoint,
            timeout=None if options.timeout is None else _client_timeout(options.timeout),
            max_retries=options.max_retries,
        )

    def _check_usable(self) -> None:
        if self._state is _State.CLOSED:
            raise ClientClosedError(
                "this GitBookClient is closed; create a new one (or keep it open for the "
                "lifetime of your app)"
            )
        if self._token is None:
            raise ConfigurationError(
                f"no GitBook API token: pass GitBookClient(token=...) or set ${TOKEN_ENV_VAR}"
            )

    async def aclose(self) -> None:
        """Close the client and the session it owns (a borrowed session stays open).

        Idempotent; calls made afterwards raise ``ClientClosedError``.
        """
        self._state = _State.CLOSED
        await self._transport.aclose()

    async def __aenter__(self) -> GitBookClient:
        self._check_usable()
        self._transport.ensure_open()
        return self

    def __repr__(self) -> str:
        token = "set" if self._token else "missing"
        return f"<GitBookClient base_url={self._base_url!r} token={token} {self._state.value}>"


def _client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    if isinstance(timeout, aiohttp.ClientTimeout):
        return timeout
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise InvalidArgumentError(
            f"timeout must be a positive number of seconds or an aiohttp.ClientTimeout, "
            f"got {timeout!r}"
        )
    return aiohttp.ClientTimeout(
        total=float(timeout), sock_connect=min(DEFAULT_CONNECT_TIMEOUT, float(timeout))
    )


def _user_agent_or_error(extra: str | None) -> str:
    if extra is not None and (not isinstance(extra, str) or any(c in extra for c in "\r\n")):
        raise ConfigurationError("user_agent must be a single-line string")
    return user_agent(extra)


def _check_positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{name} must be a positive int, got {value!r}")
