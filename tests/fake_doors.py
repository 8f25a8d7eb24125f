"""The fake Respan's other gateway doors, as "Other gateway doors" in respan-api.md describes them: OpenAI's
Responses API (OpenAI models only), the Anthropic Messages proxy, the Gemini proxy, and embeddings."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

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


class Doors:
    def __init__(self, fake: FakeRespan) -> None:
        self.fake = fake

    def responses(self, request: Request, body: Any, fault: Any) -> Response:
        model = str((body or {}).get("model") or "")
        if not model.startswith(("gpt", "o1", "o3", "o4")):
            return JSONResponse({"error": {"message": "The Responses API works only with OpenAI models.",
                                           "type": "invalid_request_error"}}, status_code=400)  # fmt: skip
        text = f"Echo: {_last_text(body.get('input'))}"
        return JSONResponse({"id": "resp_" + uuid.uuid4().hex[:12], "object": "response", "status": "completed",
                             "model": model, "output": [{"type": "message", "role": "assistant", "content": [
                                 {"type": "output_text", "text": text, "annotations": []}]}],
                             "usage": {"input_tokens": 12, "output_tokens": len(text.split()), "total_tokens": 20}})  # fmt: skip

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
        return JSONResponse({"id": "msg_" + uuid.uuid4().hex[:12], "type": "message", "role": "assistant",
                             "model": body.get("model"), "content": content, "stop_reason": stop,
                             "usage": {"input_tokens": 9, "output_tokens": 4}})  # fmt: skip

    def gemini_generate(self, request: Request, body: Any, fault: Any) -> Response:
        if request.headers.get("x-goog-api-key") not in self.fake.api_keys:
            return JSONResponse({"error": {"code": 403, "message": "API key not valid.", "status": "PERMISSION_DENIED"}},
                                status_code=403)  # fmt: skip
        text = f"Echo: {_last_text((body or {}).get('contents'))}"
        return JSONResponse({"candidates": [{"content": {"parts": [{"text": text}], "role": "model"},
                                             "finishReason": "STOP"}],
                             "usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": 3, "totalTokenCount": 10},
                             "modelVersion": request.path_params["model"]})  # fmt: skip

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
    fake._add("/api/google/gemini/v1beta/models/{model}:generateContent", doors.gemini_generate, ["POST"])
    fake._add("/api/embeddings", doors.embeddings, ["POST"])
    return doors
