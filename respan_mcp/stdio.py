"""Serving over stdio with a bound on one message's size.

The SDK reads stdin line by line with no limit: one 512 MB line was held in memory whole.
Here a line longer than the bound is read through and dropped, and the request it carried is
answered with a JSON-RPC error (-32600) naming the limit, so the client does not wait for its own
timeout; every other line passes through unchanged.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, BinaryIO

import anyio

# A request's id, from the head of a line too long to parse (clients write `jsonrpc` and `id` first).
_ID = re.compile(rb'"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,20})')


class TooLong:
    """A line past the bound: what remains of it is the request id, if its head names one."""

    def __init__(self, head: bytes, size: int) -> None:
        found = _ID.search(head[:65_536])
        self.id: str | int | None = json.loads(found.group(1)) if found else None
        self.size = size


class BoundedLines:
    """An async iterator of text lines from a binary stream, each at most `max_bytes` long."""

    def __init__(self, stream: BinaryIO, max_bytes: int) -> None:
        self.stream = stream
        self.max_bytes = max_bytes
        self.refuse: Callable[[TooLong], Awaitable[None]] | None = None  # answers an overlong request

    def _next_line(self) -> str | TooLong | None:
        line = self.stream.readline(self.max_bytes + 1)
        if not line:
            return None
        if len(line) > self.max_bytes and not line.endswith(b"\n"):
            size = len(line)
            while True:  # drop the rest of the overlong line, a chunk at a time
                rest = self.stream.readline(1 << 20)
                size += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
            return TooLong(line, size)
        return line.decode("utf-8", errors="replace")

    async def __aiter__(self) -> AsyncIterator[str]:
        while True:
            line = await anyio.to_thread.run_sync(self._next_line, abandon_on_cancel=True)
            if line is None:
                return
            if isinstance(line, TooLong):
                if line.id is not None and self.refuse is not None:
                    await self.refuse(line)
                continue  # (a notification has no id: nothing to answer)
            yield line


async def run_stdio(server: Any, max_line_bytes: int) -> None:
    """What MCPServer.run("stdio") does, with stdin read through BoundedLines."""
    from mcp.server.stdio import stdio_server

    from respan_mcp.sdk_compat import lowlevel_server

    lowlevel = lowlevel_server(server)
    stdin: Any = BoundedLines(sys.stdin.buffer, max_line_bytes)
    async with stdio_server(stdin=stdin) as (read_stream, write_stream):

        async def refuse(line: TooLong) -> None:
            from mcp.shared.message import SessionMessage
            from mcp_types import ErrorData, JSONRPCError

            message = (
                f"The request is {line.size:,} bytes; this server accepts at most {max_line_bytes:,} per message "
                "(RESPAN_MCP_STDIO_MAX_LINE). Send less, e.g. a smaller argument."
            )
            error = JSONRPCError(jsonrpc="2.0", id=line.id, error=ErrorData(code=-32600, message=message))
            await write_stream.send(SessionMessage(error))

        stdin.refuse = refuse
        await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
