"""The rest of the evals surface and prompt renames, in both protocol eras, against the fake: dataset rows,
imports, edits and deletes; evaluator kinds, drafts, commits and versions; experiment rows and deletes;
workflow writes, pipelines, commits, deployments and test runs."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from tests.conftest import call, rows
from tests.fake_respan import FakeRespan

pytestmark = pytest.mark.anyio


def sent(fake: FakeRespan, method: str, path: str) -> list[Any]:
    return [r.body for r in fake.requests if r.method == method and path in r.path]


async def test_dataset_rows_page_read_and_edit(full: Client, fake: FakeRespan) -> None:
    first, text = await call(full, "list_dataset_rows", dataset_id="ds_golden", limit=2)
    assert [r["id"] for r in rows(first.structured_content["rows"])] == ["row1", "row2"] and "Question 1" in text
    rest, _ = await call(full, "list_dataset_rows", cursor=first.structured_content["next_cursor"])
    assert [r["id"] for r in rows(rest.structured_content["rows"])] == [
        "row3"
    ] and "next_cursor" not in rest.structured_content
    row, text = await call(full, "get_dataset_row", dataset_id="ds_golden", row_id="row2")
    assert row.structured_content["input"] == [{"role": "user", "content": "Question 2"}] and "Answer 2" in text
    edited, text = await call(full, "update_dataset_row", dataset_id="ds_golden", row_id="row2",
                              expected_output="The answer is 2", input='[{"role": "user", "content": "Q2?"}]')  # fmt: skip
    assert not edited.is_error, text
    assert sent(fake, "PATCH", "/datasets/ds_golden/logs/row2")[-1] == {
        "input": [{"role": "user", "content": "Q2?"}],
        "expected_output": "The answer is 2",
    }  # JSON text sent as JSON
    again, text = await call(full, "get_dataset_row", dataset_id="ds_golden", row_id="row2")
    assert again.structured_content["expected_output"] == "The answer is 2"
    nothing, text = await call(full, "update_dataset_row", dataset_id="ds_golden", row_id="row2")
    assert nothing.is_error and "Nothing to change" in text
    missing, text = await call(full, "get_dataset_row", dataset_id="ds_golden", row_id="nope")
    assert missing.is_error and "404" in text
    dotted, text = await call(full, "get_dataset_row", dataset_id="ds_golden", row_id="..")
    assert dotted.is_error and "not an id" in text


async def test_import_logs_into_a_dataset_from_a_search(full: Client, fake: FakeRespan) -> None:
    search, _ = await call(full, "search_logs", since="7d", model="gpt-4o-mini", limit=2)
    cursor = search.structured_content["next_cursor"]
    before = len(fake.platform.dataset_rows["ds_golden"])
    imported, text = await call(full, "import_dataset_rows", dataset_id="ds_golden", from_search=cursor, sampling=50)
    assert not imported.is_error and "background" in text, text
    body = sent(fake, "POST", "/datasets/ds_golden/logs/bulk")[-1]  # the docs' path for a time range
    assert body["filters"]["model"] == {"operator": "", "value": ["gpt-4o-mini"]}
    assert body["filters"]["environment"] == {"operator": "", "value": ["production"]}
    assert body["sampling_percentage"] == 50 and body["start_time"] < body["end_time"]
    assert len(fake.platform.dataset_rows["ds_golden"]) > before


async def test_dataset_summary_eval_runs_and_deletes(full: Client, fake: FakeRespan) -> None:
    scored, text = await call(full, "evaluate_dataset", dataset_id="ds_golden", evaluator_ids=["evl_relevance"])
    assert not scored.is_error and "spends credits" in text
    unknown, text = await call(full, "evaluate_dataset", dataset_id="ds_golden", evaluator_ids=["evl_nope"])
    assert unknown.is_error and "evl_nope" in text
    detail, text = await call(full, "get_dataset", dataset_id="ds_golden")
    assert "totals: rows 3" in text and "recent eval runs: relevance running" in text
    assert (
        detail.structured_content["summary"]["rows"] == 3 and rows(detail.structured_content["eval_runs"])[0]["status"]
    )
    _renamed, _ = await call(full, "update_dataset", dataset_id="ds_golden", name="Golden v2")
    assert fake.platform.datasets["ds_golden"]["name"] == "Golden v2"
    neither, text = await call(full, "remove_dataset_rows", dataset_id="ds_golden")
    assert neither.is_error and "one of them" in text
    removed, text = await call(full, "remove_dataset_rows", dataset_id="ds_golden", row_ids=["row1", "row3"])
    assert removed.structured_content["detail"]["removed"] == ["row1", "row3"]
    assert [r["unique_id"] for r in fake.platform.dataset_rows["ds_golden"]] == ["row2"]
    partial, text = await call(full, "remove_dataset_rows", dataset_id="ds_golden", row_ids=["row2", "gone", "x"])
    assert partial.is_error and "Removed 1 rows; row gone" in text and "Rows not removed: gone, x" in text
    deleted, text = await call(full, "delete_dataset", dataset_id="ds_golden")
    assert not deleted.is_error and "ds_golden" not in fake.platform.datasets
    gone, text = await call(full, "get_dataset", dataset_id="ds_golden")
    assert gone.is_error and "404" in text


async def test_get_dataset_works_where_the_extras_are_missing(full: Client, fake: FakeRespan) -> None:
    fake.fail(path="/logs/summary", status=404, times=5)
    fake.fail(path="/eval-reports/list", status=405, times=5)
    detail, text = await call(full, "get_dataset", dataset_id="ds_golden")
    assert not detail.is_error and "totals" not in text and "Golden answers" in text, text


async def test_evaluator_kinds_drafts_commits_and_versions(full: Client, fake: FakeRespan) -> None:
    code, text = await call(full, "create_evaluator", name="Length", type="code", score_type="boolean",
                            code="def main(eval_inputs):\n    return len(eval_inputs['output']) < 500")  # fmt: skip
    assert not code.is_error, text
    assert sent(fake, "POST", "/api/evaluators")[-1]["code_config"]["eval_code_snippet"].startswith("def main")
    no_main, text = await call(full, "create_evaluator", name="Bad", type="code", code="return 1")
    assert no_main.is_error and "main(eval_inputs)" in text
    human, text = await call(full, "create_evaluator", name="Reviewer 2", type="human", score_type="boolean")
    assert not human.is_error and "not run" in text
    assert "llm_config" not in sent(fake, "POST", "/api/evaluators")[-1]
    llm, _ = await call(full, "create_evaluator", name="Polite", definition="Is {{output}} polite?", model="gpt-4o")
    evaluator_id = llm.structured_content["id"]
    edited, text = await call(full, "update_evaluator", evaluator_id=evaluator_id,
                              definition="Is {{output}} polite and correct?")  # fmt: skip
    assert not edited.is_error, text
    assert sent(fake, "PATCH", f"/evaluators/{evaluator_id}")[-1]["llm_config"] == {
        "model": "gpt-4o",
        "evaluator_definition": "Is {{output}} polite and correct?",
    }  # the model is kept
    committed, text = await call(full, "commit_evaluator", evaluator_id=evaluator_id, note="stricter")
    assert committed.structured_content["version"] == 1 and f"'{evaluator_id}:1'" in text
    _detail, text = await call(full, "get_evaluator", evaluator_id=evaluator_id)
    assert "versions: v1 committed (stricter)" in text
    frozen, text = await call(full, "update_evaluator", evaluator_id="evl_relevance", name="x")
    assert frozen.is_error and "committed (read-only)" in text
    assert not sent(fake, "PATCH", "/evaluators/evl_relevance")  # refused before any request
    deleted, _ = await call(full, "delete_evaluator", evaluator_id=evaluator_id)
    assert not deleted.is_error and evaluator_id not in fake.platform.evaluators


async def test_experiment_rows_pipelines_and_deletes(full: Client, fake: FakeRespan) -> None:
    row, text = await call(full, "get_experiment_row", experiment_id="exp_1", row_id="xl2")
    assert "expected_output: Expected row2" in text and "completion [chat] gpt-4o-mini" in text
    assert rows(row.structured_content["spans"])[1] == {"name": "completion", "type": "chat", "model": "gpt-4o-mini",
                                                  "depth": 1}  # fmt: skip
    assert row.structured_content["scores"] == {"relevance": 4.0}
    started, text = await call(full, "create_experiment", dataset_id="ds_golden", model="gpt-4o",
                               pipeline_ids=["wf_pipe"])  # fmt: skip
    assert not started.is_error, text
    body = sent(fake, "POST", "/v2/experiments")[-1]
    assert body["evaluator_workflow_ids"] == ["wf_pipe"] and "evaluator_ids" not in body
    both, text = await call(full, "create_experiment", dataset_id="ds_golden", model="gpt-4o",
                            pipeline_ids=["wf_pipe"], evaluator_ids=["evl_relevance"])  # fmt: skip
    assert both.is_error and "one of them" in text
    deleted, _ = await call(full, "delete_experiment", experiment_id="exp_1")
    assert not deleted.is_error and "exp_1" not in fake.platform.experiments


async def test_workflows_are_checked_built_committed_deployed_and_tested(full: Client, fake: FakeRespan) -> None:
    task = {"id": "t1", "type": "condition", "config": {"condition_policy": {"event.cost": {"operator": "gt",
                                                                                           "value": 1}}}}  # fmt: skip
    duplicate, text = await call(full, "create_workflow", type="automations", name="x", tasks=[task, task])
    assert duplicate.is_error and "unique: t1" in text
    dangling, text = await call(full, "create_workflow", type="automations", name="x", tasks=[{**task, "next": "t9"}])
    assert dangling.is_error and "next names no task: t9" in text
    assert not sent(fake, "POST", "/api/workflows")  # nothing reached Respan
    notify = {"id": "t2", "type": "notification", "config": {"severity": "high", "message_template": "Costly"}}
    created, text = await call(full, "create_workflow", type="automations", name="Cost alert 2",
                               tasks=[{**task, "next": "t2"}, notify])  # fmt: skip
    assert not created.is_error and "a draft" in text, text
    workflow_id = created.structured_content["workflow_id"]
    assert created.structured_content["family_id"] == fake.platform.workflows[workflow_id]["workflow_id"]
    assert sent(fake, "POST", "/api/workflows")[-1]["trigger_event_type"] == "request_log"
    early, text = await call(full, "deploy_workflow", workflow_id=workflow_id)
    assert early.is_error and "Committed version not found" in text
    tested, text = await call(full, "validate_workflow", workflow_id=workflow_id, log_id="log-1")
    assert tested.structured_content["passed"] is True and "- t1:" in text and "- t2:" in text
    assert fake.platform.edits.validations[-1] == {"workflow_id": workflow_id, "log_id": "log-1"}
    _edited, _ = await call(full, "update_workflow", workflow_id=workflow_id, trigger="trace_completed")
    assert fake.platform.workflows[workflow_id]["trigger_event_type"] == "trace_completed"
    committed, text = await call(full, "commit_workflow", workflow_id=workflow_id, note="first")
    assert committed.structured_content["version"] == 1 and "version=1" in text
    family = created.structured_content["family_id"]
    assert (
        fake.last("/commits").path == f"/api/workflows/{family}/commits/"
    )  # the family id, resolved from the version's
    live, text = await call(full, "deploy_workflow", workflow_id=workflow_id)
    assert live.structured_content["version"] == 1 and "live at version 1" in text
    _detail, text = await call(full, "get_workflow", workflow_id=workflow_id)
    assert "live v1" in text and "versions: v1 committed" in text
    _stopped, text = await call(full, "deploy_workflow", workflow_id=workflow_id, undeploy=True)
    assert "no longer runs" in text and fake.platform.workflows[workflow_id]["is_enabled"] is False


async def test_an_evaluation_pipeline_from_evaluators(full: Client, fake: FakeRespan) -> None:
    mismatch, text = await call(full, "create_workflow", type="evaluators", name="Gate",
                                evaluator_ids=["evl_relevance", "evl_human"], weights=[1.0])  # fmt: skip
    assert mismatch.is_error and "one weight per evaluator" in text
    wrong_type, text = await call(full, "create_workflow", type="monitors", name="x", evaluator_ids=["evl_relevance"])
    assert wrong_type.is_error and "type='evaluators'" in text
    created, text = await call(full, "create_workflow", type="evaluators", name="Gate",
                               evaluator_ids=["evl_relevance", "evl_human"], weights=[0.7, 0.3])  # fmt: skip
    assert not created.is_error and "pipeline_ids" in text, text
    body = sent(fake, "POST", "/api/workflows")[-1]
    assert body["trigger_event_type"] == "eval_only" and [t["type"] for t in body["tasks"]] == [
        "eval",
        "eval",
        "compute",
    ]
    first = body["tasks"][0]
    assert (
        first["config"]["evaluator_id"] == "evl_relevance" and first["config"]["llm_config"]["model"] == "gpt-4o-mini"
    )
    assert first["generation_method"] == "llm" and body["tasks"][1]["generation_method"] == "human"
    assert body["tasks"][2]["config"] == {"function": "weighted_average", "inputs": [
        {"source": "task:eval_1", "field": "primary_score", "weight": 0.7},
        {"source": "task:eval_2", "field": "primary_score", "weight": 0.3}]}  # fmt: skip
    unknown, text = await call(full, "create_workflow", type="evaluators", name="x", evaluator_ids=["evl_nope"])
    assert unknown.is_error and "404" in text


async def test_rename_a_prompt(full: Client, fake: FakeRespan) -> None:
    created, _ = await call(full, "create_prompt", name="Support bot")
    prompt_id = created.structured_content["prompt_id"]
    renamed, text = await call(full, "update_prompt", prompt_id=prompt_id, name="Support bot v2")
    assert not renamed.is_error and fake.prompts[prompt_id]["name"] == "Support bot v2"
    _listed, text = await call(full, "list_prompts", query="v2")
    assert prompt_id in text  # the prompt cache was cleared by the write
    nothing, text = await call(full, "update_prompt", prompt_id=prompt_id)
    assert nothing.is_error and "Nothing to change" in text


async def test_annotate_a_log(full: Client, fake: FakeRespan) -> None:
    log_id = fake.logs.logs[-1]["unique_id"]
    done, text = await call(full, "annotate_log", log_id=log_id, positive_feedback=False, note="wrong currency",
                            metadata='{"reviewed": "yes"}')  # fmt: skip
    assert not done.is_error and "positive_feedback', value:false" in text, text
    assert sent(fake, "PATCH", f"/request-logs/{log_id}")[-1] == {
        "positive_feedback": False, "note": "wrong currency", "metadata": {"reviewed": "yes"}}  # fmt: skip
    nothing, text = await call(full, "annotate_log", log_id=log_id)
    assert nothing.is_error and "Nothing to record" in text
    missing, text = await call(full, "annotate_log", log_id="nope", pinned=True)
    assert missing.is_error and "404" in text


async def test_get_dataset_says_when_its_rows_cannot_be_read(full: Client, fake: FakeRespan) -> None:
    fake.fail(path="/datasets/ds_golden/logs/list", status=500, times=10)
    broken, text = await call(full, "get_dataset", dataset_id="ds_golden")
    assert broken.is_error and "500" in text and "Error executing tool" not in text, text
