"""Datasets, evaluators and experiments as compact text and data."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from respan_mcp.logs.format import iso_time
from respan_mcp.output import as_text, clip, compact_json, fmt_cost, loads_if_json, quoted, table

SCORE_FIELDS = ("numerical_value", "boolean_value", "categorical_value", "string_value", "json_value")


def dataset_record(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(item.get("id") or ""),
        "name": item.get("name") or "",
        "status": item.get("status"),
        "rows": item.get("log_count") if isinstance(item.get("log_count"), int) else None,
        "description": item.get("description") or None,
        "updated_at": iso_time(item.get("updated_at")),
    }


def evaluator_record(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(item.get("id") or ""),
        "name": item.get("name") or "",
        "slug": item.get("evaluator_slug"),
        "type": item.get("type"),
        "score_type": item.get("score_value_type"),
        "description": item.get("description") or None,
        "committed": bool(item.get("is_read_only")) if item.get("is_read_only") is not None else None,
    }


def experiment_record(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(item.get("id") or ""),
        "name": item.get("name") or "",
        "status": item.get("status"),
        "progress": item.get("progress") if isinstance(item.get("progress"), (int, float)) else None,
        "dataset_id": item.get("dataset_id") or item.get("dataset"),
        "dataset_name": item.get("dataset_name"),
        "created_at": iso_time(item.get("created_at")),
    }


def render_table(records: list[dict[str, Any]], columns: list[str], count: int, what: str) -> str:
    if not records:
        return f"No {what}."
    rows = [{c: clip(str(r.get(c) if r.get(c) is not None else "-"), 50) for c in columns} for r in records]
    return f"{count:,} {what}:\n" + table(rows, columns)


def score_value(score: dict[str, Any]) -> float | None:
    """One number from a score record: the SDK's typed values, or the docs' `score` (also inside
    `evaluation_result`); booleans as 1/0."""
    result = score.get("evaluation_result")
    if isinstance(result, dict) and not any(isinstance(score.get(k), (int, float)) for k in SCORE_FIELDS):
        score = {**result, **{k: v for k, v in score.items() if k != "evaluation_result" and v is not None}}
    for key in (*SCORE_FIELDS, "score", "primary_score"):
        value = score.get(key)
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        if isinstance(value, (int, float)):
            return float(value)
    return None


def score_averages(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per evaluator: rows scored, the mean, the lowest and the highest (booleans count as 1/0)."""
    values: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        for name, value in row_scores(row).items():
            if value is not None:
                values[name].append(value)
    return [
        {"evaluator": name, "rows": len(v), "average": round(sum(v) / len(v), 4), "min": min(v), "max": max(v)}
        for name, v in sorted(values.items())
    ]


def row_scores(row: dict[str, Any]) -> dict[str, float | None]:
    """A row's scores by evaluator (slug or name when known): one number each, booleans as 1/0. Direct runs keep
    them in `scores`; rows scored by an evaluation pipeline in `task_metrics[<task>].output` (a JSON string)."""
    given = row.get("scores")
    scores: dict[str, Any] = given if isinstance(given, dict) else {}
    direct = {str(s.get("evaluator_slug") or k): score_value(s) for k, s in scores.items() if isinstance(s, dict)}
    return {**pipeline_scores(row), **direct}


def pipeline_scores(row: dict[str, Any]) -> dict[str, float | None]:
    """Scores an evaluation pipeline left in `task_metrics`: `{workflow_type: "eval", output: {primary_score,
    evaluator_id, evaluator_name}}` as JSON text (whole in a row's detail; cut short in lists, then unread)."""
    out: dict[str, float | None] = {}
    given = row.get("task_metrics")
    metrics: dict[str, Any] = given if isinstance(given, dict) else {}
    for task, metric in metrics.items():
        data = loads_if_json(metric.get("output") if isinstance(metric, dict) else None)
        inner = data.get("output") if isinstance(data, dict) else None
        if isinstance(inner, dict) and "primary_score" in inner:
            name = inner.get("evaluator_slug") or inner.get("evaluator_name") or inner.get("evaluator_id") or task
            out[str(name)] = score_value(inner)
    return out


def pipeline_scores_cut(row: dict[str, Any]) -> bool:
    """Whether a listed row has pipeline scores that the list cut short (its detail has them whole)."""
    metrics = row.get("task_metrics") if isinstance(row.get("task_metrics"), dict) else {}
    return bool(metrics) and not pipeline_scores(row)


def row_record(row: dict[str, Any]) -> dict[str, Any]:
    scores = row_scores(row)
    return {
        "id": str(row.get("id") or ""),
        "status": row.get("status"),
        "input": _text(row.get("input"), 300),
        "output": _text(row.get("output"), 300),
        "cost_usd": row.get("total_cost"),
        "scores": scores,
        "trace_id": row.get("trace_unique_id"),
    }


def render_rows(records: list[dict[str, Any]]) -> str:
    rows = [
        {
            "id": r["id"],
            "status": r["status"] or "",
            "input": clip(r["input"], 40),
            "output": clip(r["output"], 40),
            "cost": fmt_cost(r["cost_usd"]),
            "scores": compact_json(r["scores"], 60),
        }
        for r in records
    ]
    return table(rows, ["id", "status", "input", "output", "cost", "scores"]) if rows else "(no rows yet)"


def workflow_record(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(item.get("id") or ""),
        "name": item.get("name") or "",
        "type": item.get("type"),
        "trigger": item.get("trigger_event_type"),
        "enabled": item.get("is_enabled"),
        "deployed_version": item.get("deployed_version"),
        "created_at": iso_time(item.get("created_at")),
    }


def render_tasks(tasks: list[dict[str, Any]]) -> list[str]:
    """A workflow's task chain, one line a task: id [type] config -> next."""
    lines = []
    for task in tasks:
        if not isinstance(task, dict):
            continue
        config = {k: v for k, v in (task.get("config") or {}).items() if not str(k).startswith("_blockly")}
        step = f"{task.get('id')} [{task.get('type')}] {compact_json(config, 160)}"
        lines.append(step + (f" -> {task['next']}" if task.get("next") else " (end)"))
    return lines


ROW_TEXT = 4000  # characters of a row's input, output or reference shown by a one-row view
ROW_VALUES = ("input", "output", "expected_output")


def row_values(row: dict[str, Any]) -> dict[str, Any]:
    """A dataset or experiment row's input, output and reference, JSON text parsed."""
    return {key: loads_if_json(row.get(key)) for key in ROW_VALUES}


def row_value_lines(values: dict[str, Any]) -> list[str]:
    """Those values as a reader needs them (a conversation as `[role] text` lines), each cut at ROW_TEXT."""
    lines = []
    for key, value in values.items():
        if value is not None:
            text = as_text(value)
            lines.append(f"{key}: {text[:ROW_TEXT]}{'…' if len(text) > ROW_TEXT else ''}")
    return quoted("row", "\n".join(lines)).splitlines() if lines else lines


def _text(value: Any, limit: int) -> str:
    return clip(as_text(value), limit)


def dataset_row_record(row: dict[str, Any]) -> dict[str, Any]:
    scores = row_scores(row)
    return {
        "id": str(row.get("unique_id") or row.get("id") or ""),
        "input": _text(row.get("input"), 300),
        "output": _text(row.get("output"), 300),
        "expected_output": _text(row.get("expected_output"), 300) or None,
        "model": row.get("model"),
        "status": row.get("status"),
        "scores": scores or None,
    }


def render_dataset_rows(records: list[dict[str, Any]]) -> str:
    rows = [{"id": r["id"], "input": clip(r["input"], 50), "output": clip(r["output"], 50),
             "expected": clip(r["expected_output"] or "", 30),
             "scores": compact_json(r["scores"], 40) if r["scores"] else ""} for r in records]  # fmt: skip
    return table(rows, ["id", "input", "output", "expected", "scores"])


def summary_record(summary: dict[str, Any]) -> dict[str, Any]:
    """A dataset's totals, numbers only (USD, seconds, tokens)."""
    names = {"number_of_requests": "rows", "total_cost": "cost_usd", "total_tokens": "tokens",
             "avg_latency": "avg_latency_s", "avg_ttft": "avg_ttft_s"}  # fmt: skip
    record: dict[str, Any] = {name: summary[key] for key, name in names.items()
                              if isinstance(summary.get(key), (int, float))}  # fmt: skip
    scores = summary.get("scores")
    if isinstance(scores, dict) and scores:
        record["scores"] = {str(k): (v.get("avg_score") if isinstance(v, dict) else v) for k, v in scores.items()}
    return record


def eval_run_record(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(run.get("task_id") or run.get("id") or ""),
        "evaluator": run.get("evaluator_slug") or run.get("name"),
        "status": run.get("status"),
        "score": run.get("score") if isinstance(run.get("score"), (int, float)) else None,
        "rows": run.get("evaluated_logs_count"),
        "completed_at": iso_time(run.get("completed_at")),
        "error": run.get("error_message") or None,
    }


def version_record(version: dict[str, Any]) -> dict[str, Any]:
    """One version of an evaluator or workflow."""
    return {
        "version": version.get("version"),
        "committed": bool(version.get("is_read_only") or version.get("readonly")),
        "note": version.get("version_description") or version.get("description") or None,
        "created_at": iso_time(version.get("created_at")),
    }


MAX_SPANS = 40  # spans of one experiment row shown


def span_lines(tree: Any, depth: int = 0) -> list[dict[str, Any]]:
    """An experiment row's span tree, depth first: one entry (and one indented line) per span."""
    out: list[dict[str, Any]] = []
    for node in tree if isinstance(tree, list) else [tree] if isinstance(tree, dict) else []:
        if not isinstance(node, dict) or len(out) > 4 * MAX_SPANS:
            continue
        entry = {"name": node.get("span_name") or node.get("name"), "type": node.get("log_type"),
                 "model": node.get("model"), "depth": depth}  # fmt: skip
        label = " ".join(
            str(x) for x in (entry["name"], f"[{entry['type']}]" if entry["type"] else "", entry["model"] or "") if x
        )
        out.append({**entry, "line": "  " * depth + label})
        if depth < 20:
            out += span_lines(node.get("children"), depth + 1)
    return out


def render_versions(history: list[dict[str, Any]]) -> list[str]:
    """One `versions:` line (v1 committed (its note); v2 draft), or nothing when there are none."""
    if not history:
        return []
    described = (
        f"v{v['version']} {'committed' if v['committed'] else 'draft'}"
        + (f" ({clip(v['note'], 60)})" if v["note"] else "")
        for v in history
    )
    return ["versions: " + "; ".join(described)]
