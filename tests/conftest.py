"""Shared fixtures: the fake Respan, settings pointing at it, and MCP clients in both protocol eras."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from respan_mcp.config import ALL_TOOLSETS, Settings
from respan_mcp.server import create_server
from tests.fake_respan import API_KEY, FakeRespan

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "respan-docs"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's Respan configuration."""
    import os

    for name in list(os.environ):
        if name.startswith(("RESPAN_", "KEYWORDSAI_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RESPAN_CREDENTIALS_FILE", str(tmp_path / "no-credentials.json"))


@pytest.fixture
def fake() -> FakeRespan:
    return FakeRespan()


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "api_key": API_KEY,
        "base_url": "http://respan.test/api",
        "cache_dir": tmp_path / "cache",
        "credentials_file": tmp_path / "no-credentials.json",
        "max_retries": 2,
        "retry_after_cap": 0.05,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(params=["legacy", "auto"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def client(fake: FakeRespan, settings: Settings, mode: str) -> AsyncIterator[Client]:
    server = create_server(settings, transport=fake.transport())
    async with Client(server, mode=mode) as connected:
        yield connected


@pytest.fixture
async def full(fake: FakeRespan, tmp_path: Path, mode: str) -> AsyncIterator[Client]:
    """A client of a server with every toolset on."""
    server = create_server(make_settings(tmp_path, toolsets=list(ALL_TOOLSETS)), transport=fake.transport())
    async with Client(server, mode=mode) as connected:
        yield connected


async def call(client: Client, tool: str, **args: Any) -> tuple[Any, str]:
    result = await client.call_tool(tool, args)
    return result, text_of(result)


def text_of(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


def rows(table: Any) -> list[dict[str, Any]]:
    """A structured result's table (`{"columns", "rows", "same"}`) as records."""
    from respan_mcp.output import table_records

    return table_records(table)
