"""Render a Respan managed prompt locally, by the rules the gateway documents.

Respan renders prompts only inside a chat completion; this gives the same messages and
parameters without calling a model. Rules (see the "Managed prompts" reference):
- message contents are Jinja2 templates, rendered in a sandbox; the version's `variables`
  are defaults that the request's variables override;
- typed variables: `{"_type": "text"|"image_url"|"json"|"prompt", ...}`; an image becomes an
  image content part; a prompt (composition) is rendered first, flattened to plain text and
  injected; chains deeper than MAX_DEPTH levels and cycles are rejected, as Respan does (400);
- version: an int pins it, "latest" is the newest draft, omitted is the deployed version;
- schema v1: `override` decides whether the prompt's config or the request body wins;
  `override_params` apply over the result, messages per `messages_override_mode`;
- schema v2: the prompt's config wins, request messages are appended, `patch` overrides
  non-message parameters (and may not carry messages or input).
What Respan does with an undefined variable is not documented: it renders as empty text
here, and is reported (strict=True makes it an error).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from respan_mcp.errors import UserError
from respan_mcp.prompts.sandbox import CACHE_TEXT_UNDER, Budget
from respan_mcp.redact import redact

MAX_DEPTH = 2  # prompt -> child -> grandchild; one more level is refused
IMAGE_MARK = "\x00respan-image:{}\x00"  # the worker turns these back into image parts (evaluate.py)
COMPILE_SECONDS = 2.0  # on top of a render's budget, before the worker is killed
# Version fields that are bookkeeping, not request parameters: every other field a version has is a
# parameter and is carried (thinking, is_enforcing_response_format, and whatever Respan adds next).
NOT_PARAMS = frozenset({
    "id", "prompt_version_id", "version", "description", "messages", "variables", "readonly", "is_deployed",
    "edited_by", "created_at", "updated_at", "prompt", "prompt_id", "parent_prompt", "commit_message", "deploy",
    "is_committed", "is_latest", "stream", "json_schema", "organization", "created_by", "updated_by", "name",
})  # fmt: skip


class PromptRenderError(UserError):
    """A prompt that cannot be rendered; the message says why and what to change."""


@dataclass
class PromptVersion:
    """One version of a prompt, as the API returns it (only what rendering needs)."""

    prompt_id: str
    version: int
    messages: list[dict[str, Any]]
    params: dict[str, Any]
    defaults: dict[str, Any]
    deployed: bool = False
    name: str = ""

    @classmethod
    def from_api(cls, prompt_id: str, data: dict[str, Any], name: str = "") -> PromptVersion:
        """Secrets redacted by the rules logs follow (a `credential_override`, an `api_key` variable, a key
        pasted into a template): a version is only shown or previewed here, never sent back as it is."""
        # (`stream` is the caller's transport choice, not a parameter to show; json_schema is folded in.)
        data = redact(data)
        params = {k: v for k, v in data.items() if k not in NOT_PARAMS and v not in (None, [], {}, "")}
        if data.get("json_schema") and "response_format" not in params:
            params["response_format"] = {"type": "json_schema", "json_schema": data["json_schema"]}
        return cls(
            prompt_id=prompt_id,
            version=int(data.get("version") or 0),
            messages=[m for m in data.get("messages") or [] if isinstance(m, dict)],
            params=params,
            defaults=dict(data.get("variables") or {}),
            deployed=bool(data.get("is_deployed")),
            name=name,
        )


# A function that returns a prompt's version: (prompt_id, version or "latest" or None) -> version.
Loader = Callable[[str, "int | str | None"], Awaitable[PromptVersion]]


@dataclass
class Rendered:
    prompt_id: str
    version: int
    messages: list[dict[str, Any]]
    params: dict[str, Any]
    used: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    defaults_used: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)  # "var <- prompt_id vN" lines
    notes: list[str] = field(default_factory=list)


async def variables_of(messages: list[dict[str, Any]], budget: Budget | None = None) -> list[str]:
    """The top-level names the messages' templates read (`{{ input.key }}` reads `input`).

    Parsed in a template worker (a hostile template can take seconds and gigabytes to compile);
    what a text reads is remembered here, so listing prompts asks the worker once per template.
    Within a render, parsing is template work: its time counts against the render's budget."""
    texts = [text for message in messages for text in message_texts(message)]
    known = {text: _KNOWN_VARIABLES[text] for text in texts if text in _KNOWN_VARIABLES}
    unknown = list(dict.fromkeys(t for t in texts if t not in known))
    if unknown:
        started = time.monotonic()
        wall = None if budget is None else _seconds_left(budget) + COMPILE_SECONDS
        try:
            reply = await _ask_worker({"op": "variables", "texts": unknown}, wall)
        finally:
            if budget is not None:
                budget.spent += time.monotonic() - started
        for text, names in zip(unknown, reply.get("names") or [], strict=False):
            if not isinstance(names, list):
                raise PromptRenderError(str(names.get("error") if isinstance(names, dict) else names))
            known[text] = frozenset(str(n) for n in names)
            if len(text) < CACHE_TEXT_UNDER:
                if len(_KNOWN_VARIABLES) >= 2048:
                    _KNOWN_VARIABLES.clear()
                _KNOWN_VARIABLES[text] = known[text]
    return sorted(set().union(*known.values())) if known else []


_KNOWN_VARIABLES: dict[str, frozenset[str]] = {}


def _seconds_left(budget: Budget) -> float:
    left = budget.seconds - budget.spent
    if left <= 0:
        raise PromptRenderError(f"this template needs more than {budget.seconds:g} s to render; simplify it")
    return left


async def _ask_worker(request: dict[str, Any], wall_seconds: float | None = None) -> dict[str, Any]:
    from respan_mcp.prompts.worker_pool import TemplateWorkerError, pool

    try:
        reply = await pool().call(request, wall_seconds)
    except TemplateWorkerError as exc:
        raise PromptRenderError(str(exc)) from None
    if "error" in reply:
        raise PromptRenderError(str(reply["error"]))
    return reply


def message_texts(message: dict[str, Any]) -> list[str]:
    content = message.get("content")
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)]
    return []


def flatten(messages: list[dict[str, Any]]) -> str:
    """A rendered prompt as plain text, for injection into a parent prompt."""
    texts = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content = "\n".join(
                p.get("text") or (p.get("image_url") or {}).get("url", "") for p in content if isinstance(p, dict)
            )
        if content:
            texts.append(str(content))
    return "\n\n".join(texts)


async def render_version(
    version: PromptVersion,
    variables: dict[str, Any],
    load: Loader,
    *,
    strict: bool = False,
    chain: tuple[str, ...] = (),
    budget: Budget | None = None,
) -> Rendered:
    """The version's messages rendered with defaults + variables (typed values resolved).

    One budget bounds the whole render, composed child prompts included."""
    budget = budget or Budget()
    chain = (*chain, version.prompt_id)
    result = Rendered(prompt_id=version.prompt_id, version=version.version, messages=[], params=dict(version.params))
    used = set(await variables_of(version.messages, budget))
    values: dict[str, Any] = {}
    images: list[str] = []
    merged = {**version.defaults, **variables}
    for name, raw in merged.items():
        if isinstance(raw, dict) and "_type" in raw:
            kind = raw.get("_type")
            if kind == "text":
                values[name] = str(raw.get("value", ""))
            elif kind == "json":
                values[name] = raw.get("value")
            elif kind == "image_url":
                images.append(str(raw.get("value", "")))
                values[name] = IMAGE_MARK.format(len(images) - 1)
            elif kind == "prompt":
                values[name] = await _compose(name, raw, load, strict, chain, result, budget)
            else:
                raise PromptRenderError(
                    f"variable {name!r} has unknown _type {kind!r}; use text, image_url, json or prompt"
                )
        else:
            values[name] = raw
    result.used = sorted(used)
    result.missing = sorted(used - set(merged))
    result.unused = sorted(set(variables) - used)
    result.defaults_used = sorted((used & set(version.defaults)) - set(variables))
    if strict and result.missing:
        raise PromptRenderError(
            f"prompt {version.prompt_id} v{version.version} needs variable(s) {', '.join(result.missing)}; "
            "pass them in `variables` (or call without strict to render them empty)"
        )
    result.messages = await _render_messages(version.messages, values, images, budget)
    return result


async def _render_messages(
    messages: list[dict[str, Any]], values: dict[str, Any], images: list[str], budget: Budget
) -> list[dict[str, Any]]:
    """Rendered in a template worker, under what is left of the budget (the worker is killed at the
    wall-clock deadline: the budget's seconds plus time to compile)."""
    left = _seconds_left(budget)
    request = {
        "op": "render", "messages": messages, "values": values, "images": images,
        "budget": {"seconds": budget.seconds, "spent": budget.spent, "steps": budget.steps, "output": budget.output},
    }  # fmt: skip
    reply = await _ask_worker(request, left + COMPILE_SECONDS)
    used = reply.get("budget") or {}
    budget.spent = float(used.get("spent", budget.spent))
    budget.steps, budget.output = int(used.get("steps", budget.steps)), int(used.get("output", budget.output))
    return list(reply.get("messages") or [])


async def _compose(
    name: str,
    raw: dict[str, Any],
    load: Loader,
    strict: bool,
    chain: tuple[str, ...],
    parent: Rendered,
    budget: Budget,
) -> str:
    child_id = str(raw.get("prompt_id") or "")
    if not child_id:
        raise PromptRenderError(f"variable {name!r} is a prompt reference without prompt_id")
    if child_id in chain:
        raise PromptRenderError(
            "circular prompt composition: " + " -> ".join((*chain, child_id)) + " (Respan answers 400)"
        )
    if len(chain) > MAX_DEPTH:
        raise PromptRenderError(
            f"prompt composition deeper than {MAX_DEPTH} levels: "
            + " -> ".join((*chain, child_id))
            + " (Respan answers 400)"
        )
    child_version = await load(child_id, raw.get("version"))
    child_vars = raw.get("variables") or {}
    if not isinstance(child_vars, dict):
        raise PromptRenderError(f"variable {name!r}: the child prompt's variables must be an object")
    child = await render_version(child_version, child_vars, load, strict=strict, chain=chain, budget=budget)
    parent.children.append(f"{name} <- {child_id} v{child_version.version}")
    parent.children.extend(f"  {line}" for line in child.children)
    if child.missing:
        parent.notes.append(f"child prompt {child_id} is missing variable(s): {', '.join(child.missing)}")
    return flatten(child.messages)


def merge_request(
    rendered: Rendered,
    *,
    schema_version: int = 1,
    request_messages: list[dict[str, Any]] | None = None,
    request_params: dict[str, Any] | None = None,
    override: bool | None = None,
    override_params: dict[str, Any] | None = None,
    override_config: dict[str, Any] | None = None,
    patch: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The final (messages, params) the gateway would send, by the schema's merge rules."""
    prompt_params = dict(rendered.params)
    body = {k: v for k, v in (request_params or {}).items() if v is not None}
    messages = list(rendered.messages)
    if schema_version == 2:
        if override is not None or override_params or override_config:
            rendered.notes.append("override, override_params and override_config are v1 fields: ignored in v2")
        if patch and ({"messages", "input"} & set(patch)):
            raise PromptRenderError("`patch` must not contain messages or input (Respan answers 400)")
        params = {**body, **prompt_params, **(patch or {})}
        if request_messages:
            messages += request_messages
            rendered.notes.append(f"v2: {len(request_messages)} request message(s) appended after the prompt's")
        return messages, params
    if schema_version != 1:
        raise PromptRenderError(f"schema_version must be 1 or 2, not {schema_version!r}")
    if patch:
        rendered.notes.append("`patch` is a v2 field: ignored in v1 (set schema_version=2)")
    if override is None:
        rendered.notes.append(
            "v1 without `override`: the request body wins on conflicts (Respan's docs also describe a "
            "default of true; set override explicitly to be sure)"
        )
    params = {**body, **prompt_params} if override else {**prompt_params, **body}
    if request_messages:
        rendered.notes.append("v1: request `messages` are not used with a prompt (use override_params.messages)")
    extra = dict(override_params or {})
    new_messages = extra.pop("messages", None)
    params.update(extra)
    if new_messages:
        mode = (override_config or {}).get("messages_override_mode", "override")
        if mode not in ("append", "override"):
            raise PromptRenderError("override_config.messages_override_mode must be 'append' or 'override'")
        messages = messages + list(new_messages) if mode == "append" else list(new_messages)
        rendered.notes.append(f"v1: override_params.messages applied in {mode!r} mode")
    return messages, params


def parse_variables(value: Any) -> dict[str, Any]:
    """Variables as given by a model: an object, or a JSON object in a string."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise PromptRenderError("variables must be a JSON object") from None
    if not isinstance(value, dict):
        raise PromptRenderError("variables must be an object of name -> value")
    return value
