"""Datasets: list, one (summary, eval runs, first rows), create (from a log search too), edit, delete; rows:
list, one, add, import from logs, edit, remove; score a dataset with evaluators."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from respan_mcp.contract import JsonObject
from respan_mcp.errors import RespanError
from respan_mcp.evals import api
from respan_mcp.evals.common import Cursor, Limit, ListPage, list_kind, next_page, optional, resume
from respan_mcp.evals.format import (
    dataset_record,
    dataset_row_record,
    eval_run_record,
    render_dataset_rows,
    row_value_lines,
    row_values,
    summary_record,
)
from respan_mcp.logs.api import LogQuery
from respan_mcp.logs.filters import LOG_FIELDS, FilterSpec, normalize_filters, time_window
from respan_mcp.output import Rows, clip, compact_json, loads_if_json
from respan_mcp.paths import api_path, check_id
from respan_mcp.state import app_state, reply, tool_errors


async def list_datasets(ctx: Context, limit: Limit = 20, cursor: Cursor = None) -> Annotated[CallToolResult, ListPage]:
    return await list_kind(ctx, "datasets", limit, cursor)


class DatasetDetail(BaseModel):
    dataset: dict[str, Any]
    rows: Rows[dict]
    row_count: int
    summary: dict[str, Any] | None = None
    eval_runs: Rows[dict] | None = None


async def get_dataset(
    ctx: Context,
    dataset_id: DatasetId,
    rows: Annotated[int, Field(ge=0, le=50, description="Rows to show")] = 5,
) -> Annotated[CallToolResult, DatasetDetail]:
    client = app_state(ctx).respan
    got: dict[str, Any] = {}
    failed: list[Exception] = []

    async def fetch(key: str, call: Awaitable[Any]) -> None:
        try:
            got[key] = await call
        except Exception as exc:  # kept, not raised: a task group would wrap it in an ExceptionGroup
            failed.append(exc)

    with tool_errors():
        dataset = await api.get(client, "datasets", dataset_id)  # first: a missing dataset is one clear 404
        runs_path = api_path("datasets/{id}/eval-reports/list/", id=dataset_id)
        async with anyio.create_task_group() as group:  # the rest at once
            if rows:
                group.start_soon(fetch, "rows", api.dataset_rows(client, dataset_id, 1, rows))
            # Totals and eval runs are extras: an API without them still shows the dataset.
            group.start_soon(fetch, "summary", optional(api.dataset_summary(client, dataset_id)))
            group.start_soon(fetch, "runs", optional(api.page_of(client, runs_path, 1, 5, "eval runs", post=False)))
        if failed:
            raise failed[0]
    items, count = got.get("rows", ([], 0))
    summary, runs = got["summary"], got["runs"]
    record = dataset_record(dataset)
    lines = [f"Dataset {record['id']} {record['name']!r} · {record['status']} · {record['rows']} rows"]
    if record["description"]:
        lines.append(record["description"])
    totals = summary_record(summary) if summary else None
    if totals:
        shown = (f"{k} {compact_json(v, 200) if isinstance(v, dict) else v}" for k, v in totals.items())
        lines.append("totals: " + ", ".join(shown))
    recent = [eval_run_record(r) for r in (runs[0] if runs else [])]
    if recent:
        runs_text = (
            f"{r['evaluator']} {r['status']} score {'-' if r['score'] is None else r['score']}" for r in recent
        )
        lines.append("recent eval runs: " + "; ".join(runs_text))
    slim = [dataset_row_record(item) for item in items]
    lines += [f"- {r['id']}: {clip(r['input'], 120)} -> {clip(r['output'], 120)}" for r in slim]
    if count > len(items):
        lines.append(f"More rows: list_dataset_rows(dataset_id={record['id']!r}).")
    lines.append(f"Run an experiment on it: create_experiment(dataset_id={record['id']!r}, ...).")
    output = DatasetDetail(dataset=record, rows=slim, row_count=count, summary=totals, eval_runs=recent or None)
    return reply(ctx, "\n".join(lines), output.model_dump())


def log_selection(
    from_search: str | None,
    since: str | None,
    start_time: str | None,
    end_time: str | None,
    filters: list[FilterSpec] | None,
    log_ids: list[str] | None,
) -> tuple[str, str, dict[str, Any]]:
    """The logs a dataset takes: a search_logs cursor's window and filters, or a window and filters, or ids."""
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
    return start, end, where


FromSearch = Annotated[
    str | None, Field(description="A search_logs next_cursor: its window and filters select the logs")
]
Since = Annotated[str | None, Field(description="Logs from this window back from now, e.g. '1d'")]
StartTime = Annotated[str | None, Field(description="Window start, ISO 8601")]
EndTime = Annotated[str | None, Field(description="Window end, ISO 8601")]
Filters = Annotated[list[FilterSpec] | None, Field(description="Log filters, as search_logs takes them")]
LogIds = Annotated[list[str] | None, Field(max_length=1000, description="Exactly these logs")]
Sampling = Annotated[int | None, Field(ge=1, le=100, description="Percent of matching logs")]
StoredValue = list[dict[str, Any]] | dict[str, Any] | str  # what a row holds: text, a message or messages
DatasetId = Annotated[str, Field(description="The dataset's id")]
RowId = Annotated[str, Field(description="The row's id (from list_dataset_rows)")]


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
    from_search: FromSearch = None,
    since: Since = None,
    start_time: StartTime = None,
    end_time: EndTime = None,
    filters: Filters = None,
    log_ids: LogIds = None,
    sampling: Sampling = None,
    empty: Annotated[bool, Field(description="true: an empty dataset to fill later")] = False,
    description: Annotated[str | None, Field(description="What it holds")] = None,
    copy_of: Annotated[str | None, Field(description="Or: duplicate this dataset (its rows too)")] = None,
) -> Annotated[CallToolResult, DatasetCreated]:
    body: dict[str, Any] = {"name": name, **({"description": description} if description else {})}
    with tool_errors():
        if copy_of:
            body["source_dataset_id"] = check_id("copy_of", copy_of)
        elif empty:
            body["is_empty"] = True
        else:
            start, end, where = log_selection(from_search, since, start_time, end_time, filters, log_ids)
            body.update({"start_time": start, "end_time": end, "initial_log_filters": where})
            if sampling is not None:
                body["sampling"] = sampling
        created = await api.create_dataset(app_state(ctx).respan, body)
    record = dataset_record(created)
    source = (
        f"a copy of {copy_of}"
        if copy_of
        else "empty"
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


class RowsAdded(BaseModel):
    dataset_id: str
    added: int
    failed: int
    errors: list[dict[str, Any]]


async def add_dataset_rows(
    ctx: Context,
    dataset_id: DatasetId,
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


class DatasetRows(BaseModel):
    dataset_id: str
    count: int
    page: int
    next_cursor: str | None = None
    rows: Rows[dict]


async def list_dataset_rows(
    ctx: Context, dataset_id: Annotated[str | None, Field(description="The dataset's id")] = None,
    limit: Limit = 20, cursor: Cursor = None,
) -> Annotated[CallToolResult, DatasetRows]:  # fmt: skip
    with tool_errors():
        dataset_id, page, limit = resume("list_dataset_rows", "dataset_id", dataset_id, limit, cursor)
        items, count = await api.dataset_rows(app_state(ctx).respan, dataset_id, page, limit)
    records = [dataset_row_record(item) for item in items]
    next_cursor = next_page("list_dataset_rows", "dataset_id", dataset_id, limit, page, count)
    text = f"Dataset {dataset_id}: {count:,} rows\n" + (render_dataset_rows(records) if records else "(no rows)")
    if next_cursor:
        text += f'\nNext page: list_dataset_rows(cursor="{next_cursor}")'
    output = DatasetRows(dataset_id=dataset_id, count=count, page=page, next_cursor=next_cursor, rows=records)
    return reply(ctx, text, output.model_dump())


class DatasetRow(BaseModel):
    id: str
    input: Any = None
    output: Any = None
    expected_output: Any = None
    metadata: dict[str, Any] | None = None
    scores: dict[str, Any] | None = None
    model: str | None = None


async def get_dataset_row(ctx: Context, dataset_id: DatasetId, row_id: RowId) -> Annotated[CallToolResult, DatasetRow]:
    with tool_errors():
        row = await api.dataset_row(app_state(ctx).respan, dataset_id, row_id)
    values = row_values(row)
    lines = [
        f"Row {row.get('unique_id') or row_id} of dataset {dataset_id}"
        + (f" · {row['model']}" if row.get("model") else ""),
        *row_value_lines(values),
    ]
    for key in ("metadata", "scores"):
        if row.get(key):
            lines.append(f"{key}: {compact_json(row[key], 600)}")
    lines.append(f"Edit it: update_dataset_row(dataset_id={dataset_id!r}, row_id={row_id!r}, expected_output=...).")
    output = DatasetRow(id=str(row.get("unique_id") or row_id), **values, metadata=row.get("metadata") or None,
                        scores=row.get("scores") or None, model=row.get("model"))  # fmt: skip
    return reply(ctx, "\n".join(lines), output.model_dump())


class DatasetChanged(BaseModel):
    dataset_id: str
    action: str
    detail: dict[str, Any] | None = None


async def update_dataset(
    ctx: Context,
    dataset_id: DatasetId,
    name: Annotated[str | None, Field(min_length=1, description="New name")] = None,
    description: Annotated[str | None, Field(description="New description")] = None,
) -> Annotated[CallToolResult, DatasetChanged]:
    body = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
    if not body:
        raise ToolError("Nothing to change: give name and/or description.")
    with tool_errors():
        updated = await api.update(app_state(ctx).respan, "datasets", dataset_id, body)
    record = dataset_record(updated) if updated else {"id": dataset_id, **body}
    text = f"Updated dataset {dataset_id}: " + ", ".join(f"{k} {v!r}" for k, v in body.items()) + "."
    return reply(ctx, text, DatasetChanged(dataset_id=dataset_id, action="updated", detail=record).model_dump())


async def delete_dataset(ctx: Context, dataset_id: DatasetId) -> Annotated[CallToolResult, DatasetChanged]:
    with tool_errors():
        await api.delete(app_state(ctx).respan, "datasets", dataset_id)
    text = f"Deleted dataset {dataset_id} and its rows."
    return reply(ctx, text, DatasetChanged(dataset_id=dataset_id, action="deleted").model_dump())


async def import_dataset_rows(
    ctx: Context,
    dataset_id: DatasetId,
    from_search: FromSearch = None,
    since: Since = None,
    start_time: StartTime = None,
    end_time: EndTime = None,
    filters: Filters = None,
    log_ids: LogIds = None,
    sampling: Sampling = None,
) -> Annotated[CallToolResult, DatasetChanged]:
    with tool_errors():
        start, end, where = log_selection(from_search, since, start_time, end_time, filters, log_ids)
        body: dict[str, Any] = {"start_time": start, "end_time": end, "filters": where}
        if sampling is not None:
            body["sampling_percentage"] = sampling
        answer = await api.import_dataset_rows(app_state(ctx).respan, dataset_id, body)
    text = (
        f"Importing logs {start} → {end}" + (f" where {compact_json(where, 200)}" if where else "")
        + f" into dataset {dataset_id}" + (f": {answer['message']}" if answer.get("message") else "")
        + f". It runs in the background: get_dataset(dataset_id={dataset_id!r}) shows the row count."
    )  # fmt: skip
    return reply(ctx, text, DatasetChanged(dataset_id=dataset_id, action="importing", detail=body).model_dump())


async def update_dataset_row(
    ctx: Context,
    dataset_id: DatasetId,
    row_id: RowId,
    input: Annotated[StoredValue | None, Field(description="New input: text or messages")] = None,
    output: Annotated[StoredValue | None, Field(description="New output: text or a message")] = None,
    expected_output: Annotated[
        StoredValue | None, Field(description="The reference answer evaluators compare with")
    ] = None,
    metadata: Annotated[JsonObject | None, Field(description="New metadata (replaces it)")] = None,
) -> Annotated[CallToolResult, DatasetChanged]:
    body = {k: loads_if_json(v) for k, v in (("input", input), ("output", output), ("expected_output", expected_output))
            if v is not None}  # fmt: skip
    if metadata is not None:
        body["metadata"] = metadata
    if not body:
        raise ToolError("Nothing to change: give input, output, expected_output or metadata.")
    with tool_errors():
        await api.update_dataset_row(app_state(ctx).respan, dataset_id, row_id, body)
    text = f"Updated row {row_id} of dataset {dataset_id}: {', '.join(body)}."
    detail = {"row_id": row_id, "fields": list(body)}
    changed = DatasetChanged(dataset_id=dataset_id, action="row updated", detail=detail)
    return reply(ctx, text, changed.model_dump())


async def remove_dataset_rows(
    ctx: Context,
    dataset_id: DatasetId,
    row_ids: Annotated[list[str] | None, Field(min_length=1, max_length=100, description="These rows")] = None,
    all_rows: Annotated[bool, Field(description="true: every row (the dataset stays)")] = False,
) -> Annotated[CallToolResult, DatasetChanged]:
    if bool(row_ids) == all_rows:
        raise ToolError("Give row_ids (up to 100) or all_rows=true, one of them.")
    client = app_state(ctx).respan
    removed: list[str] = []
    with tool_errors():
        if all_rows:
            answer = await api.remove_all_dataset_rows(client, dataset_id)
            text = f"Removing every row of dataset {dataset_id}" + (
                f": {answer['message']}" if answer.get("message") else "."
            )
        else:
            for row_id in dict.fromkeys(row_ids or []):
                try:
                    await api.delete_dataset_row(client, dataset_id, row_id)
                except RespanError as exc:
                    kept = [r for r in row_ids or [] if r not in removed]
                    raise ToolError(f"Removed {len(removed)} rows; row {row_id}: {exc} Rows not removed: "
                                    f"{', '.join(kept[:20])}.") from None  # fmt: skip
                removed.append(row_id)
            text = f"Removed {len(removed)} rows from dataset {dataset_id}."
    detail = {"all_rows": True} if all_rows else {"removed": removed}
    return reply(ctx, text, DatasetChanged(dataset_id=dataset_id, action="rows removed", detail=detail).model_dump())


async def evaluate_dataset(
    ctx: Context,
    dataset_id: DatasetId,
    evaluator_ids: Annotated[
        list[str], Field(min_length=1, max_length=20, description="Evaluators to run on every row")
    ],
) -> Annotated[CallToolResult, DatasetChanged]:
    with tool_errors():
        answer = await api.evaluate_dataset(app_state(ctx).respan, dataset_id, list(evaluator_ids))
    text = (
        f"Scoring dataset {dataset_id} with {', '.join(evaluator_ids)} (spends credits; runs in the background)."
        f" get_dataset(dataset_id={dataset_id!r}) shows the runs and their scores."
    )
    return reply(
        ctx, text, DatasetChanged(dataset_id=dataset_id, action="evaluating", detail=answer or None).model_dump()
    )
