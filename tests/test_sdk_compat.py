"""Each reach into the SDK's or httpx's internals (respan_mcp/sdk_compat.py) still works: these fail
loudly when a release moves something, instead of the server failing quietly."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.server import MCPServer

from respan_mcp import sdk_compat

pytestmark = pytest.mark.anyio


def _server() -> MCPServer:
    server = MCPServer("probe")

    async def echo(text: str) -> str:
        return text

    server.add_tool(echo, name="echo", description="echo")
    return server


def test_lowlevel_server_and_tools_are_reachable() -> None:
    server = _server()
    assert hasattr(sdk_compat.lowlevel_server(server), "add_request_handler")
    tools = sdk_compat.registered_tools(server)
    assert [t.name for t in tools] == ["echo"]
    assert "properties" in tools[0].parameters and hasattr(tools[0].fn_metadata, "arg_model")


async def test_contract_tool_refuses_extras_and_rewrites_errors() -> None:
    server = _server()
    (tool,) = sdk_compat.registered_tools(server)
    sdk_compat.contract_tool(server, tool)
    async with Client(server) as client:
        ok = await client.call_tool("echo", {"text": "hi"})
        bad = await client.call_tool("echo", {"text": "hi", "extra": 1})
    assert not ok.is_error
    assert bad.is_error and "unknown argument(s) extra; valid: text" in bad.content[0].text


def test_set_body_makes_text_readable() -> None:
    response = httpx.Response(200, headers={"content-type": "text/plain; charset=utf-8"}, stream=httpx.ByteStream(b""))
    sdk_compat.set_body(response, b"hello")
    assert response.text == "hello"


async def test_wants_progress_sees_a_progress_request() -> None:
    server = MCPServer("probe")
    seen: list[bool] = []

    async def probe(ctx: Any) -> str:
        seen.append(sdk_compat.wants_progress(ctx.request_context))
        return "ok"

    from mcp.server.mcpserver import Context

    probe.__annotations__["ctx"] = Context
    server.add_tool(probe, name="probe", description="probe")

    async def on_progress(*_: Any) -> None:
        pass

    for mode in ("legacy", "auto"):
        async with Client(server, mode=mode) as client:
            await client.call_tool("probe", {}, progress_callback=on_progress)
            await client.call_tool("probe", {})
    assert seen == [True, False, True, False]
