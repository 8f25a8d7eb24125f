"""The fake Respan's platform endpoints beyond logs and prompts reads: prompt writes, customers,
datasets, evaluators and experiments, as ../shared/respan-api-more.md describes them (DRF pages,
validation errors, 404s, drafts that only the newest version is)."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.fake_logs import apply_filters, iso, sort_items

if TYPE_CHECKING:
    from tests.fake_respan import FakeRespan

CUSTOMER_FILTERS = {"customer_identifier", "name", "email", "number_of_requests", "total_tokens", "total_cost",
                    "active_days"}  # fmt: skip
CUSTOMER_SORTS = {"customer_identifier", "email", "first_seen", "last_active_timeframe", "number_of_requests",
                  "total_cost", "total_tokens", "active_days", "average_latency", "average_ttft"}  # fmt: skip
VERSION_KEYS = {"messages", "model", "description", "stream", "temperature", "max_tokens", "top_p",
                "frequency_penalty", "presence_penalty", "reasoning_effort", "verbosity", "seed", "thinking",
                "variables", "fallback_models", "load_balance_models", "tools", "tool_choice", "response_format",
                "json_schema", "is_enforcing_response_format", "deploy"}  # fmt: skip


def _error(status: int, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


def _json(request: Request) -> dict[str, Any]:
    return dict(request.query_params)


class Platform:
    """State and handlers; `install(fake)` adds the routes."""

    def __init__(self, fake: FakeRespan) -> None:
        self.fake = fake
        self.customers: dict[str, dict[str, Any]] = {}
        self.datasets: dict[str, dict[str, Any]] = {}
        self.dataset_rows: dict[str, list[dict[str, Any]]] = {}
        self.evaluators: dict[str, dict[str, Any]] = {}
        self.experiments: dict[str, dict[str, Any]] = {}
        self.experiment_rows: dict[str, list[dict[str, Any]]] = {}
        self.edits: Any = None  # tests/fake_platform_edits.py: edits, deletes, versions, workflow writes
        self._seed()

    # -- data ---------------------------------------------------------------------------

    def _seed(self) -> None:
        for i, name in enumerate(["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka",
                                  "tyrell", "cyberdyne", "ada@example.com", "team/blue"]):  # fmt: skip
            self.customers[name] = {
                "id": f"{name}-prod-org1", "customer_identifier": name, "name": name.title(),
                "email": f"ops@{name.split('@')[0].replace('/', '-')}.test", "environment": "prod",
                "first_seen": "2026-09-01T00:00:00Z", "last_active_timeframe": "2026-11-29T10:00:00Z",
                "active_days": 10 + i, "number_of_requests": 100 * (i + 1), "total_tokens": 10_000 * (i + 1),
                "total_cost": round(1.25 * (i + 1) ** 2, 4), "average_latency": 0.8 + i / 10, "average_ttft": 0.2,
                "period_budget": 50.0 if i % 3 == 0 else None, "budget_duration": "monthly" if i % 3 == 0 else None,
                "total_budget": None, "total_period_usage": round(0.5 * (i + 1), 4),
                "period_start": "2026-11-01T00:00:00Z", "period_end": "2026-12-01T00:00:00Z",
            }  # fmt: skip
        self.datasets["ds_golden"] = {
            "id": "ds_golden", "name": "Golden answers", "description": "Hand-checked", "type": "sampling",
            "status": "ready", "log_count": 3, "created_at": "2026-11-01T00:00:00Z",
            "updated_at": "2026-11-02T00:00:00Z", "starred": False, "tags": [],
        }  # fmt: skip
        self.dataset_rows["ds_golden"] = [
            {"id": n, "unique_id": f"row{n}", "dataset_id": "ds_golden", "input": json.dumps([{"role": "user",
             "content": f"Question {n}"}]), "output": json.dumps({"role": "assistant", "content": f"Answer {n}"}),
             "model": "gpt-4o-mini", "cost": 0.001 * n, "latency": 0.5, "status": "success",
             "timestamp": "2026-11-01T00:00:00Z", "metadata": {}, "scores": {}}
            for n in range(1, 4)
        ]  # fmt: skip
        self.evaluators["evl_relevance"] = {
            "id": "evl_relevance", "version_id": "v1", "version": 1, "is_read_only": True,
            "name": "Relevance", "evaluator_slug": "relevance", "type": "llm", "score_value_type": "numerical",
            "description": "Is the answer on topic?", "score_config": {"min_score": 1, "max_score": 5},
            "passing_conditions": {"primary_score": {"operator": "gte", "value": 3}},
            "llm_config": {"model": "gpt-4o-mini", "evaluator_definition": "Rate {{output}} for {{input}}"},
            "created_at": "2026-10-01T00:00:00Z", "updated_at": "2026-10-02T00:00:00Z",
        }  # fmt: skip
        self.evaluators["evl_human"] = {
            "id": "evl_human", "version": 0, "is_read_only": False, "name": "Reviewer", "evaluator_slug": "reviewer",
            "type": "human", "score_value_type": "boolean", "description": "A person checks it",
        }  # fmt: skip
        self.experiments["exp_1"] = {
            "id": "exp_1", "name": "Baseline", "description": "", "dataset_id": "ds_golden",
            "dataset_name": "Golden answers", "workflow_count": 1, "status": "completed", "progress": 100,
            "created_at": "2026-11-03T00:00:00Z", "completed_at": "2026-11-03T00:05:00Z",
            "workflow": [{"type": "completion", "config": {"model": "gpt-4o-mini"}}],
            "evaluator_ids": ["evl_relevance"],
        }  # fmt: skip
        self.experiment_rows["exp_1"] = [
            {"id": f"xl{n}", "trace_unique_id": f"trace-x{n}", "name": "row", "comparison_key": f"row{n}",
             "input": f"Question {n}", "output": f"Answer {n}", "status": "success", "total_cost": 0.002,
             "total_tokens": 40, "duration": 0.7, "error_count": 0,
             "scores": {"relevance": {"evaluator_id": "evl_relevance", "evaluator_slug": "relevance",
                                      "score_value_type": "numerical", "numerical_value": 2 + n}}}
            for n in range(1, 4)
        ]  # fmt: skip

        self.workflows: dict[str, dict[str, Any]] = {
            "wf_alert": {"id": "wf_alert", "workflow_id": "wff_alert", "version": 2, "name": "Cost alert",
                         "description": "Notify when a request costs over $1", "type": "automations",
                         "trigger_event_type": "request_log", "is_enabled": True, "is_read_only": True,
                         "deployed_version": 2, "created_at": "2026-10-01T00:00:00Z",
                         "tasks": [{"id": "t1", "type": "condition", "next": "t2", "config": {"condition_policy": {
                             "event.cost": {"operator": "gt", "value": 1}}, "on_true": "continue"}},
                                   {"id": "t2", "type": "notification", "config": {"severity": "high",
                                    "message_template": "Costly request {{event.unique_id}}"}}]},
            "wf_pipe": {"id": "wf_pipe", "workflow_id": "wff_pipe", "version": 1, "name": "Quality gate",
                        "type": "evaluators", "trigger_event_type": "eval_only", "is_enabled": False,
                        "tasks": [{"id": "e1", "type": "eval", "config": {"evaluator_id": "evl_relevance"}}]},
        }  # fmt: skip

    # -- helpers --------------------------------------------------------------------------

    def _page(self, request: Request, items: list[Any], max_size: int = 100) -> Response | dict[str, Any]:
        return self.fake._page(request, items, max_size)

    def _list(self, request: Request, items: list[dict[str, Any]], fields: set[str] | None, sorts: set[str] | None,
              body: Any, default_sort: str, max_size: int = 100) -> Response:  # fmt: skip
        from tests.fake_logs import BadQuery

        try:
            if fields is not None:
                items = apply_filters(items, (body or {}).get("filters") or {}, fields)
            if sorts is not None:
                items = sort_items(items, request.query_params.get("sort_by", default_sort), sorts)
        except BadQuery as exc:
            return _error(exc.status, exc.detail)
        page = self._page(request, items, max_size)
        if isinstance(page, Response):
            return page
        return JSONResponse({**page, "filters_data": {"noise": "x" * 500}})

    # -- prompts: writes --------------------------------------------------------------------

    def create_prompt(self, request: Request, body: Any, fault: Any) -> Response:
        if not isinstance(body, dict) or not body.get("name"):
            return _error(400, "Validation error", errors={"name": ["This field is required."]})
        prompt_id = uuid.uuid4().hex[:10]
        self.fake.prompts[prompt_id] = {
            "id": prompt_id, "prompt_id": prompt_id, "name": body["name"], "description": body.get("description", ""),
            "prompt_slug": body["name"].lower().replace(" ", "-"), "tags": [], "created_at": iso_now(),
            "updated_at": iso_now(),
        }  # fmt: skip
        self.fake.versions[prompt_id] = []
        return JSONResponse(self.fake.prompts[prompt_id], status_code=201)

    def create_version(self, request: Request, body: Any, fault: Any) -> Response:
        prompt_id = request.path_params["prompt_id"]
        if prompt_id not in self.fake.prompts:
            return _error(404, "Not found.")
        if not isinstance(body, dict) or not body.get("messages") or not body.get("model"):
            missing = [k for k in ("messages", "model") if not (body or {}).get(k)]
            return _error(400, "Validation error", errors={k: ["This field is required."] for k in missing})
        versions = self.fake.versions[prompt_id]
        for older in versions:
            older["readonly"] = True  # a newer version freezes the ones before it
        number = max((v["version"] for v in versions), default=0) + 1
        version = {"id": f"ver-{number}-{uuid.uuid4().hex[:6]}", "prompt_version_id": uuid.uuid4().hex,
                   "version": number, "description": "", "stream": False, "variables": {}, "readonly": False,
                   "is_deployed": False, "edited_by": {"email": "dev@example.com"}, "created_at": iso_now(),
                   "updated_at": iso_now()}  # fmt: skip
        version.update({k: v for k, v in body.items() if k in VERSION_KEYS and k != "deploy"})
        versions.insert(0, version)
        if body.get("deploy"):
            self._deploy(prompt_id, number)
        return JSONResponse(version, status_code=201)

    def _deploy(self, prompt_id: str, number: int) -> None:
        for version in self.fake.versions[prompt_id]:
            version["is_deployed"] = version["version"] == number

    def update_version(self, request: Request, body: Any, fault: Any) -> Response:
        prompt_id, number = request.path_params["prompt_id"], request.path_params["number"]
        version = next((v for v in self.fake.versions.get(prompt_id, []) if str(v["version"]) == number), None)
        if version is None:
            return _error(404, "Not found.")
        body = body if isinstance(body, dict) else {}
        changes = {k: v for k, v in body.items() if k in VERSION_KEYS and k != "deploy"}
        if changes and version["readonly"]:
            return _error(400, "This version is committed (readonly) and cannot be edited. Create a new version.")
        version.update(changes)
        if body.get("deploy"):  # (some deployments refuse drafts: tests inject that 400 as a fault)
            self._deploy(prompt_id, int(number))
        version["updated_at"] = iso_now()
        return JSONResponse(version)

    # -- customers ------------------------------------------------------------------------

    def _customer(self, request: Request) -> dict[str, Any] | None:
        return self.customers.get(request.path_params["customer_id"].rstrip("/"))  # (ids may hold a `/`)

    def list_customers(self, request: Request, body: Any, fault: Any) -> Response:
        items = list(self.customers.values())
        return self._list(request, items, CUSTOMER_FILTERS, CUSTOMER_SORTS, body, "-first_seen", max_size=1000)

    def get_customer(self, request: Request, body: Any, fault: Any) -> Response:
        customer = self._customer(request)
        if customer is None:
            return _error(404, "Not found.")
        keep = ("id", "customer_identifier", "name", "email", "environment", "period_budget", "budget_duration",
                "total_period_usage", "period_start", "period_end", "total_budget")  # fmt: skip
        return JSONResponse({k: customer.get(k) for k in keep} | {"organization_name": "Org 1"})

    def delete_customer(self, request: Request, body: Any, fault: Any) -> Response:
        customer = self._customer(request)
        if customer is None:
            return _error(404, "Not found.")
        self.customers = {k: v for k, v in self.customers.items() if v is not customer}
        return Response(status_code=204)

    def commit_prompt(self, request: Request, body: Any, fault: Any) -> Response:
        """SDK 0.1.49: the current draft becomes a read-only snapshot and a new draft opens after it."""
        prompt_id = request.path_params["prompt_id"]
        versions = self.fake.versions.get(prompt_id)
        if not versions:
            return _error(404, "Not found.")
        draft = max(versions, key=lambda v: v["version"])
        if draft.get("readonly"):
            return _error(400, "There is no draft to commit: create a new version first.")
        draft["readonly"] = True
        if isinstance(body, dict) and body.get("description"):
            draft["description"] = body["description"]
        opened = {**draft, "version": draft["version"] + 1, "readonly": False, "is_deployed": False,
                  "id": uuid.uuid4().hex[:8]}  # fmt: skip
        versions.insert(0, opened)
        return JSONResponse(draft, status_code=201)

    def update_customer(self, request: Request, body: Any, fault: Any) -> Response:
        customer = self._customer(request)
        if customer is None:
            return _error(404, "Not found.")
        body = body if isinstance(body, dict) else {}
        if body.get("budget_duration") not in (None, "daily", "weekly", "monthly", "yearly"):
            return _error(400, "Validation error", errors={"budget_duration": ["Not a valid choice."]})
        for key in ("period_budget", "total_budget"):
            if body.get(key) is not None and not isinstance(body[key], (int, float)):
                return _error(400, "Validation error", errors={key: ["A valid number is required."]})
        customer.update({k: v for k, v in body.items() if k in ("email", "name", "metadata", "period_budget",
                                                                "budget_duration", "total_budget")})  # fmt: skip
        return self.get_customer(request, None, None)

    # -- datasets -------------------------------------------------------------------------

    def list_datasets(self, request: Request, body: Any, fault: Any) -> Response:
        items = [{**d, "log_ids": [r["unique_id"] for r in self.dataset_rows.get(d["id"], [])]}
                 for d in self.datasets.values()]  # fmt: skip
        return self._list(request, items, None, None, body, "-created_at")

    def get_dataset(self, request: Request, body: Any, fault: Any) -> Response:
        dataset = self.datasets.get(request.path_params["dataset_id"])
        return JSONResponse(dataset) if dataset else _error(404, "Not found.")

    def create_dataset(self, request: Request, body: Any, fault: Any) -> Response:
        if not isinstance(body, dict) or not body.get("name"):
            return _error(400, "Validation error", errors={"name": ["This field is required."]})
        source = body.get("source_dataset_id")
        if source is not None and source not in self.datasets:
            return _error(404, f"Dataset {source} not found.")
        if not source and not body.get("is_empty") and not (body.get("start_time") and body.get("end_time")):
            return _error(400, "start_time and end_time are required unless is_empty is true.")
        dataset_id = "ds_" + uuid.uuid4().hex[:8]
        rows: list[dict[str, Any]] = []
        if source:  # a copy (SDK, official server: `source_dataset_id`)
            rows = [{**row, "dataset_id": dataset_id} for row in self.dataset_rows.get(source, [])]
        elif not body.get("is_empty"):
            from tests.fake_logs import parse as parse_time

            start, end = parse_time(body["start_time"]), parse_time(body["end_time"])
            logs = [log for log in self.fake.logs.logs if start <= parse_time(log["timestamp"]) <= end]
            from tests.fake_respan import LOG_FILTER_FIELDS

            logs = apply_filters(logs, body.get("initial_log_filters") or {}, LOG_FILTER_FIELDS | {"id"})
            rows = [{**log, "dataset_id": dataset_id} for log in logs]
        self.dataset_rows[dataset_id] = rows
        self.datasets[dataset_id] = {
            "id": dataset_id, "name": body["name"], "description": body.get("description", ""), "type": "sampling",
            "status": "ready", "log_count": len(rows), "initial_log_filters": body.get("initial_log_filters"),
            "created_at": iso_now(), "updated_at": iso_now(), "starred": False, "tags": [],
        }  # fmt: skip
        return JSONResponse(self.datasets[dataset_id], status_code=201)

    def list_dataset_rows(self, request: Request, body: Any, fault: Any) -> Response:
        dataset_id = request.path_params["dataset_id"]
        if dataset_id not in self.datasets:
            return _error(404, "Not found.")
        return self._list(request, self.dataset_rows.get(dataset_id, []), None, None, body, "unique_id")

    def add_rows(self, request: Request, body: Any, fault: Any) -> Response:
        dataset_id = request.path_params["dataset_id"]
        if dataset_id not in self.datasets:
            return _error(404, "Not found.")
        rows = (body or {}).get("logs") if isinstance(body, dict) else None
        if rows is None and isinstance(body, dict) and ("start_time" in body or "end_time" in body):
            return self.edits.import_rows(request, body, fault)  # docs `logs-add`: a time range, on this path
        if not isinstance(rows, list) or not rows:
            return _error(400, "Validation error", errors={"logs": ["This field is required."]})
        errors, added = [], 0
        for index, row in enumerate(rows):
            if not isinstance(row, dict) or "input" not in row:
                errors.append({"index": index, "error": "input is required"})
                continue
            self.dataset_rows[dataset_id].append({"id": len(self.dataset_rows[dataset_id]) + 1,
                                                  "unique_id": uuid.uuid4().hex[:12], "dataset_id": dataset_id,
                                                  **row})  # fmt: skip
            added += 1
        self.datasets[dataset_id]["log_count"] = len(self.dataset_rows[dataset_id])
        return JSONResponse({"success_count": added, "error_count": len(errors), "errors": errors,
                             "total_errors": len(errors)})  # fmt: skip

    # -- evaluators -------------------------------------------------------------------------

    def create_evaluator(self, request: Request, body: Any, fault: Any) -> Response:
        body = body if isinstance(body, dict) else {}
        missing = [k for k in ("name", "type", "score_value_type") if not body.get(k)]
        if missing:
            return _error(400, "Validation error", errors={k: ["This field is required."] for k in missing})
        if body["type"] == "llm" and not (body.get("llm_config") or {}).get("evaluator_definition"):
            return _error(
                400, "Validation error", errors={"llm_config": ["model and evaluator_definition are required."]}
            )
        evaluator_id = "evl_" + uuid.uuid4().hex[:8]
        self.evaluators[evaluator_id] = {"id": evaluator_id, "version": 0, "is_read_only": False,
                                         "evaluator_slug": body.get("evaluator_slug") or body["name"].lower(),
                                         "created_at": iso_now(), **body}  # fmt: skip
        return JSONResponse(self.evaluators[evaluator_id], status_code=201)

    def list_evaluators(self, request: Request, body: Any, fault: Any) -> Response:
        """`GET /evaluators/?page&page_size&search&type&score_value_type&starred&tags` (docs)."""
        query = request.query_params
        items = [
            e
            for e in self.evaluators.values()
            if (not query.get("type") or e.get("type") == query["type"])
            and (not query.get("search") or query["search"].lower() in str(e.get("name", "")).lower())
        ]
        return self._list(request, items, None, None, None, "-created_at")

    def get_evaluator(self, request: Request, body: Any, fault: Any) -> Response:
        evaluator = self.evaluators.get(request.path_params["evaluator_id"].split(":")[0])
        return JSONResponse(evaluator) if evaluator else _error(404, "Not found.")

    def run_evaluator(self, request: Request, body: Any, fault: Any) -> Response:
        evaluator = self.evaluators.get(request.path_params["evaluator_id"].split(":")[0])
        if evaluator is None:
            return _error(404, "Not found.")
        inputs = (body or {}).get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, dict):
            return _error(400, "'inputs' field is required")
        if evaluator["type"] == "human":
            return _error(400, "Human evaluators are scored through the Scores API, not run.")
        score = min(5, 1 + len(str(inputs.get("output", ""))) % 5)
        # The docs' answer (`apis/evaluate/evaluators/run`), as Corrections round 3 has it.
        return JSONResponse({"score": score, "score_type": evaluator.get("score_value_type") or "numerical",
                             "evaluation_result": {"score": score, "passed": score >= 3,
                                                   "reasoning": f"Scored {score} of 5."},
                             "execution_time": 0.42})  # fmt: skip

    # -- experiments ------------------------------------------------------------------------

    def list_experiments(self, request: Request, body: Any, fault: Any) -> Response:
        items = [
            {k: v for k, v in e.items() if k not in ("workflow", "evaluator_slugs", "evaluator_workflow_ids")}
            for e in self.experiments.values()
        ]
        return self._list(request, items, None, None, body, "-created_at")

    def get_experiment(self, request: Request, body: Any, fault: Any) -> Response:
        experiment = self.experiments.get(request.path_params["experiment_id"])
        return JSONResponse(experiment) if experiment else _error(404, "Not found.")

    def create_experiment(self, request: Request, body: Any, fault: Any) -> Response:
        body = dict(body) if isinstance(body, dict) else {}
        if "workflows" in body:  # the docs' name for the steps
            body["workflow"] = body.pop("workflows")
        if not body.get("dataset_id") or not body.get("workflow"):
            missing = [k for k in ("dataset_id", "workflow") if not body.get(k)]
            return _error(400, "Validation error", errors={k: ["This field is required."] for k in missing})
        if body["dataset_id"] not in self.datasets:
            return _error(400, f"Dataset {body['dataset_id']} not found.")
        if bool(body.get("evaluator_slugs")) == bool(body.get("evaluator_workflow_ids")):
            return _error(400, "Give evaluator_slugs or evaluator_workflow_ids, one of them.")
        slugs = {e["evaluator_slug"] for e in self.evaluators.values()}
        unknown = [s for s in body.get("evaluator_slugs") or [] if s not in slugs]
        if unknown:
            return _error(400, f"Evaluator {unknown[0]} not found.")
        for step in body["workflow"]:
            if step.get("type") == "prompt":
                prompt_id = (step.get("config") or {}).get("prompt_id")
                versions = self.fake.versions.get(str(prompt_id), [])
                if not any(v["is_deployed"] for v in versions):
                    return _error(400, f"Prompt version {(step.get('config') or {}).get('version')} not found.")
        experiment_id = "exp_" + uuid.uuid4().hex[:6]
        dataset = self.datasets[body["dataset_id"]]
        self.experiments[experiment_id] = {
            "id": experiment_id, "name": body.get("name") or "Experiment", "description": body.get("description", ""),
            "dataset_id": dataset["id"], "dataset_name": dataset["name"], "workflow_count": len(body["workflow"]),
            "status": "running", "progress": 0, "created_at": iso_now(), "workflow": body["workflow"],
            "evaluator_slugs": body.get("evaluator_slugs") or [],
            "evaluator_workflow_ids": body.get("evaluator_workflow_ids") or [],
        }  # fmt: skip
        self.experiment_rows[experiment_id] = []
        return JSONResponse(self.experiments[experiment_id], status_code=201)

    def list_experiment_rows(self, request: Request, body: Any, fault: Any) -> Response:
        experiment_id = request.path_params["experiment_id"]
        if experiment_id not in self.experiments:
            return _error(404, "Not found.")
        rows = [_cut_task_metrics(r) for r in self.experiment_rows.get(experiment_id, [])]
        return self._list(request, rows, None, None, body, "id")


def _cut_task_metrics(row: dict[str, Any]) -> dict[str, Any]:
    """Lists cut a pipeline's `task_metrics[*].output` JSON to about 50 characters (the detail has it whole)."""
    metrics = row.get("task_metrics")
    if not isinstance(metrics, dict):
        return row
    cut = {k: {**v, "output": str(v.get("output"))[:50]} if isinstance(v, dict) else v for k, v in metrics.items()}
    return {**row, "task_metrics": cut}


def list_workflows(platform: Platform, request: Request, body: Any, fault: Any) -> Response:
    items = list(platform.workflows.values())
    wanted = (((body or {}).get("filters") or {}).get("type") or {}).get("value") if isinstance(body, dict) else None
    if wanted:
        items = [w for w in items if w["type"] in (wanted if isinstance(wanted, list) else [wanted])]
    return platform._list(request, [{k: v for k, v in w.items() if k != "tasks"} for w in items], None, None, body,
                          "-created_at")  # fmt: skip


def find_workflow(platform: Platform, given: str) -> dict[str, Any] | None:
    """By version id (`id`) or family id (`workflow_id`): GET accepts either."""
    return platform.workflows.get(given) or next((w for w in platform.workflows.values() if w.get("workflow_id") == given),
                                                 None)  # fmt: skip


def get_workflow(platform: Platform, request: Request, body: Any, fault: Any) -> Response:
    workflow = find_workflow(platform, request.path_params["workflow_id"])
    return JSONResponse(workflow) if workflow else _error(404, "Not found.")


def iso_now() -> str:
    from datetime import datetime, timezone

    return iso(datetime.now(timezone.utc))


def install(fake: FakeRespan) -> Platform:
    platform = Platform(fake)
    add = fake._add
    add("/api/prompts/", platform.create_prompt, ["POST"])
    add("/api/prompts/{prompt_id}/versions/", platform.create_version, ["POST"])
    add("/api/prompts/{prompt_id}/versions/{number}/", platform.update_version, ["PATCH"])
    add("/api/users/list/", platform.list_customers, ["POST"])
    add("/api/users/{customer_id:path}/", platform.get_customer, ["GET"])
    add("/api/users/{customer_id:path}/", platform.update_customer, ["PATCH"])
    add("/api/users/{customer_id:path}/", platform.delete_customer, ["DELETE"])
    add("/api/prompts/{prompt_id}/commits/", platform.commit_prompt, ["POST"])
    add("/api/datasets/list/", platform.list_datasets, ["POST"])
    add("/api/datasets/", platform.create_dataset, ["POST"])
    add("/api/datasets/{dataset_id}/", platform.get_dataset, ["GET"])
    add("/api/datasets/{dataset_id}/logs/list/", platform.list_dataset_rows, ["POST"])
    add("/api/datasets/{dataset_id}/logs/bulk/", platform.add_rows, ["POST"])
    add("/api/evaluators/", platform.list_evaluators, ["GET"])
    add("/api/evaluators/", platform.create_evaluator, ["POST"])
    add("/api/evaluators/{evaluator_id}/", platform.get_evaluator, ["GET"])
    add("/api/evaluators/{evaluator_id}/run/", platform.run_evaluator, ["POST"])
    add("/api/v2/experiments/list/", platform.list_experiments, ["POST"])
    add("/api/v2/experiments/", platform.create_experiment, ["POST"])
    add("/api/v2/experiments/{experiment_id}/", platform.get_experiment, ["GET"])
    add("/api/v2/experiments/{experiment_id}/logs/list/", platform.list_experiment_rows, ["POST"])
    add("/api/workflows/list/", lambda *a: list_workflows(platform, *a), ["POST"])
    add("/api/workflows/{workflow_id}/", lambda *a: get_workflow(platform, *a), ["GET"])
    from tests.fake_platform_edits import install as install_edits

    platform.edits = install_edits(platform)
    return platform
