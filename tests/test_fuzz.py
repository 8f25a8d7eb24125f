"""Bad input: every tool's arguments fuzzed through the MCP client, and raw malformed JSON-RPC on stdio.

Nothing may crash the server, hang, leak a secret, or fail with the SDK's bare internal-error
message (which would mean an unexpected exception inside a tool).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from respan_mcp.server import create_server
from tests.conftest import make_settings, text_of
from tests.docs_site_server import SITE
from tests.fake_respan import API_KEY, FakeRespan

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=10,
)  # fmt: skip

_STATE: dict[str, Any] = {}


@st.composite
def tool_call(draw: st.DrawFn, tools: list[str]) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(tools))
    schema = _STATE["tools"][name]
    keys = list(schema.get("properties", {}))
    chosen = draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys))) if keys else []
    args = {key: draw(JSON) for key in chosen}
    if draw(st.booleans()):
        args[draw(st.text(max_size=8))] = draw(JSON)  # a key the tool does not know
    return name, args


@pytest.mark.anyio
async def test_fuzz_every_tool(tmp_path: Path) -> None:
    # One server and client for all examples (one per example would be slow); the tools that
    # call the gateway or build the docs index are fuzzed too, against the fake and a local site.
    settings_ = make_settings(tmp_path, docs_source=str(SITE), max_retries=0)
    async with Client(create_server(settings_, transport=FakeRespan().transport())) as client:
        tools = {t.name: t.input_schema for t in (await client.list_tools()).tools}
        _STATE.update(client=client, tools=tools)
        problems: list[str] = []
        examples = [0]

        @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
        @given(call=tool_call(sorted(tools)))
        def run(call: tuple[str, dict[str, Any]]) -> None:
            examples[0] += 1
            problems.extend(anyio.from_thread.run(_one, *call))

        await anyio.to_thread.run_sync(run)
    assert examples[0] >= 100 and not problems, problems[:5]


async def _one(name: str, args: dict[str, Any]) -> list[str]:
    client: Client = _STATE["client"]
    with anyio.fail_after(30):
        result = await client.call_tool(name, args)
    text = text_of(result)
    found = []
    if not text.strip():
        found.append(f"{name}({args}): empty result")
    if API_KEY in text:
        found.append(f"{name}: the API key in the result")
    if result.is_error and text.strip() == f"Error executing tool {name}":
        found.append(f"{name}({args}): an unexpected exception inside the tool")
    return found


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """A wall-clock limit for blocking reads (SIGALRM; the suite runs on POSIX)."""
    import signal

    def expire(*_: Any) -> None:
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_malformed_json_rpc_on_stdio(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESPAN_")}
    env.update(
        {"RESPAN_API_KEY": API_KEY, "RESPAN_BASE_URL": "http://127.0.0.1:9", "RESPAN_MCP_CACHE_DIR": str(tmp_path)}
    )
    garbage = [
        "this is not json",
        "{",
        "[]",
        "null",
        '{"jsonrpc": "2.0"}',
        '{"jsonrpc": "2.0", "id": 1}',
        '{"jsonrpc": "1.0", "id": 2, "method": "tools/list"}',
        '{"jsonrpc": "2.0", "id": {"a": 1}, "method": "tools/list"}',
        '{"jsonrpc": "2.0", "id": 3, "method": 42}',
        '{"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": "nope"}',
        json.dumps({"jsonrpc": "2.0", "id": 5, "method": "x" * 100_000}),
        "\x00\x01\x02",
    ]
    init = {"jsonrpc": "2.0", "id": 100, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "0"}}}  # fmt: skip
    valid = [json.dumps(init), json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
             json.dumps({"jsonrpc": "2.0", "id": 101, "method": "tools/list"}),
             json.dumps({"jsonrpc": "2.0", "id": 102, "method": "tools/call",
                         "params": {"name": "search_logs", "arguments": {"since": "not a duration"}}})]  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "respan_mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    assert proc.stdin and proc.stdout
    proc.stdin.write("\n".join(garbage + valid) + "\n")
    proc.stdin.flush()
    answers: list[Any] = []
    with _deadline(60):
        while not any(isinstance(a, dict) and a.get("id") == 102 for a in answers):
            line = proc.stdout.readline()
            assert line, "the server closed stdout before answering"
            answers.append(json.loads(line))
    proc.stdin.close()
    assert proc.wait(timeout=20) == 0
    by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
    assert 101 in by_id and by_id[101]["result"]["tools"]
    error_text = by_id[102]["result"]["content"][0]["text"]
    assert by_id[102]["result"]["isError"] and "not a duration" in error_text
    assert all(isinstance(a, dict) and a.get("jsonrpc") == "2.0" for a in answers)  # only protocol on stdout
