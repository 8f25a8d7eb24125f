"""The docs index: one SQLite file (FTS5, or a pure-Python BM25 where FTS5 is missing).

Built into a temporary file and swapped in with os.replace, so a crash mid-build leaves
the previous index usable. Stamped with its source and build time.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import sqlite3
import threading
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from respan_mcp.config import DOCS_STALE_AFTER_DAYS, Settings
from respan_mcp.docs.chunk import drop_blocks, find_boilerplate, split_sections
from respan_mcp.docs.mdx import clean_page
from respan_mcp.docs.query import MAX_QUERY_CHARS, Term, fts_expression, keywords_of, parse_query

INDEX_FILE = "docs-index.sqlite3"
SCHEMA_VERSION = "7"  # 7: pages with no body keep a section; embeds named
# Column weights: title, description, headings, body, keywords, place (the page's path words).
WEIGHTS = (3.0, 1.5, 5.0, 1.0, 4.0, 2.0)
CANDIDATES = 60
COMMON_SHARE = 0.3  # words in more sections than this share rank nothing: left out of the FTS query
PER_PAGE = 2
RESULT_CACHE_SIZE = 256


@dataclass
class RawPage:
    """A page as a source delivered it, before cleanup."""

    path: str  # site path without extension, no leading slash: "documentation/features/gateway/setup"
    url: str  # the human-facing page URL
    text: str  # MDX/Markdown source (HTML pages arrive already converted)
    title: str = ""
    description: str = ""
    etag: str = ""
    last_modified: str = ""
    entry_url: str = ""  # the link the source listed (it may have redirected to `url`)

    @property
    def content_hash(self) -> str:
        import hashlib

        return hashlib.sha256(self.text.encode()).hexdigest()


@dataclass
class Hit:
    id: int
    path: str
    url: str
    anchor: str
    title: str
    breadcrumb: str
    body: str
    score: float

    @property
    def link(self) -> str:
        return f"{self.url}#{self.anchor}" if self.anchor else self.url


@dataclass
class PageRecord:
    path: str
    url: str
    title: str
    description: str
    markdown: str
    sections: list[tuple[str, str, int]] = field(default_factory=list)  # (anchor, heading, level)


@dataclass
class IndexStatus:
    ok: bool
    summary: str
    fix: str = ""
    meta: dict[str, str] = field(default_factory=dict)


def place_words(path: str) -> str:
    """A page path as words (`sdks/python/tracing/client/flush` -> `sdks python tracing client flush`)."""
    return re.sub(r"[/_\-.]+", " ", path)


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
                                keywords TEXT);
            CREATE INDEX chunks_path ON chunks(path, position);
            """
        )
        if use_fts:
            db.execute(
                "CREATE VIRTUAL TABLE chunks_fts USING fts5(title, description, headings, body, keywords, place, "
                "tokenize='porter unicode61 remove_diacritics 2')"
            )
        for position, (page, clean) in enumerate(cleaned):
            title = page.title or clean.title or page.path.rsplit("/", 1)[-1]
            description = page.description or clean.description
            markdown = drop_blocks(clean.markdown, boilerplate)
            if clean.api:
                markdown = f"`{clean.api}`\n\n{markdown}"
            db.execute(
                "INSERT OR REPLACE INTO pages VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (page.path, page.url, title, description, markdown, page.text, page.content_hash, page.etag,
                 page.last_modified, position, page.entry_url),
            )  # fmt: skip
            # A page that is all components or an embed still has its title and description to be found by.
            for section in split_sections(markdown) or split_sections(description or title):
                crumb = section.breadcrumb or title
                keywords = keywords_of(f"{section.heading}\n{section.body}")
                cursor = db.execute(
                    "INSERT INTO chunks(path, anchor, heading, breadcrumb, body, level, position, title, description,"
                    " keywords) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (page.path, section.anchor, section.heading, crumb, section.body, section.level, section.order,
                     title, description if section.order == 0 else "", keywords),
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
        self._results: OrderedDict[tuple[str, int, int], tuple[list[Hit], list[Term]]] = OrderedDict()
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

    def search(self, query: str, limit: int = 5, per_page: int = PER_PAGE) -> tuple[list[Hit], list[Term]]:
        """Ranked sections for a query; recent answers are reused (the index never changes in place)."""
        query = query[:MAX_QUERY_CHARS]  # the rest is never read: the cache key stays small too
        key = (query, limit, per_page)
        with self._lock:
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
                return cached
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
            scored += [(i, 0.0) for i in self.semantic.top(sims, DENSE_CANDIDATES) if i not in found]
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
            cached = self._embed([query])[0]
            if len(self._query_vectors) > RESULT_CACHE_SIZE:
                self._query_vectors.clear()
            self._query_vectors[query] = cached
        return cached

    def _hits(self, scored: list[tuple[int, float]]) -> list[Hit]:
        missing = [rowid for rowid, _ in scored if rowid not in self._rows]
        if missing:
            marks = ",".join("?" * len(missing))
            rows = self.db.execute(
                f"SELECT c.id, c.path, p.url, c.anchor, c.title, c.breadcrumb, c.body FROM chunks c "  # noqa: S608
                f"JOIN pages p ON p.path = c.path WHERE c.id IN ({marks})",
                missing,
            ).fetchall()
            for row in rows:
                self._rows[row[0]] = row
        return [
            Hit(id=r[0], path=r[1], url=r[2], anchor=r[3], title=r[4], breadcrumb=r[5], body=r[6], score=s)
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


# Re-ranking weights over the BM25 candidates (tuned on tests/benchmarks/docs_eval.json).
W_COVERAGE = 0.3  # share of the question's terms found anywhere in the section
W_HEAD = 0.5  # ... found in the page title or the section's headings
W_TITLE = 0.5  # ... found in the page title
W_IDENT = 0.3  # an identifier from the question appears verbatim
W_IDENT_HEAD = 0.3  # ... in the headings: the section about that parameter
W_PAGE = 0.6  # support from the page's other matching sections
W_BIGRAM = 0.3  # adjacent question words found together


def _stems(phrase: str) -> tuple[str, ...]:
    """Word prefixes that stand for a phrase's words in any inflection (`models` -> `mode`)."""
    return tuple(w[: max(4, len(w) - 2)] for w in phrase.split())


@functools.lru_cache(maxsize=8192)
def _lowered(_id: int, title: str, breadcrumb: str, body: str) -> tuple[str, str, str]:
    title = title.lower()
    head = f"{title} {breadcrumb.lower()}"
    return title, head, f"{head} {body.lower()}"


W_SEM = 1.5  # semantic extra: cosine similarity of question and section (tuned on docs_eval.json only)
DENSE_CANDIDATES = 30  # semantic extra: the nearest sections join the full-text candidates


def rerank(
    hits: list[Hit], terms: list[Term], limit: int, per_page: int, semantic: dict[int, float] | None = None
) -> list[Hit]:
    """Favour sections that cover more of the question on pages about it; at most `per_page` per page."""
    if not hits:
        return []
    best = max(h.score for h in hits) or 1.0
    bigrams = [t.text for t in terms if t.bigram]
    words = [t for t in terms if not t.bigram]
    n = max(1, len(words))
    # Each word prefix is a bit; a term is found where all bits of one of its phrases are.
    stems = sorted({s for t in words for p in t.phrases for s in _stems(p)})
    bit = {s: 1 << i for i, s in enumerate(stems)}
    options = [[sum(bit[s] for s in set(_stems(p))) for p in t.phrases] for t in words]
    identifiers = [t.text.lower() for t in words if t.identifier]

    counted: dict[int, int] = {}  # few distinct masks per query: count each once

    def count(mask: int) -> int:
        found = counted.get(mask)
        if found is None:
            found = counted[mask] = sum(1 for opts in options if any(m & mask == m for m in opts))
        return found

    for hit in hits:
        title, head, hay = _lowered(hit.id, hit.title, hit.breadcrumb, hit.body)
        in_hay = in_head = in_title = 0
        for stem in stems:
            if stem in hay:
                in_hay |= bit[stem]
                if stem in head:
                    in_head |= bit[stem]
                    if stem in title:
                        in_title |= bit[stem]
        hit.score = (
            hit.score / best
            + W_COVERAGE * count(in_hay) / n
            + W_HEAD * count(in_head) / n
            + W_TITLE * count(in_title) / n
            + (W_IDENT * sum(1 for i in identifiers if i in hay) if identifiers else 0.0)
            + (W_IDENT_HEAD * sum(1 for i in identifiers if i in head) if identifiers else 0.0)
            + (W_BIGRAM * sum(1 for b in bigrams if b in hay) / len(bigrams) if bigrams else 0.0)
            + (W_SEM * semantic.get(hit.id, 0.0) if semantic else 0.0)
        )
    by_page: dict[str, list[float]] = defaultdict(list)
    for hit in hits:
        by_page[hit.path].append(hit.score)
    page_score = {}
    for path, scores in by_page.items():
        scores.sort(reverse=True)
        page_score[path] = scores[0] + W_PAGE * sum(scores[1:3]) / 2
    hits.sort(key=lambda h: (page_score[h.path], h.score), reverse=True)
    taken: list[Hit] = []
    per: Counter[str] = Counter()
    for hit in hits:
        if per[hit.path] >= per_page:
            continue
        per[hit.path] += 1
        taken.append(hit)
        if len(taken) >= limit:
            break
    return taken


# -- the fallback engine ----------------------------------------------------------------------

WORD = re.compile(r"[^\W_]+", re.UNICODE)


def light_stem(word: str) -> str:
    """A small suffix stripper: close enough to Porter for ranking when FTS5 is missing."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "es", "ed", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
    return word


def tokenize(text: str) -> list[str]:
    return [light_stem(w) for w in WORD.findall(text.lower())]


class PythonBM25:
    """BM25F-lite over the same chunks and column weights as the FTS5 index."""

    K1, B = 1.2, 0.75

    def __init__(self, db: sqlite3.Connection) -> None:
        rows = db.execute("SELECT id, title, description, breadcrumb, body, keywords, path FROM chunks").fetchall()
        rows = [(*row[:6], place_words(row[6])) for row in rows]
        self.ids: list[int] = []
        self.fields: list[list[Counter[str]]] = []
        lengths: list[list[int]] = []
        self.df: Counter[str] = Counter()
        for row in rows:
            counters = [Counter(tokenize(text or "")) for text in row[1:]]
            self.ids.append(row[0])
            self.fields.append(counters)
            lengths.append([sum(c.values()) for c in counters])
            self.df.update(set().union(*counters))
        n = max(1, len(rows))
        self.n = n
        self.avg = [max(1.0, sum(col) / n) for col in zip(*lengths, strict=True)] if lengths else [1.0] * 6
        self.lengths = lengths

    def _phrase_tokens(self, term: Term) -> list[list[str]]:
        options = [tokenize(p) for p in term.phrases]
        if term.keyword:
            options.append(tokenize(term.keyword))
        return [o for o in options if o]

    def search(self, terms: list[Term], limit: int) -> list[tuple[int, float]]:
        scores: dict[int, float] = defaultdict(float)
        for term in terms:
            for tokens in self._phrase_tokens(term):
                for token in tokens:
                    df = self.df.get(token, 0)
                    if not df:
                        continue
                    idf = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
                    for index, counters in enumerate(self.fields):
                        tf = sum(
                            WEIGHTS[f] * c[token] / (1 - self.B + self.B * self.lengths[index][f] / self.avg[f])
                            for f, c in enumerate(counters)
                            if c[token]
                        )
                        if tf:
                            scores[self.ids[index]] += idf * tf * (self.K1 + 1) / (tf + self.K1)
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        return ranked[:limit]


# -- status ---------------------------------------------------------------------------------


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
