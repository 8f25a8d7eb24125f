"""What Claude Code's model actually receives from respan-mcp (issue 18), measured with the real CLI.

Runs `claude -p` (npm `@anthropic-ai/claude-code`) headless against a local fake of the Anthropic Messages
API that answers with scripted `tool_use` blocks (one tool call per turn, the calls of tests/model_reads.py)
and records every `tool_result` block Claude Code sends back: that is what a user's model reads. The MCP
server is respan-mcp over stdio against the fake Respan. Nothing leaves this machine.

    python tests/clients/claude_code.py [--cli PATH] [--tools a,b,c]

Needs the CLI: `npm install @anthropic-ai/claude-code` (the script looks in ./node_modules/.bin and on PATH).
Prints, per tool, the characters the model received, and whether that was our text or our structured JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse, Response, StreamingResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from tests.fake_respan import API_KEY, FakeRespan, serve  # noqa: E402

SERVER = "respan"


class FakeAnthropic:
    """A Messages API whose model calls the scripted tools in order, then says it is done."""

    def __init__(self, script: list[tuple[str, dict[str, Any]]]) -> None:
        self.script = list(script)
        self.received: list[dict[str, Any]] = []  # tool_result blocks, in order, with the tool they answer
        self.calls: dict[str, str] = {}  # tool_use id -> tool name
        self.app = Starlette(routes=[Route("/v1/messages", self.messages, methods=["POST"]),
                                     Route("/v1/messages/count_tokens", self.count, methods=["POST"])])  # fmt: skip

    async def count(self, request: Request) -> Response:
        return JSONResponse({"input_tokens": 100})

    async def messages(self, request: Request) -> Response:
        body = await request.json()
        for message in body.get("messages") or []:
            for block in message.get("content") if isinstance(message.get("content"), list) else []:
                if block.get("type") == "tool_result" and block.get("tool_use_id") in self.calls:
                    tool = self.calls.pop(block["tool_use_id"])
                    self.received.append({"tool": tool, "content": block.get("content")})
        offered = {t.get("name") for t in body.get("tools") or []}
        step = None
        while self.script and step is None:
            name, args = self.script.pop(0)
            if f"mcp__{SERVER}__{name}" in offered:
                step = (name, args)
        if step is None:
            return self._answer(body, [{"type": "text", "text": "Done."}], "end_turn")
        use_id = f"toolu_{len(self.received) + len(self.calls) + 1:04d}"
        self.calls[use_id] = step[0]
        block = {"type": "tool_use", "id": use_id, "name": f"mcp__{SERVER}__{step[0]}", "input": step[1]}
        return self._answer(body, [block], "tool_use")

    def _answer(self, body: dict[str, Any], content: list[dict[str, Any]], stop: str) -> Response:
        message = {"id": "msg_fake", "type": "message", "role": "assistant", "model": body.get("model", "fake"),
                   "content": content, "stop_reason": stop, "stop_sequence": None,
                   "usage": {"input_tokens": 10, "output_tokens": 5}}  # fmt: skip
        if not body.get("stream"):
            return JSONResponse(message)

        def events() -> Any:
            start = {**message, "content": [], "stop_reason": None}
            yield _sse("message_start", {"type": "message_start", "message": start})
            for i, block in enumerate(content):
                if block["type"] == "tool_use":
                    yield _sse("content_block_start", {"type": "content_block_start", "index": i,
                                                       "content_block": {**block, "input": {}}})  # fmt: skip
                    delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
                else:
                    yield _sse("content_block_start", {"type": "content_block_start", "index": i,
                                                       "content_block": {"type": "text", "text": ""}})  # fmt: skip
                    delta = {"type": "text_delta", "text": block["text"]}
                yield _sse("content_block_delta", {"type": "content_block_delta", "index": i, "delta": delta})
                yield _sse("content_block_stop", {"type": "content_block_stop", "index": i})
            yield _sse("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop,
                                         "stop_sequence": None}, "usage": {"output_tokens": 5}})  # fmt: skip
            yield _sse("message_stop", {"type": "message_stop"})

        return StreamingResponse(events(), media_type="text/event-stream")


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return json.dumps(content)


def find_cli(given: str | None) -> str | None:
    for candidate in (given, str(Path.cwd() / "node_modules/.bin/claude"), shutil.which("claude")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def run(cli: str, script: list[tuple[str, dict[str, Any]]], toolsets: str = "all") -> list[dict[str, Any]]:
    """Claude Code over the scripted calls; the tool_result blocks its model received."""
    fake = FakeRespan()
    backend = serve(fake.app)
    model_api = FakeAnthropic(script)
    anthropic = serve(model_api.app)
    try:
        with tempfile.TemporaryDirectory() as home:
            config = {"mcpServers": {SERVER: {
                "command": sys.executable, "args": ["-m", "respan_mcp"],
                "env": {"RESPAN_API_KEY": API_KEY, "RESPAN_BASE_URL": backend.url, "RESPAN_MCP_TOOLSETS": toolsets,
                        "RESPAN_MCP_CACHE_DIR": str(Path(home) / "cache"),
                        "RESPAN_DOCS_SOURCE": str(ROOT / "tests" / "docs_site"),
                        "RESPAN_CREDENTIALS_FILE": str(Path(home) / "none.json")}}}}  # fmt: skip
            config_path = Path(home) / "mcp.json"
            config_path.write_text(json.dumps(config))
            env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_", "RESPAN_"))}
            env.update({"HOME": home, "ANTHROPIC_BASE_URL": anthropic.url, "ANTHROPIC_API_KEY": "sk-ant-fake-key",
                        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1",
                        "MCP_TIMEOUT": "60000", "MCP_TOOL_TIMEOUT": "120000"})  # fmt: skip
            command = [cli, "-p", "Use the respan tools.", "--mcp-config", str(config_path), "--strict-mcp-config",
                       "--allowedTools", f"mcp__{SERVER}",
                       "--output-format", "json", "--max-turns", str(len(script) + 2)]  # fmt: skip
            done = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True, timeout=600)
            if done.returncode != 0 and not model_api.received:
                raise RuntimeError(f"claude exited {done.returncode}: {done.stderr[-2000:]} {done.stdout[-2000:]}")
    finally:
        anthropic.stop()
        backend.stop()
    return model_api.received


def main() -> None:
    import anyio
    from mcp import Client

    from respan_mcp.config import Settings
    from respan_mcp.server import create_server
    from tests.docs_site_server import SITE
    from tests.model_reads import calls, measure

    parser = argparse.ArgumentParser()
    parser.add_argument("--cli")
    parser.add_argument("--tools", help="only these tools (comma-separated)")
    args = parser.parse_args()
    cli = find_cli(args.cli)
    if cli is None:
        sys.exit("needs the Claude Code CLI: npm install @anthropic-ai/claude-code")

    async def planned() -> tuple[list[tuple[str, dict[str, Any]]], dict[str, tuple[int, int]]]:
        fake = FakeRespan()
        settings = Settings(api_key=API_KEY, base_url="http://fake/api", cache_dir=Path(tempfile.mkdtemp()),
                            toolsets=["all"], docs_source=str(SITE))  # fmt: skip
        async with Client(create_server(settings, transport=fake.transport())) as client:
            script = await calls(client, fake)
            sizes = {tool: measure(await client.call_tool(tool, a)) for tool, a in script}
        return script, sizes

    script, sizes = anyio.run(planned)
    if args.tools:
        wanted = set(args.tools.split(","))
        script = [(t, a) for t, a in script if t in wanted]
    # Ids differ between the two fakes (fresh logs and traces): tools that take one get the run's own.
    script = [(t, a) for t, a in script if t not in ("get_log", "get_trace")]
    received = run(cli, script)
    print(f"{'tool':24} {'model got':>9} {'our text':>9} {'our JSON':>9}  which")
    for item in received:
        got = text_of(item["content"])
        text_chars, json_chars = sizes.get(item["tool"], (0, 0))
        which = "structured JSON" if got.lstrip().startswith("{") else "text"
        print(f"{item['tool']:24} {len(got):9,} {text_chars:9,} {json_chars:9,}  {which}")


if __name__ == "__main__":
    main()
