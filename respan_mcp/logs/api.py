"""Every Respan call of the logs capability: request logs, their summary, creating one, traces.

Endpoint paths, environment parameters, the legacy create endpoint and the trace ingestion
lag live here and nowhere else; the tools call these functions and shape the answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
from pydantic import Field

from respan_mcp.cursor import CursorQuery
from respan_mcp.errors import RespanError
from respan_mcp.output import as_count
from respan_mcp.paths import api_path

if TYPE_CHECKING:
    from respan_mcp.respan import RespanClient

TRACE_LAG_WAITS = (1.0, 2.0)  # seconds between tries for a trace that may not be ingested yet


class LogQuery(CursorQuery):
    """One search over logs or traces, whole (its cursor carries it)."""

    start_time: str
    end_time: str
    filters: dict[str, Any] = Field(default_factory=dict)
    sort_by: str
    limit: int = Field(ge=1, le=1000)  # a page (<= 100) or summarize_logs' sample (<= 1000)
    fields: list[str] = Field(default_factory=list)
    environment: str | None = None


def env_params(environment: str | None) -> dict[str, str]:
    """Both forms Respan has used: `is_test`/`all_envs` (the official server, the CLI) and the newer
    `environment=prod|test`; they agree, so either kind of deployment reads the one it knows."""
    if environment == "all":
        return {"all_envs": "true"}
    if environment == "test":
        return {"is_test": "true", "environment": "test"}
    return {"is_test": "false", "environment": "prod"}


def results(data: Any) -> tuple[list[dict[str, Any]], int]:
    """A list page's items (never its filters_data) and the total count."""
    answer = data if isinstance(data, dict) else {}
    listed = answer.get("results")
    items = [i for i in listed if isinstance(i, dict)] if isinstance(listed, list) else []
    return items, as_count(answer.get("count"), len(items))


async def list_logs(
    client: RespanClient, query: LogQuery, page: int, include_fields: list[str], *, what: str = "search_logs"
) -> tuple[list[dict[str, Any]], int]:
    params = {"start_time": query.start_time, "end_time": query.end_time, "page": page, "page_size": query.limit,
              "sort_by": query.sort_by, "include_fields": ",".join(include_fields)}  # fmt: skip
    params.update(env_params(query.environment))
    body = {"filters": query.filters, "operator": "AND"}
    data = await client.request("POST", "request-logs/list/", params=params, json_body=body, read=True, what=what)
    return results(data)


async def summary(
    client: RespanClient, start: str, end: str, environment: str, filters: dict[str, Any], *, what: str
) -> dict[str, Any]:
    params = {"start_time": start, "end_time": end, **env_params(environment)}
    data = await client.request("POST", "request-logs/summary/", params=params, json_body={"filters": filters},
                                read=True, what=what)  # fmt: skip
    return {k: v for k, v in (data or {}).items() if k != "filters_data"}


async def error_count(client: RespanClient, start: str, end: str, environment: str, filters: dict[str, Any]) -> int:
    errors = {**filters, "status": {"operator": "", "value": ["error"]}}
    data = await summary(client, start, end, environment, errors, what="summarize_logs (errors)")
    return int(data.get("number_of_requests") or 0)


async def get_log(client: RespanClient, log_id: str) -> Any:
    return await client.request("GET", api_path("request-logs/{id}/", id=log_id), what=f"log {log_id[:80]!r}")


def chat_shapes(body: dict[str, Any]) -> list[str]:
    """A chat log's input is a messages array and its output an assistant message: plain strings are
    wrapped (in place) and the wrapping is named, so the caller can say what was stored."""
    notes: list[str] = []
    if body.get("log_type", "chat") != "chat":
        return notes
    if isinstance(body.get("input"), str) and not body["input"].lstrip().startswith("["):
        body["input"] = [{"role": "user", "content": body["input"]}]
        notes.append("input stored as one user message")
    if isinstance(body.get("output"), str):
        body["output"] = {"role": "assistant", "content": body["output"]}
        notes.append("output stored as an assistant message")
    return notes


async def create_log(client: RespanClient, body: dict[str, Any]) -> Any:
    """POST the log; older deployments only have the legacy endpoint, with its own field names."""
    try:
        return await client.request("POST", "request-logs/", json_body=body, read=False, what="create_log")
    except RespanError as exc:
        if exc.status not in (404, 405):
            raise
    legacy = {**body, "prompt_messages": body.get("input"), "generation_time": body.get("latency")}
    if "output" in body:
        legacy["completion_message"] = body["output"]
    legacy = {k: v for k, v in legacy.items() if k not in ("input", "output", "latency") and v is not None}
    return await client.request("POST", "request-logs/create/", json_body=legacy, read=False, what="create_log")


async def list_traces(client: RespanClient, query: LogQuery, page: int) -> tuple[list[dict[str, Any]], int]:
    params = {"start_time": query.start_time, "end_time": query.end_time, "page": page, "page_size": query.limit,
              "sort_by": query.sort_by, "environment": query.environment}  # fmt: skip
    data = await client.request("POST", "traces/list/", params=params, json_body={"filters": query.filters},
                                read=True, what="list_traces")  # fmt: skip
    return results(data)


async def get_trace(
    client: RespanClient,
    trace_id: str,
    *,
    environment: str | None = None,
    start_time: str | None = None,
    end_time: str | None = None,
) -> tuple[Any, float]:
    """The trace, and how long we waited for it: one created seconds ago may 404 until it is ingested."""
    path = api_path("traces/{id}/", id=trace_id)
    params = {"environment": environment, "start_time": start_time, "end_time": end_time}
    waited = 0.0
    for wait in (*TRACE_LAG_WAITS, None):
        try:
            return await client.request("GET", path, params=params, what=f"trace {trace_id[:80]!r}"), waited
        except RespanError as exc:
            if exc.status != 404 or wait is None:
                if exc.status == 404 and waited:
                    note = f" (Waited {waited:g} s in case it was still being ingested: a trace appears a few "
                    raise RespanError(exc.message + note + "seconds after its spans are logged.)", status=404) from None
                raise
        await anyio.sleep(wait)
        waited += wait
    raise AssertionError("unreachable")  # pragma: no cover - the last try returns or raises
