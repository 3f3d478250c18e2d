"""``FakeGitBook``: the fake API's lifecycle on a loopback socket, and its test-facing controls."""

from __future__ import annotations

import asyncio
import enum
import functools
import ipaddress
import math
from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from gitbook_async.testing._app import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    FaultRule,
    RecordedRequest,
    ServerState,
    SpaceData,
    create_app,
)
from gitbook_async.testing._data import DEMO_TOKEN, demo_spaces
from gitbook_async.testing._extra import with_extra_fields
from gitbook_async.testing._faults import Fault
from gitbook_async.testing._ratelimit import RateLimiter, RateLimitStats, RateLimitWindow

DEFAULT_HOST = "127.0.0.1"
"""The only interface the fake listens on unless told another loopback address."""

# Seconds aiohttp waits for in-flight handlers at shutdown. close() cancels them first, so
# this only bounds a handler that ignores cancellation.
_SHUTDOWN_TIMEOUT = 1.0


class _Lifecycle(enum.Enum):
    NEW = "new"
    RUNNING = "running"
    CLOSED = "closed"


class FakeGitBook:
    """An in-process fake of the GitBook API's space-integrations endpoints.

    It speaks wire JSON only and listens on a loopback address (a random free port by
    default). Use it with ``async with`` or ``start()``/``close()``:

    ```python
    import asyncio

    from gitbook_async import GitBookClient
    from gitbook_async.testing import FakeGitBook, make_integration


    async def main() -> None:
        async with FakeGitBook(token="t") as server:
            server.add_space("space_a", integrations=[make_integration("slack")])
            async with GitBookClient("t", base_url=server.url) as gitbook:
                print(await gitbook.spaces.list_integrations("space_a").collect())


    asyncio.run(main())
    ```

    Serves ``GET /v1/spaces/{spaceId}/integrations`` (search, limit, page cursor),
    ``/integration-blocks`` and ``/integration-scripts``, with GitBook's error shape.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        host: str = DEFAULT_HOST,
        port: int = 0,
        default_page_size: int = DEFAULT_PAGE_SIZE,
        max_page_size: int = MAX_PAGE_SIZE,
        latency: float = 0.0,
        rate_limit: RateLimitWindow | tuple[int, float] | None = None,
        spaces: Mapping[str, Mapping[str, Iterable[Mapping[str, Any]]]] | None = None,
        extra_fields: bool = False,
    ) -> None:
        """Configure the server; nothing listens until `start`.

        Args:
            token: The bearer token to accept; ``None`` accepts any bearer token.
            host: A loopback IP address to bind (``127.0.0.1`` or ``::1``).
            port: The port to bind; 0 picks a free one.
            default_page_size: Items per page when a request has no ``limit``.
            max_page_size: Largest ``limit`` accepted (larger answers 400).
            latency: Seconds added before every response (for benchmarks).
            rate_limit: GitBook's rate limit to model, e.g.
                ``RateLimitWindow(limit=20, window=2.0)``; ``None``: no limit. See `rate_limit`.
            spaces: Initial spaces: ``{space_id: {"integrations": [...], "blocks": [...],
                "scripts": [...]}}`` of wire dicts; missing keys mean empty.
            extra_fields: Serve every listed integration with fields newer than the
                models (two top-level ones and one in ``owner``, see `with_extra_fields`),
                to test that code built on the SDK survives GitBook adding fields.

        Raises:
            ValueError: if ``host`` is not a loopback IP address or a number is out of range.

        """
        if token is not None and (not token or token != token.strip() or " " in token):
            raise ValueError("token must be a non-empty string without spaces, or None")
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError(f"host must be a loopback IP address such as 127.0.0.1, got {host!r}")
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be in 0..65535, got {port!r}")
        if not 1 <= default_page_size <= max_page_size:
            raise ValueError("page sizes must satisfy 1 <= default_page_size <= max_page_size")
        self._host, self._port = host, port
        self._state = ServerState(
            token=token, default_page_size=default_page_size, max_page_size=max_page_size
        )
        self.latency = latency
        self.rate_limit = rate_limit
        self._extra_fields = extra_fields
        for space_id, data in (spaces or {}).items():
            self.add_space(space_id, **{key: data.get(key, ()) for key in _SPACE_KEYS})
        self._app = create_app(self._state)
        self._runner: web.AppRunner | None = None
        self._lifecycle = _Lifecycle.NEW
        self._url: str | None = None

    @classmethod
    def with_demo_data(cls, *, token: str | None = DEMO_TOKEN, **options: Any) -> FakeGitBook:
        """Build a server seeded with the demo spaces (``DEMO_SPACE_ID`` and others).

        ``options`` are the other constructor keywords (``latency``, ``port``, ...); spaces
        given in ``options`` are kept beside the demo ones.
        """
        server = cls(token=token, **options)
        server._state.spaces.update(_demo_space_data(extra_fields=server.extra_fields))
        return server

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind the socket and start serving.

        Raises:
            RuntimeError: if the server was already started or closed.
            OSError: if the address cannot be bound.

        """
        if self._lifecycle is not _Lifecycle.NEW:
            raise RuntimeError(f"cannot start a FakeGitBook that is {self._lifecycle.value}")
        runner = web.AppRunner(
            self._app,
            handle_signals=False,
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=_SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._lifecycle = runner, _Lifecycle.RUNNING
        port = runner.addresses[0][1]
        host = f"[{self._host}]" if ":" in self._host else self._host
        self._url = f"http://{host}:{port}"

    async def close(self) -> None:
        """Stop serving; cancel requests still in flight (delays, latency). Idempotent."""
        if self._lifecycle is _Lifecycle.CLOSED:
            return
        self._lifecycle = _Lifecycle.CLOSED
        runner, self._runner = self._runner, None
        if runner is None:
            return
        pending = list(self._state.in_flight)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=_SHUTDOWN_TIMEOUT)
        await runner.cleanup()

    async def __aenter__(self) -> FakeGitBook:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- what tests read ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``; API paths live under ``/v1``.

        Raises:
            RuntimeError: before `start`.

        """
        if self._url is None:
            raise RuntimeError("FakeGitBook is not started: use 'async with' or start()")
        return self._url

    @property
    def api_url(self) -> str:
        """The API base URL: `url` + ``/v1`` (what a client's ``base_url`` should be)."""
        return f"{self.url}/v1"

    @property
    def token(self) -> str | None:
        """The bearer token accepted; ``None`` means any bearer token is accepted."""
        return self._state.token

    @property
    def app(self) -> web.Application:
        """The ``aiohttp.web.Application`` serving this server's state (for pytest-aiohttp)."""
        return self._app

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, oldest first (recorded before faults apply); clearable."""
        return self._state.requests

    @property
    def faults(self) -> tuple[FaultRule, ...]:
        """The injected fault rules, in matching order (spent ones included)."""
        return tuple(self._state.faults)

    @property
    def extra_fields(self) -> bool:
        """Whether listed integrations carry fields newer than the models (set at construction)."""
        return self._extra_fields

    @property
    def space_ids(self) -> tuple[str, ...]:
        """The ids of the spaces the server knows."""
        return tuple(self._state.spaces)

    # -- what tests control ------------------------------------------------------------------

    @property
    def latency(self) -> float:
        """Seconds slept before answering every request (faults included)."""
        return self._state.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"latency must be a finite number of seconds >= 0, got {seconds!r}")
        self._state.latency = seconds

    @property
    def rate_limit(self) -> RateLimitWindow | None:
        """The rate limit modelled (a `RateLimitWindow`), or ``None`` for no rate limiting.

        When set, every API answer carries ``X-RateLimit-Limit/Remaining/Reset`` (reset in
        epoch seconds) and requests past the limit in a token's window get 429, like GitBook.
        Setting it (even to the same value) starts fresh windows and fresh
        `rate_limit_stats`. A ``(limit, window_seconds)`` tuple is 0.1.0's shorthand for
        ``RateLimitWindow(limit, window_seconds, retry_after=True, aligned=False)``.

        Raises:
            ValueError: when set to a tuple out of range (limit >= 1, window > 0).

        """
        limiter = self._state.rate_limiter
        return None if limiter is None else limiter.config

    @rate_limit.setter
    def rate_limit(self, value: RateLimitWindow | tuple[int, float] | None) -> None:
        if isinstance(value, tuple):
            limit, window = value
            value = RateLimitWindow(limit, window, retry_after=True, aligned=False)
        self._state.rate_limiter = None if value is None else RateLimiter(value)

    def rate_limit_stats(self, token: str | None = None) -> RateLimitStats:
        """Count what the rate limiter saw since `rate_limit` was set: requests, 429s, windows.

        ```python
        import asyncio

        from gitbook_async import GitBookClient
        from gitbook_async.testing import DEMO_SPACE_ID, DEMO_TOKEN, FakeGitBook, RateLimitWindow


        async def main() -> None:
            window = RateLimitWindow(limit=5, window=1.0)
            async with FakeGitBook.with_demo_data(rate_limit=window) as server:
                async with GitBookClient(DEMO_TOKEN, base_url=server.url) as gitbook:
                    for _ in range(3):
                        await gitbook.spaces.list_integration_scripts(DEMO_SPACE_ID)
                stats = server.rate_limit_stats()
                assert stats.requests == 3
                assert stats.refused == 0  # no 429 from the limiter
                assert stats.max_requests_per_window <= 5


        asyncio.run(main())
        ```

        Args:
            token: Count only this bearer token's requests; ``None``: every token.

        Returns:
            A snapshot (it does not change as more requests arrive); all zero and no
            windows when no rate limit is set.

        """
        limiter = self._state.rate_limiter
        if limiter is None:
            return RateLimitStats(requests=0, refused=0, windows=())
        return limiter.stats(token)

    def add_space(
        self,
        space_id: str,
        *,
        integrations: Iterable[Mapping[str, Any]] = (),
        blocks: Iterable[Mapping[str, Any]] = (),
        scripts: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        """Add (or replace) a space, served from a snapshot of these wire dicts.

        Integrations are listed in the given order; search looks at ``name`` and ``title``.
        On a server built with ``extra_fields=True`` each integration gets the extra fields.

        Raises:
            ValueError: if ``space_id`` is empty or contains ``/``.
            TypeError: if a value is not JSON-serialisable.

        """
        if not space_id or "/" in space_id:
            raise ValueError(f"space_id must be non-empty and contain no '/', got {space_id!r}")
        if self._extra_fields:
            integrations = map(with_extra_fields, integrations)
        self._state.spaces[space_id] = SpaceData.from_wire(
            integrations=integrations, blocks=blocks, scripts=scripts
        )

    def remove_space(self, space_id: str) -> None:
        """Forget a space (later requests for it get 404); unknown ids are ignored."""
        self._state.spaces.pop(space_id, None)

    def inject(self, fault: Fault, *, times: int | None = 1, path: str | None = None) -> FaultRule:
        """Make ``fault`` answer the next ``times`` requests to ``path`` (``None``: any path).

        Rules are tried in injection order; the first live match answers. ``times=None``
        keeps the fault forever. Returns the rule, whose ``hits`` counts its answers.

        Raises:
            ValueError: if ``times`` is below 1 or ``path`` does not start with ``/``.

        """
        if times is not None and times < 1:
            raise ValueError(f"times must be >= 1 or None, got {times!r}")
        if path is not None and not path.startswith("/"):
            raise ValueError(f"path must be an absolute request path like /v1/..., got {path!r}")
        rule = FaultRule(fault, path=path, remaining=times)
        self._state.faults.append(rule)
        return rule

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self._state.faults.clear()

    def __repr__(self) -> str:
        where = self._url or f"{self._host}:{self._port}"
        return f"<FakeGitBook {self._lifecycle.value} {where} spaces={len(self._state.spaces)}>"


_SPACE_KEYS = ("integrations", "blocks", "scripts")


@functools.lru_cache(maxsize=2)
def _demo_space_data(*, extra_fields: bool) -> Mapping[str, SpaceData]:
    """Encode the demo data once per process (SpaceData is immutable, so sharing is safe)."""
    spaces = demo_spaces()
    if extra_fields:
        for data in spaces.values():
            data["integrations"] = [with_extra_fields(i) for i in data["integrations"]]
    return {space_id: SpaceData.from_wire(**data) for space_id, data in spaces.items()}
