"""Shared result shaping: token budget, truncation notices and compact text.

Every tool's model-facing text passes through here, so that no tool can flood a
model's context and every cut says what was left out and how to get it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

CHARS_PER_TOKEN = 4  # a conservative average for English text and JSON-ish content


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def budget_chars(max_tokens: int) -> int:
    return max_tokens * CHARS_PER_TOKEN


def fit(text: str, max_tokens: int, *, more: str = "") -> str:
    """Text cut to the budget at a line boundary, with a notice of what was cut.

    `more` says how to get the rest (e.g. "call read_doc with offset=1200").
    """
    limit = budget_chars(max_tokens)
    if len(text) <= limit:
        return text
    notice_room = 200 + len(more)
    cut = text.rfind("\n", 0, max(0, limit - notice_room))
    if cut < limit // 2:
        cut = max(0, limit - notice_room)
    shown = text[:cut].rstrip()
    notice = f"\n[truncated: showed {len(shown):,} of {len(text):,} characters"
    notice += f"; {more}]" if more else "]"
    return shown + notice


# What a reader cannot see but a model reads: zero-width and bidirectional controls, Unicode tag characters
# (ASCII text hidden as invisible code points), soft hyphens, and HTML comments (invisible when rendered).
_INVISIBLE = re.compile(
    "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]|<!--.*?(?:-->|\\Z)",
    re.DOTALL,
)


def visible(value: Any) -> Any:
    """Text (or JSON-like data) with what a reader cannot see removed: every result passes through this,
    so an instruction hidden in a log, a dataset row or a template cannot reach a model unseen."""
    if isinstance(value, str):
        return _INVISIBLE.sub("", value) if _maybe_invisible(value) else value
    if isinstance(value, dict):
        return {k: visible(v) for k, v in value.items()}
    if isinstance(value, list):
        return [visible(v) for v in value]
    return value


def _maybe_invisible(text: str) -> bool:
    return "<!--" in text or not text.isascii()


QUOTE_OPEN, QUOTE_CLOSE = "⟦", "⟧"


def quoted(label: str, text: str) -> str:
    """Text written by other people (an app's end users, anyone in the org), fenced so a model reads it as
    data: `⟦quoted input⟧ ... ⟦end of quoted input⟧`. Fence characters inside the text are neutralised, so
    the text cannot close the fence itself."""
    body = text.replace(QUOTE_OPEN, "[").replace(QUOTE_CLOSE, "]")
    return f"{QUOTE_OPEN}quoted {label}{QUOTE_CLOSE}\n{body}\n{QUOTE_OPEN}end of quoted {label}{QUOTE_CLOSE}"


def loads_if_json(value: Any) -> Any:
    """A JSON object or array given as text, parsed; any other value as it is (models and Respan send both)."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


def as_count(value: Any, default: int) -> int:
    """A count from a backend answer: a non-negative int, or `default` when it is missing or not a number."""
    if isinstance(value, bool):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return number if number >= 0 else default


def clip(text: str | None, limit: int) -> str:
    """One value shortened to `limit` characters with an ellipsis, whitespace folded."""
    if not text:
        return ""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: max(1, limit - 1)] + "…"


def compact_json(value: Any, limit: int | None = None) -> str:
    """JSON without spaces or indentation (for values a model must read exactly)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    if limit is not None and len(text) > limit:
        return text[: max(1, limit - 1)] + "…"
    return text


def fmt_cost(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return "-"
    if value == 0:
        return "$0"
    return f"${value:.4f}" if value >= 0.0001 else f"${value:.2e}"


def fmt_seconds(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return "-"
    return f"{value * 1000:.0f}ms" if value < 1 else f"{value:.2f}s"


def fmt_int(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else ("-" if value is None else str(value))


def content_text(content: Any) -> str:
    """A message's content as one line of text; images and other parts as short markers."""
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict):
                kind = part.get("type")
                if kind == "text":
                    parts.append(str(part.get("text", "")))
                elif kind == "image_url":
                    url = str((part.get("image_url") or {}).get("url", ""))
                    parts.append(f"[image {url[:80]}{'…' if len(url) > 80 else ''}]")
                else:
                    parts.append(f"[{kind}]")
            else:
                parts.append(str(part))
        return " ".join(parts)
    if isinstance(content, (dict, list)):
        return compact_json(content)
    return "" if content is None else str(content)


def render_conversation(messages: Any, max_chars: int | None = None, *, empty: str = "(none)") -> tuple[str, bool]:
    """Chat messages as `[role] text` lines with their tool calls; (text, whether a message was cut)."""
    max_chars = max_chars or 10**9
    if messages in (None, "", [], {}):
        return empty, False
    if isinstance(messages, dict) and ("role" in messages or "content" in messages):
        messages = [messages]
    if not isinstance(messages, list):
        text = content_text(messages)
        return (text[:max_chars] + "…", True) if len(text) > max_chars else (text, False)
    lines, cut = [], False
    for message in messages:
        if not isinstance(message, dict):
            lines.append(clip(str(message), max_chars))
            continue
        text = content_text(message.get("content"))
        if len(text) > max_chars:
            text, cut = text[:max_chars] + "…", True
        role = message.get("role", "?")
        if message.get("tool_call_id"):
            role += f" → {message['tool_call_id']}"
        line = f"[{role}] {text}".rstrip()
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            line += (
                f"\n  [tool call {call.get('id', '?')}] {function.get('name')}({clip(function.get('arguments'), 300)})"
            )
        lines.append(line)
    return "\n".join(lines), cut


def as_text(value: Any) -> str:
    """Any stored input or output (plain text, JSON text, one message, a conversation, content parts) as the
    text a grader or a reader needs: one message as its text, a conversation as `[role] text` lines."""
    value = loads_if_json(value)
    if isinstance(value, dict) and "content" in value and not value.get("tool_calls"):
        return content_text(value["content"])
    if isinstance(value, dict) and "role" in value:
        value = [value]
    if isinstance(value, list) and any(isinstance(m, dict) and "role" in m for m in value):
        return render_conversation(value, empty="")[0]
    return content_text(value)


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, widths: Mapping[str, int] | None = None) -> str:
    """A pipe-separated table: one header line, one line per row, cells clipped."""
    widths = widths or {}
    lines = [" | ".join(columns)]
    for row in rows:
        cells = [
            clip(str(row.get(col, "") if row.get(col) is not None else ""), widths.get(col, 60)) for col in columns
        ]
        lines.append(" | ".join(cell or "-" for cell in cells))
    return "\n".join(lines)
