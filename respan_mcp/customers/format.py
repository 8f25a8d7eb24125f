"""Customers as compact text and as data."""

from __future__ import annotations

from typing import Any

from respan_mcp.logs.format import iso_time
from respan_mcp.output import fmt_cost, fmt_int, fmt_seconds, table


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def customer_record(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer": str(item.get("customer_identifier") or ""),
        "name": item.get("name") or None,
        "email": item.get("email") or None,
        "requests": int(item["number_of_requests"]) if isinstance(item.get("number_of_requests"), int) else None,
        "cost_usd": _num(item.get("total_cost", item.get("cost"))),
        "tokens": int(item["total_tokens"]) if isinstance(item.get("total_tokens"), int) else None,
        "avg_latency_s": _num(item.get("average_latency")),
        "active_days": item.get("active_days") if isinstance(item.get("active_days"), int) else None,
        "first_seen": iso_time(item.get("first_seen")),
        "last_active": iso_time(item.get("last_active_timeframe")),
        "period_budget_usd": _num(item.get("period_budget")),
        "budget_duration": item.get("budget_duration") or None,
        "total_budget_usd": _num(item.get("total_budget")),
    }


def render_customers(records: list[dict[str, Any]], count: int, sort_by: str) -> str:
    rows = [
        {
            "customer": r["customer"],
            "name": r["name"] or "",
            "requests": fmt_int(r["requests"]),
            "cost": fmt_cost(r["cost_usd"]),
            "tokens": fmt_int(r["tokens"]),
            "avg latency": fmt_seconds(r["avg_latency_s"]),
            "last active": str(r["last_active"] or "")[:10],
            "budget": budget_text(r),
        }
        for r in records
    ]
    return f"{count:,} customer(s), sorted by {sort_by}:\n" + table(rows, list(rows[0]) if rows else ["customer"])


def budget_text(record: dict[str, Any]) -> str:
    if record["period_budget_usd"] is None and record["total_budget_usd"] is None:
        return "none"
    parts = []
    if record["period_budget_usd"] is not None:
        parts.append(f"{fmt_cost(record['period_budget_usd'])}/{record['budget_duration'] or 'period'}")
    if record["total_budget_usd"] is not None:
        parts.append(f"{fmt_cost(record['total_budget_usd'])} total")
    return ", ".join(parts)


def render_customer(detail: dict[str, Any], usage: dict[str, Any] | None, window: str, logs_call: str) -> str:
    record = customer_record(detail)
    spent = _num(detail.get("total_period_usage"))
    who = f"Customer {record['customer']}" + (f" ({record['name']})" if record["name"] else "")
    who += (f" <{record['email']}>" if record["email"] else "") + f" · {detail.get('environment') or 'prod'}"
    lines = [who]
    budget = budget_text(record)
    lines.append(
        f"Budget: {budget}"
        + (f"; spent this period {fmt_cost(spent)}" if spent is not None else "")
        + (
            f" ({str(detail.get('period_start') or '?')[:10]} → {str(detail.get('period_end') or 'open')[:10]})"
            if detail.get("period_start") or detail.get("period_end")
            else ""
        )
    )
    if record["period_budget_usd"] and spent is not None:
        lines.append(f"Used {spent / record['period_budget_usd']:.0%} of the period budget (over budget: HTTP 429).")
    if usage:
        lines.append(
            f"Usage, {window}: {fmt_int(usage.get('number_of_requests'))} requests · "
            f"{fmt_cost(usage.get('total_cost'))} · {fmt_int(usage.get('total_tokens'))} tokens · "
            f"avg latency {fmt_seconds(usage.get('avg_latency'))}"
        )
    lines.append(f"Their logs: {logs_call}")
    return "\n".join(lines)
