"""End to end: the real `respan-mcp` process over stdio, and the HTTP app on a loopback port."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from respan_mcp.http_app import build_http_app, http_settings
from respan_mcp.server import create_server
from tests.conftest import make_settings, text_of
from tests.fake_respan import API_KEY, FakeRespan, Served, serve

pytestmark = pytest.mark.anyio

USER = [{"role": "user", "content": "over the wire"}]


@pytest.fixture
def served_fake(fake: FakeRespan) -> Iterator[Served]:
    served = serve(fake.app)
    yield served
    served.stop()


def server_env(tmp_path: Path, fake_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESPAN_", "KEYWORDSAI_"))}
    env.update(
        {
            "RESPAN_API_KEY": API_KEY,
            "RESPAN_BASE_URL": fake_url,  # no /api: normalisation must add it exactly once
            "RESPAN_MCP_CACHE_DIR": str(tmp_path / "cache"),
            "RESPAN_CREDENTIALS_FILE": str(tmp_path / "none.json"),
            "RESPAN_MCP_TOOLSETS": "gateway",
        }
    )
    env.update(extra)
    return env


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_stdio_end_to_end(tmp_path: Path, served_fake: Served, fake: FakeRespan, mode: str) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "respan_mcp"], env=server_env(tmp_path, served_fake.url)
    )
    async with Client(params, mode=mode) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert "chat_completion" in names
        result = await client.call_tool("chat_completion", {"messages": USER, "model": "gpt-4o-mini"})
        assert text_of(result).startswith("Echo: over the wire")
    assert fake.last("/chat/completions").path == "/api/chat/completions"


def http_client(token: str | None) -> httpx2.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx2.AsyncClient(headers=headers, timeout=30)


@pytest.fixture
def passthrough_server(tmp_path: Path, served_fake: Served) -> Iterator[Served]:
    # The server holds a key, but without a server token it must never use it.
    settings = http_settings(
        make_settings(tmp_path, base_url=served_fake.url, api_key="held-key-never-used", toolsets=["gateway"])
    )
    served = serve(build_http_app(create_server(settings), settings))
    yield served
    served.stop()


async def test_http_requires_a_bearer(passthrough_server: Served) -> None:
    async with httpx.AsyncClient() as plain:
        response = await plain.post(passthrough_server.url + "/mcp", json={})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        health = await plain.get(passthrough_server.url + "/healthz")
        assert health.json()["status"] == "ok"


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_http_passes_the_callers_key_through(passthrough_server: Served, fake: FakeRespan, mode: str) -> None:
    transport = streamable_http_client(passthrough_server.url + "/mcp", http_client=http_client(API_KEY))
    async with Client(transport, mode=mode) as client:
        result = await client.call_tool("chat_completion", {"messages": USER, "model": "gpt-4o"})
        assert not result.is_error, text_of(result)
    assert fake.last("/chat/completions").headers["authorization"] == f"Bearer {API_KEY}"


async def test_http_wrong_key_is_respans_401(passthrough_server: Served, fake: FakeRespan) -> None:
    transport = streamable_http_client(passthrough_server.url + "/mcp", http_client=http_client("wrong-key-123"))
    async with Client(transport) as client:
        result = await client.call_tool("chat_completion", {"messages": USER, "model": "gpt-4o"})
    text = text_of(result)
    assert result.is_error and "401" in text and "wrong-key-123" not in text
    assert all("held-key-never-used" not in r.headers.get("authorization", "") for r in fake.requests)


async def test_http_progress_streams(passthrough_server: Served) -> None:
    events: list[Any] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        events.append(message)

    transport = streamable_http_client(passthrough_server.url + "/mcp", http_client=http_client(API_KEY))
    async with Client(transport) as client:
        result = await client.call_tool(
            "chat_completion", {"messages": USER, "model": "gpt-4o"}, progress_callback=on_progress
        )
    assert not result.is_error and events and "Echo" in events[-1]


@pytest.fixture
def token_server(tmp_path: Path, served_fake: Served) -> Iterator[Served]:
    settings = http_settings(
        make_settings(tmp_path, base_url=served_fake.url, server_token="team-token-abc", toolsets=["gateway"])
    )
    served = serve(build_http_app(create_server(settings), settings))
    yield served
    served.stop()


async def test_server_token_mode(token_server: Served, fake: FakeRespan) -> None:
    async with httpx.AsyncClient() as plain:
        wrong = await plain.post(token_server.url + "/mcp", json={}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
    transport = streamable_http_client(token_server.url + "/mcp", http_client=http_client("team-token-abc"))
    async with Client(transport) as client:
        result = await client.call_tool("chat_completion", {"messages": USER, "model": "gpt-4o"})
        assert not result.is_error
    # The team token stays between client and server; Respan sees the held key.
    assert fake.last("/chat/completions").headers["authorization"] == f"Bearer {API_KEY}"


def test_public_bind_needs_allowed_hosts(tmp_path: Path) -> None:
    from respan_mcp.http_app import ConfigError

    settings = make_settings(tmp_path, server_token="t", toolsets=["gateway"])
    with pytest.raises(ConfigError, match="RESPAN_MCP_ALLOWED_HOSTS"):
        build_http_app(create_server(settings), settings, host="0.0.0.0")


def test_server_token_without_key_is_refused(tmp_path: Path) -> None:
    from respan_mcp.http_app import ConfigError

    with pytest.raises(ConfigError, match="RESPAN_API_KEY"):
        http_settings(make_settings(tmp_path, api_key=None, server_token="t"))


async def test_enabled_tools_header_narrows_the_tools(tmp_path: Path, served_fake: Served) -> None:
    settings = http_settings(make_settings(tmp_path, base_url=served_fake.url, toolsets=["gateway", "logs"]))
    served = serve(build_http_app(create_server(settings), settings))
    try:
        headers = {"Authorization": f"Bearer {API_KEY}", "Respan-Enabled-Tools": "search_logs, get_log"}
        client = httpx2.AsyncClient(headers=headers, timeout=30)
        async with Client(streamable_http_client(served.url + "/mcp", http_client=client)) as mcp:
            names = {t.name for t in (await mcp.list_tools()).tools}
            assert names == {"search_logs", "get_log"}
            with pytest.raises(Exception, match="not enabled for this request"):
                await mcp.call_tool("chat_completion", {"messages": USER, "model": "gpt-4o"})
            result = await mcp.call_tool("search_logs", {"since": "1h", "limit": 1})
            assert not result.is_error
        async with Client(streamable_http_client(served.url + "/mcp", http_client=http_client(API_KEY))) as mcp:
            assert "chat_completion" in {t.name for t in (await mcp.list_tools()).tools}
    finally:
        served.stop()
