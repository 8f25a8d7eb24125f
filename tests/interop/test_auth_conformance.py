"""The MCP conformance suite's authorization-server scenarios against our OAuth server (issue 20).

`authorization-server-metadata-endpoint` reads our RFC 8414 metadata; `authorization-code-grant` prints an
authorization URL for a person, waits at its callback, and then redeems the code: our scripted browser
(tests/clients/browser.py) is that person, signing in with an API key. Both must pass. (Run alone, the metadata
scenario warns that client ID metadata documents, SEP-991, are not offered: that would make the server fetch
URLs clients choose, which we do not want; DCR covers the same clients.) Skips where the npm tools are missing.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.clients.browser import sign_in
from tests.clients.server_process import running_http_server
from tests.fake_respan import API_KEY
from tests.interop import node_tools
from tests.interop.run_conformance import free_port

pytestmark = pytest.mark.skipif(not node_tools.installed(), reason="Node 22 + conformance suite not installed")


def _suite(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([str(node_tools.node_bin()), str(node_tools.conformance_js()), "authorization", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=node_tools.node_env())  # fmt: skip


def test_the_conformance_suites_authorization_server_scenarios_pass(tmp_path: Path) -> None:
    with running_http_server(tmp_path, RESPAN_MCP_OAUTH_SECRET="a-secret-for-the-conformance-suite-0123456") as (
        issuer,
        _,
    ):
        callback = free_port()
        client = httpx.post(issuer + "/register", json={"redirect_uris": [f"http://127.0.0.1:{callback}/callback"],
                            "token_endpoint_auth_method": "none", "client_name": "conformance"}, timeout=10).json()  # fmt: skip
        # Both scenarios in one run: the grant reads the metadata the first one fetched.
        grant = _suite("--url", issuer, "--client-id", client["client_id"], "--resource", issuer + "/mcp",
                       "--port", str(callback))  # fmt: skip
        assert grant.stdout is not None
        lines = []
        for line in grant.stdout:
            lines.append(line)
            if line.startswith(issuer + "/authorize?"):
                answer = sign_in(line.strip(), api_key=API_KEY)
                assert answer.status_code == 303
                httpx.get(answer.headers["location"], timeout=30)  # the browser lands on the suite's callback
                break
        out = "".join(lines) + grant.communicate(timeout=120)[0]
    assert "Total: 2 passed, 0 failed" in out, out
    assert "✓ authorization-code-grant: 1 passed, 0 failed" in out, out
