"""What Claude Code's model receives from respan-mcp, with the real CLI (issue 18).

Claude Code hands its model the structuredContent as JSON whenever a result has one; this runs `claude -p`
against a fake Messages API (tests/clients/claude_code.py) and checks that what the model got is our
structured result, standing alone: the next steps, within budget. Skips where the npm tools are not
installed (`python tests/interop/node_tools.py`, which `.ci/run` does).
"""

from __future__ import annotations

import json

import pytest

from tests.interop import node_tools

pytestmark = pytest.mark.skipif(not node_tools.installed(), reason="Node 22 + Claude Code CLI not installed")


def test_claude_codes_model_reads_the_structured_result_standing_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.clients.claude_code import run, text_of

    monkeypatch.setenv("PATH", node_tools.node_env()["PATH"])
    script = [("search_logs", {"since": "7d", "limit": 20}), ("create_prompt", {"name": "From Claude Code"})]
    received = {
        item["tool"]: json.loads(text_of(item["content"])) for item in run(str(node_tools.claude_cli()), script)
    }
    page = received["search_logs"]
    assert page["logs"]["columns"][0] == "id" and len(page["logs"]["rows"]) == 20
    assert any("get_log(" in step for step in page["next"]) and page["next_cursor"]
    assert len(json.dumps(page, separators=(",", ":"))) < 4_000  # 20 logs: about 2,850 characters
    assert any("create_prompt_version(" in step for step in received["create_prompt"]["next"])
