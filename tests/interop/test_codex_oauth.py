"""OAuth with Codex's own client (issue 20): `codex mcp login` against respan-mcp, end to end.

Codex (Rust, from npm) discovers our metadata, registers, opens "the browser" (`BROWSER`: our scripted person,
tests/clients/browser_cli.py, who signs in with an API key), takes the code at its loopback callback and stores
the tokens. `codex mcp list` then reports the server as signed in with OAuth, and the token it stored opens our
MCP endpoint. (Calling a tool through Codex needs a fake of OpenAI's Responses API, not built.) Skips where the
npm tools are not installed.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.clients.browser_cli import browser_script
from tests.clients.server_process import running_http_server
from tests.fake_respan import API_KEY
from tests.interop import node_tools

pytestmark = pytest.mark.skipif(not node_tools.codex_cli().exists(), reason="Codex CLI (npm) not installed")


def test_codex_signs_in_with_oauth_and_its_token_opens_the_server(tmp_path: Path) -> None:
    home = tmp_path / "codex"
    home.mkdir()
    codex_env = dict(node_tools.node_env(), CODEX_HOME=str(home), HOME=str(home), BROWSER=str(browser_script(tmp_path)),
                     RESPAN_TEST_SIGN_IN_KEY=API_KEY, RESPAN_TEST_BROWSER_LOG=str(tmp_path / "browser.log"))  # fmt: skip
    codex = str(node_tools.codex_cli())
    with running_http_server(tmp_path, RESPAN_MCP_OAUTH_SECRET="a-secret-for-the-codex-sign-in-0123456789") as (url, _):
        (home / "config.toml").write_text(f'[mcp_servers.respan]\nurl = "{url}/mcp"\n')
        login = subprocess.run([codex, "mcp", "login", "respan"], env=codex_env, capture_output=True, text=True,
                               timeout=120)  # fmt: skip
        listed = subprocess.run([codex, "mcp", "list"], env=codex_env, capture_output=True, text=True, timeout=60)
        stored = json.loads((home / ".credentials.json").read_text())
        entry = next(iter(stored.values()))
        answer = httpx.post(url + "/mcp", headers={"Authorization": f"Bearer {entry['access_token']}",
                            "Accept": "application/json, text/event-stream"}, timeout=10,
                            json={"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                  "params": {"name": "list_prompts", "arguments": {}}})  # fmt: skip
    assert "Successfully logged in" in login.stdout + login.stderr, login.stdout + login.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith("respan"))
    assert row.split()[-1] == "OAuth", listed.stdout
    assert entry["issuer"] == url and entry["access_token"].startswith("rmcp_at_")
    assert entry["refresh_token"].startswith("rmcp_rt_") and API_KEY not in json.dumps(stored)
    assert answer.status_code == 200 and "prompt(s)" in answer.text
    assert (tmp_path / "browser.log").read_text().startswith("303 http://127.0.0.1:")
