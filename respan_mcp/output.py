"""Shared result shaping: token budget, truncation notices and compact text.

Every tool's model-facing text passes through here, so that no tool can flood a
model's context and every cut says what was left out and how to get it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from mcp_types import CallToolResult, TextContent

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


def kv_line(pairs: Mapping[str, Any], sep: str = " · ") -> str:
    """`a: 1 · b: 2` for the pairs whose value is present."""
    return sep.join(f"{k}: {v}" for k, v in pairs.items() if v not in (None, "", [], {}))


def text_result(text: str, structured: dict[str, Any] | None = None, *, is_error: bool = False) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=structured, is_error=is_error
    )
