"""The gateway's other doors, as an app sends to them: OpenAI's Responses API, the Anthropic and Gemini proxies,
and embeddings (see "Other gateway doors" in the API reference). Each answer is folded into a few facts."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from respan_mcp.output import clip, compact_json, mapping
from respan_mcp.paths import api_path

if TYPE_CHECKING:
    from respan_mcp.respan import RespanClient

DOORS = ("responses", "anthropic_messages", "gemini_generate", "embeddings")
STREAMING_DOORS = ("responses", "anthropic_messages", "gemini_generate")


def request_for(door: str, body: dict[str, Any], model: str | None, respan_params: dict[str, Any] | None,
                key: str) -> tuple[str, dict[str, Any], dict[str, str]]:  # fmt: skip
    """(path, body, headers) as that door's own SDK sends them; Respan parameters where the door takes them."""
    body = {k: v for k, v in body.items() if k != "stream"}  # one answer, not a stream (the content is the same)
    headers: dict[str, str] = {}
    encoded = base64.b64encode(json.dumps(respan_params or {}).encode()).decode() if respan_params else ""
    if door == "responses":
        if encoded:
            headers["X-Data-Respan-Params"] = encoded  # the docs' form for this door
        return "responses", body, headers
    if door == "anthropic_messages":
        if respan_params:
            metadata = mapping(body.get("metadata"))
            body = {**body, "metadata": {**metadata, "respan_params": respan_params}}
        headers.update({"x-api-key": key, "anthropic-version": "2023-06-01"})  # the SDK's headers (and Bearer)
        return "anthropic/v1/messages", body, headers
    if door == "gemini_generate":
        if encoded:
            headers["X-Data-Respan-Params"] = encoded
        headers["x-goog-api-key"] = key
        path = api_path("google/gemini/v1beta/models/{model}", model=model or "") + ":generateContent"
        return path, body, headers
    return "embeddings", {**body, **(respan_params or {})}, headers


def summarize(door: str, answer: Any) -> dict[str, Any]:
    """An answer as facts: text or tool calls, finish, usage, ids; for embeddings the count and dimensions."""
    answer = mapping(answer)
    if door == "embeddings":
        data = [d for d in answer.get("data") or [] if isinstance(d, dict)]
        first = data[0].get("embedding") if data else None
        if isinstance(first, str):  # encoding_format base64: float32 values
            dimensions: int | None = len(base64.b64decode(first)) // 4
        else:
            dimensions = len(first) if isinstance(first, list) else None
        usage = mapping(answer.get("usage"))
        return {"model": answer.get("model"), "vectors": len(data), "dimensions": dimensions,
                "input_tokens": usage.get("prompt_tokens")}  # fmt: skip
    texts: list[str] = []
    calls: list[str] = []
    if door == "responses":
        for item in answer.get("output") or []:
            item = mapping(item)
            if item.get("type") == "function_call":
                calls.append(f"{item.get('name')}({clip(str(item.get('arguments') or ''), 300)})")
            for part in item.get("content") or []:
                if mapping(part).get("type") == "output_text":
                    texts.append(str(mapping(part).get("text") or ""))
        usage = mapping(answer.get("usage"))
        finish, tokens = answer.get("status"), (usage.get("input_tokens"), usage.get("output_tokens"))
    elif door == "anthropic_messages":
        for block in answer.get("content") or []:
            block = mapping(block)
            if block.get("type") == "text":
                texts.append(str(block.get("text") or ""))
            elif block.get("type") == "tool_use":
                calls.append(f"{block.get('name')}({compact_json(block.get('input'), 300)})")
        usage = mapping(answer.get("usage"))
        finish, tokens = answer.get("stop_reason"), (usage.get("input_tokens"), usage.get("output_tokens"))
    else:
        candidate = mapping((answer.get("candidates") or [None])[0])
        for part in mapping(candidate.get("content")).get("parts") or []:
            part = mapping(part)
            if "text" in part:
                texts.append(str(part.get("text") or ""))
            elif part.get("functionCall"):
                call = mapping(part["functionCall"])
                calls.append(f"{call.get('name')}({compact_json(call.get('args'), 300)})")
        usage = mapping(answer.get("usageMetadata"))
        finish, tokens = (
            candidate.get("finishReason"),
            (usage.get("promptTokenCount"), usage.get("candidatesTokenCount")),
        )
    model = answer.get("model") or answer.get("modelVersion")
    return {"id": answer.get("id") or answer.get("responseId"), "model": model, "text": "".join(texts),
            "tool_calls": calls, "finish": finish, "input_tokens": tokens[0], "output_tokens": tokens[1]}  # fmt: skip


async def send(client: RespanClient, door: str, body: dict[str, Any], model: str | None,
               respan_params: dict[str, Any] | None, on_text: Any = None) -> dict[str, Any]:  # fmt: skip
    """The door's answer as facts. With `on_text` (the caller asked for progress) a door that streams is
    called streaming, as an app would, and `on_text(text so far)` is awaited as the text grows."""
    path, sent, headers = request_for(door, body, model, respan_params, client.current_key() or "")
    what = f"gateway_request({door})"
    if on_text is None or door not in STREAMING_DOORS:
        answer = await client.request("POST", path, json_body=sent, read=False, what=what, headers=headers)
        return summarize(door, answer)
    params = None
    if door == "gemini_generate":
        path, params = path.replace(":generateContent", ":streamGenerateContent"), {"alt": "sse"}
    fold = StreamFold(door)
    chunks = client.stream(path, {**sent, "stream": True} if door != "gemini_generate" else sent, what=what,
                           headers=headers, params=params, done_marker=None)  # fmt: skip
    async for chunk in chunks:
        if fold.feed(chunk):
            await on_text(fold.text())
    facts = summarize(door, fold.answer())
    if not fold.finished:
        facts["finish"] = "cut (the stream ended before its last event)"
    return facts


class StreamFold:
    """A door's stream folded into the answer its plain call would have given."""

    def __init__(self, door: str) -> None:
        self.door = door
        self.parts: list[str] = []
        self.final: dict[str, Any] = {}
        self.blocks: dict[int, dict[str, Any]] = {}  # Anthropic: content blocks by index
        self.finished = door == "gemini_generate"  # Google's stream simply ends

    def text(self) -> str:
        return "".join(self.parts)

    def feed(self, chunk: dict[str, Any]) -> bool:
        """Take one event; whether it added text."""
        kind = chunk.get("type")
        if self.door == "responses":
            if kind == "response.output_text.delta":
                self.parts.append(str(chunk.get("delta") or ""))
                return True
            if kind in ("response.completed", "response.incomplete", "response.failed"):
                self.final, self.finished = mapping(chunk.get("response")), True
            return False
        if self.door == "anthropic_messages":
            if kind == "message_start":
                self.final = {**mapping(chunk.get("message")), "content": []}
            elif kind == "content_block_start":
                self.blocks[int(chunk.get("index") or 0)] = dict(mapping(chunk.get("content_block")))
            elif kind == "content_block_delta":
                block, delta = self.blocks.setdefault(int(chunk.get("index") or 0), {}), mapping(chunk.get("delta"))
                if delta.get("type") == "text_delta":
                    block["text"] = str(block.get("text") or "") + str(delta.get("text") or "")
                    self.parts.append(str(delta.get("text") or ""))
                    return True
                if delta.get("type") == "input_json_delta":
                    block["partial_json"] = str(block.get("partial_json") or "") + str(delta.get("partial_json") or "")
            elif kind == "message_delta":
                self.final.update(mapping(chunk.get("delta")))
                self.final["usage"] = {**mapping(self.final.get("usage")), **mapping(chunk.get("usage"))}
            elif kind == "message_stop":
                self.finished = True
            return False
        candidate = mapping((chunk.get("candidates") or [None])[0])
        texts = [str(mapping(p).get("text")) for p in mapping(candidate.get("content")).get("parts") or []
                 if "text" in mapping(p)]  # fmt: skip
        self.parts += texts
        self.final = {**chunk, "candidates": [{**candidate, "content": {"parts": [{"text": self.text()}]}}]}
        return bool(texts)

    def answer(self) -> dict[str, Any]:
        if self.door == "anthropic_messages":
            content = []
            for _, block in sorted(self.blocks.items()):
                if "partial_json" in block:
                    try:
                        block = {**block, "input": json.loads(block.pop("partial_json") or "{}")}
                    except ValueError:
                        block = {**block, "input": {}}
                content.append(block)
            return {**self.final, "content": content}
        if self.door == "responses" and not self.final:
            return {"output": [{"type": "message", "content": [{"type": "output_text", "text": self.text()}]}]}
        return self.final
