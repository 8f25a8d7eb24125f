"""chat_completion through the MCP client, against the fake gateway."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from respan_mcp.server import create_server
from tests.conftest import make_settings, text_of
from tests.fake_respan import API_KEY, FakeRespan

pytestmark = pytest.mark.anyio

USER = [{"role": "user", "content": "hello there"}]


class Called:
    def __init__(self, result: Any, events: list[tuple[float, str | None]]) -> None:
        self.result, self.progress_events = result, events
        self.is_error, self.content = result.is_error, result.content
        self.structured_content = result.structured_content


async def call(client: Client, progress: bool = False, **args: Any) -> Called:
    events: list[tuple[float, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        events.append((done, message))

    result = await client.call_tool("chat_completion", args, progress_callback=on_progress if progress else None)
    return Called(result, events)


async def test_tool_is_listed_with_honest_annotations(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    tool = tools["chat_completion"]
    assert tool.annotations is not None
    assert tool.annotations.read_only_hint is False
    assert tool.annotations.open_world_hint is True
    assert tool.annotations.idempotent_hint is False
    props = tool.input_schema["properties"]
    for name in (
        "messages",
        "fallback_models",
        "customer_credentials",
        "cache_enabled",
        "response_format",
        "thinking",
        "prompt",
        "request_breakdown",
        "disable_log",
        "load_balance_group",
    ):
        assert name in props, name
        assert props[name].get("description")
    assert "cache_options" in props["extra_body"]["description"]  # the long tail travels in extra_body
    assert tool.output_schema is not None and "choices" in tool.output_schema["properties"]


async def test_extra_body_carries_the_long_tail_and_named_parameters_win(client: Client, fake: FakeRespan) -> None:
    result = await call(client, messages=USER, model="gpt-4o", temperature=0.5,
                        extra_body={"span_name": "step-1", "temperature": 0.9, "logprobs": True})  # fmt: skip
    assert not result.is_error
    sent = fake.last("/chat/completions").body
    assert sent["span_name"] == "step-1" and sent["logprobs"] is True and sent["temperature"] == 0.5


async def test_unknown_arguments_are_refused_naming_the_valid_ones(client: Client, fake: FakeRespan) -> None:
    before = len(fake.requests)
    result = await call(client, messages=USER, model="gpt-4o", stream=True)
    text = text_of(result)
    assert result.is_error and "unknown argument(s) stream" in text and "extra_body" in text
    assert "pydantic" not in text and "errors.pydantic.dev" not in text
    assert len(fake.requests) == before


async def test_plain_completion(client: Client, fake: FakeRespan) -> None:
    result = await call(client, messages=USER, model="gpt-4o-mini", temperature=0.2, customer_identifier="acme")
    text = text_of(result)
    assert not result.is_error
    assert text.startswith("Echo: hello there")
    assert "model: gpt-4o-mini" in text and "finish: stop" in text and "tokens: 2 in / 3 out" in text
    sent = fake.last("/chat/completions")
    assert sent.body["customer_identifier"] == "acme" and sent.body["temperature"] == 0.2
    assert sent.body["stream"] is False
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert result.structured_content["choices"][0]["message"]["content"] == "Echo: hello there"
    assert "{\n" not in text  # no pretty-printed JSON dumps


async def test_fallback_is_visible(client: Client) -> None:
    result = await call(client, messages=USER, model="fake-failing-model", fallback_models=["gpt-4o"])
    text = text_of(result)
    assert "model: gpt-4o (asked for fake-failing-model" in text
    assert result.structured_content["requested_model"] == "fake-failing-model"


async def test_breakdown_and_content_parts_pass_through(client: Client, fake: FakeRespan) -> None:
    parts = [
        {"type": "text", "text": "describe", "cache_control": {"type": "ephemeral"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
    ]
    result = await call(client, messages=[{"role": "user", "content": parts}], model="gpt-4o", request_breakdown=True)
    assert fake.last("/chat/completions").body["messages"][0]["content"] == parts
    text = text_of(result)
    assert "breakdown: cost $" in text and "latency" in text


async def test_tool_calls_are_readable(client: Client) -> None:
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    result = await call(
        client,
        messages=[{"role": "user", "content": "please get_weather for Paris"}],
        model="gpt-4o",
        tools=tools,
    )
    text = text_of(result)
    assert '] get_weather({"query": "please get_weather for Paris"})' in text
    assert "finish: tool_calls" in text


async def test_streaming_with_progress(client: Client, fake: FakeRespan) -> None:
    result = await call(
        client,
        progress=True,
        messages=[{"role": "user", "content": "one two three four"}],
        model="gpt-4o-mini",
        request_breakdown=True,
    )
    text = text_of(result)
    assert text.startswith("Echo: one two three four")
    assert fake.last("/chat/completions").body["stream"] is True
    assert result.progress_events and "Echo" in (result.progress_events[0][1] or "")
    assert "tokens: 4 in / 5 out" in text  # usage arrives in the stream's last chunk
    assert "breakdown: cost" in text


async def test_streamed_tool_calls_are_merged(client: Client) -> None:
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    result = await call(
        client, progress=True, messages=[{"role": "user", "content": "lookup x"}], model="gpt-4o", tools=tools
    )
    call_ = result.structured_content["choices"][0]["message"]["tool_calls"][0]
    assert call_["function"] == {"name": "lookup", "arguments": '{"query": "lookup x"}'}


async def test_stream_cut_keeps_partial_text(client: Client, fake: FakeRespan) -> None:
    fake.fail("/chat/completions", status=200, cut_after=4)
    result = await call(client, progress=True, messages=[{"role": "user", "content": "a b c d e f"}], model="gpt-4o")
    text = text_of(result)
    assert result.is_error
    assert "cut before it finished" in text and "Partial answer:\nEcho: a b" in text


async def test_needs_messages_or_prompt(client: Client) -> None:
    result = await call(client, model="gpt-4o")
    assert result.is_error and "Give `messages`" in text_of(result)


@pytest.mark.parametrize("mode", ["auto"])
async def test_read_only_mode_drops_the_tool(tmp_path: Any, fake: FakeRespan, mode: str) -> None:
    server = create_server(make_settings(tmp_path, read_only=True, toolsets=["gateway"]), transport=fake.transport())
    async with Client(server, mode=mode) as c:
        assert "chat_completion" not in {t.name for t in (await c.list_tools()).tools}


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_cancelling_the_call_closes_the_upstream_stream(tmp_path: Any, fake: FakeRespan, mode: str) -> None:
    import anyio

    from tests.fake_respan import serve

    fake.fail("/chat/completions", status=200, chunk_delay=0.2)
    served = serve(fake.app)  # over a real socket: the in-process transport buffers whole bodies
    server = create_server(make_settings(tmp_path, toolsets=["gateway"], base_url=served.url))
    first_progress = anyio.Event()

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        first_progress.set()

    async with Client(server, mode=mode) as client:
        async with anyio.create_task_group() as group:

            async def run() -> None:
                await client.call_tool("chat_completion", {"model": "gpt-4o", "messages": [
                    {"role": "user", "content": "a long answer " * 20}]}, progress_callback=on_progress)  # fmt: skip

            group.start_soon(run)
            with anyio.fail_after(10):
                await first_progress.wait()
            group.cancel_scope.cancel()
        with anyio.fail_after(5):
            while fake.streams_abandoned == 0:  # noqa: ASYNC110 - the fake runs in another thread
                await anyio.sleep(0.05)
    served.stop()
    assert fake.streams_started == 1 and fake.streams_abandoned == 1
