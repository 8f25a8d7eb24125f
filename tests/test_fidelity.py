"""Behaviour the real Respan API has and our first fake lacked (issue 10), each guarded here."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from respan_mcp.gateway.completion import CompletionAccumulator
from tests.conftest import rows, text_of
from tests.fake_respan import FakeRespan

pytestmark = pytest.mark.anyio


async def _progress(*_: Any) -> None:
    pass


async def test_streamed_breakdown_inside_choices_is_kept(client: Client) -> None:
    result = await client.call_tool("chat_completion", {"model": "gpt-4o", "request_breakdown": True, "messages": [
        {"role": "user", "content": "hello there"}]}, progress_callback=_progress)  # fmt: skip
    text = text_of(result)
    assert "breakdown: cost $" in text and "latency" in text
    assert "extra_parameter" not in text
    assert result.structured_content["request_breakdown"]["status_code"] == 200


def test_accumulator_reads_the_breakdown_chunk_shape() -> None:
    acc = CompletionAccumulator()
    acc.feed({"id": "c1", "model": "gpt-4o", "choices": [{"index": 0, "delta": {"content": "hi"}}]})
    acc.feed({"id": "request_breakdown", "model": "extra_parameter",
              "choices": [{"index": 0, "delta": {}, "request_breakdown": {"cost": 0.5}}]})  # fmt: skip
    response = acc.response()
    assert response["request_breakdown"] == {"cost": 0.5}
    assert response["model"] == "gpt-4o" and response["id"] == "c1" and acc.text() == "hi"


@pytest.mark.parametrize("schema_version", [1, 2])
async def test_stream_enabled_prompt_runs(client: Client, fake: FakeRespan, schema_version: int) -> None:
    result = await client.call_tool("chat_completion", {"prompt": {
        "prompt_id": "p_stream", "variables": {"topic": "otters"}, "schema_version": schema_version}})  # fmt: skip
    assert not result.is_error, text_of(result)
    assert "Echo: Stream about otters" in text_of(result)
    # v1: refused (400) without stream, sent again streamed; v2: the gateway streams anyway and it is folded.
    assert fake.last("/chat/completions").body["stream"] is (schema_version == 1)


async def test_an_sse_answer_to_a_plain_request_is_folded(fake: FakeRespan, settings: Any) -> None:
    from respan_mcp.gateway.completion import fold_chunks
    from respan_mcp.respan import RespanClient
    from respan_mcp.sse import SSEAnswer

    client = RespanClient(settings, transport=fake.transport())
    try:
        body = {"stream": False, "prompt": {"prompt_id": "p_stream", "variables": {"topic": "x"}, "schema_version": 2}}
        answer = await client.request("POST", "chat/completions", json_body=body, read=False)
    finally:
        await client.aclose()
    assert isinstance(answer, SSEAnswer) and not answer.cut
    assert fold_chunks(answer)["choices"][0]["message"]["content"] == "Echo: Stream about x"


async def test_environment_is_sent_in_both_forms(client: Client, fake: FakeRespan) -> None:
    for environment, old, new in (("production", {"is_test": "false"}, "prod"), ("test", {"is_test": "true"}, "test")):
        await client.call_tool("search_logs", {"since": "1h", "environment": environment})
        sent = fake.last("/request-logs/list").query
        assert sent["environment"] == new and all(sent[k] == v for k, v in old.items())
        await client.call_tool("summarize_logs", {"since": "1h", "environment": environment})
        assert fake.last("/request-logs/summary").query["environment"] == new
    await client.call_tool("search_logs", {"since": "1h", "environment": "all"})
    sent = fake.last("/request-logs/list").query
    assert sent["all_envs"] == "true" and "environment" not in sent


async def test_workflow_spans_are_labelled_in_a_model_breakdown(client: Client) -> None:
    result = await client.call_tool("summarize_logs", {"since": "7d", "group_by": "model"})
    text = text_of(result)
    groups = [row["group"] for row in rows(result.structured_content["breakdown"])]
    assert "(none)" not in groups and "(workflow/task spans: no model)" in groups
    assert "log_type" in text  # says how to leave them out
    chat_only = await client.call_tool("summarize_logs", {"since": "7d", "group_by": "model", "filters": [
        {"field": "log_type", "operator": "", "value": "chat"}]})  # fmt: skip
    assert all(not row["group"].startswith("(") for row in rows(chat_only.structured_content["breakdown"]))


async def test_create_log_wraps_plain_strings_as_messages(client: Client, fake: FakeRespan) -> None:
    result = await client.call_tool("create_log", {"model": "gpt-4o", "input": "What is 2+2?", "output": "4"})
    assert not result.is_error, text_of(result)
    sent = fake.last("/request-logs/").body
    assert sent["input"] == [{"role": "user", "content": "What is 2+2?"}]
    assert sent["output"] == {"role": "assistant", "content": "4"}
    assert "input stored as one user message" in text_of(result)
    assert result.structured_content["stored_as"] and result.structured_content["unique_id"]
    plain = await client.call_tool("create_log", {"model": "gpt-4o", "input": "hi", "log_type": "completion"})
    assert not plain.is_error and fake.last("/request-logs/").body["input"] == "hi"


@pytest.mark.parametrize(("tool", "args"), [
    ("search_logs", {"since": "7d", "sort_by": "-timestamp"}),
    ("search_logs", {"since": "7d", "sort_by": "total_request_tokens"}),
    ("search_logs", {"since": "7d", "filters": [{"field": "is_root_span", "value": True}]}),
    ("search_logs", {"since": "7d", "filters": [{"field": "span_parent_id", "operator": "isnull", "value": False}]}),
    ("search_logs", {"since": "7d", "filters": [{"field": "total_tokens", "operator": "gt", "value": 100}]}),
    ("list_traces", {"since": "7d", "sort_by": "-total_prompt_tokens"}),
    ("list_traces", {"since": "7d", "filters": [{"field": "total_completion_tokens", "operator": "gt", "value": 1}]}),
])  # fmt: skip
async def test_fields_the_real_api_accepts_are_accepted(client: Client, tool: str, args: Any) -> None:
    result = await client.call_tool(tool, args)
    assert not result.is_error, text_of(result)
    assert result.structured_content["count"] > 0


async def test_trace_just_created_is_waited_for(
    client: Client, fake: FakeRespan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("respan_mcp.logs.api.TRACE_LAG_WAITS", (0.1, 0.2))
    trace_id = next(iter(fake.logs.traces))
    fake.trace_lag[trace_id] = 1
    result = await client.call_tool("get_trace", {"trace_id": trace_id, "environment": "production"})
    assert not result.is_error and "waited 0.1 s" in text_of(result)
    assert fake.last(f"/traces/{trace_id}").query["environment"] == "production"
    fake.trace_lag["trace-nope"] = 0
    missing = await client.call_tool("get_trace", {"trace_id": "trace-nope"})
    assert missing.is_error and "404" in text_of(missing) and "ingested" in text_of(missing)


def test_failed_span_rule() -> None:
    from respan_mcp.logs.format import span_failed

    assert span_failed({"status": "failed"}) and span_failed({"status": "error"})
    assert span_failed({"status": "success", "status_code": 502})
    assert not span_failed({"status": "success", "status_code": 200})


async def test_render_prompt_carries_every_version_parameter(client: Client, fake: FakeRespan) -> None:
    fake.versions["p_draft"][0].update({"thinking": {"type": "enabled", "budget_tokens": 2048},
                                        "is_enforcing_response_format": True})  # fmt: skip
    result = await client.call_tool("render_prompt", {"prompt_id": "p_draft", "version": 1})
    params = result.structured_content["params"]
    assert params["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert params["is_enforcing_response_format"] is True
    assert "readonly" not in params and "edited_by" not in params and "stream" not in params


async def test_docs_site_spans_its_own_hosts_and_nothing_else() -> None:
    """The live index sits on www.respan.ai and lists pages on respan.ai (its apex twin); a page may
    redirect within respan.ai; nothing outside the site is fetched, redirects included."""
    import httpx

    from respan_mcp.docs.fetch import Crawler

    fetched: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        fetched.append(url)
        if url == "https://old-docs.example/llms.txt":  # a configured source that moved
            return httpx.Response(301, headers={"location": "https://www.respan.test/docs/llms.txt"})
        if url.endswith("/llms.txt"):
            return httpx.Response(200, text="\n".join([
                "- [A](https://respan.test/docs/a.mdx): apex twin",
                "- [B](https://www.respan.test/docs/b.mdx): same host",
                "- [C](https://respan.test/docs/c.mdx): moves to a sibling host",
                "- [D](https://respan.test/docs/d.mdx): redirects off the site",
                "- [E](https://evil.test/docs/e.mdx): another site",
            ]))  # fmt: skip
        if url == "https://respan.test/docs/c.mdx":
            return httpx.Response(301, headers={"location": "https://cdn.respan.test/docs/c.mdx"})
        if url.endswith("/d.mdx"):
            return httpx.Response(302, headers={"location": "https://evil.test/steal.md"})
        return httpx.Response(
            200, text=f"# Page {url.rsplit('/', 1)[1]}\nBody.", headers={"content-type": "text/markdown"}
        )

    for source in ("https://www.respan.test/docs/llms.txt", "https://old-docs.example/llms.txt"):
        fetched.clear()
        crawler = Crawler(source, transport=httpx.MockTransport(handler), retries=0)
        try:
            pages, report = await crawler.crawl({})
        finally:
            await crawler.aclose()
        assert sorted(p.path for p in pages) == ["a", "b", "c"], report.failed
        assert not any("evil.test" in url for url in fetched)
        assert sum("refused" in f for f in report.failed) == 2


def _jwt_profile(tmp_path: Any, refresh: str | None) -> Any:
    import json

    profile: dict[str, Any] = {"type": "jwt", "accessToken": "expired-jwt-token"}
    if refresh:
        profile["refreshToken"] = refresh
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps({"default": profile}))
    return path


async def test_expired_login_session_is_renewed(tmp_path: Any, fake: FakeRespan) -> None:
    from respan_mcp.server import create_server
    from tests.conftest import make_settings
    from tests.fake_respan import API_KEY

    fake.refresh_tokens["refresh-ok"] = API_KEY
    settings = make_settings(tmp_path, api_key=None, credentials_file=_jwt_profile(tmp_path, "refresh-ok"))
    assert settings.key_is_jwt
    async with Client(create_server(settings, transport=fake.transport())) as client:
        result = await client.call_tool("list_prompts", {"limit": 1})
        assert not result.is_error, text_of(result)
    assert "refresh-ok" in settings.secrets()


async def test_expired_login_session_without_refresh_says_log_in_again(tmp_path: Any, fake: FakeRespan) -> None:
    from respan_mcp.server import create_server
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, api_key=None, credentials_file=_jwt_profile(tmp_path, None))
    async with Client(create_server(settings, transport=fake.transport())) as client:
        result = await client.call_tool("list_prompts", {"limit": 1})
    assert result.is_error and "run `respan login` again" in text_of(result)
    assert "set RESPAN_API_KEY (stdio)" not in text_of(result)


async def test_enterprise_base_url_header_only_for_allowlisted_origins(tmp_path: Any) -> None:
    import httpx
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    from respan_mcp.http_app import build_http_app, http_settings
    from respan_mcp.server import create_server
    from tests.conftest import make_settings
    from tests.fake_respan import API_KEY, serve

    default, enterprise = FakeRespan(), FakeRespan()
    served_default, served_enterprise = serve(default.app), serve(enterprise.app)
    settings = http_settings(make_settings(tmp_path, base_url=served_default.url, toolsets=["prompts"],
                                           allowed_base_urls=[served_enterprise.url]))  # fmt: skip
    served = serve(build_http_app(create_server(settings), settings))
    try:
        headers = {"Authorization": f"Bearer {API_KEY}", "Respan-Api-Base-Url": served_enterprise.url + "/api/"}
        client = httpx2.AsyncClient(headers=headers, timeout=30)
        async with Client(streamable_http_client(served.url + "/mcp", http_client=client)) as mcp:
            result = await mcp.call_tool("list_prompts", {"limit": 1})
            assert not result.is_error
        assert enterprise.requests and not default.requests
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        async with httpx.AsyncClient(timeout=5) as plain:
            refused = await plain.post(served.url + "/mcp", json=body, headers={
                "Authorization": f"Bearer {API_KEY}", "Respan-Api-Base-Url": "http://169.254.169.254/latest"})  # fmt: skip
        assert refused.status_code == 400 and "not allowed" in refused.text
    finally:
        for s in (served, served_default, served_enterprise):
            s.stop()


async def test_collect_folds_a_stream_and_keeps_a_cut_ones_text() -> None:
    from respan_mcp.errors import StreamCutError
    from respan_mcp.gateway.completion import PartialAnswer, collect

    async def chunks(cut: bool) -> Any:
        for word in ("one", " two"):
            yield {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": word}}]}
        if cut:
            raise StreamCutError("cut", kind="stream_cut")
        yield {"id": "c", "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2}}

    seen: list[str] = []

    async def on_text(text: str) -> None:
        seen.append(text)

    answer = await collect(chunks(False), on_text, 0.0)
    assert answer["choices"][0]["message"]["content"] == "one two" and answer["usage"]["completion_tokens"] == 2
    assert seen == ["one", "one two"]
    with pytest.raises(PartialAnswer) as caught:
        await collect(chunks(True), on_text, 0.0)
    assert caught.value.partial == "one two"
