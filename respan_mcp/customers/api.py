"""Respan calls for customers (`/users/`): list, one, budget update; usage from the logs summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from respan_mcp.cursor import CursorQuery
from respan_mcp.logs.api import results
from respan_mcp.paths import api_path

if TYPE_CHECKING:
    from respan_mcp.respan import RespanClient

FILTER_FIELDS = (
    "customer_identifier",
    "name",
    "email",
    "number_of_requests",
    "total_tokens",
    "total_cost",
    "active_days",
)
SORT_FIELDS = (
    "first_seen",
    "last_active_timeframe",
    "number_of_requests",
    "total_cost",
    "total_tokens",
    "active_days",
    "average_latency",
    "average_ttft",
    "customer_identifier",
    "email",
)


class CustomerQuery(CursorQuery):
    """One customer listing, whole (its cursor carries it)."""

    filters: dict[str, Any] = Field(default_factory=dict)
    sort_by: str = "-total_cost"
    limit: int = Field(default=20, ge=1, le=100)
    environment: str = "prod"


async def list_customers(client: RespanClient, query: CustomerQuery, page: int) -> tuple[list[dict[str, Any]], int]:
    params = {"page": page, "page_size": query.limit, "sort_by": query.sort_by, "environment": query.environment}
    data = await client.request(
        "POST", "users/list/", params=params, json_body={"filters": query.filters}, read=True, what="list_customers"
    )
    return results(data)


async def get_customer(client: RespanClient, customer: str, environment: str) -> dict[str, Any]:
    path = api_path("users/{id}/", id=customer)
    data = await client.request("GET", path, params={"environment": environment}, what=f"customer {customer!r}")
    return data if isinstance(data, dict) else {}


async def update_customer(
    client: RespanClient, customer: str, environment: str, body: dict[str, Any]
) -> dict[str, Any]:
    path = api_path("users/{id}/", id=customer)
    data = await client.request(
        "PATCH",
        path,
        params={"environment": environment},
        json_body=body,
        read=False,
        what=f"update customer {customer!r}",
    )
    return data if isinstance(data, dict) else {}


async def usage(client: RespanClient, customer: str, start: str, end: str, environment: str) -> dict[str, Any]:
    """The customer's requests, cost and tokens in a window, from the request-logs summary."""
    from respan_mcp.logs import api as logs_api

    where = {"customer_identifier": {"operator": "", "value": [customer]}}
    env = "test" if environment == "test" else "production"
    return await logs_api.summary(client, start, end, env, where, what=f"usage of customer {customer!r}")


async def delete_customer(client: RespanClient, customer: str, environment: str) -> None:
    path = api_path("users/{id}/", id=customer)
    params = {"environment": environment}
    await client.request("DELETE", path, params=params, read=False, what=f"delete customer {customer!r}")
