"""Server-sent events, as the gateway streams chat completions."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass


@dataclass(frozen=True)
class SSEEvent:
    data: str
    event: str = "message"
    id: str | None = None


class SSEAnswer(list):  # type: ignore[type-arg]
    """The JSON chunks of a server-sent-events answer that came back to a plain (non-stream) request."""

    cut = False


class StreamEndedEarly(Exception):
    """The stream closed before its end marker: the caller keeps what it already has."""


async def iter_sse(lines: AsyncIterable[str], done_marker: str | None = "[DONE]") -> AsyncIterator[SSEEvent]:
    """Parse SSE lines into events, per the WHATWG rules that matter here.

    Comment lines (`: keep-alive`) are skipped, several `data:` lines join with newlines,
    an event is dispatched at a blank line. With a `done_marker`, reaching the end of the
    input without seeing it raises StreamEndedEarly (a stream cut mid-way).
    """
    data: list[str] = []
    event = "message"
    event_id: str | None = None
    async for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if data:
                payload = "\n".join(data)
                data, current, event = [], event, "message"
                if done_marker is not None and payload.strip() == done_marker:
                    return
                yield SSEEvent(data=payload, event=current, id=event_id)
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value or "message"
        elif name == "id":
            event_id = value
    # End of input: a final event without its blank line still counts.
    if data:
        payload = "\n".join(data)
        if done_marker is not None and payload.strip() == done_marker:
            return
        yield SSEEvent(data=payload, event=event, id=event_id)
    if done_marker is not None:
        raise StreamEndedEarly("the stream ended before its [DONE] marker")
