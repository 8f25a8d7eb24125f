"""Latency of an ordinary render (three messages, a loop, defaults and variables), p50/p99 over 500 renders.

Templates compile and render in a warm worker process (issue 17); this measures what that costs per
render. The first render (which starts the worker) is reported apart.
    python tests/benchmarks/render_latency.py
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import anyio
from _common import ROOT  # noqa: F401 - puts the project on sys.path

from respan_mcp.prompts.render import PromptVersion, render_version

MESSAGES = [
    {"role": "system", "content": "You are {{ persona }}. Answer in {{ language | default('English') }}."},
    {
        "role": "user",
        "content": "Summarise for {{ customer.name }}:\n{% for item in items %}- {{ item }}\n{% endfor %}",
    },
    {"role": "assistant", "content": "Noted, {{ customer.name }}."},
]
DEFAULTS = {"persona": "a support agent", "customer": {"name": "Ann"}, "items": ["a", "b", "c"]}


async def never(prompt_id: str, version: Any) -> PromptVersion:
    raise AssertionError


async def main() -> None:
    version = PromptVersion("p_bench", 1, MESSAGES, {"model": "gpt-4o"}, DEFAULTS)
    started = time.perf_counter()
    await render_version(version, {"language": "French"}, never)
    first = time.perf_counter() - started
    times = []
    for i in range(500):
        started = time.perf_counter()
        await render_version(version, {"language": "French", "items": [str(i), "x"]}, never)
        times.append(time.perf_counter() - started)
    times.sort()
    print(f"first render {first * 1000:.1f} ms; then p50 {statistics.median(times) * 1000:.2f} ms, "
          f"p99 {times[int(len(times) * 0.99)] * 1000:.2f} ms over {len(times)} renders")  # fmt: skip


if __name__ == "__main__":
    anyio.run(main)
