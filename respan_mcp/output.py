"""Shared result shaping: token budget, truncation notices and compact text.

Every tool's model-facing text passes through here, so that no tool can flood a
model's context and every cut says what was left out and how to get it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

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


# A call a result suggests: `get_log(log_id=<id>)`, `search_logs(cursor="...")` (a verb_noun name and a paren).
SUGGESTED_CALL = re.compile(r"\b([a-z]+(?:_[a-z]+)+)(?=\()")
MAX_NEXT = 6
_SENTENCE_END = re.compile(r"(?<=[.!?)])\s+(?=[A-Z])")


def next_steps(text: str, cursor: str | None = None) -> list[str]:
    """The lines of a result's text that suggest a call, for its structured form (some clients give their
    model only that): a cursor written out in full is shortened to `<next_cursor>`, which the result holds."""
    steps = []
    for line in text.splitlines():
        if not SUGGESTED_CALL.search(line):
            continue
        line = line.strip()
        if cursor and cursor in line:
            line = line.replace(cursor, "<next_cursor>")
        if len(line) > 160:  # a long line states facts too (the structured result has them): keep the call's sentence
            line = " ".join(s for s in _SENTENCE_END.split(line) if SUGGESTED_CALL.search(s))
        steps.append(clip(line, 400))
    return steps[:MAX_NEXT]


def json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str))


def bound_structured(data: dict[str, Any], limit: int) -> tuple[dict[str, Any], str]:
    """Structured content cut to `limit` characters of compact JSON, as the text is to its budget: the longest
    strings are clipped, then the longest lists lose their tail. Returns (data, what was cut or "")."""
    if json_size(data) <= limit:
        return data, ""
    data = json.loads(json.dumps(data, default=str))  # a private copy to cut
    cut_strings = cut_items = 0
    for _ in range(200):
        if json_size(data) <= limit:
            break
        text_path, text_len, list_path, list_len = _largest(data)
        if text_path is not None and (text_len > 400 or list_len <= 1):
            _set(data, text_path, _get(data, text_path)[: max(200, text_len // 2)] + "…")
            cut_strings += 1
        elif list_path is not None and list_len > 1:
            items = _get(data, list_path)
            del items[max(1, len(items) // 2) :]
            cut_items += 1
        elif text_path is not None and text_len > 20:
            _set(data, text_path, _get(data, text_path)[: text_len // 2] + "…")
            cut_strings += 1
        else:
            break
    what = [w for w, n in (("long values clipped", cut_strings), ("lists shortened", cut_items)) if n]
    return data, f"cut to fit {limit:,} characters ({', '.join(what)}); the text result says how to get the rest"


def _largest(data: Any) -> tuple[Any, int, Any, int]:
    """(path, length) of the longest string and of the longest list in a JSON-like value."""
    best: list[Any] = [None, 0, None, 0]

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, str):
            if len(node) > best[1]:
                best[0], best[1] = path, len(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key not in ("next_cursor", "next"):  # what gets the rest is never cut
                    walk(value, (*path, key))
        elif isinstance(node, list):
            if len(node) > best[3]:
                best[2], best[3] = path, len(node)
            for i, value in enumerate(node):
                walk(value, (*path, i))

    walk(data, ())
    return best[0], best[1], best[2], best[3]


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(data, path[:-1])[path[-1]] = value


# -- tables: lists of records in structured results ------------------------------------------------

TABLE_SCHEMA = {
    "type": "object",
    "properties": {
        "columns": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "array"}},
        "same": {"type": "object"},
    },
}
_FRACTION = re.compile(r"(T\d{2}:\d{2}:\d{2})\.\d+")


def as_table(records: Sequence[Any]) -> dict[str, Any]:
    """Records as `{"columns": [...], "rows": [[...], ...]}`: every name once, not once per row (a model
    reading a page of 20 logs reads 20 rows, not 20 copies of the field names). A column empty in every row
    is left out; one with the same value in every row (of 2 or more) moves to `same`; times keep seconds."""
    dicts = [r.model_dump(exclude_none=True) if hasattr(r, "model_dump") else dict(r) for r in records]
    columns: list[str] = []
    for record in dicts:
        columns += [key for key in record if key not in columns]
    same = {}
    if len(dicts) > 1:
        for key in list(columns):
            values = [json.dumps(d.get(key), sort_keys=True, default=str) for d in dicts]
            if len(set(values)) == 1:
                same[key] = dicts[0].get(key)
                columns.remove(key)
    rows = [[_cell(d.get(key)) for key in columns] for d in dicts]
    return {"columns": columns, "rows": rows, **({"same": same} if same else {})}


def _cell(value: Any) -> Any:
    return _FRACTION.sub(r"\1", value) if isinstance(value, str) and "T" in value[:11] else value


def table_records(table: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A table back as records (what a program reading the structured result does)."""
    same = dict(table.get("same") or {})
    return [{**same, **{k: v for k, v in zip(table["columns"], row, strict=True) if v is not None}}
            for row in table["rows"]]  # fmt: skip


def _records_if_table(value: Any) -> Any:
    return table_records(value) if isinstance(value, Mapping) and "rows" in value else value


if TYPE_CHECKING:
    Rows = list
else:

    class Rows:
        """`logs: Rows[LogRecord]`: records, sent as a table (see as_table) and declared as one in the output
        schema; a table given back (the SDK checks a result against its model) reads as the records."""

        def __class_getitem__(cls, record: type) -> Any:
            from typing import Annotated

            from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

            return Annotated[
                list[record],
                BeforeValidator(_records_if_table),
                PlainSerializer(as_table),
                WithJsonSchema(TABLE_SCHEMA),
            ]


def mapping(value: Any) -> dict[str, Any]:
    """A backend field that should be an object: itself when it is one, else empty (any field may be null)."""
    return value if isinstance(value, dict) else {}


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
