"""Event hooks (``_events``): what each hook receives, in which order, redacted; a raising hook."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable
from typing import Any, Final

import pytest
from aiohttp import web

from gitbook_async import (
    APITimeoutError,
    ConfigurationError,
    GitBookClient,
    RetryPolicy,
    ServerError,
)
from gitbook_async._events import (
    EventHook,
    EventHookLists,
    EventHooks,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
    check_event_hooks,
    emit,
)
from gitbook_async.testing import FakeGitBook, Fault, RateLimitWindow, make_integration

from .conftest import TOKEN, pending_sdk_tasks

SPACE: Final = "space_events"
FAST: Final = RetryPolicy(max_retries=2, backoff_base=0.001, backoff_max=0.002)

Event = RequestEvent | ResponseEvent | RetryEvent


class HookError(Exception):
    """Raised by a test's hook."""


@pytest.fixture(autouse=True)
async def no_task_left() -> AsyncIterator[None]:
    """Every test leaves no SDK task pending."""
    yield
    assert await pending_sdk_tasks() == []


@pytest.fixture
async def fake() -> AsyncIterator[FakeGitBook]:
    """The fake GitBook with one space of 3 integrations, and GitBook's rate limit."""
    window = RateLimitWindow(limit=1000, window=60.0)
    async with FakeGitBook(token=TOKEN, rate_limit=window) as server:
        server.add_space(SPACE, integrations=[make_integration(f"tool-{n}") for n in range(3)])
        yield server


def hooked(url: str, hooks: dict[str, list[EventHook]], **options: Any) -> GitBookClient:
    """A client of ``url`` with ``hooks`` and fast retries."""
    options.setdefault("retry", FAST)
    return GitBookClient(TOKEN, base_url=url, event_hooks=hooks, **options)


class Recorder:
    """Sync and async hooks appending every event they get, for all three event names."""

    def __init__(self) -> None:
        self.sync: list[Event] = []
        self.async_: list[Event] = []

    def hook_sync(self, event: Event) -> None:
        self.sync.append(event)

    async def hook_async(self, event: Event) -> None:
        await asyncio.sleep(0)
        self.async_.append(event)

    def hooks(self) -> dict[str, list[EventHook]]:
        both: list[EventHook] = [self.hook_sync, self.hook_async]
        return {"request": list(both), "response": list(both), "retry": list(both)}


# --- what the hooks receive -------------------------------------------------------------------


async def test_hooks_see_request_response_retry_in_order(fake: FakeGitBook) -> None:
    """503 then 200: sync and async hooks get each event in order, with its fields."""
    recorder = Recorder()
    fake.inject(Fault.status(503), times=1)
    async with hooked(fake.url, recorder.hooks()) as gitbook:
        await gitbook.spaces.list_integration_blocks(SPACE)
    events = recorder.sync
    assert events == recorder.async_
    kinds = [(type(e).__name__, e.attempt) for e in events]
    assert kinds == [
        ("RequestEvent", 1),
        ("ResponseEvent", 1),
        ("RetryEvent", 1),
        ("RequestEvent", 2),
        ("ResponseEvent", 2),
    ]
    url = f"{fake.url}/v1/spaces/{SPACE}/integration-blocks"
    assert all(e.url == url and e.method == "GET" for e in events)
    failed, retry, answered = events[1], events[2], events[4]
    assert isinstance(failed, ResponseEvent)
    assert isinstance(retry, RetryEvent)
    assert isinstance(answered, ResponseEvent)
    assert (failed.status, answered.status) == (503, 200)
    assert failed.rate_limit is None  # a fault answered alone: no rate-limit headers
    assert answered.rate_limit is not None
    assert answered.rate_limit.limit == 1000
    assert answered.headers["content-type"] == answered.headers["Content-Type"]
    assert answered.headers["x-ratelimit-limit"] == "1000"
    assert failed.elapsed > 0
    assert answered.elapsed > 0
    assert retry.reason == "HTTP 503"
    assert isinstance(retry.error, ServerError)
    assert retry.error.status == 503
    assert 0 <= retry.delay <= FAST.backoff_max


async def test_a_timed_out_attempt_has_no_response_event(fake: FakeGitBook) -> None:
    """An attempt that times out gives a request event and a retry event saying so."""
    recorder = Recorder()
    fake.inject(Fault.delay(5), times=1)
    async with hooked(fake.url, recorder.hooks(), timeout=0.3) as gitbook:
        await gitbook.spaces.list_integration_blocks(SPACE)
    kinds = [type(e).__name__ for e in recorder.sync]
    assert kinds == ["RequestEvent", "RetryEvent", "RequestEvent", "ResponseEvent"]
    retry = recorder.sync[1]
    assert isinstance(retry, RetryEvent)
    assert retry.reason == "timed out"
    assert isinstance(retry.error, APITimeoutError)


async def test_hooks_may_be_typed_by_their_own_event(fake: FakeGitBook) -> None:
    """``event_hooks=`` takes hooks typed by their own event (``EventHookLists``)."""
    seen: list[str] = []

    def on_request(event: RequestEvent) -> None:
        seen.append(f"request {event.attempt}")

    async def on_response(event: ResponseEvent) -> None:
        seen.append(f"response {event.status}")

    hooks: EventHookLists = {"request": [on_request], "response": [on_response]}
    async with GitBookClient(TOKEN, base_url=fake.url, event_hooks=hooks) as gitbook:
        await gitbook.spaces.list_integration_blocks(SPACE)
    assert seen == ["request 1", "response 200"]


async def test_event_urls_carry_the_query_of_each_page(fake: FakeGitBook) -> None:
    """Each page's events name its URL with search, limit and (after the first) the cursor."""
    recorder = Recorder()
    async with hooked(fake.url, {"request": [recorder.hook_sync]}) as gitbook:
        pages = gitbook.spaces.list_integrations(SPACE, search="tool", limit=2, prefetch=0)
        assert len(await pages.collect()) == 3
    first, second = recorder.sync
    base = f"{fake.url}/v1/spaces/{SPACE}/integrations?search=tool&limit=2"
    assert first.url == base
    assert second.url.startswith(f"{base}&page=")


async def test_response_events_name_the_same_url_as_their_request(fake: FakeGitBook) -> None:
    """A page's response event names the URL of its request event, query included."""
    recorder = Recorder()
    hooks: dict[str, list[EventHook]] = {"request": [recorder.hook_sync]}
    hooks["response"] = [recorder.hook_sync]
    async with hooked(fake.url, hooks) as gitbook:
        await gitbook.spaces.list_integrations(SPACE, limit=2, prefetch=0).collect()
    urls = [e.url for e in recorder.sync]
    assert len(urls) == 4
    assert urls[0] == urls[1]
    assert urls[2] == urls[3]
    assert "page=" in urls[3]


async def test_a_derived_client_shares_the_hooks(fake: FakeGitBook) -> None:
    """A client made by ``with_options()`` reports to the same hooks."""
    recorder = Recorder()
    async with hooked(fake.url, {"request": [recorder.hook_sync]}) as gitbook:
        await gitbook.with_options(timeout=5).spaces.list_integration_scripts(SPACE)
    assert len(recorder.sync) == 1


# --- redaction ---------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def echo_server() -> AsyncIterator[str]:
    """A server echoing the bearer token in headers, error bodies and its cursors.

    The first request of each path answers 503, later ones 200.
    """
    seen: set[str] = set()

    async def echo(request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "")
        headers = {"X-Echo": auth}
        if request.path_qs not in seen:
            seen.add(request.path_qs)
            body = {"error": {"code": 503, "message": f"bad header {auth}"}}
            return web.json_response(body, status=503, headers=headers)
        page: dict[str, Any] = {"items": [make_integration("echo")]}
        if "page" not in request.query:
            page["next"] = {"page": f"after-{auth[7:]}"}
        return web.json_response(page, headers=headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def texts_of(event: Event) -> list[str]:
    """Every text an event shows: its repr and the repr/str of each field."""
    texts = [repr(event)]
    for name in type(event).__attrs_attrs__:
        value = getattr(event, name.name)
        texts += [repr(value), str(value)]
    if isinstance(event, RetryEvent):
        texts += [repr(vars(event.error))]
    return texts


async def test_request_and_retry_events_never_hold_the_token() -> None:
    """With a server echoing the token, no request or retry event shows it."""
    recorder = Recorder()
    async with echo_server() as url, hooked(url, recorder.hooks()) as gitbook:
        assert len(await gitbook.spaces.list_integrations(SPACE).collect()) == 2
    events = [e for e in recorder.sync if not isinstance(e, ResponseEvent)]
    assert [type(e).__name__ for e in events].count("RetryEvent") == 2
    assert any("page=after-[REDACTED]" in e.url for e in events)
    assert all(TOKEN not in text for e in events for text in texts_of(e))


async def test_response_events_never_hold_the_token() -> None:
    """With a server echoing the token in a header, no response event shows it."""
    recorder = Recorder()
    async with echo_server() as url, hooked(url, recorder.hooks()) as gitbook:
        await gitbook.spaces.list_integrations(SPACE).collect()
    events = [e for e in recorder.sync if isinstance(e, ResponseEvent)]
    assert events
    assert all(TOKEN not in text for e in events for text in texts_of(e))


# --- a hook that raises -----------------------------------------------------------------------


class RaiseOnce:
    """A hook raising ``HookError`` on its first event only."""

    def __init__(self, *, is_async: bool) -> None:
        self.is_async = is_async
        self.calls = 0
        self.error = HookError("hook failed")

    def __call__(self, event: Event) -> Any:
        self.calls += 1
        if self.is_async:
            return self._async()
        if self.calls == 1:
            raise self.error
        return None

    async def _async(self) -> None:
        await asyncio.sleep(0)
        if self.calls == 1:
            raise self.error


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(("name", "sent"), [("request", 0), ("response", 1), ("retry", 1)])
async def test_a_raising_hook_fails_the_call_and_the_client_stays_usable(
    name: str, sent: int, is_async: bool, fake: FakeGitBook
) -> None:
    """A hook's exception fails the call; the client stays usable, no task is left."""
    hook = RaiseOnce(is_async=is_async)
    fake.inject(Fault.status(503), times=1)  # so that a retry event happens
    async with hooked(fake.url, {name: [hook]}) as gitbook:
        with pytest.raises(HookError) as caught:
            await gitbook.spaces.list_integration_blocks(SPACE)
        assert caught.value is hook.error
        assert len(fake.requests) == sent
        fake.clear_faults()
        assert len(await gitbook.spaces.list_integration_blocks(SPACE)) == 0
        assert gitbook.rate_limit is not None


async def test_a_hook_raising_in_a_prefetched_page_fails_the_walk_cleanly(
    fake: FakeGitBook,
) -> None:
    """A hook raising for a prefetched page fails the walk with it, no task left."""
    error = HookError("second page")
    responses = 0

    def on_response(event: Event) -> None:
        nonlocal responses
        responses += 1
        if responses == 2:
            raise error

    async with hooked(fake.url, {"response": [on_response]}) as gitbook:
        walk = gitbook.spaces.list_integrations(SPACE, limit=1, prefetch=2)
        with pytest.raises(HookError) as caught:
            await walk.collect()
    assert caught.value is error


async def test_emit_calls_hooks_in_order_and_awaits_awaitables() -> None:
    """``emit`` calls each hook in turn, awaiting those returning an awaitable."""
    calls: list[str] = []

    def first(event: Event) -> None:
        calls.append("first")

    async def second(event: Event) -> None:
        calls.append("second")

    await emit((first, second, first), RequestEvent(url="u", attempt=1))
    assert calls == ["first", "second", "first"]


# --- check_event_hooks ------------------------------------------------------------------------


def _hook(event: Event) -> None:
    """A hook that does nothing."""


@pytest.mark.parametrize(
    ("hooks", "expected"),
    [
        (None, EventHooks()),
        ({}, EventHooks()),
        ({"request": [_hook]}, EventHooks(request=(_hook,))),
        ({"response": (_hook, _hook), "retry": []}, EventHooks(response=(_hook, _hook))),
        ({"retry": iter([_hook])}, EventHooks(retry=(_hook,))),
    ],
    ids=["none", "empty", "request", "tuple-and-empty", "iterator"],
)
def test_check_event_hooks_accepts_lists_of_callables(
    hooks: dict[str, Iterable[EventHook]] | None, expected: EventHooks
) -> None:
    """Known names with iterables of callables become tuples; no hook at all is falsy."""
    checked = check_event_hooks(hooks)
    assert checked == expected
    assert bool(checked) == bool(expected.request or expected.response or expected.retry)


@pytest.mark.parametrize(
    ("hooks", "message"),
    [
        ({"requests": [_hook]}, "unknown event 'requests'"),
        ({"Request": [_hook]}, "unknown event 'Request'"),
        ({"request": _hook}, "must be a list of callables"),
        ({"request": "print"}, "must be a list of callables"),
        ({"request": 5}, "must be a list of callables"),
        ({"request": [_hook, 5]}, "5 is not callable"),
        ({"retry": [None]}, "None is not callable"),
        ([("request", [_hook])], "must be a mapping"),
        (_hook, "must be a mapping"),
    ],
    ids=[
        "plural-name",
        "capitalised",
        "bare-callable",
        "string",
        "number",
        "non-callable",
        "none",
        "pairs",
        "callable",
    ],
)
def test_check_event_hooks_refuses_what_it_cannot_call(hooks: Any, message: str) -> None:
    """Unknown names, non-lists and non-callables raise ConfigurationError (client too)."""
    with pytest.raises(ConfigurationError, match=message):
        check_event_hooks(hooks)
    with pytest.raises(ConfigurationError, match=message):
        GitBookClient(TOKEN, event_hooks=hooks)
