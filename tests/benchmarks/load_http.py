"""Load over streamable HTTP on loopback: many concurrent sessions calling search_docs and chat_completion.

The fake Respan and `respan-mcp serve --transport http` run as their own processes; this
process drives SESSIONS concurrent MCP clients, each making CALLS calls (bounded in count
and time), and reports throughput, latency percentiles, failed calls and the server's peak
memory. The docs index is built before the clock starts.
    python tests/benchmarks/load_http.py [sessions] [calls-per-session] [workers] [floor]
With workers > 1 the server runs `--workers N` (N processes on the port); memory is the supervisor's alone.
With `floor`, the same load goes to the SDK's one-tool stateless server (minimal_server.py, same workers),
every call its `ping`: what the SDK's transport alone costs on this machine.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
import httpx
import httpx2
from _common import CORPUS, ROOT, percentiles
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.fake_respan import API_KEY
from tests.interop.run_conformance import free_port, wait_ready

QUESTIONS = ["how do I set fallback models", "disable_log", "cache per customer", "verify webhook signature",
             "respan.flush()", "load balancing", "thread_identifier", "prompt variables jinja"]  # fmt: skip
DEADLINE = 300.0  # seconds: the whole run stops by then whatever happens


def rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its live descendants (the workers under `--workers`)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    family, total = {pid}, 0.0
    changed = True
    while changed:
        changed = False
        for child, (parent, _) in stats.items():
            if parent in family and child not in family:
                family.add(child)
                changed = True
    for member in family:
        total += stats.get(member, (0, 0.0))[1]
    return total


async def session(
    url: str, n: int, calls: int, latencies: dict[str, list[float]], failures: list[str], floor: bool = False
) -> None:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {API_KEY}"}, timeout=60)
    async with Client(streamable_http_client(url, http_client=http)) as client:
        for i in range(calls):
            if floor:
                name, args = "ping", {"text": f"load {n}-{i}"}
            elif i % 2:
                name, args = "chat_completion", {"model": "gpt-4o-mini",
                                                 "messages": [{"role": "user", "content": f"load {n}-{i}"}]}  # fmt: skip
            else:
                name, args = "search_docs", {"query": QUESTIONS[(n + i) % len(QUESTIONS)]}
            started = time.perf_counter()
            try:
                result = await client.call_tool(name, args)
                if result.is_error:
                    failures.append(f"{name}: {result.content[0].text[:200]}")  # type: ignore[union-attr]
            except Exception as exc:  # a load test counts every kind of failure
                failures.append(f"{name}: {type(exc).__name__}: {exc}")
            latencies.setdefault(name, []).append((time.perf_counter() - started) * 1000)


async def drive(url: str, sessions: int, calls: int, pid: int, floor: bool = False) -> None:
    by_tool: dict[str, list[float]] = {}
    failures: list[str] = []
    peak = [0]

    async def watch_memory() -> None:
        while True:
            peak[0] = max(peak[0], rss_kib(pid, "VmRSS"))
            await anyio.sleep(0.1)

    warm: dict[str, list[float]] = {}
    await session(url, 0, 2, warm, failures, floor)  # each tool once before the clock (models load, pools fill)
    before = rss_kib(pid, "VmRSS")
    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    with anyio.move_on_after(DEADLINE):
        async with anyio.create_task_group() as group:
            group.start_soon(watch_memory)
            async with anyio.create_task_group() as clients:
                for n in range(sessions):
                    clients.start_soon(session, url, n, calls, by_tool, failures, floor)
            group.cancel_scope.cancel()
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds(pid) - cpu_before
    latencies = [x for samples in by_tool.values() for x in samples]
    what = "the SDK floor's ping" if floor else "half search_docs, half chat_completion"
    print(f"{sessions} sessions x {calls} calls ({what}) in {elapsed:.1f} s")
    print(f"  throughput {len(latencies) / elapsed:.0f} calls/s; latency {percentiles(latencies)}")
    for name, samples in sorted(by_tool.items()):
        print(f"  {name}: {percentiles(samples)}")
    print(f"  mean {statistics.fmean(latencies):.1f} ms; failed calls: {len(failures)} of {len(latencies)}")
    print(f"  server CPU: {cpu:.2f} s in all, {cpu * 1000 / max(1, len(latencies)):.2f} ms per call")
    print(f"  server RSS: {before / 1024:.0f} MiB before, peak {peak[0] / 1024:.0f} MiB, "
          f"high-water mark {rss_kib(pid, 'VmHWM') / 1024:.0f} MiB")  # fmt: skip
    for failure in failures[:5]:
        print("  failure:", failure)


def main() -> None:
    sessions = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    workers = sys.argv[3] if len(sys.argv) > 3 else "1"
    floor = len(sys.argv) > 4 and sys.argv[4] == "floor"
    source = str(CORPUS if CORPUS.exists() else ROOT / "tests/docs_site")
    # The docs index (with semantic vectors, minutes to build) is kept between runs in .ci-cache/load-cache.
    keep = ROOT / ".ci-cache" / "load-cache"
    keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        cache = str(keep)
        # RESPAN_MCP_DOCS_SEMANTIC passes through: set it to "off" to measure without the semantic extra.
        env = {k: v for k, v in os.environ.items() if not k.startswith("RESPAN_") or k == "RESPAN_MCP_DOCS_SEMANTIC"}
        env.update({"RESPAN_MCP_CACHE_DIR": cache, "RESPAN_DOCS_SOURCE": source,
                    "RESPAN_CREDENTIALS_FILE": str(Path(scratch) / "none.json")})  # fmt: skip
        subprocess.run([sys.executable, "-m", "respan_mcp", "docs", "sync", "--quiet"], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        fake = subprocess.Popen([sys.executable, "tests/fake_respan.py"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        port = free_port()
        server = None
        try:
            env["RESPAN_BASE_URL"] = (fake.stdout.readline() if fake.stdout else "").strip()
            command = ([sys.executable, "tests/benchmarks/minimal_server.py", "http", str(port), workers] if floor
                       else [sys.executable, "-m", "respan_mcp", "serve", "--transport", "http", "--port", str(port),
                             "--workers", workers])  # fmt: skip
            server = subprocess.Popen(command, env=env, cwd=ROOT)
            wait_ready(f"http://127.0.0.1:{port}/healthz")
            httpx.get(f"http://127.0.0.1:{port}/healthz")
            anyio.run(drive, f"http://127.0.0.1:{port}/mcp", sessions, calls, server.pid, floor)
        finally:
            for proc in (server, fake):
                if proc is not None:
                    proc.terminate()
                    proc.wait(timeout=10)


if __name__ == "__main__":
    main()
