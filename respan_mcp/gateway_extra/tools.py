"""MCP skin of the gateway_extra toolset: list_models (the catalogue) and compare_models (side by side)."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from respan_mcp.annotations import READ_ONLY, WRITES
from respan_mcp.contract import JsonObject
from respan_mcp.gateway_extra import api
from respan_mcp.gateway_extra.format import model_record, render_comparison, render_models
from respan_mcp.output import Rows, content_text, mapping
from respan_mcp.state import app_state, reply, tool_errors, wants_progress

SORTS = {
    "input_cost": lambda r: (r["input_usd_per_1m"] is None, r["input_usd_per_1m"] or 0),
    "output_cost": lambda r: (r["output_usd_per_1m"] is None, r["output_usd_per_1m"] or 0),
    "context": lambda r: -(r["context_tokens"] or 0),
    "name": lambda r: r["model"].lower(),
}


class ModelRow(BaseModel):
    model: str
    provider: str | None = None
    context_tokens: int | None = None
    input_usd_per_1m: float | None = None
    output_usd_per_1m: float | None = None
    rate_limit: int | str | None = None


class ModelList(BaseModel):
    matched: int
    total: int
    models: Rows[ModelRow]


def _has_feature(model: dict[str, Any], feature: str) -> bool:
    """Whether the catalogue says the model has a feature: any true field whose name holds the word
    (`supports_vision`, `function_calling`: such fields are not documented, so none is assumed)."""
    word = feature.replace("_", "").lower()
    return any(v is True and word in k.replace("_", "").lower() for k, v in model.items())


async def list_models(
    ctx: Context,
    name: Annotated[str | None, Field(max_length=100, description="Only names containing this")] = None,
    provider: Annotated[str | None, Field(max_length=100, description="Only this provider (name or id)")] = None,
    min_context: Annotated[int | None, Field(ge=1, description="At least this many context tokens")] = None,
    feature: Annotated[
        Literal["function_calling", "vision"] | None, Field(description="Only models the catalogue marks so")
    ] = None,
    sort_by: Annotated[
        Literal["input_cost", "output_cost", "context", "name"], Field(description="Cheapest first, or largest context")
    ] = "input_cost",
    limit: Annotated[int, Field(ge=1, le=200, description="At most this many")] = 30,
) -> Annotated[CallToolResult, ModelList]:
    with tool_errors():
        models, age = await api.catalogue(app_state(ctx).respan)
    chosen = []
    for model in models:
        record = model_record(model)
        provider_names = f"{record['provider'] or ''} {(model.get('provider') or {}).get('provider_id', '')}".lower()
        if name and name.lower() not in record["model"].lower():
            continue
        if provider and provider.lower() not in provider_names:
            continue
        if min_context and (record["context_tokens"] or 0) < min_context:
            continue
        if feature and not _has_feature(model, feature):
            continue
        chosen.append(record)
    chosen.sort(key=SORTS[sort_by])
    text = render_models(chosen[:limit], len(chosen), len(models), age)
    if not chosen:
        text += "\nNothing matches: loosen the filters (a name is matched as a substring)."
    output = ModelList(matched=len(chosen), total=len(models), models=[ModelRow(**r) for r in chosen[:limit]])
    return reply(ctx, text, output.model_dump())


class ComparisonRow(BaseModel):
    model: str
    answered_by: str | None = None
    answer: str | None = None
    finish: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    cost_estimated: bool | None = None
    latency_s: float | None = None
    log_id: str | None = None
    error: str | None = None


class Comparison(BaseModel):
    rows: Rows[ComparisonRow]


async def compare_models(
    ctx: Context,
    models: Annotated[
        list[str], Field(min_length=2, max_length=6, description="2-6 models, e.g. ['gpt-4o-mini', 'claude-...']")
    ],
    messages: Annotated[
        list[dict[str, Any]] | None, Field(description="[{role, content}], the same for every model")
    ] = None,
    prompt: Annotated[
        JsonObject | None, Field(description="Or a managed prompt: {prompt_id, variables?, version?}")
    ] = None,
    temperature: Annotated[float | None, Field(ge=0, le=2, description="For every model")] = None,
    max_tokens: Annotated[int | None, Field(ge=1, le=32_000, description="For every model")] = None,
    max_chars: Annotated[int, Field(ge=100, le=8000, description="Longest answer shown per model")] = 800,
) -> Annotated[CallToolResult, Comparison]:
    if bool(messages) == bool(prompt):
        raise ToolError("Give `messages` or a managed `prompt`, one of them.")
    if len(set(models)) != len(models):
        raise ToolError("Each model once: the same model twice compares nothing.")
    common: dict[str, Any] = {"request_breakdown": True}
    common.update({k: v for k, v in (("temperature", temperature), ("max_tokens", max_tokens)) if v is not None})
    bodies = []
    for model in models:
        if prompt:
            # Schema v2: the prompt's configuration wins, `patch` overrides it (the model, here).
            patch = {"model": model, **{k: v for k, v in common.items() if k != "request_breakdown"}}
            bodies.append({"prompt": {**prompt, "schema_version": 2, "patch": patch}, "request_breakdown": True})
        else:
            bodies.append({"model": model, "messages": messages, **common})
    client = app_state(ctx).respan
    finished = 0

    async def on_done(i: int) -> None:
        nonlocal finished
        finished += 1
        await ctx.report_progress(finished, len(models), f"{models[i]} answered")

    with tool_errors():
        results = await api.side_by_side(client, bodies, on_done)
        priced = {m.get("model_name"): m for m in (await _catalogue_or_none(client))}
    rows = [_row(model, result, priced) for model, result in zip(models, results, strict=True)]
    text = render_comparison(rows, max_chars)
    failed = sum(1 for r in rows if r.get("error"))
    if failed:
        text += f"\n\n{failed} of {len(rows)} model(s) failed; the others answered."
    return reply(ctx, text, Comparison(rows=[ComparisonRow(**r) for r in rows]).model_dump(),
                 more="use a smaller max_chars")  # fmt: skip


async def _catalogue_or_none(client: Any) -> list[dict[str, Any]]:
    """Prices for estimating costs the answers do not carry; a catalogue that cannot be had is no error here."""
    try:
        return (await api.catalogue(client))[0]
    except api.RespanError:
        return []


def _row(model: str, result: tuple[dict[str, Any] | None, str, float], priced: dict[Any, Any]) -> dict[str, Any]:
    answer, error, seconds = result
    if answer is None:
        return {"model": model, "error": error, "latency_s": round(seconds, 3)}
    choices = answer.get("choices") if isinstance(answer.get("choices"), list) else []
    first = mapping(choices[0] if choices else None)
    message, usage, breakdown = (
        mapping(first.get("message")),
        mapping(answer.get("usage")),
        mapping(answer.get("request_breakdown")),
    )
    text = content_text(message.get("content"))
    if not text and message.get("tool_calls"):
        names = [str((c.get("function") or {}).get("name")) for c in message["tool_calls"] if isinstance(c, dict)]
        text = "(tool calls: " + ", ".join(names) + ")"
    prompt_tokens, completion_tokens = usage.get("prompt_tokens"), usage.get("completion_tokens")
    cost = breakdown.get("cost") if isinstance(breakdown.get("cost"), (int, float)) else None
    estimated = None
    if cost is None:
        cost = api.estimated_cost(priced.get(answer.get("model") or model), prompt_tokens, completion_tokens)
        estimated = True if cost is not None else None
    given = breakdown.get("latency")
    latency = float(given) if isinstance(given, (int, float)) else seconds
    log_id = next((str(v) for k, v in breakdown.items() if k in ("unique_id", "log_id") and v), None)
    return {
        "model": model, "answered_by": answer.get("model"), "answer": text, "finish": first.get("finish_reason"),
        "prompt_tokens": prompt_tokens if isinstance(prompt_tokens, int) else None,
        "completion_tokens": completion_tokens if isinstance(completion_tokens, int) else None,
        "cost_usd": cost, "cost_estimated": estimated, "latency_s": round(latency, 3), "log_id": log_id,
    }  # fmt: skip


class DoorAnswer(BaseModel):
    door: str
    id: str | None = None
    model: str | None = None
    text: str | None = None
    tool_calls: list[str] | None = None
    finish: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    vectors: int | None = None
    dimensions: int | None = None


async def gateway_request(
    ctx: Context,
    endpoint: Annotated[
        Literal["responses", "anthropic_messages", "gemini_generate", "embeddings"],
        Field(description="The door: OpenAI Responses, the Anthropic or Gemini proxy, or embeddings"),
    ],
    body: Annotated[JsonObject, Field(description="The request body in that door's own format")],
    model: Annotated[
        str | None, Field(max_length=200, description="gemini_generate: the model (it goes in the path)")
    ] = None,
    respan_params: Annotated[
        JsonObject | None, Field(description="Respan parameters (metadata, customer_identifier, ...)")
    ] = None,
    max_chars: Annotated[int, Field(ge=100, le=20_000, description="Longest answer text shown")] = 4000,
) -> Annotated[CallToolResult, DoorAnswer]:
    if endpoint == "gemini_generate" and not model:
        raise ToolError("gemini_generate needs `model` (e.g. 'gemini-2.0-flash'): the Gemini API puts it in the path.")
    if endpoint != "gemini_generate" and not body.get("model"):
        raise ToolError(f"{endpoint} needs `model` in the body, as the app sends it.")
    from respan_mcp.gateway_extra import doors

    on_text = None
    if wants_progress(ctx):  # the caller can show a stream: call the door streaming, as an app would
        last = [0.0]

        async def on_text(text: str) -> None:
            now = time.monotonic()
            if not last[0] or now - last[0] >= 0.25:  # the first at once, then a few a second
                last[0] = now
                await ctx.report_progress(len(text), None, text[-1000:])

    with tool_errors():
        facts = await doors.send(app_state(ctx).respan, endpoint, body, model, respan_params, on_text)
    text = _door_text(endpoint, facts, max_chars)
    shown = {**facts, "text": str(facts.get("text") or "")[:max_chars] or None}
    return reply(ctx, text, DoorAnswer(door=endpoint, **shown).model_dump(), more="use a smaller max_chars")


def _door_text(door: str, facts: dict[str, Any], max_chars: int) -> str:
    if door == "embeddings":
        return (
            f"embeddings · {facts.get('model') or '-'}: {facts.get('vectors')} vector(s) of "
            f"{facts.get('dimensions')} dimensions · {facts.get('input_tokens') or '-'} input tokens"
        )
    tokens = f"{facts.get('input_tokens')} in / {facts.get('output_tokens')} out tokens"
    head = " · ".join(str(x) for x in (door, facts.get("model"), f"finish {facts.get('finish') or '-'}", tokens,
                                       facts.get("id")) if x)  # fmt: skip
    body = str(facts.get("text") or "")
    lines = [head, body[:max_chars] + ("…" if len(body) > max_chars else "")]
    lines += [f"[tool call] {call}" for call in facts.get("tool_calls") or []]
    return "\n".join(line for line in lines if line)


def register(server: MCPServer, *, read_only: bool) -> None:
    server.add_tool(
        list_models,
        name="list_models",
        title="Respan's model catalogue",
        description="Models the Respan gateway serves, with prices per 1M tokens and context windows; filter by "
        "name, provider, context or feature, sort by price or context. Needs no key.",
        annotations=READ_ONLY,
    )
    if not read_only:
        server.add_tool(
            compare_models,
            name="compare_models",
            title="Compare models side by side",
            description="The same messages (or managed prompt) on 2-6 models at once: each one's answer, finish, "
            "tokens, cost and latency; a model that fails is a row, not an error. Spends credits.",
            annotations=WRITES,
        )
        server.add_tool(
            gateway_request,
            name="gateway_request",
            title="Call another gateway door",
            description="Send a request as an app would to the gateway's other doors: OpenAI Responses "
            "(OpenAI models only), the Anthropic Messages or Gemini proxy, or embeddings; shows the answer's text or "
            "tool calls and usage (for embeddings, how many vectors of how many dimensions). Spends credits.",
            annotations=WRITES,
        )
