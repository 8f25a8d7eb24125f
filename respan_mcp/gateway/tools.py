"""MCP skin of the gateway capability: the chat_completion tool."""

import time
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field

from respan_mcp.errors import RespanError, StreamCutError
from respan_mcp.gateway.completion import CHAT_PATH, CompletionAccumulator, build_body, fold_chunks, render_completion
from respan_mcp.sse import SSEAnswer
from respan_mcp.state import app_state, reply, tool_errors, wants_progress

PROGRESS_INTERVAL = 0.25  # seconds between progress notifications while streaming
PROGRESS_TAIL = 1000  # characters of partial text carried by one notification


class ChatMessage(BaseModel):
    """One OpenAI-style message; unknown keys and content parts pass through untouched."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Annotated[
        str | list[dict[str, Any]] | None,
        Field(
            description="Text, or a list of content parts: {type:'text',text}, {type:'image_url',image_url:{url}}, "
            "{type:'file',file:{...}}; parts may carry Anthropic cache_control markers."
        ),
    ] = None
    name: str | None = None
    tool_calls: Annotated[
        list[dict[str, Any]] | None,
        Field(description="Assistant tool calls: [{id, type:'function', function:{name, arguments}}]."),
    ] = None
    tool_call_id: Annotated[str | None, Field(description="For role 'tool': the id of the call answered.")] = None


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


DESCRIPTION = """Call any of Respan's 250+ models (OpenAI, Anthropic, Google, Mistral, ...) through the Respan gateway.
Use it to run a model, compare models, or test a managed prompt end to end. It spends credits and is logged in Respan.
Give `messages` and `model` (or a managed `prompt`, which supplies messages and model). Every OpenAI parameter and every
Respan gateway parameter is available: reliability (fallback_models, retry_params, load_balance_group), caching
(cache_enabled, cache_ttl, cache_options), analytics (customer_identifier, metadata, thread_identifier), BYOK
(customer_credentials, credential_override), privacy (disable_log). The result shows the answer or its tool calls, the
model that actually answered (a fallback shows), finish reason and token usage; request_breakdown adds cost and
latency."""


async def chat_completion(
    ctx: Context,
    messages: Annotated[
        list[ChatMessage] | None,
        Field(description="The conversation. Optional only when `prompt` is given (its messages are used)."),
    ] = None,
    model: Annotated[
        str | None,
        Field(
            description="Model id, e.g. 'gpt-4o-mini', 'claude-sonnet-4-20250514', 'gemini/gemini-2.0-flash'. "
            "Omit when a managed prompt sets it."
        ),
    ] = None,
    temperature: Annotated[float | None, Field(ge=0, le=2, description="Sampling temperature 0-2.")] = None,
    top_p: Annotated[float | None, Field(ge=0, le=1, description="Nucleus sampling mass.")] = None,
    max_tokens: Annotated[int | None, Field(ge=1, description="Upper bound on generated tokens.")] = None,
    max_completion_tokens: Annotated[
        int | None, Field(ge=1, description="Upper bound incl. reasoning tokens (OpenAI reasoning models).")
    ] = None,
    n: Annotated[int | None, Field(ge=1, le=16, description="How many choices to generate.")] = None,
    stop: Annotated[str | list[str] | None, Field(description="Stop sequence(s).")] = None,
    seed: Annotated[int | None, Field(description="Seed for best-effort deterministic sampling.")] = None,
    frequency_penalty: Annotated[float | None, Field(ge=-2, le=2)] = None,
    presence_penalty: Annotated[float | None, Field(ge=-2, le=2)] = None,
    logit_bias: Annotated[dict[str, float] | None, Field(description="Token id -> bias (-100..100).")] = None,
    logprobs: Annotated[bool | None, Field(description="Return log probabilities of output tokens.")] = None,
    top_logprobs: Annotated[int | None, Field(ge=0, le=20)] = None,
    tools: Annotated[
        list[dict[str, Any]] | None,
        Field(description="Function tools: [{type:'function', function:{name, description, parameters}}]."),
    ] = None,
    tool_choice: Annotated[
        str | dict[str, Any] | None,
        Field(description="'auto', 'none', 'required' or {type:'function', function:{name}}."),
    ] = None,
    parallel_tool_calls: Annotated[bool | None, Field(description="Allow several tool calls in one turn.")] = None,
    response_format: Annotated[
        dict[str, Any] | None,
        Field(
            description="{type:'text'} | {type:'json_object'} | "
            "{type:'json_schema', json_schema:{name, schema, strict}}."
        ),
    ] = None,
    reasoning_effort: Annotated[
        str | None, Field(description="Reasoning models: 'minimal', 'low', 'medium' or 'high'.")
    ] = None,
    verbosity: Annotated[str | None, Field(description="'low', 'medium' or 'high' (models that support it).")] = None,
    thinking: Annotated[
        dict[str, Any] | None,
        Field(description="Anthropic extended thinking: {type:'enabled', budget_tokens:N}."),
    ] = None,
    customer_identifier: Annotated[
        str | None,
        Field(max_length=120, description="Your end user's id, for per-customer analytics and budgets."),
    ] = None,
    customer_params: Annotated[
        dict[str, Any] | None,
        Field(
            description="Create/update the customer: {customer_identifier, name?, email?, period_budget?, "
            "budget_duration?, total_budget?}."
        ),
    ] = None,
    metadata: Annotated[
        dict[str, Any] | None,
        Field(description="Free key-values stored on the log; filter logs by metadata__<key>."),
    ] = None,
    custom_identifier: Annotated[str | None, Field(description="An indexed tag of your own for this request.")] = None,
    thread_identifier: Annotated[str | None, Field(description="Groups requests of one conversation.")] = None,
    group_identifier: Annotated[str | None, Field(description="Groups related requests.")] = None,
    trace_unique_id: Annotated[str | None, Field(description="Attach this call to a trace.")] = None,
    span_name: Annotated[str | None, Field(description="Span name within the trace.")] = None,
    span_workflow_name: Annotated[str | None, Field(description="Workflow name of the trace.")] = None,
    span_parent_id: Annotated[str | None, Field(description="Parent span id within the trace.")] = None,
    fallback_models: Annotated[
        list[str] | None, Field(description="Ordered backup models, tried when the model fails.")
    ] = None,
    load_balance_group: Annotated[
        dict[str, Any] | None,
        Field(description="{group_id, models?: [{model, weight, credentials?}]}: balance across models."),
    ] = None,
    load_balance_models: Annotated[
        list[dict[str, Any]] | None, Field(description="Inline balancing: [{model, weight, credentials?}].")
    ] = None,
    retry_params: Annotated[
        dict[str, Any] | None,
        Field(description="Gateway-side retries: {retry_enabled: true, num_retries?: 3, retry_after?: 0.2}."),
    ] = None,
    cache_enabled: Annotated[bool | None, Field(description="Exact-match response cache on the gateway.")] = None,
    cache_ttl: Annotated[int | None, Field(ge=0, description="Cache lifetime in seconds (default 30 days).")] = None,
    cache_options: Annotated[
        dict[str, Any] | None, Field(description="{cache_by_customer?: bool, omit_log?: bool}.")
    ] = None,
    customer_credentials: Annotated[
        dict[str, Any] | None,
        Field(description="BYOK: the end customer's provider keys, {'openai': {'api_key': ...}}. Never echoed."),
    ] = None,
    credential_override: Annotated[
        dict[str, Any] | None,
        Field(
            description="One-off per-model credentials {'<model>': {api_key, api_base?, api_version?}}. Never echoed."
        ),
    ] = None,
    model_name_map: Annotated[dict[str, str] | None, Field(description="Model -> Azure deployment name.")] = None,
    disable_log: Annotated[
        bool | None, Field(description="Keep only metrics in Respan's log; drop messages and bodies.")
    ] = None,
    request_breakdown: Annotated[
        bool | None, Field(description="Also report cost, latency and other figures of this request.")
    ] = None,
    prompt: Annotated[
        dict[str, Any] | None,
        Field(
            description="Use a managed prompt: {prompt_id, variables?, version? (int|'latest'; omit = deployed), "
            "echo?: true to see the rendered messages, schema_version?: 1|2, override?, override_params?, "
            "override_config?, patch? (v2)}. Preview the rendering for free with render_prompt first."
        ),
    ] = None,
    extra_body: Annotated[
        dict[str, Any] | None,
        Field(description="Any further body fields, sent as-is (named parameters above win on conflict)."),
    ] = None,
) -> Annotated[CallToolResult, ChatCompletionOutput]:
    # The first statement, so locals() holds exactly the parameters: every one but these goes
    # into the request body under its own name (they are named after the API's fields).
    params = {k: v for k, v in locals().items() if k not in ("ctx", "messages", "extra_body")}
    if not messages and not prompt:
        raise ToolError("Give `messages` (a list of {role, content}) or a managed `prompt` ({prompt_id, ...}).")
    if not model and not prompt and not (extra_body or {}).get("model"):
        raise ToolError("Give `model` (e.g. 'gpt-4o-mini'), or use a managed `prompt` that sets one.")
    state = app_state(ctx)
    body = build_body(params, extra_body)
    if messages:
        body["messages"] = [m.model_dump(exclude_none=True) for m in messages]
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
    text = render_completion(response, model, bool(request_breakdown))
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
    response = await app_state(ctx).respan.request(
        "POST", CHAT_PATH, json_body={**body, "stream": False}, read=False, what="chat_completion"
    )
    if isinstance(response, SSEAnswer):  # streamed although not asked (a v2 prompt set to stream): fold it
        if response.cut:
            raise ToolError("chat_completion: the gateway's streamed answer was cut before it finished; call again.")
        return fold_chunks(response)
    return response


async def _streamed(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """The answer streamed, with the partial text as progress; a cut stream keeps what arrived."""
    body = {**body, "stream": True, "stream_options": {**(body.get("stream_options") or {}), "include_usage": True}}
    accumulator = CompletionAccumulator()
    try:
        last_sent = 0.0
        async for chunk in app_state(ctx).respan.stream(CHAT_PATH, body, what="chat_completion"):
            if accumulator.feed(chunk) and time.monotonic() - last_sent >= PROGRESS_INTERVAL:
                last_sent = time.monotonic()
                text = accumulator.text()
                await ctx.report_progress(len(text), None, text[-PROGRESS_TAIL:])
    except StreamCutError as exc:
        partial = accumulator.text()
        raise ToolError(
            f"{exc.message} The answer so far ({len(partial)} characters) may be incomplete; "
            f"call again to retry.\n\nPartial answer:\n{partial or '(nothing yet)'}"
        ) from None
    return accumulator.response()


def register(server: MCPServer, *, read_only: bool) -> None:
    if read_only:
        return  # spends money: never offered in read-only mode
    server.add_tool(
        chat_completion,
        name="chat_completion",
        title="Chat completion via the Respan gateway",
        description=DESCRIPTION,
        annotations=ToolAnnotations(
            title="Chat completion via the Respan gateway",
            read_only_hint=False,
            destructive_hint=False,
            idempotent_hint=False,
            open_world_hint=True,
        ),
    )
