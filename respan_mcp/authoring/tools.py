"""MCP skin of prompt authoring (toolset `prompt_authoring`, opt-in; absent in read-only mode).

The loop an assistant runs: render_prompt -> edit -> create_prompt_version -> chat_completion with
that version -> deploy_prompt_version, which first shows what would change and deploys only with
`confirm: true`.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from respan_mcp.annotations import CHANGES, WRITES
from respan_mcp.authoring import api
from respan_mcp.authoring.format import changes, render_preview, unified
from respan_mcp.contract import JsonObject
from respan_mcp.prompts.render import PromptRenderError, PromptVersion, flatten, render_version
from respan_mcp.prompts.store import prompt_id_of
from respan_mcp.state import app_state, reply, tool_errors

# Version parameters the API takes besides messages, model, variables and description (SDK 0.1.49, Corrections
# round 3): a fixed list; `stop` and `n` are not among them.
VERSION_PARAMETERS = (
    "thinking", "stream", "temperature", "max_tokens", "top_p", "frequency_penalty", "presence_penalty",
    "reasoning_effort", "verbosity", "seed", "fallback_models", "load_balance_models", "tools", "tool_choice",
    "response_format", "json_schema", "is_enforcing_response_format",
)  # fmt: skip
Messages = Annotated[
    list[dict[str, Any]], Field(description="[{role, content}]; content may use {{variable}} placeholders")
]
Parameters = Annotated[
    JsonObject | None, Field(description="temperature, max_tokens, top_p, response_format, tools, seed, ...")
]
Variables = Annotated[JsonObject | None, Field(description="Variable defaults {name: value}")]


class PromptWritten(BaseModel):
    prompt_id: str
    version: int | None = None
    deployed: bool | None = None
    readonly: bool | None = None


def _version_body(
    messages: list[dict[str, Any]] | None,
    model: str | None,
    parameters: dict[str, Any] | None,
    variables: dict[str, Any] | None,
    description: str | None,
) -> dict[str, Any]:
    body: dict[str, Any] = dict(parameters or {})
    if body.pop("deploy", None) is not None:
        raise ToolError("deploy is not a parameter here: deploy with deploy_prompt_version (it previews first).")
    unknown = sorted(set(body) - set(VERSION_PARAMETERS))
    if unknown:
        raise ToolError(
            f"A prompt version does not take {', '.join(unknown)} (Respan refuses it). Parameters it takes: "
            f"{', '.join(VERSION_PARAMETERS)}; messages, model, variables and description are arguments of their own."
        )
    for key, value in (
        ("messages", messages),
        ("model", model),
        ("variables", variables),
        ("description", description),
    ):
        if value is not None:
            body[key] = value
    return body


def _written(prompt_id: str, version: int, answer: dict[str, Any]) -> dict[str, Any]:
    return PromptWritten(prompt_id=prompt_id, version=version, deployed=bool(answer.get("is_deployed")),
                         readonly=bool(answer.get("readonly"))).model_dump()  # fmt: skip


def _next_steps(prompt_id: str, version: int) -> str:
    return (
        f"Preview: render_prompt(prompt_id={prompt_id!r}, version={version}); run: chat_completion(prompt="
        f'{{"prompt_id": "{prompt_id}", "version": {version}}}); make it live: '
        f"deploy_prompt_version(prompt_id={prompt_id!r}, version={version})."
    )


async def create_prompt(
    ctx: Context,
    name: Annotated[str, Field(min_length=1, max_length=255, description="The prompt's name")],
    description: Annotated[str | None, Field(description="What it is for")] = None,
) -> Annotated[CallToolResult, PromptWritten]:
    with tool_errors():
        created = await api.create_prompt(app_state(ctx).prompts, name, description)
    prompt_id = prompt_id_of(created)
    text = (
        f"Created prompt {prompt_id} ({name!r}), with no version yet. Next: "
        f"create_prompt_version(prompt_id={prompt_id!r}, messages=[...], model=...)."
    )
    return reply(ctx, text, PromptWritten(prompt_id=prompt_id).model_dump())


async def update_prompt(
    ctx: Context,
    prompt_id: Annotated[str, Field(description="The prompt's id")],
    name: Annotated[str | None, Field(min_length=1, max_length=255, description="New name")] = None,
    description: Annotated[str | None, Field(description="New description")] = None,
) -> Annotated[CallToolResult, PromptWritten]:
    body = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
    if not body:
        raise ToolError("Nothing to change: give name and/or description (versions change with update_prompt_version).")
    with tool_errors():
        await api.update_prompt(app_state(ctx).prompts, prompt_id, body)
    text = f"Updated prompt {prompt_id}: " + ", ".join(f"{k} {v!r}" for k, v in body.items()) + "."
    return reply(ctx, text, PromptWritten(prompt_id=prompt_id).model_dump())


async def create_prompt_version(
    ctx: Context,
    prompt_id: Annotated[str, Field(description="The prompt's id")],
    messages: Messages,
    model: Annotated[str, Field(description="e.g. 'gpt-4o-mini'")],
    parameters: Parameters = None,
    variables: Variables = None,
    description: Annotated[str | None, Field(description="What changed (a commit message)")] = None,
) -> Annotated[CallToolResult, PromptWritten]:
    body = _version_body(messages, model, parameters, variables, description)
    with tool_errors():
        created = await api.create_version(app_state(ctx).prompts, prompt_id, body)
    version = int(created.get("version") or 0)
    text = f"Created {prompt_id} v{version} (a draft; not live). " + _next_steps(prompt_id, version)
    return reply(ctx, text, _written(prompt_id, version, created))


async def update_prompt_version(
    ctx: Context,
    prompt_id: Annotated[str, Field(description="The prompt's id")],
    version: Annotated[int, Field(ge=1, description="The draft's number")],
    messages: Annotated[list[dict[str, Any]] | None, Field(description="New messages [{role, content}]")] = None,
    model: Annotated[str | None, Field(description="New model")] = None,
    parameters: Parameters = None,
    variables: Variables = None,
    description: Annotated[str | None, Field(description="New description")] = None,
) -> Annotated[CallToolResult, PromptWritten]:
    body = _version_body(messages, model, parameters, variables, description)
    if not body:
        raise ToolError("Nothing to change: give messages, model, parameters, variables or description.")
    store = app_state(ctx).prompts
    with tool_errors():
        current = await store.version(prompt_id, version)
        if current.get("readonly"):
            raise ToolError(
                f"{prompt_id} v{version} is committed (read-only): Respan does not change it. Make a new version "
                f"with create_prompt_version(prompt_id={prompt_id!r}, ...) instead."
            )
        updated = await api.update_version(store, prompt_id, version, body)
    text = f"Updated draft {prompt_id} v{version} ({', '.join(sorted(body))}). " + _next_steps(prompt_id, version)
    return reply(ctx, text, _written(prompt_id, version, updated))


class DeployOutput(BaseModel):
    prompt_id: str
    version: int
    live_version: int | None = None
    deployed: bool
    messages_diff: list[str]
    params: dict[str, Any]
    variables: dict[str, Any]
    rendered_diff: list[str] = Field(description="the text a default request sends, live -> this version")


async def deploy_prompt_version(
    ctx: Context,
    prompt_id: Annotated[str, Field(description="The prompt's id")],
    version: Annotated[int, Field(ge=1, description="The version to make live")],
    confirm: Annotated[bool, Field(description="false (default): only show what would change; true: deploy")] = False,
) -> Annotated[CallToolResult, DeployOutput]:
    store = app_state(ctx).prompts
    with tool_errors():
        target = await store.load(prompt_id, version)
        try:
            live: PromptVersion | None = await store.load(prompt_id, None)
        except PromptRenderError:  # no deployed version: an answer here, not an error
            live = None
        before = await _rendered(live, store) if live else []
        after = await _rendered(target, store)
    diff = changes(live, target)
    deployed = False
    if confirm and not (live and live.version == target.version):
        try:
            with tool_errors():
                await api.update_version(store, prompt_id, version, {"deploy": True})
        except ToolError as exc:
            raise ToolError(
                f"{exc} If Respan refuses to deploy a draft, commit it first or create a newer version, then "
                "deploy again."
            ) from None
        deployed = True
    text = render_preview(prompt_id, live, target, diff, (before, after), deployed)
    if not confirm:
        text += (
            f"\nNothing deployed yet: call deploy_prompt_version(prompt_id={prompt_id!r}, version={version}, "
            "confirm=true) to make it live."
        )
    rendered_diff = unified(before, after, "live", f"v{version}") if before != after else []
    output = DeployOutput(prompt_id=prompt_id, version=version, live_version=live.version if live else None,
                          deployed=deployed, rendered_diff=rendered_diff, **diff)  # fmt: skip
    return reply(ctx, text, output.model_dump(), more="the full diff is in the structured content")


async def commit_prompt(
    ctx: Context,
    prompt_id: Annotated[str, Field(description="The prompt's id")],
    description: Annotated[str | None, Field(description="A commit message")] = None,
) -> Annotated[CallToolResult, PromptWritten]:
    store = app_state(ctx).prompts
    with tool_errors():
        committed = await api.commit_prompt(store, prompt_id, description)
    version = int(committed.get("version") or 0)
    text = (
        f"Committed {prompt_id} v{version}: it is read-only now, and a new draft opened after it. "
        f"Make it live: deploy_prompt_version(prompt_id={prompt_id!r}, version={version})."
    )
    return reply(ctx, text, _written(prompt_id, version, committed))


async def _rendered(version: PromptVersion, store: Any) -> list[str]:
    """A version rendered with its default variables, as lines (what a default request would send)."""
    from respan_mcp.errors import UserError

    try:
        result = await render_version(version, {}, store.load)
    except UserError as exc:
        return [f"(cannot render: {exc})"]
    return flatten(result.messages).splitlines()


def register(server: MCPServer, *, read_only: bool) -> None:
    if read_only:
        return  # every tool here writes
    server.add_tool(
        create_prompt,
        name="create_prompt",
        title="Create a Respan prompt",
        description="Create an empty managed prompt; then add a version with create_prompt_version.",
        annotations=WRITES,
    )
    server.add_tool(
        update_prompt,
        name="update_prompt",
        title="Rename a Respan prompt",
        description="Change a managed prompt's name or description (its versions are unchanged).",
        annotations=CHANGES,
    )
    server.add_tool(
        create_prompt_version,
        name="create_prompt_version",
        title="Create a prompt version",
        description="Add a version (a draft, not live) to a managed prompt: messages, model, parameters, "
        "variable defaults. Preview it with render_prompt, run it with chat_completion, then deploy.",
        annotations=WRITES,
    )
    server.add_tool(
        commit_prompt,
        name="commit_prompt",
        title="Commit a prompt draft",
        description="Freeze a prompt's current draft as a read-only version (a new draft opens after it).",
        annotations=WRITES,
    )
    server.add_tool(
        update_prompt_version,
        name="update_prompt_version",
        title="Edit a prompt draft",
        description="Change a draft version in place (committed versions are read-only: make a new one).",
        annotations=CHANGES,
    )
    server.add_tool(
        deploy_prompt_version,
        name="deploy_prompt_version",
        title="Deploy a prompt version",
        description="Make a version live. First call: shows what changes against the live version "
        "(templates, model, parameters, defaults, rendered text), deploys nothing; confirm=true deploys.",
        annotations=CHANGES,
    )
