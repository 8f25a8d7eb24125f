"""Workflows (automations, monitors, evaluation pipelines): list, one with its versions, create (a pipeline
from evaluators too), edit the draft, commit, deploy or stop, test-run."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from respan_mcp.contract import JsonArray
from respan_mcp.evals import api
from respan_mcp.evals.common import Cursor, Limit, ListPage, list_kind, recent_versions
from respan_mcp.evals.format import render_tasks, render_versions, workflow_record
from respan_mcp.output import Rows, clip, compact_json
from respan_mcp.state import app_state, reply, tool_errors


async def list_workflows(
    ctx: Context,
    type: Annotated[
        Literal["automations", "monitors", "evaluators"] | None, Field(description="Only this kind")
    ] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, ListPage]:
    filters = {"type": {"operator": "eq", "value": [type]}} if type else None
    return await list_kind(ctx, "workflows", limit, cursor, filters)


class WorkflowDetail(BaseModel):
    id: str
    name: str
    type: str | None = None
    trigger: str | None = None
    enabled: bool | None = None
    deployed_version: int | None = None
    created_at: str | None = None
    tasks: list[dict[str, Any]]
    versions: Rows[dict] | None = None


async def get_workflow(
    ctx: Context, workflow_id: Annotated[str, Field(description="The workflow's id")]
) -> Annotated[CallToolResult, WorkflowDetail]:
    client = app_state(ctx).respan
    with tool_errors():
        workflow = await api.get(client, "workflows", workflow_id)
        history = await recent_versions(ctx, "workflows", workflow_id)
    record = workflow_record(workflow)
    tasks = [t for t in workflow.get("tasks") or [] if isinstance(t, dict)]
    lines = [f"Workflow {record['id']} {record['name']!r} · {record['type']} · trigger {record['trigger']} · "
             f"{'enabled' if record['enabled'] else 'disabled'}"
             + (f" · live v{record['deployed_version']}" if record["deployed_version"] else "")]  # fmt: skip
    if workflow.get("description"):
        lines.append(str(workflow["description"]))
    lines += ["Tasks:", *[f"  {line}" for line in render_tasks(tasks)]] if tasks else ["Tasks: none"]
    lines += render_versions(history)
    return reply(ctx, "\n".join(lines), WorkflowDetail(**record, tasks=tasks, versions=history or None).model_dump())


WorkflowId = Annotated[str, Field(description="The workflow's id")]
Trigger = Literal[
    "request_log", "trace_completed", "customer_budget_limit_reached", "credit_low_balance_threshold_reached",
    "on_eval_result_ingested", "custom_event", "eval_only",
]  # fmt: skip
MAX_TASKS = 50
Tasks = Annotated[
    JsonArray | None,
    Field(description="[{id, type, config, next?}]: condition, sampling, aggregation, notification, webhook, eval, "
          "ingest, compute, switch; next names the following task"),
]  # fmt: skip


def check_tasks(tasks: list[Any]) -> list[dict[str, Any]]:
    """The task chain, checked before Respan sees it: ids unique, `next` pointing at a task, configs objects."""
    if not tasks or len(tasks) > MAX_TASKS:
        raise ToolError(f"tasks must hold 1 to {MAX_TASKS} tasks.")
    ids: list[str] = []
    for n, task in enumerate(tasks):
        if not isinstance(task, dict) or not task.get("id") or not task.get("type"):
            raise ToolError(f"Task {n} needs an id and a type, e.g. {{\"id\": \"t1\", \"type\": \"condition\", "
                            "\"config\": {...}, \"next\": \"t2\"}.")  # fmt: skip
        if not isinstance(task.get("config", {}), dict):
            raise ToolError(f"Task {task['id']!r}: config must be an object.")
        ids.append(str(task["id"]))
    if len(set(ids)) != len(ids):
        raise ToolError("Task ids must be unique: " + ", ".join(sorted({i for i in ids if ids.count(i) > 1})) + ".")
    dangling = [str(t["next"]) for t in tasks if t.get("next") and str(t["next"]) not in ids]
    if dangling:
        raise ToolError(f"next names no task: {', '.join(dangling)}. Task ids: {', '.join(ids)}.")
    return tasks


async def pipeline_tasks(ctx: Context, evaluator_ids: list[str], weights: list[float] | None) -> list[dict[str, Any]]:
    """An evaluation pipeline's tasks: one eval task per evaluator, and for several a weighted average of their
    primary scores."""
    if weights is not None and len(weights) != len(evaluator_ids):
        raise ToolError(f"Give one weight per evaluator ({len(evaluator_ids)}), or none for a plain average.")
    client = app_state(ctx).respan
    tasks: list[dict[str, Any]] = []
    for n, evaluator_id in enumerate(evaluator_ids):
        grader = await api.get(client, "evaluators", evaluator_id)
        kind = grader.get("type") or "llm"
        config: dict[str, Any] = {
            "evaluator_id": str(grader.get("id") or evaluator_id),
            "data_source": "original_event",
            "score_value_type": grader.get("score_value_type") or "numerical",
            "score_config": grader.get("score_config") or {},
        }
        for key in ("llm_config", "code_config"):
            if grader.get(key):
                config[key] = grader[key]
        task_id = f"eval_{n + 1}"
        label = grader.get("evaluator_slug") or grader.get("name") or task_id
        tasks.append({"id": task_id, "type": "eval", "generation_method": kind, "label": label, "config": config})
    if len(tasks) > 1:
        inputs = [{"source": f"task:{t['id']}", "field": "primary_score", "weight": (weights or [1.0] * len(tasks))[i]}
                  for i, t in enumerate(tasks)]  # fmt: skip
        tasks.append({"id": "combined", "type": "compute", "label": "combined",
                      "config": {"function": "weighted_average", "inputs": inputs}})  # fmt: skip
    return tasks


class WorkflowChanged(BaseModel):
    workflow_id: str
    family_id: str | None = None  # what commits and deployments act on (the tools resolve it themselves)
    action: str
    version: int | None = None
    detail: dict[str, Any] | None = None


async def create_workflow(
    ctx: Context,
    type: Annotated[
        Literal["automations", "monitors", "evaluators"],
        Field(description="automations act on events, monitors aggregate and alert, evaluators = a scoring pipeline"),
    ],
    name: Annotated[str, Field(min_length=1, description="The workflow's name")],
    trigger: Annotated[Trigger | None, Field(description="The event that starts it (evaluators: eval_only)")] = None,
    tasks: Tasks = None,
    evaluator_ids: Annotated[
        list[str] | None, Field(min_length=1, max_length=10, description="evaluators: the graders (instead of tasks)")
    ] = None,
    weights: Annotated[list[float] | None, Field(description="evaluators: one weight per grader")] = None,
    description: Annotated[str | None, Field(description="What it does")] = None,
) -> Annotated[CallToolResult, WorkflowChanged]:
    if bool(tasks) == bool(evaluator_ids):
        raise ToolError("Give tasks (the chain) or, for type evaluators, evaluator_ids; one of them.")
    if evaluator_ids and type != "evaluators":
        raise ToolError("evaluator_ids builds an evaluation pipeline: use type='evaluators', or give tasks.")
    with tool_errors():
        chain = (
            await pipeline_tasks(ctx, list(evaluator_ids), weights) if evaluator_ids else check_tasks(list(tasks or []))
        )
        trigger = trigger or ("eval_only" if type == "evaluators" else "request_log")
        body: dict[str, Any] = {"type": type, "name": name, "tasks": chain, "trigger_event_type": trigger}
        if description:
            body["description"] = description
        created = await api.create_workflow(app_state(ctx).respan, body)
    record = workflow_record(created)
    text = (
        f"Created {type} workflow {record['id']} {name!r} ({len(chain)} tasks, a draft). Check it: "
        f"validate_workflow(workflow_id={record['id']!r}); then commit_workflow and deploy_workflow to run it."
    )
    if type == "evaluators":
        text += f" Score experiments with it: create_experiment(..., pipeline_ids=[{record['id']!r}])."
    detail = {"trigger": body["trigger_event_type"], "tasks": chain}
    family = str(created.get("workflow_id") or "") or None
    output = WorkflowChanged(workflow_id=record["id"], family_id=family, action="created", detail=detail)
    return reply(ctx, text, output.model_dump())


async def update_workflow(
    ctx: Context,
    workflow_id: WorkflowId,
    name: Annotated[str | None, Field(min_length=1, description="New name")] = None,
    description: Annotated[str | None, Field(description="New description")] = None,
    trigger: Annotated[Trigger | None, Field(description="New trigger")] = None,
    tasks: Tasks = None,
) -> Annotated[CallToolResult, WorkflowChanged]:
    body: dict[str, Any] = {k: v for k, v in (("name", name), ("description", description),
                                              ("trigger_event_type", trigger)) if v is not None}  # fmt: skip
    with tool_errors():
        if tasks is not None:
            body["tasks"] = check_tasks(list(tasks))
        if not body:
            raise ToolError("Nothing to change: give name, description, trigger or tasks.")
        await api.update(app_state(ctx).respan, "workflows", workflow_id, body)
    text = f"Updated workflow {workflow_id} (draft): {', '.join(body)}. It runs once committed and deployed."
    return reply(
        ctx,
        text,
        WorkflowChanged(workflow_id=workflow_id, action="updated", detail={"fields": list(body)}).model_dump(),
    )


async def commit_workflow(
    ctx: Context,
    workflow_id: WorkflowId,
    note: Annotated[str | None, Field(description="What changed")] = None,
) -> Annotated[CallToolResult, WorkflowChanged]:
    with tool_errors():
        client = app_state(ctx).respan
        committed = await api.commit_workflow(client, await api.workflow_family(client, workflow_id), note)
    version = committed.get("version") if isinstance(committed.get("version"), int) else None
    text = (f"Committed workflow {workflow_id}" + (f" as version {version}" if version is not None else "")
            + f". Make it live: deploy_workflow(workflow_id={workflow_id!r}"
            + (f", version={version})." if version is not None else ")."))  # fmt: skip
    return reply(ctx, text, WorkflowChanged(workflow_id=workflow_id, action="committed", version=version).model_dump())


async def deploy_workflow(
    ctx: Context,
    workflow_id: WorkflowId,
    version: Annotated[int | None, Field(ge=0, description="A committed version (default: the newest)")] = None,
    undeploy: Annotated[bool, Field(description="true: stop running it")] = False,
) -> Annotated[CallToolResult, WorkflowChanged]:
    with tool_errors():
        client = app_state(ctx).respan
        answer = await api.deploy_workflow(client, await api.workflow_family(client, workflow_id), version, undeploy)
    live = answer.get("deployed_version") if isinstance(answer.get("deployed_version"), int) else version
    text = (
        f"Workflow {workflow_id} no longer runs." if undeploy
        else f"Workflow {workflow_id} is live" + (f" at version {live}." if live is not None else ".")
    )  # fmt: skip
    action = "undeployed" if undeploy else "deployed"
    return reply(ctx, text, WorkflowChanged(workflow_id=workflow_id, action=action, version=live).model_dump())


def task_results(results: Any) -> list[dict[str, Any]]:
    """A test run's per-task results, given as a list or as a map by task id."""
    if isinstance(results, list):
        return [r for r in results if isinstance(r, dict)]
    if isinstance(results, dict):
        return [{"id": k, **(v if isinstance(v, dict) else {"result": v})} for k, v in results.items()]
    return []


class WorkflowValidation(BaseModel):
    workflow_id: str
    passed: bool | None = None
    status: str | None = None
    tasks: list[dict[str, Any]] | None = None


async def validate_workflow(
    ctx: Context,
    workflow_id: WorkflowId,
    log_id: Annotated[str | None, Field(description="Run it on this log (default: Respan picks sample data)")] = None,
) -> Annotated[CallToolResult, WorkflowValidation]:
    with tool_errors():
        answer = await api.validate_workflow(app_state(ctx).respan, workflow_id, log_id)
    tasks = task_results(answer.get("task_results"))
    passed = answer.get("is_all_passed") if isinstance(answer.get("is_all_passed"), bool) else None
    verdict = "all tasks passed" if passed else "some tasks failed" if passed is False else answer.get("status")
    lines = [f"Workflow {workflow_id} test run: {verdict or 'done'}"]
    for task in tasks[:MAX_TASKS]:
        rest = {k: v for k, v in task.items() if k not in ("id", "task_id")}
        lines.append(f"- {task.get('id') or task.get('task_id')}: {clip(compact_json(rest), 200)}")
    output = WorkflowValidation(
        workflow_id=workflow_id, passed=passed, status=answer.get("status"), tasks=tasks or None
    )
    return reply(ctx, "\n".join(lines), output.model_dump())
