"""`respan-mcp serve --transport http --workers N` (issue 21, part): N full servers on one port, the docs index
built once before they start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fake_respan import FakeRespan, serve
from tests.interop.run_conformance import free_port

pytestmark = [pytest.mark.anyio, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")]
SITE = Path(__file__).parent / "docs_site"


def _workers_of(pid: int) -> list[int]:
    """Children of `pid` that are uvicorn worker processes (multiprocessing's spawn entry point)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in command:
            found.append(int(entry))
    return found


@pytest.fixture
def two_workers(tmp_path: Path) -> Any:
    fake = FakeRespan()
    backend = serve(fake.app)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESPAN_", "KEYWORDSAI_"))}
    env.update({"RESPAN_BASE_URL": backend.url, "RESPAN_MCP_CACHE_DIR": str(tmp_path / "cache"),
                "RESPAN_CREDENTIALS_FILE": str(tmp_path / "none.json"), "RESPAN_DOCS_SOURCE": str(SITE),
                "RESPAN_MCP_DOCS_SEMANTIC": "off"})  # fmt: skip
    server = subprocess.Popen([sys.executable, "-m", "respan_mcp", "serve", "--transport", "http", "--port",
                               str(port), "--workers", "2"], env=env)  # fmt: skip
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                workers = _workers_of(server.pid)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    yield f"http://127.0.0.1:{port}", workers, tmp_path / "cache"
    server.terminate()
    server.wait(timeout=20)
    backend.stop()


async def test_two_workers_serve_one_port_and_share_one_docs_index(two_workers: Any) -> None:
    from tests.test_attacks import _mcp_client

    url, workers, cache = two_workers
    assert len(workers) == 2, workers
    index = list(cache.rglob("*.sqlite3"))
    assert index, "the docs index is built before the workers start"
    built = index[0].stat().st_mtime_ns
    async with _mcp_client(url) as client:
        for n in range(8):
            tool, args = ("search_docs", {"query": "fallback models"}) if n % 2 else ("search_logs", {"since": "7d"})
            result = await client.call_tool(tool, args)
            assert not result.is_error, (tool, result.content)
    assert index[0].stat().st_mtime_ns == built  # read by both, built by neither


@pytest.fixture
def two_workers_with_metrics(tmp_path: Path) -> Any:
    fake = FakeRespan()
    backend = serve(fake.app)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESPAN_", "KEYWORDSAI_", "PROMETHEUS_"))}
    env.update({"RESPAN_BASE_URL": backend.url, "RESPAN_MCP_CACHE_DIR": str(tmp_path / "cache"),
                "RESPAN_CREDENTIALS_FILE": str(tmp_path / "none.json"), "RESPAN_DOCS_SOURCE": str(SITE),
                "RESPAN_MCP_DOCS_SEMANTIC": "off", "RESPAN_MCP_METRICS": "on", "RESPAN_MCP_TOOLSETS": "logs"})  # fmt: skip
    server = subprocess.Popen([sys.executable, "-m", "respan_mcp", "serve", "--transport", "http", "--port",
                               str(port), "--workers", "2"], env=env)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_workers_of(server.pid)) < 2:
        time.sleep(0.2)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=20)
    backend.stop()


async def test_metrics_count_every_workers_calls(two_workers_with_metrics: Any) -> None:
    """With --workers, a scrape of any worker sums what every worker counted (multiprocess mode)."""
    from tests.test_attacks import _mcp_client
    from tests.test_metrics import _value

    url = two_workers_with_metrics
    for _ in range(3):  # several clients: new connections, so both workers take some
        async with _mcp_client(url) as client:
            for _ in range(4):
                assert not (await client.call_tool("search_logs", {"since": "7d", "limit": 1})).is_error
    async with httpx.AsyncClient() as plain:
        pages = [(await plain.get(url + "/metrics")).text for _ in range(4)]
    for page in pages:  # whichever worker answers the scrape, it reports all 12
        assert _value(page, "respan_mcp_tool_calls_total", tool="search_logs", outcome="ok") == 12
