"""Rough edges real clients hit (issue 18): whatever is listed can be read, the spec's error codes, tool
names that do not clash, instructions that say what is on, streaming that shows as streaming."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from respan_mcp.config import ALL_TOOLSETS
from respan_mcp.server import create_server
from tests.conftest import make_settings, text_of
from tests.fake_respan import FakeRespan

pytestmark = pytest.mark.anyio


async def test_a_prompt_with_no_version_is_readable_and_not_offered_as_an_mcp_prompt(
    tmp_path: Any, fake: FakeRespan
) -> None:
    server = create_server(make_settings(tmp_path, toolsets=list(ALL_TOOLSETS)), transport=fake.transport())
    async with Client(server) as client:
        created = await client.call_tool("create_prompt", {"name": "Empty for now"})
        prompt_id = created.structured_content["prompt_id"]
        uri = f"respan-prompt://{prompt_id}"
        for resource in (await client.list_resources()).resources:  # LangChain's "load all resources" reads each
            if str(resource.uri).startswith("respan-prompt://"):
                read = await client.read_resource(resource.uri)
                assert read.contents
        note = (await client.read_resource(uri)).contents[0].text  # type: ignore[union-attr]
        assert "has no versions yet" in note and "create_prompt_version" in note
        names = [p.name for p in (await client.list_prompts()).prompts]
        assert prompt_id not in names and "p_greet" in names


async def test_reading_a_uri_nothing_serves_is_resource_not_found(client: Client) -> None:
    """-32002 up to spec 2025-11-25 (the SDK answered -32602 there); -32602 from 2026-07-28 (SEP-2164)."""
    with pytest.raises(MCPError) as caught:
        await client.read_resource("nothing://here")
    expected = -32602 if client.protocol_version >= "2026-07-28" else -32002
    assert caught.value.error.code == expected and caught.value.error.data == {"uri": "nothing://here"}


async def test_a_tool_prefix_renames_every_tool_and_the_calls_results_suggest(tmp_path: Any, fake: FakeRespan) -> None:
    server = create_server(make_settings(tmp_path, tool_prefix="respan_"), transport=fake.transport())
    async with Client(server) as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert names and all(name.startswith("respan_") for name in names)
        assert "respan_search_logs" in names and "search_logs" not in names
        page = await client.call_tool("respan_search_logs", {"since": "7d", "limit": 2})
        text = text_of(page)
        assert "respan_search_logs(cursor=" in text and "respan_get_log(" in text
        assert " search_logs(" not in text
        assert any("respan_get_log(" in step for step in page.structured_content["next"])
        old = await client.call_tool("search_logs", {})
        assert old.is_error
        assert "respan_search_docs" in (client.instructions or "")


async def test_instructions_say_which_toolsets_are_on_and_how_to_add_the_others(tmp_path: Any) -> None:
    server = create_server(make_settings(tmp_path, toolsets=["logs", "customers"]))
    async with Client(server) as client:
        said = client.instructions or ""
    assert "Also on: customers" in said
    assert "RESPAN_MCP_TOOLSETS" in said and "evals (datasets" in said and "prompt_authoring" in said


async def test_a_fast_stream_shows_progress_at_once_and_at_the_end(tmp_path: Any, fake: FakeRespan) -> None:
    server = create_server(make_settings(tmp_path, toolsets=["gateway"]), transport=fake.transport())
    seen: list[str] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        seen.append(message or "")

    async with Client(server) as client:
        result = await client.call_tool(
            "chat_completion",
            {"messages": [{"role": "user", "content": "a fast answer of several words"}], "model": "gpt-4o-mini"},
            progress_callback=on_progress,
        )
    assert not result.is_error
    assert len(seen) >= 2 and seen[-1] == text_of(result).split("\n\n")[0]
