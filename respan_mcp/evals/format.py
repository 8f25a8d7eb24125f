"""Datasets, evaluators and experiments as compact text and data."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from respan_mcp.logs.format import iso_time
from respan_mcp.output import clip, compact_json, fmt_cost, table

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
    for key in SCORE_FIELDS:
        value = score.get(key)
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        if isinstance(value, (int, float)):
            return float(value)
    return None


def score_averages(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per evaluator: rows scored and the mean (booleans count as 1/0), from the rows themselves."""
    values: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        for key, score in (row.get("scores") or {}).items():
            if isinstance(score, dict) and (value := score_value(score)) is not None:
                values[str(score.get("evaluator_slug") or key)].append(value)
    return [
        {"evaluator": name, "rows": len(v), "average": round(sum(v) / len(v), 4)} for name, v in sorted(values.items())
    ]


def row_record(row: dict[str, Any]) -> dict[str, Any]:
    scores = {
        str(s.get("evaluator_slug") or k): score_value(s)
        for k, s in (row.get("scores") or {}).items()
        if isinstance(s, dict)
    }
    return {
        "id": str(row.get("id") or ""),
        "status": row.get("status"),
        "input": clip(str(row.get("input") or ""), 300),
        "output": clip(str(row.get("output") or ""), 300),
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
