"""Prompt tools, MCP prompts and completions through the MCP client, against the fake Respan."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp_types import PromptReference, ResourceTemplateReference

from respan_mcp.server import create_server
from tests.conftest import make_settings, rows, text_of
from tests.fake_respan import FakeRespan

pytestmark = pytest.mark.anyio


async def call(client: Client, tool: str, **args: Any) -> tuple[Any, str]:
    result = await client.call_tool(tool, args)
    return result, text_of(result)


async def test_list_prompts_pages_and_filters(client: Client) -> None:
    result, text = await call(client, "list_prompts", limit=20)
    assert not result.is_error
    assert text.startswith("52 prompt(s); page 1 of 3:")
    assert "p_greet | Greeting | v1 | v2 | gpt-4o-mini | 2026-11-20" in text
    assert 'Next page: list_prompts(cursor="' in text
    assert "Hello {{" not in text and "filters_data" not in text  # no version messages, no filter dump
    assert rows(result.structured_content["prompts"])[0]["live_version"] == 1
    second, _ = await call(client, "list_prompts", cursor=result.structured_content["next_cursor"])
    last, text3 = await call(client, "list_prompts", cursor=second.structured_content["next_cursor"])
    assert "page 3 of 3" in text3 and "Next page" not in text3
    assert "next_cursor" not in last.structured_content  # unknown values are left out, not null
    _, found = await call(client, "list_prompts", query="summ")
    assert "1 prompt(s) matching 'summ'" in found and "p_summary" in found
    bad, text_bad = await call(client, "list_prompts", cursor="nonsense")
    assert bad.is_error and "cursor" in text_bad


async def test_get_prompt_shows_versions_and_variables(client: Client) -> None:
    result, text = await call(client, "get_prompt", prompt_id="p_greet")
    assert "Versions, newest first: v2 (newest), v1 (live)" in text
    assert "Showing v1 (deployed)" in text
    assert 'name, persona (default "a helpful assistant"), vip' in text.replace("'", '"')
    assert "[system] You are {{ persona }}." in text
    assert result.structured_content["selected"]["variables"] == [
        {"name": "name"}, {"name": "persona", "default": '"a helpful assistant"'}, {"name": "vip"}]  # fmt: skip
    _, latest = await call(client, "get_prompt", prompt_id="p_greet", version="latest")
    assert "Showing v2 (newest draft)" in latest and 'model="gpt-4o"' in latest
    missing, text_missing = await call(client, "get_prompt", prompt_id="nope")
    assert missing.is_error and "404" in text_missing


async def test_render_prompt_deployed_version(client: Client) -> None:
    result, text = await call(client, "render_prompt", prompt_id="p_greet",
                              variables={"name": "ada lovelace", "vip": True, "stray": 1})  # fmt: skip
    assert "[system] You are a helpful assistant." in text
    assert "[user] Hello Ada Lovelace! (VIP)" in text
    assert "defaults used: persona" in text and "given but unused: stray" in text
    assert 'model="gpt-4o-mini"' in text and "temperature=0.2" in text
    assert result.structured_content["version"] == 1


async def test_render_prompt_composition_and_json(client: Client) -> None:
    _, text = await call(client, "render_prompt", prompt_id="p_parent", override=True, variables={
        "request": "dispute a charge",
        "conversation": {"_type": "prompt", "prompt_id": "p_child", "version": 2,
                         "variables": {"customer_name": "Sarah", "department": "billing", "tier": "gold"}},
    })  # fmt: skip
    assert "[system] Context:\nCustomer Sarah of billing, gold" in text
    assert "conversation <- p_child v2" in text
    _, summary = await call(
        client,
        "render_prompt",
        prompt_id="p_summary",
        variables={"words": 20, "doc": {"_type": "json", "value": {"title": "T", "body": "B"}}},
    )
    assert "[user] Summarize T in 20 words: B" in summary
    assert 'fallback_models=["gpt-4o"]' in summary


async def test_render_prompt_errors_are_clear(client: Client) -> None:
    strict, text = await call(client, "render_prompt", prompt_id="p_greet", strict=True)
    assert strict.is_error and "needs variable(s) name, vip" in text
    draft, text = await call(client, "render_prompt", prompt_id="p_draft")
    assert draft.is_error and "no deployed version" in text and "latest" in text
    ok, text = await call(client, "render_prompt", prompt_id="p_draft", version="latest", variables={"who": "me"})
    assert not ok.is_error and "Draft for me" in text
    bad, text = await call(client, "render_prompt", prompt_id="p_greet", schema_version=2, patch={"messages": []})
    assert bad.is_error and "must not contain messages" in text


async def test_render_v2_appends_request_messages(client: Client) -> None:
    result, text = await call(client, "render_prompt", prompt_id="p_greet", schema_version=2,
                              variables={"name": "x"}, messages=[{"role": "user", "content": "and then?"}],
                              request_params={"temperature": 1.5}, patch={"max_tokens": 9})  # fmt: skip
    assert text.index("Hello X!") < text.index("[user] and then?")
    assert result.structured_content["params"]["temperature"] == 0.2  # the prompt's config wins in v2
    assert result.structured_content["params"]["max_tokens"] == 9


async def test_image_variables_become_parts(client: Client) -> None:
    result, _ = await call(client, "render_prompt", prompt_id="p_vision", variables={
        "picture": {"_type": "image_url", "value": "https://img.test/a.png"}, "focus": "colours"})  # fmt: skip
    parts = result.structured_content["messages"][0]["content"]
    assert parts[1] == {"type": "image_url", "image_url": {"url": "https://img.test/a.png"}}


async def test_chat_completion_with_prompt_echo(client: Client, fake: FakeRespan) -> None:
    result, text = await call(client, "chat_completion",
                              prompt={"prompt_id": "p_child", "echo": True,
                                      "variables": {"customer_name": "Bob", "department": "sales"}})  # fmt: skip
    assert not result.is_error, text
    sent = fake.last("/chat/completions").body
    assert sent["prompt"]["prompt_id"] == "p_child" and "messages" not in sent
    assert "rendered prompt messages:\n[user] Customer Bob (sales)" in text
    assert text.startswith("Echo: Customer Bob (sales)")
    assert result.structured_content["prompt_message"][0]["content"] == "Customer Bob (sales)"


async def test_mcp_prompts_list_and_get(client: Client) -> None:
    listed = await client.list_prompts()
    by_name = {p.name: p for p in listed.prompts}
    assert len(by_name) == 52
    greet = by_name["p_greet"]
    assert greet.title == "Greeting"
    assert {a.name: a.required for a in greet.arguments or []} == {"name": True, "persona": False, "vip": True}
    assert "(v2, newest draft)" in (by_name["p_draft"].description or "") or by_name["p_draft"].arguments
    got = await client.get_prompt("p_greet", {"name": "zed", "vip": ""})
    texts = [m.content.text for m in got.messages]  # type: ignore[union-attr]
    assert texts[0].startswith("[system instructions]") and texts[1] == "Hello Zed!"
    assert [m.role for m in got.messages] == ["user", "user"]


async def test_completions_suggest_ids_and_defaults(client: Client) -> None:
    ids = await client.complete(ResourceTemplateReference(type="ref/resource", uri="respan-prompt://{prompt_id}"),
                                {"name": "prompt_id", "value": "p_g"})  # fmt: skip
    assert "p_greet" in ids.completion.values and all(v.startswith("p_g") for v in ids.completion.values)
    default = await client.complete(PromptReference(type="ref/prompt", name="p_greet"),
                                    {"name": "persona", "value": "a "})  # fmt: skip
    assert default.completion.values == ["a helpful assistant"]


async def test_prompt_resource(client: Client) -> None:
    resource = await client.read_resource("respan-prompt://p_greet")
    assert "Respan prompt p_greet v1" in resource.contents[0].text  # type: ignore[union-attr]


async def test_listing_is_cached_briefly(tmp_path: Any, fake: FakeRespan) -> None:
    server = create_server(make_settings(tmp_path, prompt_cache_ttl=60), transport=fake.transport())
    async with Client(server) as client:
        await client.call_tool("list_prompts", {})
        await client.call_tool("list_prompts", {})
        assert sum(1 for r in fake.requests if "/prompts/list" in r.path) == 1
    server = create_server(make_settings(tmp_path, prompt_cache_ttl=0), transport=fake.transport())
    async with Client(server) as client:
        await client.call_tool("list_prompts", {})
        await client.call_tool("list_prompts", {})
        assert sum(1 for r in fake.requests if "/prompts/list" in r.path) == 3


async def test_mcp_prompt_listing_spares_the_rate_limit(client: Client, fake: FakeRespan) -> None:
    """Management APIs allow 60 requests a minute: one prompts/list must not spend one per prompt."""
    listed = await client.list_prompts()
    assert len(listed.prompts) == 52
    calls = [r.path for r in fake.requests]
    assert sum("/prompts/list" in p for p in calls) == 1
    assert sum("/versions/" in p for p in calls) == 2  # only where the live version is not the embedded one
    drafts = {p.name: p for p in listed.prompts}
    assert [a.name for a in drafts["p_draft"].arguments or []] == ["who"]  # nothing live: the newest draft


async def test_ids_stay_one_path_segment(client: Client) -> None:
    from respan_mcp.paths import api_path

    assert (
        api_path("prompts/{id}/versions/{n}/", id="../request-logs/x", n=2)
        == "prompts/..%2Frequest-logs%2Fx/versions/2/"
    )
    result, text = await call(client, "get_prompt", prompt_id="../request-logs/list")
    assert result.is_error and "404" in text
    log, log_text = await call(client, "get_log", log_id="../../prompts/p_greet")
    assert log.is_error and "404" in log_text


async def test_secrets_in_a_prompt_version_never_reach_a_reader(tmp_path: Any) -> None:
    """Issue 17: a version's `api_key` variable or `credential_override` was shown verbatim everywhere."""
    from tests.fake_respan import _version

    fake = FakeRespan()
    key, override = "sk-proj-LEAKEDleakedLEAKED123456", "sk-ant-api03-OVERRIDEoverride99"
    fake.prompts["p_keys"] = {**fake.prompts["p_draft"], "id": 990, "prompt_id": "p_keys", "name": "Keys"}
    fake.versions["p_keys"] = [_version(
        1, [{"role": "user", "content": "Use {{ api_key }} for {{ who }}. Key in text: sk-proj-INTEMPLATE0123456789"}],
        True, variables={"api_key": key, "who": "ann"},
        credential_override={"openai": {"api_key": override}},
    )]  # fmt: skip
    server = create_server(make_settings(tmp_path), transport=fake.transport())
    secrets = (key, override, "INTEMPLATE")
    async with Client(server) as client:
        seen = []
        for tool, args in (("get_prompt", {"prompt_id": "p_keys"}), ("render_prompt", {"prompt_id": "p_keys"})):
            result, text = await call(client, tool, **args)
            assert not result.is_error, text
            seen += [text, str(result.structured_content)]
        seen.append(str((await client.read_resource("respan-prompt://p_keys")).contents))
        seen.append(str((await client.get_prompt("p_keys", {"who": "bob"})).messages))
        done = await client.complete(
            PromptReference(type="ref/prompt", name="p_keys"), {"name": "api_key", "value": ""}
        )
        seen.append(str(done.completion.values))
    for shown in seen:
        assert not any(secret in shown for secret in secrets), shown
    assert "[redacted]" in seen[0] and "ann" in seen[2]
