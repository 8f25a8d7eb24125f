"""Section vectors, kept beside the docs index and keyed by each section's content hash: a re-sync
embeds only the sections that changed, and an unchanged one embeds nothing.

Vectors are stored as int8 (scale 127): about 1 MB for the Respan docs, ranking like float32.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCALE = 127.0
SAVE_EVERY = 32  # sections per model run (the embedder's batch): the longest a stop waits for


def section_text(title: str, description: str, breadcrumb: str, body: str) -> str:
    """What is embedded for a section: where it is (and, for a page's first section, the page's
    description, which a reader sees above it), then what it says (the model reads 256 tokens)."""
    crumb = breadcrumb if breadcrumb and breadcrumb != title else ""
    head = ". ".join(part for part in (title, description, crumb) if part)
    return f"{head}\n{body}"


def section_hash(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def vectors_path(index_path: Path) -> Path:
    return index_path.with_name("docs-vectors.sqlite3")


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE IF NOT EXISTS vectors(hash TEXT PRIMARY KEY, vec BLOB NOT NULL)")
    return db


def sections(index_db: sqlite3.Connection) -> list[tuple[int, str, str]]:
    """(chunk id, content hash, text to embed) for every section of an index."""
    rows = index_db.execute("SELECT id, title, description, breadcrumb, body FROM chunks ORDER BY id").fetchall()
    texts = [(r[0], section_text(r[1], r[2] or "", r[3], r[4])) for r in rows]
    return [(chunk_id, section_hash(text), text) for chunk_id, text in texts]


def ensure_vectors(
    index_path: Path,
    embed: Callable[[list[str]], Any],
    progress: Callable[[int, int], None] | None = None,
    stop: threading.Event | None = None,
) -> tuple[int, int]:
    """Embed the sections that have no vector yet, one model batch at a time, each saved as it is done
    (an interrupted run loses at most one batch); (embedded now, sections in all)."""
    import numpy as np

    index_db = sqlite3.connect(f"file:{index_path}?mode=ro", uri=True)
    try:
        wanted = sections(index_db)
    finally:
        index_db.close()
    db = _open(vectors_path(index_path))
    try:
        have = {row[0] for row in db.execute("SELECT hash FROM vectors")}
        keep = {h for _, h, _ in wanted}
        stale = [(h,) for h in have - keep]
        if stale:  # sections that changed or went away: their vectors would only grow the file
            db.executemany("DELETE FROM vectors WHERE hash = ?", stale)
            db.commit()
        todo = list({h: text for _, h, text in wanted if h not in have}.items())
        done = 0
        for start in range(0, len(todo), SAVE_EVERY):
            if (stop is not None and stop.is_set()) or not index_path.exists():
                break  # asked to stop, or the index was replaced or removed (a re-sync embeds afresh)
            batch = todo[start : start + SAVE_EVERY]
            vectors = embed([text for _, text in batch])
            quantized = np.clip(np.round(vectors * SCALE), -127, 127).astype(np.int8)
            db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                           [(h, quantized[i].tobytes()) for i, (h, _) in enumerate(batch)])  # fmt: skip
            db.commit()
            done += len(batch)
            if progress is not None:
                progress(done, len(todo))
        return done, len(wanted)
    finally:
        db.close()


class SectionVectors:
    """Every section's vector in one int32 matrix, for a brute-force cosine (2,700 x 384: half a millisecond).

    Integer arithmetic on purpose: a float product goes through BLAS, whose threads fight onnxruntime's
    for the same cores (12 ms a query instead of 5 on 2 cores)."""

    def __init__(self, ids: Any, matrix: Any) -> None:
        self.ids = ids
        self.matrix = matrix  # int32, scaled by SCALE
        self.position = {int(chunk_id): i for i, chunk_id in enumerate(ids)}

    @classmethod
    def load(cls, index_path: Path, index_db: sqlite3.Connection) -> SectionVectors | None:
        """The vectors of this index's sections, or None while any is missing."""
        import numpy as np

        path = vectors_path(index_path)
        if not path.exists():
            return None
        wanted = sections(index_db)
        db = _open(path)
        try:
            stored = dict(db.execute("SELECT hash, vec FROM vectors").fetchall())
        finally:
            db.close()
        if not wanted or any(h not in stored for _, h, _ in wanted):
            return None
        ids = np.array([chunk_id for chunk_id, _, _ in wanted], dtype=np.int64)
        matrix = np.stack([np.frombuffer(stored[h], dtype=np.int8) for _, h, _ in wanted]).astype(np.int32)
        return cls(ids, matrix)

    def similarities(self, query_vector: Any) -> Any:
        import numpy as np

        query = np.round(query_vector * SCALE).astype(np.int32)
        return (self.matrix @ query) / (SCALE * SCALE)

    def top(self, sims: Any, count: int) -> list[int]:
        import numpy as np

        order = np.argsort(-sims)[:count]
        return [int(self.ids[i]) for i in order]
