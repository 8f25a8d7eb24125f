"""The fake Respan's edits, deletes and the rest of the evals surface (prompt rename; dataset edits, rows,
imports, summaries, eval runs; evaluator edits, versions, commits; experiment rows and deletes; workflow
writes, versions, commits, deployments, test runs), as ../shared/respan-api-more.md describes them:
drafts alone are editable, a deploy needs a committed version, deletes answer 204."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.fake_platform import _error, find_workflow, iso_now

if TYPE_CHECKING:
    from tests.fake_platform import Platform

NO_CONTENT = 204
WORKFLOW_TYPES = {"automations", "monitors", "evaluators"}


class Edits:
    def __init__(self, platform: Platform) -> None:
        self.p = platform
        self.eval_runs: dict[str, list[dict[str, Any]]] = {}
        self.evaluator_history: dict[str, list[dict[str, Any]]] = {}
        self.workflow_history: dict[str, list[dict[str, Any]]] = {}
        self.validations: list[dict[str, Any]] = []

    # -- prompts ------------------------------------------------------------------------------

    def update_prompt(self, request: Request, body: Any, fault: Any) -> Response:
        prompt = self.p.fake.prompts.get(request.path_params["prompt_id"])
        if prompt is None:
            return _error(404, "Not found.")
        if not isinstance(body, dict) or ("name" in body and not body["name"]):
            return _error(400, "Validation error", errors={"name": ["This field may not be blank."]})
        prompt.update({k: v for k, v in body.items() if k in ("name", "description")})
        return JSONResponse(prompt)

    # -- datasets -----------------------------------------------------------------------------

    def _dataset(self, request: Request) -> dict[str, Any] | None:
        return self.p.datasets.get(request.path_params["dataset_id"])

    def _row(self, request: Request) -> dict[str, Any] | None:
        rows = self.p.dataset_rows.get(request.path_params["dataset_id"], [])
        return next((r for r in rows if str(r.get("unique_id")) == request.path_params["row_id"]), None)

    def update_dataset(self, request: Request, body: Any, fault: Any) -> Response:
        dataset = self._dataset(request)
        if dataset is None:
            return _error(404, "Not found.")
        dataset.update({k: v for k, v in (body or {}).items() if k in ("name", "description", "starred", "tags")})
        return JSONResponse(dataset)

    def delete_dataset(self, request: Request, body: Any, fault: Any) -> Response:
        if self.p.datasets.pop(request.path_params["dataset_id"], None) is None:
            return _error(404, "Not found.")
        self.p.dataset_rows.pop(request.path_params["dataset_id"], None)
        return Response(status_code=NO_CONTENT)

    def get_row(self, request: Request, body: Any, fault: Any) -> Response:
        row = self._row(request)
        return JSONResponse(row) if row else _error(404, "Not found.")

    def update_row(self, request: Request, body: Any, fault: Any) -> Response:
        row = self._row(request)
        if row is None:
            return _error(404, "Not found.")
        allowed = {"input", "output", "expected_output", "prompt", "completion", "metadata"}
        unknown = set(body or {}) - allowed
        if unknown:
            return _error(400, "Validation error", errors={k: ["Unknown field."] for k in sorted(unknown)})
        row.update(body or {})
        return JSONResponse(row)

    def delete_row(self, request: Request, body: Any, fault: Any) -> Response:
        row = self._row(request)
        if row is None:
            return _error(404, "Not found.")
        dataset_id = request.path_params["dataset_id"]
        self.p.dataset_rows[dataset_id].remove(row)
        self.p.datasets[dataset_id]["log_count"] = len(self.p.dataset_rows[dataset_id])
        return Response(status_code=NO_CONTENT)

    def import_rows(self, request: Request, body: Any, fault: Any) -> Response:
        dataset = self._dataset(request)
        if dataset is None:
            return _error(404, "Not found.")
        body = body if isinstance(body, dict) else {}
        if not (body.get("start_time") and body.get("end_time")):
            return _error(400, "Validation error", errors={k: ["This field is required."] for k in
                                                            ("start_time", "end_time") if not body.get(k)})  # fmt: skip
        from tests.fake_logs import apply_filters, parse
        from tests.fake_respan import LOG_FILTER_FIELDS

        start, end = parse(body["start_time"]), parse(body["end_time"])
        logs = [log for log in self.p.fake.logs.logs if start <= parse(log["timestamp"]) <= end]
        logs = apply_filters(logs, body.get("filters") or {}, LOG_FILTER_FIELDS | {"id"})
        self.p.dataset_rows[dataset["id"]] += [{**log, "dataset_id": dataset["id"]} for log in logs]
        dataset["log_count"] = len(self.p.dataset_rows[dataset["id"]])
        return JSONResponse({"message": f"Importing {len(logs)} logs."})

    def remove_rows(self, request: Request, body: Any, fault: Any) -> Response:
        dataset = self._dataset(request)
        if dataset is None:
            return _error(404, "Not found.")
        if not (body or {}).get("is_deleting_all_logs") and not (body or {}).get("filters"):
            return _error(400, "Give is_deleting_all_logs or filters.")
        removed = len(self.p.dataset_rows[dataset["id"]])
        self.p.dataset_rows[dataset["id"]] = []
        dataset["log_count"] = 0
        return JSONResponse({"message": f"Removed {removed} logs."})

    def summary(self, request: Request, body: Any, fault: Any) -> Response:
        dataset = self._dataset(request)
        if dataset is None:
            return _error(404, "Not found.")
        rows = self.p.dataset_rows[dataset["id"]]
        return JSONResponse({"number_of_requests": len(rows), "total_cost": round(sum(r.get("cost") or 0 for r in rows), 6),
                             "total_tokens": 40 * len(rows), "avg_latency": 0.5 if rows else 0, "scores": {}})  # fmt: skip

    def evaluate(self, request: Request, body: Any, fault: Any) -> Response:
        dataset = self._dataset(request)
        if dataset is None:
            return _error(404, "Not found.")
        slugs = (body or {}).get("evaluator_slugs")  # slugs, not ids (docs `eval-reports-create`)
        if not isinstance(slugs, list) or not slugs:
            return _error(400, "Validation error", errors={"evaluator_slugs": ["This field is required."]})
        known = {e["evaluator_slug"] for e in self.p.evaluators.values()}
        missing = [s for s in slugs if s not in known]
        if missing:
            return _error(400, f"Evaluator {missing[0]} not found.")
        runs = [{"task_id": uuid.uuid4().hex[:8], "name": f"Eval {s}", "evaluator_slug": s, "status": "running",
                 "started_at": iso_now(), "completed_at": None, "error_message": None, "evaluated_logs_count": 0,
                 "score": None} for s in slugs]  # fmt: skip
        self.eval_runs.setdefault(dataset["id"], [])[:0] = runs
        return JSONResponse(
            {"message": "Evaluation started", "task_ids": [r["task_id"] for r in runs]}, status_code=201
        )

    def eval_runs_list(self, request: Request, body: Any, fault: Any) -> Response:
        if self._dataset(request) is None:
            return _error(404, "Not found.")
        page = self.p._page(request, self.eval_runs.get(request.path_params["dataset_id"], []))
        return page if isinstance(page, Response) else JSONResponse(page)

    # -- evaluators ---------------------------------------------------------------------------

    def _evaluator(self, request: Request) -> dict[str, Any] | None:
        return self.p.evaluators.get(request.path_params["evaluator_id"].split(":")[0])

    def update_evaluator(self, request: Request, body: Any, fault: Any) -> Response:
        evaluator = self._evaluator(request)
        if evaluator is None:
            return _error(404, "Not found.")
        if evaluator.get("is_read_only"):
            return _error(400, "Only the draft version can be edited.")
        if evaluator["type"] == "llm" and "llm_config" in (body or {}):
            config = body["llm_config"] or {}
            if not (config.get("model") and config.get("evaluator_definition")):  # a partial config loses the rest
                return _error(400, "Validation error",
                              errors={"llm_config": ["model and evaluator_definition are required."]})  # fmt: skip
        evaluator.update(body or {})
        evaluator["updated_at"] = iso_now()
        return JSONResponse(evaluator)

    def delete_evaluator(self, request: Request, body: Any, fault: Any) -> Response:
        evaluator = self._evaluator(request)
        if evaluator is None:
            return _error(404, "Not found.")
        del self.p.evaluators[evaluator["id"]]
        return Response(status_code=NO_CONTENT)

    def evaluator_versions(self, request: Request, body: Any, fault: Any) -> Response:
        evaluator = self._evaluator(request)
        if evaluator is None:
            return _error(404, "Not found.")
        history = self.evaluator_history.setdefault(evaluator["id"], [])
        if request.method == "GET":
            current = {"version": evaluator.get("version", 0), "is_read_only": bool(evaluator.get("is_read_only")),
                       "version_description": evaluator.get("version_description"), "created_at": iso_now()}  # fmt: skip
            page = self.p._page(request, [current, *history][::-1] if history else [current])
            return page if isinstance(page, Response) else JSONResponse(page)
        if evaluator.get("is_read_only"):
            return _error(400, "There is no draft to commit.")
        number = int(evaluator.get("version") or 0) + 1
        committed = {"version": number, "is_read_only": True, "version_description": (body or {}).get("version_description"),
                     "created_at": iso_now()}  # fmt: skip
        history.append(committed)
        evaluator["version"] = number  # the new draft is the next number; the committed one is read-only
        return JSONResponse({**evaluator, **committed, "id": evaluator["id"]}, status_code=201)

    # -- experiments --------------------------------------------------------------------------

    def delete_experiment(self, request: Request, body: Any, fault: Any) -> Response:
        if self.p.experiments.pop(request.path_params["experiment_id"], None) is None:
            return _error(404, "Not found.")
        self.p.experiment_rows.pop(request.path_params["experiment_id"], None)
        return Response(status_code=NO_CONTENT)

    def experiment_row(self, request: Request, body: Any, fault: Any) -> Response:
        rows = self.p.experiment_rows.get(request.path_params["experiment_id"])
        if rows is None:
            return _error(404, "Not found.")
        row = next((r for r in rows if r["id"] == request.path_params["row_id"]), None)
        if row is None:
            return _error(404, "Not found.")
        tree = [{"span_name": "experiment.workflow", "log_type": "workflow", "children": [
            {"span_name": "completion", "log_type": "chat", "model": "gpt-4o-mini", "children": []},
            {"span_name": "relevance.llm_eval", "log_type": "task", "children": []}]}]  # fmt: skip
        return JSONResponse({**row, "expected_output": f"Expected {row['comparison_key']}", "span_tree": tree})

    # -- workflows ----------------------------------------------------------------------------

    def _workflow(self, request: Request) -> dict[str, Any] | None:
        return find_workflow(self.p, request.path_params["workflow_id"])

    def _family(self, request: Request) -> dict[str, Any] | None:
        """Commits and deployments take the family id (`workflow_id`), not a version's `id`."""
        given = request.path_params["workflow_id"]
        return next((w for w in self.p.workflows.values() if w.get("workflow_id") == given), None)

    @staticmethod
    def _bad_tasks(tasks: Any) -> str | None:
        if not isinstance(tasks, list):
            return "tasks must be a list."
        ids = [t.get("id") for t in tasks if isinstance(t, dict)]
        if len(ids) != len(tasks) or not all(ids):
            return "Every task needs an id."
        if any(t.get("next") and t["next"] not in ids for t in tasks):
            return "A task's next names no task."
        return None

    def create_workflow(self, request: Request, body: Any, fault: Any) -> Response:
        body = body if isinstance(body, dict) else {}
        if body.get("type") not in WORKFLOW_TYPES:
            return _error(400, "Validation error", errors={"type": [f"Must be one of {sorted(WORKFLOW_TYPES)}."]})
        problem = self._bad_tasks(body.get("tasks", []))
        if problem:
            return _error(400, problem)
        workflow_id = "wf_" + uuid.uuid4().hex[:8]
        self.p.workflows[workflow_id] = {
            "id": workflow_id, "workflow_id": "wff_" + workflow_id[3:], "version": 0, "name": body.get("name") or "",
            "description": body.get("description", ""), "type": body["type"],
            "trigger_event_type": body.get("trigger_event_type"), "tasks": body.get("tasks", []),
            "is_enabled": False, "is_read_only": False, "deployed_version": None, "created_at": iso_now(),
        }  # fmt: skip
        return JSONResponse(self.p.workflows[workflow_id], status_code=201)

    def update_workflow(self, request: Request, body: Any, fault: Any) -> Response:
        workflow = self._workflow(request)
        if workflow is None:
            return _error(404, "Not found.")
        if workflow.get("is_read_only"):
            return _error(400, "Only the draft version can be edited.")
        if "tasks" in (body or {}) and (problem := self._bad_tasks(body["tasks"])):
            return _error(400, problem)
        workflow.update({k: v for k, v in (body or {}).items() if k in ("name", "description", "trigger_event_type",
                                                                         "tasks", "is_starred")})  # fmt: skip
        return JSONResponse(workflow)

    def workflow_versions(self, request: Request, body: Any, fault: Any) -> Response:
        workflow = self._workflow(request)
        if workflow is None:
            return _error(404, "Not found.")
        history = self.workflow_history.get(workflow["id"], [])
        page = self.p._page(request, history[::-1])
        return page if isinstance(page, Response) else JSONResponse(page)

    def commit_workflow(self, request: Request, body: Any, fault: Any) -> Response:
        workflow = self._family(request)
        if workflow is None:
            return _error(404, "Not found.")
        history = self.workflow_history.setdefault(workflow["id"], [])
        number = len(history) + 1
        history.append({"version": number, "is_read_only": True, "description": (body or {}).get("description"),
                        "created_at": iso_now(), "tasks": workflow.get("tasks")})  # fmt: skip
        return JSONResponse({**workflow, "version": number, "is_read_only": True}, status_code=201)

    def deployments(self, request: Request, body: Any, fault: Any) -> Response:
        workflow = self._family(request)
        if workflow is None:
            return _error(404, "Not found.")
        if request.method == "DELETE":
            workflow.update({"is_enabled": False, "deployed_version": None})
            return Response(status_code=NO_CONTENT)
        history = self.workflow_history.get(workflow["id"], [])
        wanted = (body or {}).get("version")
        chosen = next((v for v in history if v["version"] == wanted), None) if wanted is not None else (
            history[-1] if history else None)  # fmt: skip
        if chosen is None:
            return _error(404, "Committed version not found")
        workflow.update({"is_enabled": True, "deployed_version": chosen["version"]})
        return JSONResponse(workflow, status_code=201)

    def validate(self, request: Request, body: Any, fault: Any) -> Response:
        workflow = self._workflow(request)
        if workflow is None:
            return _error(404, "Not found.")
        self.validations.append({"workflow_id": workflow["id"], **(body or {})})
        results = {t["id"]: {"status": "success", "output": {"type": t["type"]}} for t in workflow.get("tasks") or []}
        return JSONResponse({"status": "completed", "validation": {}, "task_results": results, "is_all_passed": True})


def install(platform: Platform) -> Edits:
    edits = Edits(platform)
    add = platform.fake._add
    add("/api/prompts/{prompt_id}/", edits.update_prompt, ["PATCH"])
    add("/api/datasets/{dataset_id}/", edits.update_dataset, ["PATCH"])
    add("/api/datasets/{dataset_id}/", edits.delete_dataset, ["DELETE"])
    # Named sub-paths first: `import` or `summary` must never be taken for a row id.
    add("/api/datasets/{dataset_id}/logs/delete/", edits.remove_rows, ["DELETE"])  # docs `logs-remove`
    add("/api/datasets/{dataset_id}/logs/summary/", edits.summary, ["POST"])
    add("/api/datasets/{dataset_id}/logs/{row_id}/", edits.get_row, ["GET"])
    add("/api/datasets/{dataset_id}/logs/{row_id}/", edits.update_row, ["PATCH"])
    add("/api/datasets/{dataset_id}/logs/{row_id}/", edits.delete_row, ["DELETE"])
    add("/api/datasets/{dataset_id}/eval-reports/create/", edits.evaluate, ["POST"])
    add("/api/datasets/{dataset_id}/eval-reports/list/", edits.eval_runs_list, ["GET"])
    add("/api/evaluators/{evaluator_id}/", edits.update_evaluator, ["PATCH"])
    add("/api/evaluators/{evaluator_id}/", edits.delete_evaluator, ["DELETE"])
    add("/api/evaluators/{evaluator_id}/versions/", edits.evaluator_versions, ["GET", "POST"])
    add("/api/v2/experiments/{experiment_id}/", edits.delete_experiment, ["DELETE"])
    add("/api/v2/experiments/{experiment_id}/logs/{row_id}/", edits.experiment_row, ["GET"])
    add("/api/workflows/", edits.create_workflow, ["POST"])
    add("/api/workflows/{workflow_id}/", edits.update_workflow, ["PATCH"])
    add("/api/workflows/{workflow_id}/versions/", edits.workflow_versions, ["GET"])
    add("/api/workflows/{workflow_id}/commits/", edits.commit_workflow, ["POST"])
    add("/api/workflows/{workflow_id}/deployments/", edits.deployments, ["POST", "DELETE"])
    add("/api/workflows/{workflow_id}/validations/", edits.validate, ["POST"])
    return edits
