"""The gateway's Respan calls: one chat completion, plain or streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from respan_mcp.gateway.completion import fold_chunks
from respan_mcp.sse import SSEAnswer

if TYPE_CHECKING:
    from respan_mcp.respan import RespanClient

CHAT_PATH = "chat/completions"


class CutAnswer(Exception):
    """A streamed answer to a plain request that ended before it finished."""


async def complete(client: RespanClient, body: dict[str, Any]) -> Any:
    """One completion, not streamed. The gateway may stream anyway (a schema-v2 prompt set to stream):
    such an answer is folded into one completion, as if it had not been."""
    answer = await client.request("POST", CHAT_PATH, json_body={**body, "stream": False}, read=False,
                                  what="chat_completion")  # fmt: skip
    if isinstance(answer, SSEAnswer):
        if answer.cut:
            raise CutAnswer("chat_completion: the gateway's streamed answer was cut before it finished; call again.")
        return fold_chunks(answer)
    return answer


def stream(client: RespanClient, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """The completion's chunks, with usage in the last one."""
    options = {**(body.get("stream_options") or {}), "include_usage": True}
    return client.stream(CHAT_PATH, {**body, "stream": True, "stream_options": options}, what="chat_completion")
