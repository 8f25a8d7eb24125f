"""Compact text for prompts: lists, one prompt with its versions, a rendering."""

from __future__ import annotations

from typing import Any

from respan_mcp.output import compact_json, render_conversation, table
from respan_mcp.prompts.render import Rendered
from respan_mcp.prompts.store import prompt_id_of


def _version_of(value: Any) -> str:
    if isinstance(value, dict) and value.get("version") is not None:
        return f"v{value['version']}"
    return "-"


def prompt_row(prompt: dict[str, Any]) -> dict[str, Any]:
    current = prompt.get("current_version") if isinstance(prompt.get("current_version"), dict) else {}
    live = prompt.get("live_version") if isinstance(prompt.get("live_version"), dict) else {}
    return {
        "id": prompt_id_of(prompt),
        "name": prompt.get("name") or "",
        "slug": prompt.get("prompt_slug") or "",
        "live": _version_of(live) if live else "-",
        "latest": _version_of(current) if current else "-",
        "model": (live or current or {}).get("model") or "",
        "updated": str(prompt.get("updated_at") or "")[:10],
    }


def render_list(rows: list[dict[str, Any]], count: int, page: int, page_size: int, query: str | None) -> str:
    if not rows:
        what = f" matching {query!r}" if query else ""
        return f"No prompts{what}." + (" Try a shorter name." if query else "")
    pages = max(1, -(-count // page_size))
    head = f"{count} prompt(s){f' matching {query!r}' if query else ''}; page {page} of {pages}:"
    text = head + "\n" + table(rows, ["id", "name", "live", "latest", "model", "updated"], widths={"name": 40})
    if page < pages:
        args = f'cursor="{page + 1}"' + (f", query={query!r}" if query else "")
        text += f"\nNext page: list_prompts({args})"
    text += "\nInspect one with get_prompt(prompt_id=...); preview it with render_prompt."
    return text


def render_params(params: dict[str, Any]) -> str:
    if not params:
        return "(none)"
    return " · ".join(f"{k}={compact_json(v, 160)}" for k, v in params.items())


def render_rendered(result: Rendered, messages: list[dict[str, Any]], params: dict[str, Any], how: str) -> str:
    lines = [f"Rendered prompt {result.prompt_id} v{result.version} ({how}):", render_conversation(messages)[0], ""]
    lines.append(f"Parameters: {render_params(params)}")
    facts = {
        "used": ", ".join(result.used) or "none",
        "defaults used": ", ".join(result.defaults_used),
        "MISSING (rendered empty)": ", ".join(result.missing),
        "given but unused": ", ".join(result.unused),
    }
    lines.append("Variables: " + "; ".join(f"{k}: {v}" for k, v in facts.items() if v))
    if result.children:
        lines.append("Composed from:\n" + "\n".join(f"  {c}" for c in result.children))
    lines.extend(f"Note: {note}" for note in result.notes)
    return "\n".join(lines)
