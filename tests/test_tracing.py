"""The server's own traces in Respan (issue 21): spans per tool call, exported over OTLP/HTTP with the calling
key, never with argument values; a chat completion inside the call carries the trace; off by default."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from respan_mcp.server import create_server
from tests.conftest import make_settings
from tests.fake_respan import API_KEY, FakeRespan, serve

pytestmark = [pytest.mark.anyio, pytest.mark.skipif(
    __import__("importlib").util.find_spec("opentelemetry.sdk") is None, reason="respan-mcp[tracing] not installed")]  # fmt: skip

SECRET_TEXT = "TOPSECRET-USER-TEXT-42"


@pytest.fixture
def traced(fake: FakeRespan, tmp_path: Path) -> Any:
    from respan_mcp.serving import tracing

    backend = serve(fake.app)
    settings = make_settings(tmp_path, base_url=backend.url, tracing=True, toolsets=["gateway", "prompts"])
    yield settings, backend
    tracing.shutdown()
    backend.stop()


async def test_each_tool_call_is_a_span_exported_to_respan_with_the_key(traced: Any, fake: FakeRespan) -> None:
    from respan_mcp.serving import tracing

    settings, _ = traced
    async with Client(create_server(settings)) as client:
        assert not (await client.call_tool("list_prompts", {})).is_error
        answer = await client.call_tool(
            "chat_completion", {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": SECRET_TEXT}]}
        )
        assert not answer.is_error
        assert (await client.call_tool("get_prompt", {"prompt_id": "no-such-prompt"})).is_error
    assert tracing.flush()
    exports = fake.otlp
    assert exports and {e["authorization"] for e in exports} == {f"Bearer {API_KEY}"}
    assert all(e["content_type"] == "application/x-protobuf" for e in exports)
    spans = {s["name"]: s for e in exports for s in e["spans"]}
    assert set(spans) == {"tools/call list_prompts", "tools/call chat_completion", "tools/call get_prompt"}
    chat = spans["tools/call chat_completion"]
    assert chat["attributes"]["gen_ai.tool.name"] == "chat_completion"
    assert chat["attributes"]["respan_mcp.outcome"] == "ok"
    assert int(chat["attributes"]["respan_mcp.arguments.chars"]) > len(SECRET_TEXT)
    assert int(chat["attributes"]["respan_mcp.result.chars"]) > 0
    assert chat["service"]["service.name"] == {"stringValue": "respan-mcp"}
    failed = spans["tools/call get_prompt"]
    assert failed["attributes"]["respan_mcp.outcome"] == "error" and failed["status"]["code"] == "STATUS_CODE_ERROR"
    # no argument or result value ever leaves in a span
    assert all(SECRET_TEXT.encode() not in e["raw"] and API_KEY.encode() not in e["raw"] for e in exports)
    # the gateway request made inside the call carries the call's trace, so its log shows inside it
    gateway = fake.last("/api/chat/completions").body
    assert gateway["trace_unique_id"] == chat["traceId"] and gateway["span_parent_id"] == chat["spanId"]
    assert len({s["traceId"] for s in spans.values()}) == 3  # one trace per call


async def test_over_http_each_trace_goes_with_the_callers_own_key(traced: Any, fake: FakeRespan) -> None:
    from respan_mcp.http_app import build_http_app, http_settings
    from respan_mcp.serving import tracing
    from tests.test_attacks import _mcp_client, serve_bounded

    settings, _ = traced
    other = "rsp-second-callers-key-000"
    fake.api_keys.add(other)
    settings = http_settings(settings.model_copy(update={"api_key": None}))
    served = serve_bounded(build_http_app(create_server(settings), settings), settings)
    try:
        async with _mcp_client(served.url) as first:
            await first.call_tool("list_prompts", {})
        async with _mcp_client(served.url, Authorization=f"Bearer {other}") as second:
            await second.call_tool("list_prompts", {})
    finally:
        served.stop()
    assert tracing.flush()
    by_key = {e["authorization"]: [s["name"] for s in e["spans"]] for e in fake.otlp}
    assert by_key == {f"Bearer {API_KEY}": ["tools/call list_prompts"], f"Bearer {other}": ["tools/call list_prompts"]}


async def test_a_failing_ingest_never_fails_or_slows_a_call(traced: Any, fake: FakeRespan) -> None:
    import time

    from respan_mcp.serving import tracing

    settings, _ = traced
    settings = settings.model_copy(update={"tracing_endpoint": "http://127.0.0.1:9/v2/traces"})  # nobody there
    async with Client(create_server(settings)) as client:
        started = time.monotonic()
        for _ in range(5):
            assert not (await client.call_tool("list_prompts", {})).is_error
        took = time.monotonic() - started
    assert took < 2  # export happens later, in the background
    tracing.flush(timeout_seconds=15)  # the failed export is logged by the exporter, never raised
    assert fake.otlp == []


def test_routes_are_bounded() -> None:
    from respan_mcp.serving.tracing import Routes

    routes = Routes(limit=3)
    for trace in range(5):
        routes.remember(trace, "k", "e")
    assert routes.route(0) is None and routes.route(4) == ("k", "e")


def test_tracing_off_imports_no_opentelemetry_sdk(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom respan_mcp.config import Settings\nfrom respan_mcp.server import create_server\n"
        f"create_server(Settings(cache_dir={str(tmp_path)!r}))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry.sdk', 'opentelemetry.exporter', "
        "'respan_mcp.serving.tracing', 'respan_mcp.serving.oauth'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
