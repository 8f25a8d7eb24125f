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


def _multiprocess() -> bool:
    """Whether this process is one of `serve --workers`' (its parent set the folder every worker writes to)."""
    import os

    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def enable(settings: Settings) -> Any:
    """Create the instruments (once per process) and route the observe hooks to them; returns the registry.

    Under `serve --workers` each worker writes its samples to the shared folder and a scrape of any worker
    sums them all (prometheus-client's multiprocess mode); gauges are then set at scrape time, not computed."""
    global _REGISTRY
    if _REGISTRY is not None:
        return _REGISTRY
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

    shared = _multiprocess()
    registry = CollectorRegistry()
    own = None if shared else registry  # in multiprocess mode samples go to files, read back by the collector
    calls = Counter("respan_mcp_tool_calls", "Tool calls by tool and outcome", ["tool", "outcome"], registry=own)
    latency = Histogram("respan_mcp_tool_seconds", "Tool call latency", ["tool"], registry=own,
                        buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))  # fmt: skip
    in_flight = Gauge("respan_mcp_tool_calls_in_flight", "Tool calls running now", registry=own,
                      multiprocess_mode="livesum")  # fmt: skip
    answers = Counter("respan_mcp_respan_requests", "Respan API answers by HTTP status", ["status"], registry=own)
    restarts = Gauge("respan_mcp_template_worker_restarts", "Template workers replaced", registry=own,
                     multiprocess_mode="livesum")  # fmt: skip
    auth = Counter("respan_mcp_auth_events", "OAuth sign-ins, token exchanges and refusals, by event", ["event"],
                   registry=own)  # fmt: skip
    index_age = Gauge("respan_mcp_docs_index_age_seconds", "Age of the docs index (-1: none yet)", registry=own,
                      multiprocess_mode="livemin")  # fmt: skip

    def worker_restarts() -> float:
        from respan_mcp.prompts import worker_pool

        return float(worker_pool.pool().restarts)

    def docs_age() -> float:
        from respan_mcp.docs.store import index_path, read_meta

        meta = read_meta(index_path(settings))
        return time.time() - int(meta.get("built_at", 0)) if meta else -1.0

    if shared:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)

        def refresh() -> None:
            restarts.set(worker_restarts())
            index_age.set(docs_age())

        _REFRESH.append(refresh)
    else:
        restarts.set_function(worker_restarts)
        index_age.set_function(docs_age)

    def started(tool: str, _arguments: Any) -> None:
        in_flight.inc()

    def finished(tool: str, outcome: str, seconds: float, _result: Any) -> None:
        in_flight.dec()
        calls.labels(tool, outcome).inc()
        if outcome != "bad_arguments":  # refused before it ran: no latency to speak of
            latency.labels(tool).observe(seconds)

    def answered(status: str) -> None:
        answers.labels(status).inc()

    def auth_event(event: str) -> None:
        auth.labels(event).inc()

    observe.add(observe.Observer(tool_started=started, tool_finished=finished, api_answered=answered,
                                 auth_event=auth_event))  # fmt: skip
    _REGISTRY = registry
    if settings.metrics_port and not shared:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port, addr=settings.metrics_host, registry=registry)
    return registry


_REFRESH: list[Any] = []  # multiprocess mode: gauges this process sets just before a scrape


def exposition(registry: Any) -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    for refresh in _REFRESH:
        refresh()
    return generate_latest(registry), CONTENT_TYPE_LATEST
