"""Logs, summaries and traces as compact text a model can read in one go."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from respan_mcp.output import (
    clip,
    compact_json,
    fmt_cost,
    fmt_int,
    fmt_seconds,
    loads_if_json,
    quoted,
    render_conversation,
    table,
)
from respan_mcp.redact import redact

EXTRA_CHARS = 200  # characters of one extra column's value
BASE_COLUMNS = ["time", "id", "model", "status", "latency", "cost", "tokens", "customer", "error"]


def _when(value: Any) -> str:
    text = str(value or "")
    return text[5:19].replace("T", " ") if len(text) >= 19 else text  # MM-DD HH:MM:SS


def iso_time(value: Any) -> str | None:
    """A Respan timestamp as ISO 8601 with its zone (Respan's are UTC; a missing zone is made explicit)."""
    if not value:
        return None
    text = str(value).replace(" ", "T")
    return text if text.endswith("Z") or "+" in text[10:] or text[10:].count("-") else text + "Z"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def row_facts(record: dict[str, Any]) -> dict[str, Any]:
    """A page row as data: a failed call is known by its `error` (its message, or "error" when it has none)."""
    failed = record.get("status") == "error" or (record.get("status_code") or 0) >= 400
    return {**record, "error": record.get("error") or ("error" if failed else None)}


def log_record(item: dict[str, Any], extra: list[str]) -> dict[str, Any]:
    """One log as data: numbers as numbers (USD, seconds, tokens), times in ISO 8601 with zone."""
    status = item.get("status") or ("error" if item.get("failed") else None)
    record: dict[str, Any] = {
        "id": str(item.get("unique_id") or item.get("id") or ""),
        "time": iso_time(item.get("timestamp") or item.get("start_time")),
        "model": item.get("model"),
        "log_type": item.get("log_type"),
        "status": status,
        "status_code": _count(item.get("status_code")),
        "latency_s": _number(item.get("latency")),
        "cost_usd": _number(item.get("cost")),
        "prompt_tokens": _count(item.get("prompt_tokens")),
        "completion_tokens": _count(item.get("completion_tokens")),
        "customer": item.get("customer_identifier"),
        "error": clip(item.get("error_message"), 300) or None,
    }
    if extra:
        fields = {}
        for name in extra:
            # Projected fields get the same redaction as get_log (full_request carries BYOK credentials).
            value = redact({name: loads_if_json(item.get(name))})[name]
            fields[name] = clip(value, EXTRA_CHARS) if isinstance(value, str) else value
        record["fields"] = fields
    return record


def log_row(record: dict[str, Any]) -> dict[str, Any]:
    """A log record as the table shows it."""
    prompt, completion = record["prompt_tokens"], record["completion_tokens"]
    tokens = f"{fmt_int(prompt)}/{fmt_int(completion)}" if prompt is not None or completion is not None else "-"
    status = "ok" if record["status"] == "success" else record["status"] or ""  # the common case, kept short
    code = record["status_code"]
    model = record["model"] or (f"({record['log_type']} span)" if record.get("log_type") else None)
    row = {
        "time": _when(record["time"]),
        "id": record["id"],
        "model": model,
        "status": f"{status} {code}".strip() if code not in (None, 200) else status or code,
        "latency": fmt_seconds(record["latency_s"]),
        "cost": fmt_cost(record["cost_usd"]),
        "tokens": tokens,
        "customer": record["customer"],
        "error": clip(record["error"], 60),
    }
    for name, value in (record.get("fields") or {}).items():
        row[name] = value if isinstance(value, (str, int, float)) or value is None else compact_json(value, 60)
    return row


def render_log_table(records: list[dict[str, Any]], extra: list[str]) -> str:
    rows = [log_row(record) for record in records]
    columns = BASE_COLUMNS + [f for f in extra if f not in BASE_COLUMNS]
    if not any(row["error"] for row in rows):
        columns.remove("error")
    return table(rows, columns, widths={"id": 36, "error": 60})


def _as_message_data(value: Any) -> Any:
    """Messages (a list of objects), one message (an object), text, or else JSON text of whatever it was."""
    if value is None or isinstance(value, (str, dict)):
        return value
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def log_detail(log: dict[str, Any]) -> dict[str, Any]:
    """One whole log as data: the record, plus the conversation, metadata and links (all redacted)."""
    log = redact(log)
    source_in = log.get("prompt_messages") or log.get("input")
    if source_in in (None, "", []) and isinstance(log.get("full_request"), dict):
        source_in = log["full_request"].get("messages")
    return {
        **log_record(log, []),
        "time_to_first_token_s": _number(log.get("time_to_first_token")),
        "input": _as_message_data(loads_if_json(source_in)),
        "output": _as_message_data(loads_if_json(log.get("completion_message") or log.get("output"))),
        "metadata": log.get("metadata") if isinstance(log.get("metadata"), dict) else None,
        "thread": log.get("thread_identifier"),
        "trace_id": log.get("trace_unique_id"),
        "prompt_id": log.get("prompt_id"),
        "environment": log.get("environment"),
    }


def render_log(log: dict[str, Any], max_chars: int) -> str:
    log = redact(log)
    facts = {
        "model": log.get("model"),
        "status": f"{log.get('status', '')} {log.get('status_code', '')}".strip(),
        "latency": fmt_seconds(log.get("latency")),
        "ttft": fmt_seconds(log.get("time_to_first_token")),
        "cost": fmt_cost(log.get("cost")),
        "tokens": f"{fmt_int(log.get('prompt_tokens'))} in / {fmt_int(log.get('completion_tokens'))} out",
        "cache hit": log.get("cache_hit") or None,
        "stream": log.get("stream") or None,
    }
    ids = {
        "customer": log.get("customer_identifier"),
        "thread": log.get("thread_identifier"),
        "custom id": log.get("custom_identifier"),
        "trace": log.get("trace_unique_id"),
        "span": log.get("span_name"),
        "prompt": log.get("prompt_id"),
        "environment": log.get("environment"),
        "type": log.get("log_type"),
    }
    head = f"Log {log.get('unique_id') or log.get('id')} at {log.get('timestamp')}"
    lines = [head, " · ".join(f"{k} {v}" for k, v in facts.items() if v not in (None, "", "-"))]
    lines.append(" · ".join(f"{k}: {v}" for k, v in ids.items() if v))
    if log.get("metadata"):
        lines.append("metadata: " + compact_json(log["metadata"], 600))
    if log.get("scores"):
        lines.append("scores: " + compact_json(log["scores"], 400))
    if log.get("error_message"):
        lines.append(f"ERROR: {clip(log['error_message'], 1500)}")
    source_in = log.get("prompt_messages") or log.get("input")
    source_out = log.get("completion_message") or log.get("output")
    if source_in in (None, "", []) and isinstance(log.get("full_request"), dict):
        source_in = log["full_request"].get("messages")
    input_text, cut_in = render_conversation(loads_if_json(source_in), max_chars, empty="(none recorded)")
    output_text, cut_out = render_conversation(loads_if_json(source_out), max_chars, empty="(none recorded)")
    lines += ["", quoted("input", input_text), "", quoted("output", output_text)]
    if cut_in or cut_out:
        lines.append(f"[messages longer than {max_chars} characters were cut; call get_log with a larger max_chars]")
    limit_info = log.get("limit_info")
    if isinstance(limit_info, dict) and limit_info:
        lines.append("limits: " + compact_json(limit_info, 300))
    return "\n".join(line for line in lines if line is not None)


def render_summary(summary: dict[str, Any], errors: int | None, window: tuple[str, str]) -> str:
    count = summary.get("number_of_requests") or 0
    lines = [f"{window[0]} → {window[1]}: {fmt_int(count)} requests"]
    rate = f"{errors / count:.1%} ({fmt_int(errors)} errors)" if errors is not None and count else "-"
    lines.append(
        f"cost {fmt_cost(summary.get('total_cost'))} · tokens {fmt_int(summary.get('total_tokens'))} "
        f"({fmt_int(summary.get('total_prompt_tokens'))} in / {fmt_int(summary.get('total_completion_tokens'))} out)"
    )
    lines.append(
        f"avg latency {fmt_seconds(summary.get('avg_latency'))} · avg TTFT {fmt_seconds(summary.get('avg_ttft'))} · "
        f"avg tokens/s {summary.get('avg_tps') if summary.get('avg_tps') is not None else '-'} · error rate {rate}"
    )
    if summary.get("scores"):
        lines.append("scores: " + compact_json(summary["scores"], 400))
    return "\n".join(lines)


GROUP_FIELDS = {"model": "model", "customer": "customer_identifier", "status": "status"}


def breakdown(items: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """Per-group requests, cost, tokens, mean latency and errors, most requests first."""
    key = GROUP_FIELDS[by]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        value = item.get(key)
        if not value and by == "model" and item.get("log_type") not in (None, "chat", "completion", "text"):
            value = "(workflow/task spans: no model)"  # the newer API lists them too when log_type is open
        groups[str(value or "(none)")].append(item)
    rows = []
    for name, members in groups.items():
        latencies = [m["latency"] for m in members if isinstance(m.get("latency"), (int, float))]
        rows.append({
            "group": name,
            "requests": len(members),
            "cost_usd": round(sum(m.get("cost") or 0 for m in members), 8),
            "tokens": sum((m.get("prompt_tokens") or 0) + (m.get("completion_tokens") or 0) for m in members),
            "avg_latency_s": round(sum(latencies) / len(latencies), 4) if latencies else None,
            "errors": sum(1 for m in members if span_failed(m)),
        })  # fmt: skip
    rows.sort(key=lambda r: -int(r["requests"] or 0))  # type: ignore[arg-type]
    return rows


def breakdown_table(rows: list[dict[str, Any]], by: str) -> str:
    shown = [{by: r["group"], "requests": r["requests"], "cost": fmt_cost(r["cost_usd"]),
              "tokens": fmt_int(r["tokens"]), "avg latency": fmt_seconds(r["avg_latency_s"]), "errors": r["errors"]}
             for r in rows]  # fmt: skip
    return table(shown, [by, "requests", "cost", "tokens", "avg latency", "errors"])


def trace_record(item: dict[str, Any]) -> dict[str, Any]:
    """One trace as data (numbers as numbers, ISO times)."""
    return {
        "trace_id": str(item.get("trace_unique_id") or ""),
        "name": item.get("name") or item.get("span_workflow_name"),
        "start_time": iso_time(item.get("start_time")),
        "end_time": iso_time(item.get("end_time")),
        "duration_s": _number(item.get("duration")),
        "spans": _count(item.get("span_count")),
        "llm_calls": _count(item.get("llm_call_count")),
        "cost_usd": _number(item.get("total_cost")),
        "tokens": _count(item.get("total_tokens")),
        "errors": _count(item.get("error_count")) or 0,
        "customer": item.get("customer_identifier"),
        "environment": item.get("environment"),
    }


def trace_row(record: dict[str, Any]) -> dict[str, Any]:
    """A trace record as the table shows it."""
    return {
        "start": _when(record["start_time"]),
        "trace": record["trace_id"],
        "name": record["name"],
        "spans": record["spans"],
        "llm": record["llm_calls"],
        "duration": fmt_seconds(record["duration_s"]),
        "cost": fmt_cost(record["cost_usd"]),
        "tokens": fmt_int(record["tokens"]),
        "errors": record["errors"],
        "customer": record["customer"],
    }


def span_failed(node: dict[str, Any]) -> bool:
    """Respan marks a failed span with status `error` or `failed`, or a status code of 400 or more."""
    code = node.get("status_code")
    return node.get("status") in ("error", "failed") or (isinstance(code, int) and code >= 400)


def flat_spans(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Spans depth first, as the tree shows them."""
    out: list[dict[str, Any]] = []
    for node in nodes:
        out.append(node)
        out.extend(flat_spans(node.get("children") or []))
    return out


def spans_with_depth(nodes: list[dict[str, Any]], depth: int = 0) -> list[tuple[dict[str, Any], int]]:
    """Spans depth first with their depth (0 for a root), as the tree shows them."""
    out: list[tuple[dict[str, Any], int]] = []
    for node in nodes:
        out.append((node, depth))
        out.extend(spans_with_depth(node.get("children") or [], depth + 1))
    return out


def render_tree(spans: list[dict[str, Any]], max_spans: int) -> tuple[str, int, int]:
    """An indented span tree; (text, spans shown, spans in all)."""
    lines: list[str] = []
    total = 0

    def count(nodes: list[dict[str, Any]]) -> int:
        return sum(1 + count(n.get("children") or []) for n in nodes)

    total = count(spans)

    def walk(nodes: list[dict[str, Any]], prefix: str) -> None:
        for i, node in enumerate(nodes):
            if len(lines) >= max_spans:
                return
            last = i == len(nodes) - 1
            bits = [
                f"[{node.get('log_type')}]" if node.get("log_type") else "",
                node.get("model") or "",
                fmt_seconds(node.get("latency")),
                fmt_cost(node.get("cost")) if node.get("cost") else "",
                f"{fmt_int(node.get('prompt_tokens'))}/{fmt_int(node.get('completion_tokens'))} tok"
                if node.get("prompt_tokens") or node.get("completion_tokens")
                else "",
                f"ERROR {node.get('status_code') or ''}".strip() if span_failed(node) else "",
                f"log {node['unique_id']}" if node.get("unique_id") else "",
            ]
            lines.append(f"{prefix}{'└─ ' if last else '├─ '}{node.get('span_name') or '?'} "
                         + " · ".join(b for b in bits if b))  # fmt: skip
            walk(node.get("children") or [], prefix + ("   " if last else "│  "))

    walk(spans, "")
    return "\n".join(lines), len(lines), total
