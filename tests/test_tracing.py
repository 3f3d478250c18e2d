"""Tracing (issue 17, item 5): OpenTelemetry's real SDK around the client's aiohttp session.

Two ways in: ``AioHttpClientInstrumentor().instrument()`` (it adds a ``TraceConfig`` to every
``ClientSession`` created afterwards) and ``GitBookClient(trace_configs=...)``. The client
creates its session lazily (``async with`` or the first call), so a client *constructed*
before ``instrument()`` is traced if its session is created after; a session that already
exists when ``instrument()`` runs (a borrowed one, or a client already in use) is not: that
is OpenTelemetry's design (PITFALLS.md, Deployments), documented here and not worked around.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path

import aiohttp
import pytest
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from gitbook_async import (
    APIConnectionError,
    APIStatusError,
    GitBookClient,
    NotFoundError,
    RetryPolicy,
)
from gitbook_async.testing import DEMO_LARGE_SPACE_ID, DEMO_SPACE_ID, FakeGitBook, Fault

from ._otel import (
    OTelCapture,
    attribute_text,
    capture_spans,
    instrument_aiohttp,
    otel_fixture,  # noqa: F401 - the `otel` fixture
    otel_instrumented_fixture,  # noqa: F401 - the `otel_instrumented` fixture
    status_code,
    url,
)
from ._proxy import ForwardProxy, isolate_proxy_env
from .conftest import TOKEN

FAST = RetryPolicy(max_retries=2, backoff_base=0.001, backoff_max=0.002, max_wait=5.0)
BLOCKS = f"/v1/spaces/{DEMO_SPACE_ID}/integration-blocks"
MISSING = "/v1/spaces/no-such-space/integration-blocks"
PROXY_USER = "proxy-user"
PROXY_PASSWORD = "otel-proxy-pa:ss@word"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No proxy variable and no ~/.netrc from this machine (trust_env is the default)."""
    isolate_proxy_env(monkeypatch, tmp_path)


def assert_no_secret(spans: Sequence[ReadableSpan], *secrets: str) -> None:
    """Neither the token nor any of ``secrets`` is in any attribute, event or status."""
    assert spans
    for span in spans:
        text = attribute_text(span)
        for secret in (TOKEN, *secrets):
            assert secret not in text, f"{secret!r} in span {span.name}: {text}"


def statuses(capture: OTelCapture) -> list[int | None]:
    return [status_code(span) for span in capture.client_spans()]


# --- (a) AioHttpClientInstrumentor().instrument() before the client's session --------------


async def test_instrumented_client_makes_one_span_per_request(
    otel_instrumented: OTelCapture, fake_gitbook: FakeGitBook
) -> None:
    async with GitBookClient(TOKEN, base_url=fake_gitbook.url, retry=FAST) as gitbook:
        await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
        with pytest.raises(NotFoundError):
            await gitbook.spaces.list_integration_blocks("no-such-space")

    spans = otel_instrumented.client_spans()
    assert [(span.name, status_code(span)) for span in spans] == [("GET", 200), ("GET", 404)]
    assert [url(span) for span in spans] == [fake_gitbook.url + BLOCKS, fake_gitbook.url + MISSING]
    assert all(span.kind is SpanKind.CLIENT for span in spans)
    assert [span.status.status_code for span in spans] == [StatusCode.UNSET, StatusCode.ERROR]
    assert_no_secret(spans)
    # The span context travelled with each request (the global propagator's traceparent).
    sent = [request.headers["traceparent"] for request in fake_gitbook.requests]
    assert [value.split("-")[2] for value in sent] == [
        f"{span.context.span_id:016x}" for span in spans if span.context is not None
    ]


async def test_every_retried_attempt_is_a_span(
    otel_instrumented: OTelCapture, fake_gitbook: FakeGitBook
) -> None:
    fake_gitbook.inject(Fault.status(503), times=2)
    async with GitBookClient(TOKEN, base_url=fake_gitbook.url, retry=FAST) as gitbook:
        await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert statuses(otel_instrumented) == [503, 503, 200]
    assert {url(span) for span in otel_instrumented.client_spans()} == {fake_gitbook.url + BLOCKS}
    assert_no_secret(otel_instrumented.client_spans())


async def test_a_failed_connection_is_an_error_span_per_attempt(
    otel_instrumented: OTelCapture,
) -> None:
    async with ForwardProxy(mode="refuse") as dead:  # a loopback port refusing connections
        base_url = f"http://127.0.0.1:{dead.port}"
        with pytest.raises(APIConnectionError):
            async with GitBookClient(TOKEN, base_url=base_url, retry=FAST) as gitbook:
                await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    spans = otel_instrumented.client_spans()
    assert len(spans) == 1 + FAST.max_retries
    assert all(status_code(span) is None for span in spans)
    assert all(span.status.status_code is StatusCode.ERROR for span in spans)
    assert_no_secret(spans)


async def test_pages_fetched_ahead_are_children_of_the_callers_span(
    otel_instrumented: OTelCapture, fake_gitbook: FakeGitBook
) -> None:
    """Prefetch tasks inherit the caller's context: every page's span has the job as parent."""
    tracer = otel_instrumented.tracer_provider.get_tracer("app")
    async with GitBookClient(TOKEN, base_url=fake_gitbook.url) as gitbook:
        with tracer.start_as_current_span("job") as job:
            walk = gitbook.spaces.list_integrations(DEMO_LARGE_SPACE_ID, limit=100, prefetch=2)
            assert len(await walk.collect()) == 250
    pages = otel_instrumented.client_spans()
    assert statuses(otel_instrumented) == [200, 200, 200]
    job_context = job.get_span_context()
    assert all(span.parent is not None for span in pages)
    assert {span.parent.span_id for span in pages if span.parent} == {job_context.span_id}
    assert {span.context.trace_id for span in pages if span.context} == {job_context.trace_id}
    assert_no_secret(pages)


async def test_spans_through_an_authenticated_proxy_hold_no_credentials(
    otel_instrumented: OTelCapture, fake_gitbook: FakeGitBook
) -> None:
    encoded = base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode()
    async with ForwardProxy(auth=(PROXY_USER, PROXY_PASSWORD)) as proxy:
        async with GitBookClient(
            TOKEN, base_url=fake_gitbook.url, proxy=proxy.url_with_credentials
        ) as gitbook:
            await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
        async with GitBookClient(TOKEN, base_url=fake_gitbook.url, proxy=proxy.url) as gitbook:
            with pytest.raises(APIStatusError, match="407"):
                await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
    assert statuses(otel_instrumented) == [200, 407]
    assert [url(span) for span in otel_instrumented.client_spans()] == [
        fake_gitbook.url + BLOCKS
    ] * 2  # the target, not the proxy
    assert_no_secret(otel_instrumented.client_spans(), PROXY_PASSWORD, encoded)


# --- (b) trace_configs=: spans without global instrumentation -------------------------------


async def test_trace_configs_trace_the_clients_session_only(
    otel: OTelCapture, fake_gitbook: FakeGitBook
) -> None:
    assert not AioHttpClientInstrumentor().is_instrumented_by_opentelemetry
    async with GitBookClient(
        TOKEN, base_url=fake_gitbook.url, retry=FAST, trace_configs=otel.trace_configs()
    ) as gitbook:
        fake_gitbook.inject(Fault.status(503), times=1)
        await gitbook.spaces.list_integration_blocks(DEMO_SPACE_ID)
        with pytest.raises(NotFoundError):
            await gitbook.spaces.list_integration_blocks("no-such-space")
        # Derived clients share the pool, hence the session and its trace configs.
        await gitbook.with_options(timeout=5).spaces.list_integration_blocks(DEMO_SPACE_ID)
    async with GitBookClient(TOKEN, base_url=fake_gitbook.url) as untraced:
        await untraced.spaces.list_integration_blocks(DEMO_SPACE_ID)

    assert statuses(otel) == [503, 200, 404, 200]
    assert len(fake_gitbook.requests) == 5
    assert url(otel.client_spans()[2]) == fake_gitbook.url + MISSING
    assert_no_secret(otel.client_spans())


async def test_a_client_without_a_session_yet_can_take_trace_configs_of_any_capture(
    fake_gitbook: FakeGitBook,
) -> None:
    with capture_spans() as first, capture_spans() as second:
        async with (
            GitBookClient(
                TOKEN, base_url=fake_gitbook.url, trace_configs=first.trace_configs()
            ) as one,
            GitBookClient(
                TOKEN, base_url=fake_gitbook.url, trace_configs=second.trace_configs()
            ) as other,
        ):
            await one.spaces.list_integration_blocks(DEMO_SPACE_ID)
            await other.spaces.list_integration_blocks(DEMO_SPACE_ID)
            await other.spaces.list_integration_blocks(DEMO_SPACE_ID)
        assert (len(first.client_spans()), len(second.client_spans())) == (1, 2)


# --- (c) a session created before instrument() is not traced (documented, not fixed) -------


async def test_a_session_created_before_instrument_is_not_traced(
    fake_gitbook: FakeGitBook,
) -> None:
    async with aiohttp.ClientSession() as early:
        with capture_spans() as capture, instrument_aiohttp(capture):
            async with GitBookClient(TOKEN, base_url=fake_gitbook.url, session=early) as borrowed:
                await borrowed.spaces.list_integration_blocks(DEMO_SPACE_ID)
            assert capture.client_spans() == []  # the borrowed session predates instrument()

            async with GitBookClient(TOKEN, base_url=fake_gitbook.url) as owned:
                await owned.spaces.list_integration_blocks(DEMO_SPACE_ID)
            assert statuses(capture) == [200]  # its own session, created after: traced
    assert len(fake_gitbook.requests) == 2


async def test_a_client_in_use_before_instrument_stays_untraced(
    fake_gitbook: FakeGitBook,
) -> None:
    """The session is created lazily: what counts is when, not where the client was built."""
    in_use = GitBookClient(TOKEN, base_url=fake_gitbook.url)
    built_only = GitBookClient(TOKEN, base_url=fake_gitbook.url)
    async with in_use:
        await in_use.spaces.list_integration_blocks(DEMO_SPACE_ID)  # session created here
        with capture_spans() as capture, instrument_aiohttp(capture):
            await in_use.spaces.list_integration_blocks(DEMO_SPACE_ID)
            assert capture.client_spans() == []
            async with built_only:  # its session is created now, after instrument()
                await built_only.spaces.list_integration_blocks(DEMO_SPACE_ID)
            assert statuses(capture) == [200]
