"""OAuth with the TypeScript SDK's client, through mcp-remote (issue 20), end to end.

mcp-remote is what Claude Desktop and others use to reach a remote server: it discovers our metadata, registers,
opens "the browser" (here `BROWSER`, our scripted person: tests/clients/browser_cli.py, who signs in with an API
key on the sign-in page), takes the code at its callback listener, exchanges it, and then proxies stdio to our
server with the token. A second run reuses the stored token without a browser, against another server process
on the same address (a restart, or another replica behind the balancer) that shares only the secret. Skips where the npm tools are not installed (`.ci/run` installs them).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.clients.browser_cli import browser_script
from tests.clients.server_process import spawn_http_server
from tests.fake_respan import API_KEY, FakeRespan, serve
from tests.interop import node_tools
from tests.interop.run_conformance import free_port, wait_ready

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not node_tools.mcp_remote().exists(), reason="mcp-remote (npm) not installed"),
]
SECRET = "a-secret-shared-by-both-replicas-0123456789"


def _server(tmp_path: Path, backend: str, port: int, public_url: str) -> subprocess.Popen[bytes]:
    return spawn_http_server(tmp_path, backend, port, RESPAN_MCP_OAUTH_SECRET=SECRET, RESPAN_MCP_PUBLIC_URL=public_url)


async def _through_mcp_remote(tmp_path: Path, url: str, callback_port: int) -> Any:
    browser = browser_script(tmp_path)
    env = dict(node_tools.node_env(), BROWSER=str(browser), MCP_REMOTE_CONFIG_DIR=str(tmp_path / "mcp-auth"),
               RESPAN_TEST_SIGN_IN_KEY=API_KEY, RESPAN_TEST_BROWSER_LOG=str(tmp_path / "browser.log"))  # fmt: skip
    params = StdioServerParameters(command=str(node_tools.mcp_remote()), args=[url + "/mcp", str(callback_port)],
                                   env=env)  # fmt: skip
    async with Client(stdio_client(params)) as client:
        return await client.call_tool("list_prompts", {})


async def test_mcp_remote_signs_in_and_reuses_its_token_on_another_replica(tmp_path: Path) -> None:
    fake = FakeRespan()
    backend = serve(fake.app)
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    servers = [_server(tmp_path, backend.url, port, public)]
    try:
        wait_ready(f"{public}/healthz")
        callback = free_port()
        result = await _through_mcp_remote(tmp_path, public, callback)
        assert not result.is_error and "prompt(s)" in result.content[0].text
        assert (tmp_path / "browser.log").read_text().splitlines() == [
            f"303 http://localhost:{callback}/oauth/callback"
        ]
        stored = next((tmp_path / "mcp-auth").rglob("*_tokens.json")).read_text()
        assert '"access_token": "rmcp_at_' in stored.replace('":"', '": "') and API_KEY not in stored
        # Respan saw the user's key, never our token
        assert {r.headers.get("authorization") for r in fake.requests} == {f"Bearer {API_KEY}"}

        # another process on the address, with the stored token: no browser this time
        servers[0].terminate()
        servers[0].wait(timeout=10)
        servers.append(_server(tmp_path, backend.url, port, public))
        wait_ready(f"{public}/healthz")
        again = await _through_mcp_remote(tmp_path, public, callback)
        assert not again.is_error
        assert len((tmp_path / "browser.log").read_text().splitlines()) == 1
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        backend.stop()
