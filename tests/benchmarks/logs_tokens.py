"""Token size of what a model reads for the same 20 logs: search_logs vs. the official server's format.

The official server returns the API page as JSON with 2-space indentation (filters_data removed).
Compared twice: projected to the same columns search_logs shows (a like-for-like page), and the
page as the list endpoint returns it by default. Tokens are estimated at 4 characters each
(no tokenizer can be downloaded here); the ratio is what matters.
    python tests/benchmarks/logs_tokens.py
"""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import mkdtemp

import anyio
import httpx
from _common import ROOT  # noqa: F401 - puts the project on sys.path
from mcp import Client

from respan_mcp.config import Settings
from respan_mcp.logs.tools import TABLE_FIELDS
from respan_mcp.output import estimate_tokens
from respan_mcp.server import create_server
from tests.fake_respan import API_KEY, FakeRespan


async def main() -> None:
    fake = FakeRespan()
    settings = Settings(api_key=API_KEY, base_url="http://fake/api", cache_dir=Path(mkdtemp()), toolsets=["logs"])
    async with Client(create_server(settings, transport=fake.transport())) as client:
        result = await client.call_tool("search_logs", {"since": "7d", "limit": 20})
    ours = result.content[0].text  # type: ignore[union-attr]
    # What Claude Code hands its model: the structured result as compact JSON (issue 18).
    structured = json.dumps(result.structured_content, ensure_ascii=False, separators=(",", ":"))
    window = result.structured_content or {}
    query = {"start_time": window["start_time"], "end_time": window["end_time"], "page": 1, "page_size": 20,
             "sort_by": "-id", "is_test": "false"}  # fmt: skip
    async with httpx.AsyncClient(transport=fake.transport(), base_url="http://fake") as http:
        headers = {"Authorization": f"Bearer {API_KEY}"}
        body = {"filters": {}, "operator": "AND"}
        same = (await http.post("/api/request-logs/list/", params={**query, "include_fields": ",".join(TABLE_FIELDS)},
                                json=body, headers=headers)).json()  # fmt: skip
        full = (await http.post("/api/request-logs/list/", params=query, json=body, headers=headers)).json()
    for page in (same, full):
        page.pop("filters_data", None)
    theirs_same = json.dumps(same, indent=2)
    theirs_full = json.dumps(full, indent=2)
    print("20 logs, estimated tokens (characters / 4):")
    print(f"  search_logs text:                          {estimate_tokens(ours):6,} ({len(ours):,} chars)")
    print(f"  search_logs structured (Claude Code):      {estimate_tokens(structured):6,} ({len(structured):,} chars)"
          f"  -> {len(structured) / len(theirs_same):.0%} of the official same-columns page")  # fmt: skip
    print(f"  official, same columns (JSON, indent 2):   {estimate_tokens(theirs_same):6,}"
          f"  -> ours is {len(ours) / len(theirs_same):.0%}")  # fmt: skip
    print(f"  official, default page (JSON, indent 2):   {estimate_tokens(theirs_full):6,}"
          f"  -> ours is {len(ours) / len(theirs_full):.0%}")  # fmt: skip


if __name__ == "__main__":
    anyio.run(main)
