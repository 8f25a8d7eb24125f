"""Datasets: list, one with its first rows, create (from a log search too), add rows."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from respan_mcp.evals import api
from respan_mcp.evals.common import Cursor, Limit, ListPage, list_kind
from respan_mcp.evals.format import (
    dataset_record,
)
from respan_mcp.logs.api import LogQuery
from respan_mcp.logs.filters import LOG_FIELDS, FilterSpec, normalize_filters, time_window
from respan_mcp.output import clip, compact_json, content_text, loads_if_json
from respan_mcp.state import app_state, reply, tool_errors


async def list_datasets(ctx: Context, limit: Limit = 20, cursor: Cursor = None) -> Annotated[CallToolResult, ListPage]:
    return await list_kind(ctx, "datasets", limit, cursor)


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
