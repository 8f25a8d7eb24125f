"""The server's side of template work: a small pool of warm worker processes with hard limits.

A stored template is untrusted code, and no list of forbidden operations is complete, so the
bound is the operating system's: every compile and render runs in a worker process
(worker_process.py) with a memory limit, a CPU limit, and a wall-clock deadline after which this
side kills it. A worker that hits a limit is one call's clear error; the next call gets a fresh
worker, the killed one's memory goes back to the system, and the server's own event loop never
runs template code, so other callers and /healthz are answered throughout.

Nothing is spawned until the first template needs one. Blocking pipe I/O runs in a thread (the
pool works from any event loop: stdio, HTTP, tests); a cancelled call kills its worker at once.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from respan_mcp.errors import UserError
from respan_mcp.prompts.worker_process import TooBig, read_frame

log = logging.getLogger(__name__)

QUEUE_SECONDS = 20.0  # how long a call waits for a free worker before saying the server is busy
START_SECONDS = 10.0  # how long a new worker may take to answer its first request


class TemplateWorkerError(UserError):
    """A template stopped by a worker limit, or a worker that could not run it."""


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 512
    wall_seconds: float = 5.0  # compile + render of one request, from the moment it is sent
    max_reply_bytes: int = 16 * 2**20
    workers: int = 2


class _Gone(Exception):
    """The worker died or was killed mid-request; the text says why, for the model."""


class _Worker:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.killed_for = ""
        command = [
            sys.executable, "-m", "respan_mcp.prompts.worker_process",
            "--memory-mb", str(limits.memory_mb),
            "--cpu-seconds", str(limits.wall_seconds + 1),
            "--max-reply", str(limits.max_reply_bytes),
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 - our own module, by the running interpreter
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_worker_environment(),
            start_new_session=os.name == "posix",  # a Ctrl-C for the server is not the worker's
        )
        self.pid = self.process.pid

    def start(self) -> None:
        """Wait until the worker has loaded the sandbox (start-up is not the template's time)."""
        reply = self.exchange(b'{"op":"ping"}', START_SECONDS)
        if "pong" not in reply or reply.get("recycle"):
            self.kill("protocol")
            raise _Gone("the template worker did not start")

    def kill(self, reason: str) -> None:
        if not self.killed_for:
            self.killed_for = reason
        try:
            self.process.kill()
        except OSError:
            pass

    def close(self) -> None:
        """Let the worker exit by itself (its stdin closes), and reap it."""
        try:
            if self.process.stdin:
                self.process.stdin.close()
            self.process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            self.kill("closed")
            self.process.wait()

    def exchange(self, request: bytes, wall_seconds: float) -> dict[str, Any]:
        """Send one request and wait for its reply; kill the worker at the deadline."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None
        assert stdout is not None
        timer = threading.Timer(wall_seconds, self.kill, (f"deadline:{wall_seconds:.1f}",))
        timer.daemon = True
        timer.start()
        try:
            stdin.write(len(request).to_bytes(4, "big") + request)
            stdin.flush()
            data = read_frame(stdout, self.limits.max_reply_bytes)
        except OSError:
            data = None
        finally:
            timer.cancel()
        if data is None:
            raise _Gone(self._why())
        if isinstance(data, TooBig):
            self.kill("reply")
            raise _Gone(self._why())
        reply = json.loads(data)
        if not isinstance(reply, dict):
            self.kill("protocol")
            raise _Gone("the template worker answered something that is not a reply")
        return reply

    def _why(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill("stuck")
            code = self.process.wait()
        limits = self.limits
        reason = self.killed_for
        simplify = "; simplify the template or its variables"
        if reason.startswith("deadline:"):
            return f"this template needs more than {reason.split(':', 1)[1]} s to compile and render{simplify}"
        if reason == "cancelled":
            return "the render was cancelled"
        if reason == "reply":
            return f"the rendered result is larger than {limits.max_reply_bytes // 2**20} MB"
        from respan_mcp.prompts.worker_process import WATCHDOG_EXIT

        sigxcpu = getattr(signal, "SIGXCPU", None)
        if sigxcpu is not None and code == -sigxcpu:
            return f"this template needs more than {limits.wall_seconds + 1:g} s of CPU to render{simplify}"
        # A worker the kernel killed (the OOM killer) or that crashed allocating: memory, in practice.
        crashes = ("SIGKILL", "SIGSEGV", "SIGABRT", "SIGBUS")
        memory_signals = {-getattr(signal, name) for name in crashes if hasattr(signal, name)}
        if code == WATCHDOG_EXIT or code in memory_signals:
            return f"this template needs more than {limits.memory_mb} MB of memory to render{simplify}"
        return f"the template worker stopped unexpectedly (exit status {code})"


def _worker_environment() -> dict[str, str]:
    """What a worker starts with: how to find Python and this package, nothing secret (no keys)."""
    from respan_mcp.prompts.worker_process import KEPT_ENVIRONMENT

    env = {k: v for k, v in os.environ.items() if k in KEPT_ENVIRONMENT}
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    env["MALLOC_ARENA_MAX"] = "2"  # glibc: per-thread arenas reserve address space the limit counts
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class _Call:
    """One request on its way: a cancelled caller kills the worker running it."""

    def __init__(self) -> None:
        self.cancelled = False
        self.worker: _Worker | None = None

    def cancel(self) -> None:
        self.cancelled = True
        if self.worker is not None:
            self.worker.kill("cancelled")


class WorkerPool:
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.limits.workers)
        self.restarts = 0  # workers replaced after a limit or a crash (a metric)
        self.spawned = 0

    async def call(self, request: dict[str, Any], wall_seconds: float | None = None) -> dict[str, Any]:
        """The worker's reply to `request`; TemplateWorkerError when a limit stopped it."""
        import anyio

        data = json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
        call = _Call()
        seconds = self.limits.wall_seconds if wall_seconds is None else wall_seconds
        try:
            return await anyio.to_thread.run_sync(self._run, call, data, seconds, abandon_on_cancel=True)
        except anyio.get_cancelled_exc_class():
            call.cancel()
            raise

    def _run(self, call: _Call, data: bytes, wall_seconds: float) -> dict[str, Any]:
        if not self._slots.acquire(timeout=QUEUE_SECONDS):
            raise TemplateWorkerError("every template worker is busy; try again in a few seconds")
        try:
            if call.cancelled:
                raise TemplateWorkerError("the render was cancelled")
            worker = None
            try:
                worker = call.worker = self._take()
                if call.cancelled:  # cancelled while the worker started
                    worker.kill("cancelled")
                reply = worker.exchange(data, wall_seconds)
            except _Gone as exc:
                self.restarts += 1
                log.warning("template worker %s replaced: %s", worker.pid if worker else "-", exc)
                raise TemplateWorkerError(str(exc)) from None
            if worker.process.poll() is None and not reply.pop("recycle", False):
                self._give_back(worker)
            else:
                worker.close()
            return reply
        finally:
            self._slots.release()

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.poll() is None:
                    return worker
        self.spawned += 1
        worker = _Worker(self.limits)
        worker.start()
        return worker

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            self._idle.append(worker)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._idle if w.process.poll() is None]


_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()


def configure(limits: Limits) -> None:
    """Set the limits (from Settings, at server creation); takes effect for workers started after."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL.limits != limits:
            old, _POOL = _POOL, WorkerPool(limits)
            if old is not None:
                old.close()


def pool() -> WorkerPool:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = WorkerPool()
        return _POOL


@atexit.register
def _close_pool() -> None:
    if _POOL is not None:
        _POOL.close()
