"""The docs index: one SQLite file (FTS5, or a pure-Python BM25 where FTS5 is missing).

Built into a temporary file and swapped in with os.replace, so a crash mid-build leaves
the previous index usable. Stamped with its source and build time.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from respan_mcp.config import DOCS_STALE_AFTER_DAYS, Settings
from respan_mcp.docs import rank
from respan_mcp.docs.bm25 import WEIGHTS, WORD, PythonBM25, place_words
from respan_mcp.docs.chunk import drop_blocks, find_boilerplate, split_sections
from respan_mcp.docs.mdx import clean_page
from respan_mcp.docs.query import MAX_ALSO, MAX_QUERY_CHARS, Term, fts_expression, keywords_of, parse_query
from respan_mcp.docs.rank import rerank
from respan_mcp.docs.records import Hit, PageRecord, RawPage

INDEX_FILE = "docs-index.sqlite3"
SCHEMA_VERSION = "8"  # 8: sections know how many pages repeat their text
CANDIDATES = 60
COMMON_SHARE = 0.3  # words in more sections than this share rank nothing: left out of the FTS query
PER_PAGE = 2
MIN_REPEATED_CHARS = 40  # shorter texts (a heading's one-line intro) are too generic to call templated
RESULT_CACHE_SIZE = 256


@dataclass
class IndexStatus:
    ok: bool
    summary: str
    fix: str = ""
    meta: dict[str, str] = field(default_factory=dict)


def index_path(settings: Settings) -> Path:
    return settings.resolved_cache_dir() / INDEX_FILE


def fts5_available() -> bool:
    try:
        with sqlite3.connect(":memory:") as db:
            db.execute("CREATE VIRTUAL TABLE t USING fts5(a)")
        return True
    except sqlite3.OperationalError:
        return False


# -- building -------------------------------------------------------------------------------


def build_index(pages: Sequence[RawPage], source: str, dest: Path, *, use_fts: bool | None = None) -> dict[str, int]:
    """Clean, de-boilerplate, chunk and index `pages` into `dest`, atomically."""
    use_fts = fts5_available() if use_fts is None else use_fts
    cleaned = [(page, clean_page(page.text, fallback_title=page.title or page.path)) for page in pages]
    boilerplate = find_boilerplate(c.markdown for _, c in cleaned)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    chunk_count = 0
    try:
        db.executescript(
            """
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE pages(path TEXT PRIMARY KEY, url TEXT, title TEXT, description TEXT, markdown TEXT,
                               raw TEXT, raw_hash TEXT, etag TEXT, last_modified TEXT, position INTEGER,
                               entry_url TEXT);
            CREATE TABLE chunks(id INTEGER PRIMARY KEY, path TEXT, anchor TEXT, heading TEXT, breadcrumb TEXT,
                                body TEXT, level INTEGER, position INTEGER, title TEXT, description TEXT,
                                keywords TEXT, repeats INTEGER);
            CREATE INDEX chunks_path ON chunks(path, position);
            """
        )
        if use_fts:
            db.execute(
                "CREATE VIRTUAL TABLE chunks_fts USING fts5(title, description, headings, body, keywords, place, "
                "tokenize='porter unicode61 remove_diacritics 2')"
            )
        prepared = []
        for page, clean in cleaned:
            title = page.title or clean.title or page.path.rsplit("/", 1)[-1]
            description = page.description or clean.description
            markdown = drop_blocks(clean.markdown, boilerplate)
            if clean.api:
                markdown = f"`{clean.api}`\n\n{markdown}"
            # A page that is all components or an embed still has its title and description to be found by.
            sections = split_sections(markdown) or split_sections(description or title)
            prepared.append((page, title, description, markdown, sections))
        repeats = pages_sharing_text((page.path, s.body) for page, *_, sections in prepared for s in sections)
        for position, (page, title, description, markdown, sections) in enumerate(prepared):
            db.execute(
                "INSERT OR REPLACE INTO pages VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (page.path, page.url, title, description, markdown, page.text, page.content_hash, page.etag,
                 page.last_modified, position, page.entry_url),
            )  # fmt: skip
            for section in sections:
                crumb = section.breadcrumb or title
                keywords = keywords_of(f"{section.heading}\n{section.body}")
                cursor = db.execute(
                    "INSERT INTO chunks(path, anchor, heading, breadcrumb, body, level, position, title, description,"
                    " keywords, repeats) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (page.path, section.anchor, section.heading, crumb, section.body, section.level, section.order,
                     title, description if section.order == 0 else "", keywords,
                     repeats.get(shared_text(section.body), 1)),
                )  # fmt: skip
                if use_fts:
                    db.execute(
                        "INSERT INTO chunks_fts(rowid, title, description, headings, body, keywords, place) "
                        "VALUES (?,?,?,?,?,?,?)",
                        (cursor.lastrowid, title, description if section.order == 0 else "", crumb, section.body,
                         keywords, place_words(page.path)),
                    )  # fmt: skip
                chunk_count += 1
        meta = {
            "common_words": json.dumps(common_words(db, chunk_count)),
            "schema": SCHEMA_VERSION,
            "source": source,
            "built_at": str(int(time.time())),
            "pages": str(len(cleaned)),
            "chunks": str(chunk_count),
            "engine": "fts5" if use_fts else "python-bm25",
            "boilerplate_blocks": str(len(boilerplate)),
        }
        db.executemany("INSERT INTO meta VALUES (?,?)", meta.items())
        db.commit()
    finally:
        db.close()
    os.replace(tmp, dest)
    return {"pages": len(cleaned), "chunks": chunk_count, "boilerplate_blocks": len(boilerplate)}


def shared_text(body: str) -> str:
    return " ".join(body.split())


def pages_sharing_text(sections: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Section texts found on several pages (templated text, like the same 401 example under every
    endpoint), with how many pages have each: such a section says little about any one page."""
    pages: dict[str, set[str]] = defaultdict(set)
    for path, body in sections:
        if len(body) >= MIN_REPEATED_CHARS:
            pages[shared_text(body)].add(path)
    return {text: len(paths) for text, paths in pages.items() if len(paths) > 1}


def touch_index(path: Path) -> None:
    """Stamp an unchanged index as freshly checked."""
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'built_at'", (str(int(time.time())),))


def common_words(db: sqlite3.Connection, chunk_count: int) -> list[str]:
    """Words found in more than COMMON_SHARE of all sections ("respan", "api", ...)."""
    df: Counter[str] = Counter()
    for (text,) in db.execute("SELECT lower(title || ' ' || breadcrumb || ' ' || body) FROM chunks"):
        df.update(set(WORD.findall(text)))
    limit = max(10, chunk_count * COMMON_SHARE)
    return sorted(w for w, n in df.items() if n > limit)


# -- reading --------------------------------------------------------------------------------


class DocsIndex:
    """Read access to a built index. Opening it is cheap; the Python engine loads on first search."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # One read-only connection per thread: searches run in worker threads, where SQLite
        # works without holding the GIL, so the event loop keeps serving meanwhile.
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        if self.meta.get("schema") != SCHEMA_VERSION:
            self.close()
            raise sqlite3.DatabaseError("index schema is out of date")
        self.engine = self.meta.get("engine", "fts5")
        if self.engine == "fts5" and not fts5_available():
            self.engine = "python-bm25"
        self._bm25: PythonBM25 | None = None
        self._rows: dict[int, tuple[Any, ...]] = {}  # chunk rows seen, by id: sections are immutable
        self._results: OrderedDict[tuple[str, int, int, tuple[str, ...]], tuple[list[Hit], list[Term]]] = OrderedDict()
        self.common = frozenset(json.loads(self.meta.get("common_words", "[]")))
        self.semantic: Any = None  # SectionVectors when the semantic extra ranks too (see enable_semantic)
        self._embed: Any = None
        self._query_vectors: dict[str, Any] = {}

    @property
    def db(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "db", None)
        if connection is None:
            connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.db = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()

    def age_days(self) -> float:
        return (time.time() - int(self.meta.get("built_at", "0"))) / 86400

    def stored_pages(self) -> dict[str, RawPage]:
        """What the last sync saw, for conditional re-fetching."""
        rows = self.db.execute("SELECT path, url, raw, title, description, etag, last_modified, entry_url FROM pages")
        return {r[0]: RawPage(r[0], r[1], r[2], r[3], r[4], r[5] or "", r[6] or "", r[7] or "") for r in rows}

    def search(
        self, query: str, limit: int = 5, per_page: int = PER_PAGE, also: Sequence[str] = ()
    ) -> tuple[list[Hit], list[Term]]:
        """Ranked sections for a query (and up to MAX_ALSO other phrasings of it, fused); recent answers are
        reused (the index never changes in place)."""
        query = query[:MAX_QUERY_CHARS]  # the rest is never read: the cache key stays small too
        alternates = tuple(dict.fromkeys(a[:MAX_QUERY_CHARS] for a in also[:MAX_ALSO] if a.strip() and a != query))
        key = (query, limit, per_page, alternates)
        with self._lock:
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
                return cached
        if alternates:
            if self.semantic is not None:
                self.embed_queries([query, *alternates])
            rankings, terms = [], []
            for phrasing in (query, *alternates):
                hits, phrasing_terms = self.search_uncached(phrasing, rank.FUSE_DEPTH, per_page=3)
                rankings.append(hits)
                terms += [t for t in phrasing_terms if t not in terms]
            result = rank.fuse(rankings, limit, per_page), terms
        else:
            result = self.search_uncached(query, limit, per_page)
        with self._lock:
            self._results[key] = result
            if len(self._results) > RESULT_CACHE_SIZE:
                self._results.popitem(last=False)
        return result

    def search_uncached(self, query: str, limit: int = 5, per_page: int = PER_PAGE) -> tuple[list[Hit], list[Term]]:
        terms = parse_query(query)
        if not terms:
            return [], terms
        if self.engine == "fts5":
            # Very common words barely move BM25 but cost the most to score: rank on the rest.
            rare = [t for t in terms if t.identifier or t.bigram or t.text not in self.common]
            expression = fts_expression(rare or terms)
            rows = self.db.execute(
                "SELECT rowid, bm25(chunks_fts, ?, ?, ?, ?, ?, ?) FROM chunks_fts WHERE chunks_fts MATCH ? "
                "ORDER BY 2 LIMIT ?",
                (*WEIGHTS, expression, CANDIDATES),
            ).fetchall()
            scored = [(rowid, -score) for rowid, score in rows]
        else:
            with self._lock:
                if self._bm25 is None:
                    self._bm25 = PythonBM25(self.db)
            scored = self._bm25.search(terms, CANDIDATES)
        similarity: dict[int, float] | None = None
        if self.semantic is not None:
            sims = self.semantic.similarities(self.semantic_query(query))
            found = {rowid for rowid, _ in scored}
            scored += [(i, 0.0) for i in self.semantic.top(sims, rank.DENSE_CANDIDATES) if i not in found]
            similarity = {rowid: float(sims[self.semantic.position[rowid]]) for rowid, _ in scored
                          if rowid in self.semantic.position}  # fmt: skip
        hits = self._hits(scored)
        return rerank(hits, terms, limit, per_page, similarity), terms

    def enable_semantic(self, vectors: Any, embed: Any) -> None:
        """Rank with the semantic extra from now on (`vectors`: every section's, `embed`: texts -> vectors)."""
        self._embed = embed
        self.semantic = vectors
        with self._lock:
            self._results.clear()

    def semantic_query(self, query: str) -> Any:
        cached = self._query_vectors.get(query)
        if cached is None:
            self.embed_queries([query])
            cached = self._query_vectors[query]
        return cached

    def embed_queries(self, queries: Sequence[str]) -> None:
        """Embed the phrasings not seen yet in one batch (one model run costs about as much as four)."""
        missing = [q for q in dict.fromkeys(queries) if q not in self._query_vectors]
        if not missing:
            return
        if len(self._query_vectors) + len(missing) > RESULT_CACHE_SIZE:
            self._query_vectors.clear()
        for query, vector in zip(missing, self._embed(missing), strict=True):
            self._query_vectors[query] = vector

    def _hits(self, scored: list[tuple[int, float]]) -> list[Hit]:
        missing = [rowid for rowid, _ in scored if rowid not in self._rows]
        if missing:
            marks = ",".join("?" * len(missing))
            rows = self.db.execute(
                f"SELECT c.id, c.path, p.url, c.anchor, c.title, c.breadcrumb, c.body, c.repeats FROM chunks c "  # noqa: S608
                f"JOIN pages p ON p.path = c.path WHERE c.id IN ({marks})",
                missing,
            ).fetchall()
            for row in rows:
                self._rows[row[0]] = row
        return [
            Hit(r[0], r[1], r[2], r[3], r[4], r[5], r[6], score=s, repeats=r[7])
            for i, s in scored
            if (r := self._rows.get(i)) is not None
        ]

    def page(self, path: str) -> PageRecord | None:
        row = self.db.execute(
            "SELECT path, url, title, description, markdown FROM pages WHERE path = ?", (path,)
        ).fetchone()
        if row is None:
            return None
        sections = self.db.execute(
            "SELECT anchor, heading, level FROM chunks WHERE path = ? AND heading != '' ORDER BY position", (path,)
        ).fetchall()
        unique = list(dict.fromkeys(sections))  # a long section is several identical chunk rows
        path_, url, title, description, markdown = row
        return PageRecord(path_, url, title, description, markdown, sections=unique)

    def paths(self) -> list[tuple[str, str, str]]:
        return self.db.execute("SELECT path, title, url FROM pages ORDER BY position").fetchall()


def read_meta(path: Path) -> dict[str, str] | None:
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError:
        return None


def index_status(settings: Settings) -> IndexStatus:
    path = index_path(settings)
    meta = read_meta(path)
    if meta is None:
        return IndexStatus(False, f"no index at {path}", "run `respan-mcp docs sync` (or let search_docs build it)")
    if meta.get("schema") != SCHEMA_VERSION:
        return IndexStatus(False, "index is from an older version", "run `respan-mcp docs sync`", meta)
    age = (time.time() - int(meta.get("built_at", "0"))) / 86400
    summary = (
        f"{meta.get('pages')} pages, {meta.get('chunks')} sections from {meta.get('source')}, "
        f"built {age:.1f} days ago ({meta.get('engine')})"
    )
    if age > DOCS_STALE_AFTER_DAYS:
        return IndexStatus(False, summary + " - stale", "run `respan-mcp docs sync` to refresh", meta)
    return IndexStatus(True, summary, meta=meta)


def as_dict(hit: Hit, excerpt: str) -> dict[str, Any]:
    return {"title": hit.title, "section": hit.breadcrumb, "url": hit.link, "path": hit.path, "excerpt": excerpt}
