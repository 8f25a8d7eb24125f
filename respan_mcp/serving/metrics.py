"""Prometheus metrics (`RESPAN_MCP_METRICS=on`): tool calls by tool and outcome, their latency, Respan API
answers by status, calls in flight, template worker restarts, the docs index's age.

`prometheus-client` is imported only when metrics are on. Served at `/metrics` on the HTTP app (outside the MCP
auth) and, with `RESPAN_MCP_METRICS_PORT`, on a port of its own (the way to get them in stdio mode).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from respan_mcp import observe

if TYPE_CHECKING:
    from respan_mcp.config import Settings

_REGISTRY: Any = None


def enable(settings: Settings) -> Any:
    """Create the instruments (once per process) and route the observe hooks to them; returns the registry."""
    global _REGISTRY
    if _REGISTRY is not None:
        return _REGISTRY
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

    registry = CollectorRegistry()
    calls = Counter("respan_mcp_tool_calls", "Tool calls by tool and outcome", ["tool", "outcome"], registry=registry)
    latency = Histogram("respan_mcp_tool_seconds", "Tool call latency", ["tool"], registry=registry,
                        buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))  # fmt: skip
    in_flight = Gauge("respan_mcp_tool_calls_in_flight", "Tool calls running now", registry=registry)
    answers = Counter("respan_mcp_respan_requests", "Respan API answers by HTTP status", ["status"], registry=registry)
    restarts = Gauge(
        "respan_mcp_template_worker_restarts", "Template workers replaced after a limit", registry=registry
    )
    index_age = Gauge("respan_mcp_docs_index_age_seconds", "Age of the docs index (-1: none yet)", registry=registry)

    def worker_restarts() -> float:
        from respan_mcp.prompts import worker_pool

        return float(worker_pool.pool().restarts)

    def docs_age() -> float:
        from respan_mcp.docs.store import index_path, read_meta

        meta = read_meta(index_path(settings))
        return time.time() - int(meta.get("built_at", 0)) if meta else -1.0

    restarts.set_function(worker_restarts)
    index_age.set_function(docs_age)

    def started(tool: str) -> None:
        in_flight.inc()

    def finished(tool: str, outcome: str, seconds: float) -> None:
        in_flight.dec()
        calls.labels(tool, outcome).inc()
        if outcome != "bad_arguments":  # refused before it ran: no latency to speak of
            latency.labels(tool).observe(seconds)

    def answered(status: str) -> None:
        answers.labels(status).inc()

    observe.install(started, finished, answered)
    _REGISTRY = registry
    if settings.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port, addr=settings.metrics_host, registry=registry)
    return registry


def exposition(registry: Any) -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(registry), CONTENT_TYPE_LATEST
