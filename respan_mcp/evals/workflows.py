"""Workflows (automations, monitors, evaluation pipelines), read-only."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from respan_mcp.evals import api
from respan_mcp.evals.common import Cursor, Limit, ListPage, list_kind
from respan_mcp.evals.format import (
    render_tasks,
    workflow_record,
)
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
