"""Characters each client's model receives from every tool, for one realistic call each (issue 18).

    text        what Gemini CLI's model reads (and SDK clients that take the text)
    structured  what Claude Code's model reads: the structuredContent as compact JSON
Against the fake Respan (small rows: real logs with long inputs favour the text and tables more).
    python tests/benchmarks/model_reads.py
"""

from __future__ import annotations

from pathlib import Path
from tempfile import mkdtemp

import anyio
from _common import ROOT  # noqa: F401 - puts the project on sys.path
from mcp import Client

from respan_mcp.config import Settings
from respan_mcp.server import create_server
from tests.docs_site_server import SITE
from tests.fake_respan import API_KEY, FakeRespan
from tests.model_reads import calls, measure


async def main() -> None:
    fake = FakeRespan()
    settings = Settings(api_key=API_KEY, base_url="http://fake/api", cache_dir=Path(mkdtemp()), toolsets=["all"],
                        docs_source=str(SITE))  # fmt: skip
    print(f"{'tool':24} {'text':>7} {'structured':>11} {'ratio':>6}   (characters the model receives)")
    totals = [0, 0]
    async with Client(create_server(settings, transport=fake.transport())) as client:
        for tool, args in await calls(client, fake):
            result = await client.call_tool(tool, args)
            text, structured = measure(result)
            totals[0] += text
            totals[1] += structured or text  # a tool without structured content: every client reads the text
            shown = f"{structured:11,}" if structured else f"{'(none)':>11}"
            flag = " ERROR" if result.is_error else ""
            print(f"{tool:24} {text:7,} {shown} {(structured or text) / max(text, 1):6.2f}{flag}")
    print(f"{'all':24} {totals[0]:7,} {totals[1]:11,} {totals[1] / totals[0]:6.2f}")


if __name__ == "__main__":
    anyio.run(main)
