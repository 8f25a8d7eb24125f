"""Managed prompts on MCP's other surfaces: prompts/list and prompts/get (slash commands in
assistants), the respan-prompt:// resource, and completions for prompt ids and argument values.

MCP prompt arguments are strings by the spec: a value meant as an object or array (its default is
one, or it reads as JSON) is parsed before rendering, and misspelled arguments are named.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
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
    Resource,
    ResourceTemplateReference,
    TextContent,
)

from respan_mcp.errors import UserError
from respan_mcp.output import compact_json, content_text, quoted, render_conversation
from respan_mcp.prompts.format import render_params
from respan_mcp.prompts.render import PromptVersion, render_version, variables_of
from respan_mcp.prompts.store import NoVersionsError, PromptStore, has_no_versions, prompt_id_of
from respan_mcp.resource_list import add_resource_lister
from respan_mcp.sdk_compat import lowlevel_server
from respan_mcp.state import AppState, app_state
from respan_mcp.surface_errors import not_found_or_invalid, surface_message

log = logging.getLogger(__name__)

MCP_PROMPT_LIMIT = 100  # prompts listed with their arguments in prompts/list
MCP_VERSION_FETCHES = 20  # extra requests one prompts/list may make to find arguments
MCP_PROMPT_PAGE = 100


async def all_prompts(store: PromptStore) -> list[dict[str, Any]]:
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


def _shown(value: Any) -> str:
    """A default as an argument value: text as it is, anything else as JSON (never a Python repr)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


async def _mcp_prompt(store: PromptStore, prompt: dict[str, Any], budget: list[int]) -> Prompt:
    prompt_id = prompt_id_of(prompt)
    arguments: list[PromptArgument] = []
    description = prompt.get("description") or f"Respan managed prompt {prompt_id}"
    try:
        version = await _listed_version(store, prompt, budget)
        if version is None:
            return Prompt(name=prompt_id, title=prompt.get("name") or None, description=description)
        for name in await variables_of(version.messages):
            default = version.defaults.get(name)
            shape = " (JSON)" if isinstance(default, (dict, list)) else ""
            arguments.append(
                PromptArgument(
                    name=name,
                    description=f"default{shape}: {compact_json(default, 80)}" if default is not None else None,
                    required=default is None,
                )
            )
        description += f" (v{version.version}{', deployed' if version.deployed else ', newest draft'})"
    except UserError as exc:
        log.info("no arguments for prompt %s: %s", prompt_id, exc)
    return Prompt(name=prompt_id, title=prompt.get("name") or None, description=description, arguments=arguments)


def _structured_use(name: str, templates: str) -> bool:
    """Whether the templates reach into the variable (`{{ invoice.number }}`, `{{ items[0] }}`, loops)."""
    import re

    word = re.escape(name)
    return bool(re.search(rf"\b{word}\s*[.\[]|\bin\s+{word}\b|\b{word}\s*\|\s*(length|first|last|join|map)", templates))


def parse_arguments(arguments: dict[str, str], defaults: dict[str, Any], templates: str = "") -> dict[str, Any]:
    """MCP prompt arguments (strings by the spec) as template values: a JSON object/array is parsed when
    the variable is structured (its default is one, or the template reaches into it: `{"number": "INV-9"}`
    renders `{{ invoice.number }}` as INV-9); elsewhere the text stays text, braces and all."""
    values: dict[str, Any] = {}
    for name, raw in arguments.items():
        value: Any = raw
        structured = isinstance(defaults.get(name), (dict, list)) or _structured_use(name, templates)
        if structured and isinstance(raw, str) and raw.strip()[:1] in ("{", "["):
            try:
                value = json.loads(raw)
            except ValueError:
                example = f", like its default {_shown(defaults[name])}" if name in defaults else ""
                raise UserError(f"argument {name!r} must be JSON{example}") from None
        values[name] = value
    return values


async def list_mcp_prompts(ctx: Any, params: PaginatedRequestParams | None) -> ListPromptsResult:
    state: AppState = ctx.lifespan_context
    if state.respan.current_key() is None:
        return ListPromptsResult(prompts=[])  # no key yet: nothing to offer, nothing to fail
    store = state.prompts
    try:
        # A prompt without a version cannot be got (nothing to render): it is not offered as an MCP prompt.
        prompts = [p for p in await all_prompts(store) if not has_no_versions(p)]
    except UserError as exc:
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


async def get_mcp_prompt(ctx: Any, params: GetPromptRequestParams) -> GetPromptResult:
    state: AppState = ctx.lifespan_context
    store = state.prompts
    try:
        prompt = await store.get(params.name)
        version = await store.load(params.name, None if prompt.get("live_version") else "latest")
        templates = "\n".join(content_text(m.get("content")) for m in version.messages)
        values = parse_arguments(dict(params.arguments or {}), version.defaults, templates)
        rendered = await render_version(version, values, store.load)
    except UserError as exc:
        raise MCPError(code=INVALID_PARAMS, message=surface_message(f"prompt {params.name!r}", exc)) from None
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
    if rendered.unused:
        note += f"; given but not used by the template (misspelled?): {', '.join(rendered.unused)}"
    return GetPromptResult(description=note, messages=messages)


async def complete(ctx: Any, params: CompleteRequestParams) -> CompleteResult:
    """Suggest prompt ids for respan-prompt://{prompt_id}, and a prompt argument's default value."""
    state: AppState = ctx.lifespan_context
    ref, argument = params.ref, params.argument
    typed = (argument.value or "").lower()
    values: list[str] = []
    try:
        store = state.prompts
        if isinstance(ref, ResourceTemplateReference) and ref.uri.startswith("respan-prompt://"):
            prompts = await all_prompts(store)
            ids = [prompt_id_of(p) for p in prompts]
            values = [i for i in ids if i.lower().startswith(typed)] or [
                prompt_id_of(p) for p in prompts if typed in str(p.get("name", "")).lower()
            ]
        elif isinstance(ref, PromptReference):
            version = await store.load(ref.name, None)
            default = version.defaults.get(argument.name)
            if default is not None and _shown(default).lower().startswith(typed):
                values = [_shown(default)]
    except UserError as exc:
        log.info("no completions: %s", exc)
    return CompleteResult(completion=Completion(values=values[:100], total=len(values), has_more=len(values) > 100))


LISTED_PROMPTS = 50


async def _listed_prompts(state: AppState) -> list[Resource]:
    if state.respan.current_key() is None:
        return []
    prompts = await all_prompts(state.prompts)
    return [
        Resource(uri=f"respan-prompt://{prompt_id_of(p)}", name=prompt_id_of(p), title=p.get("name") or None,
                 description=p.get("description") or None, mime_type="text/plain")
        for p in prompts[:LISTED_PROMPTS]
    ]  # fmt: skip


def register_surfaces(server: MCPServer) -> None:
    add_resource_lister(server, _listed_prompts)
    lowlevel = lowlevel_server(server)
    lowlevel.add_request_handler("prompts/list", PaginatedRequestParams, list_mcp_prompts)
    lowlevel.add_request_handler("prompts/get", GetPromptRequestParams, get_mcp_prompt)
    lowlevel.add_request_handler("completion/complete", CompleteRequestParams, complete)

    @server.resource(
        "respan-prompt://{prompt_id}",
        name="respan-prompt",
        title="Respan managed prompt",
        description="A managed prompt's deployed version: message templates, parameters and variables.",
        mime_type="text/plain",
    )
    async def prompt_resource(prompt_id: str, ctx: Context) -> str:
        store = app_state(ctx).prompts
        with not_found_or_invalid(f"respan-prompt://{prompt_id}", ctx.protocol_version):
            try:  # the live version, else the newest draft (as prompts/get): whatever is listed can be read
                prompt = await store.get(prompt_id)
                version = await store.load(prompt_id, None if prompt.get("live_version") else "latest")
            except NoVersionsError as exc:  # listed, so readable: what it is and what to do
                return f"Respan prompt {prompt_id}: {exc.message}."
        templates = quoted("templates", render_conversation(version.messages)[0])
        return (
            f"Respan prompt {prompt_id} v{version.version}{'' if version.deployed else ' (newest draft, not deployed)'}"
            f"\nParameters: {render_params(version.params)}\n"
            f"Variable defaults: {compact_json(version.defaults)}\n\n{templates}"
        )
