"""Re-ranking the full-text candidates: coverage of the question, headings, identifiers, the page's
other sections, adjacent words, and (with the semantic extra) similarity of meaning."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict

from respan_mcp.docs.query import Term
from respan_mcp.docs.records import Hit

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
