"""When the semantic extra ranks: it is installed, not turned off, and every section has a vector.

Missing vectors are embedded in one background thread per process (the server never waits for
them: until they are all there, search ranks as without the extra), or in the foreground by
`respan-mcp docs sync`, with progress.
"""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from respan_mcp.docs import semantic

log = logging.getLogger(__name__)

_embedding: set[Path] = set()
_lock = threading.Lock()
_stop = threading.Event()  # set at interpreter exit: background embedding stops after its current batch
_workers: list[threading.Thread] = []


def attach(index: Any, path: Path, setting: str) -> str:
    """Turn semantic ranking on for `index` when its vectors are complete; else start making them.
    Returns the state in a few words (for `docs status` and logs)."""
    if setting == "off":
        return "off (RESPAN_MCP_DOCS_SEMANTIC=off)"
    if not semantic.available():
        return "not installed (pip install 'respan-mcp[semantic]')"
    from respan_mcp.docs.semantic.embedder import Embedder
    from respan_mcp.docs.semantic.vectors import SectionVectors

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
            embed_now(path, stop=_stop)
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
    path: Path, progress: Callable[[int, int], None] | None = None, stop: threading.Event | None = None
) -> tuple[int, int]:
    from respan_mcp.docs.semantic.embedder import Embedder
    from respan_mcp.docs.semantic.vectors import ensure_vectors

    return ensure_vectors(path, Embedder().embed, progress, stop)
