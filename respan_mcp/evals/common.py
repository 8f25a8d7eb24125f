"""What the evals tools share: annotations, paging parameters, one listing helper."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from respan_mcp.cursor import CursorState, cursor_state, decode_cursor, encode_cursor
from respan_mcp.errors import RespanError
from respan_mcp.evals import api
from respan_mcp.evals.format import (
    dataset_record,
    evaluator_record,
    experiment_record,
    render_table,
    version_record,
    workflow_record,
)
from respan_mcp.output import Rows
from respan_mcp.paths import api_path, check_id
from respan_mcp.state import app_state, reply, tool_errors

T = TypeVar("T")
Limit = Annotated[int, Field(ge=1, le=100, description="Per page")]
Cursor = Annotated[str | None, Field(description="next_cursor of the last answer")]
KINDS = {
    "datasets": ("list_datasets", ["id", "name", "status", "rows", "updated_at"], dataset_record),
    "evaluators": ("list_evaluators", ["id", "name", "slug", "type", "score_type"], evaluator_record),
    "experiments": (
        "list_experiments",
        ["id", "name", "status", "progress", "dataset_name", "created_at"],
        experiment_record,
    ),
    "workflows": ("list_workflows", ["id", "name", "type", "trigger", "enabled", "deployed_version"], workflow_record),
}


async def optional(call: Awaitable[T]) -> T | None:
    """An extra a detail view can do without: None when this API does not offer it (404/405) or refuses it."""
    try:
        return await call
    except RespanError as exc:
        if exc.status in (400, 404, 405, 501):
            return None
        raise


async def recent_versions(ctx: Context, kind: str, item_id: str) -> list[dict[str, Any]]:
    """The newest versions of an evaluator or workflow, as records; none where the API has no version list."""
    path = api_path(f"{kind}/{{id}}/versions/", id=item_id)
    page = await optional(api.page_of(app_state(ctx).respan, path, 1, 10, f"{kind[:-1]} versions", post=False))
    return [version_record(v) for v in (page[0] if page else [])]


def resume(tool: str, key: str, parent_id: str | None, limit: int, cursor: str | None) -> tuple[str, int, int]:
    """(parent id, page, limit) of a paged sub-list (a dataset's rows, ...): from the cursor when given."""
    page = 1
    if cursor:
        state, page = decode_cursor(tool, cursor)
        parent = state.pop(key, None)
        if not isinstance(parent, str):
            raise ToolError(f"cursor is not one {tool} gave out: omit it for the first page.")
        parent_id = check_id(key, parent)
        limit = cursor_state(tool, cursor, CursorState, data=state)[0].limit
    if not parent_id:
        raise ToolError(f"Give {key} (or a cursor from a previous answer).")
    return parent_id, page, limit


def next_page(tool: str, key: str, parent_id: str, limit: int, page: int, count: int) -> str | None:
    return encode_cursor(tool, {key: parent_id, "limit": limit}, page + 1) if page * limit < count else None


class ListState(CursorState):
    filters: dict[str, Any] | None = None


class ListPage(BaseModel):
    count: int
    page: int
    next_cursor: str | None = None
    items: Rows[dict]


async def list_kind(
    ctx: Context, kind: str, limit: int, cursor: str | None, filters: dict[str, Any] | None = None
) -> CallToolResult:
    tool, columns, record = KINDS[kind]
    with tool_errors():
        page = 1
        if cursor:
            state, page = cursor_state(tool, cursor, ListState)
            limit, filters = state.limit, state.filters
        items, count = await api.list_page(app_state(ctx).respan, kind, page, limit, tool, filters)
    records = [record(i) for i in items]
    more = page * limit < count
    next_cursor = encode_cursor(tool, {"limit": limit, "filters": filters}, page + 1) if more else None
    text = render_table(records, columns, count, kind)
    if next_cursor:
        text += f'\nNext page: {tool}(cursor="{next_cursor}")'
    return reply(ctx, text, ListPage(count=count, page=page, next_cursor=next_cursor, items=records).model_dump())
