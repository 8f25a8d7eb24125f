"""Respan calls for datasets, evaluators, experiments (v2) and workflows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from respan_mcp.logs.api import results
from respan_mcp.paths import api_path

if TYPE_CHECKING:
    from respan_mcp.respan import RespanClient

MAX_SCORED_ROWS = 1000  # rows read to average an experiment's scores (the backend's own summary is unreliable)


LIST_PATHS = {"datasets": "datasets/list/", "evaluators": "evaluators/list/", "experiments": "v2/experiments/list/",
              "workflows": "workflows/list/"}  # fmt: skip
GET_PATHS = {"datasets": "datasets/{id}/", "evaluators": "evaluators/{id}/", "experiments": "v2/experiments/{id}/",
             "workflows": "workflows/{id}/"}  # fmt: skip


async def list_page(
    client: RespanClient, kind: str, page: int, limit: int, what: str, filters: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], int]:
    """One page of datasets, evaluators, experiments or workflows (their lists are POSTs with filters)."""
    params = {"page": page, "page_size": limit}
    body = {"filters": filters or {}}
    data = await client.request("POST", LIST_PATHS[kind], params=params, json_body=body, read=True, what=what)
    return results(data)


async def get(client: RespanClient, kind: str, item_id: str) -> dict[str, Any]:
    data = await client.request("GET", api_path(GET_PATHS[kind], id=item_id), what=f"{kind[:-1]} {item_id[:80]!r}")
    return data if isinstance(data, dict) else {}


async def dataset_rows(client: RespanClient, dataset_id: str, limit: int) -> tuple[list[dict[str, Any]], int]:
    path = api_path("datasets/{id}/logs/list/", id=dataset_id)
    data = await client.request(
        "POST",
        path,
        params={"page": 1, "page_size": limit},
        json_body={"filters": {}},
        read=True,
        what=f"rows of dataset {dataset_id[:80]!r}",
    )
    return results(data)


async def _write(client: RespanClient, path: str, body: dict[str, Any], what: str) -> dict[str, Any]:
    """One POST that creates or runs something (never retried: it may not be idempotent)."""
    data = await client.request("POST", path, json_body=body, read=False, what=what)
    return data if isinstance(data, dict) else {}


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


async def create_experiment(client: RespanClient, body: dict[str, Any]) -> dict[str, Any]:
    return await _write(client, "v2/experiments/", body, "create_experiment")


async def experiment_rows(
    client: RespanClient, experiment_id: str, page: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    path = api_path("v2/experiments/{id}/logs/list/", id=experiment_id)
    data = await client.request(
        "POST",
        path,
        params={"page": page, "page_size": limit},
        json_body={"filters": {}},
        read=True,
        what=f"rows of experiment {experiment_id[:80]!r}",
    )
    return results(data)


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
