"""The gateway_extra toolset (issue 22): the model catalogue and models side by side."""

from __future__ import annotations

import time
from typing import Any

import pytest
from mcp import Client

from respan_mcp.server import create_server
from tests.conftest import call, make_settings, rows
from tests.fake_respan import FakeRespan

pytestmark = pytest.mark.anyio


@pytest.fixture
async def extra(fake: FakeRespan, tmp_path: Any, mode: str) -> Any:
    from respan_mcp.gateway_extra import api

    api._CATALOGUES.clear()
    server = create_server(make_settings(tmp_path, toolsets=["gateway_extra"]), transport=fake.transport())
    async with Client(server, mode=mode) as client:
        yield client


async def test_list_models_filters_sorts_and_caches(extra: Client, fake: FakeRespan) -> None:
    listed, text = await call(extra, "list_models")
    assert not listed.is_error, text
    models = rows(listed.structured_content["models"])
    prices = [m["input_usd_per_1m"] for m in models]
    assert prices == sorted(prices) and models[0]["model"] == "gemini/gemini-2.0-flash"
    assert "gpt-4o-mini | OpenAI | 128,000 | $0.15 | $0.6" in text
    anthropic, _ = await call(extra, "list_models", provider="anthropic", sort_by="context")
    assert {m["provider"] for m in rows(anthropic.structured_content["models"])} == {"Anthropic"}
    big, _ = await call(extra, "list_models", min_context=500_000)
    assert [m["model"] for m in rows(big.structured_content["models"])] == ["gemini/gemini-2.0-flash"]
    vision, _ = await call(extra, "list_models", feature="vision", sort_by="name")
    assert [m["model"] for m in rows(vision.structured_content["models"])] == ["claude-sonnet-4-20250514", "gpt-4o"]
    nothing, text = await call(extra, "list_models", name="no-such-model")
    assert not nothing.is_error and "Nothing matches" in text
    assert fake.catalogue_requests == 1  # cached for the process
    assert all(r.headers.get("authorization") is None for r in fake.requests if "models/public" in r.path)


async def test_list_models_needs_no_key(fake: FakeRespan, tmp_path: Any) -> None:
    from respan_mcp.gateway_extra import api

    api._CATALOGUES.clear()
    server = create_server(
        make_settings(tmp_path, api_key=None, toolsets=["gateway_extra"]), transport=fake.transport()
    )
    async with Client(server) as client:
        listed, text = await call(client, "list_models", name="claude")
    assert not listed.is_error and "claude-3-5-haiku" in text


async def test_compare_models_runs_concurrently_and_a_failing_model_is_a_row(extra: Client, fake: FakeRespan) -> None:
    fake.fail("/chat/completions", status=200, delay=0.6, times=2)  # two models are slow: 0.6 s each
    seen: list[str] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        seen.append(message or "")

    started = time.monotonic()
    result = await extra.call_tool("compare_models", {
        "models": ["gpt-4o-mini", "claude-sonnet-4-20250514", "fake-failing-model"],
        "messages": [{"role": "user", "content": "Say hi"}], "max_tokens": 50}, progress_callback=on_progress)  # fmt: skip
    elapsed = time.monotonic() - started
    assert not result.is_error
    table = {r["model"]: r for r in rows(result.structured_content["rows"])}
    assert table["gpt-4o-mini"]["answer"].startswith("Echo: Say hi") and table["gpt-4o-mini"]["cost_usd"] > 0
    assert table["claude-sonnet-4-20250514"]["completion_tokens"] > 0
    assert "error" in table["fake-failing-model"] and "answer" not in table["fake-failing-model"]
    assert elapsed < 1.1  # at once: close to the slowest (0.6 s), not the sum (1.2 s)
    assert len(seen) == 3
    sent = [r.body for r in fake.requests if r.path.rstrip("/").endswith("/chat/completions")]
    assert all(b["request_breakdown"] is True and b["max_tokens"] == 50 for b in sent)


async def test_compare_models_with_a_managed_prompt_patches_the_model(extra: Client, fake: FakeRespan) -> None:
    result, text = await call(extra, "compare_models", models=["gpt-4o", "gpt-4o-mini"],
                              prompt={"prompt_id": "p_greet", "variables": {"name": "ann"}})  # fmt: skip
    assert not result.is_error, text
    sent = [r.body for r in fake.requests if r.path.rstrip("/").endswith("/chat/completions")]
    assert {b["prompt"]["patch"]["model"] for b in sent} == {"gpt-4o", "gpt-4o-mini"}
    assert all(b["prompt"]["schema_version"] == 2 for b in sent)


async def test_compare_models_refuses_what_compares_nothing(extra: Client) -> None:
    same, text = await call(extra, "compare_models", models=["gpt-4o", "gpt-4o"], messages=[{"role": "user",
                                                                                          "content": "x"}])  # fmt: skip
    assert same.is_error and "Each model once" in text
    one, text = await call(extra, "compare_models", models=["gpt-4o"], messages=[{"role": "user", "content": "x"}])
    assert one.is_error and "models" in text


async def test_gateway_request_reaches_each_door_as_an_app_would(extra: Client, fake: FakeRespan) -> None:
    responses, text = await call(extra, "gateway_request", endpoint="responses",
                                 body={"model": "gpt-4o-mini", "input": "hello there"},
                                 respan_params={"customer_identifier": "acme"})  # fmt: skip
    assert not responses.is_error, text
    assert responses.structured_content["text"] == "Echo: hello there" and responses.structured_content["id"]
    sent = fake.last("/api/responses")
    import base64
    import json

    assert json.loads(base64.b64decode(sent.headers["x-data-respan-params"])) == {"customer_identifier": "acme"}
    anthropic, text = await call(extra, "gateway_request", endpoint="anthropic_messages",
                                 body={"model": "claude-sonnet-4-20250514", "max_tokens": 64,
                                       "messages": [{"role": "user", "content": "call lookup please"}],
                                       "tools": [{"name": "lookup", "input_schema": {"type": "object"}}]},
                                 respan_params={"metadata": {"feature": "x"}})  # fmt: skip
    assert not anthropic.is_error, text
    assert anthropic.structured_content["tool_calls"] == ['lookup({"q":"x"})'] and "tool_use" in text
    assert fake.last("/anthropic/v1/messages").body["metadata"]["respan_params"] == {"metadata": {"feature": "x"}}
    gemini, text = await call(extra, "gateway_request", endpoint="gemini_generate", model="gemini-2.0-flash",
                              body={"contents": [{"role": "user", "parts": [{"text": "hi gemini"}]}]})  # fmt: skip
    assert not gemini.is_error, text
    assert gemini.structured_content["text"] == "Echo: hi gemini" and gemini.structured_content["finish"] == "STOP"
    assert fake.last("/google/gemini").path.endswith("/v1beta/models/gemini-2.0-flash:generateContent")
    vectors, text = await call(extra, "gateway_request", endpoint="embeddings",
                               body={"model": "text-embedding-3-small", "input": ["a", "b", "c"]})  # fmt: skip
    assert not vectors.is_error, text
    assert vectors.structured_content["vectors"] == 3 and vectors.structured_content["dimensions"] == 1536
    assert len(text) < 200  # the count and the dimensions, never the vectors


async def test_gateway_request_passes_each_doors_errors_on(extra: Client) -> None:
    claude, text = await call(extra, "gateway_request", endpoint="responses",
                              body={"model": "claude-sonnet-4-20250514", "input": "x"})  # fmt: skip
    assert claude.is_error and "works only with OpenAI models" in text and "400" in text
    no_model, text = await call(extra, "gateway_request", endpoint="gemini_generate", body={"contents": []})
    assert no_model.is_error and "needs `model`" in text
    bad, text = await call(extra, "gateway_request", endpoint="embeddings", body={"model": "gpt-4o", "input": "x"})
    assert bad.is_error and "not an embedding model" in text


@pytest.mark.parametrize(
    ("endpoint", "args", "path"),
    [("responses", {"body": {"model": "gpt-4o", "input": "stream these five words please"}}, "/api/responses"),
     ("anthropic_messages", {"body": {"model": "claude-sonnet-4-20250514", "max_tokens": 50, "messages": [
         {"role": "user", "content": "stream these five words please"}]}}, "/anthropic/v1/messages"),
     ("gemini_generate", {"model": "gemini-2.0-flash", "body": {"contents": [{"role": "user", "parts": [
         {"text": "stream these five words please"}]}]}}, ":streamGenerateContent")],
)  # fmt: skip
async def test_gateway_request_streams_with_progress_where_the_door_streams(
    extra: Client, fake: FakeRespan, endpoint: str, args: dict[str, Any], path: str
) -> None:
    seen: list[str] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        seen.append(message or "")

    result = await extra.call_tool("gateway_request", {"endpoint": endpoint, **args}, progress_callback=on_progress)
    assert not result.is_error, result.content
    assert result.structured_content["text"] == "Echo: stream these five words please"
    assert seen and seen[0].startswith("Echo")  # the first words at once
    sent = fake.last(path)
    assert sent.body.get("stream") is True or sent.query.get("alt") == "sse"
    assert "cut" not in str(result.structured_content.get("finish"))
