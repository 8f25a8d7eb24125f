"""tools/list size: what every session pays in context before its first call.

Measures the `tools` array of tools/list as it goes on the wire (compact JSON), per tool and per
toolset, and the whole default list against the official server's 60 tools (70,366 characters).
Usage: python tests/benchmarks/tools_size.py [--json]
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mcp import Client

from respan_mcp.config import ALL_TOOLSETS, TOOLSETS, Settings
from respan_mcp.server import create_server

OFFICIAL_CHARS = 70_366
TARGET_RATIO = 0.35


async def tools_json(toolsets: list[str]) -> list[dict]:
    settings = Settings(api_key="x", toolsets=toolsets)
    async with Client(create_server(settings)) as client:
        tools = (await client.list_tools()).tools
    return [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in tools]


def size(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


async def main() -> None:
    default = await tools_json(list(TOOLSETS))
    total = size(default)
    print(
        f"default toolsets {','.join(TOOLSETS)}: {len(default)} tools, {total:,} chars "
        f"({total / OFFICIAL_CHARS:.2f}x the official server's {OFFICIAL_CHARS:,}; target <= {TARGET_RATIO}x)"
    )
    print(f"{'tool':<18} {'all':>6} {'input':>6} {'output':>6} {'desc':>5}")
    for tool in default:
        print(
            f"{tool['name']:<18} {size(tool):>6} {size(tool['inputSchema']):>6} "
            f"{size(tool.get('outputSchema', {})):>6} {len(tool.get('description', '')):>5}"
        )
    for toolset in ALL_TOOLSETS:
        tools = await tools_json([toolset])
        print(f"toolset {toolset}: {len(tools)} tools, {size(tools):,} chars")
    everything = await tools_json(list(ALL_TOOLSETS))
    print(
        f"all toolsets: {len(everything)} tools, {size(everything):,} chars ({size(everything) / OFFICIAL_CHARS:.2f}x)"
    )
    undescribed = [
        f"{t['name']}.{p}"
        for t in default
        for p, s in t["inputSchema"]["properties"].items()
        if not s.get("description")
    ]
    print("parameters without a description:", ", ".join(undescribed) or "none")


if __name__ == "__main__":
    asyncio.run(main())
