"""Fault soak: the fake Respan misbehaves in every way it knows while respan-mcp (stdio) keeps serving.

429 storms, 5xx (JSON and HTML), read timeouts, streams cut mid-way, slow bodies and huge
bodies, one after another, against chat_completion (plain and streamed), search_logs, get_log,
list_prompts and render_prompt. Every call must end in bounded time with a result (or a clear
error) and no secret; the server must stay up; its memory is sampled to see that it stays flat.
Bounded in calls and in time.
    python tests/benchmarks/fault_soak.py [calls]
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
from _common import ROOT
from mcp import Client, StdioServerParameters

from tests.fake_logs import PROVIDER_SECRET
from tests.fake_respan import API_KEY

CALL_LIMIT_S = 30.0  # no single call may take longer than this
DEADLINE_S = 600.0
HUGE = "x" * 5_000_000

FAULTS: list[tuple[str, dict[str, Any]]] = [
    ("none", {}),
    ("429 storm", {"status": 429, "body": {"detail": "Rate limit exceeded", "retry_after": 0.05},
                   "headers": {"Retry-After": "0.05"}, "times": 6}),
    ("500", {"status": 500, "body": {"detail": "Internal server error", "error_code": "INTERNAL_ERROR"}}),
    ("502 html", {"status": 502, "body": "<html><title>502 Bad Gateway</title><body>nginx</body></html>"}),
    ("503 then ok", {"status": 503, "body": {"detail": "Service unavailable"}, "times": 1}),
    ("timeout", {"status": 200, "delay": 3.0}),
    ("cut stream", {"status": 200, "cut_after": 3}),
    ("slow", {"status": 200, "delay": 0.8}),
    ("huge error body", {"status": 500, "body": {"detail": HUGE}}),
    ("provider key echoed", {"status": 401, "body": {"error": {"message": f"Incorrect API key provided: {PROVIDER_SECRET}",
                                                               "type": "invalid_request_error"}}}),
]  # fmt: skip
CALLS: list[tuple[str, str, dict[str, Any], bool]] = [
    ("chat", "chat_completion", {"model": "gpt-4o", "messages": [{"role": "user", "content": "soak test please"}],
                                 "customer_credentials": {"openai": {"api_key": PROVIDER_SECRET}}}, False),
    ("chat", "chat_completion", {"model": "gpt-4o", "messages": [{"role": "user", "content": "streamed soak"}]}, True),
    ("request-logs/list", "search_logs", {"since": "2h", "limit": 5}, False),
    ("request-logs/", "get_log", {"log_id": "{log_id}"}, False),
    ("prompts/list", "list_prompts", {"limit": 5}, False),
    ("prompts/p_greet", "render_prompt", {"prompt_id": "p_greet", "variables": {"name": "x"}}, False),
]  # fmt: skip


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def soak(fake_url: str, calls: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESPAN_")}
    env.update({"RESPAN_API_KEY": API_KEY, "RESPAN_BASE_URL": fake_url, "RESPAN_MCP_CACHE_DIR": tempfile.mkdtemp(),
                "RESPAN_MCP_READ_TIMEOUT": "2", "RESPAN_MCP_MAX_RETRIES": "3", "RESPAN_MCP_RETRY_AFTER_CAP": "1",
                "RESPAN_MCP_PROMPT_CACHE_TTL": "0"})  # fmt: skip
    params = StdioServerParameters(command=sys.executable, args=["-m", "respan_mcp"], env=env)
    rng = random.Random(1)
    outcomes: dict[str, list[str]] = {}
    slowest = 0.0
    problems: list[str] = []
    memory: list[float] = []
    control = httpx.AsyncClient(base_url=fake_url)
    log_id = None
    async with Client(params, read_timeout_seconds=CALL_LIMIT_S) as client:
        found = await anyio.run_process(["pgrep", "-n", "-f", "respan_mcp$"])
        server_pid = int(found.stdout.split()[0])
        listed = await client.call_tool("search_logs", {"since": "7d", "limit": 1})
        log_id = (listed.structured_content or {}).get("logs", [{}])[0].get("id")
        started = time.monotonic()
        for n in range(calls):
            if time.monotonic() - started > DEADLINE_S:
                problems.append("deadline reached before all calls ran")
                break
            fault_name, fault = rng.choice(FAULTS)
            path, tool, args, stream = rng.choice(CALLS)
            args = {k: (log_id if v == "{log_id}" else v) for k, v in args.items()}
            await control.post("/_control/reset")
            if fault:
                await control.post("/_control/fail", json={"path": path, **fault})
            call_started = time.monotonic()
            try:
                with anyio.fail_after(CALL_LIMIT_S):
                    result = await client.call_tool(tool, args, progress_callback=_ignore if stream else None)
                text = "\n".join(getattr(c, "text", "") for c in result.content)
                outcome = "error" if result.is_error else "ok"
                if not text.strip():
                    problems.append(f"{tool} under {fault_name}: empty result")
                if API_KEY in text or PROVIDER_SECRET in text:
                    problems.append(f"{tool} under {fault_name}: a secret in the result")
                if len(text) > 40_000:
                    problems.append(f"{tool} under {fault_name}: {len(text):,} characters of result")
            except TimeoutError:
                outcome = "HUNG"
                problems.append(f"{tool} under {fault_name}: no answer in {CALL_LIMIT_S:.0f} s")
            slowest = max(slowest, time.monotonic() - call_started)
            outcomes.setdefault(fault_name, []).append(f"{tool}:{outcome}")
            if n % 25 == 0:
                memory.append(rss_mib(server_pid))
        assert (await client.list_tools()).tools  # still up and answering
        memory.append(rss_mib(server_pid))
    await control.aclose()
    print(f"{sum(len(v) for v in outcomes.values())} calls under {len(FAULTS)} kinds of fault; slowest {slowest:.1f} s")
    for fault_name, results in sorted(outcomes.items()):
        ok = sum(1 for r in results if r.endswith(":ok"))
        print(f"  {fault_name:20} {len(results):4} calls: {ok} answered, {len(results) - ok} clear errors")
    print(f"  server RSS (MiB) every 25 calls: {', '.join(f'{m:.0f}' for m in memory)}")
    print(f"  problems: {len(problems)}")
    for problem in problems[:10]:
        print("   ", problem)


async def _ignore(*_: Any) -> None:
    return None


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    fake = subprocess.Popen([sys.executable, "tests/fake_respan.py"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = (fake.stdout.readline() if fake.stdout else "").strip()
        anyio.run(soak, url, calls)
    finally:
        fake.terminate()
        fake.wait(timeout=10)


if __name__ == "__main__":
    main()
