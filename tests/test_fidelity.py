"""Behaviour the real Respan API has and our first fake lacked (issue 10), each guarded here."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from respan_mcp.gateway.completion import CompletionAccumulator
from tests.conftest import text_of
from tests.fake_respan import FakeRespan

pytestmark = pytest.mark.anyio


async def _progress(*_: Any) -> None:
    pass


async def test_streamed_breakdown_inside_choices_is_kept(client: Client) -> None:
    result = await client.call_tool("chat_completion", {"model": "gpt-4o", "request_breakdown": True, "messages": [
        {"role": "user", "content": "hello there"}]}, progress_callback=_progress)  # fmt: skip
    text = text_of(result)
    assert "breakdown: cost $" in text and "latency" in text
    assert "extra_parameter" not in text
    assert result.structured_content["request_breakdown"]["status_code"] == 200


def test_accumulator_reads_the_breakdown_chunk_shape() -> None:
    acc = CompletionAccumulator()
    acc.feed({"id": "c1", "model": "gpt-4o", "choices": [{"index": 0, "delta": {"content": "hi"}}]})
    acc.feed({"id": "request_breakdown", "model": "extra_parameter",
              "choices": [{"index": 0, "delta": {}, "request_breakdown": {"cost": 0.5}}]})  # fmt: skip
    response = acc.response()
    assert response["request_breakdown"] == {"cost": 0.5}
    assert response["model"] == "gpt-4o" and response["id"] == "c1" and acc.text() == "hi"


@pytest.mark.parametrize("schema_version", [1, 2])
async def test_stream_enabled_prompt_runs(client: Client, fake: FakeRespan, schema_version: int) -> None:
    result = await client.call_tool("chat_completion", {"prompt": {
        "prompt_id": "p_stream", "variables": {"topic": "otters"}, "schema_version": schema_version}})  # fmt: skip
    assert not result.is_error, text_of(result)
    assert "Echo: Stream about otters" in text_of(result)
    # v1: refused (400) without stream, sent again streamed; v2: the gateway streams anyway and it is folded.
    assert fake.last("/chat/completions").body["stream"] is (schema_version == 1)


async def test_an_sse_answer_to_a_plain_request_is_folded(fake: FakeRespan, settings: Any) -> None:
    from respan_mcp.gateway.completion import fold_chunks
    from respan_mcp.respan import RespanClient
    from respan_mcp.sse import SSEAnswer

    client = RespanClient(settings, transport=fake.transport())
    try:
        body = {"stream": False, "prompt": {"prompt_id": "p_stream", "variables": {"topic": "x"}, "schema_version": 2}}
        answer = await client.request("POST", "chat/completions", json_body=body, read=False)
    finally:
        await client.aclose()
    assert isinstance(answer, SSEAnswer) and not answer.cut
    assert fold_chunks(answer)["choices"][0]["message"]["content"] == "Echo: Stream about x"
