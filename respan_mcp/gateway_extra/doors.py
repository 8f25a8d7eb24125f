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
               respan_params: dict[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    path, sent, headers = request_for(door, body, model, respan_params, client.current_key() or "")
    answer = await client.request("POST", path, json_body=sent, read=False, what=f"gateway_request({door})",
                                  headers=headers)  # fmt: skip
    return summarize(door, answer)
