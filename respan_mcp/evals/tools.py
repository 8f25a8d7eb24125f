"""MCP skin of the evals toolset (opt-in): datasets, evaluators, experiments.

The shortcut users want: `create_dataset(from_search=<a search_logs cursor>)` turns "the failing
requests from yesterday" (a search_logs query) into a dataset in one call.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from respan_mcp.contract import JsonObject
from respan_mcp.cursor import decode_cursor, encode_cursor
from respan_mcp.evals import api
from respan_mcp.evals.format import (
    dataset_record,
    evaluator_record,
    experiment_record,
    render_rows,
    render_table,
    render_tasks,
    row_record,
    score_averages,
    workflow_record,
)
from respan_mcp.logs.api import LogQuery
from respan_mcp.logs.filters import LOG_FIELDS, FilterSpec, normalize_filters, time_window
from respan_mcp.output import clip, compact_json, content_text, loads_if_json
from respan_mcp.state import app_state, reply, tool_errors

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=True)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True)
Limit = Annotated[int, Field(ge=1, le=100, description="Per page")]
Cursor = Annotated[str | None, Field(description="next_cursor of the last answer")]
KINDS = {
    "datasets": ("list_datasets", ["id", "name", "status", "rows", "updated_at"], dataset_record),
    "evaluators": ("list_evaluators", ["id", "name", "slug", "type", "score_type"], evaluator_record),
    "experiments": (
        "list_experiments",
        ["id", "name", "status", "progress", "dataset_name", "created_at"],
        experiment_record,
    ),
    "workflows": ("list_workflows", ["id", "name", "type", "trigger", "enabled", "deployed_version"], workflow_record),
}


class ListPage(BaseModel):
    count: int
    page: int
    next_cursor: str | None = None
    items: list[dict[str, Any]]


async def _list(
    ctx: Context, kind: str, limit: int, cursor: str | None, filters: dict[str, Any] | None = None
) -> CallToolResult:
    tool, columns, record = KINDS[kind]
    with tool_errors():
        page = 1
        if cursor:
            state, page = decode_cursor(tool, cursor)
            limit, filters = int(state.get("limit") or limit), state.get("filters") or None
        items, count = await api.list_page(app_state(ctx).respan, kind, page, limit, tool, filters)
    records = [record(i) for i in items]
    more = page * limit < count
    next_cursor = encode_cursor(tool, {"limit": limit, "filters": filters}, page + 1) if more else None
    text = render_table(records, columns, count, kind)
    if next_cursor:
        text += f'\nNext page: {tool}(cursor="{next_cursor}")'
    return reply(ctx, text, ListPage(count=count, page=page, next_cursor=next_cursor, items=records).model_dump())


async def list_datasets(ctx: Context, limit: Limit = 20, cursor: Cursor = None) -> Annotated[CallToolResult, ListPage]:
    return await _list(ctx, "datasets", limit, cursor)


async def list_evaluators(
    ctx: Context, limit: Limit = 20, cursor: Cursor = None
) -> Annotated[CallToolResult, ListPage]:
    return await _list(ctx, "evaluators", limit, cursor)


async def list_experiments(
    ctx: Context, limit: Limit = 20, cursor: Cursor = None
) -> Annotated[CallToolResult, ListPage]:
    return await _list(ctx, "experiments", limit, cursor)


async def list_workflows(
    ctx: Context,
    type: Annotated[
        Literal["automations", "monitors", "evaluators"] | None, Field(description="Only this kind")
    ] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, ListPage]:
    filters = {"type": {"operator": "eq", "value": [type]}} if type else None
    return await _list(ctx, "workflows", limit, cursor, filters)


class WorkflowDetail(BaseModel):
    id: str
    name: str
    type: str | None = None
    trigger: str | None = None
    enabled: bool | None = None
    deployed_version: int | None = None
    created_at: str | None = None
    tasks: list[dict[str, Any]]


async def get_workflow(
    ctx: Context, workflow_id: Annotated[str, Field(description="The workflow's id")]
) -> Annotated[CallToolResult, WorkflowDetail]:
    with tool_errors():
        workflow = await api.get(app_state(ctx).respan, "workflows", workflow_id)
    record = workflow_record(workflow)
    tasks = [t for t in workflow.get("tasks") or [] if isinstance(t, dict)]
    lines = [f"Workflow {record['id']} {record['name']!r} · {record['type']} · trigger {record['trigger']} · "
             f"{'enabled' if record['enabled'] else 'disabled'}"
             + (f" · live v{record['deployed_version']}" if record["deployed_version"] else "")]  # fmt: skip
    if workflow.get("description"):
        lines.append(str(workflow["description"]))
    lines += ["Tasks:", *[f"  {line}" for line in render_tasks(tasks)]] if tasks else ["Tasks: none"]
    return reply(ctx, "\n".join(lines), WorkflowDetail(**record, tasks=tasks).model_dump())


class DatasetDetail(BaseModel):
    dataset: dict[str, Any]
    rows: list[dict[str, Any]]
    row_count: int


async def get_dataset(
    ctx: Context,
    dataset_id: Annotated[str, Field(description="The dataset's id")],
    rows: Annotated[int, Field(ge=0, le=50, description="Rows to show")] = 5,
) -> Annotated[CallToolResult, DatasetDetail]:
    client = app_state(ctx).respan
    with tool_errors():
        dataset = await api.get(client, "datasets", dataset_id)
        items, count = await api.dataset_rows(client, dataset_id, rows) if rows else ([], 0)
    record = dataset_record(dataset)
    lines = [f"Dataset {record['id']} {record['name']!r} · {record['status']} · {record['rows']} rows"]
    if record["description"]:
        lines.append(record["description"])
    for item in items:
        lines.append(
            f"- {item.get('unique_id') or item.get('id')}: {clip(content_text(loads_if_json(item.get('input'))), 120)}"
            f" -> {clip(content_text(loads_if_json(item.get('output'))), 120)}"
        )
    lines.append(f"Run an experiment on it: create_experiment(dataset_id={record['id']!r}, ...).")
    slim = [{k: item.get(k) for k in ("unique_id", "input", "output", "model", "status")} for item in items]
    return reply(ctx, "\n".join(lines), DatasetDetail(dataset=record, rows=slim, row_count=count).model_dump())


class DatasetCreated(BaseModel):
    id: str
    name: str
    status: str | None = None
    rows: int | None = None
    start_time: str | None = None
    end_time: str | None = None
    filters: dict[str, Any] | None = None


async def create_dataset(
    ctx: Context,
    name: Annotated[str, Field(min_length=1, description="The dataset's name")],
    from_search: Annotated[
        str | None, Field(description="A search_logs next_cursor: its window and filters become the dataset")
    ] = None,
    since: Annotated[str | None, Field(description="Logs from this window back from now, e.g. '1d'")] = None,
    start_time: Annotated[str | None, Field(description="Window start, ISO 8601")] = None,
    end_time: Annotated[str | None, Field(description="Window end, ISO 8601")] = None,
    filters: Annotated[list[FilterSpec] | None, Field(description="Log filters, as search_logs takes them")] = None,
    log_ids: Annotated[list[str] | None, Field(description="Exactly these logs")] = None,
    sampling: Annotated[int | None, Field(ge=1, le=100, description="Percent of matching logs")] = None,
    empty: Annotated[bool, Field(description="true: an empty dataset to fill later")] = False,
    description: Annotated[str | None, Field(description="What it holds")] = None,
) -> Annotated[CallToolResult, DatasetCreated]:
    body: dict[str, Any] = {"name": name, **({"description": description} if description else {})}
    with tool_errors():
        if empty:
            body["is_empty"] = True
        else:
            environment = "production"  # as search_logs: production logs unless asked otherwise
            if from_search:
                query, _ = LogQuery.from_cursor("search_logs", from_search)
                start, end, where = query.start_time, query.end_time, dict(query.filters)
                environment = query.environment or environment
            else:
                start, end = time_window(since, start_time, end_time)
                where = normalize_filters([f.model_dump() for f in filters or []], LOG_FIELDS)
            if environment != "all" and "environment" not in where:
                where["environment"] = {"operator": "", "value": [environment]}
            if log_ids:
                where["unique_id"] = {"operator": "in", "value": list(log_ids)}
            body.update({"start_time": start, "end_time": end, "initial_log_filters": where})
            if sampling is not None:
                body["sampling"] = sampling
        created = await api.create_dataset(app_state(ctx).respan, body)
    record = dataset_record(created)
    source = (
        "empty"
        if empty
        else f"logs {body['start_time']} → {body['end_time']}"
        + (f" where {compact_json(body['initial_log_filters'], 200)}" if body.get("initial_log_filters") else "")
    )
    text = (
        f"Created dataset {record['id']} {name!r} from {source}: {record['status'] or 'importing'}"
        + (f", {record['rows']} rows" if record["rows"] is not None else "")
        + f". Imports run in the background: get_dataset(dataset_id={record['id']!r}) shows progress."
    )
    output = DatasetCreated(
        id=record["id"],
        name=name,
        status=record["status"],
        rows=record["rows"],
        start_time=body.get("start_time"),
        end_time=body.get("end_time"),
        filters=body.get("initial_log_filters"),
    )
    return reply(ctx, text, output.model_dump())


class EvaluatorDetail(BaseModel):
    id: str
    name: str
    slug: str | None = None
    type: str | None = None
    score_type: str | None = None
    description: str | None = None
    committed: bool | None = None
    score_config: dict[str, Any] | None = None
    passing_conditions: dict[str, Any] | None = None
    llm_config: dict[str, Any] | None = None


class RowsAdded(BaseModel):
    dataset_id: str
    added: int
    failed: int
    errors: list[dict[str, Any]]


async def add_dataset_rows(
    ctx: Context,
    dataset_id: Annotated[str, Field(description="The dataset's id")],
    rows: Annotated[
        list[dict[str, Any]],
        Field(min_length=1, max_length=500, description="[{input, output?, expected_output?, metadata?}]"),
    ],
) -> Annotated[CallToolResult, RowsAdded]:
    with tool_errors():
        answer = await api.add_dataset_rows(app_state(ctx).respan, dataset_id, rows)
    added = int(answer.get("success_count") or 0)
    errors = [e for e in answer.get("errors") or [] if isinstance(e, dict)]
    text = f"Added {added} of {len(rows)} rows to dataset {dataset_id}."
    if errors:  # partial success is allowed: say which rows failed
        text += " Failed: " + "; ".join(f"row {e.get('index')}: {clip(str(e.get('error')), 120)}" for e in errors[:10])
    output = RowsAdded(dataset_id=dataset_id, added=added, failed=len(errors), errors=errors[:50])
    return reply(ctx, text, output.model_dump())


async def create_evaluator(
    ctx: Context,
    name: Annotated[str, Field(min_length=1, description="The evaluator's name")],
    definition: Annotated[
        str,
        Field(
            description="The grader's instructions, a Jinja template using {{input}}, {{output}}, {{expected_output}}"
        ),
    ],
    model: Annotated[str, Field(description="The grading model, e.g. 'gpt-4o-mini'")] = "gpt-4o-mini",
    score_type: Annotated[
        Literal["numerical", "boolean", "percentage", "text"], Field(description="What the grader returns")
    ] = "numerical",
    min_score: Annotated[float | None, Field(description="Numerical: lowest score")] = None,
    max_score: Annotated[float | None, Field(description="Numerical: highest score")] = None,
    passing_score: Annotated[float | None, Field(description="A row passes at or above this")] = None,
    description: Annotated[str | None, Field(description="What it checks")] = None,
) -> Annotated[CallToolResult, EvaluatorDetail]:
    if "{{output}}" not in definition.replace(" ", ""):
        raise ToolError("The definition must use {{output}} (the answer being graded); {{input}} and "
                        "{{expected_output}} are there too.")  # fmt: skip
    body: dict[str, Any] = {"name": name, "type": "llm", "score_value_type": score_type,
                            "llm_config": {"model": model, "evaluator_definition": definition}}  # fmt: skip
    if description:
        body["description"] = description
    score_config = {k: v for k, v in (("min_score", min_score), ("max_score", max_score)) if v is not None}
    if score_config:
        body["score_config"] = score_config
    if passing_score is not None:
        body["passing_conditions"] = {"primary_score": {"operator": "gte", "value": passing_score}}
    with tool_errors():
        created = await api.create_evaluator(app_state(ctx).respan, body)
    record = evaluator_record(created)
    new_id = record["id"]
    text = (
        f"Created evaluator {new_id} {name!r} (a draft). Try it: run_evaluator(evaluator_id={new_id!r}, "
        f"log_id=...); use it: create_experiment(..., evaluator_ids=[{new_id!r}])."
    )
    detail = {**record, **{k: created.get(k) for k in ("score_config", "passing_conditions", "llm_config")
                           if created.get(k) is not None}}  # fmt: skip
    return reply(ctx, text, EvaluatorDetail(**detail).model_dump())


async def get_evaluator(
    ctx: Context, evaluator_id: Annotated[str, Field(description="The evaluator's id")]
) -> Annotated[CallToolResult, EvaluatorDetail]:
    with tool_errors():
        evaluator = await api.get(app_state(ctx).respan, "evaluators", evaluator_id)
    record = evaluator_record(evaluator)
    llm = evaluator.get("llm_config") or {}
    lines = [
        f"Evaluator {record['id']} {record['name']!r} ({record['slug']}) · {record['type']} · "
        f"scores {record['score_type']}" + (" · committed" if record["committed"] else " · draft")
    ]
    for label, value in (
        ("description", record["description"]),
        ("score range", evaluator.get("score_config")),
        ("passes when", evaluator.get("passing_conditions")),
        ("model", llm.get("model")),
        ("definition", llm.get("evaluator_definition")),
    ):
        if value:
            lines.append(f"{label}: {clip(value if isinstance(value, str) else compact_json(value), 600)}")
    lines.append(f"Try it: run_evaluator(evaluator_id={record['id']!r}, log_id=...).")
    detail = {
        **record,
        **{
            k: evaluator.get(k)
            for k in ("score_config", "passing_conditions", "llm_config")
            if evaluator.get(k) is not None
        },
    }
    return reply(ctx, "\n".join(lines), EvaluatorDetail(**detail).model_dump())


class EvaluatorRun(BaseModel):
    evaluator_id: str
    score: float | None = None
    passed: bool | None = None
    cost_usd: float | None = None
    status: str | None = None
    error: str | None = None


async def run_evaluator(
    ctx: Context,
    evaluator_id: Annotated[str, Field(description="The evaluator's id (id:N runs version N)")],
    log_id: Annotated[str | None, Field(description="Score this stored log's input and output")] = None,
    input: Annotated[str | None, Field(description="Or: the input to score")] = None,
    output: Annotated[str | None, Field(description="Or: the output to score")] = None,
    expected_output: Annotated[str | None, Field(description="The reference answer, if any")] = None,
    metadata: Annotated[JsonObject | None, Field(description="Extra inputs for the evaluator")] = None,
) -> Annotated[CallToolResult, EvaluatorRun]:
    client = app_state(ctx).respan
    with tool_errors():
        if log_id:
            from respan_mcp.logs import api as logs_api

            log = await logs_api.get_log(client, log_id)
            log = log if isinstance(log, dict) else {}
            input = input or content_text(loads_if_json(log.get("prompt_messages") or log.get("input")))
            output = output or content_text(loads_if_json(log.get("completion_message") or log.get("output")))
        if input is None or output is None:
            raise ToolError("Give log_id (a stored log to score) or both input and output.")
        inputs: dict[str, Any] = {"input": input, "output": output}
        if expected_output is not None:
            inputs["expected_output"] = expected_output
        if metadata:
            inputs["metadata"] = metadata
        result = await api.run_evaluator(client, evaluator_id, inputs)
    from respan_mcp.evals.format import score_value

    score = score_value(result)
    passed = result.get("is_passed") if isinstance(result.get("is_passed"), bool) else None
    text = (
        f"Evaluator {evaluator_id}: score {score if score is not None else '-'}"
        + (f", {'passed' if passed else 'failed'}" if passed is not None else "")
        + (f" ({result.get('error_message')})" if result.get("error_message") else "")
    )
    run = EvaluatorRun(
        evaluator_id=evaluator_id,
        score=score,
        passed=passed,
        cost_usd=result.get("cost"),
        status=result.get("status"),
        error=result.get("error_message"),
    )
    return reply(ctx, text, run.model_dump())


class ExperimentRecord(BaseModel):
    id: str
    name: str
    status: str | None = None
    progress: float | None = None
    dataset_id: str | None = None
    dataset_name: str | None = None
    created_at: str | None = None


class ExperimentDetail(BaseModel):
    experiment: ExperimentRecord
    scores: list[dict[str, Any]]
    rows_scored: int
    rows_total: int


async def get_experiment(
    ctx: Context, experiment_id: Annotated[str, Field(description="The experiment's id")]
) -> Annotated[CallToolResult, ExperimentDetail]:
    client = app_state(ctx).respan
    with tool_errors():
        experiment = await api.get(client, "experiments", experiment_id)
        rows, total = await api.all_experiment_rows(client, experiment_id)
    record = experiment_record(experiment)
    averages = score_averages(rows)
    lines = [
        f"Experiment {record['id']} {record['name']!r} · {record['status']} ({record['progress'] or 0}%) · "
        f"dataset {record['dataset_name'] or record['dataset_id']} · {total} rows"
    ]
    if experiment.get("workflow"):
        lines.append("workflow: " + compact_json(experiment["workflow"], 300))
    lines.append(
        "Score averages (from the rows): "
        + ("; ".join(f"{a['evaluator']} {a['average']:g} over {a['rows']} rows" for a in averages) or "none yet")
    )
    if total > len(rows):
        lines.append(f"(averaged over the first {len(rows)} of {total} rows)")
    lines.append(f"Rows: get_experiment_results(experiment_id={record['id']!r}).")
    output = ExperimentDetail(
        experiment=ExperimentRecord(**record), scores=averages, rows_scored=len(rows), rows_total=total
    )
    return reply(ctx, "\n".join(lines), output.model_dump())


async def create_experiment(
    ctx: Context,
    dataset_id: Annotated[str, Field(description="The dataset to run on")],
    evaluator_ids: Annotated[list[str], Field(min_length=1, description="Evaluators that score each row")],
    prompt_id: Annotated[str | None, Field(description="Run this managed prompt (a deployed version)")] = None,
    prompt_version: Annotated[int | None, Field(description="Its version (default: the deployed one)")] = None,
    model: Annotated[str | None, Field(description="Or: run this model on the rows")] = None,
    parameters: Annotated[JsonObject | None, Field(description="With model: temperature, max_tokens, ...")] = None,
    name: Annotated[str | None, Field(description="The experiment's name")] = None,
) -> Annotated[CallToolResult, ExperimentRecord]:
    if bool(prompt_id) == bool(model):
        raise ToolError(
            "Give prompt_id (a managed prompt) or model, one of them. To compare variants, create one "
            "experiment per variant on the same dataset."
        )
    if prompt_id:
        config: dict[str, Any] = {"prompt_id": prompt_id}
        if prompt_version is not None:
            config["version"] = str(prompt_version)
        workflow = [{"type": "prompt", "config": config}]
    else:
        workflow = [{"type": "completion", "config": {"model": model, **(parameters or {})}}]
    body = {
        "dataset_id": dataset_id,
        "workflow": workflow,
        "evaluator_ids": evaluator_ids,
        **({"name": name} if name else {}),
    }
    with tool_errors():
        created = await api.create_experiment(app_state(ctx).respan, body)
    record = experiment_record(created)
    text = (
        f"Started experiment {record['id']} on dataset {dataset_id} ({record['status'] or 'queued'}). It runs in "
        f"the background: get_experiment(experiment_id={record['id']!r}) shows progress and score averages."
    )
    return reply(ctx, text, ExperimentRecord(**record).model_dump())


class ExperimentRows(BaseModel):
    count: int
    page: int
    next_cursor: str | None = None
    rows: list[dict[str, Any]]


async def get_experiment_results(
    ctx: Context,
    experiment_id: Annotated[str | None, Field(description="The experiment's id")] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, ExperimentRows]:
    with tool_errors():
        page = 1
        if cursor:
            state, page = decode_cursor("get_experiment_results", cursor)
            experiment_id, limit = str(state.get("experiment_id")), int(state.get("limit") or limit)
        if not experiment_id:
            raise ToolError("Give experiment_id (or a cursor from a previous answer).")
        rows, count = await api.experiment_rows(app_state(ctx).respan, experiment_id, page, limit)
    records = [row_record(r) for r in rows]
    more = page * limit < count
    next_cursor = (
        encode_cursor("get_experiment_results", {"experiment_id": experiment_id, "limit": limit}, page + 1)
        if more
        else None
    )
    text = f"Experiment {experiment_id}: {count:,} rows\n" + render_rows(records)
    if next_cursor:
        text += f'\nNext page: get_experiment_results(cursor="{next_cursor}")'
    return reply(ctx, text, ExperimentRows(count=count, page=page, next_cursor=next_cursor, rows=records).model_dump())


def register(server: MCPServer, *, read_only: bool) -> None:
    server.add_tool(
        list_datasets,
        name="list_datasets",
        title="List datasets",
        annotations=READ_ONLY,
        description="Datasets (evaluation rows): id, name, status, row count.",
    )
    server.add_tool(
        get_dataset,
        name="get_dataset",
        title="One dataset",
        annotations=READ_ONLY,
        description="One dataset: status (imports run in the background) and its first rows.",
    )
    server.add_tool(
        list_evaluators,
        name="list_evaluators",
        title="List evaluators",
        annotations=READ_ONLY,
        description="Evaluators (LLM, code or human graders): id, name, type, score type.",
    )
    server.add_tool(
        get_evaluator,
        name="get_evaluator",
        title="One evaluator",
        annotations=READ_ONLY,
        description="One evaluator: score range, passing condition, model and definition.",
    )
    server.add_tool(
        list_experiments,
        name="list_experiments",
        title="List experiments",
        annotations=READ_ONLY,
        description="Experiments: id, name, status, progress, dataset.",
    )
    server.add_tool(
        get_experiment,
        name="get_experiment",
        title="One experiment",
        annotations=READ_ONLY,
        description="One experiment: status, workflow and each evaluator's average score over its rows.",
    )
    server.add_tool(
        get_experiment_results,
        name="get_experiment_results",
        title="Experiment rows",
        annotations=READ_ONLY,
        description="An experiment's rows: input, output, cost and scores, paged.",
    )
    server.add_tool(
        list_workflows,
        name="list_workflows",
        title="List workflows",
        annotations=READ_ONLY,
        description="Automations, monitors and evaluation pipelines: id, name, type, trigger, enabled.",
    )
    server.add_tool(
        get_workflow,
        name="get_workflow",
        title="One workflow",
        annotations=READ_ONLY,
        description="One workflow: its trigger and task chain (conditions, notifications, evals, webhooks).",
    )
    if read_only:
        return
    server.add_tool(
        create_dataset,
        name="create_dataset",
        title="Create a dataset",
        annotations=WRITES,
        description="Create a dataset from logs (a search_logs cursor, or a window and filters, or log "
        "ids), or empty. E.g. yesterday's failing requests in one call.",
    )
    server.add_tool(
        add_dataset_rows,
        name="add_dataset_rows",
        title="Add dataset rows",
        annotations=WRITES,
        description="Add rows ({input, output?, expected_output?, metadata?}) to a dataset; says which failed.",
    )
    server.add_tool(
        create_evaluator,
        name="create_evaluator",
        title="Create an LLM evaluator",
        annotations=WRITES,
        description="Create an LLM grader from instructions using {{input}}, {{output}}, {{expected_output}}, "
        "with a score range and passing score.",
    )
    server.add_tool(
        run_evaluator,
        name="run_evaluator",
        title="Run an evaluator",
        annotations=WRITES,
        description="Score one log (or an input/output pair) with an evaluator; spends credits.",
    )
    server.add_tool(
        create_experiment,
        name="create_experiment",
        title="Start an experiment",
        annotations=WRITES,
        description="Run a managed prompt (deployed) or a model over a dataset and score each row with "
        "evaluators; one experiment per variant to compare.",
    )
