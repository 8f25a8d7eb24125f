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
PER_FOLDER = 2  # pages of one folder before other folders get a turn (0: no limit)
REPEATED = 0.7  # a section whose text several pages repeat (templated) counts this much


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
        ) * (REPEATED if hit.repeats > 2 else 1.0)
    return by_page(hits, limit, per_page)


def by_page(hits: list[Hit], limit: int, per_page: int) -> list[Hit]:
    """Pages ordered by their best section plus support from the next two; at most `per_page` each."""
    scores_of: dict[str, list[float]] = defaultdict(list)
    for hit in hits:
        scores_of[hit.path].append(hit.score)
    page_score = {}
    for path, scores in scores_of.items():
        scores.sort(reverse=True)
        page_score[path] = scores[0] + W_PAGE * sum(scores[1:3]) / 2
    hits = sorted(hits, key=lambda h: (page_score[h.path], h.score), reverse=True)
    if PER_FOLDER:
        # Sibling pages (create/get/update of one API) crowd out the guide: past PER_FOLDER pages of one
        # folder, the rest of that folder waits until other folders have had their turn.
        pages_in: Counter[str] = Counter()
        first: list[Hit] = []
        later: list[Hit] = []
        seen_pages: set[str] = set()
        for hit in hits:
            folder = hit.path.rsplit("/", 1)[0]
            if hit.path not in seen_pages:
                seen_pages.add(hit.path)
                pages_in[folder] += 1
            (first if pages_in[folder] <= PER_FOLDER else later).append(hit)
        hits = first + later
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


# Alternative phrasings count as much as the question. Scores relative to each ranking's best are squared
# before summing, so a section at the top of one ranking beats one in the middle of all of them (squared:
# chosen on docs_heldout.json among plain sum, squares, cubes and max; docs_fresh.json was never used to choose).
W_ALSO = 1.0
FUSE_POWER = 2
FUSE_DEPTH = 40  # sections taken from each phrasing's ranking before fusing


def fuse(rankings: list[list[Hit]], limit: int, per_page: int) -> list[Hit]:
    """One ranking from the question's (first) and its alternative phrasings' rankings."""
    fused: dict[int, Hit] = {}
    total: dict[int, float] = defaultdict(float)
    for position, hits in enumerate(rankings):
        if not hits:
            continue
        best = max(h.score for h in hits) or 1.0
        weight = 1.0 if position == 0 else W_ALSO
        for hit in hits:
            fused.setdefault(hit.id, hit)
            total[hit.id] += weight * (hit.score / best) ** FUSE_POWER
    for hit_id, hit in fused.items():
        hit.score = total[hit_id]
    return by_page(list(fused.values()), limit, per_page)
