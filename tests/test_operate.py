"""Operating the HTTP server (issue 21): SIGTERM finishes the calls in flight and exits 0; logs as JSON lines."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.fake_respan import API_KEY, FakeRespan, serve
from tests.interop.run_conformance import free_port, wait_ready


def _call(url: str, tool: str) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": {}}}
    headers = {"Authorization": f"Bearer {API_KEY}", "Accept": "application/json, text/event-stream",
               "Content-Type": "application/json", "MCP-Protocol-Version": "2025-11-25"}  # fmt: skip
    return httpx.post(url + "/mcp", json=body, headers=headers, timeout=30)


def test_sigterm_finishes_the_call_in_flight_refuses_new_ones_and_exits_0_logging_json(tmp_path: Path) -> None:
    fake = FakeRespan()
    backend = serve(fake.app)
    fake.fail("/api/prompts", status=200, delay=2.0)  # the next prompt listing takes 2 s
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESPAN_", "KEYWORDSAI_"))}
    env.update({"RESPAN_BASE_URL": backend.url, "RESPAN_MCP_CACHE_DIR": str(tmp_path / "cache"),
                "RESPAN_CREDENTIALS_FILE": str(tmp_path / "none.json"), "RESPAN_MCP_TOOLSETS": "prompts",
                "RESPAN_MCP_LOG_FORMAT": "json", "RESPAN_MCP_LOG_LEVEL": "INFO"})  # fmt: skip
    server = subprocess.Popen([sys.executable, "-m", "respan_mcp", "serve", "--transport", "http", "--port", str(port)],
                              env=env, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        wait_ready(url + "/healthz")
        answer: dict[str, Any] = {}
        slow = threading.Thread(target=lambda: answer.setdefault("r", _call(url, "list_prompts")))
        slow.start()
        time.sleep(0.7)  # the call is waiting on Respan now
        server.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        try:
            refused = httpx.get(url + "/healthz", timeout=2).status_code
        except httpx.HTTPError:
            refused = None
        slow.join(timeout=30)
        code = server.wait(timeout=30)
        _, stderr = server.communicate(timeout=5)
    finally:
        if server.poll() is None:
            server.kill()
        backend.stop()
    response = answer["r"]
    assert response.status_code == 200 and "prompt(s)" in response.text  # finished, not cut off
    assert refused is None  # no new connection accepted once shutting down
    assert code == 0
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]  # every line is JSON
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    messages = [line["message"] for line in lines]
    assert any("Shutting down" in m for m in messages)
    assert any("POST /mcp" in m and line["logger"] == "uvicorn.access" for m, line in zip(messages, lines))
    assert API_KEY not in stderr
