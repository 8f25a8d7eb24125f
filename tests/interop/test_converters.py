"""Every tool's input schema through the providers' own converters: Gemini (google-genai, Developer API
mode, and its MCP adapter) and OpenAI strict mode (openai-agents). One rejected tool breaks a whole
Gemini request, so every toolset is checked. Skips until `python tests/interop/converters.py` ran."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest
from mcp import Client

from respan_mcp.config import ALL_TOOLSETS, TOOLSETS
from respan_mcp.server import create_server
from tests.conftest import make_settings
from tests.interop.converters import installed, python

SCRIPT = Path(__file__).with_name("provider_converters.py")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not installed(), reason="provider converters not installed (tests/interop/converters.py)"),
]


@pytest.mark.parametrize("toolsets", [list(TOOLSETS), list(ALL_TOOLSETS)], ids=["default", "all"])
async def test_every_tool_passes_the_provider_converters(tmp_path: Path, toolsets: list[str]) -> None:
    server = create_server(make_settings(tmp_path, toolsets=toolsets))
    async with Client(server) as client:
        tools = [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in (await client.list_tools()).tools]
    with anyio.fail_after(300):
        done = await anyio.run_process([str(python()), str(SCRIPT)], input=json.dumps(tools).encode(), check=False)
    out = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 0, out
    assert "0 rejection(s)" in out
    assert all(f"{t['name']}: ok" in out for t in tools)
