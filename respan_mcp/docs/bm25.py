"""The pure-Python BM25 the index falls back to where SQLite has no FTS5."""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter, defaultdict

from respan_mcp.docs.query import Term

# Column weights: title, description, headings, body, keywords, place (the page's path words).
WEIGHTS = (3.0, 1.5, 5.0, 1.0, 4.0, 2.0)


def place_words(path: str) -> str:
    """A page path as words (`sdks/python/tracing/client/flush` -> `sdks python tracing client flush`)."""
    return re.sub(r"[/_\-.]+", " ", path)


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
