"""The tool contract every client and model accepts: portable schemas, refused unknown arguments,
argument errors a model can act on.

Schemas as pydantic writes them carry `$defs`/`$ref`, a `title` on everything, `anyOf [X, null]` and
`default: null` for every optional parameter, and property-less objects for free-form maps. Gemini
rejects open objects (and one bad tool breaks a whole request); OpenAI's strict mode rejects them too.
`portable()` rewrites a schema into one shape all of them take:
- references inlined, no `$defs`, no `title`, no null defaults;
- optional = not required (no null unions);
- every object declares its properties; none says `additionalProperties` (see below);
- a free-form map (an object with no declared properties) travels as a JSON string, which the server
  parses (it still accepts a real object: models send both; see JsonObject below).

Why no `additionalProperties: false`, although strict modes want it: google-genai's MCP adapter
(`mcp_to_gemini_tool`, used when an MCP session is handed to Gemini) crashes on any boolean there
(3.6.1: "'bool' object has no attribute 'items'"), and the strict converters (openai-agents) add it
themselves to objects that declare their properties. The server refuses unknown arguments anyway.
"""

from __future__ import annotations

import copy
import json
from typing import Annotated, Any

from pydantic import BeforeValidator

from respan_mcp.output import SUGGESTED_CALL, loads_if_json

JSON_HINT = " (a JSON object)"
JSON_ARRAY_HINT = " (a JSON array)"


# A free-form map (metadata, variables, ...): declared as a JSON string, accepted as either.
JsonObject = Annotated[dict[str, Any], BeforeValidator(loads_if_json)]
JsonArray = Annotated[list[Any], BeforeValidator(loads_if_json)]


# -- schema rewriting ---------------------------------------------------------------------------


def portable(schema: dict[str, Any]) -> dict[str, Any]:
    """An input schema in the shape every provider accepts (see the module docstring)."""
    schema = copy.deepcopy(schema)
    defs = schema.pop("$defs", {}) or {}
    out = _rewrite(schema, defs, depth=0)
    out.setdefault("properties", {})
    out["type"] = "object"
    return out


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    target = defs.get(ref.split("/")[-1], {})
    merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return _resolve(merged, defs)


def _rewrite(node: Any, defs: dict[str, Any], depth: int) -> Any:
    if not isinstance(node, dict):
        return node
    if depth > 32:  # pragma: no cover - our own schemas are shallow
        raise ValueError("schema too deep")
    node = _resolve(node, defs)
    if "allOf" in node and len(node["allOf"]) == 1:
        inner = _resolve(node.pop("allOf")[0], defs)
        node = {**inner, **node}
    node = {k: v for k, v in node.items() if k not in ("title", "$defs")}
    if node.get("default", ...) is None:
        del node["default"]
    description = node.get("description")
    for union in ("anyOf", "oneOf"):
        if union in node:
            variants = [_rewrite(v, defs, depth + 1) for v in node.pop(union) if v.get("type") != "null"]
            unique: list[Any] = []
            for variant in variants:
                bare = {k: v for k, v in variant.items() if k != "description"}
                if bare not in [{k: v for k, v in u.items() if k != "description"} for u in unique]:
                    unique.append(variant)
            if len(unique) == 1:
                only = unique[0]
                if description and str(only.get("description", "")).endswith((JSON_HINT, JSON_ARRAY_HINT)):
                    hint = JSON_HINT if only["description"].endswith(JSON_HINT) else JSON_ARRAY_HINT
                    node["description"] = description + hint
                node = {**only, **node}
            else:
                node["anyOf"] = unique
    enum = node.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(v, int) and not isinstance(v, bool) for v in enum):
        # Gemini takes string enums only: whole numbers become a range (schema_version 1..2).
        node = {k: v for k, v in node.items() if k != "enum"}
        node.update({"type": "integer", "minimum": min(enum), "maximum": max(enum)})
    if node.get("type") == "object" or "properties" in node:
        properties = node.get("properties") or {}
        if not properties:  # a free-form map: a JSON string the server parses
            return _as_json_text(node, "object", description)
        node["type"] = "object"
        node["properties"] = {name: _rewrite(p, defs, depth + 1) for name, p in properties.items()}
        node.pop("additionalProperties", None)
        required = [r for r in node.get("required", []) if r in properties]
        if required:
            node["required"] = required
        else:
            node.pop("required", None)
    elif node.get("type") == "array" and isinstance(node.get("items", {}), dict):
        items = _rewrite(node.get("items", {}), defs, depth + 1)
        if not items or (items.get("type") == "string" and str(items.get("description", "")).endswith(JSON_HINT)):
            return _as_json_text(node, "array", description)  # an array of free-form maps: one JSON text
        node["items"] = items
    return node


def _as_json_text(node: dict[str, Any], kind: str, description: str | None) -> dict[str, Any]:
    hint = JSON_HINT if kind == "object" else JSON_ARRAY_HINT
    text = (description or node.get("description") or "").strip()
    out: dict[str, Any] = {"type": "string", "description": text + hint if not text.endswith(hint) else text}
    return out


def compact_output(schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """An output schema without titles, references or null defaults (it is in tools/list too)."""
    if schema is None:
        return None
    schema = copy.deepcopy(schema)
    defs = schema.pop("$defs", {}) or {}
    out: dict[str, Any] = _compact(schema, defs)
    if isinstance(out.get("properties"), dict):  # every structured result may say what to do next, and what it left out
        out["properties"].setdefault("next", {"type": "array", "items": {"type": "string"}})
        out["properties"].setdefault("note", {"type": "string"})
    return out


def _compact(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_compact(v, defs) for v in node]
    if not isinstance(node, dict):
        return node
    node = _resolve(node, defs)
    if node.get("additionalProperties") is True:  # the default; it only hides the anyOf simplification
        node = {k: v for k, v in node.items() if k != "additionalProperties"}
    variants = node.get("anyOf")
    if isinstance(variants, list) and any(_resolve(v, defs).get("type") == "null" for v in variants):
        # Results leave out what is unknown (see drop_none) instead of sending null: `X | None` is just X.
        rest = [v for v in variants if _resolve(v, defs).get("type") != "null"]
        node = {k: v for k, v in node.items() if k != "anyOf"}
        node = {**_resolve(rest[0], defs), **node} if len(rest) == 1 else {**node, "anyOf": rest}
    out = {}
    for key, value in node.items():
        # An output's defaults and required say nothing a program needs; descriptions are for inputs (the model
        # reads the text result, not this schema).
        if key in ("title", "$defs", "default", "required", "description"):
            continue
        if key == "properties" and isinstance(value, dict):  # names, not keywords: a property may be "title"
            out[key] = {name: _compact(p, defs) for name, p in value.items()}
        else:
            out[key] = _compact(value, defs)
    return out


# -- argument errors ------------------------------------------------------------------------------


def describe_argument_errors(errors: list[dict[str, Any]], valid: list[str]) -> str:
    """Pydantic's errors as one line per bad argument, saying what is expected (no boilerplate)."""
    lines = []
    unknown = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ())]
        name = loc[0] if loc else "arguments"
        where = ".".join(loc) if loc else name
        kind = error.get("type", "")
        if kind == "extra_forbidden" and len(loc) == 1:
            unknown.append(name)
            continue
        if kind == "missing":
            lines.append(f"- {where}: required")
            continue
        given = json.dumps(error.get("input"), default=str)
        given = given if len(given) <= 60 else given[:57] + "..."
        lines.append(f"- {where}: {error.get('msg', 'invalid')} (given {given})")
    if unknown:
        lines.insert(0, f"- unknown argument(s) {', '.join(unknown)}; valid: {', '.join(valid)}")
    return "Invalid arguments:\n" + "\n".join(lines)


# -- applying it to a server --------------------------------------------------------------------


TOOL_NAMES: set[str] = set()  # every tool name this process has registered (unprefixed)


def prefixed_calls(text: str, prefix: str) -> str:
    """`get_log(...)` as `respan_get_log(...)` when tool names carry a prefix (RESPAN_MCP_TOOL_PREFIX)."""
    if not prefix:
        return text
    return SUGGESTED_CALL.sub(lambda m: prefix + m.group(1) if m.group(1) in TOOL_NAMES else m.group(1), text)


def apply_contract(server: Any, prefix: str = "") -> None:
    """Every registered tool: portable input schema, compact output schema, unknown arguments refused,
    argument errors one line per bad argument; its name prefixed when asked (and the calls its description
    suggests)."""
    from respan_mcp.sdk_compat import contract_tool, registered_tools

    tools = registered_tools(server)
    TOOL_NAMES.update(tool.name for tool in tools)
    for tool in tools:
        tool.parameters = portable(tool.parameters)
        tool.fn_metadata.output_schema = compact_output(tool.fn_metadata.output_schema)
        if prefix:
            tool.description = prefixed_calls(tool.description or "", prefix)
        contract_tool(server, tool, prefix + tool.name)


def drop_none(value: Any) -> Any:
    """Structured results leave out unknown values rather than sending null (their schemas say so)."""
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_none(v) for v in value]
    return value
