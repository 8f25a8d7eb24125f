"""Experiments: list, one with score averages, start one, its rows, one row with its spans, delete."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from respan_mcp.contract import JsonObject
from respan_mcp.errors import UserError
from respan_mcp.evals import api
from respan_mcp.evals.common import Cursor, Limit, ListPage, list_kind, next_page, resume
from respan_mcp.evals.format import (
    MAX_SPANS,
    experiment_record,
    pipeline_scores_cut,
    render_rows,
    row_record,
    row_value_lines,
    row_values,
    score_averages,
    span_lines,
)
from respan_mcp.output import Rows, compact_json, fmt_cost
from respan_mcp.state import app_state, reply, tool_errors


async def list_experiments(
    ctx: Context, limit: Limit = 20, cursor: Cursor = None
) -> Annotated[CallToolResult, ListPage]:
    return await list_kind(ctx, "experiments", limit, cursor)


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


MAX_ROW_DETAILS = 100  # row details fetched to read pipeline scores that a list cut short


async def _with_whole_pipeline_scores(
    client: Any, experiment_id: str, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Rows whose pipeline scores the list cut short, replaced by their detail (bounded, 8 at a time)."""
    import anyio

    cut = [i for i, row in enumerate(rows) if pipeline_scores_cut(row)][:MAX_ROW_DETAILS]
    if not cut:
        return rows
    rows = list(rows)
    limiter = anyio.Semaphore(8)

    async def fetch(i: int) -> None:
        async with limiter:
            try:
                detail = await api.experiment_row(client, experiment_id, str(rows[i].get("id") or ""))
            except UserError:  # that row stays unscored; the others still count
                return
        if detail:
            rows[i] = {**rows[i], "task_metrics": detail.get("task_metrics") or rows[i].get("task_metrics")}

    async with anyio.create_task_group() as group:
        for i in cut:
            group.start_soon(fetch, i)
    return rows


async def get_experiment(
    ctx: Context, experiment_id: Annotated[str, Field(description="The experiment's id")]
) -> Annotated[CallToolResult, ExperimentDetail]:
    client = app_state(ctx).respan
    with tool_errors():
        experiment = await api.get(client, "experiments", experiment_id)
        rows, total = await api.all_experiment_rows(client, experiment_id)
        rows = await _with_whole_pipeline_scores(client, experiment_id, rows)
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
        + (
            "; ".join(
                f"{a['evaluator']} {a['average']:g} (min {a['min']:g}, max {a['max']:g}) over {a['rows']} rows"
                for a in averages
            )
            or "none yet"
        )
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
    evaluator_ids: Annotated[
        list[str] | None, Field(min_length=1, description="Evaluators (ids or slugs) that score each row")
    ] = None,
    prompt_id: Annotated[str | None, Field(description="Run this managed prompt (a deployed version)")] = None,
    prompt_version: Annotated[int | None, Field(description="Its version (default: the deployed one)")] = None,
    model: Annotated[str | None, Field(description="Or: run this model on the rows")] = None,
    parameters: Annotated[JsonObject | None, Field(description="With model: temperature, max_tokens, ...")] = None,
    name: Annotated[str | None, Field(description="The experiment's name")] = None,
    pipeline_ids: Annotated[
        list[str] | None, Field(min_length=1, description="Or: evaluation pipelines that score each row")
    ] = None,
) -> Annotated[CallToolResult, ExperimentRecord]:
    if bool(evaluator_ids) == bool(pipeline_ids):
        raise ToolError("Give evaluator_ids or pipeline_ids (evaluation workflows), one of them.")
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
    body = {"dataset_id": dataset_id, "workflow": workflow, **({"name": name} if name else {})}
    with tool_errors():
        created = await api.create_experiment(
            app_state(ctx).respan, body, list(evaluator_ids or []), list(pipeline_ids or [])
        )
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
    rows: Rows[dict]


async def get_experiment_results(
    ctx: Context,
    experiment_id: Annotated[str | None, Field(description="The experiment's id")] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, ExperimentRows]:
    with tool_errors():
        experiment_id, page, limit = resume("get_experiment_results", "experiment_id", experiment_id, limit, cursor)
        rows, count = await api.experiment_rows(app_state(ctx).respan, experiment_id, page, limit)
    records = [row_record(r) for r in rows]
    next_cursor = next_page("get_experiment_results", "experiment_id", experiment_id, limit, page, count)
    text = f"Experiment {experiment_id}: {count:,} rows\n" + render_rows(records)
    if next_cursor:
        text += f'\nNext page: get_experiment_results(cursor="{next_cursor}")'
    return reply(ctx, text, ExperimentRows(count=count, page=page, next_cursor=next_cursor, rows=records).model_dump())


class ExperimentRow(BaseModel):
    id: str
    status: str | None = None
    input: Any = None
    output: Any = None
    expected_output: Any = None
    scores: dict[str, Any] | None = None
    cost_usd: float | None = None
    trace_id: str | None = None
    spans: Rows[dict] | None = None


async def get_experiment_row(
    ctx: Context,
    experiment_id: Annotated[str, Field(description="The experiment's id")],
    row_id: Annotated[str, Field(description="The row's id (from get_experiment_results)")],
) -> Annotated[CallToolResult, ExperimentRow]:
    with tool_errors():
        row = await api.experiment_row(app_state(ctx).respan, experiment_id, row_id)
    record = row_record(row)
    values = row_values(row)
    spans = span_lines(row.get("span_tree"))
    head = (
        f"Row {record['id']} of experiment {experiment_id} · {record['status']} · cost {fmt_cost(record['cost_usd'])}"
    )
    lines = [head + (f" · trace {record['trace_id']}" if record["trace_id"] else ""), *row_value_lines(values)]
    if record["scores"]:
        lines.append("scores: " + compact_json(record["scores"], 400))
    if spans:
        lines += ["spans:", *[f"  {s['line']}" for s in spans[:MAX_SPANS]]]
        if len(spans) > MAX_SPANS:
            lines.append(f"  ... {len(spans) - MAX_SPANS} more spans")
    output = ExperimentRow(
        id=record["id"], status=record["status"], **values, scores=record["scores"] or None,
        cost_usd=record["cost_usd"], trace_id=record["trace_id"],
        spans=[{k: v for k, v in s.items() if k != "line"} for s in spans[:MAX_SPANS]] or None,
    )  # fmt: skip
    return reply(ctx, "\n".join(lines), output.model_dump())


class ExperimentDeleted(BaseModel):
    experiment_id: str
    deleted: bool


async def delete_experiment(
    ctx: Context, experiment_id: Annotated[str, Field(description="The experiment's id")]
) -> Annotated[CallToolResult, ExperimentDeleted]:
    with tool_errors():
        await api.delete(app_state(ctx).respan, "experiments", experiment_id)
    text = f"Deleted experiment {experiment_id} and its rows."
    return reply(ctx, text, ExperimentDeleted(experiment_id=experiment_id, deleted=True).model_dump())
