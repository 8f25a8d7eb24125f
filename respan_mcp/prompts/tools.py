"""MCP skin of the prompts capability: tools, managed prompts as MCP prompts, completions."""

import logging
from typing import Annotated, Any

import anyio
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    CallToolResult,
    CompleteRequestParams,
    CompleteResult,
    Completion,
    GetPromptRequestParams,
    GetPromptResult,
    ListPromptsResult,
    PaginatedRequestParams,
    Prompt,
    PromptArgument,
    PromptMessage,
    PromptReference,
    ResourceTemplateReference,
    TextContent,
    ToolAnnotations,
)
from pydantic import BaseModel, Field

from respan_mcp.cursor import decode_cursor, encode_cursor
from respan_mcp.errors import RespanError, UserError
from respan_mcp.output import compact_json, content_text, render_conversation
from respan_mcp.prompts.format import prompt_record, render_list, render_params, render_rendered
from respan_mcp.prompts.render import PromptRenderError, PromptVersion, merge_request, parse_variables, render_version
from respan_mcp.prompts.store import PromptStore, prompt_id_of
from respan_mcp.sdk_compat import lowlevel_server
from respan_mcp.state import AppState, app_state, reply, tool_errors

log = logging.getLogger(__name__)

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=True)
MCP_PROMPT_LIMIT = 100  # prompts listed with their arguments in prompts/list
MCP_VERSION_FETCHES = 20  # extra requests one prompts/list may make to find arguments
MCP_PROMPT_PAGE = 100


def prompt_store(state: AppState) -> PromptStore:
    store = state.services.get("prompts")
    if store is None:
        store = state.services["prompts"] = PromptStore(state.respan, state.settings.prompt_cache_ttl)
    assert isinstance(store, PromptStore)
    return store


class PromptRecord(BaseModel):
    id: str
    name: str
    slug: str | None
    live_version: int | None
    newest_version: int | None
    model: str | None
    updated_at: str | None


class PromptListOutput(BaseModel):
    count: int
    page: int
    next_cursor: str | None = None
    prompts: list[PromptRecord]


class PromptDetailOutput(BaseModel):
    prompt: dict[str, Any]
    versions: list[dict[str, Any]]
    selected: dict[str, Any]


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


async def list_prompts(
    ctx: Context,
    query: Annotated[str | None, Field(description="Only names containing this")] = None,
    limit: Annotated[int, Field(ge=1, le=100, description="Per page")] = 20,
    cursor: Annotated[str | None, Field(description="next_cursor of the last answer")] = None,
) -> Annotated[CallToolResult, PromptListOutput]:
    page = 1
    with tool_errors():
        if cursor:  # the cursor carries the query and page size: alone, it continues that listing
            state, page = decode_cursor("list_prompts", cursor)
            query, limit = state.get("query"), int(state.get("limit") or limit)
        data = await prompt_store(app_state(ctx)).list_page(query, page, limit)
    records = [prompt_record(p) for p in data.get("results") or [] if isinstance(p, dict)]
    count = int(data.get("count") or len(records))
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
    store = prompt_store(app_state(ctx))
    with tool_errors():
        prompt = await store.get(prompt_id)
        versions = await store.versions(prompt_id)
        number = await store.resolve_number(prompt_id, version)
        data = await store.version(prompt_id, number)
    from respan_mcp.prompts.render import variables_of

    selected = PromptVersion.from_api(prompt_id, data)
    variables = {name: selected.defaults.get(name) for name in variables_of(selected.messages)}
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
        "Variables: "
        + (
            ", ".join(f"{k} (default {compact_json(v, 80)})" if v is not None else k for k, v in variables.items())
            or "none"
        ),
        "Messages (templates):",
        render_conversation(selected.messages, 1500)[0],
        "Preview with render_prompt(prompt_id=..., variables={...}); run with chat_completion(prompt={...}).",
    ]
    text = "\n".join(line for line in lines if line)
    output = PromptDetailOutput(
        prompt={k: v for k, v in prompt.items() if k not in ("current_version", "live_version")},
        versions=[
            {"version": v.get("version"), "deployed": bool(v.get("is_deployed")), "updated_at": v.get("updated_at")}
            for v in versions
        ],
        selected={
            "version": selected.version,
            "deployed": selected.deployed,
            "messages": selected.messages,
            "params": selected.params,
            "variables": variables,
        },
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
    store = prompt_store(app_state(ctx))
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


# -- managed prompts as MCP prompts ------------------------------------------------------------


async def _all_prompts(store: PromptStore) -> list[dict[str, Any]]:
    prompts: list[dict[str, Any]] = []
    for page in range(1, 6):
        data = await store.list_page(None, page, MCP_PROMPT_PAGE)
        results = [p for p in data.get("results") or [] if isinstance(p, dict)]
        prompts.extend(results)
        if not data.get("next") or not results:
            break
    return prompts


async def _listed_version(store: PromptStore, prompt: dict[str, Any], budget: list[int]) -> PromptVersion | None:
    """The version prompts/get will render (the live one, else the newest), cheaply.

    The list answer usually embeds the newest version with its messages: when that is also the
    live one (or nothing is live), it costs no request. Otherwise one request fetches the live
    version, while the listing's budget lasts: management APIs allow 60 requests a minute.
    """
    prompt_id = prompt_id_of(prompt)
    current = prompt.get("current_version")
    embedded: dict[str, Any] = current if isinstance(current, dict) else {}
    live = prompt.get("live_version") if isinstance(prompt.get("live_version"), dict) else None
    usable = isinstance(embedded.get("messages"), list)
    if usable and (live is None or live.get("version") == embedded.get("version")):
        version = PromptVersion.from_api(prompt_id, embedded)
        version.deployed = live is not None
        return version
    if live is None or not live.get("version") or budget[0] <= 0:
        return None
    budget[0] -= 1
    return PromptVersion.from_api(prompt_id, await store.version(prompt_id, int(live["version"])))


async def _mcp_prompt(store: PromptStore, prompt: dict[str, Any], budget: list[int]) -> Prompt:
    from respan_mcp.prompts.render import variables_of

    prompt_id = prompt_id_of(prompt)
    arguments: list[PromptArgument] = []
    description = prompt.get("description") or f"Respan managed prompt {prompt_id}"
    try:
        version = await _listed_version(store, prompt, budget)
        if version is None:
            return Prompt(name=prompt_id, title=prompt.get("name") or None, description=description)
        for name in variables_of(version.messages):
            default = version.defaults.get(name)
            arguments.append(
                PromptArgument(
                    name=name,
                    description=f"default: {compact_json(default, 80)}" if default is not None else None,
                    required=default is None,
                )
            )
        description += f" (v{version.version}{', deployed' if version.deployed else ', newest draft'})"
    except UserError as exc:
        log.info("no arguments for prompt %s: %s", prompt_id, exc)
    return Prompt(name=prompt_id, title=prompt.get("name") or None, description=description, arguments=arguments)


def register(server: MCPServer, *, read_only: bool) -> None:
    server.add_tool(
        list_prompts,
        name="list_prompts",
        title="List Respan managed prompts",
        description="List managed prompts (id, name, live and newest version, model), optionally by name. Use an id "
        "with get_prompt, render_prompt or chat_completion(prompt=...).",
        annotations=READ_ONLY,
    )
    server.add_tool(
        get_prompt,
        name="get_prompt",
        title="Inspect a Respan managed prompt",
        description="One managed prompt: its versions (live, newest draft) and one version's templates, parameters "
        "and variables with defaults.",
        annotations=READ_ONLY,
    )
    server.add_tool(
        render_prompt,
        name="render_prompt",
        title="Render a Respan prompt without calling a model",
        description="The exact messages and parameters the gateway would send for a managed prompt, rendered here "
        "without spending a token (Jinja, defaults, typed variables, composition, versions, v1/v2 merge rules); "
        "names missing and unused variables. Check variables here before chat_completion(prompt=...).",
        annotations=READ_ONLY,
    )
    lowlevel = lowlevel_server(server)

    async def mcp_list_prompts(ctx: Any, params: PaginatedRequestParams | None) -> ListPromptsResult:
        state: AppState = ctx.lifespan_context
        if state.respan.current_key() is None:
            return ListPromptsResult(prompts=[])  # no key yet: nothing to offer, nothing to fail
        store = prompt_store(state)
        try:
            prompts = await _all_prompts(store)
        except RespanError as exc:
            raise MCPError(code=INVALID_PARAMS, message=exc.message) from None
        found: list[Prompt | None] = [None] * min(len(prompts), MCP_PROMPT_LIMIT)
        limiter = anyio.Semaphore(8)
        budget = [MCP_VERSION_FETCHES]

        async def one(i: int, prompt: dict[str, Any]) -> None:
            async with limiter:
                found[i] = await _mcp_prompt(store, prompt, budget)

        async with anyio.create_task_group() as group:
            for i, prompt in enumerate(prompts[:MCP_PROMPT_LIMIT]):
                group.start_soon(one, i, prompt)
        listed = [p for p in found if p is not None]
        listed += [
            Prompt(name=prompt_id_of(p), title=p.get("name") or None, description=p.get("description") or None)
            for p in prompts[MCP_PROMPT_LIMIT:]
        ]
        return ListPromptsResult(prompts=listed)

    async def mcp_get_prompt(ctx: Any, params: GetPromptRequestParams) -> GetPromptResult:
        state: AppState = ctx.lifespan_context
        store = prompt_store(state)
        try:
            prompt = await store.get(params.name)
            version = await store.load(params.name, None if prompt.get("live_version") else "latest")
            rendered = await render_version(version, dict(params.arguments or {}), store.load)
        except UserError as exc:
            raise MCPError(code=INVALID_PARAMS, message=f"prompt {params.name!r}: {exc}") from None
        messages = []
        for message in rendered.messages:
            role = message.get("role")
            text = content_text(message.get("content"))
            if role in ("system", "developer"):
                text = f"[{role} instructions]\n{text}"
            messages.append(
                PromptMessage(role="assistant" if role == "assistant" else "user", content=TextContent(text=text))
            )
        note = f"Respan prompt {params.name} v{rendered.version}"
        if rendered.missing:
            note += f"; missing variables rendered empty: {', '.join(rendered.missing)}"
        return GetPromptResult(description=note, messages=messages)

    lowlevel.add_request_handler("prompts/list", PaginatedRequestParams, mcp_list_prompts)
    lowlevel.add_request_handler("prompts/get", GetPromptRequestParams, mcp_get_prompt)

    @server.resource(
        "respan-prompt://{prompt_id}",
        name="respan-prompt",
        title="Respan managed prompt",
        description="A managed prompt's deployed version: message templates, parameters and variables.",
        mime_type="text/plain",
    )
    async def prompt_resource(prompt_id: str, ctx: Context) -> str:
        store = prompt_store(app_state(ctx))
        try:
            version = await store.load(prompt_id, None)
        except UserError as exc:
            raise ResourceError(f"prompt {prompt_id!r}: {exc}") from None
        return (
            f"Respan prompt {prompt_id} v{version.version}\nParameters: {render_params(version.params)}\n"
            f"Variable defaults: {compact_json(version.defaults)}\n\n{render_conversation(version.messages)[0]}"
        )

    async def complete(ctx: Any, params: CompleteRequestParams) -> CompleteResult:
        """Suggest prompt ids for respan-prompt://{prompt_id}, and a prompt argument's default value."""
        state: AppState = ctx.lifespan_context
        ref, argument = params.ref, params.argument
        typed = (argument.value or "").lower()
        values: list[str] = []
        try:
            store = prompt_store(state)
            if isinstance(ref, ResourceTemplateReference) and ref.uri.startswith("respan-prompt://"):
                prompts = await _all_prompts(store)
                ids = [prompt_id_of(p) for p in prompts]
                values = [i for i in ids if i.lower().startswith(typed)] or [
                    prompt_id_of(p) for p in prompts if typed in str(p.get("name", "")).lower()
                ]
            elif isinstance(ref, PromptReference):
                version = await store.load(ref.name, None)
                default = version.defaults.get(argument.name)
                if default is not None and str(default).lower().startswith(typed):
                    values = [str(default)]
        except UserError as exc:
            log.info("no completions: %s", exc)
        return CompleteResult(completion=Completion(values=values[:100], total=len(values), has_more=len(values) > 100))

    lowlevel.add_request_handler("completion/complete", CompleteRequestParams, complete)
