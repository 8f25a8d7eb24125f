"""Respan calls for datasets, evaluators, experiments (v2) and workflows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from respan_mcp.errors import RespanError
from respan_mcp.logs.api import results
from respan_mcp.output import mapping
from respan_mcp.paths import api_path

if TYPE_CHECKING:
    from respan_mcp.respan import RespanClient

MAX_SCORED_ROWS = 1000  # rows read to average an experiment's scores (the backend's own summary is unreliable)


LIST_PATHS = {"datasets": "datasets/list/", "experiments": "v2/experiments/list/", "workflows": "workflows/list/"}
ITEM_PATHS = {"datasets": "datasets/{id}/", "evaluators": "evaluators/{id}/", "experiments": "v2/experiments/{id}/",
             "workflows": "workflows/{id}/"}  # fmt: skip


# -- one operation, two forms: the docs' first, the SDK's or the official server's once if refused ----------

Form = tuple[str, str, "dict[str, Any] | None", "dict[str, Any] | None"]  # method, path, query, body
_WORKED: dict[str, int] = {}  # operation -> the form that last worked (tried first from then on)


def _form_refused(exc: RespanError) -> bool:
    """A 404/405, or a 400 naming a field the endpoint does not know: this form is not the API's."""
    if exc.status in (404, 405):
        return True
    said = f"{exc.detail or ''} {exc.message}".lower()
    return exc.status == 400 and any(
        w in said for w in ("unknown field", "unexpected field", "not allowed", "unrecognized")
    )


async def either(client: RespanClient, operation: str, forms: list[Form], what: str, *, read: bool = False) -> Any:
    """The answer of the first form the API takes; which one worked is remembered for the process."""
    first = _WORKED.get(operation, 0)
    order = [first, *(i for i in range(len(forms)) if i != first)][:2]  # the other form once, no more
    refused: RespanError | None = None
    for i in order:
        method, path, query, body = forms[i]
        try:
            data = await client.request(method, path, params=query, json_body=body, read=read, what=what)
        except RespanError as exc:
            if not _form_refused(exc):
                raise
            refused = refused or exc
            continue
        _WORKED[operation] = i
        return data
    assert refused is not None
    raise refused


async def list_page(
    client: RespanClient, kind: str, page: int, limit: int, what: str, filters: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], int]:
    """One page of datasets, evaluators, experiments or workflows (their lists are POSTs with filters, except
    evaluators: `GET /evaluators/` with query filters in the docs, the POST list in older SDKs)."""
    params = {"page": page, "page_size": limit}
    if kind == "evaluators":
        query = {**params, **{k: v for k, v in (filters or {}).items() if isinstance(v, (str, int, bool))}}
        forms: list[Form] = [("GET", "evaluators/", query, None),
                             ("POST", "evaluators/list/", params, {"filters": filters or {}})]  # fmt: skip
        return results(await either(client, "list_evaluators", forms, what, read=True))
    body = {"filters": filters or {}}
    data = await client.request("POST", LIST_PATHS[kind], params=params, json_body=body, read=True, what=what)
    return results(data)


async def get(client: RespanClient, kind: str, item_id: str) -> dict[str, Any]:
    data = await client.request("GET", api_path(ITEM_PATHS[kind], id=item_id), what=f"{kind[:-1]} {item_id[:80]!r}")
    return data if isinstance(data, dict) else {}


async def dataset_rows(
    client: RespanClient, dataset_id: str, page: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    path = api_path("datasets/{id}/logs/list/", id=dataset_id)
    return await page_of(client, path, page, limit, f"rows of dataset {dataset_id[:80]!r}")


async def _write(client: RespanClient, path: str, body: dict[str, Any], what: str) -> dict[str, Any]:
    """One POST that creates or runs something (never retried: it may not be idempotent)."""
    return await _call(client, "POST", path, what, body)


async def create_dataset(client: RespanClient, body: dict[str, Any]) -> dict[str, Any]:
    return await _write(client, "datasets/", body, "create_dataset")


async def add_dataset_rows(client: RespanClient, dataset_id: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Bulk add; partial success is allowed, so the answer's errors are reported, not raised."""
    path = api_path("datasets/{id}/logs/bulk/", id=dataset_id)
    return await _write(client, path, {"logs": rows}, "add_dataset_rows")


async def create_evaluator(client: RespanClient, body: dict[str, Any]) -> dict[str, Any]:
    return await _write(client, "evaluators/", body, "create_evaluator")


async def run_evaluator(client: RespanClient, evaluator_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return await _write(client, api_path("evaluators/{id}/run/", id=evaluator_id), {"inputs": inputs}, "run_evaluator")


async def create_experiment(
    client: RespanClient, body: dict[str, Any], evaluators: list[str], pipelines: list[str]
) -> dict[str, Any]:
    """Scored by evaluators: the docs' `{workflows, evaluator_slugs}`, else the SDK's `{workflow,
    evaluator_slugs}`; by evaluation pipelines: the official server's `{workflow, evaluator_workflow_ids}`."""
    steps = body.pop("workflow")
    if pipelines:
        return await _write(client, "v2/experiments/", {**body, "workflow": steps, "evaluator_workflow_ids": pipelines},
                            "create_experiment")  # fmt: skip
    slugs = await evaluator_slugs(client, evaluators)
    forms: list[Form] = [
        ("POST", "v2/experiments/", None, {**body, "workflows": steps, "evaluator_slugs": slugs}),
        ("POST", "v2/experiments/", None, {**body, "workflow": steps, "evaluator_slugs": slugs}),
    ]
    return mapping(await either(client, "create_experiment", forms, "create_experiment"))


async def experiment_rows(
    client: RespanClient, experiment_id: str, page: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    path = api_path("v2/experiments/{id}/logs/list/", id=experiment_id)
    return await page_of(client, path, page, limit, f"rows of experiment {experiment_id[:80]!r}")


async def all_experiment_rows(client: RespanClient, experiment_id: str) -> tuple[list[dict[str, Any]], int]:
    """Every row (up to MAX_SCORED_ROWS), paging until `next` runs out."""
    rows: list[dict[str, Any]] = []
    page, total = 1, 0
    while len(rows) < MAX_SCORED_ROWS:
        batch, total = await experiment_rows(client, experiment_id, page, 100)
        rows += batch
        if not batch or len(rows) >= total:
            break
        page += 1
    return rows, total


# -- edits and deletes (never retried: a repeat could act twice) ----------------------------------------------


async def _call(client: RespanClient, method: str, path: str, what: str, body: Any = None) -> dict[str, Any]:
    data = await client.request(method, path, json_body=body, read=False, what=what)
    return data if isinstance(data, dict) else {}


async def update(client: RespanClient, kind: str, item_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return await _call(client, "PATCH", api_path(ITEM_PATHS[kind], id=item_id), f"update_{kind[:-1]}", body)


async def delete(client: RespanClient, kind: str, item_id: str) -> None:
    await _call(client, "DELETE", api_path(ITEM_PATHS[kind], id=item_id), f"delete_{kind[:-1]}")


async def page_of(
    client: RespanClient, path: str, page: int, limit: int, what: str, *, post: bool = True
) -> tuple[list[dict[str, Any]], int]:
    """One page of a sub-list (a dataset's rows, an evaluator's versions, ...)."""
    params = {"page": page, "page_size": limit}
    if post:
        data = await client.request("POST", path, params=params, json_body={"filters": {}}, read=True, what=what)
    else:
        data = await client.request("GET", path, params=params, what=what)
    return results(data)


async def dataset_row(client: RespanClient, dataset_id: str, row_id: str) -> dict[str, Any]:
    path = api_path("datasets/{id}/logs/{row}/", id=dataset_id, row=row_id)
    data = await client.request("GET", path, what=f"row {row_id[:80]!r} of dataset {dataset_id[:80]!r}")
    return data if isinstance(data, dict) else {}


async def update_dataset_row(
    client: RespanClient, dataset_id: str, row_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    path = api_path("datasets/{id}/logs/{row}/", id=dataset_id, row=row_id)
    return await _call(client, "PATCH", path, "update_dataset_row", body)


async def delete_dataset_row(client: RespanClient, dataset_id: str, row_id: str) -> None:
    await _call(
        client, "DELETE", api_path("datasets/{id}/logs/{row}/", id=dataset_id, row=row_id), "remove_dataset_rows"
    )


async def remove_all_dataset_rows(client: RespanClient, dataset_id: str) -> dict[str, Any]:
    """A DELETE with a JSON body: `logs/delete/` (docs), else `logs/import/` (SDK, official server)."""
    body = {"is_deleting_all_logs": True}
    forms: list[Form] = [("DELETE", api_path(p, id=dataset_id), None, body)
                         for p in ("datasets/{id}/logs/delete/", "datasets/{id}/logs/import/")]  # fmt: skip
    return mapping(await either(client, "remove_dataset_rows", forms, "remove_dataset_rows"))


async def import_dataset_rows(client: RespanClient, dataset_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Logs of a time range into a dataset: `logs/bulk/` with the range (docs), else `logs/import/` (SDK)."""
    forms: list[Form] = [("POST", api_path(p, id=dataset_id), None, body)
                         for p in ("datasets/{id}/logs/bulk/", "datasets/{id}/logs/import/")]  # fmt: skip
    return mapping(await either(client, "import_dataset_rows", forms, "import_dataset_rows"))


async def dataset_summary(client: RespanClient, dataset_id: str) -> dict[str, Any]:
    path = api_path("datasets/{id}/logs/summary/", id=dataset_id)
    data = await client.request("POST", path, json_body={"filters": {}}, read=True, what="dataset summary")
    return data if isinstance(data, dict) else {}


async def evaluator_slugs(client: RespanClient, given: list[str]) -> list[str]:
    """Slugs for evaluators given by id or by slug (scoring takes slugs: docs `eval-reports-create`)."""
    slugs = []
    for value in given:
        try:
            evaluator = await get(client, "evaluators", value)
        except RespanError as exc:
            if exc.status != 404:
                raise
            evaluator = {}  # not an id: taken as a slug
        slugs.append(str(evaluator.get("evaluator_slug") or value))
    return slugs


async def evaluate_dataset(client: RespanClient, dataset_id: str, evaluators: list[str]) -> dict[str, Any]:
    path = api_path("datasets/{id}/eval-reports/create/", id=dataset_id)
    slugs = await evaluator_slugs(client, evaluators)
    forms: list[Form] = [
        ("POST", path, None, {"evaluator_slugs": slugs}),
        ("POST", path, None, {"evaluator_ids": slugs}),
    ]
    return mapping(await either(client, "evaluate_dataset", forms, "evaluate_dataset"))


async def commit_evaluator(client: RespanClient, evaluator_id: str, note: str | None) -> dict[str, Any]:
    body = {"version_description": note} if note else {}
    return await _write(client, api_path("evaluators/{id}/versions/", id=evaluator_id), body, "commit_evaluator")


async def experiment_row(client: RespanClient, experiment_id: str, row_id: str) -> dict[str, Any]:
    path = api_path("v2/experiments/{id}/logs/{row}/", id=experiment_id, row=row_id)
    data = await client.request("GET", path, what=f"row {row_id[:80]!r} of experiment {experiment_id[:80]!r}")
    return data if isinstance(data, dict) else {}


async def create_workflow(client: RespanClient, body: dict[str, Any]) -> dict[str, Any]:
    return await _write(client, "workflows/", body, "create_workflow")


async def workflow_family(client: RespanClient, given: str) -> str:
    """The family id (`workflow_id`) that commits and deployments take, from either id (GET accepts both)."""
    workflow = await get(client, "workflows", given)
    return str(workflow.get("workflow_id") or given)


async def commit_workflow(client: RespanClient, workflow_id: str, note: str | None) -> dict[str, Any]:
    body = {"description": note} if note else {}
    return await _write(client, api_path("workflows/{id}/commits/", id=workflow_id), body, "commit_workflow")


async def deploy_workflow(
    client: RespanClient, workflow_id: str, version: int | None, undeploy: bool
) -> dict[str, Any]:
    path = api_path("workflows/{id}/deployments/", id=workflow_id)
    if undeploy:
        return await _call(client, "DELETE", path, "deploy_workflow(undeploy=true)")
    return await _write(client, path, {"version": version} if version is not None else {}, "deploy_workflow")


async def validate_workflow(client: RespanClient, workflow_id: str, log_id: str | None) -> dict[str, Any]:
    path = api_path("workflows/{id}/validations/", id=workflow_id)
    return await _write(client, path, {"log_id": log_id} if log_id else {}, "validate_workflow")


async def annotate_log(client: RespanClient, log_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return await _call(client, "PATCH", api_path("request-logs/{id}/", id=log_id), "annotate_log", body)
