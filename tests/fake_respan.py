"""A faithful, in-process Respan API for tests, with fault injection.

Behaves as `../shared/respan-api.md` describes: `/api/...` paths with or without the
trailing slash, bearer auth, DRF-style errors, the OpenAI-compatible gateway (plain and
server-sent events), and knobs that make it fail the ways the real one can.

Use in-process with `fake.transport()` (an httpx ASGI transport) or serve it on a
loopback port with `serve(fake)`; `python tests/fake_respan.py --port 0` runs it alone.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

try:
    from tests.fake_logs import MODELS as LOG_MODELS
    from tests.fake_logs import SORTABLE, TRACE_SORTABLE, BadQuery, LogStore, apply_filters, sort_items
    from tests.fake_logs import parse as parse_time
except ImportError:  # run as a script from tests/
    from fake_logs import MODELS as LOG_MODELS  # type: ignore[no-redef]
    from fake_logs import SORTABLE, TRACE_SORTABLE, BadQuery, LogStore, apply_filters, sort_items  # type: ignore[no-redef]
    from fake_logs import parse as parse_time  # type: ignore[no-redef]

API_KEY = "rsp-test-key-0123456789"
LOG_FILTER_FIELDS = {
    "customer_identifier", "custom_identifier", "thread_identifier", "group_identifier", "prompt_id", "prompt_name",
    "unique_id", "trace_unique_id", "span_name", "span_workflow_name", "model", "deployment_name", "provider_id",
    "status_code", "status", "error_message", "failed", "cost", "latency", "tokens_per_second",
    "time_to_first_token", "prompt_tokens", "completion_tokens", "total_request_tokens", "environment", "log_type",
    "stream", "temperature", "max_tokens", "cache_hit", "organization_key_name", "customer_email", "customer_name",
    "span_parent_id", "is_root_span", "total_tokens", "positive_feedback", "organization_key_id",
}  # fmt: skip
TRACE_FILTER_FIELDS = {"trace_unique_id", "customer_identifier", "environment", "span_count", "llm_call_count",
                       "error_count", "total_cost", "total_tokens", "duration", "span_workflow_name",
                       "total_prompt_tokens", "total_completion_tokens"}  # fmt: skip

PROMPT_SORTS = {"-id", "id", "-current_version__updated_at", "current_version__updated_at"}  # the documented ones
MODELS = {
    "gpt-4o": (2.5e-6, 1e-5),
    "gpt-4o-mini": (1.5e-7, 6e-7),
    "gpt-4.1": (2e-6, 8e-6),
    "o3-mini": (1.1e-6, 4.4e-6),
    "claude-sonnet-4-20250514": (3e-6, 1.5e-5),
    "claude-3-5-haiku-20241022": (8e-7, 4e-6),
    "gemini/gemini-2.0-flash": (1e-7, 4e-7),
    "fake-failing-model": (0.0, 0.0),  # always fails at the "provider": exercises fallback_models
}


@dataclass
class Fault:
    """One injected misbehaviour for requests whose path contains `path`."""

    path: str
    status: int = 500
    body: Any = None  # dict -> JSON; str -> raw text (HTML pages, broken JSON)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    cut_after: int | None = None  # streaming: stop after this many chunks, no [DONE]
    chunk_delay: float = 0.0  # streaming: seconds between chunks (a slow body)
    times: int = 1  # how many requests it applies to (-1: all)
    method: str | None = None


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


def _words(text: str) -> int:
    return max(1, len(text.split()))


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    return str(content or "")


def drf_error(status: int, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


class FakeRespan:
    def __init__(self, api_keys: set[str] | None = None) -> None:
        self.api_keys = set(api_keys or {API_KEY})
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.answer_hook: Callable[[Any], Any] | None = None  # rewrites every 2xx JSON answer (null-field tests)
        self.strict = True  # unknown query parameters and body fields are a 400 naming them (tests/fake_schema.py)
        self.streams_started = 0
        self.streams_abandoned = 0
        self.routes: list[Route] = []
        self.prompts: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, list[dict[str, Any]]] = {}
        seed_prompts(self)
        self._logs: LogStore | None = None
        self.legacy_log_create = False
        self.trace_lag: dict[
            str, int
        ] = {}  # trace id -> how many more GETs answer 404 (ingestion lag)  # True: POST /api/request-logs/ answers 404, as older deployments do
        self._add("/api/chat/completions", self.chat_completions, ["POST"])
        self._add("/api/request-logs/list/", self.list_logs, ["POST"])
        self._add("/api/request-logs/summary/", self.summary_logs, ["POST"])
        self._add("/api/request-logs/create/", self.create_log_legacy, ["POST"])
        self._add("/api/request-logs/", self.create_log, ["POST"])
        self._add("/api/request-logs/{unique_id}/", self.get_log, ["GET"])
        self._add("/api/request-logs/{unique_id}/", self.update_log, ["PATCH"])
        self._add("/api/traces/list/", self.list_traces, ["POST"])
        self._add("/api/traces/{trace_id}/", self.get_trace, ["GET"])
        # Test-only control routes, for driving a fake that runs in another process.
        self.routes.append(Route("/_control/fail", self._control_fail, methods=["POST"]))
        self.routes.append(Route("/_control/reset", self._control_reset, methods=["POST"]))
        # `respan login` sessions are JWTs, renewed here (SimpleJWT style: {"refresh"} -> {"access"}).
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> the access token it gives
        self.routes.append(Route("/auth/jwt/refresh/", self._jwt_refresh, methods=["POST"]))
        # Email and password sign-in (SimpleJWT: {"email", "password"} -> {"access", "refresh"}), as the official
        # server's sign-in page uses it; each session's access token is accepted as a key until it is renewed.
        self.users: dict[str, str] = {"ada@example.com": "correct horse"}
        self.jwt_seconds = 86_400
        self.routes.append(Route("/auth/jwt/create/", self._jwt_create, methods=["POST"]))
        # The model catalogue needs no key (docs `apis/manage/models/models-endpoint`).
        self.catalogue_requests = 0
        for path in ("/api/models/public", "/api/models/public/"):
            self.routes.append(Route(path, self._models_public, methods=["GET"]))
        # OTLP/HTTP trace ingest (docs `apis/observe/traces/otlp-ingest`): protobuf or JSON, decoded and kept.
        self.otlp: list[dict[str, Any]] = []
        for path in ("/api/v2/traces", "/api/v2/traces/"):
            self.routes.append(Route(path, self._otlp_ingest, methods=["POST"]))
        self._add("/api/prompts/list/", self.list_prompts_post, ["POST"])
        self._add("/api/prompts/", self.list_prompts_get, ["GET"])
        self._add("/api/prompts/{prompt_id}/", self.get_prompt, ["GET"])
        self._add("/api/prompts/{prompt_id}/versions/", self.list_versions, ["GET"])
        self._add("/api/prompts/{prompt_id}/versions/{number}/", self.get_version, ["GET"])
        from tests.fake_platform import install

        self.platform = install(self)  # prompt writes, customers, datasets, evaluators, experiments
        from tests.fake_doors import install as install_doors

        self.doors = install_doors(self)  # the gateway's other doors
        self.app = Starlette(routes=self.routes)

    # -- wiring ------------------------------------------------------------------------

    def _add(self, path: str, endpoint: Callable[..., Any], methods: list[str]) -> None:
        """Register a path both with and without its trailing slash, as the real API accepts."""
        bare = path.rstrip("/")

        async def guarded(request: Request) -> Response:
            return await self._handle(request, endpoint, request.method, path)

        self.routes.append(Route(bare, guarded, methods=methods))
        self.routes.append(Route(bare + "/", guarded, methods=methods))

    async def _control_fail(self, request: Request) -> Response:
        spec = await request.json()
        self.fail(**spec)
        return JSONResponse({"faults": len(self.faults)})

    async def _jwt_refresh(self, request: Request) -> Response:
        body = await request.json()
        access = self.refresh_tokens.get(str((body or {}).get("refresh")))
        if access is None:
            return drf_error(401, "Token is invalid or expired")
        if access == "":  # a session from _jwt_create: a new access token each time
            access = self.new_jwt()
        return JSONResponse({"access": access})

    def new_jwt(self) -> str:
        """A JWT-shaped session token (header.payload.signature) with an `exp`, accepted as a key."""
        import base64

        def part(data: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

        claims = {"exp": int(time.time()) + self.jwt_seconds, "jti": uuid.uuid4().hex}
        token = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{uuid.uuid4().hex}"
        self.api_keys.add(token)
        return token

    async def _jwt_create(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return drf_error(400, "JSON parse error")
        email, password = (body or {}).get("email"), (body or {}).get("password")
        if not email or not password:
            return JSONResponse({"email": ["This field is required."]}, status_code=400)
        if self.users.get(email) != password:
            return drf_error(401, "No active account found with the given credentials")
        refresh = "refresh-" + uuid.uuid4().hex
        self.refresh_tokens[refresh] = ""
        return JSONResponse({"access": self.new_jwt(), "refresh": refresh})

    async def _models_public(self, request: Request) -> Response:
        self.catalogue_requests += 1
        if request.query_params:
            return drf_error(400, f"Unknown query parameter(s): {', '.join(sorted(request.query_params))}")
        fault = self._take_fault(request)
        if fault is not None and fault.status >= 400:
            return JSONResponse(fault.body or {"detail": "Internal server error"}, status_code=fault.status)
        providers = {"gpt": ("OpenAI", "openai"), "o3": ("OpenAI", "openai"), "claude": ("Anthropic", "anthropic"),
                     "gemini": ("Google", "google")}  # fmt: skip
        models = []
        for name, (price_in, price_out) in MODELS.items():
            if name == "fake-failing-model":
                continue
            provider_name, provider_id = next(v for k, v in providers.items() if name.startswith(k))
            entry = {"model_name": name, "max_context_window": 1_000_000 if "gemini" in name else 200_000
                     if "claude" in name else 128_000, "input_cost": round(price_in * 1e6, 4),
                     "output_cost": round(price_out * 1e6, 4), "rate_limit": 10_000,
                     "provider": {"provider_name": provider_name, "provider_id": provider_id,
                                  "moderation": "Unfiltered", "credential_fields": ["api_key"]}}  # fmt: skip
            if name in ("gpt-4o", "claude-sonnet-4-20250514"):
                entry["supports_vision"] = True  # capability fields are undocumented: only some entries have them
            models.append(entry)
        return JSONResponse({"models": models})

    async def _otlp_ingest(self, request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.api_keys:
            return drf_error(401, "Invalid API key.")
        raw = await request.body()
        kind = request.headers.get("content-type", "")
        if kind.startswith("application/x-protobuf"):
            from google.protobuf.json_format import MessageToDict
            from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

            message = ExportTraceServiceRequest()
            message.ParseFromString(raw)
            body = MessageToDict(message)
            for resource in body.get("resourceSpans", []):  # protobuf's JSON form has ids in base64; OTLP's in hex
                for scope in resource.get("scopeSpans", []):
                    for span in scope.get("spans", []):
                        for field in ("traceId", "spanId", "parentSpanId"):
                            if span.get(field):
                                span[field] = base64.b64decode(span[field]).hex()
        elif kind.startswith("application/json"):
            body = json.loads(raw)
        else:
            return drf_error(415, f"Unsupported media type {kind!r}")
        spans = []
        for resource in body.get("resourceSpans", []):
            service = {a["key"]: a["value"] for a in resource.get("resource", {}).get("attributes", [])}
            for scope in resource.get("scopeSpans", []):
                for span in scope.get("spans", []):
                    values = {a["key"]: next(iter(a["value"].values())) for a in span.get("attributes", [])}
                    spans.append({"name": span["name"], "traceId": span["traceId"], "spanId": span["spanId"],
                                  "attributes": values, "status": span.get("status", {}), "service": service})  # fmt: skip
        self.otlp.append({"authorization": auth, "content_type": kind, "raw": raw, "spans": spans})
        return Response(b"", status_code=200, media_type=kind or "application/json")

    async def _control_reset(self, request: Request) -> Response:
        self.faults.clear()
        self.requests.clear()  # a long soak must not grow the fake's memory either
        return JSONResponse({"ok": True})

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app)

    def fail(self, path: str, status: int = 500, body: Any = None, **kwargs: Any) -> Fault:
        fault = Fault(path=path, status=status, body=body, **kwargs)
        self.faults.append(fault)
        return fault

    def _take_fault(self, request: Request) -> Fault | None:
        for fault in self.faults:
            if fault.path in request.url.path and fault.method in (None, request.method) and fault.times != 0:
                if fault.times > 0:
                    fault.times -= 1
                return fault
        return None

    def last(self, path: str) -> Recorded:
        return next(r for r in reversed(self.requests) if path in r.path)

    async def _handle(
        self, request: Request, endpoint: Callable[..., Any], method: str = "", route: str = ""
    ) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return drf_error(400, "JSON parse error - Expecting value")
        self.requests.append(
            Recorded(request.method, request.url.path, dict(request.query_params), dict(request.headers), body)
        )
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return drf_error(401, "Authentication credentials were not provided.")
        if auth[7:] not in self.api_keys:
            return drf_error(401, "Invalid API key.")
        if route and self.strict:
            from tests.fake_schema import refused

            problem = refused(method, route, dict(request.query_params), body)
            if problem:
                return drf_error(400, problem)
        fault = self._take_fault(request)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.cut_after is None:
                if fault.body is None and fault.status < 400:
                    pass  # a pure delay: answer normally
                elif isinstance(fault.body, str):
                    return Response(fault.body, status_code=fault.status, headers=fault.headers, media_type="text/html")
                else:
                    return JSONResponse(
                        fault.body if fault.body is not None else {"detail": "Internal server error"},
                        status_code=fault.status,
                        headers=fault.headers,
                    )
        result = endpoint(request, body, fault)
        if asyncio.iscoroutine(result):
            result = await result
        if self.answer_hook is not None and isinstance(result, JSONResponse) and result.status_code < 300:
            result = JSONResponse(self.answer_hook(json.loads(result.body)), status_code=result.status_code)
        return result

    # -- gateway -----------------------------------------------------------------------

    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        """A deterministic completion: echoes the last user turn, or calls a named tool."""
        messages = body.get("messages") or []
        last_user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
        text = _message_text(last_user)
        message: dict[str, Any] = {"role": "assistant", "content": f"Echo: {text}"}
        finish = "stop"
        tools = body.get("tools") or []
        if tools and body.get("tool_choice") != "none":
            for tool in tools:
                name = (tool.get("function") or {}).get("name")
                if name and name in text:
                    message = {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "call_" + uuid.uuid4().hex[:8],
                                "type": "function",
                                "function": {"name": name, "arguments": json.dumps({"query": text})},
                            }
                        ],
                    }
                    finish = "tool_calls"
                    break
        prompt_tokens = sum(_words(_message_text(m)) for m in messages)
        completion_tokens = _words(message.get("content") or "call")
        if isinstance(body.get("max_tokens"), int) and completion_tokens > body["max_tokens"]:
            words = (message.get("content") or "").split()[: body["max_tokens"]]
            message["content"] = " ".join(words)
            completion_tokens, finish = body["max_tokens"], "length"
        return {
            "message": message,
            "finish_reason": finish,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0},
            },
        }

    def _pick_model(self, body: dict[str, Any]) -> tuple[str | None, Response | None]:
        """The model that answers, honouring fallback_models; or the error response."""
        candidates = [body.get("model"), *(body.get("fallback_models") or [])]
        for model in candidates:
            if model in MODELS and model != "fake-failing-model":
                return model, None
        first = body.get("model")
        if first == "fake-failing-model" or any(c == "fake-failing-model" for c in candidates):
            return None, JSONResponse(
                {
                    "error": {
                        "message": "The server had an error processing your request.",
                        "type": "server_error",
                        "param": None,
                        "code": "provider_error",
                    }
                },
                status_code=500,
            )
        return None, drf_error(404, f"Model {first!r} is not supported. See the model list for supported models.")

    async def chat_completions(self, request: Request, body: Any, fault: Fault | None) -> Response:
        if not isinstance(body, dict):
            return drf_error(400, "Request body must be a JSON object.")
        prompt_message = None
        if isinstance(body.get("prompt"), dict):
            rendered = self._gateway_prompt(body)
            if isinstance(rendered, Response):
                return rendered
            body, prompt_message = rendered
        if not body.get("messages") and not body.get("prompt"):
            return drf_error(422, "Validation error", errors={"messages": ["This field is required."]})
        model, error = self._pick_model(body)
        if error is not None:
            return error
        assert model is not None
        started = time.perf_counter()
        answer = self._answer(body)
        usage = answer["usage"]
        price_in, price_out = MODELS[model]
        cost = usage["prompt_tokens"] * price_in + usage["completion_tokens"] * price_out
        completion_id = "chatcmpl-" + uuid.uuid4().hex[:12]
        breakdown = {
            "prompt_tokens": usage["prompt_tokens"],
            "completion_tokens": usage["completion_tokens"],
            "cost": cost,
            "latency": round(time.perf_counter() - started + 0.042, 4),
            "time_to_first_token": 0.021,
            "tokens_per_second": 120.5,
            "status_code": 200,
            "model": model,
        }
        n = int(body.get("n") or 1)
        if body.get("stream"):
            cut_after = fault.cut_after if fault is not None else None
            return StreamingResponse(
                self._stream(
                    completion_id,
                    model,
                    answer,
                    n,
                    body,
                    breakdown,
                    cut_after,
                    fault.chunk_delay if fault is not None else 0.0,
                ),
                media_type="text/event-stream",
            )
        response: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": i,
                    "finish_reason": answer["finish_reason"],
                    "message": answer["message"],
                    "logprobs": None,
                }
                for i in range(n)
            ],
            "usage": usage,
        }
        if body.get("request_breakdown"):
            response["request_breakdown"] = breakdown
        if prompt_message is not None:
            response["prompt_message"] = prompt_message
        return JSONResponse(response)

    async def _stream(
        self,
        completion_id: str,
        model: str,
        answer: dict[str, Any],
        n: int,
        body: dict[str, Any],
        breakdown: dict[str, Any],
        cut_after: int | None,
        chunk_delay: float = 0.0,
    ) -> AsyncIterator[bytes]:
        base = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
        }
        chunks: list[dict[str, Any]] = []
        for i in range(n):
            chunks.append({**base, "choices": [{"index": i, "delta": {"role": "assistant"}, "finish_reason": None}]})
            message = answer["message"]
            if message.get("tool_calls"):
                call = message["tool_calls"][0]
                args = call["function"]["arguments"]
                half = len(args) // 2
                chunks.append(
                    {
                        **base,
                        "choices": [
                            {
                                "index": i,
                                "delta": {
                                    "tool_calls": [
                                        {
                                            "index": 0,
                                            "id": call["id"],
                                            "type": "function",
                                            "function": {
                                                "name": call["function"]["name"],
                                                "arguments": args[:half],
                                            },
                                        }
                                    ]
                                },
                            }
                        ],
                    }
                )
                chunks.append(
                    {
                        **base,
                        "choices": [
                            {
                                "index": i,
                                "delta": {"tool_calls": [{"index": 0, "function": {"arguments": args[half:]}}]},
                            }
                        ],
                    }
                )
            else:
                for word_index, word in enumerate((message.get("content") or "").split(" ")):
                    piece = word if word_index == 0 else " " + word
                    chunks.append(
                        {
                            **base,
                            "choices": [{"index": i, "delta": {"content": piece}, "finish_reason": None}],
                        }
                    )
            chunks.append({**base, "choices": [{"index": i, "delta": {}, "finish_reason": answer["finish_reason"]}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append({**base, "choices": [], "usage": answer["usage"]})
        if body.get("request_breakdown"):
            # As the real gateway sends it: the breakdown sits inside choices[0], not at the top level.
            chunks.append({"id": "request_breakdown", "object": "chat.completion.chunk", "model": "extra_parameter",
                           "choices": [{"index": 0, "delta": {}, "finish_reason": None,
                                        "request_breakdown": breakdown}]})  # fmt: skip
        self.streams_started += 1
        finished = False
        try:
            for index, chunk in enumerate(chunks):
                if cut_after is not None and index >= cut_after:
                    finished = True
                    return  # the connection ends without [DONE]
                if index == 1:
                    yield b": keep-alive\n\n"
                encoded = json.dumps(chunk)
                if index == 2 and ", " in encoded:
                    # One event split over two data: lines, as SSE allows.
                    head, _, tail = encoded.partition(", ")
                    yield f"data: {head},\ndata: {tail}\n\n".encode()
                else:
                    yield f"data: {encoded}\n\n".encode()
                await asyncio.sleep(chunk_delay)
            yield b"data: [DONE]\n\n"
            finished = True
        finally:
            if not finished:
                self.streams_abandoned += 1  # the client went away mid-stream

    # -- logs and traces ---------------------------------------------------------------------

    @property
    def logs(self) -> LogStore:
        if self._logs is None:  # generated on first use: most tests never read logs
            self._logs = LogStore()
        return self._logs

    def _log_query(self, request: Request, body: Any) -> list[dict[str, Any]]:
        query = dict(request.query_params)
        start, end = self.logs.window(query)
        if query.get("environment") in ("prod", "production", "test"):  # the newer form wins when both come
            envs = {"test"} if query["environment"] == "test" else {"production"}
        elif query.get("all_envs") == "true":
            envs = {"production", "test"}
        else:
            envs = {"test"} if query.get("is_test") == "true" else {"production"}
        items = [
            log for log in self.logs.logs
            if start <= parse_time(log["timestamp"]) <= end and log["environment"] in envs
        ]  # fmt: skip
        return apply_filters(items, (body or {}).get("filters") or {}, LOG_FILTER_FIELDS)

    def list_logs(self, request: Request, body: Any, fault: Fault | None) -> Response:
        try:
            items = sort_items(self._log_query(request, body), request.query_params.get("sort_by", "-id"), SORTABLE)
        except BadQuery as exc:
            return drf_error(exc.status, exc.detail)
        page = self._page(request, items, max_size=1000)
        if isinstance(page, Response):
            return page
        fields = request.query_params.get("include_fields")
        if fields:
            keep = {f.strip() for f in fields.split(",")} | {"unique_id", "id"}
            page["results"] = [{k: v for k, v in item.items() if k in keep} for item in page["results"]]
        return JSONResponse({**page, "filters_data": {"model": {"options": [m[0] for m in LOG_MODELS] * 50}}})

    def summary_logs(self, request: Request, body: Any, fault: Fault | None) -> Response:
        try:
            items = self._log_query(request, body)
        except BadQuery as exc:
            return drf_error(exc.status, exc.detail)
        n = len(items)

        def mean(field: str) -> float | None:
            values = [i[field] for i in items if isinstance(i.get(field), (int, float))]
            return round(sum(values) / len(values), 4) if values else None

        return JSONResponse({
            "number_of_requests": n,
            "total_cost": round(sum(i["cost"] for i in items), 6),
            "total_tokens": sum(i["prompt_tokens"] + i["completion_tokens"] for i in items),
            "total_prompt_tokens": sum(i["prompt_tokens"] for i in items),
            "total_completion_tokens": sum(i["completion_tokens"] for i in items),
            "avg_latency": mean("latency"),
            "avg_tps": mean("tokens_per_second"),
            "avg_ttft": mean("time_to_first_token"),
            "scores": {},
        })  # fmt: skip

    def get_log(self, request: Request, body: Any, fault: Fault | None) -> Response:
        log = self.logs.detail(request.path_params["unique_id"])
        return JSONResponse(log) if log else drf_error(404, "Not found.")

    def update_log(self, request: Request, body: Any, fault: Fault | None) -> Response:
        log = next((item for item in self.logs.logs if item["unique_id"] == request.path_params["unique_id"]), None)
        if log is None:
            return drf_error(404, "Not found.")
        unknown = set(body or {}) - {"is_pinned", "positive_feedback", "note", "metadata"}
        if unknown:
            return drf_error(400, f"Unknown fields: {', '.join(sorted(unknown))}.")
        log.update(body or {})
        return JSONResponse(self.logs.detail(log["unique_id"]))

    def _store_log(self, body: dict[str, Any], inputs: Any, output: Any) -> dict[str, Any]:
        unique_id = uuid.uuid4().hex
        log = self.logs._log(self.logs.now, unique_id=unique_id, model=body["model"],
                             input=json.dumps(inputs), output=json.dumps(output) if output else "",
                             customer_identifier=body.get("customer_identifier"),
                             metadata=body.get("metadata") or {}, environment="production",
                             status_code=body.get("status_code", 200), error_message=body.get("error_message", ""),
                             status="error" if body.get("error_message") else "success")  # fmt: skip
        log["id"] = len(self.logs.logs) + 1
        self.logs.logs.append(log)
        return log

    def create_log(self, request: Request, body: Any, fault: Fault | None) -> Response:
        if self.legacy_log_create:
            return drf_error(404, "Not found.")
        if not isinstance(body, dict) or not body.get("model"):
            return drf_error(422, "Validation error", errors={"model": ["This field is required."]})
        if "input" not in body and "prompt_messages" not in body:
            return drf_error(422, "Validation error", errors={"input": ["This field is required."]})
        if body.get("log_type", "chat") == "chat":
            # A chat log's input is a messages array (or its JSON string) and its output an assistant message.
            given = body.get("input", body.get("prompt_messages"))
            try:
                given = json.loads(given) if isinstance(given, str) else given
            except ValueError:
                given = None
            if not isinstance(given, list):
                return drf_error(400, "For log_type chat, input must be a list of messages.")
            if "output" in body and not isinstance(body["output"], dict):
                return drf_error(400, "For log_type chat, output must be an assistant message object.")
        log = self._store_log(body, body.get("input", body.get("prompt_messages")), body.get("output"))
        return JSONResponse({"id": log["id"], "unique_id": log["unique_id"], "model": log["model"]}, status_code=201)

    def create_log_legacy(self, request: Request, body: Any, fault: Fault | None) -> Response:
        if not isinstance(body, dict) or not body.get("model") or "prompt_messages" not in body:
            return drf_error(400, "model and prompt_messages are required.")
        self._store_log(body, body["prompt_messages"], body.get("completion_message"))
        return JSONResponse({"message": "log successful"})

    def list_traces(self, request: Request, body: Any, fault: Fault | None) -> Response:
        query = dict(request.query_params)
        start, end = self.logs.window(query)
        items = [t for t in self.logs.traces.values() if start <= parse_time(t["start_time"]) <= end]
        if query.get("environment"):
            items = [t for t in items if t.get("environment") == query["environment"]]
        try:
            items = apply_filters(items, (body or {}).get("filters") or {}, TRACE_FILTER_FIELDS)
            items = sort_items(items, query.get("sort_by", "-timestamp"), TRACE_SORTABLE)
        except BadQuery as exc:
            return drf_error(exc.status, exc.detail)
        page = self._page(request, [{k: v for k, v in t.items() if k != "span_tree"} for t in items])
        return page if isinstance(page, Response) else JSONResponse(page)

    def get_trace(self, request: Request, body: Any, fault: Fault | None) -> Response:
        trace_id = request.path_params["trace_id"]
        if self.trace_lag.get(trace_id, 0) > 0:  # just created: not ingested yet
            self.trace_lag[trace_id] -= 1
            return drf_error(404, "Not found.")
        trace = self.logs.traces.get(trace_id)
        return JSONResponse(trace) if trace else drf_error(404, "Not found.")

    # -- prompts -----------------------------------------------------------------------------

    def _prompt_summary(self, prompt: dict[str, Any]) -> dict[str, Any]:
        versions = self.versions[prompt["prompt_id"]]
        newest = versions[0] if versions else None
        live = next((v for v in versions if v["is_deployed"]), None)
        brief = lambda v: {"version": v["version"], "model": v["model"], "updated_at": v["updated_at"]}  # noqa: E731
        return {
            **prompt,
            # The list endpoint embeds the whole current version, messages included, as the real one does.
            "current_version": newest,
            "live_version": brief(live) if live else None,
        }

    def _page(self, request: Request, items: list[Any], max_size: int = 100) -> JSONResponse | dict[str, Any]:
        try:
            page = int(request.query_params.get("page", 1))
            size = min(int(request.query_params.get("page_size", 20)), max_size)
        except ValueError:
            return drf_error(400, "page and page_size must be integers.")
        if page < 1 or size < 1:
            return drf_error(404, "Invalid page.")
        start = (page - 1) * size
        if start >= len(items) and items:
            return drf_error(404, "Invalid page.")
        base = str(request.url).split("?")[0]
        has_next = start + size < len(items)
        return {
            "count": len(items),
            "next": f"{base}?page={page + 1}&page_size={size}" if has_next else None,
            "previous": f"{base}?page={page - 1}&page_size={size}" if page > 1 else None,
            "results": items[start : start + size],
        }

    def _filtered_prompts(self, name_filter: str | None, sort_by: str | None) -> list[dict[str, Any]]:
        key = (lambda p: p["id"]) if sort_by in ("id", "-id") else (lambda p: p["updated_at"])
        prompts = sorted(self.prompts.values(), key=key, reverse=(sort_by or "-id").startswith("-"))
        if name_filter:
            prompts = [p for p in prompts if name_filter.lower() in p["name"].lower()]
        return [self._prompt_summary(p) for p in prompts]

    def list_prompts_post(self, request: Request, body: Any, fault: Fault | None) -> Response:
        sort_by = request.query_params.get("sort_by")
        if sort_by is not None and sort_by not in PROMPT_SORTS:
            return drf_error(400, f"Invalid sort_by {sort_by!r}.")
        filters = (body or {}).get("filters") or {}
        name = filters.get("name") or {}
        if name and name.get("operator") not in ("icontains", "contains", ""):
            return drf_error(400, f"Unsupported operator {name.get('operator')!r} for name.")
        value = (name.get("value") or [None])[0] if name else None
        page = self._page(request, self._filtered_prompts(value, sort_by))
        return page if isinstance(page, Response) else JSONResponse({**page, "filters_data": {"huge": "x" * 2000}})

    def list_prompts_get(self, request: Request, body: Any, fault: Fault | None) -> Response:
        sort_by = request.query_params.get("sort_by")
        if sort_by is not None and sort_by not in PROMPT_SORTS:
            return drf_error(400, f"Invalid sort_by {sort_by!r}.")
        page = self._page(request, self._filtered_prompts(None, sort_by))
        return page if isinstance(page, Response) else JSONResponse(page)

    def get_prompt(self, request: Request, body: Any, fault: Fault | None) -> Response:
        prompt = self.prompts.get(request.path_params["prompt_id"])
        if prompt is None:
            return drf_error(404, "Not found.")
        summary = self._prompt_summary(prompt)
        newest = summary["current_version"]
        summary["current_version"] = {k: newest[k] for k in ("version", "model", "updated_at")} if newest else None
        return JSONResponse(summary)

    def list_versions(self, request: Request, body: Any, fault: Fault | None) -> Response:
        if request.path_params["prompt_id"] not in self.prompts:
            return drf_error(404, "Not found.")
        page = self._page(request, self.versions[request.path_params["prompt_id"]])
        return page if isinstance(page, Response) else JSONResponse(page)

    def get_version(self, request: Request, body: Any, fault: Fault | None) -> Response:
        versions = self.versions.get(request.path_params["prompt_id"])
        if versions is None:
            return drf_error(404, "Not found.")
        number = request.path_params["number"]
        found = next((v for v in versions if str(v["version"]) == number), None)
        return JSONResponse(found) if found else drf_error(404, "Not found.")

    def _find_version(self, prompt_id: str, version: Any) -> dict[str, Any] | None:
        versions = self.versions.get(prompt_id) or []
        if version is None:
            return next((v for v in versions if v["is_deployed"]), None)
        if version == "latest":
            return versions[0] if versions else None
        return next((v for v in versions if v["version"] == version), None)

    def _gateway_prompt(self, body: dict[str, Any]) -> Response | tuple[dict[str, Any], Any]:
        """The gateway's own minimal prompt handling: plain `{{ name }}` substitution, one level of
        composition, deployed/latest/pinned versions, v1 override and v2 append. Deliberately not
        the project's renderer, so tests do not check the renderer against itself."""
        spec = body["prompt"]
        version = self._find_version(str(spec.get("prompt_id")), spec.get("version"))
        if version is None:
            return drf_error(404, "Prompt or prompt version not found.")
        values = {**version.get("variables", {}), **(spec.get("variables") or {})}
        for name, value in list(values.items()):
            if isinstance(value, dict) and value.get("_type") == "prompt":
                child = self._find_version(str(value.get("prompt_id")), value.get("version"))
                if child is None or value.get("prompt_id") == spec.get("prompt_id"):
                    return drf_error(400, "Invalid prompt composition.")
                child_values = value.get("variables") or {}
                values[name] = "\n\n".join(_substitute(m["content"], child_values) for m in child["messages"])
            elif isinstance(value, dict) and "value" in value:
                values[name] = value["value"]
        messages = [{**m, "content": _substitute(m["content"], values)} for m in version["messages"]]
        params = {k: version[k] for k in ("model", "temperature", "max_tokens") if version.get(k) is not None}
        out = {k: v for k, v in body.items() if k != "prompt"}
        if spec.get("schema_version") == 2:
            out = {**out, **params, **(spec.get("patch") or {})}
            messages += body.get("messages") or []
        else:
            out = {**out, **params} if spec.get("override") else {**params, **out}
        out["messages"] = messages
        if version.get("stream") and not body.get("stream"):
            # "If you use a prompt with streaming enabled, you must also set stream=True"; with v2 the
            # prompt's configuration wins, so the answer is a stream anyway.
            if spec.get("schema_version") != 2:
                return drf_error(400, "This prompt has streaming enabled: set stream=True in the request.")
            out["stream"] = True
        return out, (messages if spec.get("echo") else None)


def _substitute(template: str, values: dict[str, Any]) -> str:
    import re

    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: str(values.get(m.group(1), "")), template)


def _version(number: int, messages: list[dict[str, Any]], deployed: bool, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"ver-{number}-{uuid.uuid4().hex[:6]}",
        "prompt_version_id": uuid.uuid4().hex,
        "version": number,
        "description": "",
        "messages": messages,
        "model": extra.pop("model", "gpt-4o-mini"),
        "stream": False,
        "temperature": extra.pop("temperature", 1.0),
        "max_tokens": extra.pop("max_tokens", 256),
        "top_p": 1.0,
        "frequency_penalty": 0.0,
        "presence_penalty": 0.0,
        "variables": extra.pop("variables", {}),
        "fallback_models": extra.pop("fallback_models", None),
        "readonly": True,
        "is_deployed": deployed,
        "edited_by": {"email": "dev@example.com"},
        "created_at": f"2026-10-{10 + number:02d}T10:00:00Z",
        "updated_at": f"2026-10-{10 + number:02d}T10:00:00Z",
        **extra,
    }


def seed_prompts(fake: FakeRespan) -> None:
    """A handful of prompts the tests know by heart, and enough others to page through."""

    def add(prompt_id: str, name: str, versions: list[dict[str, Any]], updated: str, **extra: Any) -> None:
        fake.prompts[prompt_id] = {
            # As Respan's SDK types have it: a numeric `id` and the string `prompt_id` used in URLs.
            "id": 1000 + len(fake.prompts),
            "prompt_id": prompt_id,
            "name": name,
            "description": extra.get("description", f"The {name} prompt."),
            "prompt_slug": prompt_id.replace("_", "-"),
            "tags": [],
            "created_at": "2026-09-01T00:00:00Z",
            "updated_at": updated,
        }
        fake.versions[prompt_id] = sorted(versions, key=lambda v: -v["version"])

    add("p_greet", "Greeting", [
        _version(1, [{"role": "system", "content": "You are {{ persona }}."},
                     {"role": "user", "content": "Hello {{ name|title }}!{% if vip %} (VIP){% endif %}"}],
                 True, temperature=0.2, variables={"persona": "a helpful assistant"}),
        _version(2, [{"role": "user", "content": "Hi {{ name }}, from v2."}], False, model="gpt-4o"),
    ], "2026-11-20T10:00:00Z")  # fmt: skip
    add("p_summary", "Summarizer", [
        _version(1, [{"role": "user", "content": "Summarize {{ doc.title }} in {{ words }} words: {{ doc.body }}"}],
                 True, model="claude-sonnet-4-20250514", fallback_models=["gpt-4o"]),
    ], "2026-11-19T10:00:00Z")  # fmt: skip
    add("p_parent", "Support reply", [
        _version(1, [{"role": "system", "content": "Context:\n{{ conversation }}"},
                     {"role": "user", "content": "Task: {{ request }}"}], True),
    ], "2026-11-18T10:00:00Z")  # fmt: skip
    add("p_child", "Customer card", [
        _version(1, [{"role": "user", "content": "Customer {{ customer_name }} ({{ department }})"}], True),
        _version(2, [{"role": "user", "content": "Customer {{ customer_name }} of {{ department }}, {{ tier }}"}],
                 False),
    ], "2026-11-17T10:00:00Z")  # fmt: skip
    add("p_vision", "Describe image", [
        _version(1, [{"role": "user", "content": "Describe this picture: {{ picture }} Focus on {{ focus }}."}], True),
    ], "2026-11-16T10:00:00Z")  # fmt: skip
    add("p_stream", "Streaming", [
        _version(1, [{"role": "user", "content": "Stream about {{ topic }}"}], True, stream=True),
    ], "2026-11-14T10:00:00Z")  # fmt: skip
    add("p_draft", "Unreleased", [
        _version(1, [{"role": "user", "content": "Draft for {{ who }}"}], False),
    ], "2026-11-15T10:00:00Z")  # fmt: skip
    for i in range(1, 46):
        add(f"p_gen{i:02d}", f"Generated prompt {i:02d}", [
            _version(1, [{"role": "user", "content": f"Generated {i}: {{{{ topic }}}}"}], True),
        ], f"2026-10-{1 + i % 28:02d}T00:00:00Z")  # fmt: skip


# -- serving on a loopback port ---------------------------------------------------------


class Served:
    def __init__(self, server: Any, thread: threading.Thread, url: str) -> None:
        self.server, self.thread, self.url = server, thread, url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(app: Any, host: str = "127.0.0.1", port: int = 0, config: Any = None) -> Served:
    """Run an ASGI app with uvicorn in a thread on a loopback port; returns its URL.
    `config`: a uvicorn.Config of your own (e.g. the server's real one), else a plain one."""
    import socket

    import uvicorn

    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets that say so, and without
    # it keep-alive requests stall ~40 ms on delayed ACKs.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(config or uvicorn.Config(app, log_level="warning", lifespan="auto"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    return Served(server, thread, f"http://{host}:{sock.getsockname()[1]}")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Run the fake Respan API on a loopback port.")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    served = serve(FakeRespan().app, port=args.port)
    print(served.url, flush=True)
    try:
        served.thread.join()
    except KeyboardInterrupt:
        served.stop()
