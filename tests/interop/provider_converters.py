"""Run the providers' own schema converters on every tool of a tools/list dump (JSON on stdin).

Runs in its own virtualenv (see converters.py): google-genai's schema transformer in Gemini Developer
API mode, and openai-agents' strict-schema conversion with open objects refused (what its MCP
integration does). Also the check a Gemini request makes that the SDK does not: every OBJECT
declares at least one property. Prints one line per tool and rejection; exit 1 on any rejection.
"""

from __future__ import annotations

import copy
import json
import sys
from typing import Any


def _objects_without_properties(node: Any, path: str = "") -> list[str]:
    found = []
    if isinstance(node, dict):
        if node.get("type") == "object" and not node.get("properties"):
            found.append(path or "/")
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for name, sub in value.items():
                    found += _objects_without_properties(sub, f"{path}/{name}")
            elif isinstance(value, (dict, list)):
                found += _objects_without_properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += _objects_without_properties(item, f"{path}/{i}")
    return found


def check(tools: list[dict[str, Any]]) -> list[str]:
    from agents.strict_schema import ensure_strict_json_schema
    from google.genai import _transformers, types
    from google.genai._mcp_utils import mcp_to_gemini_tool
    from mcp.types import Tool as McpTool

    class DeveloperApiClient:  # what process_schema asks of a client: Gemini Developer API mode
        vertexai = False

    problems = []
    for tool in tools:
        schema = tool["inputSchema"]
        name = tool["name"]
        try:
            _transformers.process_schema(copy.deepcopy(schema), DeveloperApiClient())  # type: ignore[arg-type]
            types.Schema.model_validate(_gemini_ready(copy.deepcopy(schema)))
            mcp_to_gemini_tool(McpTool(name=name, description=tool.get("description"), inputSchema=schema))
        except Exception as exc:
            problems.append(f"{name}: google-genai: {type(exc).__name__}: {str(exc)[:300]}")
        for where in _objects_without_properties(schema):
            problems.append(f"{name}: gemini: OBJECT without properties at {where}")
        try:
            ensure_strict_json_schema(copy.deepcopy(schema), _reject_open_objects=True)
        except Exception as exc:
            problems.append(f"{name}: openai-agents strict: {type(exc).__name__}: {str(exc)[:300]}")
        print(f"{name}: {'ok' if not any(p.startswith(name + ':') for p in problems) else 'REJECTED'}")
    return problems


def _gemini_ready(schema: dict[str, Any]) -> dict[str, Any]:
    from google.genai import _transformers

    class DeveloperApiClient:
        vertexai = False

    _transformers.process_schema(schema, DeveloperApiClient())  # type: ignore[arg-type]
    return schema


if __name__ == "__main__":
    found = check(json.load(sys.stdin))
    for line in found:
        print(line)
    print(f"{len(found)} rejection(s)")
    sys.exit(1 if found else 0)
