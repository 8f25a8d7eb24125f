"""Token size of what a model reads from the evals tools vs. the official server's format for the same call.

The official server answers each of these with the API's JSON, indented by 2 (its `JSON.stringify(data,
null, 2)`). Tokens are estimated at 4 characters each; the ratio is what matters. Against the fake's
data (small rows), so real rows with long inputs favour us more: we clip, the official does not.
    python tests/benchmarks/evals_tokens.py
"""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

import anyio
import httpx
from _common import ROOT  # noqa: F401 - puts the project on sys.path
from mcp import Client

from respan_mcp.config import Settings
from respan_mcp.server import create_server
from tests.fake_respan import API_KEY, FakeRespan

# (our tool and arguments, the official tool's request: method, path, params, body)
CALLS: list[tuple[str, dict[str, Any], tuple[str, str, dict[str, Any], Any]]] = [
    ("list_datasets", {}, ("POST", "/api/datasets/list/", {"page": 1, "page_size": 20}, {"filters": {}})),
    ("list_dataset_rows", {"dataset_id": "ds_golden"},
     ("POST", "/api/datasets/ds_golden/logs/list/", {"page": 1, "page_size": 20}, {"filters": {}})),
    ("get_evaluator", {"evaluator_id": "evl_relevance"}, ("GET", "/api/evaluators/evl_relevance/", {}, None)),
    ("get_experiment_results", {"experiment_id": "exp_1"},
     ("POST", "/api/v2/experiments/exp_1/logs/list/", {"page": 1, "page_size": 20}, {"filters": {}})),
    ("get_experiment_row", {"experiment_id": "exp_1", "row_id": "xl1"},
     ("GET", "/api/v2/experiments/exp_1/logs/xl1/", {}, None)),
    ("get_workflow", {"workflow_id": "wf_alert"}, ("GET", "/api/workflows/wf_alert/", {}, None)),
    ("list_customers", {"limit": 12}, ("POST", "/api/users/list/", {"page": 1, "page_size": 12}, {"filters": {}})),
]  # fmt: skip


async def main() -> None:
    fake = FakeRespan()
    settings = Settings(api_key=API_KEY, base_url="http://fake/api", cache_dir=Path(mkdtemp()), toolsets=["all"])
    print(f"{'tool':24} {'ours':>7} {'official':>9} {'ratio':>6}   (estimated tokens)")
    total_ours = total_theirs = 0
    async with (
        Client(create_server(settings, transport=fake.transport())) as client,
        httpx.AsyncClient(transport=fake.transport(), base_url="http://fake") as http,
    ):
        for tool, args, (method, path, params, body) in CALLS:
            result = await client.call_tool(tool, args)
            ours = result.content[0].text  # type: ignore[union-attr]
            answer = (await http.request(method, path, params=params, json=body,
                                         headers={"Authorization": f"Bearer {API_KEY}"})).json()  # fmt: skip
            if isinstance(answer, dict):
                answer.pop("filters_data", None)
            theirs = json.dumps(answer, indent=2)
            total_ours, total_theirs = total_ours + len(ours), total_theirs + len(theirs)
            print(f"{tool:24} {len(ours) // 4:7,} {len(theirs) // 4:9,} {len(ours) / len(theirs):6.0%}")
    print(f"{'all':24} {total_ours // 4:7,} {total_theirs // 4:9,} {total_ours / total_theirs:6.0%}")


if __name__ == "__main__":
    anyio.run(main)
