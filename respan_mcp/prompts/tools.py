"""MCP skin of the prompts capability: tools, managed prompts as MCP prompts, completions."""

import json
import logging
from typing import Annotated, Any

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import (
    CallToolResult,
)
from pydantic import BaseModel, Field

from respan_mcp.annotations import READ_ONLY
from respan_mcp.cursor import CursorState, cursor_state, encode_cursor
from respan_mcp.errors import UserError
from respan_mcp.output import Rows, as_count, compact_json, quoted, render_conversation
from respan_mcp.prompts.format import prompt_record, render_list, render_params, render_rendered
from respan_mcp.prompts.render import PromptRenderError, PromptVersion, merge_request, parse_variables, render_version
from respan_mcp.state import app_state, reply, tool_errors

log = logging.getLogger(__name__)

MCP_PROMPT_LIMIT = 100  # prompts listed with their arguments in prompts/list
MCP_VERSION_FETCHES = 20  # extra requests one prompts/list may make to find arguments
MCP_PROMPT_PAGE = 100


class PromptRecord(BaseModel):
    id: str
    name: str
    slug: str | None = None
    live_version: int | None = None
    newest_version: int | None = None
    model: str | None = None
    updated_at: str | None = None


class PromptListOutput(BaseModel):
    count: int
    page: int
    next_cursor: str | None = None
    prompts: Rows[PromptRecord]


class VersionRow(BaseModel):
    version: int
    deployed: bool
    updated_at: str | None = None


class VariableRow(BaseModel):
    name: str
    default: str | None = Field(default=None, description="the default value as JSON (absent: no default)")


class SelectedVersion(BaseModel):
    version: int
    deployed: bool
    messages: list[dict[str, Any]]
    params: dict[str, Any]
    variables: list[VariableRow]


class PromptDetailOutput(BaseModel):
    prompt: dict[str, Any]
    versions: Rows[VersionRow]
    selected: SelectedVersion


class RenderOutput(BaseModel):
    prompt_id: str
    version: int
    messages: list[dict[str, Any]]
    params: dict[str, Any]
    variables_used: list[str]
    missing: list[str]
    unused: list[str]
    defaults_used: list[str]
    composed_from: list[str]
    notes: list[str]


class PromptListState(CursorState):
    query: str | None = Field(default=None, max_length=500)


async def list_prompts(
    ctx: Context,
    query: Annotated[str | None, Field(description="Only names containing this")] = None,
    limit: Annotated[int, Field(ge=1, le=100, description="Per page")] = 20,
    cursor: Annotated[str | None, Field(description="next_cursor of the last answer")] = None,
) -> Annotated[CallToolResult, PromptListOutput]:
    page = 1
    with tool_errors():
        if cursor:  # the cursor carries the query and page size: alone, it continues that listing
            state, page = cursor_state("list_prompts", cursor, PromptListState)
            query, limit = state.query, state.limit
        data = await app_state(ctx).prompts.list_page(query, page, limit)
    records = [prompt_record(p) for p in data.get("results") or [] if isinstance(p, dict)]
    count = as_count(data.get("count"), len(records))
    has_next = bool(data.get("next")) or page * limit < count
    next_cursor = encode_cursor("list_prompts", {"query": query, "limit": limit}, page + 1) if has_next else None
    text = render_list(records, count, page, limit, query, next_cursor)
    output = PromptListOutput(
        count=count, page=page, next_cursor=next_cursor, prompts=[PromptRecord(**r) for r in records]
    )
    return reply(ctx, text, output.model_dump(), more="use a smaller limit")


async def get_prompt(
    ctx: Context,
    prompt_id: Annotated[str, Field(description="The prompt's id")],
    version: Annotated[
        int | str | None,
        Field(description="A number or 'latest'; omit = deployed"),
    ] = None,
) -> Annotated[CallToolResult, PromptDetailOutput]:
    store = app_state(ctx).prompts
    with tool_errors():
        prompt = await store.get(prompt_id)
        versions = await store.versions(prompt_id)
        number = await store.resolve_number(prompt_id, version)
        data = await store.version(prompt_id, number)
    from respan_mcp.prompts.render import variables_of

    selected = PromptVersion.from_api(prompt_id, data)
    unparsed = ""
    try:
        variables = {name: selected.defaults.get(name) for name in await variables_of(selected.messages)}
    except UserError as exc:  # an unreadable template is still shown, with the reason
        variables, unparsed = {}, f"Variables unknown: {exc}"
    newest = versions[0]["version"] if versions else None
    labels = []
    for v in versions[:15]:
        tags = [t for t, on in (("live", v.get("is_deployed")), ("newest", v["version"] == newest)) if on]
        labels.append(f"v{v['version']}" + (f" ({', '.join(tags)})" if tags else ""))
    how = "deployed" if selected.deployed else ("newest draft" if selected.version == newest else "pinned")
    lines = [
        f"# {prompt.get('name') or prompt_id} ({prompt_id})",
        prompt.get("description") or "",
        "Versions, newest first: " + (", ".join(labels) or "none") + (" …" if len(versions) > 15 else ""),
        f"Showing v{selected.version} ({how}). Parameters: {render_params(selected.params)}",
        unparsed
        or "Variables: "
        + (
            ", ".join(f"{k} (default {compact_json(v, 80)})" if v is not None else k for k, v in variables.items())
            or "none"
        ),
        "Messages (templates):",
        quoted("templates", render_conversation(selected.messages, 1500)[0]),
        "Preview with render_prompt(prompt_id=..., variables={...}); run with chat_completion(prompt={...}).",
    ]
    text = "\n".join(line for line in lines if line)
    output = PromptDetailOutput(
        prompt={k: v for k, v in prompt.items() if k not in ("current_version", "live_version")},
        versions=[
            VersionRow(
                version=int(v.get("version") or 0), deployed=bool(v.get("is_deployed")), updated_at=v.get("updated_at")
            )
            for v in versions
        ],
        selected=SelectedVersion(
            version=selected.version,
            deployed=selected.deployed,
            messages=selected.messages,
            params=selected.params,
            variables=[
                VariableRow(name=name, default=None if value is None else json.dumps(value, ensure_ascii=False))
                for name, value in variables.items()
            ],
        ),
    )
    return reply(ctx, text, output.model_dump())


async def render_prompt(
    ctx: Context,
    prompt_id: Annotated[str, Field(description="The prompt's id")],
    variables: Annotated[
        dict[str, Any] | None,
        Field(
            description="Template values; typed: {_type:'text'|'image_url'|'json', value} or "
            "{_type:'prompt', prompt_id, version?, variables?}"
        ),
    ] = None,
    version: Annotated[int | str | None, Field(description="A number or 'latest'; omit = deployed")] = None,
    messages: Annotated[
        list[dict[str, Any]] | None,
        Field(description="The request's own messages (v2 appends them)"),
    ] = None,
    request_params: Annotated[
        dict[str, Any] | None,
        Field(description="The request's other parameters (model, temperature, ...)"),
    ] = None,
    schema_version: Annotated[int, Field(ge=1, le=2, description="1 (default) or 2 (recommended)")] = 1,
    override: Annotated[
        bool | None,
        Field(description="v1: true = the prompt's config wins"),
    ] = None,
    override_params: Annotated[
        dict[str, Any] | None, Field(description="v1: parameters (and messages) over the prompt's")
    ] = None,
    override_config: Annotated[
        dict[str, Any] | None, Field(description="v1: {messages_override_mode: 'append'|'override'}")
    ] = None,
    patch: Annotated[dict[str, Any] | None, Field(description="v2: parameter overrides")] = None,
    strict: Annotated[bool, Field(description="Fail on a variable without a value")] = False,
) -> Annotated[CallToolResult, RenderOutput]:
    store = app_state(ctx).prompts
    try:
        base = await store.load(prompt_id, version)
        rendered = await render_version(base, parse_variables(variables), store.load, strict=strict)
        final_messages, params = merge_request(
            rendered,
            schema_version=schema_version,
            request_messages=messages,
            request_params=request_params,
            override=override,
            override_params=override_params,
            override_config=override_config,
            patch=patch,
        )
    except PromptRenderError as exc:
        raise ToolError(f"Cannot render prompt {prompt_id[:100]!r}: {exc}") from None
    except UserError as exc:
        raise ToolError(exc.message) from None
    how = f"{'deployed' if base.deployed else 'version ' + str(version or 'latest')}, schema v{schema_version}"
    text = render_rendered(rendered, final_messages, params, how)
    output = RenderOutput(
        prompt_id=prompt_id,
        version=rendered.version,
        messages=final_messages,
        params=params,
        variables_used=rendered.used,
        missing=rendered.missing,
        unused=rendered.unused,
        defaults_used=rendered.defaults_used,
        composed_from=rendered.children,
        notes=rendered.notes,
    )
    return reply(ctx, text, output.model_dump(), more="the full messages are in the structured content")


def register(server: MCPServer, *, read_only: bool) -> None:
    server.add_tool(
        list_prompts,
        name="list_prompts",
        title="List Respan prompts",
        description="List managed prompts (id, name, live and newest version, model), optionally by name. Use an id "
        "with get_prompt, render_prompt or chat_completion(prompt=...).",
        annotations=READ_ONLY,
    )
    server.add_tool(
        get_prompt,
        name="get_prompt",
        title="Inspect a Respan prompt",
        description="One managed prompt: its versions (live, newest draft) and one version's templates, parameters "
        "and variables with defaults.",
        annotations=READ_ONLY,
    )
    server.add_tool(
        render_prompt,
        name="render_prompt",
        title="Render a Respan prompt",
        description="The exact messages and parameters the gateway would send for a managed prompt, rendered here "
        "without spending a token (Jinja, typed variables, composition, v1/v2 merge rules); "
        "names missing and unused variables. Check variables here before chat_completion(prompt=...).",
        annotations=READ_ONLY,
    )
    from respan_mcp.prompts.surfaces import register_surfaces

    register_surfaces(server)
