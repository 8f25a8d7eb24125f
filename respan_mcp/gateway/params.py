"""chat_completion's parameters, declared once: the tool's signature and the request body both come
from this list, so nothing else (a local variable, say) can ever be sent to a paid API.

The named parameters are the ones a model reaches for; every other gateway or provider field goes
through `extra_body` (its description names the common ones), so the tool list stays small.
"""

from __future__ import annotations

import inspect
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from respan_mcp.contract import JsonArray, JsonObject


def _content_parts(value: Any) -> Any:
    """Message content: text, or content parts (a list, or that list as JSON text)."""
    if isinstance(value, str) and value.lstrip().startswith("[{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        if isinstance(parsed, list) and all(isinstance(p, dict) and "type" in p for p in parsed):
            return parsed
    return value


# One OpenAI-style message; unknown keys and content parts pass through untouched. (No docstring: it
# would be the schema's description, in every tools/list.)
class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Annotated[
        str | list[dict[str, Any]] | None,
        BeforeValidator(_content_parts),
        Field(description="Text, or content parts [{type:'text',text}, {type:'image_url',image_url:{url}}]"),
    ] = None
    name: Annotated[str | None, Field(description="Author name")] = None
    tool_calls: Annotated[JsonArray | None, Field(description="Assistant tool calls")] = None
    tool_call_id: Annotated[str | None, Field(description="role tool: the call answered")] = None


# A managed prompt to run (Respan renders it on the gateway).
class PromptSpec(BaseModel):
    model_config = ConfigDict(extra="allow")
    prompt_id: Annotated[str, Field(description="The prompt's id")]
    variables: Annotated[JsonObject | None, Field(description="Template values")] = None
    version: Annotated[int | str | None, Field(description="Number or 'latest'")] = None
    echo: Annotated[bool | None, Field(description="Return rendered messages")] = None
    schema_version: Annotated[Literal[1, 2] | None, Field(description="2 recommended")] = None
    override: Annotated[bool | None, Field(description="v1: prompt config wins")] = None
    override_params: Annotated[JsonObject | None, Field(description="v1: params over the prompt's")] = None
    override_config: Annotated[JsonObject | None, Field(description="v1: {messages_override_mode}")] = None
    patch: Annotated[JsonObject | None, Field(description="v2: param overrides")] = None


# Body fields, in the order the tool lists them. Each is sent under its own name when given.
BODY_PARAMS: dict[str, Any] = {
    "model": Annotated[str | None, Field(description="e.g. 'gpt-4o-mini'; omit when a prompt sets it")],
    "prompt": Annotated[PromptSpec | None, Field(description="A managed prompt to run")],
    "temperature": Annotated[float | None, Field(ge=0, le=2, description="Sampling temperature")],
    "top_p": Annotated[float | None, Field(ge=0, le=1, description="Nucleus sampling mass")],
    "max_tokens": Annotated[int | None, Field(ge=1, description="Cap on generated tokens")],
    "max_completion_tokens": Annotated[int | None, Field(ge=1, description="Cap incl. reasoning tokens")],
    "stop": Annotated[str | list[str] | None, Field(description="Stop sequence(s)")],
    "seed": Annotated[int | None, Field(description="Best-effort determinism")],
    "n": Annotated[int | None, Field(ge=1, le=16, description="Number of choices")],
    "frequency_penalty": Annotated[float | None, Field(ge=-2, le=2, description="Penalise frequent tokens")],
    "presence_penalty": Annotated[float | None, Field(ge=-2, le=2, description="Penalise repeated topics")],
    "tools": Annotated[JsonArray | None, Field(description="[{type:'function', function:{name, parameters}}]")],
    "tool_choice": Annotated[str | None, Field(description="auto, none, required, or a JSON {type, function:{name}}")],
    "response_format": Annotated[
        JsonObject | None, Field(description="{type:'json_object'} or {type:'json_schema', json_schema:{name, schema}}")
    ],
    "reasoning_effort": Annotated[
        Literal["minimal", "low", "medium", "high"] | None, Field(description="Reasoning models")
    ],
    "thinking": Annotated[JsonObject | None, Field(description="Anthropic: {type:'enabled', budget_tokens}")],
    "fallback_models": Annotated[list[str] | None, Field(description="Backup models, in order")],
    "retry_params": Annotated[JsonObject | None, Field(description="{retry_enabled, num_retries?, retry_after?}")],
    "load_balance_group": Annotated[JsonObject | None, Field(description="{group_id} or {models:[{model, weight}]}")],
    "cache_enabled": Annotated[bool | None, Field(description="Gateway response cache")],
    "cache_ttl": Annotated[int | None, Field(ge=0, description="Cache seconds")],
    "customer_identifier": Annotated[str | None, Field(max_length=120, description="Your end user's id")],
    "thread_identifier": Annotated[str | None, Field(description="Conversation id")],
    "metadata": Annotated[JsonObject | None, Field(description="Key-values on the log")],
    "customer_credentials": Annotated[
        JsonObject | None, Field(description="BYOK {'openai': {'api_key'}}; never echoed")
    ],
    "credential_override": Annotated[
        JsonObject | None, Field(description="{'<model>': {api_key, api_base?}}; never echoed")
    ],
    "disable_log": Annotated[bool | None, Field(description="Log metrics only, no content")],
    "request_breakdown": Annotated[bool | None, Field(description="Report cost and latency")],
}
EXTRA_BODY = Annotated[
    JsonObject | None,
    Field(
        description="More body fields as-is: logprobs, logit_bias, parallel_tool_calls, verbosity, custom_identifier, "
        "customer_params, trace_unique_id, span_name, cache_options, ..."
    ),
]
MESSAGES = Annotated[list[ChatMessage] | None, Field(description="The conversation; optional with a prompt")]


def signature(context_type: Any, return_annotation: Any) -> tuple[inspect.Signature, dict[str, Any]]:
    """The tool's signature (ctx, messages, every body parameter, extra_body) and its annotations."""
    kinds = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("ctx", kinds, annotation=context_type),
        inspect.Parameter("messages", kinds, annotation=MESSAGES, default=None),
        *(inspect.Parameter(name, kinds, annotation=kind, default=None) for name, kind in BODY_PARAMS.items()),
        inspect.Parameter("extra_body", kinds, annotation=EXTRA_BODY, default=None),
    ]
    annotations = {p.name: p.annotation for p in parameters} | {"return": return_annotation}
    return inspect.Signature(parameters, return_annotation=return_annotation), annotations


def build_body(arguments: dict[str, Any]) -> dict[str, Any]:
    """The JSON body: `extra_body` first, then the named parameters that were given (they win)."""
    body: dict[str, Any] = dict(arguments.get("extra_body") or {})
    for name in BODY_PARAMS:
        value = arguments.get(name)
        if value is None:
            continue
        body[name] = value.model_dump(exclude_none=True) if isinstance(value, BaseModel) else value
    if isinstance(body.get("tool_choice"), str) and body["tool_choice"].lstrip().startswith("{"):
        try:
            body["tool_choice"] = json.loads(body["tool_choice"])
        except ValueError:
            pass
    messages = arguments.get("messages")
    if messages:
        body["messages"] = [m.model_dump(exclude_none=True) for m in messages]
    return body
