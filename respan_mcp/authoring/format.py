"""What a deploy changes, as text a model (and the person behind it) can check before it happens."""

from __future__ import annotations

import difflib
from typing import Any

from respan_mcp.output import compact_json, content_text
from respan_mcp.prompts.render import PromptVersion

MAX_DIFF_LINES = 80


def _message_lines(messages: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for message in messages:
        text = (
            content_text(message.get("content")) if not isinstance(message.get("content"), str) else message["content"]
        )
        for i, line in enumerate(str(text).splitlines() or [""]):
            lines.append(f"[{message.get('role', '?')}] {line}" if i == 0 else f"    {line}")
    return lines


def unified(before: list[str], after: list[str], before_name: str, after_name: str) -> list[str]:
    diff = list(difflib.unified_diff(before, after, before_name, after_name, lineterm="", n=1))
    if len(diff) > MAX_DIFF_LINES:
        diff = [*diff[:MAX_DIFF_LINES], f"... ({len(diff) - MAX_DIFF_LINES} more diff lines)"]
    return diff


def changes(live: PromptVersion | None, target: PromptVersion) -> dict[str, Any]:
    """What deploying `target` changes against `live`: messages, model, parameters, variable defaults."""
    before = live.params if live else {}
    params = {
        key: {"from": before.get(key), "to": target.params.get(key)}
        for key in sorted(set(before) | set(target.params))
        if before.get(key) != target.params.get(key)
    }
    old_defaults = live.defaults if live else {}
    variables = {
        key: {"from": old_defaults.get(key), "to": target.defaults.get(key)}
        for key in sorted(set(old_defaults) | set(target.defaults))
        if old_defaults.get(key) != target.defaults.get(key)
    }
    live_name = f"live v{live.version}" if live else "(nothing live)"
    template_diff = unified(
        _message_lines(live.messages) if live else [], _message_lines(target.messages), live_name, f"v{target.version}"
    )
    return {"messages_diff": template_diff, "params": params, "variables": variables}


def render_preview(
    prompt_id: str,
    live: PromptVersion | None,
    target: PromptVersion,
    diff: dict[str, Any],
    rendered: tuple[list[str], list[str]],
    deployed: bool,
) -> str:
    head = (
        f"Deployed {prompt_id} v{target.version}" + (f" (was v{live.version})." if live else " (nothing was live).")
        if deployed
        else f"Deploying {prompt_id} v{target.version} would replace "
        + (f"live v{live.version}." if live else "nothing (no version is live).")
    )
    lines = [head]
    if live and live.version == target.version:
        lines.append("That version is already live: nothing changes.")
    lines.append("Templates:" if diff["messages_diff"] else "Templates: unchanged.")
    lines += [f"  {line}" for line in diff["messages_diff"]]
    for label, key in (("Parameters", "params"), ("Variable defaults", "variables")):
        if diff[key]:
            lines.append(
                f"{label}: "
                + "; ".join(
                    f"{name} {compact_json(c['from'], 60)} -> {compact_json(c['to'], 60)}"
                    for name, c in diff[key].items()
                )
            )
        else:
            lines.append(f"{label}: unchanged.")
    before, after = rendered
    if before != after:
        lines.append("Rendered with the default variables, before -> after:")
        lines += [f"  {line}" for line in unified(before, after, "live", f"v{target.version}")]
    else:
        lines.append("Rendered with the default variables: the same text.")
    return "\n".join(lines)
