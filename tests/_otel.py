"""OpenTelemetry's real SDK for the tests, spans kept in memory.

Nothing global is set: each ``capture_spans()`` has its own ``TracerProvider`` (with a
``SimpleSpanProcessor`` into an ``InMemorySpanExporter``) and a no-op ``MeterProvider``,
passed explicitly to the instrumentation, so any number of tests can use it in one process
(``trace.set_tracer_provider`` works only once per process).

Two ways to trace aiohttp:

- ``instrument_aiohttp(capture)``: ``AioHttpClientInstrumentor().instrument(...)``, which
  adds a ``TraceConfig`` to every ``ClientSession`` created *afterwards* (a session created
  before is not traced), undone on exit. The instrumentor is a process-wide singleton.
- ``capture.trace_configs()``: ``TraceConfig``s from ``create_trace_config``, for
  ``ClientSession(trace_configs=...)`` (the ``trace_configs=`` path), no patching.

Attribute names depend on the semantic-convention mode: the default (old) names are
``http.status_code``/``http.url``/``http.method``; with ``OTEL_SEMCONV_STABILITY_OPT_IN=http``
(read once per process, by ``instrument()`` only) they are ``http.response.status_code``/
``url.full``/``http.request.method``. ``status_code()``, ``url()`` and ``method()`` read either.
The instrumentation also injects a ``traceparent`` header (the global propagator) into each
request.

The fixtures ``otel`` and ``otel_instrumented`` are defined here under other Python names, so
a test module (or conftest.py) imports them without clashing with the parameter names::

    from tests._otel import otel_fixture  # noqa: F401 - the `otel` fixture
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import aiohttp
import pytest
import yarl
from opentelemetry.instrumentation.aiohttp_client import (
    AioHttpClientInstrumentor,
    create_trace_config,
)
from opentelemetry.metrics import MeterProvider, NoOpMeterProvider
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

UrlFilter = Callable[[yarl.URL], str]

STATUS_CODE_ATTRIBUTES = ("http.response.status_code", "http.status_code")
URL_ATTRIBUTES = ("url.full", "http.url")
METHOD_ATTRIBUTES = ("http.request.method", "http.method")


@dataclass(frozen=True)
class OTelCapture:
    """A tracer provider of its own and the spans it finished."""

    tracer_provider: TracerProvider
    exporter: InMemorySpanExporter
    meter_provider: MeterProvider

    def spans(self) -> tuple[ReadableSpan, ...]:
        """Every finished span, in the order they ended."""
        return self.exporter.get_finished_spans()

    def client_spans(self) -> list[ReadableSpan]:
        """The finished CLIENT spans (one per aiohttp request)."""
        return [span for span in self.spans() if span.kind is SpanKind.CLIENT]

    def clear(self) -> None:
        """Forget the spans finished so far."""
        self.exporter.clear()

    def trace_config(self, *, url_filter: UrlFilter | None = None) -> aiohttp.TraceConfig:
        """One aiohttp ``TraceConfig`` reporting to this capture (``create_trace_config``)."""
        return create_trace_config(
            url_filter=url_filter,
            tracer_provider=self.tracer_provider,
            meter_provider=self.meter_provider,
        )

    def trace_configs(self, *, url_filter: UrlFilter | None = None) -> list[aiohttp.TraceConfig]:
        """``[self.trace_config()]``, ready for ``ClientSession(trace_configs=...)``."""
        return [self.trace_config(url_filter=url_filter)]


def _first(span: ReadableSpan, names: tuple[str, ...]) -> object:
    attributes = span.attributes or {}
    return next((attributes[name] for name in names if name in attributes), None)


def status_code(span: ReadableSpan) -> int | None:
    """The HTTP status of a client span, under either attribute name; None if it has none."""
    value = _first(span, STATUS_CODE_ATTRIBUTES)
    return value if isinstance(value, int) else None


def url(span: ReadableSpan) -> str | None:
    """The request URL recorded on a client span (credentials already redacted)."""
    value = _first(span, URL_ATTRIBUTES)
    return value if isinstance(value, str) else None


def method(span: ReadableSpan) -> str | None:
    """The HTTP method recorded on a client span."""
    value = _first(span, METHOD_ATTRIBUTES)
    return value if isinstance(value, str) else None


def attribute_text(span: ReadableSpan) -> str:
    """Every attribute, event and status of a span as one string: to assert a secret is absent."""
    parts = [span.name, repr(dict(span.attributes or {})), repr(span.status.description)]
    parts.extend(repr(dict(event.attributes or {})) for event in span.events)
    return "\n".join(parts)


@contextmanager
def capture_spans() -> Iterator[OTelCapture]:
    """A fresh ``TracerProvider`` exporting to memory; shut down on exit. Sets nothing global."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)  # no atexit hook per test
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    try:
        yield OTelCapture(provider, exporter, NoOpMeterProvider())
    finally:
        provider.shutdown()


@contextmanager
def instrument_aiohttp(
    capture: OTelCapture, *, url_filter: UrlFilter | None = None
) -> Iterator[AioHttpClientInstrumentor]:
    """``AioHttpClientInstrumentor().instrument(...)`` into ``capture``; uninstrument on exit.

    Only ``ClientSession``s created inside the block are traced. Raises if aiohttp is already
    instrumented (the instrumentor is a singleton: a second ``instrument()`` would be ignored
    with a log line, and the spans would go to the other provider).
    """
    instrumentor = AioHttpClientInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        raise RuntimeError("aiohttp is already instrumented (an instrument() not undone?)")
    instrumentor.instrument(
        tracer_provider=capture.tracer_provider,
        meter_provider=capture.meter_provider,
        url_filter=url_filter,
        raise_exception_on_conflict=True,
    )
    try:
        yield instrumentor
    finally:
        instrumentor.uninstrument()


@pytest.fixture(name="otel")
def otel_fixture() -> Iterator[OTelCapture]:
    """A span capture, without instrumentation: use ``otel.trace_configs()``."""
    with capture_spans() as capture:
        yield capture


@pytest.fixture(name="otel_instrumented")
def otel_instrumented_fixture() -> Iterator[OTelCapture]:
    """A span capture with aiohttp instrumented for the test (sessions created in the test)."""
    with capture_spans() as capture, instrument_aiohttp(capture):
        yield capture
