"""Three replicas behind a real load balancer (HAProxy from the distribution's packages; issue 21, part).

Calls spread across the replicas; a paging cursor made by one replica is read by another (they share
RESPAN_MCP_CURSOR_SECRET); an OAuth sign-in through the balancer gives a token every replica accepts (they
share RESPAN_MCP_OAUTH_SECRET and one public URL); killing a replica loses no call (HAProxy's health check and redispatch). Skips where
`haproxy` is not installed (`.ci/run` installs it).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fake_respan import FakeRespan, serve
from tests.interop.run_conformance import free_port, wait_ready

pytestmark = [pytest.mark.anyio, pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy not installed")]

HAPROXY = """
global
    maxconn 256
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
frontend mcp
    bind 127.0.0.1:{front}
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /healthz
    default-server inter 200ms fall 1 rise 1
{servers}
"""


OAUTH_SECRET = "one-oauth-secret-for-every-replica-0123456789"


@pytest.fixture
def replicas(tmp_path: Path) -> Any:
    fake = FakeRespan()
    backend = serve(fake.app)
    ports = [free_port() for _ in range(3)]
    front = free_port()
    processes = []
    for i, port in enumerate(ports):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RESPAN_", "KEYWORDSAI_"))}
        env.update({"RESPAN_BASE_URL": backend.url, "RESPAN_MCP_CACHE_DIR": str(tmp_path / f"cache{i}"),
                    "RESPAN_CREDENTIALS_FILE": str(tmp_path / "none.json"), "RESPAN_MCP_TOOLSETS": "logs",
                    "RESPAN_MCP_CURSOR_SECRET": "shared-by-the-replicas", "RESPAN_MCP_METRICS": "on",
                    "RESPAN_MCP_HTTP_MAX_CONNECTIONS_PER_CLIENT": "0",
                    "RESPAN_MCP_OAUTH_SECRET": OAUTH_SECRET, "RESPAN_MCP_PUBLIC_URL": f"http://127.0.0.1:{front}"})  # fmt: skip
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "respan_mcp", "serve", "--transport", "http", "--port", str(port)], env=env))  # fmt: skip
    for port in ports:
        wait_ready(f"http://127.0.0.1:{port}/healthz")
    servers = "\n".join(f"    server r{i} 127.0.0.1:{port} check" for i, port in enumerate(ports))
    config = tmp_path / "haproxy.cfg"
    config.write_text(HAPROXY.format(front=front, servers=servers))
    balancer = subprocess.Popen(["haproxy", "-f", str(config), "-db"], stdout=subprocess.DEVNULL)
    wait_ready(f"http://127.0.0.1:{front}/healthz")
    yield f"http://127.0.0.1:{front}", ports, processes
    balancer.terminate()
    balancer.wait(timeout=10)
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
    backend.stop()


def _calls_on(port: int) -> float:
    page = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return sum(float(line.rpartition(" ")[2]) for line in page.splitlines()
               if line.startswith("respan_mcp_tool_calls_total{"))  # fmt: skip


async def test_calls_spread_cursors_cross_replicas_and_a_killed_replica_loses_nothing(replicas: Any) -> None:
    from tests.test_attacks import _mcp_client

    url, ports, processes = replicas
    async with _mcp_client(url) as client:
        for _ in range(9):
            assert not (await client.call_tool("search_logs", {"since": "7d", "limit": 2})).is_error
        spread = [_calls_on(port) for port in ports]
        assert all(n >= 1 for n in spread), spread  # round robin: every replica served some
        # A cursor made by whichever replica answered is read by the others (one shared secret).
        cursor = (await client.call_tool("search_logs", {"since": "7d", "limit": 2})).structured_content["next_cursor"]
        for _ in range(6):
            page = await client.call_tool("search_logs", {"cursor": cursor})
            assert not page.is_error, page.content
        processes[0].send_signal(signal.SIGKILL)
        processes[0].wait(timeout=10)
        lost = 0
        for _ in range(12):  # HAProxy redispatches a refused connection and drops the dead server
            result = await client.call_tool("search_logs", {"since": "7d", "limit": 1})
            lost += result.is_error
        assert lost == 0


async def test_an_oauth_token_from_one_replica_works_on_every_other(replicas: Any) -> None:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    from tests.test_oauth import _tokens

    url, ports, _ = replicas
    client, tokens = _tokens(url)  # registration, sign-in page, code and token: each may be a different replica
    before = [_calls_on(port) for port in ports]
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=30)
    async with Client(streamable_http_client(url + "/mcp", http_client=http)) as mcp:
        for _ in range(9):
            assert not (await mcp.call_tool("search_logs", {"since": "7d", "limit": 1})).is_error
    served = [_calls_on(port) - b for port, b in zip(ports, before)]
    assert all(n >= 1 for n in served), served  # every replica accepted the token
    async with httpx.AsyncClient(timeout=10) as plain:
        for port in ports:  # and each refreshes a refresh token another one issued (a fresh one each time)
            form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                    "client_id": client["client_id"]}  # fmt: skip
            answer = await plain.post(f"http://127.0.0.1:{port}/token", data=form)
            assert answer.status_code == 200 and answer.json()["access_token"].startswith("rmcp_at_"), answer.text
            tokens = answer.json()
