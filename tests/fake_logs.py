"""The fake Respan's request logs and traces: a generated, deterministic data set and the
list/filter/sort/summary semantics of the real endpoints."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any

MODELS = [("gpt-4o", 2.5e-6, 1e-5), ("gpt-4o-mini", 1.5e-7, 6e-7), ("claude-sonnet-4-20250514", 3e-6, 1.5e-5),
          ("gemini/gemini-2.0-flash", 1e-7, 4e-7)]  # fmt: skip
CUSTOMERS = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "cyberdyne"]
FEATURES = ["checkout", "search", "chat", "summaries"]
ERRORS = [(429, "Rate limit reached for gpt-4o in organization org-x on tokens per min."),
          (500, "The server had an error while processing your request."),
          (400, "This model's maximum context length is 128000 tokens.")]  # fmt: skip
SORTABLE = {"id", "cost", "latency", "time_to_first_token", "prompt_tokens", "completion_tokens", "all_tokens",
            "tokens_per_second", "timestamp", "total_request_tokens"}  # fmt: skip
TRACE_SORTABLE = {"timestamp", "start_time", "end_time", "duration", "total_cost", "total_tokens", "span_count",
                  "llm_call_count", "error_count", "total_prompt_tokens", "total_completion_tokens",
                  "trace_unique_id", "customer_identifier", "environment", "span_workflow_name"}  # fmt: skip
PROVIDER_SECRET = "sk-proj-FAKESECRETFAKESECRET42"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class LogStore:
    def __init__(self, now: datetime | None = None, count: int = 3000, seed: int = 7) -> None:
        self.now = now or datetime.now(timezone.utc)
        self.rng = random.Random(seed)
        self.logs: list[dict[str, Any]] = []
        self.traces: dict[str, dict[str, Any]] = {}
        self._generate(count)

    # -- data ---------------------------------------------------------------------------

    def _log(self, when: datetime, **overrides: Any) -> dict[str, Any]:
        rng = self.rng
        model, price_in, price_out = rng.choice(MODELS)
        prompt_tokens, completion_tokens = rng.randint(20, 3000), rng.randint(5, 800)
        failed = rng.random() < 0.06
        code, message = rng.choice(ERRORS) if failed else (200, "")
        customer = rng.choice(CUSTOMERS)
        question = f"Question {rng.randint(1, 10_000)} from {customer} about {rng.choice(FEATURES)}"
        answer = "" if failed else f"Answer with {completion_tokens} tokens. " + "lorem ipsum " * rng.randint(1, 20)
        latency = round(rng.lognormvariate(0.2, 0.6) + (8 if rng.random() < 0.02 else 0), 3)
        log = {
            "unique_id": f"{rng.getrandbits(128):032x}",
            "log_type": "chat",
            "model": model,
            "status": "error" if failed else "success",
            "status_code": code,
            "error_message": message,
            "failed": failed,
            "cost": 0.0 if failed else round(prompt_tokens * price_in + completion_tokens * price_out, 8),
            "latency": latency,
            "time_to_first_token": round(latency * rng.uniform(0.1, 0.4), 3),
            "tokens_per_second": round(completion_tokens / max(latency, 0.05), 1),
            "prompt_tokens": prompt_tokens,
            "completion_tokens": 0 if failed else completion_tokens,
            "timestamp": iso(when),
            "customer_identifier": customer,
            "thread_identifier": f"thread-{rng.randint(1, 400)}",
            "custom_identifier": None,
            "trace_unique_id": None,
            "span_name": None,
            "metadata": {"feature": rng.choice(FEATURES), "region": rng.choice(["eu", "us"])},
            "prompt_id": rng.choice([None, None, "p_greet", "p_summary"]),
            "input": json.dumps([{"role": "system", "content": "Be brief."}, {"role": "user", "content": question}]),
            "output": json.dumps({"role": "assistant", "content": answer}) if answer else "",
            "scores": {},
            "stream": rng.random() < 0.5,
            "cache_hit": rng.random() < 0.05,
            "environment": "test" if rng.random() < 0.1 else "production",
        }
        log.update(overrides)
        return log

    def _generate(self, count: int) -> None:
        moments = [self.now - timedelta(seconds=self.rng.uniform(0, 7 * 86400)) for _ in range(count - 100)]
        moments += [self.now - timedelta(seconds=self.rng.uniform(5, 3500)) for _ in range(100)]
        for when in sorted(moments):
            self.logs.append(self._log(when))
        for n in range(200):
            self._trace(n)
        self.logs.sort(key=lambda log: log["timestamp"])
        for number, log in enumerate(self.logs, 1):
            log["id"] = number

    def _trace(self, n: int) -> None:
        rng = self.rng
        trace_id = f"trace-{n:04d}-{rng.getrandbits(32):08x}"
        start = self.now - timedelta(seconds=rng.uniform(60, 6 * 86400))
        customer = rng.choice(CUSTOMERS)
        workflow = rng.choice(["checkout_flow", "rag_answer", "agent_run"])
        clock = [start]

        def span(name: str, kind: str, depth: int, parent: str | None) -> dict[str, Any]:
            # Every span is also a log (the newer API lists workflow/task spans too, with no model);
            # `unique_id` is the span's log id (get_log opens it), `span_unique_id` the span's own.
            span_id = f"{rng.getrandbits(64):016x}"
            node: dict[str, Any] = {"span_unique_id": span_id, "span_name": name, "span_parent_id": parent,
                                    "log_type": kind, "start_time": iso(clock[0]), "children": []}  # fmt: skip
            links = {"trace_unique_id": trace_id, "span_name": name, "customer_identifier": customer,
                     "span_workflow_name": workflow, "span_unique_id": span_id, "span_parent_id": parent,
                     "is_root_span": parent is None}  # fmt: skip
            if kind == "chat":
                log = self._log(clock[0], **links)
                self.logs.append(log)
                node.update({k: log[k] for k in ("model", "prompt_tokens", "completion_tokens", "cost", "latency",
                                                 "status", "status_code", "unique_id")})  # fmt: skip
                node["input"], node["output"] = log["input"], log["output"]
                clock[0] += timedelta(seconds=log["latency"])
            else:
                log = self._log(clock[0], **links, log_type=kind, model=None, cost=0.0, prompt_tokens=0,
                                completion_tokens=0, status="success", status_code=200, failed=False,
                                error_message="")  # fmt: skip
                self.logs.append(log)
                node["unique_id"] = log["unique_id"]
                children = rng.randint(1, 3) if depth < 3 else 0
                for c in range(children):
                    kind_c = "chat" if depth >= 1 and rng.random() < 0.6 else rng.choice(["task", "tool", "chat"])
                    node["children"].append(span(f"{name}.{kind_c}{c}", kind_c, depth + 1, span_id))
                node["latency"] = round((clock[0] - parse(node["start_time"])).total_seconds() + 0.01, 3)
                log["latency"] = node["latency"]
                node["status"] = "error" if any(ch.get("status") == "error" for ch in node["children"]) else "success"
            return node

        root = span(workflow, "workflow", 0, None)
        flat = list(_walk([root]))
        llm = [s for s in flat if s["log_type"] == "chat"]
        end = clock[0] + timedelta(seconds=0.01)
        self.traces[trace_id] = {
            "trace_unique_id": trace_id,
            "name": workflow,
            "span_workflow_name": workflow,
            "start_time": iso(start),
            "end_time": iso(end),
            "timestamp": iso(start),
            "duration": round((end - start).total_seconds(), 3),
            "span_count": len(flat),
            "llm_call_count": len(llm),
            "total_tokens": sum(s["prompt_tokens"] + s["completion_tokens"] for s in llm),
            "total_prompt_tokens": sum(s["prompt_tokens"] for s in llm),
            "total_completion_tokens": sum(s["completion_tokens"] for s in llm),
            "total_cost": round(sum(s["cost"] for s in llm), 8),
            "error_count": sum(1 for s in llm if s["status"] == "error"),
            "input": llm[0]["input"] if llm else "",
            "output": llm[-1]["output"] if llm else "",
            "metadata": {"feature": rng.choice(FEATURES)},
            "customer_identifier": customer,
            "environment": "production",
            "span_tree": [root],
        }

    def add_big_trace(self, spans: int) -> str:
        """A wide trace, for truncation tests."""
        trace_id = "trace-big"
        children = [{"span_unique_id": f"s{i}", "span_name": f"step{i}", "log_type": "task", "latency": 0.1,
                     "status": "success", "children": []} for i in range(spans - 1)]  # fmt: skip
        root = {"span_unique_id": "root", "span_name": "big", "log_type": "workflow", "latency": 9.9,
                "status": "success", "children": children}  # fmt: skip
        self.traces[trace_id] = {"trace_unique_id": trace_id, "name": "big", "start_time": iso(self.now),
                                 "timestamp": iso(self.now), "duration": 9.9, "span_count": spans, "llm_call_count": 0,
                                 "total_tokens": 0, "total_cost": 0.0, "error_count": 0, "span_tree": [root]}  # fmt: skip
        return trace_id

    # -- queries --------------------------------------------------------------------------

    def window(self, query: dict[str, str], field: str = "timestamp") -> tuple[datetime, datetime]:
        end = parse(query["end_time"]) if query.get("end_time") else self.now
        start = parse(query["start_time"]) if query.get("start_time") else end - timedelta(hours=1)
        return start, end

    def detail(self, unique_id: str) -> dict[str, Any] | None:
        log = next((item for item in self.logs if item["unique_id"] == unique_id), None)
        if log is None:
            return None
        request = {"model": log["model"], "messages": json.loads(log["input"]),
                   "customer_credentials": {"openai": {"api_key": PROVIDER_SECRET}}}  # fmt: skip
        return {
            **log,
            "prompt_messages": json.loads(log["input"]),
            "completion_message": json.loads(log["output"]) if log["output"] else None,
            "full_request": request,
            "limit_info": {"credit_remaining": 12.5, "customer_budget_remaining": None},
        }


def _walk(nodes: list[dict[str, Any]]) -> Any:
    for node in nodes:
        yield node
        yield from _walk(node.get("children") or [])


class BadQuery(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def _value(item: dict[str, Any], field: str) -> Any:
    if field.startswith("metadata__"):
        return (item.get("metadata") or {}).get(field[len("metadata__") :])
    if field.startswith("scores__"):
        return (item.get("scores") or {}).get(field[len("scores__") :])
    if field in ("total_request_tokens", "total_tokens") and "prompt_tokens" in item:
        return (item.get("prompt_tokens") or 0) + (item.get("completion_tokens") or 0)
    return item.get(field)


def _matches(actual: Any, op: str, values: list[Any]) -> bool:
    def num(v: Any) -> float:
        return float(v)

    if op == "isnull":
        return (actual is None) == bool(values[0])
    if actual is None:
        return op == "not"
    text = str(actual)
    try:
        if op in ("", "in"):
            return any(str(v) == text or (isinstance(actual, (int, float)) and num(v) == actual) for v in values)
        if op == "not":
            return all(str(v) != text for v in values)
        if op in ("lt", "lte", "gt", "gte"):
            a, b = num(actual), num(values[0])
            return {"lt": a < b, "lte": a <= b, "gt": a > b, "gte": a >= b}[op]
    except (TypeError, ValueError):
        raise BadQuery(400, f"Filter value {values!r} is not a number.") from None
    first = str(values[0])
    return {
        "contains": first in text,
        "icontains": first.lower() in text.lower(),
        "iexact": first.lower() == text.lower(),
        "startswith": text.startswith(first),
        "endswith": text.endswith(first),
    }[op]


def apply_filters(items: list[dict[str, Any]], filters: dict[str, Any], known: set[str]) -> list[dict[str, Any]]:
    for field, spec in (filters or {}).items():
        if field not in known and not field.startswith(("metadata__", "scores__")):
            raise BadQuery(400, f"Invalid filter field: {field}")
        if not isinstance(spec, dict) or not isinstance(spec.get("value"), list):
            raise BadQuery(400, f"Filter for {field} must be {{operator, value: [...]}}.")
        op = spec.get("operator", "")
        if op not in ("", "not", "lt", "lte", "gt", "gte", "contains", "icontains", "iexact", "startswith",
                      "endswith", "in", "isnull"):  # fmt: skip
            raise BadQuery(400, f"Invalid operator: {op}")
        if op == "contains" and field == "customer_identifier":
            raise BadQuery(500, "Internal server error")  # a real backend quirk
        items = [item for item in items if _matches(_value(item, field), op, spec["value"])]
    return items


def sort_items(items: list[dict[str, Any]], sort_by: str, allowed: set[str]) -> list[dict[str, Any]]:
    if sort_by[:1] in "\"'":
        raise BadQuery(500, "Internal server error")  # quoted sort_by crashes the real backend
    field = sort_by.lstrip("-")
    if field not in allowed and not field.startswith("scores__"):
        raise BadQuery(400, f"Invalid sort field: {field}")

    def key(item: dict[str, Any]) -> Any:
        if field == "all_tokens":
            return (item.get("prompt_tokens") or 0) + (item.get("completion_tokens") or 0)
        if field == "timestamp":
            return item.get("start_time") or item.get("timestamp")
        return _value(item, field) or 0

    return sorted(items, key=key, reverse=sort_by.startswith("-"))
