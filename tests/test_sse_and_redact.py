from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from respan_mcp.redact import REDACTED, redact, scrub
from respan_mcp.sse import StreamEndedEarly, iter_sse

pytestmark = pytest.mark.anyio


async def _lines(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def _collect(*lines: str) -> list[str]:
    return [e.data async for e in iter_sse(_lines(*lines))]


async def test_keepalive_comments_and_multiline_data() -> None:
    got = await _collect(": keep-alive", "", 'data: {"a":', "data: 1}", "", "data: [DONE]", "")
    assert got == ['{"a":\n1}']


async def test_event_without_trailing_blank_line_then_done() -> None:
    assert await _collect("data: x", "", "data: [DONE]") == ["x"]


async def test_cut_stream_raises_after_yielding_what_came() -> None:
    seen: list[str] = []

    async def drain() -> None:
        async for event in iter_sse(_lines("data: one", "", "data: two", "")):
            seen.append(event.data)

    with pytest.raises(StreamEndedEarly):
        await drain()
    assert seen == ["one", "two"]


async def test_event_and_id_fields() -> None:
    events = [e async for e in iter_sse(_lines("event: ping", "id: 7", "data: p", "", "data: [DONE]", ""))]
    assert events[0].event == "ping" and events[0].id == "7"


def test_redact_nested_secrets() -> None:
    body = {
        "model": "gpt-4o",
        "customer_credentials": {"openai": {"api_key": "sk-abcdefghijklmnop"}},
        "credential_override": {"gpt-4o": {"api_key": "x"}},
        "messages": [{"role": "user", "content": "my key is sk-proj-ABCDEFGHIJKLMNOP"}],
        "headers": {"Authorization": "Bearer abc.def.ghi"},
    }
    out = redact(body)
    assert out["customer_credentials"] == REDACTED and out["credential_override"] == REDACTED
    assert out["headers"]["Authorization"] == REDACTED
    assert "sk-proj" not in out["messages"][0]["content"]
    assert out["model"] == "gpt-4o"


def test_scrub_known_secret_and_bearer() -> None:
    text = scrub("key rsp-held-key-123 and Bearer tok_ABCDEFGH12345", ["rsp-held-key-123"])
    assert "rsp-held-key-123" not in text and "tok_ABCDEFGH12345" not in text


@given(st.text())
def test_scrub_never_fails(text: str) -> None:
    assert isinstance(scrub(text, ["secret-value"]), str)


def test_secret_key_names_every_spelling() -> None:
    """Names only the exact list or the `...apikey` ending catches (mutation testing found them untested)."""
    from respan_mcp.redact import is_secret_key

    for name in ("aws_access_key_id", "AWS_ACCESS_KEY_ID", "openaiapikey", "OPENAIAPIKEY", "service-apikey",
                 "my_api_key", "X-Api-Key"):  # fmt: skip
        assert is_secret_key(name), name
    assert not is_secret_key("organization_key_id") and not is_secret_key("apikeys_count")


def test_held_secrets_are_scrubbed_at_four_characters_and_blanks_are_ignored() -> None:
    from respan_mcp.redact import scrub_held

    assert scrub("key wxyz here", ["wxyz"]) == f"key {REDACTED} here"
    assert scrub("abc xy", ["", "xy"]) == "abc xy"  # an empty or too-short secret never rewrites text
    data = {"a": "uses wxyz", "b": ["wxyz!", 3], "c": None}
    assert scrub_held(data, ["wxyz", ""]) == {"a": f"uses {REDACTED}", "b": [f"{REDACTED}!", 3], "c": None}
    assert scrub_held("abc", ["", "ab"]) == "abc"
