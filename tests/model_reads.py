"""What each client's model reads from a tool result, for every tool (issue 18).

Clients differ: Claude Code hands its model the structuredContent as JSON whenever a result has it;
Gemini CLI hands it the text; SDK-based clients (OpenAI Agents, LangChain) hand over either. So each
result is measured twice: its text, and its structured content as compact JSON. `CALLS` is one
realistic call per tool against the fake Respan (ids it knows), used by the benchmark
(tests/benchmarks/model_reads.py) and by the budget tests (tests/test_model_reads.py).
"""

from __future__ import annotations

import json
from typing import Any

from mcp import Client

from respan_mcp.output import table_records

USER = [{"role": "user", "content": "Say hello in five words."}]


async def calls(client: Client, fake: Any) -> list[tuple[str, dict[str, Any]]]:
    """One call per tool, with ids looked up from the fake (logs and traces are made fresh each run)."""
    log_id = fake.logs.logs[-1]["unique_id"]
    traces = await client.call_tool("list_traces", {"since": "7d", "limit": 1})
    trace_id = table_records((traces.structured_content or {})["traces"])[0]["trace_id"]
    return [
        ("chat_completion", {"messages": USER, "model": "gpt-4o-mini"}),
        ("list_prompts", {}),
        ("get_prompt", {"prompt_id": "p_greet"}),
        ("render_prompt", {"prompt_id": "p_greet", "variables": {"name": "ann"}}),
        ("search_logs", {"since": "7d", "limit": 20}),
        ("get_log", {"log_id": log_id}),
        ("summarize_logs", {"since": "7d", "group_by": "model"}),
        ("list_traces", {"since": "7d", "limit": 20}),
        ("get_trace", {"trace_id": trace_id}),
        ("create_log", {"model": "gpt-4o", "input": "hi", "output": "hello"}),
        ("search_docs", {"query": "fallback models when a provider fails"}),
        ("read_doc", {"url_or_path": "gateway/fallbacks"}),
        ("create_prompt", {"name": "Measured"}),
        ("create_prompt_version", {"prompt_id": "p_greet", "messages": USER, "model": "gpt-4o"}),
        ("deploy_prompt_version", {"prompt_id": "p_greet", "version": 2}),
        ("list_customers", {"limit": 20}),
        ("get_customer", {"customer_identifier": "acme"}),
        ("list_datasets", {}),
        ("get_dataset", {"dataset_id": "ds_golden"}),
        ("list_dataset_rows", {"dataset_id": "ds_golden"}),
        ("get_dataset_row", {"dataset_id": "ds_golden", "row_id": "row1"}),
        ("list_evaluators", {}),
        ("get_evaluator", {"evaluator_id": "evl_relevance"}),
        ("list_experiments", {}),
        ("get_experiment", {"experiment_id": "exp_1"}),
        ("get_experiment_results", {"experiment_id": "exp_1"}),
        ("list_workflows", {}),
        ("get_workflow", {"workflow_id": "wf_alert"}),
    ]


def measure(result: Any) -> tuple[int, int]:
    """(characters of text, characters of structured JSON) of one tool result."""
    text = "\n".join(getattr(c, "text", "") for c in result.content)
    structured = result.structured_content
    as_json = json.dumps(structured, ensure_ascii=False, separators=(",", ":")) if structured is not None else ""
    return len(text), len(as_json)
