"""MCP skin of the logs capability: search, read, summarise and create logs; list and read traces.

Each tool declares its parameters, builds a LogQuery (or reads one from a cursor), calls logs/api.py
and shapes the answer with logs/format.py.
"""

from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from respan_mcp.annotations import READ_ONLY
from respan_mcp.errors import RespanError
from respan_mcp.logs import api
from respan_mcp.logs.api import LogQuery
from respan_mcp.logs.filters import (
    LOG_FIELDS,
    LOG_SORT_FIELDS,
    TRACE_FIELDS,
    TRACE_SORT_FIELDS,
    FilterSpec,
    normalize_filters,
    sanitize_sort,
    time_window,
)
from respan_mcp.logs.format import (
    breakdown,
    breakdown_table,
    log_detail,
    log_record,
    render_log,
    render_log_table,
    render_summary,
    render_tree,
    row_facts,
    trace_record,
    trace_row,
)
from respan_mcp.output import Rows, compact_json, table
from respan_mcp.redact import redact
from respan_mcp.state import app_state, reply, tool_errors

TABLE_FIELDS = ("unique_id", "timestamp", "model", "log_type", "status", "status_code", "latency", "cost",
                "prompt_tokens", "completion_tokens", "customer_identifier", "error_message")  # fmt: skip
BREAKDOWN_FIELDS = ("unique_id", "model", "log_type", "status", "status_code", "customer_identifier", "cost",
                    "latency", "prompt_tokens", "completion_tokens")  # fmt: skip


Since = Annotated[str | None, Field(description="Window back from now (or end_time): '30m', '2h', '7d'")]
StartTime = Annotated[str | None, Field(description="Window start, ISO 8601")]
EndTime = Annotated[str | None, Field(description="Window end, ISO 8601 (default now)")]
Model = Annotated[str | None, Field(description="Only this model")]
Customer = Annotated[str | None, Field(description="Only this customer_identifier")]
Status = Annotated[Literal["success", "error"] | None, Field(description="Only successful or failed calls")]
Filters = Annotated[
    list[FilterSpec] | None,
    Field(description="More filters, all must match, e.g. [{field:'latency', operator:'gt', value:5}]"),
]  # fmt: skip
Environment = Annotated[
    Literal["production", "test", "all"],
    Field(description="production (default), test or all"),
]
Cursor = Annotated[str | None, Field(description="next_cursor of the last answer (alone, continues it)")]


def _describe(filters: dict[str, Any]) -> str:
    return " · ".join(
        f"{field}{' ' + spec['operator'] if spec['operator'] else '='}"
        f"{spec['value'][0] if len(spec['value']) == 1 else spec['value']}"
        for field, spec in filters.items()
    )


def log_filters(
    model: str | None = None,
    customer_identifier: str | None = None,
    status: str | None = None,
    prompt_id: str | None = None,
    thread_identifier: str | None = None,
    trace_unique_id: str | None = None,
    min_cost: float | None = None,
    min_latency: float | None = None,
    metadata: dict[str, Any] | None = None,
    filters: list[FilterSpec] | None = None,
) -> dict[str, Any]:
    """Convenience arguments and general filters as one validated Respan filter object."""
    specs: list[dict[str, Any]] = []
    for field, value in (("model", model), ("customer_identifier", customer_identifier), ("status", status),
                         ("prompt_id", prompt_id), ("thread_identifier", thread_identifier),
                         ("trace_unique_id", trace_unique_id)):  # fmt: skip
        if value is not None:
            specs.append({"field": field, "operator": "", "value": value})
    if min_cost is not None:
        specs.append({"field": "cost", "operator": "gte", "value": min_cost})
    if min_latency is not None:
        specs.append({"field": "latency", "operator": "gte", "value": min_latency})
    for key, value in (metadata or {}).items():
        specs.append({"field": f"metadata__{key}", "operator": "", "value": value})
    specs += [f.model_dump() for f in filters or []]
    return normalize_filters(specs, LOG_FIELDS)


def _query_or_cursor(tool: str, cursor: str | None, given: dict[str, Any], build: Any) -> tuple[LogQuery, int, str]:
    """The query and page: from the cursor alone when there is one (other arguments are then ignored
    and the answer says so), else built from the arguments."""
    if not cursor:
        return build(), 1, ""
    query, page = LogQuery.from_cursor(tool, cursor)
    ignored = sorted(name for name, value in given.items() if value not in (None, [], {}))
    note = f" (ignored {', '.join(ignored)}: the cursor carries the whole query)" if ignored else ""
    return query, page, note


def _page_text(head: str, rows_text: str, shown: int, count: int, page: int, query: LogQuery, tool: str,
               then: str) -> tuple[str, str | None]:  # fmt: skip
    """`head: N match; a-b, sorted by X:` + the table + the exact next call; and the next cursor."""
    if not shown:
        return f"{head}: none match.", None
    first = (page - 1) * query.limit + 1
    text = f"{head}: {count:,} match; {first}-{first + shown - 1}, sorted by {query.sort_by}:\n{rows_text}"
    next_cursor = query.cursor(tool, page + 1) if page * query.limit < count else None
    if next_cursor:
        text += f'\nNext page: {tool}(cursor="{next_cursor}")'
    return f"{text}\n{then}", next_cursor


class LogRecord(BaseModel):
    """One row of a page: what the text's table shows (a failed call has `error`, its message or "error")."""

    id: str
    time: str | None = Field(default=None, description="ISO 8601, UTC")
    model: str | None = None
    status_code: int | None = None
    latency_s: float | None = None
    cost_usd: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    customer: str | None = None
    error: str | None = None
    fields: dict[str, Any] | None = Field(default=None, description="the extra fields asked for (redacted)")


class LogDetail(LogRecord):
    log_type: str | None = None
    status: str | None = None
    time_to_first_token_s: float | None = None
    input: list[dict[str, Any]] | dict[str, Any] | str | None = None
    output: list[dict[str, Any]] | dict[str, Any] | str | None = None
    metadata: dict[str, Any] | None = None
    thread: str | None = None
    trace_id: str | None = None
    prompt_id: str | None = None
    environment: str | None = None


class WindowPage(BaseModel):
    count: int
    page: int
    next_cursor: str | None = None
    start_time: str
    end_time: str


class LogPageOutput(WindowPage):
    logs: Rows[LogRecord]


async def search_logs(
    ctx: Context,
    since: Since = None,
    start_time: StartTime = None,
    end_time: EndTime = None,
    model: Model = None,
    customer_identifier: Customer = None,
    status: Status = None,
    prompt_id: Annotated[str | None, Field(description="Only calls of this managed prompt")] = None,
    thread_identifier: Annotated[str | None, Field(description="Only this thread")] = None,
    trace_unique_id: Annotated[str | None, Field(description="Only spans of this trace")] = None,
    min_cost: Annotated[float | None, Field(ge=0, description="Minimum cost, USD")] = None,
    min_latency: Annotated[float | None, Field(ge=0, description="Minimum latency, seconds")] = None,
    metadata: Annotated[dict[str, Any] | None, Field(description="Metadata key/values to match")] = None,
    filters: Filters = None,
    sort_by: Annotated[
        str | None,
        Field(description="-id (default: newest first), -cost, latency, -timestamp, ...; '-' = descending"),
    ] = None,
    fields: Annotated[list[str] | None, Field(description="Extra columns, e.g. ['metadata']")] = None,
    environment: Environment = "production",
    limit: Annotated[int, Field(ge=1, le=100, description="Per page")] = 20,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, LogPageOutput]:
    def build() -> LogQuery:
        start, end = time_window(since, start_time, end_time)
        where = log_filters(model, customer_identifier, status, prompt_id, thread_identifier, trace_unique_id,
                            min_cost, min_latency, metadata, filters)  # fmt: skip
        order = sanitize_sort(sort_by, LOG_SORT_FIELDS, "-id")
        extra = [f for f in (fields or []) if f not in TABLE_FIELDS]
        return LogQuery(start_time=start, end_time=end, filters=where, sort_by=order, limit=limit, fields=extra,
                        environment=environment)  # fmt: skip

    given = {"since": since, "start_time": start_time, "end_time": end_time, "model": model, "status": status,
             "customer_identifier": customer_identifier, "prompt_id": prompt_id, "metadata": metadata,
             "thread_identifier": thread_identifier, "trace_unique_id": trace_unique_id, "min_cost": min_cost,
             "min_latency": min_latency, "filters": filters, "sort_by": sort_by, "fields": fields}  # fmt: skip
    with tool_errors():
        query, page, note = _query_or_cursor("search_logs", cursor, given, build)
        items, count = await api.list_logs(app_state(ctx).respan, query, page, [*TABLE_FIELDS, *query.fields])
    records = [log_record(i, query.fields) for i in items]
    head = f"Logs {query.start_time} → {query.end_time}" + (f", {_describe(query.filters)}" if query.filters else "")
    rows_text = render_log_table(records, query.fields) if records else ""
    then = "Read one with get_log(log_id=<id>)." + note
    text, next_cursor = _page_text(head, rows_text, len(records), count, page, query, "search_logs", then)
    if not records and not (since or start_time or cursor):
        text += " The default window is the last hour: widen it with since='7d'."
    output = LogPageOutput(count=count, page=page, next_cursor=next_cursor, start_time=query.start_time,
                           end_time=query.end_time, logs=[LogRecord(**row_facts(r)) for r in records])  # fmt: skip
    return reply(ctx, text, output.model_dump(), more="use a smaller limit or fewer fields")


async def get_log(
    ctx: Context,
    log_id: Annotated[str, Field(description="The log's id (from search_logs)")],
    max_chars: Annotated[int, Field(ge=100, le=100_000, description="Longest message text shown")] = 2000,
) -> Annotated[CallToolResult, LogDetail]:
    with tool_errors():
        log = await api.get_log(app_state(ctx).respan, log_id)
    if not isinstance(log, dict):
        raise ToolError(f"Respan returned no log for {log_id[:80]!r}.")
    detail = LogDetail(**log_detail(log))
    return reply(ctx, render_log(log, max_chars), detail.model_dump(), more="call get_log with a smaller max_chars")


class BreakdownRow(BaseModel):
    group: str
    requests: int
    cost_usd: float
    tokens: int
    avg_latency_s: float | None = None
    errors: int


class SummaryOutput(BaseModel):
    start_time: str
    end_time: str
    summary: dict[str, Any] = Field(description="Respan's totals: number_of_requests, total_cost (USD), ...")
    errors: int | None = None
    breakdown: Rows[BreakdownRow] | None = None
    breakdown_sample: int | None = None


async def summarize_logs(
    ctx: Context,
    since: Since = None,
    start_time: StartTime = None,
    end_time: EndTime = None,
    model: Model = None,
    customer_identifier: Customer = None,
    status: Status = None,
    prompt_id: Annotated[str | None, Field(description="Only calls of this managed prompt")] = None,
    metadata: Annotated[dict[str, Any] | None, Field(description="Metadata key/values to match")] = None,
    filters: Filters = None,
    group_by: Annotated[
        Literal["model", "customer", "status"] | None,
        Field(description="Break totals down by model, customer or status"),
    ] = None,
    environment: Environment = "production",
    sample_size: Annotated[
        int, Field(ge=10, le=1000, description="Logs read for a breakdown (totals stay exact)")
    ] = 1000,
) -> Annotated[CallToolResult, SummaryOutput]:
    client = app_state(ctx).respan
    with tool_errors():
        start, end = time_window(since, start_time, end_time or None)
        where = log_filters(model, customer_identifier, status, prompt_id, None, None, None, None, metadata, filters)
        summary = await api.summary(client, start, end, environment, where, what="summarize_logs")
        errors: int | None = 0
        if status != "success":
            try:
                errors = await api.error_count(client, start, end, environment, where)
            except RespanError:
                errors = None  # the totals stand on their own; the rate is shown as unknown
    text = render_summary(summary, errors, (start, end))
    if where:
        text = f"Filters: {_describe(where)}\n" + text
    rows: list[dict[str, Any]] | None = None
    sampled: int | None = None
    if group_by:
        query = LogQuery(start_time=start, end_time=end, filters=where, sort_by="-id", limit=sample_size,
                         environment=environment)  # fmt: skip
        with tool_errors():
            items, total = await api.list_logs(client, query, 1, list(BREAKDOWN_FIELDS),
                                               what="summarize_logs (breakdown)")  # fmt: skip
        rows, sampled = breakdown(items, group_by), len(items)
        basis = (
            f"all {total:,} logs"
            if len(items) >= total
            else f"a sample of the newest {len(items):,} of {total:,} logs (raise sample_size up to 1000)"
        )
        text += f"\n\nBy {group_by} (from {basis}):\n" + breakdown_table(rows, group_by)
        if any(r["group"].startswith("(workflow/task") for r in rows):
            text += "\n(workflow/task spans carry no model: filters=[{field:'log_type', value:'chat'}] leaves them out)"
    output = SummaryOutput(start_time=start, end_time=end, summary=summary, errors=errors,
                           breakdown=[BreakdownRow(**r) for r in rows] if rows is not None else None,
                           breakdown_sample=sampled)  # fmt: skip
    return reply(ctx, text, output.model_dump())


class CreatedLog(BaseModel):
    unique_id: str | None = None
    stored_as: list[str] = Field(description="how plain-string input/output were wrapped, if they were")
    response: dict[str, Any] | None = None


async def create_log(
    ctx: Context,
    model: Annotated[str, Field(description="The model called")],
    input: Annotated[
        list[dict[str, Any]] | str,
        Field(description="Messages sent, or prompt text"),
    ],
    output: Annotated[
        dict[str, Any] | str | None,
        Field(description="The reply message, or text"),
    ] = None,
    prompt_tokens: Annotated[int | None, Field(ge=0, description="Input tokens")] = None,
    completion_tokens: Annotated[int | None, Field(ge=0, description="Output tokens")] = None,
    cost: Annotated[float | None, Field(ge=0, description="USD (default: from tokens)")] = None,
    latency: Annotated[float | None, Field(ge=0, description="Seconds")] = None,
    time_to_first_token: Annotated[float | None, Field(ge=0, description="Seconds to first token")] = None,
    customer_identifier: Annotated[str | None, Field(description="Your end user's id")] = None,
    metadata: Annotated[dict[str, Any] | None, Field(description="Key/values to filter by later")] = None,
    thread_identifier: Annotated[str | None, Field(description="Conversation id")] = None,
    custom_identifier: Annotated[str | None, Field(description="Your own indexed tag")] = None,
    trace_unique_id: Annotated[str | None, Field(description="Trace to attach to")] = None,
    span_name: Annotated[str | None, Field(description="Span name in the trace")] = None,
    status_code: Annotated[int | None, Field(description="HTTP-style status, 200 = ok")] = None,
    error_message: Annotated[str | None, Field(description="Error of a failed call")] = None,
    timestamp: Annotated[str | None, Field(description="When, ISO 8601 (default now)")] = None,
    log_type: Annotated[str, Field(description="chat (default), completion, embedding, ...")] = "chat",
    extra: Annotated[dict[str, Any] | None, Field(description="More log fields, sent as-is")] = None,
) -> Annotated[CallToolResult, CreatedLog]:
    body: dict[str, Any] = {**(extra or {})}
    body.update({k: v for k, v in {
        "model": model, "input": input, "output": output, "log_type": log_type, "cost": cost, "latency": latency,
        "time_to_first_token": time_to_first_token, "customer_identifier": customer_identifier,
        "metadata": metadata, "thread_identifier": thread_identifier, "custom_identifier": custom_identifier,
        "trace_unique_id": trace_unique_id, "span_name": span_name, "status_code": status_code,
        "error_message": error_message, "timestamp": timestamp,
    }.items() if v is not None})  # fmt: skip
    if prompt_tokens is not None or completion_tokens is not None:
        body["usage"] = {"prompt_tokens": prompt_tokens or 0, "completion_tokens": completion_tokens or 0,
                         "total_tokens": (prompt_tokens or 0) + (completion_tokens or 0)}  # fmt: skip
        body.update({"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens})
    wrapped = api.chat_shapes(body)
    with tool_errors():
        created = await api.create_log(app_state(ctx).respan, body)
    how = f" ({'; '.join(wrapped)}, as log_type chat expects)" if wrapped else ""
    log_id = created.get("unique_id") or created.get("id") if isinstance(created, dict) else None
    response = redact(created) if isinstance(created, dict) else None
    output_data = CreatedLog(unique_id=str(log_id) if log_id else None, stored_as=wrapped, response=response)
    if log_id:
        text = f"Logged {model} call as {log_id}{how}. Read it back with get_log(log_id={str(log_id)!r})."
    else:
        text = f"Logged {model} call{how} ({compact_json(created, 200)})."
    return reply(ctx, text, output_data.model_dump())


class TraceRecord(BaseModel):
    trace_id: str
    name: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    duration_s: float | None = None
    spans: int | None = None
    llm_calls: int | None = None
    cost_usd: float | None = None
    tokens: int | None = None
    errors: int
    customer: str | None = None
    environment: str | None = None


class TracePageOutput(WindowPage):
    traces: Rows[TraceRecord]


async def list_traces(
    ctx: Context,
    since: Since = None,
    start_time: StartTime = None,
    end_time: EndTime = None,
    customer_identifier: Customer = None,
    workflow: Annotated[str | None, Field(description="Only this span_workflow_name")] = None,
    with_errors: Annotated[bool | None, Field(description="true: with errors; false: without")] = None,
    min_cost: Annotated[float | None, Field(ge=0, description="Minimum cost, USD")] = None,
    min_duration: Annotated[float | None, Field(ge=0, description="Minimum duration, seconds")] = None,
    filters: Annotated[
        list[FilterSpec] | None,
        Field(description="More filters on trace fields (error_count, total_cost, metadata__<key>, ...)"),
    ] = None,
    sort_by: Annotated[str | None, Field(description="-timestamp (default), -duration, -total_cost, ...")] = None,
    environment: Annotated[str | None, Field(description="Only this environment")] = None,
    limit: Annotated[int, Field(ge=1, le=100, description="Per page")] = 20,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, TracePageOutput]:
    def build() -> LogQuery:
        start, end = time_window(since, start_time, end_time)
        specs: list[dict[str, Any]] = [f.model_dump() for f in filters or []]
        if customer_identifier:
            specs.append({"field": "customer_identifier", "operator": "", "value": customer_identifier})
        if workflow:
            specs.append({"field": "span_workflow_name", "operator": "", "value": workflow})
        if with_errors is not None:
            specs.append({"field": "error_count", "operator": "gt" if with_errors else "", "value": 0})
        if min_cost is not None:
            specs.append({"field": "total_cost", "operator": "gte", "value": min_cost})
        if min_duration is not None:
            specs.append({"field": "duration", "operator": "gte", "value": min_duration})
        where = normalize_filters(specs, TRACE_FIELDS)
        order = sanitize_sort(sort_by, TRACE_SORT_FIELDS, "-timestamp")
        return LogQuery(start_time=start, end_time=end, filters=where, sort_by=order, limit=limit,
                        environment=environment)  # fmt: skip

    given = {"since": since, "start_time": start_time, "end_time": end_time, "workflow": workflow,
             "customer_identifier": customer_identifier, "with_errors": with_errors, "min_cost": min_cost,
             "min_duration": min_duration, "filters": filters, "sort_by": sort_by,
             "environment": environment}  # fmt: skip
    with tool_errors():
        query, page, note = _query_or_cursor("list_traces", cursor, given, build)
        items, count = await api.list_traces(app_state(ctx).respan, query, page)
    records = [trace_record(i) for i in items]
    rows = [trace_row(r) for r in records]
    head = f"Traces {query.start_time} → {query.end_time}" + (f", {_describe(query.filters)}" if query.filters else "")
    table_text = table(rows, list(rows[0]), widths={"trace": 40, "name": 40}) if rows else ""
    then = "See one's span tree with get_trace(trace_id=<trace>)." + note
    text, next_cursor = _page_text(head, table_text, len(rows), count, page, query, "list_traces", then)
    output = TracePageOutput(count=count, page=page, next_cursor=next_cursor, start_time=query.start_time,
                             end_time=query.end_time, traces=[TraceRecord(**r) for r in records])  # fmt: skip
    return reply(ctx, text, output.model_dump())


class SpanRecord(BaseModel):
    log_id: str | None = Field(default=None, description="the span's log: get_log(log_id=...) opens it")
    depth: int = Field(description="0 for a root span; the spans are depth first, so depth gives the tree")
    name: str | None = None
    log_type: str | None = None
    model: str | None = None
    latency_s: float | None = None
    cost_usd: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    failed: bool


class TraceOutput(BaseModel):
    trace: TraceRecord
    spans: Rows[SpanRecord] = Field(description="depth first, as many as shown")
    spans_total: int
    waited_s: float = Field(description="time spent waiting for a just-created trace to be ingested")


async def get_trace(
    ctx: Context,
    trace_id: Annotated[str, Field(description="trace_unique_id (from list_traces)")],
    max_spans: Annotated[int, Field(ge=1, le=2000, description="Most spans shown")] = 150,
    environment: Annotated[str | None, Field(description="Its environment, if known")] = None,
    start_time: Annotated[str | None, Field(description="Its start, ISO 8601, if known")] = None,
    end_time: Annotated[str | None, Field(description="Its end, if known")] = None,
) -> Annotated[CallToolResult, TraceOutput]:
    from respan_mcp.logs.format import span_failed, spans_with_depth

    with tool_errors():
        trace, waited = await api.get_trace(app_state(ctx).respan, trace_id, environment=environment,
                                            start_time=start_time, end_time=end_time)  # fmt: skip
    if not isinstance(trace, dict):
        raise ToolError(f"Respan returned no trace for {trace_id[:80]!r}.")
    record = trace_record(trace)
    row = trace_row(record)
    head = (
        f"Trace {trace_id} · {row['name'] or ''} · started {record['start_time']} · {row['duration']} · "
        f"{row['spans']} spans ({row['llm']} LLM calls) · {row['cost']} · {row['tokens']} tokens · "
        f"{row['errors']} errors" + (f" · customer {row['customer']}" if row["customer"] else "")
    )
    spans = trace.get("span_tree") or []
    tree, shown, total = render_tree(spans, max_spans)
    text = f"{head}\n{tree or '(no spans recorded)'}"
    if shown < total:
        text += f"\n[{total - shown} more spans not shown; call get_trace(trace_id={trace_id!r}, max_spans={total})]"
    text += "\nRead a span's messages with get_log(log_id=<its log id>)."
    if waited:
        text += f"\n(The trace was not there at first: waited {waited:g} s for Respan to ingest it.)"
    span_records = [
        SpanRecord(log_id=n.get("unique_id"), depth=depth, name=n.get("span_name"), log_type=n.get("log_type"),
                   model=n.get("model"),
                   latency_s=n.get("latency") if isinstance(n.get("latency"), (int, float)) else None,
                   cost_usd=n.get("cost") if isinstance(n.get("cost"), (int, float)) else None,
                   prompt_tokens=n.get("prompt_tokens"), completion_tokens=n.get("completion_tokens"),
                   failed=span_failed(n))
        for n, depth in spans_with_depth(spans)[:shown]
    ]  # fmt: skip
    output = TraceOutput(trace=TraceRecord(**record), spans=span_records, spans_total=total, waited_s=waited)
    return reply(ctx, text, output.model_dump(), more="call get_trace with fewer max_spans")


def register(server: MCPServer, *, read_only: bool) -> None:
    server.add_tool(
        search_logs,
        name="search_logs",
        title="Search Respan logs",
        description="Find request logs (spans) in a window (default: last hour) by model, customer, status, prompt, "
        "thread, trace, cost, latency, metadata or any field: a compact table, the total and next_cursor. E.g. a "
        "customer's failed calls, the slowest calls today.",
        annotations=READ_ONLY,
    )
    server.add_tool(
        get_log,
        name="get_log",
        title="Read one Respan log",
        description="One request log in full: input and output as a conversation, metadata, metrics, errors; "
        "credentials redacted.",
        annotations=READ_ONLY,
    )
    server.add_tool(
        summarize_logs,
        name="summarize_logs",
        title="Summarise Respan logs",
        description="Totals for a window and filters: requests, cost, tokens, latency, TTFT, error rate; optionally "
        "by model, customer or status. E.g. yesterday's spend, which customer costs most.",
        annotations=READ_ONLY,
    )
    server.add_tool(
        list_traces,
        name="list_traces",
        title="List Respan traces",
        description="Traces (multi-step workflows) in a window, each with its spans, LLM calls, duration, cost, "
        "tokens and errors.",
        annotations=READ_ONLY,
    )
    server.add_tool(
        get_trace,
        name="get_trace",
        title="Read one Respan trace",
        description="One trace's span tree: each span's type, model, latency, cost, tokens, errors and log id "
        "(for get_log).",
        annotations=READ_ONLY,
    )
    if not read_only:
        server.add_tool(
            create_log,
            name="create_log",
            title="Log an LLM call to Respan",
            description="Record an LLM call made outside the gateway (input, output, usage, cost, latency, "
            "customer, metadata) as a Respan log.",
            annotations=ToolAnnotations(
                read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True
            ),
        )
