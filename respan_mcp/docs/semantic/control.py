"""When the semantic extra ranks: it is installed, not turned off, and every section has a vector.

Missing vectors are embedded in one background thread per process (the server never waits for
them: until they are all there, search ranks as without the extra), or in the foreground by
`respan-mcp docs sync`, with progress. One process embeds an index at a time (a lock file beside it): the
workers of `serve --workers`, replicas sharing a volume and `docs sync` do not each embed the same sections
(each run of the model holds about 2 GB); the others rank without the extra until the vectors are complete.
"""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from respan_mcp.docs import semantic

log = logging.getLogger(__name__)

_embedding: set[Path] = set()
_lock = threading.Lock()
_stop = threading.Event()  # set at interpreter exit: background embedding stops after its current batch
_workers: list[threading.Thread] = []
_busy_elsewhere: dict[Path, float] = {}  # index -> when another process was found embedding it
RECHECK_SECONDS = 30.0  # how long to rank without the extra before looking again at another process's work


def attach(index: Any, path: Path, setting: str) -> str:
    """Turn semantic ranking on for `index` when its vectors are complete; else start making them.
    Returns the state in a few words (for `docs status` and logs)."""
    if setting == "off":
        return "off (RESPAN_MCP_DOCS_SEMANTIC=off)"
    if not semantic.available():
        return "not installed (pip install 'respan-mcp[semantic]')"
    from respan_mcp.docs.semantic.embedder import Embedder
    from respan_mcp.docs.semantic.vectors import SectionVectors

    with _lock:
        seen = _busy_elsewhere.get(path)
    if seen is not None and time.monotonic() - seen < RECHECK_SECONDS:
        return "embedding in another process"
    try:
        vectors = SectionVectors.load(path, index.db)
    except (sqlite3.Error, ValueError) as exc:
        log.warning("semantic vectors unusable (%s); they will be rebuilt", exc)
        vectors = None
    if vectors is not None:
        index.enable_semantic(vectors, Embedder().embed)
        return f"on ({len(vectors.ids):,} sections)"
    _embed_in_background(path)
    return "embedding the sections in the background"


def describe(path: Path, setting: str) -> str:
    """The semantic extra's state for an index, without changing anything (for `docs status`)."""
    if setting == "off":
        return "off (RESPAN_MCP_DOCS_SEMANTIC=off)"
    if not semantic.available():
        return "not installed (pip install 'respan-mcp[semantic]')"
    from respan_mcp.docs.semantic.vectors import SectionVectors

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        vectors = SectionVectors.load(path, db)
    finally:
        db.close()
    if vectors is None:
        return "installed; sections not embedded yet (the server embeds them in the background, or docs sync)"
    return f"on ({len(vectors.ids):,} sections embedded)"


def embedding(path: Path) -> bool:
    with _lock:
        return path in _embedding


def _embed_in_background(path: Path) -> None:
    with _lock:
        if path in _embedding:
            return
        _embedding.add(path)

    def work() -> None:
        try:
            embed_now(path, stop=_stop, wait=False)
        except Exception:  # a failure here must never reach a caller: search works without it
            if path.exists():  # (an index removed under us, e.g. its cache folder deleted, is no failure)
                log.exception("embedding the docs sections failed; search ranks without the semantic extra")
        finally:
            with _lock:
                _embedding.discard(path)

    worker = threading.Thread(target=work, name="respan-docs-embed", daemon=True)
    with _lock:
        if not _workers:
            atexit.register(_finish_background_work)
        _workers[:] = [*(w for w in _workers if w.is_alive()), worker]
    worker.start()


def _finish_background_work() -> None:
    """At exit, let a running model batch finish rather than kill its thread inside onnxruntime (which
    aborts the process); what was embedded so far is kept."""
    _stop.set()
    with _lock:
        workers = list(_workers)
    for worker in workers:
        worker.join(timeout=10)


def embed_now(
    path: Path,
    progress: Callable[[int, int], None] | None = None,
    stop: threading.Event | None = None,
    wait: bool = True,
) -> tuple[int, int] | None:
    """Embed what is missing: (embedded now, sections in all). Another process embedding this index is waited
    for (`docs sync`), or with `wait=False` left to it (None)."""
    from respan_mcp.docs.semantic.embedder import Embedder
    from respan_mcp.docs.semantic.vectors import ensure_vectors

    with embedding_lock(path, wait) as mine:
        if not mine:
            with _lock:
                _busy_elsewhere[path] = time.monotonic()
            return None
        with _lock:
            _busy_elsewhere.pop(path, None)
        return ensure_vectors(path, Embedder().embed, progress, stop)


@contextmanager
def embedding_lock(path: Path, wait: bool) -> Iterator[bool]:
    """Whether this process may embed `path`'s sections now (an advisory lock on a file beside the index, released
    with the process however it ends). Where there is no `fcntl` (Windows) every process may."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield True
        return
    with open(path.with_name(path.name + ".embed-lock"), "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
