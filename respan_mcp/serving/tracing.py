"""The server's own traces, in Respan (`RESPAN_MCP_TRACING=on`): every tool call is a span.

A span carries the tool's name, outcome, duration and the sizes of its arguments and result, never their
values (they may hold secrets or other people's text). Spans go out in batches from a background thread
(OpenTelemetry's BatchSpanProcessor) over OTLP/HTTP to Respan's ingest, `<base>/v2/traces`: a full queue
drops spans, a failed export is logged, and neither ever slows or fails a tool call. Each trace is exported
with the key of the call that made it (the caller's in pass-through mode, the server's otherwise), so a
team's traces land in each member's own Respan project. A `chat_completion` made inside a tool call carries
the span's trace (`trace_unique_id`, `span_parent_id`), so its gateway log shows inside that trace.

The OpenTelemetry SDK and exporter (`pip install "respan-mcp[tracing]"`) are imported only from here, and
this module only when tracing is on. The provider is our own, not the global one: only these spans leave.
"""

from __future__ import annotations

import contextvars
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from respan_mcp import __version__, observe
from respan_mcp.request_scope import request_api_key, request_base_url

if TYPE_CHECKING:
    from respan_mcp.config import Settings

log = logging.getLogger(__name__)

MAX_ROUTED_TRACES = 10_000  # traces whose key is remembered until their spans are exported
MAX_EXPORTERS = 32  # one OTLP exporter per (key, endpoint) in use, least recently used dropped

_PROVIDER: Any = None
_OBSERVER: observe.Observer | None = None
_current: contextvars.ContextVar[Any] = contextvars.ContextVar("respan_mcp_tool_span", default=None)


class Routes:
    """Which key and endpoint each trace is exported with, remembered from the call that started it."""

    def __init__(self, limit: int = MAX_ROUTED_TRACES) -> None:
        self.limit = limit
        self._routes: OrderedDict[int, tuple[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, trace_id: int, key: str, endpoint: str) -> None:
        with self._lock:
            self._routes[trace_id] = (key, endpoint)
            while len(self._routes) > self.limit:
                self._routes.popitem(last=False)

    def route(self, trace_id: int) -> tuple[str, str] | None:
        with self._lock:
            return self._routes.get(trace_id)


def _exporter_class() -> Any:
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    class RoutingExporter(SpanExporter):  # type: ignore[misc]
        """Sends each trace's spans with its own key, through one OTLP exporter per key and endpoint."""

        def __init__(self, routes: Routes) -> None:
            self.routes = routes
            self._exporters: OrderedDict[tuple[str, str], Any] = OrderedDict()

        def _exporter(self, key: str, endpoint: str) -> Any:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            found = self._exporters.pop((key, endpoint), None)
            if found is None:
                found = OTLPSpanExporter(endpoint=endpoint, headers={"Authorization": f"Bearer {key}"}, timeout=10)
            self._exporters[(key, endpoint)] = found
            while len(self._exporters) > MAX_EXPORTERS:
                self._exporters.popitem(last=False)[1].shutdown()
            return found

        def export(self, spans: Sequence[Any]) -> Any:
            groups: dict[tuple[str, str], list[Any]] = {}
            for span in spans:
                route = self.routes.route(span.context.trace_id)
                if route is not None:  # no key, no export (nowhere it could go)
                    groups.setdefault(route, []).append(span)
            result = SpanExportResult.SUCCESS
            for (key, endpoint), batch in groups.items():
                if self._exporter(key, endpoint).export(batch) != SpanExportResult.SUCCESS:
                    log.info("%d span(s) could not be exported to %s", len(batch), endpoint)
                    result = SpanExportResult.FAILURE
            return result

        def shutdown(self) -> None:
            for exporter in self._exporters.values():
                exporter.shutdown()
            self._exporters.clear()

        def force_flush(self, timeout_millis: int = 30_000) -> bool:
            return True

    return RoutingExporter


def _size(value: Any) -> int:
    """Characters a value takes as JSON (arguments) or as the text the model reads (a result)."""
    if value is None:
        return 0
    content = getattr(value, "content", None)
    if isinstance(content, list):
        return sum(len(getattr(item, "text", "") or "") for item in content)
    if isinstance(value, (list, tuple)):
        return sum(len(getattr(item, "text", "") or "") for item in value)
    try:
        return len(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return 0


def enable(settings: Settings) -> Any:
    """Start exporting (once per process); returns the tracer provider."""
    global _PROVIDER, _OBSERVER
    if _PROVIDER is not None:
        return _PROVIDER
    try:
        import opentelemetry.exporter.otlp.proto.http.trace_exporter  # noqa: F401
    except ImportError:
        raise SystemExit(
            'respan-mcp: RESPAN_MCP_TRACING=on needs the tracing extra: pip install "respan-mcp[tracing]"'
        ) from None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.trace import Status, StatusCode

    provider = TracerProvider(resource=Resource.create({"service.name": "respan-mcp", "service.version": __version__}))
    routes = Routes()
    batches = BatchSpanProcessor(
        _exporter_class()(routes), max_queue_size=4096, schedule_delay_millis=2000, export_timeout_millis=10_000
    )
    provider.add_span_processor(batches)
    tracer = provider.get_tracer("respan-mcp", __version__)
    held_key = settings.api_key.get_secret_value() if settings.api_key else None

    def started(tool: str, arguments: dict[str, Any]) -> None:
        span = tracer.start_span(
            f"tools/call {tool}",
            attributes={
                "mcp.method.name": "tools/call",
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": tool,
                "respan_mcp.arguments.chars": _size(arguments),
            },
        )
        key = request_api_key.get() or held_key
        if key:
            base = (request_base_url.get() or settings.base_url).rstrip("/")
            routes.remember(span.get_span_context().trace_id, key, settings.tracing_endpoint or f"{base}/v2/traces")
        _current.set(span)

    def finished(tool: str, outcome: str, seconds: float, result: Any) -> None:
        span = _current.get()
        if span is None:
            return
        _current.set(None)
        span.set_attribute("respan_mcp.outcome", outcome)
        span.set_attribute("respan_mcp.result.chars", _size(result))
        if outcome != "ok":
            span.set_status(Status(StatusCode.ERROR, outcome))
        span.end()

    def current_trace() -> tuple[str, str] | None:
        span = _current.get()
        if span is None:
            return None
        context = span.get_span_context()
        return f"{context.trace_id:032x}", f"{context.span_id:016x}"

    _OBSERVER = observe.Observer(tool_started=started, tool_finished=finished, current_trace=current_trace)
    observe.add(_OBSERVER)
    _PROVIDER = provider
    return provider


def flush(timeout_seconds: float = 10.0) -> bool:
    """Export what is queued now (shutdown does this too); True when that finished in time (an export that
    failed is logged by the exporter, not reported here)."""
    return bool(_PROVIDER.force_flush(int(timeout_seconds * 1000))) if _PROVIDER is not None else True


def shutdown() -> None:
    """Stop tracing: export what is queued (bounded by the export timeout) and stop observing."""
    global _PROVIDER, _OBSERVER
    if _OBSERVER is not None:
        observe.remove(_OBSERVER)
    if _PROVIDER is not None:
        _PROVIDER.shutdown()
    _PROVIDER = _OBSERVER = None
