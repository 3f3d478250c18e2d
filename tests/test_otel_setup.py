"""The OpenTelemetry helper (tests/_otel.py) with plain aiohttp against a loopback server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import yarl
from aiohttp import web
from aiohttp.test_utils import TestServer
from opentelemetry import trace
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind, StatusCode

from tests._otel import (
    OTelCapture,
    attribute_text,
    capture_spans,
    instrument_aiohttp,
    method,
    otel_fixture,  # noqa: F401 - the `otel` fixture
    otel_instrumented_fixture,  # noqa: F401 - the `otel_instrumented` fixture
    status_code,
    url,
)
from tests._proxy import ForwardProxy

TIMEOUT = aiohttp.ClientTimeout(total=10)
TOKEN = "gb_api_otel-secret-token-42"


async def _ok(request: web.Request) -> web.Response:
    return web.json_response({"traceparent": request.headers.get("traceparent")})


async def _missing(request: web.Request) -> web.Response:
    return web.json_response({"error": {"code": 404, "message": "nope"}}, status=404)


@pytest.fixture
async def upstream() -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_get("/v1/ok", _ok)
    app.router.add_get("/v1/missing", _missing)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


async def _get(session: aiohttp.ClientSession, target: yarl.URL | str) -> int:
    async with session.get(target, headers={"Authorization": f"Bearer {TOKEN}"}) as response:
        await response.read()
        return response.status


async def test_instrumentation_makes_a_span_per_request(
    otel_instrumented: OTelCapture, upstream: TestServer
) -> None:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        assert await _get(session, upstream.make_url("/v1/ok?page=2")) == 200
        assert await _get(session, upstream.make_url("/v1/missing")) == 404

    spans = otel_instrumented.client_spans()
    assert [span.name for span in spans] == ["GET", "GET"]
    assert [status_code(span) for span in spans] == [200, 404]
    assert [method(span) for span in spans] == ["GET", "GET"]
    assert [url(span) for span in spans] == [
        str(upstream.make_url("/v1/ok?page=2")),
        str(upstream.make_url("/v1/missing")),
    ]
    assert all(span.kind is SpanKind.CLIENT for span in spans)
    assert spans[0].status.status_code is StatusCode.UNSET
    assert spans[1].status.status_code is StatusCode.ERROR  # 4xx is an error for a client
    for span in spans:
        assert TOKEN not in attribute_text(span)
    assert otel_instrumented.spans() == tuple(spans)


async def test_the_request_carries_the_span_context(
    otel_instrumented: OTelCapture, upstream: TestServer
) -> None:
    async with (
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
        session.get(upstream.make_url("/v1/ok")) as response,
    ):
        sent = (await response.json())["traceparent"]
    (span,) = otel_instrumented.client_spans()
    assert span.context is not None
    version, trace_id, span_id, _flags = sent.split("-")
    assert (version, trace_id, span_id) == (
        "00",
        f"{span.context.trace_id:032x}",
        f"{span.context.span_id:016x}",
    )


async def test_a_session_created_before_instrument_is_not_traced(upstream: TestServer) -> None:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as early:
        with capture_spans() as capture, instrument_aiohttp(capture):
            async with aiohttp.ClientSession(timeout=TIMEOUT) as late:
                await _get(early, upstream.make_url("/v1/ok"))
                await _get(late, upstream.make_url("/v1/missing"))
        assert [status_code(span) for span in capture.client_spans()] == [404]

        # Uninstrumented again: neither old nor new sessions are traced any more.
        assert not AioHttpClientInstrumentor().is_instrumented_by_opentelemetry
        async with aiohttp.ClientSession(timeout=TIMEOUT) as after:
            await _get(after, upstream.make_url("/v1/ok"))
        assert len(capture.client_spans()) == 1


def test_instrumenting_twice_is_refused() -> None:
    with (
        capture_spans() as first,
        instrument_aiohttp(first),
        capture_spans() as second,
        pytest.raises(RuntimeError, match="already"),
        instrument_aiohttp(second),
    ):
        pass  # pragma: no cover
    assert not AioHttpClientInstrumentor().is_instrumented_by_opentelemetry


async def test_trace_configs_without_instrumentation(
    otel: OTelCapture, upstream: TestServer
) -> None:
    assert not AioHttpClientInstrumentor().is_instrumented_by_opentelemetry
    async with aiohttp.ClientSession(
        timeout=TIMEOUT, trace_configs=otel.trace_configs()
    ) as session:
        assert await _get(session, upstream.make_url("/v1/ok")) == 200
        assert await _get(session, upstream.make_url("/v1/missing")) == 404
    async with aiohttp.ClientSession(timeout=TIMEOUT) as untraced:
        await _get(untraced, upstream.make_url("/v1/ok"))
    assert [(span.name, status_code(span)) for span in otel.client_spans()] == [
        ("GET", 200),
        ("GET", 404),
    ]


async def test_url_filter_and_credential_redaction(otel: OTelCapture, upstream: TestServer) -> None:
    def without_query(target: yarl.URL) -> str:
        return str(target.with_query(None))

    filtered = otel.trace_configs(url_filter=without_query)
    async with aiohttp.ClientSession(timeout=TIMEOUT, trace_configs=filtered) as session:
        await _get(session, upstream.make_url("/v1/ok?cursor=secret-cursor"))
    async with aiohttp.ClientSession(
        timeout=TIMEOUT, trace_configs=otel.trace_configs()
    ) as session:
        with_credentials = upstream.make_url("/v1/ok").with_user("me").with_password("pw-secret")
        async with session.get(with_credentials) as response:
            assert response.status == 200

    first, second = otel.client_spans()
    assert url(first) == str(upstream.make_url("/v1/ok"))
    assert "pw-secret" not in attribute_text(second)
    assert url(second) == str(upstream.make_url("/v1/ok")).replace(
        "http://", "http://REDACTED:REDACTED@"
    )


async def test_a_connection_error_is_an_error_span(otel: OTelCapture) -> None:
    async with (
        ForwardProxy(mode="refuse") as dead,  # a loopback port that refuses connections
        aiohttp.ClientSession(timeout=TIMEOUT, trace_configs=otel.trace_configs()) as session,
    ):
        with pytest.raises(aiohttp.ClientConnectorError):
            await _get(session, f"http://127.0.0.1:{dead.port}/v1/ok")
    (span,) = otel.client_spans()
    assert status_code(span) is None
    assert span.status.status_code is StatusCode.ERROR
    assert [event.name for event in span.events] == ["exception"]
    assert TOKEN not in attribute_text(span)


async def test_spans_through_a_proxy_name_the_target(
    otel: OTelCapture, upstream: TestServer
) -> None:
    async with (
        ForwardProxy() as proxy,
        aiohttp.ClientSession(timeout=TIMEOUT, trace_configs=otel.trace_configs()) as session,
        session.get(upstream.make_url("/v1/ok"), proxy=proxy.url) as response,
    ):
        assert response.status == 200
    (span,) = otel.client_spans()
    assert url(span) == str(upstream.make_url("/v1/ok"))
    assert proxy.records[0].header("traceparent") is not None


async def test_captures_are_independent_and_nothing_global_is_set(upstream: TestServer) -> None:
    with capture_spans() as first, capture_spans() as second:
        async with aiohttp.ClientSession(timeout=TIMEOUT, trace_configs=first.trace_configs()) as s:
            await _get(s, upstream.make_url("/v1/ok"))
        assert len(first.client_spans()) == 1
        assert second.client_spans() == []
        first.clear()
        assert first.spans() == ()
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)
