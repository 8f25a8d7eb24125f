"""The template worker: a separate process that compiles and renders templates under OS limits.

Run as `python -m respan_mcp.prompts.worker_process --memory-mb N --cpu-seconds S`. It reads
requests from stdin and writes replies to stdout, each a 4-byte big-endian length and a JSON
object (JSON both ways: the server never unpickles what untrusted template code produced).
Bounds, from the operating system rather than from a list of operations:
- memory: RLIMIT_AS where the kernel enforces it (Linux); everywhere a watchdog thread that exits
  when the process's resident size passes the limit (macOS ignores RLIMIT_AS; Windows has no rlimits);
- CPU: RLIMIT_CPU raised to "used so far + S" before each request, so one request cannot spin past it;
- no files written (RLIMIT_FSIZE 0), no core dumps;
- the server kills the whole process at its wall-clock deadline (see worker_pool.py).
The process exits when stdin closes (the server went away) and after any request that left it large.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
import time
from typing import Any, BinaryIO

WATCHDOG_EXIT = 3  # exit status of a worker stopped by its memory watchdog
RECYCLE_MB = 160  # a worker this large after a request exits after replying: its memory goes back
MAX_REQUEST = 64_000_000
# Environment a worker keeps: enough to start Python and find the package, nothing secret.
KEPT_ENVIRONMENT = ("PATH", "PYTHONPATH", "SYSTEMROOT", "TEMP", "TMP", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE")


def rss_mb() -> float:
    """The resident size now where the system says it cheaply, else the peak so far (not on Linux: there
    the peak survives fork and exec, so a worker would start with the server's)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, AttributeError):
        pass
    return peak_mb()


def peak_mb() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return _windows_rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB elsewhere


def _windows_rss_mb() -> float:
    import ctypes
    from ctypes import wintypes

    class Counters(ctypes.Structure):
        _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD)] + [
            (name, ctypes.c_size_t)
            for name in (
                "PeakWorkingSetSize", "WorkingSetSize", "QuotaPeakPagedPoolUsage", "QuotaPagedPoolUsage",
                "QuotaPeakNonPagedPoolUsage", "QuotaNonPagedPoolUsage", "PagefileUsage", "PeakPagefileUsage",
            )
        ]  # fmt: skip

    counters = Counters()
    counters.cb = ctypes.sizeof(counters)
    process = ctypes.windll.kernel32.GetCurrentProcess()  # type: ignore[attr-defined]
    ctypes.windll.psapi.GetProcessMemoryInfo(process, ctypes.byref(counters), counters.cb)  # type: ignore[attr-defined]
    return float(counters.WorkingSetSize) / 2**20


def _limit(memory_mb: int) -> None:
    try:
        import resource
    except ImportError:
        return
    for name, value in (("RLIMIT_AS", memory_mb * 2**20), ("RLIMIT_FSIZE", 0), ("RLIMIT_CORE", 0)):
        which = getattr(resource, name, None)
        if which is None:
            continue
        try:
            resource.setrlimit(which, (value, resource.getrlimit(which)[1]))
        except (ValueError, OSError):  # a hard limit already lower: keep it
            pass


def _cpu_allowance(seconds: float) -> None:
    """Let the coming request use `seconds` more CPU (SIGXCPU ends the process past it)."""
    try:
        import resource
    except ImportError:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ValueError, OSError):
        pass


def _watchdog(memory_mb: int) -> None:
    def watch() -> None:
        while True:
            time.sleep(0.05)
            if rss_mb() > memory_mb:
                os._exit(WATCHDOG_EXIT)

    threading.Thread(target=watch, name="memory-watchdog", daemon=True).start()


class TooBig:
    """A frame longer than allowed: its body is never read into memory."""


TOO_BIG = TooBig()


def read_frame(stream: BinaryIO | Any, max_bytes: int) -> bytes | TooBig | None:
    """One frame (a 4-byte big-endian length, then that many bytes); None when the stream ended or cut it."""
    header = stream.read(4)
    if len(header) < 4:
        return None
    size = int.from_bytes(header, "big")
    if size > max_bytes:
        return TOO_BIG
    body = stream.read(size)
    return body if len(body) == size else None


def _read(stream: BinaryIO) -> dict[str, Any] | None:
    frame = read_frame(stream, MAX_REQUEST)
    return json.loads(frame) if isinstance(frame, bytes) else None


def _write(stream: BinaryIO, reply: dict[str, Any], max_reply: int) -> None:
    data = json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    if len(data) > max_reply:
        refused = {"error": f"the rendered result is larger than {max_reply // 2**20} MB"}
        data = json.dumps({**refused, **({"recycle": True} if reply.get("recycle") else {})}).encode()
    stream.write(len(data).to_bytes(4, "big") + data)
    stream.flush()


def handle(request: dict[str, Any], memory_mb: int) -> dict[str, Any]:
    from respan_mcp.prompts import evaluate

    try:
        if request.get("op") == "variables":
            return evaluate.variables(request)
        if request.get("op") == "render":
            return evaluate.render_messages(request)
        if request.get("op") == "ping":
            return {"pong": os.getpid()}
        return {"error": f"unknown operation {request.get('op')!r}"}
    except evaluate.TemplateFailure as exc:
        return {"error": str(exc)}
    except MemoryError:
        return {"error": f"this template needs more than {memory_mb} MB of memory to render", "recycle": True}


def serve(memory_mb: int, cpu_seconds: float, max_reply: int) -> None:
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies may reach the server's pipe
    for name in list(os.environ):
        if name not in KEPT_ENVIRONMENT:
            del os.environ[name]
    _limit(memory_mb)
    _watchdog(memory_mb)
    from respan_mcp.prompts import evaluate

    evaluate.template_variables("{{ warm }}")  # jinja2 and the sandbox loaded before the first request
    while True:
        request = _read(requests)
        if request is None:
            return
        _cpu_allowance(cpu_seconds)
        reply = handle(request, memory_mb)
        if rss_mb() > RECYCLE_MB:
            reply["recycle"] = True  # said in the reply, so the server never hands this worker another request
        _write(replies, reply, max_reply)
        if reply.get("recycle"):
            return


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="respan-mcp-template-worker")
    parser.add_argument("--memory-mb", type=int, default=512)
    parser.add_argument("--cpu-seconds", type=float, default=6.0)
    parser.add_argument("--max-reply", type=int, default=16 * 2**20)
    args = parser.parse_args()
    serve(args.memory_mb, args.cpu_seconds, args.max_reply)


if __name__ == "__main__":
    main()
