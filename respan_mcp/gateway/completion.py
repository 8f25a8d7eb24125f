"""Chat completions: the request body, the streamed-answer accumulator, the compact result."""

from __future__ import annotations

from typing import Any

from respan_mcp.output import clip, fmt_cost, fmt_int, fmt_seconds, render_conversation

CHAT_PATH = "chat/completions"


def _breakdown_of(chunk: dict[str, Any]) -> dict[str, Any] | None:
    """The request breakdown a stream chunk carries, if it is the breakdown chunk.

    Respan sends it last, as `{"id": "request_breakdown", "model": "extra_parameter", "choices":
    [{..., "request_breakdown": {...}}]}`; a top-level `request_breakdown` is accepted too."""
    choices = chunk.get("choices") if isinstance(chunk.get("choices"), list) else []
    inner = choices[0].get("request_breakdown") if choices and isinstance(choices[0], dict) else None
    if isinstance(inner, dict):
        return inner
    if isinstance(chunk.get("request_breakdown"), dict):
        return chunk["request_breakdown"]  # type: ignore[no-any-return]
    if chunk.get("id") == "request_breakdown":
        return {k: v for k, v in chunk.items() if k not in ("id", "object", "model", "choices")}
    return None


def fold_chunks(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """A whole streamed answer as one chat.completion."""
    accumulator = CompletionAccumulator()
    for chunk in chunks:
        accumulator.feed(chunk)
    return accumulator.response()


class CompletionAccumulator:
    """Folds `chat.completion.chunk` events into one `chat.completion` response."""

    def __init__(self) -> None:
        self.id: str | None = None
        self.model: str | None = None
        self.created: int | None = None
        self.usage: dict[str, Any] | None = None
        self.request_breakdown: dict[str, Any] | None = None
        self.prompt_message: Any = None
        self.chunks = 0
        self._choices: dict[int, dict[str, Any]] = {}

    def feed(self, chunk: dict[str, Any]) -> str:
        """Add one chunk; return the text it added (for progress)."""
        self.chunks += 1
        breakdown = _breakdown_of(chunk)
        if breakdown is not None:
            self.request_breakdown = breakdown
            return ""
        self.id = self.id or chunk.get("id")
        self.model = chunk.get("model") or self.model
        self.created = self.created or chunk.get("created")
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        if chunk.get("prompt_message") is not None:
            self.prompt_message = chunk["prompt_message"]
        added = []
        for delta_choice in chunk.get("choices") or []:
            index = int(delta_choice.get("index", 0))
            choice = self._choices.setdefault(
                index,
                {"index": index, "message": {"role": "assistant", "content": None}, "finish_reason": None},
            )
            delta = delta_choice.get("delta") or delta_choice.get("message") or {}
            message = choice["message"]
            if delta.get("role"):
                message["role"] = delta["role"]
            text = delta.get("content")
            if isinstance(text, str) and text:
                message["content"] = (message["content"] or "") + text
                added.append(text)
            for key in ("reasoning_content", "refusal"):
                if isinstance(delta.get(key), str):
                    message[key] = message.get(key, "") + delta[key]
            for call in delta.get("tool_calls") or []:
                calls = message.setdefault("tool_calls", [])
                position = int(call.get("index", len(calls)))
                while len(calls) <= position:
                    calls.append({"id": None, "type": "function", "function": {"name": "", "arguments": ""}})
                target = calls[position]
                if call.get("id"):
                    target["id"] = call["id"]
                function = call.get("function") or {}
                if function.get("name"):
                    target["function"]["name"] += function["name"]
                if function.get("arguments"):
                    target["function"]["arguments"] += function["arguments"]
            if delta_choice.get("finish_reason"):
                choice["finish_reason"] = delta_choice["finish_reason"]
        return "".join(added)

    def text(self) -> str:
        return "".join((c["message"].get("content") or "") for _, c in sorted(self._choices.items()))

    def response(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [c for _, c in sorted(self._choices.items())],
            "usage": self.usage,
        }
        if self.request_breakdown is not None:
            result["request_breakdown"] = self.request_breakdown
        if self.prompt_message is not None:
            result["prompt_message"] = self.prompt_message
        return result


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
