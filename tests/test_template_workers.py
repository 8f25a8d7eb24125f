"""Templates run in worker processes bounded by the operating system (issue 17).

Each class of attack the audit found ends as one call's clear error within the deadline, while
the server keeps answering others; the next call gets a fresh worker; the server process never
compiles or renders a template.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from respan_mcp.prompts import worker_pool
from respan_mcp.prompts.render import PromptRenderError, PromptVersion, render_version
from tests.fake_respan import FakeRespan, _version, serve

pytestmark = pytest.mark.anyio
LINUX = sys.platform.startswith("linux")

# One template per class of attack (the audit's list, not its instances): each is refused by a
# different bound, none of them by a rule written for it.
ATTACKS = {
    # many values each under the per-value cap, accumulated: ~2 GB if nothing stops it
    "allocates 2 GB": (
        "{% set ns = namespace(l=[]) %}{% for i in range(2100) %}{% set ns.l = ns.l + ['x' * 999999] %}"
        "{% endfor %}{{ ns.l|length }}",
        "MB of memory",
    ),
    # one library call that never returns to the step budget (13-53 s of CPU in the audit)
    "spins inside one call": ("{{ ('a' * 999999)|wordwrap(1)|length }}", "s to compile and render"),
    # a list with shared references turned into text: one long C call holding the GIL
    "shared references to text": ("{% set a = ['x' * 999999] * 999 %}{{ a|string|length }}", "MB of memory"),
    # a 1 MB template: 16 s and 2 GB to compile, before any budget started
    "takes 20 s to compile": ("{{ x }}" * 150_000, "to render"),
}


async def _never(prompt_id: str, version: Any) -> PromptVersion:
    raise AssertionError("no child prompt here")


def _one(template: str) -> PromptVersion:
    return PromptVersion("p_evil", 1, [{"role": "user", "content": template}], {}, {})


def _tree_rss_mb(pid: int) -> float:
    """Resident size of a process and all its descendants (Linux /proc)."""
    total, pending = 0.0, [pid]
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    while pending:
        current = pending.pop()
        pending += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


@pytest.mark.parametrize("name", list(ATTACKS))
async def test_each_attack_class_is_one_clear_error(name: str) -> None:
    template, expected = ATTACKS[name]
    started = time.monotonic()
    with pytest.raises(PromptRenderError) as caught:
        await render_version(_one(template), {}, _never)
    assert expected in str(caught.value)
    assert time.monotonic() - started < 12  # the deadline is 5 s; generous for a loaded CI machine
    # and the next render gets a working worker
    rendered = await render_version(_one("{{ 1 + 1 }}"), {}, _never)
    assert rendered.messages[0]["content"] == "2"


async def test_a_render_failing_its_limits_does_not_leave_the_worker_large() -> None:
    pool = worker_pool.pool()
    with pytest.raises(PromptRenderError):
        await render_version(_one(ATTACKS["allocates 2 GB"][0]), {}, _never)
    await render_version(_one("ok"), {}, _never)
    if LINUX:
        for pid in pool.worker_pids():
            assert _tree_rss_mb(pid) < 200  # the big one exited: its memory went back to the system


async def test_cancelling_a_render_kills_its_worker_at_once() -> None:
    pool = worker_pool.WorkerPool(worker_pool.Limits(workers=1))
    request = {"op": "render", "messages": [{"role": "user", "content": ATTACKS["spins inside one call"][0]}],
               "values": {}, "images": [], "budget": {"seconds": 30}}  # fmt: skip
    pids_before = {p.pid for p in pool._idle}
    with anyio.move_on_after(1.0):
        await pool.call(request, 30)
    await anyio.sleep(0.3)
    assert pool.restarts == 1 and not pool.worker_pids() and not pids_before
    reply = await pool.call({"op": "variables", "texts": ["{{ a }}"]})
    assert reply == {"names": [["a"]]}
    pool.close()


async def test_a_reply_over_the_cap_is_an_error_not_memory() -> None:
    pool = worker_pool.WorkerPool(worker_pool.Limits(workers=1, max_reply_bytes=2**20))
    messages = [{"role": "user", "content": "{{ 'y' * 900000 }}"}] * 2
    reply = await pool.call({"op": "render", "messages": messages, "values": {}, "images": [], "budget": {}})
    assert reply == {"error": "the rendered result is larger than 1 MB"}
    pool.close()


async def test_a_worker_that_dies_is_a_clear_error_and_is_replaced() -> None:
    pool = worker_pool.WorkerPool(worker_pool.Limits(workers=1))
    await pool.call({"op": "ping"})
    [pid] = pool.worker_pids()
    request = {"op": "render", "messages": [{"role": "user", "content": ATTACKS["spins inside one call"][0]}],
               "values": {}, "images": [], "budget": {"seconds": 30}}  # fmt: skip

    async def kill_soon() -> None:
        await anyio.sleep(0.5)
        os.kill(pid, signal.SIGKILL)  # as the kernel's OOM killer would

    async with anyio.create_task_group() as group:
        group.start_soon(kill_soon)
        with pytest.raises(worker_pool.TemplateWorkerError, match="more than 512 MB of memory"):
            await pool.call(request, 30)
    assert (await pool.call({"op": "variables", "texts": ["{{ b }}"]})) == {"names": [["b"]]}
    pool.close()


@pytest.mark.skipif(not LINUX, reason="reads /proc")
async def test_workers_hold_no_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESPAN_API_KEY", "sk-must-not-reach-a-worker")
    pool = worker_pool.WorkerPool(worker_pool.Limits(workers=1))
    await pool.call({"op": "ping"})
    [pid] = pool.worker_pids()
    environ = Path(f"/proc/{pid}/environ").read_bytes()  # noqa: ASYNC240 - /proc, instant
    assert b"sk-must-not-reach" not in environ and b"RESPAN" not in environ
    limits = Path(f"/proc/{pid}/limits").read_text()  # noqa: ASYNC240
    assert "Max address space" in limits and str(512 * 2**20) in limits
    pool.close()


def test_no_worker_starts_before_the_first_template(tmp_path: Path) -> None:
    script = (
        "import anyio\n"
        "from mcp import Client\n"
        "from respan_mcp.server import create_server\n"
        "from respan_mcp.prompts import worker_pool\n"
        "async def main():\n"
        "    async with Client(create_server()) as c:\n"
        "        await c.list_tools()\n"
        "    assert worker_pool.pool().spawned == 0, 'a worker started'\n"
        "anyio.run(main)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESPAN_")}
    env["RESPAN_MCP_CACHE_DIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]


# -- the real server under attack: everyone else is still answered ----------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def attacked_server(tmp_path: Path) -> Any:
    fake = FakeRespan()
    for i, (template, _) in enumerate(ATTACKS.values()):
        prompt_id = f"p_evil{i}"
        fake.prompts[prompt_id] = {**fake.prompts["p_draft"], "id": 900 + i, "prompt_id": prompt_id, "name": "Evil"}
        fake.versions[prompt_id] = [_version(1, [{"role": "user", "content": template}], True)]
    backend = serve(fake.app)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESPAN_", "KEYWORDSAI_"))}
    env.update({"RESPAN_BASE_URL": backend.url, "RESPAN_MCP_CACHE_DIR": str(tmp_path / "cache"),
                "RESPAN_CREDENTIALS_FILE": str(tmp_path / "none.json"), "RESPAN_MCP_TOOLSETS": "prompts"})  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "respan_mcp", "serve", "--transport", "http", "--port", str(port)], env=env
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield url, process.pid
    process.terminate()
    process.wait(timeout=10)
    backend.stop()


@pytest.mark.skipif(not LINUX, reason="measures the process tree through /proc")
async def test_attacks_on_the_real_server_leave_everyone_else_answered(attacked_server: Any) -> None:
    from tests.test_attacks import _mcp_client

    url, pid = attacked_server
    worst = {"healthz": 0.0, "other": 0.0, "rss": 0.0}
    async with _mcp_client(url) as attacker, _mcp_client(url) as bystander:
        baseline = _tree_rss_mb(pid)
        for i, (name, (_, expected)) in enumerate(ATTACKS.items()):
            done = anyio.Event()

            async def watch(done: anyio.Event = done) -> None:
                async with httpx.AsyncClient(timeout=10) as plain:
                    while not done.is_set():
                        started = time.monotonic()
                        assert (await plain.get(url + "/healthz")).status_code == 200
                        worst["healthz"] = max(worst["healthz"], time.monotonic() - started)
                        started = time.monotonic()
                        listed = await bystander.call_tool("list_prompts", {"limit": 2})
                        assert not listed.is_error
                        worst["other"] = max(worst["other"], time.monotonic() - started)
                        worst["rss"] = max(worst["rss"], _tree_rss_mb(pid))
                        await anyio.sleep(0.05)

            async with anyio.create_task_group() as group:
                group.start_soon(watch)
                started = time.monotonic()
                result = await attacker.call_tool("render_prompt", {"prompt_id": f"p_evil{i}"})
                elapsed = time.monotonic() - started
                done.set()
            text = "\n".join(getattr(c, "text", "") for c in result.content)
            assert result.is_error and expected in text, (name, text)
            assert elapsed < 12, (name, elapsed)
    print(f"\nworst /healthz {worst['healthz'] * 1000:.0f} ms, other call {worst['other'] * 1000:.0f} ms, "
          f"process tree {worst['rss']:.0f} MB (baseline {baseline:.0f} MB)")  # fmt: skip
    assert worst["healthz"] < 1.0 and worst["other"] < 2.0
    assert worst["rss"] < baseline + 512 + 64  # one worker at its cap at most, the server unchanged
