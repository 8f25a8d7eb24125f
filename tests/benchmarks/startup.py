"""Start-up: spawn -> first tools/list answer over stdio, ours vs. a one-tool MCPServer (the SDK's floor).

Speaks raw JSON-RPC over the pipes, so the client's own cost is not counted.
    python tests/benchmarks/startup.py [runs] [--toolsets=all]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _common import ROOT

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}}  # fmt: skip
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
LIST = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}


def time_to_tools_list(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=env, cwd=ROOT, text=True)  # fmt: skip
    assert proc.stdin and proc.stdout
    proc.stdin.write(json.dumps(INIT) + "\n")
    proc.stdin.flush()
    proc.stdout.readline()
    proc.stdin.write(json.dumps(INITIALIZED) + "\n" + json.dumps(LIST) + "\n")
    proc.stdin.flush()
    answer = json.loads(proc.stdout.readline())
    elapsed = time.perf_counter() - started
    proc.stdin.close()
    proc.wait(timeout=10)
    return elapsed, len(answer["result"]["tools"])


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--toolsets=")]
    toolsets = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--toolsets=")), "default")
    runs = int(args[0]) if args else 15
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESPAN_")}
    env.update({"RESPAN_API_KEY": "bench", "RESPAN_MCP_CACHE_DIR": tempfile.mkdtemp()})
    if toolsets != "default":
        env["RESPAN_MCP_TOOLSETS"] = toolsets
    cases = {
        f"respan-mcp ({toolsets} toolsets)": [sys.executable, "-m", "respan_mcp"],
        "minimal MCPServer, 1 tool": [sys.executable, str(ROOT / "tests/benchmarks/minimal_server.py")],
    }
    medians = {}
    for name, command in cases.items():
        time_to_tools_list(command, env)  # warm the OS file cache
        samples = [time_to_tools_list(command, env) for _ in range(runs)]
        medians[name] = statistics.median(s for s, _ in samples)
        print(f"{name:28} median {medians[name] * 1000:7.1f} ms  ({samples[0][1]} tools, n={runs})")
    ours, floor = medians.values()
    print(f"ratio {ours / floor:.3f}")


if __name__ == "__main__":
    main()
