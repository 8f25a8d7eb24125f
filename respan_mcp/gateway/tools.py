"""MCP skin of the gateway capability: the chat_completion tool."""

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from respan_mcp import observe
from respan_mcp.errors import RespanError
from respan_mcp.gateway import api
from respan_mcp.gateway.completion import PartialAnswer, collect
from respan_mcp.gateway.format import render_completion
from respan_mcp.gateway.params import build_body, signature
from respan_mcp.state import app_state, reply, tool_errors, wants_progress

PROGRESS_INTERVAL = 0.25  # seconds between progress notifications while streaming
PROGRESS_TAIL = 1000  # characters of partial text carried by one notification


class ChatCompletionOutput(BaseModel):
    id: str | None = None
    model: str | None = Field(default=None, description="The model that actually answered.")
    requested_model: str | None = None
    choices: list[dict[str, Any]] = Field(default_factory=list)
    usage: dict[str, Any] | None = None
    request_breakdown: dict[str, Any] | None = None
    prompt_message: list[dict[str, Any]] | None = Field(
        default=None, description="Rendered prompt messages (prompt.echo)."
    )


DESCRIPTION = (
    "Call any of Respan's 250+ models through the Respan gateway: run or compare models, or run a managed prompt "
    "(spends credits; logged in Respan). Give messages and model, or a prompt. Gateway features are parameters "
    "(fallback_models, retry_params, load_balance_group, cache_enabled, customer_identifier, metadata, BYOK "
    "customer_credentials, disable_log); other body fields go in extra_body. Shows the answer or tool calls, the "
    "model that answered, finish, tokens; request_breakdown adds cost and latency."
)


async def chat_completion(ctx: Context, **arguments: Any) -> CallToolResult:
    """The parameters are declared once, in gateway/params.py (the signature is set below)."""
    prompt, model = arguments.get("prompt"), arguments.get("model")
    if not arguments.get("messages") and not prompt:
        raise ToolError("Give `messages` (a list of {role, content}) or a managed `prompt` ({prompt_id, ...}).")
    if not model and not prompt and not (arguments.get("extra_body") or {}).get("model"):
        raise ToolError("Give `model` (e.g. 'gpt-4o-mini'), or use a managed `prompt` that sets one.")
    body = build_body(arguments)
    traced = observe.current_trace()
    if traced is not None and "trace_unique_id" not in body:  # the server's own trace (serving/tracing.py)
        body["trace_unique_id"], body["span_parent_id"] = traced
    with tool_errors():
        if wants_progress(ctx):
            response = await _streamed(ctx, body)
        else:
            try:
                response = await _plain(ctx, body)
            except RespanError as exc:
                # A prompt set to stream must be called with stream: true. The refused request cost
                # nothing, so it is sent again, streamed.
                if not (prompt and exc.status == 400 and "stream" in (exc.detail or "").lower()):
                    raise
                response = await _streamed(ctx, body)
    if not isinstance(response, dict):
        raise ToolError("The gateway answered with something that is not a chat completion; check RESPAN_BASE_URL.")
    text = render_completion(response, model, bool(arguments.get("request_breakdown")))
    structured = ChatCompletionOutput(
        id=response.get("id"),
        model=response.get("model"),
        requested_model=model,
        choices=response.get("choices") or [],
        usage=response.get("usage"),
        request_breakdown=response.get("request_breakdown"),
        prompt_message=response.get("prompt_message"),
    )
    return reply(
        ctx, text, structured.model_dump(exclude_none=True), more="the full choices are in the structured content"
    )


async def _plain(ctx: Context, body: dict[str, Any]) -> Any:
    try:
        return await api.complete(app_state(ctx).respan, body)
    except api.CutAnswer as exc:
        raise ToolError(str(exc)) from None


async def _streamed(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """The answer streamed, with the partial text as progress; a cut stream keeps what arrived."""

    async def progress(text: str) -> None:
        await ctx.report_progress(len(text), None, text[-PROGRESS_TAIL:])

    try:
        return await collect(api.stream(app_state(ctx).respan, body), progress, PROGRESS_INTERVAL)
    except PartialAnswer as exc:
        raise ToolError(
            f"{exc.message} The answer so far ({len(exc.partial)} characters) may be incomplete; "
            f"call again to retry.\n\nPartial answer:\n{exc.partial or '(nothing yet)'}"
        ) from None


chat_completion.__signature__, chat_completion.__annotations__ = signature(  # type: ignore[attr-defined]
    Context, Annotated[CallToolResult, ChatCompletionOutput]
)


def register(server: MCPServer, *, read_only: bool) -> None:
    if read_only:
        return  # spends money: never offered in read-only mode
    server.add_tool(
        chat_completion,
        name="chat_completion",
        title="Chat via the Respan gateway",
        description=DESCRIPTION,
        annotations=ToolAnnotations(
            read_only_hint=False,
            destructive_hint=False,
            idempotent_hint=False,
            open_world_hint=True,
        ),
    )
