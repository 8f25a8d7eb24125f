"""Annotating a stored log: a user's feedback, a note, a pin, metadata (what a reviewer records while
curating logs into datasets; in the evals toolset so the default tool list stays small)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from respan_mcp.contract import JsonObject
from respan_mcp.evals import api
from respan_mcp.state import app_state, reply, tool_errors

MAX_NOTE = 10_000


class LogAnnotated(BaseModel):
    log_id: str
    fields: list[str]


async def annotate_log(
    ctx: Context,
    log_id: Annotated[str, Field(description="The log's id (from search_logs)")],
    positive_feedback: Annotated[bool | None, Field(description="The user's verdict: true good, false bad")] = None,
    note: Annotated[str | None, Field(max_length=MAX_NOTE, description="A reviewer's note")] = None,
    pinned: Annotated[bool | None, Field(description="Pin it in Respan's logs view")] = None,
    metadata: Annotated[JsonObject | None, Field(description="Metadata to set (filterable as metadata__<key>)")] = None,
) -> Annotated[CallToolResult, LogAnnotated]:
    given = (("positive_feedback", positive_feedback), ("note", note), ("is_pinned", pinned), ("metadata", metadata))
    body: dict[str, Any] = {k: v for k, v in given if v is not None}
    if not body:
        raise ToolError("Nothing to record: give positive_feedback, note, pinned or metadata.")
    with tool_errors():
        await api.annotate_log(app_state(ctx).respan, log_id, body)
    text = f"Recorded on log {log_id}: {', '.join(body)}."
    if "positive_feedback" in body:
        verdict = "true" if positive_feedback else "false"
        text += f" Find such logs: search_logs(filters=[{{field:'positive_feedback', value:{verdict}}}])."
    return reply(ctx, text, LogAnnotated(log_id=log_id, fields=list(body)).model_dump())
