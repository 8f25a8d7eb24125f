"""Overhead: chat_completion through MCP over stdio vs. a direct httpx POST to the same fake gateway.

The fake Respan runs in its own process on 127.0.0.1.
    python tests/benchmarks/overhead.py [calls]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

import anyio
import httpx
from _common import ROOT, percentiles
from mcp import Client, StdioServerParameters

from tests.fake_respan import API_KEY

BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "measure the overhead please"}]}


async def direct(url: str, calls: int) -> list[float]:
    samples = []
    async with httpx.AsyncClient() as client:
        headers = {"Authorization": f"Bearer {API_KEY}"}
        await client.post(url + "/api/chat/completions", json=BODY, headers=headers)
        for _ in range(calls):
            started = time.perf_counter()
            response = await client.post(url + "/api/chat/completions", json=BODY, headers=headers)
            response.json()
            samples.append((time.perf_counter() - started) * 1000)
    return samples


async def sdk_floor(calls: int) -> list[float]:
    """A one-tool MCPServer over stdio: what any tool call costs before it does anything."""
    params = StdioServerParameters(command=sys.executable, args=[str(ROOT / "tests/benchmarks/minimal_server.py")])
    samples = []
    async with Client(params) as client:
        await client.call_tool("ping", {"text": "x"})
        for _ in range(calls):
            started = time.perf_counter()
            await client.call_tool("ping", {"text": "x"})
            samples.append((time.perf_counter() - started) * 1000)
    return samples


async def through_mcp(url: str, calls: int) -> list[float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESPAN_")}
    env.update({"RESPAN_API_KEY": API_KEY, "RESPAN_BASE_URL": url, "RESPAN_MCP_CACHE_DIR": tempfile.mkdtemp()})
    params = StdioServerParameters(command=sys.executable, args=["-m", "respan_mcp"], env=env)
    samples = []
    async with Client(params) as client:
        await client.call_tool("chat_completion", BODY)
        for _ in range(calls):
            started = time.perf_counter()
            result = await client.call_tool("chat_completion", BODY)
            assert not result.is_error
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    fake = subprocess.Popen([sys.executable, "tests/fake_respan.py"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = (fake.stdout.readline() if fake.stdout else "").strip()
        plain = anyio.run(direct, url, calls)
        mcp = anyio.run(through_mcp, url, calls)
    finally:
        fake.terminate()
        fake.wait()
    floor = anyio.run(sdk_floor, calls)
    print(f"direct httpx POST:              {percentiles(plain)}")
    print(f"chat_completion via MCP stdio:  {percentiles(mcp)}")
    print(f"SDK floor (1-tool server ping): {percentiles(floor)}")
    added = statistics.median(mcp) - statistics.median(plain)
    print(f"added latency p50: {added:.2f} ms, of which the SDK floor is {statistics.median(floor):.2f} ms")


if __name__ == "__main__":
    main()
