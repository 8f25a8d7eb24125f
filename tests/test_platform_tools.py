"""The opt-in toolsets (prompt_authoring, customers, evals) in both protocol eras, against the fake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from respan_mcp.config import ALL_TOOLSETS, TOOLSETS
from respan_mcp.server import create_server
from tests.conftest import call, make_settings, rows, text_of
from tests.fake_respan import FakeRespan

pytestmark = pytest.mark.anyio

NEW_TOOLS = {
    "prompt_authoring": {"create_prompt", "update_prompt", "create_prompt_version", "update_prompt_version",
                         "deploy_prompt_version", "commit_prompt"},
    "customers": {"list_customers", "get_customer", "update_customer_budget", "delete_customer"},
    "gateway_extra": {"list_models", "compare_models", "gateway_request"},
    "evals": {"list_datasets", "get_dataset", "create_dataset", "list_evaluators", "get_evaluator", "run_evaluator",
              "list_experiments", "get_experiment", "create_experiment", "get_experiment_results", "list_workflows",
              "get_workflow", "add_dataset_rows", "create_evaluator", "list_dataset_rows", "get_dataset_row",
              "get_experiment_row", "import_dataset_rows", "evaluate_dataset", "commit_evaluator", "create_workflow",
              "commit_workflow", "validate_workflow", "update_dataset", "update_dataset_row", "remove_dataset_rows",
              "delete_dataset", "update_evaluator", "delete_evaluator", "delete_experiment", "update_workflow",
              "deploy_workflow", "annotate_log"},
}  # fmt: skip
READ_TOOLS = {"list_customers", "get_customer", "list_datasets", "get_dataset", "list_evaluators", "get_evaluator",
              "list_experiments", "get_experiment", "get_experiment_results", "list_workflows", "get_workflow",
              "list_dataset_rows", "get_dataset_row", "get_experiment_row", "list_models"}  # fmt: skip
WRITE_TOOLS = set().union(*NEW_TOOLS.values()) - READ_TOOLS


async def test_opt_in_toolsets_are_listed_only_when_asked(tmp_path: Path, fake: FakeRespan) -> None:
    async with Client(create_server(make_settings(tmp_path), transport=fake.transport())) as client:
        default = {t.name for t in (await client.list_tools()).tools}
    assert not default & set().union(*NEW_TOOLS.values())
    settings = make_settings(tmp_path, toolsets=list(ALL_TOOLSETS), read_only=True)
    async with Client(create_server(settings, transport=fake.transport())) as client:
        read_only = {t.name for t in (await client.list_tools()).tools}
    assert set().union(*NEW_TOOLS.values()) - WRITE_TOOLS <= read_only and not read_only & WRITE_TOOLS
    assert set(TOOLSETS) < set(ALL_TOOLSETS)


def test_opt_in_toolsets_stay_off_the_start_up_path() -> None:
    import subprocess
    import sys

    code = ("import sys; from respan_mcp.config import Settings; from respan_mcp.server import create_server; "
            "create_server(Settings(api_key='x')); "
            "print(sorted(m for m in sys.modules if m.startswith(('respan_mcp.authoring', 'respan_mcp.customers', "
            "'respan_mcp.evals', 'respan_mcp.gateway_extra'))))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


async def test_prompt_authoring_loop(full: Client, fake: FakeRespan) -> None:
    created, text = await call(full, "create_prompt", name="Support triage", description="Route tickets")
    assert not created.is_error, text
    prompt_id = created.structured_content["prompt_id"]
    messages = [
        {"role": "system", "content": "You triage for {{ team }}."},
        {"role": "user", "content": "{{ ticket }}"},
    ]
    v1, text = await call(full, "create_prompt_version", prompt_id=prompt_id, messages=messages, model="gpt-4o-mini",
                          parameters={"temperature": 0.1}, variables='{"team": "billing"}')  # fmt: skip
    assert not v1.is_error and v1.structured_content["version"] == 1 and "render_prompt" in text
    _, text = await call(full, "render_prompt", prompt_id=prompt_id, version=1, variables={"ticket": "refund"})
    assert "You triage for billing." in text and "[user] refund" in text
    preview, text = await call(full, "deploy_prompt_version", prompt_id=prompt_id, version=1)
    assert not preview.is_error and preview.structured_content["deployed"] is False
    assert "nothing (no version is live)" in text and "confirm=true" in text
    assert not any(v["is_deployed"] for v in fake.versions[prompt_id])  # a preview deploys nothing
    done, text = await call(full, "deploy_prompt_version", prompt_id=prompt_id, version=1, confirm=True)
    assert done.structured_content["deployed"] is True and fake.versions[prompt_id][0]["is_deployed"]
    changed = [{"role": "system", "content": "You triage for {{ team }}, politely."}, messages[1]]
    await call(full, "create_prompt_version", prompt_id=prompt_id, messages=changed, model="gpt-4o",
               variables={"team": "support"})  # fmt: skip
    diff, text = await call(full, "deploy_prompt_version", prompt_id=prompt_id, version=2)
    assert "would replace live v1" in text
    assert "+[system] You triage for {{ team }}, politely." in text and "-[system] You triage for {{ team }}." in text
    assert 'model "gpt-4o-mini" -> "gpt-4o"' in text and 'team "billing" -> "support"' in text
    assert "You triage for support, politely." in text  # rendered with the defaults
    assert diff.structured_content["params"]["model"] == {"from": "gpt-4o-mini", "to": "gpt-4o"}
    live, _ = await call(full, "get_prompt", prompt_id=prompt_id)
    assert live.structured_content["selected"]["version"] == 1  # still v1: nothing deployed without confirm


async def test_committed_versions_are_read_only(full: Client, fake: FakeRespan) -> None:
    refused, text = await call(full, "update_prompt_version", prompt_id="p_greet", version=1, model="gpt-4o")
    assert refused.is_error and "committed (read-only)" in text and "create_prompt_version" in text
    fake.versions["p_greet"][0]["readonly"] = False  # v2, the newest, is a draft
    ok, text = await call(full, "update_prompt_version", prompt_id="p_greet", version=2, model="gpt-4o-mini")
    assert not ok.is_error, text
    assert fake.last("/prompts/p_greet/versions/2").body == {"model": "gpt-4o-mini"}


async def test_refused_deploy_says_what_to_do(full: Client, fake: FakeRespan) -> None:
    fake.fail("/prompts/p_greet/versions/2", status=400, method="PATCH",
              body={"detail": "Draft versions cannot be deployed directly."})  # fmt: skip
    result, text = await call(full, "deploy_prompt_version", prompt_id="p_greet", version=2, confirm=True)
    assert result.is_error and "Draft versions cannot be deployed" in text and "commit it first" in text


async def test_customers(full: Client, fake: FakeRespan) -> None:
    page, text = await call(full, "list_customers", limit=5)
    assert not page.is_error, text
    costs = [c["cost_usd"] for c in rows(page.structured_content["customers"])]
    assert costs == sorted(costs, reverse=True) and len(costs) == 5
    assert "filters_data" not in text
    rest, _ = await call(full, "list_customers", cursor=page.structured_content["next_cursor"])
    assert rest.structured_content["page"] == 2 and len(rows(rest.structured_content["customers"])) == 5
    rich, _ = await call(full, "list_customers", min_cost=100)
    assert all(c["cost_usd"] >= 100 for c in rows(rich.structured_content["customers"]))
    one, text = await call(full, "get_customer", customer_identifier="team/blue")
    assert not one.is_error, text
    assert "search_logs(customer_identifier='team/blue'" in text
    assert fake.last("/users/").path.endswith("/users/team%2Fblue/") or "team" in fake.last("/users/").path
    budget, text = await call(full, "update_customer_budget", customer_identifier="acme", period_budget=25,
                              budget_duration="weekly")  # fmt: skip
    assert not budget.is_error and budget.structured_content["period_budget_usd"] == 25.0
    assert fake.platform.customers["acme"]["budget_duration"] == "weekly"
    missing, text = await call(full, "get_customer", customer_identifier="nobody")
    assert missing.is_error and "404" in text


async def test_datasets_from_a_log_search(full: Client, fake: FakeRespan) -> None:
    search, _ = await call(full, "search_logs", since="7d", status="error", limit=5)
    cursor = search.structured_content["next_cursor"]
    created, text = await call(full, "create_dataset", name="Failures", from_search=cursor)
    assert not created.is_error, text
    sent = fake.last("/datasets/").body
    assert sent["initial_log_filters"] == {
        "status": {"operator": "", "value": ["error"]},
        "environment": {"operator": "", "value": ["production"]},
    }
    assert sent["start_time"] == search.structured_content["start_time"]
    dataset_id = created.structured_content["id"]
    assert created.structured_content["rows"] == search.structured_content["count"]
    detail, text = await call(full, "get_dataset", dataset_id=dataset_id, rows=2)
    assert not detail.is_error and detail.structured_content["row_count"] == search.structured_content["count"]
    listed, _ = await call(full, "list_datasets")
    assert dataset_id in {d["id"] for d in rows(listed.structured_content["items"])}
    assert "log_ids" not in str(listed.structured_content)
    await call(full, "create_dataset", name="Blank", empty=True)
    assert fake.last("/datasets/").body == {"name": "Blank", "is_empty": True}
    bad, text = await call(full, "create_dataset", name="Nope", from_search="not-a-cursor")
    assert bad.is_error and "cursor" in text


async def test_evaluators_and_experiments(full: Client, fake: FakeRespan) -> None:
    listed, text = await call(full, "list_evaluators")
    assert {"evl_relevance", "evl_human"} <= {e["id"] for e in rows(listed.structured_content["items"])}
    one, text = await call(full, "get_evaluator", evaluator_id="evl_relevance")
    assert "Rate {{output}}" in text and one.structured_content["score_type"] == "numerical"
    log = fake.logs.logs[-1]
    run, text = await call(full, "run_evaluator", evaluator_id="evl_relevance", log_id=log["unique_id"])
    assert not run.is_error and run.structured_content["score"] is not None, text
    graded = fake.last("/evaluators/evl_relevance/run").body["inputs"]
    assert graded["input"].startswith("[") and "None" not in graded["input"]  # the conversation as text
    assert graded["output"] and not graded["output"].startswith(("{", "[assistant]")), graded  # the answer's text
    human, text = await call(full, "run_evaluator", evaluator_id="evl_human", input="a", output="b")
    assert human.is_error and "Scores API" in text
    exp, text = await call(full, "get_experiment", experiment_id="exp_1")
    assert exp.structured_content["scores"] == [{"evaluator": "relevance", "rows": 3, "average": 4.0, "min": 3.0,
                                                 "max": 5.0}]  # fmt: skip
    results, text = await call(full, "get_experiment_results", experiment_id="exp_1", limit=2)
    assert len(rows(results.structured_content["rows"])) == 2 and results.structured_content["next_cursor"]
    more, _ = await call(full, "get_experiment_results", cursor=results.structured_content["next_cursor"])
    assert len(rows(more.structured_content["rows"])) == 1
    started, text = await call(full, "create_experiment", dataset_id="ds_golden", model="gpt-4o-mini",
                               evaluator_ids=["evl_relevance"], parameters={"temperature": 0})  # fmt: skip
    assert not started.is_error, text
    sent = fake.last("/v2/experiments/").body  # the docs' form: `workflows` and evaluator slugs, never ids
    assert sent["workflows"] == [{"type": "completion", "config": {"model": "gpt-4o-mini", "temperature": 0}}]
    assert sent["evaluator_slugs"] == [fake.platform.evaluators["evl_relevance"]["evaluator_slug"]]
    assert "evaluator_ids" not in sent and "workflow" not in sent
    undeployed, text = await call(full, "create_experiment", dataset_id="ds_golden", prompt_id="p_draft",
                                  evaluator_ids=["evl_relevance"])  # fmt: skip
    assert undeployed.is_error and "not found" in text
    both, text = await call(full, "create_experiment", dataset_id="ds_golden", evaluator_ids=["x"])
    assert both.is_error and "one of them" in text


async def test_every_toolset_over_stdio_and_http(tmp_path: Path, fake: FakeRespan) -> None:
    import os
    import sys

    import httpx2
    from mcp import StdioServerParameters
    from mcp.client.streamable_http import streamable_http_client

    from respan_mcp.http_app import build_http_app, http_settings
    from tests.fake_respan import API_KEY, serve

    backend = serve(fake.app)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESPAN_", "KEYWORDSAI_"))}
    env.update({"RESPAN_API_KEY": API_KEY, "RESPAN_BASE_URL": backend.url, "RESPAN_MCP_TOOLSETS": "all",
                "RESPAN_MCP_CACHE_DIR": str(tmp_path / "cache"), "RESPAN_CREDENTIALS_FILE": str(tmp_path / "n.json")})  # fmt: skip
    settings = http_settings(make_settings(tmp_path, base_url=backend.url, toolsets=list(ALL_TOOLSETS)))
    http = serve(build_http_app(create_server(settings), settings))
    client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)
    try:
        transports = [  # each transport in both protocol eras (the 2025 handshake and 2026-07-28)
            (StdioServerParameters(command=sys.executable, args=["-m", "respan_mcp"], env=env), "legacy"),
            (StdioServerParameters(command=sys.executable, args=["-m", "respan_mcp"], env=env), "auto"),
            (streamable_http_client(http.url + "/mcp", http_client=client), "legacy"),
            (streamable_http_client(http.url + "/mcp", http_client=client), "auto"),
        ]
        for transport, mode in transports:
            async with Client(transport, mode=mode) as mcp:
                names = {t.name for t in (await mcp.list_tools()).tools}
                assert set().union(*NEW_TOOLS.values()) <= names
                created = await mcp.call_tool("create_prompt", {"name": "e2e"})
                prompt_id = created.structured_content["prompt_id"]
                made = {}  # ids of what this pass creates: the fake is shared by both transports
                for tool, args, key in [
                    ("create_dataset", {"name": "e2e", "empty": True}, "id"),
                    ("create_evaluator", {"name": "Tone", "definition": "Is {{output}} polite?"}, "id"),
                    ("create_experiment", {"dataset_id": "ds_golden", "model": "gpt-4o",
                                           "evaluator_ids": ["evl_relevance"]}, "id"),
                    ("create_workflow", {"type": "automations", "name": "e2e", "tasks": [
                        {"id": "t1", "type": "notification", "config": {"message_template": "hi"}}]}, "workflow_id"),
                ]:  # fmt: skip
                    result = await mcp.call_tool(tool, args)
                    assert not result.is_error, (tool, text_of(result))
                    made[tool] = result.structured_content[key]
                dataset, evaluator = made["create_dataset"], made["create_evaluator"]
                workflow = made["create_workflow"]
                calls = [
                    ("update_prompt", {"prompt_id": prompt_id, "description": "e2e"}),
                    ("create_prompt_version", {"prompt_id": prompt_id, "model": "gpt-4o-mini",
                                               "messages": [{"role": "user", "content": "Hi {{ who }}"}]}),
                    ("update_prompt_version", {"prompt_id": prompt_id, "version": 1, "model": "gpt-4o"}),
                    ("deploy_prompt_version", {"prompt_id": prompt_id, "version": 1, "confirm": True}),
                    ("commit_prompt", {"prompt_id": prompt_id, "description": "e2e"}),
                    ("delete_customer", {"customer_identifier": "acme"}),
                    ("create_dataset", {"name": "e2e copy", "copy_of": "ds_golden"}),
                    ("list_models", {"sort_by": "context", "limit": 3}),
                    ("compare_models", {"models": ["gpt-4o", "gpt-4o-mini"],
                                        "messages": [{"role": "user", "content": "hi"}]}),
                    ("gateway_request", {"endpoint": "embeddings",
                                         "body": {"model": "text-embedding-3-small", "input": "hi"}}),
                    ("list_customers", {"limit": 2}), ("get_customer", {"customer_identifier": "acme"}),
                    ("update_customer_budget", {"customer_identifier": "acme", "total_budget": 100}),
                    ("list_datasets", {}), ("get_dataset", {"dataset_id": "ds_golden"}),
                    ("create_dataset", {"name": "e2e", "since": "1d"}), ("list_evaluators", {}),
                    ("get_evaluator", {"evaluator_id": "evl_relevance"}),
                    ("run_evaluator", {"evaluator_id": "evl_relevance", "input": "q", "output": "a"}),
                    ("list_experiments", {}), ("get_experiment", {"experiment_id": "exp_1"}),
                    ("get_experiment_results", {"experiment_id": "exp_1"}),
                    ("list_workflows", {}), ("get_workflow", {"workflow_id": "wf_alert"}),
                    ("add_dataset_rows", {"dataset_id": "ds_golden", "rows": [{"input": "q", "output": "a"}]}),
                    ("list_dataset_rows", {"dataset_id": "ds_golden"}),
                    ("get_dataset_row", {"dataset_id": "ds_golden", "row_id": "row1"}),
                    ("update_dataset_row", {"dataset_id": "ds_golden", "row_id": "row1", "expected_output": "A1"}),
                    ("import_dataset_rows", {"dataset_id": dataset, "since": "1d"}),
                    ("evaluate_dataset", {"dataset_id": "ds_golden", "evaluator_ids": ["evl_relevance"]}),
                    ("update_dataset", {"dataset_id": dataset, "description": "e2e"}),
                    ("update_evaluator", {"evaluator_id": evaluator, "description": "e2e"}),
                    ("commit_evaluator", {"evaluator_id": evaluator}),
                    ("get_experiment_row", {"experiment_id": "exp_1", "row_id": "xl1"}),
                    ("update_workflow", {"workflow_id": workflow, "description": "e2e"}),
                    ("validate_workflow", {"workflow_id": workflow}),
                    ("commit_workflow", {"workflow_id": workflow}),
                    ("deploy_workflow", {"workflow_id": workflow}),
                    ("remove_dataset_rows", {"dataset_id": dataset, "all_rows": True}),
                    ("delete_experiment", {"experiment_id": made["create_experiment"]}),
                    ("delete_evaluator", {"evaluator_id": evaluator}),
                    ("delete_dataset", {"dataset_id": dataset}),
                    ("annotate_log", {"log_id": fake.logs.logs[0]["unique_id"], "pinned": True}),
                ]  # fmt: skip
                covered = {name for name, _ in calls} | {"create_prompt"} | set(made)
                assert covered == set().union(*NEW_TOOLS.values())
                for tool, args in calls:
                    result = await mcp.call_tool(tool, args)
                    assert not result.is_error, (tool, text_of(result))
    finally:
        http.stop()
        backend.stop()


async def test_workflows_read_only(full: Client, fake: FakeRespan) -> None:
    listed, text = await call(full, "list_workflows", type="automations")
    assert [w["id"] for w in rows(listed.structured_content["items"])] == ["wf_alert"]
    assert fake.last("/workflows/list").body == {"filters": {"type": {"operator": "eq", "value": ["automations"]}}}
    one, text = await call(full, "get_workflow", workflow_id="wf_alert")
    assert "t1 [condition]" in text and "-> t2" in text and "t2 [notification]" in text and "(end)" in text
    assert len(one.structured_content["tasks"]) == 2
    missing, text = await call(full, "get_workflow", workflow_id="nope")
    assert missing.is_error and "404" in text


async def test_dataset_rows_and_evaluator_creation(full: Client, fake: FakeRespan) -> None:
    added, text = await call(full, "add_dataset_rows", dataset_id="ds_golden",
                             rows=[{"input": "q1", "output": "a1"}, {"output": "no input"}])  # fmt: skip
    assert added.structured_content["added"] == 1 and added.structured_content["failed"] == 1
    assert "row 1: input is required" in text
    created, text = await call(full, "create_evaluator", name="Helpful", definition="Rate {{ output }} 1-5",
                               min_score=1, max_score=5, passing_score=3)  # fmt: skip
    assert not created.is_error, text
    sent = fake.last("/evaluators/").body
    assert sent["llm_config"] == {"model": "gpt-4o-mini", "evaluator_definition": "Rate {{ output }} 1-5"}
    assert sent["passing_conditions"] == {"primary_score": {"operator": "gte", "value": 3}}
    no_output, text = await call(full, "create_evaluator", name="Bad", definition="Rate the answer")
    assert no_output.is_error and "{{output}}" in text


async def test_a_well_formed_cursor_with_a_bad_query_is_a_clear_error(full: Client) -> None:
    from respan_mcp.cursor import encode_cursor

    odd = encode_cursor("list_customers", {"limit": "many"}, 2)  # e.g. from an older release
    result, text = await call(full, "list_customers", cursor=odd)
    assert result.is_error and "cursor is not one list_customers gave out" in text


async def test_forged_cursors_are_refused(full: Client, fake: Any) -> None:
    """Issue 17: an unkeyed checksum let a forged cursor carry limit 1e6, -5 or "x", raw filters, or no
    dataset id (the request went to /datasets/None/). Forged = signed with another key, or in-key with
    values the arguments would refuse."""
    from respan_mcp import cursor

    own_key = cursor._key()
    cursor.configure_key(b"someone else's key")
    forged = cursor.encode_cursor("list_datasets", {"limit": 5, "filters": None}, 2)
    cursor.configure_key(own_key)
    result, text = await call(full, "list_datasets", cursor=forged)
    assert result.is_error and "cursor is not one list_datasets gave out" in text
    cases = {
        "list_datasets": [{"limit": 1_000_000}, {"limit": -5}, {"limit": "x"}, {"limit": 5, "filters": "raw"},
                          {"limit": 5, "extra": 1}],
        "list_dataset_rows": [{"limit": 5}, {"dataset_id": None, "limit": 5}, {"dataset_id": "..", "limit": 5},
                              {"dataset_id": "ds_1", "limit": 10**6}],
        "list_prompts": [{"limit": 0}, {"query": "x" * 600, "limit": 5}],
        "search_logs": [{"start_time": "a", "end_time": "b", "sort_by": "-id", "limit": 10**6}],
        "list_customers": [{"limit": 101}],
    }  # fmt: skip
    before = len(fake.requests)
    for tool, states in cases.items():
        for state in states:
            result, text = await call(full, tool, cursor=cursor.encode_cursor(tool, state, 2))
            assert result.is_error, (tool, state)
            assert "cursor" in text or "dataset_id" in text, (tool, state, text)
    assert len(fake.requests) == before  # none of them reached Respan


def test_the_cursor_key_is_kept_per_install(tmp_path: Any) -> None:
    from respan_mcp.cursor import install_key

    first = install_key(None, tmp_path / "new" / "cache")  # parents made as needed
    assert install_key(None, tmp_path / "new" / "cache") == first and len(first) == 32
    key_file = tmp_path / "new" / "cache" / "cursor.key"
    assert oct(key_file.stat().st_mode)[-3:] == "600" and key_file.read_text() == first.hex()
    (tmp_path / "existing").mkdir()  # a cache folder that exists already, without a key yet
    assert install_key(None, tmp_path / "existing") == bytes.fromhex((tmp_path / "existing" / "cursor.key").read_text())
    assert install_key("shared by replicas", tmp_path / "cache") == install_key("shared by replicas", tmp_path)


def test_an_edited_cursor_is_refused_even_with_its_digest_kept() -> None:
    import base64
    import json as _json
    import zlib

    from respan_mcp.cursor import decode_cursor, encode_cursor
    from respan_mcp.errors import BadInputError

    good = encode_cursor("list_datasets", {"limit": 5}, 2)
    _, _, digest = good.rpartition(".")
    for state in (
        {"tool": "list_datasets", "page": 2, "query": {"limit": 100}},  # the query edited
        {"tool": "list_datasets", "page": 9, "query": {"limit": 5}},
    ):  # the page edited
        text = _json.dumps(state, separators=(",", ":"), sort_keys=True)
        forged = base64.urlsafe_b64encode(zlib.compress(text.encode())).decode().rstrip("=") + "." + digest
        with pytest.raises(BadInputError):
            decode_cursor("list_datasets", forged)
    assert decode_cursor("list_datasets", good) == ({"limit": 5}, 2)
    for bad_state in ({"limit": 5}, 0), ([1], 2):  # a page below 1, a query that is not an object
        with pytest.raises(BadInputError):
            decode_cursor("list_datasets", encode_cursor("list_datasets", *bad_state))  # type: ignore[arg-type]
