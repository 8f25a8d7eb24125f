"""The fake Respan's other gateway doors, as "Other gateway doors" in respan-api.md describes them: OpenAI's
Responses API (OpenAI models only), the Anthropic Messages proxy, the Gemini proxy, and embeddings."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

if TYPE_CHECKING:
    from tests.fake_respan import FakeRespan

EMBEDDING_DIMENSIONS = {"text-embedding-3-large": 3072, "text-embedding-3-small": 1536, "text-embedding-ada-002": 1536}


def _last_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        last = value[-1]
        if isinstance(last, dict):
            content = last.get("content", last.get("parts", ""))
            if isinstance(content, list):
                return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return str(content)
    return ""


def _sse(events: list[tuple[str | None, dict[str, Any]]]) -> StreamingResponse:
    """Named (or unnamed) SSE events, as the providers send them; no [DONE] line."""

    def lines() -> Any:
        for name, data in events:
            yield (f"event: {name}\n" if name else "") + f"data: {json.dumps(data)}\n\n"

    return StreamingResponse(lines(), media_type="text/event-stream")


def _words(text: str) -> list[str]:
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


class Doors:
    def __init__(self, fake: FakeRespan) -> None:
        self.fake = fake

    def responses(self, request: Request, body: Any, fault: Any) -> Response:
        model = str((body or {}).get("model") or "")
        if not model.startswith(("gpt", "o1", "o3", "o4")):
            return JSONResponse({"error": {"message": "The Responses API works only with OpenAI models.",
                                           "type": "invalid_request_error"}}, status_code=400)  # fmt: skip
        text = f"Echo: {_last_text(body.get('input'))}"
        answer = {"id": "resp_" + uuid.uuid4().hex[:12], "object": "response", "status": "completed",
                  "model": model, "output": [{"type": "message", "role": "assistant", "content": [
                      {"type": "output_text", "text": text, "annotations": []}]}],
                  "usage": {"input_tokens": 12, "output_tokens": len(text.split()), "total_tokens": 20}}  # fmt: skip
        if body.get("stream"):
            deltas = [(e, {"type": e, "delta": w}) for w in _words(text) for e in ["response.output_text.delta"]]
            return _sse([("response.created", {"type": "response.created", "response": {**answer, "output": []}}),
                         *deltas, ("response.completed", {"type": "response.completed", "response": answer})])  # fmt: skip
        return JSONResponse(answer)

    def anthropic_messages(self, request: Request, body: Any, fault: Any) -> Response:
        if request.headers.get("x-api-key") not in self.fake.api_keys:
            return JSONResponse({"type": "error", "error": {"type": "authentication_error",
                                                            "message": "invalid x-api-key"}}, status_code=401)  # fmt: skip
        body = body if isinstance(body, dict) else {}
        if not body.get("messages"):
            return JSONResponse({"type": "error", "error": {"type": "invalid_request_error",
                                                            "message": "messages: Field required"}}, status_code=400)  # fmt: skip
        content: list[dict[str, Any]] = [{"type": "text", "text": f"Echo: {_last_text(body['messages'])}"}]
        stop = "end_turn"
        for tool in body.get("tools") or []:
            if tool.get("name") and tool["name"] in _last_text(body["messages"]):
                content = [{"type": "tool_use", "id": "toolu_1", "name": tool["name"], "input": {"q": "x"}}]
                stop = "tool_use"
        message = {"id": "msg_" + uuid.uuid4().hex[:12], "type": "message", "role": "assistant",
                   "model": body.get("model"), "content": content, "stop_reason": stop,
                   "usage": {"input_tokens": 9, "output_tokens": 4}}  # fmt: skip
        if not body.get("stream"):
            return JSONResponse(message)
        events: list[tuple[str | None, dict[str, Any]]] = [("message_start", {"type": "message_start", "message": {
            **message, "content": [], "stop_reason": None, "usage": {"input_tokens": 9, "output_tokens": 0}}})]  # fmt: skip
        for i, block in enumerate(content):
            if block["type"] == "text":
                events.append(("content_block_start", {"type": "content_block_start", "index": i,
                                                       "content_block": {"type": "text", "text": ""}}))  # fmt: skip
                events += [("content_block_delta", {"type": "content_block_delta", "index": i,
                                                    "delta": {"type": "text_delta", "text": w}})
                           for w in _words(block["text"])]  # fmt: skip
            else:
                events.append(("content_block_start", {"type": "content_block_start", "index": i,
                                                       "content_block": {**block, "input": {}}}))  # fmt: skip
                events.append(("content_block_delta", {"type": "content_block_delta", "index": i, "delta": {
                    "type": "input_json_delta", "partial_json": json.dumps(block["input"])}}))  # fmt: skip
            events.append(("content_block_stop", {"type": "content_block_stop", "index": i}))
        events += [("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop},
                                      "usage": {"output_tokens": 4}}),
                   ("message_stop", {"type": "message_stop"})]  # fmt: skip
        return _sse(events)

    def gemini_generate(self, request: Request, body: Any, fault: Any) -> Response:
        if request.headers.get("x-goog-api-key") not in self.fake.api_keys:
            return JSONResponse({"error": {"code": 403, "message": "API key not valid.", "status": "PERMISSION_DENIED"}},
                                status_code=403)  # fmt: skip
        text = f"Echo: {_last_text((body or {}).get('contents'))}"
        usage = {"promptTokenCount": 7, "candidatesTokenCount": 3, "totalTokenCount": 10}
        model = request.path_params["model"]
        if request.path_params.get("method") == "streamGenerateContent":  # `?alt=sse`: one object per data line
            words = _words(text)
            return _sse([(None, {"candidates": [{"content": {"parts": [{"text": w}], "role": "model"},
                                                 **({"finishReason": "STOP"} if i == len(words) - 1 else {})}],
                                 "usageMetadata": usage, "modelVersion": model}) for i, w in enumerate(words)])  # fmt: skip
        return JSONResponse({"candidates": [{"content": {"parts": [{"text": text}], "role": "model"},
                                             "finishReason": "STOP"}], "usageMetadata": usage,
                             "modelVersion": model})  # fmt: skip

    def embeddings(self, request: Request, body: Any, fault: Any) -> Response:
        body = body if isinstance(body, dict) else {}
        model = body.get("model")
        if model not in EMBEDDING_DIMENSIONS:
            return JSONResponse({"error": {"message": f"Model {model} is not an embedding model."}}, status_code=400)
        items = body.get("input")
        items = [items] if isinstance(items, str) else items
        if not items or not isinstance(items, list) or len(items) > 2048:
            return JSONResponse({"error": {"message": "input must be a string or 1-2048 items"}}, status_code=400)
        dims = int(body.get("dimensions") or EMBEDDING_DIMENSIONS[model])
        data = [{"object": "embedding", "index": i, "embedding": [0.001 * (i + 1)] * dims} for i in range(len(items))]
        return JSONResponse({"object": "list", "data": data, "model": model,
                             "usage": {"prompt_tokens": 3 * len(items), "total_tokens": 3 * len(items)}})  # fmt: skip


def install(fake: FakeRespan) -> Doors:
    doors = Doors(fake)
    fake._add("/api/responses", doors.responses, ["POST"])
    fake._add("/api/anthropic/v1/messages", doors.anthropic_messages, ["POST"])
    fake._add("/api/google/gemini/v1beta/models/{model}:{method}", doors.gemini_generate, ["POST"])
    fake._add("/api/embeddings", doors.embeddings, ["POST"])
    return doors
