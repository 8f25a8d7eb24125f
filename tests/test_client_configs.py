"""Every client snippet in clients/ follows that client's documented format (issue 23).

Claude Desktop's config file takes local servers only (remote ones go through mcp-remote or Connectors);
VS Code's `.vscode/mcp.json` has `servers` (not `mcpServers`) with a `type`; Windsurf names a remote
`serverUrl`; Gemini CLI's `httpUrl` is streamable HTTP (its `url` means SSE); Codex reads TOML
`[mcp_servers.<name>]`. A local entry runs the console script this package installs.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = ROOT / "clients"
SCRIPT = "respan-mcp"  # [project.scripts] in pyproject.toml


def _load(name: str) -> dict[str, Any]:
    return json.loads((CLIENTS / name).read_text())  # type: ignore[no-any-return]


def _local(entry: dict[str, Any]) -> None:
    assert Path(entry["command"]).name == SCRIPT or entry["command"] in ("uvx", "npx"), entry
    assert isinstance(entry.get("args", []), list)
    assert all(isinstance(v, str) for v in entry.get("env", {}).values())


def test_the_console_script_is_the_one_the_snippets_run() -> None:
    assert f'{SCRIPT} = "respan_mcp.cli:main"' in (ROOT / "pyproject.toml").read_text()


def test_claude_desktop_takes_local_servers_only() -> None:
    servers = _load("claude_desktop_config.json")["mcpServers"]
    for entry in servers.values():
        assert "url" not in entry and "type" not in entry and "command" in entry
        _local(entry)
    remote = servers["respan-remote"]
    assert remote["command"] == "npx" and "mcp-remote" in remote["args"]


@pytest.mark.parametrize(("name", "remote_key"), [("cursor_mcp.json", "url"), ("windsurf_mcp_config.json", "serverUrl"),
                                                   ("gemini_settings.json", "httpUrl")])  # fmt: skip
def test_mcp_servers_files(name: str, remote_key: str) -> None:
    servers = _load(name)["mcpServers"]
    _local(servers["respan"])
    remote = servers["respan-remote"]
    assert remote[remote_key].endswith("/mcp") and "command" not in remote
    assert remote["headers"]["Authorization"].startswith("Bearer ")
    if name == "gemini_settings.json":
        assert "url" not in remote  # `url` is SSE in Gemini CLI


def test_vscode_uses_servers_with_a_type_and_declared_inputs() -> None:
    config = _load("vscode_mcp.json")
    assert "mcpServers" not in config
    inputs = {i["id"] for i in config["inputs"]}
    for entry in config["servers"].values():
        assert entry["type"] in ("stdio", "http", "sse")
        if entry["type"] == "stdio":
            _local(entry)
        else:
            assert entry["url"].endswith("/mcp")
        for value in [*entry.get("env", {}).values(), *entry.get("headers", {}).values()]:
            for used in value.split("${input:")[1:]:
                assert used.split("}")[0] in inputs


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib")
def test_codex_toml() -> None:
    import tomllib

    servers = tomllib.loads((CLIENTS / "codex_config.toml").read_text())["mcp_servers"]
    _local(servers["respan"])
    assert servers["respan-remote"]["url"].endswith("/mcp") and servers["respan-remote"]["bearer_token_env_var"]


def test_claude_code_commands() -> None:
    lines = [ln for ln in (CLIENTS / "claude_code.sh").read_text().splitlines() if ln.startswith("claude ")]
    local, remote = (shlex.split(ln) for ln in lines)
    assert local[:3] == ["claude", "mcp", "add"] and Path(local[local.index("--") + 1]).name == SCRIPT
    assert remote[:5] == ["claude", "mcp", "add", "--transport", "http"] and remote[6].endswith("/mcp")
