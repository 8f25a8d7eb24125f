"""Logs and traces: filters, windows, rendering, and every tool through the MCP client."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mcp import Client

from respan_mcp.logs.filters import (
    LOG_FIELDS,
    LOG_SORT_FIELDS,
    FilterError,
    normalize_filters,
    sanitize_sort,
    time_window,
)
from respan_mcp.server import create_server
from tests.conftest import make_settings, rows, text_of
from tests.fake_logs import PROVIDER_SECRET
from tests.fake_respan import FakeRespan

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)

# -- pure functions -------------------------------------------------------------------------


def test_relative_and_absolute_windows() -> None:
    assert time_window("2h", None, None, now=NOW) == ("2026-11-21T10:00:00Z", "2026-11-21T12:00:00Z")
    assert time_window("7d", None, None, now=NOW)[0] == "2026-11-14T12:00:00Z"
    assert time_window(None, None, None, now=NOW)[0] == "2026-11-21T11:00:00Z"  # the API's default: 1 hour
    assert time_window(None, "2026-11-20", "2026-11-21T00:00:00Z", now=NOW) == (
        "2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z")  # fmt: skip
    assert time_window("90 min", None, "2026-11-21T10:00:00+02:00", now=NOW)[0] == "2026-11-21T06:30:00Z"


@pytest.mark.parametrize(
    ("since", "start", "end", "message"),
    [("yesterday", None, None, "not a duration"), ("2h", "2026-11-20", None, "not both"),
     (None, "2026-11-22", "2026-11-21", "window is empty"), (None, "21/11/2026", None, "not an ISO"),
     ("0h", None, None, "longer than zero"), ("900d", None, None, "at most 365 days")],
)  # fmt: skip
def test_bad_windows_say_what_to_do(since: Any, start: Any, end: Any, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        time_window(since, start, end, now=NOW)


@given(st.one_of(st.none(), st.text(max_size=20)), st.one_of(st.none(), st.text(max_size=30)),
       st.one_of(st.none(), st.text(max_size=30)))  # fmt: skip
def test_no_window_input_crashes(since: Any, start: Any, end: Any) -> None:
    try:
        first, last = time_window(since, start, end, now=NOW)
    except FilterError:
        return
    assert first < last


def test_filters_translate_validate_and_alias() -> None:
    out = normalize_filters([
        {"field": "model", "value": "gpt-4o"},
        {"field": "latency", "operator": ">", "value": 5},
        {"field": "metadata__feature", "operator": "in", "value": ["checkout", "search"]},
        {"field": "customer_identifier", "operator": "contains", "value": "acm"},
    ], LOG_FIELDS)  # fmt: skip
    assert out == {
        "model": {"operator": "", "value": ["gpt-4o"]},
        "latency": {"operator": "gt", "value": [5]},
        "metadata__feature": {"operator": "in", "value": ["checkout", "search"]},
        "customer_identifier": {"operator": "icontains", "value": ["acm"]},  # contains 500s on this field
    }
    with pytest.raises(FilterError, match="valid fields: customer_identifier"):
        normalize_filters([{"field": "user", "value": "x"}], LOG_FIELDS)
    with pytest.raises(FilterError, match="valid operators"):
        normalize_filters([{"field": "cost", "operator": "between", "value": [1, 2]}], LOG_FIELDS)
    with pytest.raises(FilterError, match="isnull"):
        normalize_filters([{"field": "prompt_id", "operator": "isnull", "value": "yes"}], LOG_FIELDS)


@pytest.mark.parametrize(("given_", "expected"), [('"-id"', "-id"), ("'cost'", "cost"), (" -latency ", "-latency"),
                                                  (None, "-id"), ("`all_tokens`", "all_tokens")])  # fmt: skip
def test_sort_is_sanitised(given_: Any, expected: str) -> None:
    assert sanitize_sort(given_, LOG_SORT_FIELDS, "-id") == expected


def test_unknown_sort_lists_the_valid_ones() -> None:
    with pytest.raises(FilterError, match="sort by one of id, timestamp, cost"):
        sanitize_sort("created", LOG_SORT_FIELDS, "-id")
    assert sanitize_sort("-timestamp", LOG_SORT_FIELDS, "-id") == "-timestamp"  # valid on the real API


# -- tools through MCP ------------------------------------------------------------------------


async def call(client: Client, tool: str, **args: Any) -> tuple[Any, str]:
    result = await client.call_tool(tool, args)
    return result, text_of(result)


@pytest.mark.anyio
async def test_search_logs_table_and_next_call(client: Client, fake: FakeRespan) -> None:
    result, text = await call(client, "search_logs", since="7d", model="gpt-4o", status="error", limit=5)
    assert not result.is_error, text
    lines = text.splitlines()
    assert re.match(r"Logs \S+Z → \S+Z, model=gpt-4o · status=error: \d+ match; 1-5, sorted by -id:", lines[0])
    assert lines[1] == "time | id | model | status | latency | cost | tokens | customer | error"
    assert all(" | gpt-4o | error " in line for line in lines[2:7])
    assert 'Next page: search_logs(cursor="' in text
    assert "filters_data" not in text and "{\n" not in text
    sent = fake.last("/request-logs/list")
    assert sent.body == {"filters": {"model": {"operator": "", "value": ["gpt-4o"]},
                                     "status": {"operator": "", "value": ["error"]}}, "operator": "AND"}  # fmt: skip
    assert sent.query["is_test"] == "false" and sent.query["environment"] == "prod" and "include_fields" in sent.query
    assert len(rows(result.structured_content["logs"])) == 5


@pytest.mark.anyio
async def test_pagination_to_the_end_and_back(client: Client) -> None:
    first, _text = await call(client, "search_logs", since="7d", customer_identifier="acme",
                             metadata={"feature": "checkout"}, limit=50)  # fmt: skip
    count = first.structured_content["count"]
    assert count > 50
    seen: list[str] = [row["id"] for row in rows(first.structured_content["logs"])]
    cursor = first.structured_content["next_cursor"]
    while cursor:  # the cursor alone carries window, filters, sort and page size
        page, text = await call(client, "search_logs", cursor=cursor)
        assert "customer_identifier=acme · metadata__feature=checkout" in text
        seen += [row["id"] for row in rows(page.structured_content["logs"])]
        cursor = page.structured_content.get("next_cursor")
    assert len(seen) == count == len(set(seen))


@pytest.mark.anyio
async def test_cursor_from_another_tool_or_tampered_is_refused(client: Client) -> None:
    first, _ = await call(client, "search_logs", since="7d", limit=5)
    cursor = first.structured_content["next_cursor"]
    traces, _ = await call(client, "list_traces", since="7d", limit=2)
    for bad in (traces.structured_content["next_cursor"], cursor[:-1] + ("0" if cursor[-1] != "0" else "1"), "2"):
        result, text = await call(client, "search_logs", cursor=bad)
        assert result.is_error and "cursor is not one search_logs gave out" in text
    again, text = await call(client, "search_logs", cursor=cursor, model="gpt-4o")
    assert not again.is_error and "ignored model" in text


@pytest.mark.anyio
async def test_search_logs_rejects_bad_arguments_helpfully(client: Client, fake: FakeRespan) -> None:
    bad, text = await call(client, "search_logs", filters=[{"field": "usr", "value": "x"}])
    assert bad.is_error and "valid fields" in text
    bad, text = await call(client, "search_logs", sort_by="created")
    assert bad.is_error and "sort by one of" in text
    ok, _ = await call(client, "search_logs", since="7d", sort_by='"-cost"', limit=3)
    assert not ok.is_error and fake.last("/request-logs/list").query["sort_by"] == "-cost"
    costs = [r["cost_usd"] for r in rows(ok.structured_content["logs"])]
    assert costs == sorted(costs, reverse=True)


@pytest.mark.anyio
async def test_search_logs_extra_fields_and_empty_window(client: Client) -> None:
    _, text = await call(client, "search_logs", since="7d", fields=["thread_identifier", "metadata"], limit=3)
    assert "| thread_identifier | metadata" in text.splitlines()[1]
    _, empty = await call(client, "search_logs", customer_identifier="nobody")
    assert "none match" in empty and "since='7d'" in empty


@pytest.mark.anyio
async def test_get_log_renders_conversation_and_redacts(client: Client, fake: FakeRespan) -> None:
    log_id = fake.logs.logs[-1]["unique_id"]
    result, text = await call(client, "get_log", log_id=log_id, max_chars=100)
    assert not result.is_error
    assert text.startswith(f"Log {log_id} at ")
    assert "⟦quoted input⟧\n[system] Be brief.\n[user] Question" in text
    assert "⟦quoted output⟧\n[assistant]" in text or "ERROR:" in text
    assert PROVIDER_SECRET not in text
    missing, text = await call(client, "get_log", log_id="nope")
    assert missing.is_error and "404" in text


@pytest.mark.anyio
async def test_summarize_logs_totals_error_rate_breakdown(client: Client, fake: FakeRespan) -> None:
    result, text = await call(client, "summarize_logs", since="7d", group_by="model", sample_size=200)
    assert not result.is_error, text
    assert re.search(r"\d[\d,]* requests", text) and "error rate " in text and "% (" in text
    assert "By model (from a sample of the newest 200 of" in text
    assert "gpt-4o-mini" in text
    summary = result.structured_content["summary"]
    production = [log for log in fake.logs.logs if log["environment"] == "production"]
    assert summary["number_of_requests"] <= len(production)
    assert result.structured_content.get("errors") is not None
    _, all_of_them = await call(client, "summarize_logs", since="1h", group_by="status")
    assert "By status (from all " in all_of_them


@pytest.mark.anyio
async def test_create_log_both_paths(client: Client, fake: FakeRespan) -> None:
    messages = [{"role": "user", "content": "hi"}]
    result, text = await call(client, "create_log", model="gpt-4o", input=messages,
                              output={"role": "assistant", "content": "hello"}, prompt_tokens=3,
                              completion_tokens=2, latency=0.4, customer_identifier="acme")  # fmt: skip
    assert not result.is_error and text.startswith("Logged gpt-4o call as ")
    sent = fake.last("/request-logs/")
    assert sent.body["usage"] == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    fake.legacy_log_create = True
    result, text = await call(client, "create_log", model="gpt-4o", input=messages, latency=1.5)
    assert not result.is_error and "log successful" in text
    legacy = fake.last("/request-logs/create/").body
    assert legacy["prompt_messages"] == messages and legacy["generation_time"] == 1.5 and "input" not in legacy


@pytest.mark.anyio
async def test_read_only_mode_has_no_create_log(tmp_path: Any, fake: FakeRespan) -> None:
    server = create_server(make_settings(tmp_path, read_only=True), transport=fake.transport())
    async with Client(server) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert "create_log" not in names and "chat_completion" not in names and "search_logs" in names


@pytest.mark.anyio
async def test_traces_list_and_tree(client: Client, fake: FakeRespan) -> None:
    result, text = await call(client, "list_traces", since="7d", limit=5, sort_by="-total_cost")
    assert not result.is_error, text
    assert text.splitlines()[1] == "start | trace | name | spans | llm | duration | cost | tokens | errors | customer"
    top = rows(result.structured_content["traces"])[0]
    trace_id = top["trace_id"]
    assert isinstance(top["cost_usd"], float) and top["start_time"].endswith("Z")
    tree, tree_text = await call(client, "get_trace", trace_id=trace_id)
    assert f"Trace {trace_id}" in tree_text and ("└─ " in tree_text or "├─ " in tree_text)
    assert "[workflow]" in tree_text and "[chat]" in tree_text
    # Each span names its log, and get_log opens it directly.
    span = next(s for s in rows(tree.structured_content["spans"]) if s["log_type"] == "chat")
    assert f"log {span['log_id']}" in tree_text
    opened, log_text = await call(client, "get_log", log_id=span["log_id"])
    assert not opened.is_error and trace_id in log_text
    errors, _err_text = await call(client, "list_traces", since="7d", with_errors=True)
    assert all(r["errors"] > 0 for r in rows(errors.structured_content["traces"]))
    big = fake.logs.add_big_trace(400)
    _, big_text = await call(client, "get_trace", trace_id=big, max_spans=20)
    assert "[380 more spans not shown; call get_trace(trace_id='trace-big', max_spans=400)]" in big_text


@pytest.mark.anyio
async def test_quoted_sort_would_crash_the_backend(fake: FakeRespan) -> None:
    """The fake reproduces the 500; the tool above never sends quotes."""
    import httpx

    from tests.fake_respan import API_KEY

    async with httpx.AsyncClient(transport=fake.transport(), base_url="http://fake") as http:
        response = await http.post("/api/request-logs/list/?sort_by=%22-id%22", json={},
                                   headers={"Authorization": f"Bearer {API_KEY}"})  # fmt: skip
    assert response.status_code == 500


@pytest.mark.anyio
async def test_results_stay_within_the_budget(tmp_path: Any, fake: FakeRespan) -> None:
    server = create_server(make_settings(tmp_path, max_result_tokens=500), transport=fake.transport())
    async with Client(server) as client:
        _, text = await call(client, "search_logs", since="7d", limit=100, fields=["metadata"])
    assert len(text) <= 500 * 4 and "[truncated: showed" in text
