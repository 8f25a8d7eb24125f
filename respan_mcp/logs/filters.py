"""Time windows, filters and sort orders, validated before Respan sees them.

A model gets these right on the first try when every mistake comes back with the valid
choices listed, and when the common filters are plain arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

from respan_mcp.errors import UserError

LOG_FIELDS = (
    "customer_identifier", "custom_identifier", "thread_identifier", "group_identifier", "prompt_id", "prompt_name",
    "unique_id", "trace_unique_id", "span_name", "span_workflow_name", "model", "deployment_name", "provider_id",
    "status_code", "status", "error_message", "failed", "cost", "latency", "tokens_per_second",
    "time_to_first_token", "prompt_tokens", "completion_tokens", "total_request_tokens", "environment", "log_type",
    "stream", "temperature", "max_tokens", "cache_hit", "organization_key_name", "customer_email", "customer_name",
    "span_parent_id", "is_root_span", "total_tokens", "positive_feedback", "organization_key_id",
)  # fmt: skip
LOG_SORT_FIELDS = ("id", "timestamp", "cost", "latency", "time_to_first_token", "prompt_tokens", "completion_tokens",
                   "all_tokens", "total_request_tokens", "tokens_per_second")  # fmt: skip
TRACE_FIELDS = (
    "trace_unique_id", "customer_identifier", "environment", "span_count", "llm_call_count", "error_count",
    "total_cost", "total_tokens", "total_prompt_tokens", "total_completion_tokens", "duration", "span_workflow_name",
)  # fmt: skip
TRACE_SORT_FIELDS = ("timestamp", "start_time", "end_time", *TRACE_FIELDS)  # trace filter fields sort too
MAP_PREFIXES = ("metadata__", "scores__")
OPERATORS = ("", "not", "lt", "lte", "gt", "gte", "contains", "icontains", "iexact", "startswith", "endswith", "in",
             "isnull")  # fmt: skip
OPERATOR_ALIASES = {"eq": "", "=": "", "==": "", "equals": "", "!=": "not", "ne": "not", "<": "lt", "<=": "lte",
                    ">": "gt", ">=": "gte"}  # fmt: skip
MAX_WINDOW_DAYS = 365
UNITS = "s|sec|secs|m|min|mins|h|hr|hrs|hour|hours|d|day|days|w|wk|week|weeks"
RELATIVE = re.compile(rf"^\s*(\d+(?:\.\d+)?)\s*({UNITS})\s*$", re.I)
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class FilterError(UserError, ValueError):
    """An argument Respan would reject or misread; the message lists the valid choices."""


def parse_relative(value: str) -> timedelta:
    match = RELATIVE.match(value)
    if not match:
        raise FilterError(f"since={value!r} is not a duration: use e.g. '30m', '2h', '7d' or '1w'")
    amount, unit = float(match.group(1)), match.group(2).lower()
    seconds = amount * UNIT_SECONDS[unit[0]]
    if seconds <= 0:
        raise FilterError("since must be longer than zero")
    if seconds > MAX_WINDOW_DAYS * 86400:
        raise FilterError(f"since may reach back at most {MAX_WINDOW_DAYS} days")
    return timedelta(seconds=seconds)


def parse_instant(value: str, name: str) -> datetime:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise FilterError(
            f"{name}={value!r} is not an ISO date-time: use e.g. '2026-11-21T09:00:00Z' or '2026-11-21'"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_window(
    since: str | None, start_time: str | None, end_time: str | None, *, default: str = "1h", now: datetime | None = None
) -> tuple[str, str]:
    """(start, end) as UTC ISO strings from a relative `since` or explicit bounds."""
    now = now or datetime.now(timezone.utc)
    if since and start_time:
        raise FilterError("give either since (relative) or start_time (absolute), not both")
    end = parse_instant(end_time, "end_time") if end_time else now
    start = parse_instant(start_time, "start_time") if start_time else end - parse_relative(since or default)
    if start >= end:
        raise FilterError(f"the window is empty: start {iso(start)} is not before end {iso(end)}")
    return iso(start), iso(end)


def _known(field: str, fields: Iterable[str]) -> bool:
    return field in fields or any(field.startswith(p) and len(field) > len(p) for p in MAP_PREFIXES)


def normalize_filters(filters: Iterable[dict[str, Any]] | None, fields: tuple[str, ...]) -> dict[str, Any]:
    """`[{field, operator, value}]` into Respan's `{field: {operator, value: [...]}}`, validated."""
    out: dict[str, Any] = {}
    for item in filters or []:
        if not isinstance(item, dict) or "field" not in item:
            raise FilterError("each filter is an object {field, operator, value}")
        field = str(item["field"]).strip()
        if not _known(field, fields):
            raise FilterError(
                f"unknown filter field {field!r}; valid fields: {', '.join(fields)}, or metadata__<key>, "
                "scores__<evaluator_id>"
            )
        op = str(item.get("operator", "") or "").strip().lower()
        op = OPERATOR_ALIASES.get(op, op)
        if op not in OPERATORS:
            raise FilterError(
                f"unknown operator {item.get('operator')!r} for {field}; valid operators: "
                + ", ".join(repr(o) for o in OPERATORS)
                + " ('' means equals)"
            )
        value = item.get("value")
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if op == "isnull" and not all(isinstance(v, bool) for v in values):
            raise FilterError(f"isnull on {field} takes [true] or [false]")
        if op == "contains" and field in ("customer_identifier",):
            op = "icontains"  # `contains` on customer_identifier has made Respan answer 500
        out[field] = {"operator": op, "value": values}
    return out


def sanitize_sort(sort_by: str | None, fields: tuple[str, ...], default: str) -> str:
    """A sort field without the quotes models sometimes add (Respan answers those with a 500)."""
    if not sort_by:
        return default
    clean = sort_by.strip().strip("\"'`").strip()
    bare = clean.lstrip("-+")
    if bare not in fields and not bare.startswith("scores__"):
        raise FilterError(
            f"cannot sort by {sort_by!r}; sort by one of {', '.join(fields)} (or scores__<evaluator_id>), "
            "with a leading '-' for descending"
        )
    return ("-" if clean.startswith("-") else "") + bare


SCALAR = {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}  # (no type lists: Gemini)


class FilterSpec(BaseModel):
    field: str = Field(description="e.g. model, cost, metadata__<key>")
    operator: str = Field(default="", description="'' (=), not, lt, lte, gt, gte, icontains, startswith, in, isnull")
    value: Annotated[
        str | int | float | bool | list[str | int | float | bool] | None,
        WithJsonSchema({"anyOf": [SCALAR, {"type": "array", "items": SCALAR}], "description": "value(s)"}),
    ]
