"""MCP skin of the customers toolset (opt-in): list customers, one customer, set a budget."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from respan_mcp.annotations import CHANGES, READ_ONLY
from respan_mcp.customers import api
from respan_mcp.customers.api import FILTER_FIELDS, SORT_FIELDS, CustomerQuery
from respan_mcp.customers.format import budget_text, customer_record, render_customer, render_customers
from respan_mcp.logs.filters import FilterSpec, normalize_filters, sanitize_sort, time_window
from respan_mcp.output import Rows
from respan_mcp.state import app_state, reply, tool_errors

Environment = Annotated[Literal["prod", "test"], Field(description="prod (default) or test")]


class CustomerRecord(BaseModel):
    customer: str
    name: str | None = None
    email: str | None = None
    requests: int | None = None
    cost_usd: float | None = None
    tokens: int | None = None
    avg_latency_s: float | None = None
    active_days: int | None = None
    first_seen: str | None = None
    last_active: str | None = None
    period_budget_usd: float | None = None
    budget_duration: str | None = None
    total_budget_usd: float | None = None


class CustomerPage(BaseModel):
    count: int
    page: int
    next_cursor: str | None = None
    customers: Rows[CustomerRecord]


async def list_customers(
    ctx: Context,
    sort_by: Annotated[str | None, Field(description="-total_cost (default), -number_of_requests, ...")] = None,
    min_cost: Annotated[float | None, Field(ge=0, description="Minimum total cost, USD")] = None,
    search: Annotated[str | None, Field(description="Part of the customer identifier")] = None,
    filters: Annotated[list[FilterSpec] | None, Field(description="More filters, e.g. total_cost gt 10")] = None,
    environment: Environment = "prod",
    limit: Annotated[int, Field(ge=1, le=100, description="Per page")] = 20,
    cursor: Annotated[str | None, Field(description="next_cursor of the last answer (alone, continues it)")] = None,
) -> Annotated[CallToolResult, CustomerPage]:
    with tool_errors():
        if cursor:
            query, page = CustomerQuery.from_cursor("list_customers", cursor)
        else:
            specs = [f.model_dump() for f in filters or []]
            if min_cost is not None:
                specs.append({"field": "total_cost", "operator": "gte", "value": min_cost})
            if search:
                specs.append({"field": "customer_identifier", "operator": "icontains", "value": search})
            order = sanitize_sort(sort_by, SORT_FIELDS, "-total_cost")
            where = normalize_filters(specs, FILTER_FIELDS)
            query = CustomerQuery(filters=where, limit=limit, sort_by=order, environment=environment)
            page = 1
        items, count = await api.list_customers(app_state(ctx).respan, query, page)
    records = [customer_record(i) for i in items]
    next_cursor = query.cursor("list_customers", page + 1) if page * query.limit < count else None
    text = render_customers(records, count, query.sort_by) if records else "No customers match."
    if next_cursor:
        text += f'\nNext page: list_customers(cursor="{next_cursor}")'
    text += "\nOne customer's budget and usage: get_customer(customer_identifier=...)."
    output = CustomerPage(
        count=count, page=page, next_cursor=next_cursor, customers=[CustomerRecord(**r) for r in records]
    )
    return reply(ctx, text, output.model_dump())


class CustomerDetail(CustomerRecord):
    environment: str | None = None
    period_spent_usd: float | None = None
    period_start: str | None = None
    period_end: str | None = None
    window_requests: int | None = None
    window_cost_usd: float | None = None
    window_tokens: int | None = None
    logs_call: str


async def get_customer(
    ctx: Context,
    customer_identifier: Annotated[str, Field(description="The customer's identifier")],
    since: Annotated[str, Field(description="Usage window back from now: '7d' (default), '30d', ...")] = "7d",
    environment: Environment = "prod",
) -> Annotated[CallToolResult, CustomerDetail]:
    client = app_state(ctx).respan
    with tool_errors():
        start, end = time_window(since, None, None)
        detail = await api.get_customer(client, customer_identifier, environment)
        usage = await api.usage(client, customer_identifier, start, end, environment)
    logs_call = f"search_logs(customer_identifier={customer_identifier!r}, since={since!r})"
    text = render_customer(detail, usage, f"last {since}", logs_call)
    record = customer_record(detail)
    output = CustomerDetail(
        **record,
        environment=detail.get("environment"),
        period_spent_usd=detail.get("total_period_usage"),
        period_start=detail.get("period_start"),
        period_end=detail.get("period_end"),
        window_requests=usage.get("number_of_requests"),
        window_cost_usd=usage.get("total_cost"),
        window_tokens=usage.get("total_tokens"),
        logs_call=logs_call,
    )
    return reply(ctx, text, output.model_dump())


async def update_customer_budget(
    ctx: Context,
    customer_identifier: Annotated[str, Field(description="The customer's identifier")],
    period_budget: Annotated[float | None, Field(ge=0, description="USD per period")] = None,
    budget_duration: Annotated[Literal["daily", "weekly", "monthly"] | None, Field(description="The period")] = None,
    total_budget: Annotated[float | None, Field(ge=0, description="Lifetime USD")] = None,
    remove_limits: Annotated[bool, Field(description="true: no budget at all")] = False,
    environment: Environment = "prod",
) -> Annotated[CallToolResult, CustomerDetail]:
    if remove_limits:
        body: dict[str, object] = {"period_budget": None, "total_budget": None}
    else:
        body = {
            k: v
            for k, v in (
                ("period_budget", period_budget),
                ("budget_duration", budget_duration),
                ("total_budget", total_budget),
            )
            if v is not None
        }
    if not body:
        raise ToolError("Give period_budget (with budget_duration), total_budget, or remove_limits=true.")
    with tool_errors():
        detail = await api.update_customer(app_state(ctx).respan, customer_identifier, environment, body)
    record = customer_record(detail)
    logs_call = f"search_logs(customer_identifier={customer_identifier!r}, since='7d')"
    text = (
        "Updated. "
        + render_customer(detail, None, "", logs_call)
        + "\nOver budget, the gateway answers this customer's requests with HTTP 429."
    )
    output = CustomerDetail(
        **record,
        environment=detail.get("environment"),
        period_spent_usd=detail.get("total_period_usage"),
        logs_call=logs_call,
    )
    return reply(ctx, text, output.model_dump())


class CustomerDeleted(BaseModel):
    customer: str
    environment: str
    deleted: bool


async def delete_customer(
    ctx: Context,
    customer_identifier: Annotated[str, Field(description="The customer's identifier")],
    environment: Environment = "prod",
    confirm: Annotated[bool, Field(description="false (default): only show what would go; true: delete")] = False,
) -> Annotated[CallToolResult, CustomerDeleted]:
    client = app_state(ctx).respan
    with tool_errors():
        detail = await api.get_customer(client, customer_identifier, environment)
        if confirm:
            await api.delete_customer(client, customer_identifier, environment)
    record = customer_record(detail)
    who = f"customer {customer_identifier!r} ({environment})"
    if confirm:
        text = f"Deleted {who}: its profile and budget are gone; its logs stay."
    else:
        text = (
            f"Would delete {who}: budget {budget_text(record)}. Nothing deleted yet: call "
            f"delete_customer(customer_identifier={customer_identifier!r}, environment={environment!r}, confirm=true)."
        )
    return reply(ctx, text, CustomerDeleted(customer=customer_identifier, environment=environment,
                                            deleted=confirm).model_dump())  # fmt: skip


def register(server: MCPServer, *, read_only: bool) -> None:
    server.add_tool(
        list_customers,
        name="list_customers",
        title="List Respan customers",
        description="Your end users (customer_identifier) with requests, cost, tokens, latency and budget; "
        "sort by spend or requests, filter, page.",
        annotations=READ_ONLY,
    )
    server.add_tool(
        get_customer,
        name="get_customer",
        title="One Respan customer",
        description="One customer's budget (period, spent, lifetime) and recent usage, with the "
        "search_logs call for their logs.",
        annotations=READ_ONLY,
    )
    if not read_only:
        server.add_tool(
            update_customer_budget,
            name="update_customer_budget",
            title="Set a customer's budget",
            description="Set or remove a customer's spending limits (the gateway answers 429 past them).",
            annotations=CHANGES,
        )
        server.add_tool(
            delete_customer,
            name="delete_customer",
            title="Delete a customer",
            description="Delete a customer's profile and budget (logs stay): first call shows what goes; "
            "confirm=true deletes. Irreversible.",
            annotations=CHANGES,
        )
