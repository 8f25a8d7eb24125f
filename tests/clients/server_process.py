"""`respan-mcp serve --transport http` as its own process, for the tests that drive it from outside (real clients,
the conformance suite): none of the developer's Respan settings, the fake Respan as its API, prompts only."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.fake_respan import FakeRespan, serve
from tests.interop.run_conformance import free_port, wait_ready


def spawn_http_server(tmp_path: Path, backend: str, port: int, **extra_env: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESPAN_", "KEYWORDSAI_"))}
    env.update({"RESPAN_BASE_URL": backend, "RESPAN_MCP_CACHE_DIR": str(tmp_path / f"cache{port}"),
                "RESPAN_CREDENTIALS_FILE": str(tmp_path / "none.json"), "RESPAN_MCP_TOOLSETS": "prompts", **extra_env})  # fmt: skip
    return subprocess.Popen([sys.executable, "-m", "respan_mcp", "serve", "--transport", "http", "--port", str(port)],
                            env=env)  # fmt: skip


@contextmanager
def running_http_server(tmp_path: Path, **extra_env: str) -> Iterator[tuple[str, FakeRespan]]:
    """A server process against a fresh fake Respan, ready: (its URL, the fake). Both stop afterwards."""
    fake = FakeRespan()
    backend = serve(fake.app)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = spawn_http_server(tmp_path, backend.url, port, **extra_env)
    try:
        wait_ready(url + "/healthz")
        yield url, fake
    finally:
        server.terminate()
        server.wait(timeout=10)
        backend.stop()
