"""The text a model reads for a chat completion: the answer, then one line of facts."""

from __future__ import annotations

from typing import Any

from respan_mcp.output import clip, fmt_cost, fmt_int, fmt_seconds, render_conversation


def _render_message(message: dict[str, Any]) -> str:
    parts = []
    content = message.get("content")
    if isinstance(content, list):  # some providers answer with content parts
        content = "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    if message.get("reasoning_content"):
        parts.append(f"[reasoning] {clip(message['reasoning_content'], 600)}")
    if content:
        parts.append(str(content))
    if message.get("refusal"):
        parts.append(f"[refusal] {message['refusal']}")
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        parts.append(f"[tool call {call.get('id') or '?'}] {function.get('name')}({function.get('arguments') or ''})")
    return "\n".join(parts) if parts else "(empty answer)"


def render_completion(response: dict[str, Any], requested_model: str | None, show_breakdown: bool) -> str:
    """The text a model reads: the answer, then one line of facts."""
    choices = response.get("choices") or []
    if len(choices) == 1:
        body = _render_message(choices[0].get("message") or {})
    else:
        body = (
            "\n\n".join(
                f"Choice {c.get('index', i)} (finish: {c.get('finish_reason')}):\n"
                + _render_message(c.get("message") or {})
                for i, c in enumerate(choices)
            )
            or "(no choices)"
        )
    answered = response.get("model") or "?"
    model = answered
    if requested_model and answered not in ("?", requested_model) and not answered.endswith("/" + requested_model):
        model = f"{answered} (asked for {requested_model}: a fallback or load balancing answered)"
    if answered == "respan/cache":
        model = "respan/cache (served from the gateway cache)"
    usage = response.get("usage") or {}
    tokens = None
    if usage:
        tokens = f"{fmt_int(usage.get('prompt_tokens'))} in / {fmt_int(usage.get('completion_tokens'))} out"
        cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
        if cached:
            tokens += f" ({fmt_int(cached)} cached)"
    finish = ", ".join(sorted({str(c.get("finish_reason")) for c in choices})) if choices else None
    facts = [f"model: {model}", f"finish: {finish}" if finish else "", f"tokens: {tokens}" if tokens else ""]
    lines = [body, "", "— " + " · ".join(f for f in facts if f)]
    breakdown = response.get("request_breakdown")
    if show_breakdown and isinstance(breakdown, dict):
        lines.append("— breakdown: " + render_breakdown(breakdown))
    if response.get("prompt_message") is not None:
        lines.append("— rendered prompt messages:\n" + render_conversation(response["prompt_message"], 2000)[0])
    return "\n".join(lines)


def render_breakdown(breakdown: dict[str, Any]) -> str:
    known = {
        "cost": fmt_cost(breakdown.get("cost")),
        "latency": fmt_seconds(breakdown.get("latency")),
        "ttft": fmt_seconds(breakdown.get("time_to_first_token")),
        "tokens/s": breakdown.get("tokens_per_second"),
        "status": breakdown.get("status_code"),
    }
    parts = [f"{k} {v}" for k, v in known.items() if v not in (None, "-")]
    skip = {
        "cost",
        "latency",
        "time_to_first_token",
        "tokens_per_second",
        "status_code",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
    }
    rest = {k: v for k, v in breakdown.items() if k not in skip and isinstance(v, (str, int, float, bool))}
    parts.extend(f"{k} {v}" for k, v in list(rest.items())[:12])
    return ", ".join(parts)
