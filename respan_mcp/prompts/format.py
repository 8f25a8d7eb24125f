"""Compact text for prompts: lists, one prompt with its versions, a rendering."""

from __future__ import annotations

from typing import Any

from respan_mcp.output import compact_json, quoted, render_conversation, table
from respan_mcp.prompts.render import Rendered
from respan_mcp.prompts.store import prompt_id_of


def _version_number(value: Any) -> int | None:
    if isinstance(value, dict) and isinstance(value.get("version"), int):
        return int(value["version"])
    return None


def prompt_record(prompt: dict[str, Any]) -> dict[str, Any]:
    """One prompt of a listing as data (versions as numbers, time as given: ISO 8601)."""
    current = prompt.get("current_version") if isinstance(prompt.get("current_version"), dict) else {}
    live = prompt.get("live_version") if isinstance(prompt.get("live_version"), dict) else {}
    return {
        "id": prompt_id_of(prompt),
        "name": prompt.get("name") or "",
        "slug": prompt.get("prompt_slug") or None,
        "live_version": _version_number(live),
        "newest_version": _version_number(current),
        "model": (live or current or {}).get("model") or None,
        "updated_at": prompt.get("updated_at") or None,
    }


def _row(record: dict[str, Any]) -> dict[str, Any]:
    def version(n: int | None) -> str:
        return f"v{n}" if n is not None else "-"

    return {"id": record["id"], "name": record["name"], "live": version(record["live_version"]),
            "latest": version(record["newest_version"]), "model": record["model"] or "",
            "updated": str(record["updated_at"] or "")[:10]}  # fmt: skip


def render_list(
    records: list[dict[str, Any]], count: int, page: int, page_size: int, query: str | None, next_cursor: str | None
) -> str:
    if not records:
        what = f" matching {query!r}" if query else ""
        return f"No prompts{what}." + (" Try a shorter name." if query else "")
    pages = max(1, -(-count // page_size))
    head = f"{count} prompt(s){f' matching {query!r}' if query else ''}; page {page} of {pages}:"
    rows = [_row(r) for r in records]
    text = head + "\n" + table(rows, ["id", "name", "live", "latest", "model", "updated"], widths={"name": 40})
    if next_cursor:
        text += f'\nNext page: list_prompts(cursor="{next_cursor}")'
    text += "\nInspect one with get_prompt(prompt_id=...); preview it with render_prompt."
    return text


def render_params(params: dict[str, Any]) -> str:
    if not params:
        return "(none)"
    return " · ".join(f"{k}={compact_json(v, 160)}" for k, v in params.items())


def render_rendered(result: Rendered, messages: list[dict[str, Any]], params: dict[str, Any], how: str) -> str:
    shown = quoted("messages", render_conversation(messages)[0])
    lines = [f"Rendered prompt {result.prompt_id} v{result.version} ({how}):", shown, ""]
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
