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

from respan_mcp.config import ALL_TOOLSETS
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


HOSTILE_TEXT = st.sampled_from(["..", "../x", "a/b", "%2F..%2F", "ds_golden", "evl_relevance", "exp_1", "wf_alert",
                                "row1", "{{output}}", "def main(x): return 1", " ", "é東", "x" * 600])  # fmt: skip


def typed(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values of the declared type (within its bounds where it has them): these get past validation and
    reach the tools' own code, with ids that exist in the fake, ids that do not, and hostile text."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "anyOf" in schema:
        return st.one_of([typed(s) for s in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "string":
        return HOSTILE_TEXT | st.text(max_size=30)
    if kind == "integer":
        return st.integers(schema.get("minimum", -5), schema.get("maximum", 10_000))
    if kind == "number":
        return st.floats(schema.get("minimum", -1e6), schema.get("maximum", 1e6), allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        items = typed(schema.get("items") or {})
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=min(schema.get("maxItems", 3), 3))
    if kind == "object" and schema.get("properties"):
        return st.fixed_dictionaries({k: typed(v) for k, v in schema["properties"].items()})
    return JSON


@st.composite
def typed_call(draw: st.DrawFn, tools: list[str]) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(tools))
    schema = _STATE["tools"][name]
    required = set(schema.get("required", []))
    args = {}
    for key, spec in schema.get("properties", {}).items():
        if key in required or draw(st.booleans()):
            args[key] = draw(typed(spec))
    return name, args


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("toolsets", "examples_wanted", "typed_args"),
    [(None, 400, False), (list(ALL_TOOLSETS), 600, False), (list(ALL_TOOLSETS), 800, True)],
    ids=["default", "all", "all-typed"],
)
async def test_fuzz_every_tool(
    tmp_path: Path, toolsets: list[str] | None, examples_wanted: int, typed_args: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("respan_mcp.logs.api.TRACE_LAG_WAITS", (0.01,))  # get_trace of an unknown id waits 3 s
    # One server and client for all examples (one per example would be slow); the tools that
    # call the gateway or build the docs index are fuzzed too, against the fake and a local site.
    extra = {"toolsets": toolsets} if toolsets else {}
    settings_ = make_settings(tmp_path, docs_source=str(SITE), max_retries=0, **extra)
    async with Client(create_server(settings_, transport=FakeRespan().transport())) as client:
        tools = {t.name: t.input_schema for t in (await client.list_tools()).tools}
        _STATE.update(client=client, tools=tools)
        problems: list[str] = []
        examples = [0]

        @settings(max_examples=examples_wanted, deadline=None, suppress_health_check=list(HealthCheck))
        @given(call=(typed_call if typed_args else tool_call)(sorted(tools)))
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
    if result.is_error and "failed on something it did not expect" in text:
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
    env.update({"RESPAN_API_KEY": API_KEY, "RESPAN_BASE_URL": "http://127.0.0.1:9", "RESPAN_MCP_CACHE_DIR": str(tmp_path),
                "RESPAN_MCP_STDIO_MAX_LINE": "20000"})  # fmt: skip
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
        json.dumps({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"y": "z" * 30_000}}),
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
    # Issue 23: an overlong request is answered (as invalid, naming the limit), not left to the client's timeout.
    assert by_id[6]["error"]["code"] == -32600 and "RESPAN_MCP_STDIO_MAX_LINE" in by_id[6]["error"]["message"]
    error_text = by_id[102]["result"]["content"][0]["text"]
    assert by_id[102]["result"]["isError"] and "not a duration" in error_text
    assert all(isinstance(a, dict) and a.get("jsonrpc") == "2.0" for a in answers)  # only protocol on stdout
