"""Docs search quality on a labelled question set: ours vs. the official server's scorer.

The official scorer ranks llms.txt-style entries (title, description, URL) by substring
matches of the query's words: +3 in the title, +2 in the description, +1 in the URL,
and returns pages only. Both run over the same corpus. Usage:
    python tests/benchmarks/docs_quality.py [--verbose] [--semantic | --placebo] [--also]
        [--weights=W,...] [--also-weights=W,...]
--also passes each question's alternative phrasings (docs_alternates.json, or a question's own "also").
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from _common import ROOT, need_corpus

from respan_mcp.docs.folder import load_folder
from respan_mcp.docs.mdx import parse_front_matter
from respan_mcp.docs.store import DocsIndex, build_index

K = 5


def official_ranking(entries: list[tuple[str, str, str, str]], query: str) -> list[str]:
    words = query.lower().split()
    scored = []
    for path, title, description, url in entries:
        score = sum(3 * (w in title.lower()) + 2 * (w in description.lower()) + (w in url.lower()) for w in words)
        if score > 0:
            scored.append((score, path))
    scored.sort(key=lambda s: -s[0])  # stable: ties keep llms.txt order
    return [p for _, p in scored]


def metrics(rankings: list[list[str]], labels: list[set[str]]) -> dict[str, float]:
    hit = recall = mrr = 0.0
    for ranked, relevant in zip(rankings, labels, strict=True):
        top = ranked[:K]
        hit += any(p in relevant for p in top)
        recall += len(relevant & set(top)) / len(relevant)
        rank = next((i for i, p in enumerate(ranked[:10], 1) if p in relevant), None)
        mrr += 1 / rank if rank else 0
    n = len(rankings)
    return {"hit@5": hit / n, "recall@5": recall / n, "mrr@10": mrr / n}


def distinct_pages(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(paths))


SETS = {
    "tuned (docs_eval.json)": "tests/benchmarks/docs_eval.json",
    "held-out (docs_heldout.json)": "tests/benchmarks/docs_heldout.json",
    "held-out 2 (docs_fresh.json)": "tests/benchmarks/docs_fresh.json",
    "held-out 3 (docs_final.json)": "tests/benchmarks/docs_final.json",
    "held-out 4 (docs_blind4.json)": "tests/benchmarks/docs_blind4.json",
}


def evaluate(
    index: DocsIndex, entries: list[tuple[str, str, str, str]], questions: list[dict], alternates: dict | None
) -> None:
    ours_top5, ours_top10, theirs = [], [], []
    for item in questions:
        also = (item.get("also") or alternates.get(item["q"], [])) if alternates is not None else []
        hits5, _ = index.search(item["q"], limit=K, also=also)
        hits10, _ = index.search(item["q"], limit=10, also=also)
        ours_top5.append(distinct_pages([h.path for h in hits5]))
        ours_top10.append(distinct_pages([h.path for h in hits10]))
        theirs.append(official_ranking(entries, item["q"]))
    labels = [set(item["pages"]) for item in questions]

    def ours_on(indices: list[int]) -> dict[str, float]:
        # hit/recall from what search_docs returns by default (5 sections); MRR from the top 10.
        m = metrics([ours_top5[i] for i in indices], [labels[i] for i in indices])
        m["mrr@10"] = metrics([ours_top10[i] for i in indices], [labels[i] for i in indices])["mrr@10"]
        return m

    everything = list(range(len(questions)))
    print(f"{'':24} {'n':>3} {'hit@5':>7} {'recall@5':>9} {'MRR@10':>7}")
    for name, m in (("respan-mcp", ours_on(everything)), ("official", metrics(theirs, labels))):
        print(f"{name:24} {len(questions):3} {m['hit@5']:7.3f} {m['recall@5']:9.3f} {m['mrr@10']:7.3f}")
    categories = sorted({item.get("cat") for item in questions if item.get("cat")})
    for cat in categories:
        chosen = [i for i, item in enumerate(questions) if item.get("cat") == cat]
        m = ours_on(chosen)
        print(f"  {cat:22} {len(chosen):3} {m['hit@5']:7.3f} {m['recall@5']:9.3f} {m['mrr@10']:7.3f}")
    if "--verbose" in sys.argv:
        for item, ranked in zip(questions, ours_top10, strict=True):
            mark = "ok " if set(ranked[:K]) & set(item["pages"]) else "MISS"
            print(f"{mark} {item['q']!r}: {ranked[:3]}")


def semantic_index(index: DocsIndex, path: Path, placebo: bool) -> None:
    """Turn on the semantic extra (vectors cached in .ci-cache/docs-bench: embedding takes a minute or two)."""
    import time

    import numpy as np

    from respan_mcp.docs.semantic.embedder import Embedder
    from respan_mcp.docs.semantic.vectors import SectionVectors, ensure_vectors, vectors_path

    cache = ROOT / ".ci-cache" / "docs-bench"
    cache.mkdir(parents=True, exist_ok=True)
    cached = cache / "docs-vectors.sqlite3"
    if cached.exists():
        vectors_path(path).write_bytes(cached.read_bytes())
    embedder = Embedder()
    started = time.perf_counter()
    done, total = ensure_vectors(path, embedder.embed)
    print(f"semantic: embedded {done} of {total} sections in {time.perf_counter() - started:.1f} s")
    cached.write_bytes(vectors_path(path).read_bytes())
    vectors = SectionVectors.load(path, index.db)
    assert vectors is not None
    embed = embedder.embed
    if placebo:  # random unit vectors: what the extra adds beyond "more candidates and one more feature"
        rng = np.random.default_rng(7)
        noise = rng.normal(size=vectors.matrix.shape)
        vectors.matrix = np.round(noise / np.linalg.norm(noise, axis=1, keepdims=True) * 127).astype(np.int32)

        def embed(texts: list[str]) -> np.ndarray:
            v = rng.normal(size=(len(texts), vectors.matrix.shape[1])).astype(np.float32)
            return v / np.linalg.norm(v, axis=1, keepdims=True)

    index.enable_semantic(vectors, embed)


def main() -> None:
    from respan_mcp.docs import rank

    corpus = need_corpus()
    pages = load_folder(corpus)
    entries = []
    for page in pages:
        meta, _ = parse_front_matter(page.text)
        entries.append((page.path, meta.get("title", ""), meta.get("description", ""), page.url + ".mdx"))
    alternates = None
    if "--also" in sys.argv:  # the phrasings a calling model would pass as `also`
        alternates = json.loads((ROOT / "tests/benchmarks/docs_alternates.json").read_text())["alternates"]
    also_weights = [
        float(w) for a in sys.argv if a.startswith("--also-weights=") for w in a.split("=", 1)[1].split(",")
    ]
    weights = [float(w) for a in sys.argv if a.startswith("--weights=") for w in a.split("=", 1)[1].split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.sqlite3"
        build_index(pages, str(corpus), path)
        index = DocsIndex(path)
        print(f"{len(pages)} pages")
        if "--semantic" in sys.argv or "--placebo" in sys.argv:
            semantic_index(index, path, placebo="--placebo" in sys.argv)
        for weight in weights or [rank.W_SEM]:
            for also_weight in also_weights or [rank.W_ALSO]:
                rank.W_SEM, rank.W_ALSO = weight, also_weight
                index._results.clear()
                if index.semantic is not None:
                    print(f"\n#### semantic weight {weight}")
                if alternates is not None:
                    print(f"\n#### alternates weight {also_weight}")
                for name, file in SETS.items():
                    questions = json.loads((ROOT / file).read_text())["questions"]
                    print(f"\n== {name}")
                    evaluate(index, entries, questions, alternates)


if __name__ == "__main__":
    main()
