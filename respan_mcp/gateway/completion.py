"""Streamed chat completions folded into one answer (the breakdown chunk included)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from respan_mcp.errors import StreamCutError


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


class PartialAnswer(StreamCutError):
    """A stream that ended early (cut, or past the total timeout), with the text that had arrived."""

    def __init__(self, cause: StreamCutError, partial: str) -> None:
        super().__init__(cause.message, kind=cause.kind)
        self.partial = partial


async def collect(
    chunks: AsyncIterator[dict[str, Any]], on_text: Callable[[str], Awaitable[None]], interval: float
) -> dict[str, Any]:
    """Fold a stream into one completion, calling `on_text(text so far)`: at once for the first text, then at
    most every `interval` seconds, and once more at the end with the whole text (so a fast model that streams
    in under `interval` still shows as streaming, not as one late event)."""
    accumulator = CompletionAccumulator()
    last_sent, sent_chars = 0.0, 0
    try:
        async for chunk in chunks:
            if accumulator.feed(chunk) and (not sent_chars or time.monotonic() - last_sent >= interval):
                last_sent, text = time.monotonic(), accumulator.text()
                if text:
                    sent_chars = len(text)
                    await on_text(text)
    except StreamCutError as exc:
        raise PartialAnswer(exc, accumulator.text()) from None
    if sent_chars and len(accumulator.text()) > sent_chars:
        await on_text(accumulator.text())
    return accumulator.response()
