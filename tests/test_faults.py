"""Every way Respan can fail reaches the model as a clear, actionable message with no secret in it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from respan_mcp.respan import RespanClient, RespanError
from respan_mcp.server import create_server
from tests.conftest import make_settings, text_of
from tests.fake_respan import API_KEY, FakeRespan

pytestmark = pytest.mark.anyio

USER = [{"role": "user", "content": "hi"}]
PROVIDER_KEY = "sk-proj-SECRETSECRETSECRET1234"


async def chat(client: Client, **extra: Any) -> tuple[bool, str]:
    args = {
        "messages": USER,
        "model": "gpt-4o",
        "customer_credentials": {"openai": {"api_key": PROVIDER_KEY}},
    }
    args.update(extra)
    result = await client.call_tool("chat_completion", args)
    return bool(result.is_error), text_of(result)


def assert_no_secret(text: str) -> None:
    assert API_KEY not in text
    assert PROVIDER_KEY not in text


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        (401, {"detail": "Invalid API key."}, {}, ["401 Unauthorized", "Invalid API key", "RESPAN_API_KEY"]),
        (
            422,
            {"detail": "Validation error", "errors": {"temperature": ["Must be <= 2."]}},
            {},
            ["422", "temperature: Must be <= 2.", "Fix the named fields"],
        ),
        (
            429,
            {"detail": "Rate limit exceeded", "retry_after": 60},
            {"Retry-After": "60"},
            ["429", "Wait 60 s"],
        ),
        (
            500,
            {"detail": "Internal server error", "error_code": "INTERNAL_ERROR"},
            {},
            ["server error (500)", "INTERNAL_ERROR", "try again"],
        ),
        (
            502,
            "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            {},
            ["502", "HTML page titled '502 Bad Gateway'"],
        ),
        (
            400,
            {
                "error": {
                    "message": f"Incorrect API key provided: {PROVIDER_KEY}",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            },
            {},
            ["400", "Incorrect API key provided", "invalid_api_key"],
        ),
    ],
)
async def test_gateway_errors_are_actionable(
    client: Client, fake: FakeRespan, status: int, body: Any, headers: dict[str, str], expected: list[str]
) -> None:
    fake.fail("/chat/completions", status=status, body=body, headers=headers)
    is_error, text = await chat(client)
    assert is_error
    for fragment in expected:
        assert fragment in text, (fragment, text)
    assert_no_secret(text)
    assert len(fake.requests) == 1  # a chat completion is never retried by us


async def test_unknown_model_404(client: Client) -> None:
    is_error, text = await chat(client, model="no-such-model")
    assert is_error and "404 Not Found" in text and "no-such-model" in text


async def test_provider_error_without_fallback(client: Client) -> None:
    is_error, text = await chat(client, model="fake-failing-model")
    assert is_error and "server_error" in text and "fallback_models" in text


async def test_stream_error_body_before_start(client: Client, fake: FakeRespan) -> None:
    fake.fail("/chat/completions", status=401, body={"detail": "Invalid API key."})
    result = await client.call_tool("chat_completion", {"messages": USER, "model": "gpt-4o"}, progress_callback=_ignore)
    assert result.is_error and "401" in text_of(result)


async def _ignore(*_: Any) -> None:
    return None


async def test_malformed_json_success_body(client: Client, fake: FakeRespan) -> None:
    fake.fail("/chat/completions", status=200, body="{not json")
    is_error, text = await chat(client)
    assert is_error and "not JSON" in text and "RESPAN_BASE_URL" in text


async def test_timeout_is_reported(tmp_path: Path, fake: FakeRespan, mode: str) -> None:
    fake.fail("/chat/completions", status=200, delay=1.0)
    server = create_server(make_settings(tmp_path, read_timeout=0.2), transport=_TimeoutTransport(fake))
    async with Client(server, mode=mode) as client:
        is_error, text = await chat(client)
    assert is_error and "did not answer in time" in text


class _TimeoutTransport(httpx.AsyncBaseTransport):
    """ASGITransport ignores timeouts; enforce the read timeout the way a socket would."""

    def __init__(self, fake: FakeRespan) -> None:
        self.inner = fake.transport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import anyio

        timeout = request.extensions.get("timeout", {}).get("read") or 5
        try:
            with anyio.fail_after(timeout):
                return await self.inner.handle_async_request(request)
        except TimeoutError:
            raise httpx.ReadTimeout("read timed out", request=request) from None


async def test_missing_key_says_what_to_set(tmp_path: Path, fake: FakeRespan, mode: str) -> None:
    server = create_server(make_settings(tmp_path, api_key=None), transport=fake.transport())
    async with Client(server, mode=mode) as client:
        is_error, text = await chat(client)
    assert is_error and "RESPAN_API_KEY" in text and not fake.requests


# -- the client on its own: retries are for reads only ---------------------------------------


async def test_reads_retry_on_429_with_retry_after(tmp_path: Path, fake: FakeRespan) -> None:
    fake.fail(
        "/things",
        status=429,
        body={"detail": "Rate limit exceeded"},
        headers={"Retry-After": "0.01"},
        times=2,
    )
    _ok_route(fake)
    client = RespanClient(make_settings(tmp_path), transport=fake.transport())
    assert await client.request("GET", "things/") == {"ok": True}
    assert len(fake.requests) == 3


async def test_a_429_storm_is_bounded_by_one_retry_budget_per_call(tmp_path: Path, fake: FakeRespan) -> None:
    """Issue 17: Retry-After: 1000 held one call for 90 s (three retries at the 30 s cap)."""
    fake.fail("/things", status=429, body={"detail": "Slow down"}, headers={"Retry-After": "1000"}, times=-1)
    _ok_route(fake)
    settings = make_settings(tmp_path, max_retries=3, retry_after_cap=0.2, retry_budget=0.5)
    client = RespanClient(settings, transport=fake.transport())
    started = time.monotonic()
    with pytest.raises(RespanError) as info:
        await client.request("GET", "things/")
    assert time.monotonic() - started < 5.0  # two sleeps of 0.2 s (a third would pass the 0.5 s budget)
    assert len(fake.requests) == 3
    message = info.value.message
    assert "Gave up after 3 tries" in message and "1000 s before the next try" in message
    assert info.value.status == 429


async def test_reads_give_up_after_max_retries(tmp_path: Path, fake: FakeRespan) -> None:
    fake.fail("/things", status=503, body={"detail": "Service unavailable"}, times=-1)
    _ok_route(fake)
    client = RespanClient(make_settings(tmp_path, max_retries=2), transport=fake.transport())
    with pytest.raises(RespanError) as info:
        await client.request("GET", "things/")
    assert info.value.status == 503 and len(fake.requests) == 3


async def test_writes_are_not_retried(tmp_path: Path, fake: FakeRespan) -> None:
    fake.fail("/things", status=503, body={"detail": "Service unavailable"}, times=-1)
    _ok_route(fake)
    client = RespanClient(make_settings(tmp_path), transport=fake.transport())
    with pytest.raises(RespanError):
        await client.request("POST", "things/", json_body={})
    assert len(fake.requests) == 1


async def test_connection_errors_name_the_base_url(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = RespanClient(make_settings(tmp_path, max_retries=1), transport=httpx.MockTransport(refuse))
    with pytest.raises(RespanError) as info:
        await client.request("GET", "things/")
    assert "could not reach Respan at http://respan.test/api" in info.value.message


def _ok_route(fake: FakeRespan) -> None:
    from starlette.responses import JSONResponse

    fake._add("/api/things/", lambda request, body, fault: JSONResponse({"ok": True}), ["GET", "POST"])
    fake.app.router.routes = fake.routes


async def test_total_timeout_bounds_retries(tmp_path: Path, fake: FakeRespan) -> None:
    fake.fail("/things", status=503, body={"detail": "Service unavailable"}, times=-1, delay=0.2)
    _ok_route(fake)
    settings = make_settings(tmp_path, max_retries=10, total_timeout=0.5)
    client = RespanClient(settings, transport=fake.transport())
    with pytest.raises(RespanError) as info:
        await client.request("GET", "things/")
    assert info.value.kind == "timeout" and "RESPAN_MCP_TOTAL_TIMEOUT" in info.value.message
    assert 1 < len(fake.requests) < 10


async def test_odd_answers_are_read_or_explained_never_a_bare_error(tmp_path: Path, fake: FakeRespan) -> None:
    """Issue 17: bad data from the backend ended as a bare 'Error executing tool' (list_customers with a
    count that is not a number)."""
    from mcp import Client

    from respan_mcp.config import ALL_TOOLSETS
    from respan_mcp.server import create_server
    from tests.conftest import text_of

    server = create_server(make_settings(tmp_path, toolsets=list(ALL_TOOLSETS)), transport=fake.transport())
    async with Client(server) as client:
        fake.fail("/users/list", status=200, body={"count": "many", "results": [{"customer_identifier": "acme"}]})
        listed = await client.call_tool("list_customers", {})
        assert not listed.is_error and "acme" in text_of(listed)
        fake.fail("/prompts/p_greet", status=200, body=["not", "a", "prompt"], times=-1)
        odd = await client.call_tool("get_prompt", {"prompt_id": "p_greet"})
        text = text_of(odd)
        assert odd.is_error and text != "Error executing tool get_prompt"
        assert "get_prompt" in text and ("did not expect" in text or "Respan" in text), text


async def test_a_key_of_no_known_shape_is_never_echoed(tmp_path: Path, fake: FakeRespan) -> None:
    """Issue 17: a key like `abc` came back inside Respan's 401 message."""

    def echo(request: httpx.Request) -> httpx.Response:
        key = request.headers["authorization"].removeprefix("Bearer ")
        return httpx.Response(401, json={"detail": f"Invalid API key: {key} (key {key} not found)"})

    client = RespanClient(make_settings(tmp_path, api_key="abc"), transport=httpx.MockTransport(echo))
    with pytest.raises(RespanError) as info:
        await client.request("GET", "things/")
    assert "abc" not in info.value.message and "abc" not in (info.value.detail or "")
    assert "401" in info.value.message and "[redacted]" in info.value.message
