"""The structured result is a complete answer on its own (issue 18): Claude Code gives its model the
structuredContent, not the text, so it must carry the same next steps and stay within the same budget."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from mcp import Client

from respan_mcp.config import ALL_TOOLSETS
from respan_mcp.logs.tools import TABLE_FIELDS
from respan_mcp.server import create_server
from tests.conftest import make_settings, text_of
from tests.docs_site_server import SITE
from tests.fake_respan import API_KEY, FakeRespan
from tests.model_reads import calls, measure

pytestmark = pytest.mark.anyio
CALL = re.compile(r"\b[a-z]+(?:_[a-z]+)+\(")


async def _every_tool(tmp_path: Any, **overrides: Any) -> list[tuple[str, Any]]:
    fake = FakeRespan()
    settings = make_settings(tmp_path, toolsets=list(ALL_TOOLSETS), docs_source=str(SITE), **overrides)
    results = []
    async with Client(create_server(settings, transport=fake.transport())) as client:
        for tool, args in await calls(client, fake):
            results.append((tool, await client.call_tool(tool, args)))
    return results


async def test_every_structured_result_stands_alone_within_the_text_budget(tmp_path: Any) -> None:
    results = await _every_tool(tmp_path)
    assert len(results) >= 28
    for tool, result in results:
        assert not result.is_error, (tool, text_of(result))
        text_chars, structured_chars = measure(result)
        if result.structured_content is None:
            continue
        assert structured_chars <= 10_000 * 4, tool  # the default budget, as the text's
        assert structured_chars <= max(2.5 * text_chars, 700), (tool, text_chars, structured_chars)
        if CALL.search(text_of(result)):  # the text suggests a call: so does the structured result
            assert result.structured_content.get("next"), tool


async def test_a_small_budget_bounds_the_structured_result_too(tmp_path: Any) -> None:
    """Issue 17: a 5 MB value from the backend came back whole in structuredContent while the text was cut."""
    for tool, result in await _every_tool(tmp_path, max_result_tokens=500):
        _, structured_chars = measure(result)
        assert structured_chars <= 2_000, (tool, structured_chars)
        if result.structured_content and structured_chars and len(text_of(result)) >= 1_950:
            assert "cut" in result.structured_content.get("note", ""), tool


async def test_a_huge_backend_value_is_cut_in_both_forms(tmp_path: Any, fake: FakeRespan) -> None:
    fake.logs.logs[-1]["error_message"] = "x" * 5_000_000
    fake.logs.logs[-1]["model"] = "m" * 2_000_000
    server = create_server(make_settings(tmp_path), transport=fake.transport())
    async with Client(server) as client:
        result = await client.call_tool("search_logs", {"since": "7d", "limit": 50})
    text_chars, structured_chars = measure(result)
    assert text_chars <= 40_000 and structured_chars <= 40_000
    assert "cut to fit" in result.structured_content["note"]
    assert result.structured_content["next_cursor"]  # what gets the rest is never cut


async def test_next_steps_survive_in_the_structured_form(tmp_path: Any, fake: FakeRespan) -> None:
    server = create_server(make_settings(tmp_path, toolsets=list(ALL_TOOLSETS)), transport=fake.transport())
    async with Client(server) as client:
        created = await client.call_tool("create_prompt", {"name": "Fresh"})
        assert any("create_prompt_version(" in step for step in created.structured_content["next"])
        preview = await client.call_tool("deploy_prompt_version", {"prompt_id": "p_greet", "version": 2})
        data = preview.structured_content
        assert data["deployed"] is False and any("confirm=true" in step for step in data["next"])
        assert any(line.startswith("+Hi") for line in data["rendered_diff"])  # what a default request would send
        page = await client.call_tool("search_logs", {"since": "7d", "limit": 5})
        assert 'search_logs(cursor="<next_cursor>")' in " ".join(page.structured_content["next"])


async def test_search_logs_as_claude_code_reads_it_is_a_third_of_the_official_page(tmp_path: Any) -> None:
    """Issue 18's target: at most 0.35x the official server's JSON (indent 2) for the same 20 logs."""
    fake = FakeRespan()
    server = create_server(make_settings(tmp_path, toolsets=["logs"]), transport=fake.transport())
    async with Client(server) as client:
        result = await client.call_tool("search_logs", {"since": "7d", "limit": 20})
    window = result.structured_content
    query = {"start_time": window["start_time"], "end_time": window["end_time"], "page": 1, "page_size": 20,
             "sort_by": "-id", "is_test": "false", "include_fields": ",".join(TABLE_FIELDS)}  # fmt: skip
    async with httpx.AsyncClient(transport=fake.transport(), base_url="http://fake") as http:
        page = (await http.post("/api/request-logs/list/", params=query, json={"filters": {}, "operator": "AND"},
                                headers={"Authorization": f"Bearer {API_KEY}"})).json()  # fmt: skip
    page.pop("filters_data", None)
    official = len(json.dumps(page, indent=2))
    _, structured_chars = measure(result)
    assert structured_chars <= 0.35 * official, structured_chars / official
