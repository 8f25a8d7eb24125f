"""The MCP Inspector CLI, a client no one here wrote, against respan-mcp over stdio and HTTP.

Runs where the interop tools are installed (`python tests/interop/node_tools.py`, which
`.ci/run` does); skips cleanly elsewhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from respan_mcp.http_app import build_http_app, http_settings
from respan_mcp.server import create_server
from tests.conftest import ROOT, make_settings
from tests.fake_respan import API_KEY, FakeRespan, Served, serve
from tests.interop import node_tools

pytestmark = pytest.mark.skipif(not node_tools.installed(), reason="Node 22 + MCP Inspector not installed")
SITE = ROOT / "tests" / "docs_site"


def inspector(*args: str, target: list[str], env: dict[str, str] | None = None) -> Any:
    command = [str(node_tools.node_bin()), str(node_tools.inspector_js()), "--cli", *target, *args]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, env={**node_tools.node_env(), **(env or {})},
                         check=False)  # fmt: skip
    assert run.returncode == 0, (run.returncode, run.stdout[-2000:], run.stderr[-2000:])
    return json.loads(run.stdout), run.stderr


@pytest.fixture(scope="module")
def fake_url() -> Iterator[str]:
    served = serve(FakeRespan().app)
    yield served.url
    served.stop()


@pytest.fixture(scope="module")
def stdio_target(fake_url: str, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    cache = tmp_path_factory.mktemp("inspector-cache")
    env = {"RESPAN_API_KEY": API_KEY, "RESPAN_BASE_URL": fake_url, "RESPAN_MCP_CACHE_DIR": str(cache),
           "RESPAN_DOCS_SOURCE": str(SITE), "RESPAN_CREDENTIALS_FILE": str(cache / "none.json")}  # fmt: skip
    flags = [item for key, value in env.items() for item in ("-e", f"{key}={value}")]
    return [*flags, sys.executable, "-m", "respan_mcp"]


@pytest.fixture(scope="module")
def http_target(fake_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    cache = tmp_path_factory.mktemp("inspector-http")
    settings = http_settings(make_settings(cache, base_url=fake_url, api_key=None, docs_source=str(SITE)))
    served: Served = serve(build_http_app(create_server(settings), settings))
    yield [served.url + "/mcp", "--header", f"Authorization: Bearer {API_KEY}"]
    served.stop()


@pytest.fixture(params=["stdio", "http"])
def target(request: pytest.FixtureRequest) -> list[str]:
    return request.getfixturevalue(f"{request.param}_target")  # type: ignore[no-any-return]


def text(result: dict[str, Any]) -> str:
    assert not result.get("isError"), result
    return "\n".join(c.get("text", "") for c in result["content"])


def test_tools_list_is_strict_clean(target: list[str]) -> None:
    listed, stderr = inspector("--method", "tools/list", "--strict", target=target)
    names = {t["name"] for t in listed["tools"]}
    assert {"chat_completion", "search_docs", "render_prompt", "search_logs", "get_trace"} <= names
    assert "warning" not in stderr.lower() and "error" not in stderr.lower()


def test_calls_one_tool_per_capability(target: list[str]) -> None:
    chat, _ = inspector("--method", "tools/call", "--tool-name", "chat_completion", "--tool-arg", "model=gpt-4o-mini",
                        "--tool-arg", 'messages=[{"role":"user","content":"hi inspector"}]', target=target)  # fmt: skip
    assert text(chat).startswith("Echo: hi inspector")
    docs, _ = inspector("--method", "tools/call", "--tool-name", "search_docs", "--tool-arg", "query=disable_log",
                        target=target)  # fmt: skip
    assert "disable_log" in text(docs)
    rendered, _ = inspector("--method", "tools/call", "--tool-name", "render_prompt", "--tool-arg", "prompt_id=p_child",
                            "--tool-arg", 'variables={"customer_name":"Ann","department":"ops"}', target=target)  # fmt: skip
    assert "Customer Ann (ops)" in text(rendered)
    logs, _ = inspector("--method", "tools/call", "--tool-name", "search_logs", "--tool-arg", "since=7d",
                        "--tool-arg", "limit=3", target=target)  # fmt: skip
    assert "time | id | model" in text(logs)


def test_prompts_through_the_inspector(target: list[str]) -> None:
    listed, _ = inspector("--method", "prompts/list", target=target)
    assert "p_greet" in {p["name"] for p in listed["prompts"]}
    got, _ = inspector("--method", "prompts/get", "--prompt-name", "p_greet", "--prompt-args", "name=ines",
                       target=target)  # fmt: skip
    assert any("Hello Ines!" in m["content"]["text"] for m in got["messages"])


def test_env_is_not_leaked_to_results(stdio_target: list[str]) -> None:
    listed, _ = inspector("--method", "tools/list", target=stdio_target)
    assert API_KEY not in json.dumps(listed)
    assert os.environ.get("RESPAN_API_KEY") is None or os.environ["RESPAN_API_KEY"] not in json.dumps(listed)
