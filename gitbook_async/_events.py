"""Event hooks: typed, frozen events about each attempt, handed to the user's callables.

``GitBookClient(event_hooks={"request": [...], "response": [...], "retry": [...]})`` takes
sync or async callables; each receives one event. A hook that raises fails the call with
its exception (as in httpx): hooks are part of the call, not observers off to the side.
No event holds the token.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Final, TypedDict

import attrs

from gitbook_async._errors import ConfigurationError, GitBookError, Headers
from gitbook_async._headers import RateLimit

__all__ = [
    "EVENT_NAMES",
    "EventHook",
    "EventHookLists",
    "EventHooks",
    "RequestEvent",
    "ResponseEvent",
    "RetryEvent",
    "check_event_hooks",
    "emit",
]


@attrs.frozen(kw_only=True)
class RequestEvent:
    """An attempt is about to be sent (its rate budget and connection slot are held).

    Attributes:
        url: The URL with its query (never the token).
        attempt: 1 for the first attempt of a call, 2 for its first retry, ...
        method: The HTTP method.

    """

    url: str
    attempt: int
    method: str = "GET"


@attrs.frozen(kw_only=True)
class ResponseEvent:
    """An attempt got a complete response (any status), body read.

    Attributes:
        url: The URL requested, with its query (as in the ``RequestEvent``; the metadata's
            ``url`` is the one that answered, after any redirect).
        attempt: Which attempt of the call this was.
        status: The HTTP status.
        headers: The response headers (case-insensitive, read-only).
        elapsed: Seconds from sending to the last body byte.
        rate_limit: The ``X-RateLimit-*`` state it reported, or None.
        method: The HTTP method.

    """

    url: str
    attempt: int
    status: int
    headers: Headers
    elapsed: float
    rate_limit: RateLimit | None
    method: str = "GET"


@attrs.frozen(kw_only=True)
class RetryEvent:
    """An attempt failed in a way worth another try; the call waits ``delay`` seconds first.

    Attributes:
        url: The URL requested.
        attempt: The attempt that failed (the next one is ``attempt + 1``).
        delay: Seconds the call waits before the next attempt.
        reason: Why, in words (``"HTTP 503"``, ``"timed out"``, ...).
        error: The typed error this attempt would have raised had it been the last.
        method: The HTTP method.

    """

    url: str
    attempt: int
    delay: float
    reason: str
    error: GitBookError
    method: str = "GET"


Event = RequestEvent | ResponseEvent | RetryEvent
EventHook = Callable[[Event], Awaitable[object] | object]
"""A sync or async callable receiving one event; what it returns is ignored."""

EVENT_NAMES: Final = ("request", "response", "retry")
"""The keys of ``event_hooks``."""


class EventHookLists(TypedDict, total=False):
    """What ``event_hooks=`` takes: the hooks of each event, each typed by its event.

    A hook may also take the union ``RequestEvent | ResponseEvent | RetryEvent``
    (``EventHook``) and serve several events.
    """

    request: Iterable[Callable[[RequestEvent], object]]
    response: Iterable[Callable[[ResponseEvent], object]]
    retry: Iterable[Callable[[RetryEvent], object]]


@attrs.frozen
class EventHooks:
    """The hooks of a client, checked: a tuple of callables per event name."""

    request: tuple[Callable[[Any], object], ...] = ()
    response: tuple[Callable[[Any], object], ...] = ()
    retry: tuple[Callable[[Any], object], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.request or self.response or self.retry)


def check_event_hooks(
    hooks: EventHookLists | Mapping[str, Iterable[EventHook]] | None,
) -> EventHooks:
    """Check ``event_hooks=`` and return them as ``EventHooks``.

    Raises:
        ConfigurationError: not a mapping, an unknown event name, or a hook that is not
            callable.

    """
    if hooks is None:
        return EventHooks()
    if not isinstance(hooks, Mapping):
        raise ConfigurationError(
            'event_hooks must be a mapping such as {"request": [...], "response": [...], '
            f'"retry": [...]}}, got {type(hooks).__name__}'
        )
    checked: dict[str, tuple[Callable[[Any], object], ...]] = {}
    for name, callables in hooks.items():
        if name not in EVENT_NAMES:
            raise ConfigurationError(
                f"event_hooks: unknown event {name!r}; the events are {', '.join(EVENT_NAMES)}"
            )
        given: object = callables
        if callable(given) or isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
            raise ConfigurationError(f"event_hooks[{name!r}] must be a list of callables")
        listed = tuple(given)
        for hook in listed:
            if not callable(hook):
                raise ConfigurationError(f"event_hooks[{name!r}]: {hook!r} is not callable")
        checked[name] = listed
    return EventHooks(**checked)


async def emit(hooks: tuple[Callable[[Any], object], ...], event: Event) -> None:
    """Call each hook with ``event`` in order, awaiting those that return an awaitable.

    A hook's exception propagates: the call fails with it.
    """
    for hook in hooks:
        result = hook(event)
        if inspect.isawaitable(result):
            await result
