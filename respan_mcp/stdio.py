"""Serving over stdio with a bound on one message's size.

The SDK reads stdin line by line with no limit: one 512 MB line was held in memory whole.
Here a line longer than the bound is read through and dropped (the client gets a parse
error for it); every other line passes through unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from typing import Any, BinaryIO

import anyio

TOO_LONG = '{"error": "message larger than the server accepts"}\n'  # not JSON-RPC: answered as invalid


class BoundedLines:
    """An async iterator of text lines from a binary stream, each at most `max_bytes` long."""

    def __init__(self, stream: BinaryIO, max_bytes: int) -> None:
        self.stream = stream
        self.max_bytes = max_bytes

    def _next_line(self) -> str | None:
        line = self.stream.readline(self.max_bytes + 1)
        if not line:
            return None
        if len(line) > self.max_bytes and not line.endswith(b"\n"):
            while True:  # drop the rest of the overlong line, a chunk at a time
                rest = self.stream.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            return TOO_LONG
        return line.decode("utf-8", errors="replace")

    async def __aiter__(self) -> AsyncIterator[str]:
        while True:
            line = await anyio.to_thread.run_sync(self._next_line, abandon_on_cancel=True)
            if line is None:
                return
            yield line


async def run_stdio(server: Any, max_line_bytes: int) -> None:
    """What MCPServer.run("stdio") does, with stdin read through BoundedLines."""
    from mcp.server.stdio import stdio_server

    from respan_mcp.sdk_compat import lowlevel_server

    lowlevel = lowlevel_server(server)
    stdin: Any = BoundedLines(sys.stdin.buffer, max_line_bytes)
    async with stdio_server(stdin=stdin) as (read_stream, write_stream):
        await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
