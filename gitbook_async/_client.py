"""``GitBookClient``: the token, the lifecycle, and the resources hanging off it.

The client is the one owner of the lifecycle: its ``ClientState`` says whether a call may
start, and the client that created the transport closes it. It is also the one place where
a call's options meet the client's defaults (``options.over(defaults)``).
"""

from __future__ import annotations

import enum
import os
import ssl as ssl_module
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Final, TypeVar

import aiohttp
import attrs

from gitbook_async._batch import SpaceResults, map_spaces
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
from gitbook_async._errors import ClientClosedError, ConfigurationError
from gitbook_async._events import EventHook, EventHookLists, check_event_hooks
from gitbook_async._headers import RateLimit
from gitbook_async._logging import configure_logging_from_env
from gitbook_async._options import (
    CallOptions,
    Request,
    Timeout,
    check_deadline,
    check_headers,
    client_timeout,
)
from gitbook_async._proxy import ProxySetting
from gitbook_async._ratelimit import LocalRateLimiter, RateLimiter, budget_key
from gitbook_async._resources._spaces import SpacesResource
from gitbook_async._response import Response
from gitbook_async._transport import Transport, user_agent
from gitbook_async._urls import normalize_base_url
from gitbook_async._wire import OwnerMemo

__all__ = ["ClientState", "GitBookClient"]

T = TypeVar("T")

_CONTROL_CATEGORIES: Final = frozenset({"Cc", "Zl", "Zp"})
"""Unicode categories refused in a token: controls (CR, LF, NUL, ...) and line breaks."""

# $GITBOOK_LOG is read once, when gitbook_async is imported (like openai's $OPENAI_LOG).
configure_logging_from_env()


class ClientState(enum.Enum):
    """Where a ``GitBookClient`` is in its life: open until ``aclose()``, then closed."""

    OPEN = "open"
    CLOSED = "closed"


@attrs.frozen(kw_only=True)
class _Pool:
    """What a client and the clients made from it by ``with_options()`` share."""

    transport: Transport
    token: str | None
    base_url: str
    max_concurrency: int
    owners: OwnerMemo


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
        timeout: Seconds for each attempt (total), or an ``aiohttp.ClientTimeout``.
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
        trust_env: Honour ``$HTTP_PROXY``, ``$HTTPS_PROXY`` and ``$NO_PROXY`` (and
            ``.netrc`` credentials for the proxy), read once, here; False ignores them. The
            default, like requests and httpx (unlike them, ``$ALL_PROXY`` is not read).
        proxy: Send every request through this proxy, e.g. ``"http://user:pass@host:3128"``
            (wins over the environment). Its credentials never appear in logs or errors.
        ssl: An ``ssl.SSLContext`` for the TLS connection (a custom CA bundle, a client
            certificate); None keeps the default verification.
        trace_configs: ``aiohttp.TraceConfig`` objects for the session the client creates
            (not with ``session=``: add them to your own session).
        default_headers: Headers added to every request (not ``Authorization``, ``Host`` or
            ``Proxy-Authorization``; no CR/LF).
        event_hooks: ``{"request": [...], "response": [...], "retry": [...]}``: sync or async
            callables receiving a ``RequestEvent``, ``ResponseEvent`` or ``RetryEvent``. A
            hook that raises fails the call with its exception.
        deadline: Default seconds bounding each call as a whole (every attempt, backoff and
            rate-budget wait); None: no bound beyond ``timeout`` per attempt.

    Raises:
        ConfigurationError: ``base_url`` is unusable or unsafe, or the token holds a
            control character (a line break, NUL, ...), which could forge headers.
        InvalidArgumentError: ``timeout`` or ``deadline`` is not a positive number (or
            ``timeout`` a ``ClientTimeout``).

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
        trust_env: bool = True,
        proxy: str | None = None,
        ssl: ssl_module.SSLContext | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] | None = None,
        default_headers: Mapping[str, str] | None = None,
        event_hooks: EventHookLists | Mapping[str, Iterable[EventHook]] | None = None,
        deadline: float | None = None,
    ) -> None:
        token = _read_token(token)
        check_int("max_response_bytes", max_response_bytes, minimum=1, error=ConfigurationError)
        check_int("max_concurrency", max_concurrency, minimum=1, error=ConfigurationError)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ConfigurationError(f"retry must be a RetryPolicy, got {retry!r}")
        if base_url is None:
            base_url = os.environ.get(BASE_URL_ENV_VAR) or DEFAULT_BASE_URL
        base_url = normalize_base_url(base_url, allow_insecure_http=allow_insecure_http)
        headers = {"Accept": "application/json", "User-Agent": _user_agent_or_error(user_agent)}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        proxy_setting = ProxySetting.resolve(proxy, trust_env=trust_env, base_url=base_url)
        retry = retry if retry is not None else RetryPolicy()
        defaults = CallOptions(
            timeout=client_timeout(timeout),
            max_retries=retry.max_retries,
            deadline=None if deadline is None else check_deadline(deadline),
            headers=check_headers(
                default_headers, name="default_headers", error=ConfigurationError
            ),
        )
        transport = Transport(
            base_url=base_url,
            headers=headers,
            secrets=(token or "", *(() if proxy_setting is None else proxy_setting.secrets())),
            max_response_bytes=max_response_bytes,
            session=session,
            max_concurrency=max_concurrency,
            retry=retry,
            rate_limiter=_rate_limiter_or_error(rate_limiter),
            budget_key=budget_key(base_url, token or ""),
            proxy=proxy_setting,
            ssl=_ssl_or_error(ssl),
            trace_configs=_trace_configs_or_error(trace_configs, session),
            hooks=check_event_hooks(event_hooks),
        )
        pool = _Pool(
            transport=transport,
            token=token,
            base_url=base_url,
            max_concurrency=max_concurrency,
            owners=OwnerMemo(),
        )
        self._start(pool, defaults, overrides=CallOptions(), parent=None)

    def _start(
        self,
        pool: _Pool,
        defaults: CallOptions,
        *,
        overrides: CallOptions,
        parent: GitBookClient | None,
    ) -> None:
        """Set up a client on ``pool`` (both constructors end here)."""
        self._pool = pool
        self._defaults = defaults
        self._overrides = overrides  # what with_options() changed, for the repr
        self._parent = parent  # the client owning the pool (None: this one)
        self._state = ClientState.OPEN
        self._spaces = SpacesResource(
            self._send,
            max_concurrency=pool.max_concurrency,
            base_url=pool.base_url,
            secrets=pool.transport.secrets,
            owners=pool.owners,
        )

    @classmethod
    def _derived(
        cls, parent: GitBookClient, defaults: CallOptions, overrides: CallOptions
    ) -> GitBookClient:
        """Return a client on ``parent``'s pool with other defaults (``with_options()``).

        Its parent is the client that owns the pool, whichever client it was made from: a
        derived client closes on its own, and with the pool's owner.
        """
        owner = parent._parent or parent
        client = cls.__new__(cls)
        client._start(parent._pool, defaults, overrides=overrides, parent=owner)
        return client

    @property
    def spaces(self) -> SpacesResource:
        """The space integrations endpoints."""
        return self._spaces

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate-limit state of the last response that reported one, from any task.

        For the state one call saw, read ``response.rate_limit`` of
        ``client.spaces.with_raw_response.<method>()`` or ``page.response.rate_limit``.
        """
        return self._pool.transport.rate_limit

    @property
    def retry(self) -> RetryPolicy:
        """The client's retry policy (with a ``with_options(max_retries=...)`` override)."""
        retry = self._pool.transport.retry
        max_retries = self._defaults.max_retries
        if max_retries is None or max_retries == retry.max_retries:
            return retry
        return attrs.evolve(retry, max_retries=max_retries)

    @property
    def base_url(self) -> str:
        """The API origin requests go to (without ``/v1``)."""
        return self._pool.base_url

    @property
    def state(self) -> ClientState:
        """``ClientState.CLOSED`` once this client, or the one owning its pool, is closed."""
        if self._parent is not None and self._parent._state is ClientState.CLOSED:
            return ClientState.CLOSED
        return self._state

    @property
    def closed(self) -> bool:
        """Whether ``aclose()`` has been called (on this client, or on the one it derives from)."""
        return self.state is ClientState.CLOSED

    def with_options(
        self,
        *,
        timeout: Timeout = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> GitBookClient:
        """Return a client with other defaults that shares this one's pool and rate budget.

        The new client sends through this client's connection pool, in-flight limit and rate
        limiter (so both stay inside one budget), with ``timeout``, ``max_retries`` and
        ``deadline`` as its defaults and ``default_headers`` added to this client's; None
        keeps this client's value, and a call's own options still win. Like openai's
        ``with_options``; it is cheap, so derive one per job, per request handler or inline.

        What defines the pool and the budget cannot be overridden: ``token``, ``base_url``,
        ``session``, ``max_concurrency``, ``allow_insecure_http``, ``rate_limiter``, the
        proxy and TLS settings, ``trace_configs``, ``event_hooks`` (and ``user_agent``,
        ``max_response_bytes`` and the retry backoff). Create another ``GitBookClient`` for
        those; it gets a pool of its own.

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
                ``aiohttp.ClientTimeout``, ``max_retries`` is not an int >= 0, or
                ``deadline`` is not a positive number.
            ConfigurationError: a default header is refused (see ``GitBookClient``).

        """
        self._check_open()
        changes = attrs.evolve(
            CallOptions.of(timeout=timeout, max_retries=max_retries, deadline=deadline),
            headers=check_headers(
                default_headers, name="default_headers", error=ConfigurationError
            ),
        )
        return GitBookClient._derived(
            self, changes.over(self._defaults), changes.over(self._overrides)
        )

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
            space_ids,
            operation,
            concurrency=concurrency,
            default_concurrency=self._pool.max_concurrency,
        )

    async def aclose(self) -> None:
        """Close the client and the session it owns (a borrowed session stays open).

        A client made by ``with_options()`` closes only itself: the pool stays open for the
        client it derives from. Idempotent; calls made afterwards raise ``ClientClosedError``.
        """
        if self._state is ClientState.CLOSED:
            return
        self._state = ClientState.CLOSED
        if self._parent is None:
            await self._pool.transport.aclose()

    async def __aenter__(self) -> GitBookClient:
        self._check_open()
        if self._pool.token is None:
            raise no_token_error()
        self._pool.transport.session()
        return self

    def __repr__(self) -> str:
        token = "set" if self._pool.token else "missing"
        text = f"<GitBookClient base_url={self._pool.base_url!r} token={token} {self.state.value}"
        if self._parent is not None:
            text += f" with_options({self._overrides.describe()})"
        return text + ">"

    def _check_open(self) -> None:
        """Raise ``ClientClosedError`` if this client, or one it was made from, is closed."""
        if self._state is ClientState.CLOSED:
            if self._parent is None:
                raise ClientClosedError(
                    "this GitBookClient is closed; create a new one (or keep it open for the "
                    "lifetime of your app)"
                )
            raise ClientClosedError(
                "this GitBookClient (made by with_options()) is closed; call with_options() "
                "again on the client it came from"
            )
        if self._parent is not None and self._parent._state is ClientState.CLOSED:
            raise ClientClosedError(
                "the GitBookClient this one was made from (with_options()) is closed, and with "
                "it the connection pool they share; keep that client open while derived "
                "clients are in use"
            )

    async def _send(self, request: Request[T]) -> Response[T]:
        """Send one request of a resource: the lifecycle check, the token, the defaults."""
        self._check_open()
        if self._pool.token is None:
            raise no_token_error()
        options = request.options.over(self._defaults)
        return await self._pool.transport.request(request, options)


def no_token_error() -> ConfigurationError:
    """Return the error of a call made while no token is configured (nothing is sent)."""
    return ConfigurationError(
        f"no GitBook API token: pass GitBookClient(token=...) or set ${TOKEN_ENV_VAR}"
    )


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
    if any(unicodedata.category(char) == "Cs" for char in token):
        raise ConfigurationError(
            f"the token ({source}) is not valid text: it holds bytes that are not UTF-8 (a "
            "lone surrogate); copy the token again (it is not shown here)"
        )
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
    if isinstance(limiter, RateLimiter):
        return limiter
    if limiter is None:
        return LocalRateLimiter()
    raise ConfigurationError(
        "rate_limiter must implement the RateLimiter protocol (acquire, confirm, release, "
        f"record), such as LocalRateLimiter() or RedisRateLimiter; got {type(limiter).__name__}"
    )


def _ssl_or_error(context: object) -> ssl_module.SSLContext | bool:
    if context is None:
        return True
    if not isinstance(context, ssl_module.SSLContext):
        raise ConfigurationError(
            "ssl must be an ssl.SSLContext (e.g. ssl.create_default_context(cafile=...)), "
            f"got {type(context).__name__}"
        )
    return context


def _trace_configs_or_error(
    configs: Sequence[aiohttp.TraceConfig] | None, session: aiohttp.ClientSession | None
) -> tuple[aiohttp.TraceConfig, ...]:
    if configs is None:
        return ()
    listed = tuple(configs)
    if not all(isinstance(config, aiohttp.TraceConfig) for config in listed):
        raise ConfigurationError("trace_configs must be aiohttp.TraceConfig objects")
    if listed and session is not None:
        raise ConfigurationError(
            "trace_configs apply to the session the client creates; with session=, pass "
            "them to your own aiohttp.ClientSession(trace_configs=...)"
        )
    return listed
