"""MCP skin of the logs capability: search, read, summarise and create logs; list and read traces."""

from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from respan_mcp.errors import RespanError
from respan_mcp.logs.filters import (
    LOG_FIELDS,
    LOG_SORT_FIELDS,
    TRACE_FIELDS,
    TRACE_SORT_FIELDS,
    FilterError,
    normalize_filters,
    sanitize_sort,
    time_window,
)
from respan_mcp.logs.format import (
    breakdown,
    log_row,
    render_log,
    render_log_table,
    render_summary,
    render_tree,
    trace_row,
)
from respan_mcp.output import compact_json, table
from respan_mcp.paths import api_path
from respan_mcp.redact import redact
from respan_mcp.state import app_state, page_number, reply, tool_errors

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True)
TABLE_FIELDS = ("unique_id", "timestamp", "model", "status", "status_code", "latency", "cost", "prompt_tokens",
                "completion_tokens", "customer_identifier", "error_message")  # fmt: skip
BREAKDOWN_FIELDS = ("unique_id", "model", "status", "customer_identifier", "cost", "latency", "prompt_tokens",
                    "completion_tokens")  # fmt: skip


class FilterSpec(BaseModel):
    field: str = Field(description="A log field (model, customer_identifier, cost, ...) or metadata__<key>.")
    operator: str = Field(
        default="",
        description="'' (equals), not, lt, lte, gt, gte, contains, icontains, iexact, startswith, endswith, in, "
        "isnull.",
    )
    value: str | int | float | bool | list[str | int | float | bool] | None = Field(
        description="A value or a list of values (isnull takes true/false)."
    )


Since = Annotated[
    str | None, Field(description="Relative window ending now (or at end_time): '30m', '2h', '7d', '1w'.")
]
StartTime = Annotated[str | None, Field(description="Window start, ISO 8601 (e.g. '2026-11-21T09:00:00Z').")]
EndTime = Annotated[str | None, Field(description="Window end, ISO 8601; default now.")]
Model = Annotated[str | None, Field(description="Only this model, e.g. 'gpt-4o'.")]
Customer = Annotated[str | None, Field(description="Only this customer_identifier (your end user).")]
Status = Annotated[Literal["success", "error"] | None, Field(description="Only successful or only failed calls.")]
Filters = Annotated[
    list[FilterSpec] | None,
    Field(description="More filters, all must match: [{field, operator, value}], e.g. "
          "[{field:'metadata__feature', operator:'', value:'checkout'}, {field:'latency', operator:'gt', value:5}]."),
]  # fmt: skip
Environment = Annotated[
    Literal["production", "test", "all"],
    Field(description="Which keys' logs: production (default), test, or all."),
]
Cursor = Annotated[str | None, Field(description="The page to fetch, as given by the previous answer.")]


def _call(tool: str, args: dict[str, Any]) -> str:
    shown = ", ".join(
        f"{k}={v!r}" if isinstance(v, (str, int, float, bool)) else f"{k}={compact_json(v)}"
        for k, v in args.items()
        if v not in (None, [], {})
    )
    return f"{tool}({shown})"


def _env_params(environment: str) -> dict[str, str]:
    if environment == "all":
        return {"all_envs": "true"}
    return {"is_test": "true" if environment == "test" else "false"}


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
    try:
        return normalize_filters(specs, LOG_FIELDS)
    except FilterError as exc:
        raise ToolError(str(exc)) from None


def _window(since: str | None, start_time: str | None, end_time: str | None) -> tuple[str, str]:
    try:
        return time_window(since, start_time, end_time)
    except FilterError as exc:
        raise ToolError(str(exc)) from None


def _describe(filters: dict[str, Any]) -> str:
    return " · ".join(
        f"{field}{' ' + spec['operator'] if spec['operator'] else '='}"
        f"{spec['value'][0] if len(spec['value']) == 1 else spec['value']}"
        for field, spec in filters.items()
    )


class WindowPage(BaseModel):
    count: int
    page: int
    next_cursor: str | None
    start_time: str
    end_time: str


class LogPageOutput(WindowPage):
    logs: list[dict[str, Any]]


def _results(data: Any) -> tuple[list[dict[str, Any]], int]:
    """A list page's items (never its filters_data) and the total count."""
    items = [i for i in (data or {}).get("results") or [] if isinstance(i, dict)]
    return items, int((data or {}).get("count") or len(items))


def _page_text(
    head: str, rows_text: str, shown: int, count: int, page: int, limit: int, order: str, next_call: str, then: str
) -> tuple[str, str | None]:
    """`head: N match; a-b, sorted by X:` + the table + the exact next call; and the next cursor."""
    if not shown:
        return f"{head}: none match.", None
    first = (page - 1) * limit + 1
    text = f"{head}: {count:,} match; {first}-{first + shown - 1}, sorted by {order}:\n{rows_text}"
    has_next = page * limit < count
    if has_next:
        text += f"\nNext page: {next_call}"
    return f"{text}\n{then}", str(page + 1) if has_next else None


async def search_logs(
    ctx: Context,
    since: Since = None,
    start_time: StartTime = None,
    end_time: EndTime = None,
    model: Model = None,
    customer_identifier: Customer = None,
    status: Status = None,
    prompt_id: Annotated[str | None, Field(description="Only calls made with this managed prompt.")] = None,
    thread_identifier: Annotated[str | None, Field(description="Only this conversation thread.")] = None,
    trace_unique_id: Annotated[str | None, Field(description="Only spans of this trace.")] = None,
    min_cost: Annotated[float | None, Field(ge=0, description="Only calls costing at least this many USD.")] = None,
    min_latency: Annotated[float | None, Field(ge=0, description="Only calls at least this slow, in seconds.")] = None,
    metadata: Annotated[
        dict[str, Any] | None, Field(description="Only logs whose metadata has these key/values.")
    ] = None,
    filters: Filters = None,
    sort_by: Annotated[
        str | None,
        Field(
            description="id (default, newest first as -id), cost, latency, time_to_first_token, prompt_tokens, "
            "completion_tokens, all_tokens, tokens_per_second; '-' prefix = descending."
        ),
    ] = None,
    fields: Annotated[
        list[str] | None, Field(description="Extra columns, e.g. ['thread_identifier', 'metadata', 'prompt_id'].")
    ] = None,
    environment: Environment = "production",
    limit: Annotated[int, Field(ge=1, le=100, description="Logs per page.")] = 20,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, LogPageOutput]:
    page = page_number(cursor)
    start, end = _window(since, start_time, end_time)
    where = log_filters(model, customer_identifier, status, prompt_id, thread_identifier, trace_unique_id, min_cost,
                        min_latency, metadata, filters)  # fmt: skip
    try:
        order = sanitize_sort(sort_by, LOG_SORT_FIELDS, "-id")
    except FilterError as exc:
        raise ToolError(str(exc)) from None
    extra = [f for f in (fields or []) if f not in TABLE_FIELDS]
    params = {"start_time": start, "end_time": end, "page": page, "page_size": limit, "sort_by": order,
              "include_fields": ",".join((*TABLE_FIELDS, *extra)), **_env_params(environment)}  # fmt: skip
    with tool_errors():
        data = await app_state(ctx).respan.request(
            "POST", "request-logs/list/", params=params, json_body={"filters": where, "operator": "AND"},
            read=True, what="search_logs",
        )  # fmt: skip
    items, count = _results(data)
    head = f"Logs {start} → {end}" + (f", {_describe(where)}" if where else "")
    args = {"start_time": start, "end_time": end, "model": model, "customer_identifier": customer_identifier,
            "status": status, "prompt_id": prompt_id, "thread_identifier": thread_identifier,
            "trace_unique_id": trace_unique_id, "min_cost": min_cost, "min_latency": min_latency,
            "metadata": metadata, "filters": [f.model_dump() for f in filters or []] or None,
            "sort_by": sort_by and order, "fields": fields,
            "environment": None if environment == "production" else environment, "limit": limit,
            "cursor": str(page + 1)}  # fmt: skip
    rows_text = render_log_table(items, extra) if items else ""
    then = "Read one with get_log(log_id=<id>)."
    text, next_cursor = _page_text(
        head, rows_text, len(items), count, page, limit, order, _call("search_logs", args), then
    )
    if not items and not (since or start_time):
        text += " The default window is the last hour: widen it with since='7d'."
    output = LogPageOutput(count=count, page=page, next_cursor=next_cursor, start_time=start, end_time=end,
                           logs=[log_row(i, extra) for i in items])  # fmt: skip
    return reply(ctx, text, output.model_dump(), more="use a smaller limit or fewer fields")


async def get_log(
    ctx: Context,
    log_id: Annotated[str, Field(description="The log's unique_id (search_logs shows it).")],
    max_chars: Annotated[
        int, Field(ge=100, le=100_000, description="Longest message text shown before it is cut.")
    ] = 2000,
) -> CallToolResult:
    with tool_errors():
        path = api_path("request-logs/{id}/", id=log_id)
        log = await app_state(ctx).respan.request("GET", path, what=f"log {log_id!r}")
    if not isinstance(log, dict):
        raise ToolError(f"Respan returned no log for {log_id!r}.")
    text = render_log(log, max_chars)
    return reply(ctx, text, more="call get_log with a smaller max_chars")


class SummaryOutput(BaseModel):
    start_time: str
    end_time: str
    summary: dict[str, Any]
    errors: int | None
    breakdown: list[dict[str, Any]] | None = None
    breakdown_sample: int | None = None


async def summarize_logs(
    ctx: Context,
    since: Since = None,
    start_time: StartTime = None,
    end_time: EndTime = None,
    model: Model = None,
    customer_identifier: Customer = None,
    status: Status = None,
    prompt_id: Annotated[str | None, Field(description="Only calls made with this managed prompt.")] = None,
    metadata: Annotated[dict[str, Any] | None, Field(description="Only logs with these metadata key/values.")] = None,
    filters: Filters = None,
    group_by: Annotated[
        Literal["model", "customer", "status"] | None,
        Field(description="Also break the totals down by model, customer or status."),
    ] = None,
    environment: Environment = "production",
    sample_size: Annotated[
        int, Field(ge=10, le=1000, description="Logs read for the breakdown at most (totals are always exact).")
    ] = 1000,
) -> Annotated[CallToolResult, SummaryOutput]:
    start, end = _window(since, start_time, end_time or None)
    where = log_filters(model, customer_identifier, status, prompt_id, None, None, None, None, metadata, filters)
    client = app_state(ctx).respan
    window = {"start_time": start, "end_time": end, **_env_params(environment)}
    with tool_errors():
        summary = await client.request("POST", "request-logs/summary/", params=window,
                                       json_body={"filters": where}, read=True, what="summarize_logs")  # fmt: skip
        errors: int | None = None
        if status != "success":
            error_where = {**where, "status": {"operator": "", "value": ["error"]}}
            try:
                error_summary = await client.request("POST", "request-logs/summary/", params=window,
                                                     json_body={"filters": error_where}, read=True,
                                                     what="summarize_logs (errors)")  # fmt: skip
                errors = int((error_summary or {}).get("number_of_requests") or 0)
            except RespanError:
                errors = None  # the totals stand on their own; the rate is shown as unknown
        else:
            errors = 0
    summary = {k: v for k, v in (summary or {}).items() if k != "filters_data"}
    text = render_summary(summary, errors, (start, end))
    if where:
        text = f"Filters: {_describe(where)}\n" + text
    rows: list[dict[str, Any]] | None = None
    sampled: int | None = None
    if group_by:
        params = {**window, "page": 1, "page_size": sample_size, "sort_by": "-id",
                  "include_fields": ",".join(BREAKDOWN_FIELDS)}  # fmt: skip
        with tool_errors():
            data = await client.request("POST", "request-logs/list/", params=params,
                                        json_body={"filters": where, "operator": "AND"}, read=True,
                                        what="summarize_logs (breakdown)")  # fmt: skip
        items, total = _results(data)
        rows, sampled = breakdown(items, group_by), len(items)
        basis = (
            f"all {total:,} logs"
            if len(items) >= total
            else f"a sample of the newest {len(items):,} of {total:,} logs (raise sample_size up to 1000)"
        )
        text += f"\n\nBy {group_by} (from {basis}):\n" + table(rows, list(rows[0]) if rows else [group_by])
    output = SummaryOutput(start_time=start, end_time=end, summary=summary, errors=errors, breakdown=rows,
                           breakdown_sample=sampled)  # fmt: skip
    return reply(ctx, text, output.model_dump())


async def create_log(
    ctx: Context,
    model: Annotated[str, Field(description="The model that was called, e.g. 'gpt-4o'.")],
    input: Annotated[
        list[dict[str, Any]] | str,
        Field(description="What was sent: chat messages [{role, content}] or a plain prompt string."),
    ],
    output: Annotated[
        dict[str, Any] | str | None,
        Field(description="What came back: the assistant message {role, content, tool_calls?} or text."),
    ] = None,
    prompt_tokens: Annotated[int | None, Field(ge=0)] = None,
    completion_tokens: Annotated[int | None, Field(ge=0)] = None,
    cost: Annotated[float | None, Field(ge=0, description="USD; Respan computes it from tokens when omitted.")] = None,
    latency: Annotated[float | None, Field(ge=0, description="Seconds the call took.")] = None,
    time_to_first_token: Annotated[float | None, Field(ge=0, description="Seconds to the first token.")] = None,
    customer_identifier: Customer = None,
    metadata: Annotated[dict[str, Any] | None, Field(description="Free key/values to filter by later.")] = None,
    thread_identifier: Annotated[str | None, Field(description="Conversation this call belongs to.")] = None,
    custom_identifier: Annotated[str | None, Field(description="An indexed tag of your own.")] = None,
    trace_unique_id: Annotated[str | None, Field(description="Trace to attach the span to.")] = None,
    span_name: Annotated[str | None, Field(description="Name of the span within the trace.")] = None,
    status_code: Annotated[int | None, Field(description="HTTP-style status of the call; 200 when it worked.")] = None,
    error_message: Annotated[str | None, Field(description="What went wrong, for a failed call.")] = None,
    timestamp: Annotated[str | None, Field(description="When the call happened, ISO 8601; default now.")] = None,
    log_type: Annotated[str, Field(description="chat (default), completion, embedding, ...")] = "chat",
    extra: Annotated[
        dict[str, Any] | None, Field(description="Any further log fields, sent as-is (temperature, stream, ...).")
    ] = None,
) -> CallToolResult:
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
    client = app_state(ctx).respan
    with tool_errors():
        try:
            created = await client.request("POST", "request-logs/", json_body=body, read=False, what="create_log")
        except RespanError as exc:
            if exc.status not in (404, 405):
                raise
            # Older deployments only have the legacy endpoint, with its own field names.
            legacy = {**body, "prompt_messages": body.pop("input"), "generation_time": body.pop("latency", None)}
            if "output" in body:
                legacy["completion_message"] = body.pop("output")
            legacy = {k: v for k, v in legacy.items() if k not in ("input", "output", "latency") and v is not None}
            created = await client.request("POST", "request-logs/create/", json_body=legacy, read=False,
                                           what="create_log")  # fmt: skip
    if isinstance(created, dict) and (created.get("unique_id") or created.get("id")):
        log_id = created.get("unique_id") or created.get("id")
        return reply(ctx, f"Logged {model} call as {log_id}. Read it back with get_log(log_id={log_id!r}).",
                     {"unique_id": log_id, "response": redact(created)})  # fmt: skip
    return reply(ctx, f"Logged {model} call ({compact_json(created, 200)}).", {"response": redact(created)})


class TracePageOutput(WindowPage):
    traces: list[dict[str, Any]]


async def list_traces(
    ctx: Context,
    since: Since = None,
    start_time: StartTime = None,
    end_time: EndTime = None,
    customer_identifier: Customer = None,
    workflow: Annotated[str | None, Field(description="Only traces of this span_workflow_name.")] = None,
    with_errors: Annotated[bool | None, Field(description="true: only traces with an error; false: none.")] = None,
    min_cost: Annotated[float | None, Field(ge=0, description="Only traces costing at least this (USD).")] = None,
    min_duration: Annotated[float | None, Field(ge=0, description="Only traces at least this long (s).")] = None,
    filters: Annotated[
        list[FilterSpec] | None,
        Field(description="More filters on trace fields: " + ", ".join(TRACE_FIELDS) + ", metadata__<key>."),
    ] = None,
    sort_by: Annotated[
        str | None, Field(description="-timestamp (default), duration, total_cost, total_tokens, span_count, ...")
    ] = None,
    environment: Annotated[str | None, Field(description="Only this environment, e.g. 'production'.")] = None,
    limit: Annotated[int, Field(ge=1, le=100, description="Traces per page.")] = 20,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, TracePageOutput]:
    page = page_number(cursor)
    start, end = _window(since, start_time, end_time)
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
    try:
        where = normalize_filters(specs, TRACE_FIELDS)
        order = sanitize_sort(sort_by, TRACE_SORT_FIELDS, "-timestamp")
    except FilterError as exc:
        raise ToolError(str(exc)) from None
    params = {"start_time": start, "end_time": end, "page": page, "page_size": limit, "sort_by": order,
              "environment": environment}  # fmt: skip
    with tool_errors():
        data = await app_state(ctx).respan.request(
            "POST", "traces/list/", params=params, json_body={"filters": where}, read=True, what="list_traces"
        )
    items, count = _results(data)
    rows = [trace_row(i) for i in items]
    head = f"Traces {start} → {end}" + (f", {_describe(where)}" if where else "")
    args = {"start_time": start, "end_time": end, "customer_identifier": customer_identifier,
            "workflow": workflow, "with_errors": with_errors, "min_cost": min_cost, "min_duration": min_duration,
            "filters": [f.model_dump() for f in filters or []] or None, "sort_by": sort_by and order,
            "environment": environment, "limit": limit, "cursor": str(page + 1)}  # fmt: skip
    table_text = table(rows, list(rows[0]), widths={"trace": 40, "name": 40}) if rows else ""
    then = "See one's span tree with get_trace(trace_id=<trace>)."
    text, next_cursor = _page_text(
        head, table_text, len(rows), count, page, limit, order, _call("list_traces", args), then
    )
    output = TracePageOutput(count=count, page=page, next_cursor=next_cursor, start_time=start, end_time=end,
                             traces=rows)  # fmt: skip
    return reply(ctx, text, output.model_dump())


async def get_trace(
    ctx: Context,
    trace_id: Annotated[str, Field(description="The trace_unique_id (list_traces shows it).")],
    max_spans: Annotated[int, Field(ge=1, le=2000, description="Spans shown at most, depth first.")] = 150,
) -> CallToolResult:
    with tool_errors():
        path = api_path("traces/{id}/", id=trace_id)
        trace = await app_state(ctx).respan.request("GET", path, what=f"trace {trace_id!r}")
    if not isinstance(trace, dict):
        raise ToolError(f"Respan returned no trace for {trace_id!r}.")
    row = trace_row(trace)
    head = (
        f"Trace {trace_id} · {row['name'] or ''} · started {trace.get('start_time')} · {row['duration']} · "
        f"{row['spans']} spans ({row['llm']} LLM calls) · {row['cost']} · {row['tokens']} tokens · "
        f"{row['errors']} errors" + (f" · customer {row['customer']}" if row["customer"] else "")
    )
    tree, shown, total = render_tree(trace.get("span_tree") or [], max_spans)
    text = f"{head}\n{tree or '(no spans recorded)'}"
    if shown < total:
        text += f"\n[{total - shown} more spans not shown; call get_trace(trace_id={trace_id!r}, max_spans={total})]"
    text += "\nRead a span's messages with get_log(log_id=<span id>) via search_logs(trace_unique_id=...)."
    return reply(ctx, text, more="call get_trace with fewer max_spans")


def register(server: MCPServer, *, read_only: bool) -> None:
    server.add_tool(
        search_logs,
        name="search_logs",
        title="Search Respan request logs",
        description="Find LLM request logs (spans) in a time window (default: the last hour) by model, customer, "
        "status, prompt, thread, trace, cost, latency, metadata or any field. Answers as a compact table with the "
        "total count and the exact call for the next page. Use it for 'show me the failed calls for customer X', "
        "'the slowest gpt-4o calls today', 'what did thread T do'.",
        annotations=READ_ONLY,
    )
    server.add_tool(
        get_log,
        name="get_log",
        title="Read one Respan log",
        description="One request log in full: the input and output as a readable conversation (roles, tool calls), "
        "metadata, metrics and errors. Provider keys and credentials are redacted.",
        annotations=READ_ONLY,
        structured_output=False,
    )
    server.add_tool(
        summarize_logs,
        name="summarize_logs",
        title="Summarise Respan logs",
        description="Totals for a window and filters: requests, cost, tokens, average latency and TTFT, error rate; "
        "optionally a breakdown by model, customer or status. Use it for 'how much did we spend yesterday', "
        "'why did checkout get slow', 'which customer costs the most'.",
        annotations=READ_ONLY,
    )
    server.add_tool(
        list_traces,
        name="list_traces",
        title="List Respan traces",
        description="Traces (multi-step workflows) in a window with their span and LLM-call counts, duration, cost, "
        "tokens and errors; filter by customer, workflow, errors, cost or duration.",
        annotations=READ_ONLY,
    )
    server.add_tool(
        get_trace,
        name="get_trace",
        title="Read one Respan trace",
        description="One trace's span tree, indented: each span's name, type, model, latency, cost, tokens and "
        "errors. Big trees are cut with a note saying how to see the rest.",
        annotations=READ_ONLY,
        structured_output=False,
    )
    if not read_only:
        server.add_tool(
            create_log,
            name="create_log",
            title="Log an LLM call to Respan",
            description="Record an LLM call made without the Respan gateway (your own provider call), with its "
            "input, output, usage, cost, latency, customer and metadata, so it shows up in Respan's logs.",
            annotations=ToolAnnotations(
                read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True
            ),
            structured_output=False,
        )
