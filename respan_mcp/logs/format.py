"""Logs, summaries and traces as compact text a model can read in one go."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from respan_mcp.output import clip, compact_json, fmt_cost, fmt_int, fmt_seconds, render_conversation, table
from respan_mcp.redact import redact

EXTRA_CHARS = 200  # characters of one extra column's value
BASE_COLUMNS = ["time", "id", "model", "status", "latency", "cost", "tokens", "customer", "error"]


def _when(value: Any) -> str:
    text = str(value or "")
    return text[5:19].replace("T", " ") if len(text) >= 19 else text  # MM-DD HH:MM:SS


def log_row(item: dict[str, Any], extra: list[str]) -> dict[str, Any]:
    prompt, completion = item.get("prompt_tokens"), item.get("completion_tokens")
    tokens = f"{fmt_int(prompt)}/{fmt_int(completion)}" if prompt is not None or completion is not None else "-"
    status = item.get("status") or ("error" if item.get("failed") else "")
    status = "ok" if status == "success" else status  # the common case, kept short
    code = item.get("status_code")
    row = {
        "time": _when(item.get("timestamp") or item.get("start_time")),
        "id": item.get("unique_id") or item.get("id"),
        "model": item.get("model"),
        "status": f"{status} {code}".strip() if code not in (None, 200) else status or code,
        "latency": fmt_seconds(item.get("latency")),
        "cost": fmt_cost(item.get("cost")),
        "tokens": tokens,
        "customer": item.get("customer_identifier"),
        "error": clip(item.get("error_message"), 60),
    }
    for name in extra:
        # Projected fields get the same redaction as get_log (full_request carries BYOK credentials).
        value = redact({name: _parse_json(item.get(name))})[name]
        if isinstance(value, str):
            value = clip(value, EXTRA_CHARS)
        elif not (isinstance(value, (int, float)) or value is None):
            value = compact_json(value, EXTRA_CHARS)
        row[name] = value
    return row


def render_log_table(items: list[dict[str, Any]], extra: list[str]) -> str:
    rows = [log_row(item, extra) for item in items]
    columns = BASE_COLUMNS + [f for f in extra if f not in BASE_COLUMNS]
    if not any(row["error"] for row in rows):
        columns.remove("error")
    return table(rows, columns, widths={"id": 36, "error": 60})


def _parse_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


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
    input_text, cut_in = render_conversation(_parse_json(source_in), max_chars, empty="(none recorded)")
    output_text, cut_out = render_conversation(_parse_json(source_out), max_chars, empty="(none recorded)")
    lines += ["", "Input:", input_text, "", "Output:", output_text]
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
        groups[str(item.get(key) or "(none)")].append(item)
    rows = []
    for name, members in groups.items():
        latencies = [m["latency"] for m in members if isinstance(m.get("latency"), (int, float))]
        errors = Counter(m.get("status") for m in members)["error"]
        rows.append({
            by: name,
            "requests": len(members),
            "cost": fmt_cost(sum(m.get("cost") or 0 for m in members)),
            "tokens": fmt_int(sum((m.get("prompt_tokens") or 0) + (m.get("completion_tokens") or 0) for m in members)),
            "avg latency": fmt_seconds(sum(latencies) / len(latencies)) if latencies else "-",
            "errors": errors,
        })  # fmt: skip
    rows.sort(key=lambda r: -len(groups[str(r[by])]))
    return rows


def trace_row(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "start": _when(item.get("start_time")),
        "trace": item.get("trace_unique_id"),
        "name": item.get("name") or item.get("span_workflow_name"),
        "spans": item.get("span_count"),
        "llm": item.get("llm_call_count"),
        "duration": fmt_seconds(item.get("duration")),
        "cost": fmt_cost(item.get("total_cost")),
        "tokens": fmt_int(item.get("total_tokens")),
        "errors": item.get("error_count") or 0,
        "customer": item.get("customer_identifier"),
    }


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
            status = node.get("status") or ""
            bits = [
                f"[{node.get('log_type')}]" if node.get("log_type") else "",
                node.get("model") or "",
                fmt_seconds(node.get("latency")),
                fmt_cost(node.get("cost")) if node.get("cost") else "",
                f"{fmt_int(node.get('prompt_tokens'))}/{fmt_int(node.get('completion_tokens'))} tok"
                if node.get("prompt_tokens") or node.get("completion_tokens")
                else "",
                f"ERROR {node.get('status_code') or ''}".strip() if status == "error" else "",
            ]
            lines.append(f"{prefix}{'└─ ' if last else '├─ '}{node.get('span_name') or '?'} "
                         + " · ".join(b for b in bits if b))  # fmt: skip
            walk(node.get("children") or [], prefix + ("   " if last else "│  "))

    walk(spans, "")
    return "\n".join(lines), len(lines), total
