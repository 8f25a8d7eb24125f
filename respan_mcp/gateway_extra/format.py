"""The catalogue and a comparison as the text a model reads (no MCP here)."""

from __future__ import annotations

from typing import Any

from respan_mcp.output import clip, fmt_cost, fmt_int, fmt_seconds, mapping, table


def _price(value: Any) -> str:
    return f"${value:g}" if isinstance(value, (int, float)) else "-"


def model_record(model: dict[str, Any]) -> dict[str, Any]:
    provider = mapping(model.get("provider"))
    context = model.get("max_context_window")
    return {
        "model": str(model.get("model_name")),
        "provider": provider.get("provider_name") or provider.get("provider_id"),
        "context_tokens": context if isinstance(context, int) else None,
        "input_usd_per_1m": model.get("input_cost") if isinstance(model.get("input_cost"), (int, float)) else None,
        "output_usd_per_1m": model.get("output_cost") if isinstance(model.get("output_cost"), (int, float)) else None,
        "rate_limit": model.get("rate_limit") if isinstance(model.get("rate_limit"), (int, str)) else None,
    }


def render_models(records: list[dict[str, Any]], matched: int, total: int, age: float) -> str:
    rows = [{"model": r["model"], "provider": r["provider"] or "", "context": fmt_int(r["context_tokens"]),
             "in $/1M": _price(r["input_usd_per_1m"]), "out $/1M": _price(r["output_usd_per_1m"])}
            for r in records]  # fmt: skip
    head = f"{matched} of {total} models match" + (f"; showing {len(records)}" if len(records) < matched else "")
    head += f" (catalogue fetched {age / 60:.0f} min ago)" if age >= 60 else ""
    lines = [head + ":", table(rows, ["model", "provider", "context", "in $/1M", "out $/1M"], widths={"model": 50})]
    lines.append("Use a name as `model` in chat_completion, or try several with compare_models(models=[...]).")
    return "\n".join(lines)


def render_comparison(rows: list[dict[str, Any]], max_chars: int) -> str:
    lines = []
    for row in rows:
        if row.get("error"):
            lines.append(f"## {row['model']}: FAILED\n{clip(row['error'], 400)}")
            continue
        cost = fmt_cost(row.get("cost_usd")) + (" (estimated)" if row.get("cost_estimated") else "")
        facts = [f"finish {row.get('finish') or '-'}",
                 f"{fmt_int(row.get('prompt_tokens'))} in / {fmt_int(row.get('completion_tokens'))} out tokens",
                 cost, fmt_seconds(row.get("latency_s"))]  # fmt: skip
        answered = row.get("answered_by")
        if answered and answered != row["model"]:
            facts.append(f"answered by {answered}")
        text = str(row.get("answer") or "(no text: tool calls or empty)")
        cut = "…" if len(text) > max_chars else ""
        lines.append(f"## {row['model']} · " + " · ".join(facts) + f"\n{text[:max_chars]}{cut}")
    return "\n\n".join(lines)
