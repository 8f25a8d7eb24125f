"""The opt-in toolsets as the real API does them: one test per row of `respan-api-more.md`'s "Corrections,
round 3" (issue 19), against the strict fake (unknown fields are a 400, a wrong method a 405, an unknown path a
404), and every opt-in tool fed answers whose optional fields are null or missing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from mcp import Client

from respan_mcp.config import ALL_TOOLSETS
from respan_mcp.server import create_server
from tests.conftest import call, make_settings, text_of
from tests.fake_respan import FakeRespan
from tests.model_reads import calls

pytestmark = pytest.mark.anyio


def sent(fake: FakeRespan, method: str, path: str) -> list[Any]:
    return [r.body for r in fake.requests if r.method == method and r.path.rstrip("/").endswith(path)]


async def test_customer_detail_with_null_period_and_no_yearly_budget(full: Client, fake: FakeRespan) -> None:
    customer = next(iter(fake.platform.customers.values()))
    customer.update({"period_end": None, "period_start": "2026-11-01T00:00:00Z", "total_period_usage": None})
    who = customer["customer_identifier"]
    shown, text = await call(full, "get_customer", customer_identifier=who)
    assert not shown.is_error, text
    saved, text = await call(full, "update_customer_budget", customer_identifier=who, period_budget=5.0,
                             budget_duration="monthly")  # fmt: skip
    assert not saved.is_error, text
    yearly, text = await call(full, "update_customer_budget", customer_identifier=who, period_budget=5.0,
                              budget_duration="yearly")  # fmt: skip
    assert yearly.is_error and "budget_duration" in text


async def test_list_evaluators_is_a_get_with_query_filters(full: Client, fake: FakeRespan) -> None:
    listed, text = await call(full, "list_evaluators")
    assert not listed.is_error and "evl_relevance" in text
    last = fake.last("/evaluators")
    assert last.method == "GET" and last.path.rstrip("/") == "/api/evaluators"


async def test_the_other_form_once_when_the_first_is_refused_and_it_is_remembered(tmp_path: Any) -> None:
    from respan_mcp.evals import api
    from respan_mcp.respan import RespanClient

    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.method == "GET":
            return httpx.Response(405, json={"detail": 'Method "GET" not allowed.'})
        return httpx.Response(200, json={"count": 1, "results": [{"id": "evl_1"}]})

    api._WORKED.pop("list_evaluators", None)
    client = RespanClient(make_settings(tmp_path), transport=httpx.MockTransport(answer))
    assert (await api.list_page(client, "evaluators", 1, 5, "list_evaluators"))[1] == 1
    assert (await api.list_page(client, "evaluators", 1, 5, "list_evaluators"))[1] == 1
    assert seen == ["GET /api/evaluators/", "POST /api/evaluators/list/", "POST /api/evaluators/list/"]
    api._WORKED.pop("list_evaluators", None)


async def test_run_evaluator_reads_the_documented_answer(full: Client) -> None:
    run, text = await call(full, "run_evaluator", evaluator_id="evl_relevance", input="q", output="an answer")
    assert not run.is_error, text
    assert run.structured_content["score"] is not None and "score -" not in text
    assert isinstance(run.structured_content["passed"], bool) and "Reasoning: Scored" in text


async def test_scoring_a_dataset_sends_slugs(full: Client, fake: FakeRespan) -> None:
    started, text = await call(full, "evaluate_dataset", dataset_id="ds_golden", evaluator_ids=["evl_relevance"])
    assert not started.is_error, text
    assert sent(fake, "POST", "/eval-reports/create")[-1] == {"evaluator_slugs": ["relevance"]}


async def test_import_and_remove_use_the_documented_paths(full: Client, fake: FakeRespan) -> None:
    imported, text = await call(full, "import_dataset_rows", dataset_id="ds_golden", since="7d")
    assert not imported.is_error, text
    assert sent(fake, "POST", "/datasets/ds_golden/logs/bulk")[-1]["start_time"]
    removed, text = await call(full, "remove_dataset_rows", dataset_id="ds_golden", all_rows=True)
    assert not removed.is_error, text
    assert sent(fake, "DELETE", "/datasets/ds_golden/logs/delete")[-1] == {"is_deleting_all_logs": True}
    assert not fake.platform.dataset_rows["ds_golden"]


async def test_experiments_by_pipeline_send_evaluator_workflow_ids(full: Client, fake: FakeRespan) -> None:
    started, text = await call(full, "create_experiment", dataset_id="ds_golden", model="gpt-4o-mini",
                               pipeline_ids=["wf_pipe"])  # fmt: skip
    assert not started.is_error, text
    body = fake.last("/v2/experiments").body
    assert body["evaluator_workflow_ids"] == ["wf_pipe"] and body["workflow"]
    assert "evaluator_ids" not in body and "evaluator_slugs" not in body


async def test_pipeline_scores_are_read_from_task_metrics_even_when_a_list_cuts_them(
    full: Client, fake: FakeRespan
) -> None:
    def scored(score: float) -> dict[str, Any]:
        output = {"workflow_type": "eval", "output": {"primary_score": score, "evaluator_id": "evl_relevance",
                                                      "evaluator_name": "Relevance"}}  # fmt: skip
        return {"pipeline.eval.task": {"output": json.dumps(output)}}

    for row, score in zip(fake.platform.experiment_rows["exp_1"], (2.0, 4.0, 5.0), strict=False):
        row["scores"] = {}
        row["task_metrics"] = scored(score)
    shown, text = await call(full, "get_experiment", experiment_id="exp_1")
    assert not shown.is_error, text
    [relevance] = shown.structured_content["scores"]
    assert relevance == {"evaluator": "Relevance", "rows": 3, "average": pytest.approx(11 / 3, abs=1e-3),
                         "min": 2.0, "max": 5.0}  # fmt: skip
    assert "none yet" not in text and "min 2, max 5" in text


async def test_prompt_versions_take_the_documented_parameters_only(full: Client, fake: FakeRespan) -> None:
    before = len(fake.requests)
    refused, text = await call(full, "create_prompt_version", prompt_id="p_greet", model="gpt-4o",
                               messages=[{"role": "user", "content": "hi"}], parameters={"stop": ["\n"], "n": 2})  # fmt: skip
    assert refused.is_error and "does not take n, stop" in text and len(fake.requests) == before
    made, text = await call(full, "create_prompt_version", prompt_id="p_greet", model="gpt-4o",
                            messages=[{"role": "user", "content": "hi"}], parameters={"seed": 7, "top_p": 0.9})  # fmt: skip
    assert not made.is_error, text


async def test_a_misspelled_field_fails_against_the_strict_fake(tmp_path: Any) -> None:
    """Issue 23: `total_budgets` for `total_budget` left the suite green; the fake now refuses it."""
    fake = FakeRespan()
    async with httpx.AsyncClient(transport=fake.transport(), base_url="http://fake") as http:
        headers = {"Authorization": "Bearer rsp-test-key-0123456789"}
        for method, path, params, body in (
            ("PATCH", "/api/users/acme/", {}, {"total_budgets": 5}),
            ("POST", "/api/chat/completions", {}, {"model": "gpt-4o", "messages": [], "bogus_field": 1}),
            ("POST", "/api/request-logs/summary/", {}, {"filters": {}, "bogus_field": 1}),
            ("GET", "/api/prompts/", {"bogus": "1"}, None),
        ):
            answer = await http.request(method, path, params=params, json=body, headers=headers)
            assert (answer.status_code == 400 and "bogus" in answer.text) or "total_budgets" in answer.text, path
        wrong_method = await http.request("POST", "/api/evaluators/list/", json={"filters": {}}, headers=headers)
        assert wrong_method.status_code == 405
        unknown_path = await http.request("POST", "/api/datasets/ds_golden/logs/import/", json={}, headers=headers)
        assert unknown_path.status_code in (404, 405)


def _nulled(value: Any) -> Any:
    return _rewrite(value, drop=False)


def _dropped(value: Any) -> Any:
    return _rewrite(value, drop=True)


KEPT = {"id", "unique_id", "results", "count", "next", "previous", "customer_identifier", "prompt_id", "version",
        "dataset_id", "evaluator_slug", "workflow_id", "trace_unique_id"}  # fmt: skip


def _rewrite(value: Any, drop: bool) -> Any:
    """Every field an answer may leave out, null (or absent); ids and the list envelope kept."""
    if isinstance(value, list):
        return [_rewrite(v, drop) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in KEPT:
            out[key] = _rewrite(item, drop)
        elif not drop:
            out[key] = None
    return out


@pytest.mark.parametrize("rewrite", [_nulled, _dropped], ids=["null", "absent"])
async def test_every_opt_in_tool_reads_answers_with_fields_null_or_missing(tmp_path: Any, rewrite: Any) -> None:
    fake = FakeRespan()
    server = create_server(make_settings(tmp_path, toolsets=list(ALL_TOOLSETS)), transport=fake.transport())
    async with Client(server) as client:
        planned = await calls(client, fake)
        fake.answer_hook = rewrite
        for tool, args in planned:
            result = await client.call_tool(tool, args)
            text = text_of(result)
            assert "did not expect" not in text, (tool, text)
            assert text.strip(), tool


async def test_official_tools_now_covered(full: Client, fake: FakeRespan) -> None:
    """Prompt commit, duplicating a dataset, deleting a customer (with a preview first)."""
    await call(full, "create_prompt_version", prompt_id="p_greet", model="gpt-4o",
               messages=[{"role": "user", "content": "a draft"}])  # fmt: skip
    committed, text = await call(full, "commit_prompt", prompt_id="p_greet", description="freeze")
    assert not committed.is_error, text
    assert committed.structured_content["readonly"] is True and "deploy_prompt_version(" in text
    assert fake.last("/prompts/p_greet/commits").body == {"description": "freeze"}
    copied, text = await call(full, "create_dataset", name="Golden copy", copy_of="ds_golden")
    assert not copied.is_error, text
    assert fake.last("/datasets").body == {"name": "Golden copy", "source_dataset_id": "ds_golden"}
    assert len(fake.platform.dataset_rows[copied.structured_content["id"]]) == 3
    who = next(iter(fake.platform.customers))
    preview, text = await call(full, "delete_customer", customer_identifier=who)
    assert not preview.is_error and "Nothing deleted yet" in text and who in fake.platform.customers
    done, text = await call(full, "delete_customer", customer_identifier=who, confirm=True)
    assert not done.is_error and done.structured_content["deleted"] and who not in fake.platform.customers
