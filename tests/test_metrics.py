"""Prometheus metrics (issue 21, part): off unless asked for; then tool calls by tool and outcome, latency,
Respan answers by status, calls in flight, template worker restarts, the docs index's age."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from respan_mcp.http_app import build_http_app, http_settings
from respan_mcp.server import create_server
from tests.conftest import make_settings
from tests.fake_respan import FakeRespan, serve

pytestmark = pytest.mark.anyio


def _value(page: str, name: str, **labels: str) -> float:
    """A sample's value from the text exposition (labels in any order); 0 when it is not there."""
    for line in page.splitlines():
        head, _, value = line.rpartition(" ")
        metric, _, rest = head.partition("{")
        found = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if metric == name and found == labels:
            return float(value)
    return 0.0


async def test_metrics_are_off_unless_asked_for(tmp_path: Any) -> None:
    settings = http_settings(make_settings(tmp_path))
    served = serve(build_http_app(create_server(settings), settings))
    try:
        async with httpx.AsyncClient() as plain:
            assert (await plain.get(served.url + "/metrics")).status_code == 404
    finally:
        served.stop()


async def test_metrics_count_tool_calls_and_respan_answers(tmp_path: Any, fake: FakeRespan) -> None:
    from respan_mcp.serving import metrics
    from tests.test_attacks import _mcp_client

    backend = serve(fake.app)
    settings = http_settings(make_settings(tmp_path, base_url=backend.url, metrics=True))
    served = serve(build_http_app(create_server(settings), settings))
    try:
        async with httpx.AsyncClient() as plain:
            before = (await plain.get(served.url + "/metrics")).text
        async with _mcp_client(served.url) as client:
            assert not (await client.call_tool("search_logs", {"since": "7d", "limit": 2})).is_error
            assert (await client.call_tool("get_log", {"log_id": "no-such-log"})).is_error
            assert (await client.call_tool("search_logs", {"bogus": 1})).is_error
        async with httpx.AsyncClient() as plain:
            answer = await plain.get(served.url + "/metrics")  # no bearer: outside the MCP auth
        page = answer.text
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")

        def grew(name: str, **labels: str) -> float:
            return _value(page, name, **labels) - _value(before, name, **labels)

        assert grew("respan_mcp_tool_calls_total", tool="search_logs", outcome="ok") == 1
        assert grew("respan_mcp_tool_calls_total", tool="get_log", outcome="error") == 1
        assert grew("respan_mcp_tool_calls_total", tool="search_logs", outcome="bad_arguments") == 1
        assert grew("respan_mcp_respan_requests_total", status="200") >= 1
        assert grew("respan_mcp_respan_requests_total", status="404") >= 1
        assert grew("respan_mcp_tool_seconds_count", tool="search_logs") == 1
        assert _value(page, "respan_mcp_tool_calls_in_flight") == 0
        assert "respan_mcp_template_worker_restarts" in page and "respan_mcp_docs_index_age_seconds" in page
    finally:
        served.stop()
        backend.stop()
        assert metrics._REGISTRY is not None
