"""What Claude Code shows for respan-mcp over HTTP, by how it authenticates (issue 20), with the real CLI.

`claude mcp list` checks each configured server: with OAuth on it must say "Needs authentication" (the user
then signs in from /mcp); with OAuth off and no key, the reason Claude Code records must be ours (send your
Respan key), not a bare failed registration; with a key in the headers, "Connected". Skips where the npm tools
are not installed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.clients.server_process import spawn_http_server
from tests.fake_respan import API_KEY, FakeRespan, serve
from tests.interop import node_tools
from tests.interop.run_conformance import free_port, wait_ready

pytestmark = pytest.mark.skipif(not node_tools.installed(), reason="Node 22 + Claude Code CLI not installed")


def test_claude_code_shows_sign_in_with_oauth_and_our_reason_without(tmp_path: Path) -> None:
    fake = FakeRespan()
    backend = serve(fake.app)
    with_oauth, without = free_port(), free_port()
    servers = [spawn_http_server(tmp_path, backend.url, with_oauth, RESPAN_MCP_OAUTH_SECRET="claude-code-check-secret-0123456789"),
               spawn_http_server(tmp_path, backend.url, without)]  # fmt: skip
    home = tmp_path / "home"
    home.mkdir()
    env = dict(node_tools.node_env(), HOME=str(home), ANTHROPIC_API_KEY="sk-ant-not-used")
    claude = str(node_tools.claude_cli())
    try:
        for port in (with_oauth, without):
            wait_ready(f"http://127.0.0.1:{port}/healthz")
        for name, port, extra in (("with-oauth", with_oauth, []), ("without-oauth", without, []),
                                  ("with-key", without, ["--header", f"Authorization: Bearer {API_KEY}"])):  # fmt: skip
            subprocess.run([claude, "mcp", "add", "--scope", "user", "--transport", "http", name,
                            f"http://127.0.0.1:{port}/mcp", *extra], env=env, cwd=tmp_path, check=True,
                           capture_output=True)  # fmt: skip
        listed = subprocess.run([claude, "mcp", "list"], env=env, cwd=tmp_path, capture_output=True, text=True,
                                timeout=120).stdout  # fmt: skip
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        backend.stop()
    status = {line.split(":", 1)[0]: line for line in listed.splitlines() if ": http" in line}
    assert "Needs authentication" in status["with-oauth"], listed
    assert "Connected" in status["with-key"], listed
    assert "Failed to connect" in status["without-oauth"], listed
    logs = "".join(p.read_text() for p in home.rglob("mcp-logs-without-oauth/*.jsonl"))
    assert "does not offer OAuth sign-in" in logs and "Authorization: Bearer <your Respan API key>" in logs
