"""Experiment: a static (model2vec-style) embedder distilled here from the MiniLM model, against MiniLM itself.

Distillation: every vocabulary token is run through MiniLM alone ([CLS] token [SEP], mean-pooled), the
table is reduced to 256 dimensions by PCA, and each token is weighted by its inverse document frequency
in the docs index (so common words count little). A text's vector is the normalised mean of its tokens'.
Ranking uses the same rerank and weight as the MiniLM extra; figures for the three question sets, the
distillation time, the per-query cost and the time to embed every section.
    python tests/benchmarks/static_embedder.py [--also]
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import docs_quality as dq
import numpy as np
from _common import ROOT, need_corpus

from respan_mcp.docs.folder import load_folder
from respan_mcp.docs.semantic.embedder import Embedder
from respan_mcp.docs.semantic.vectors import SCALE, SectionVectors, sections
from respan_mcp.docs.semantic.wordpiece import encode, vocabulary
from respan_mcp.docs.store import DocsIndex, build_index

DIMS = 256


def token_table() -> np.ndarray:
    """MiniLM's vector for each vocabulary token on its own."""
    vocab = vocabulary()
    session = Embedder()._load()
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    ids = np.array(sorted(vocab.values()), dtype=np.int64)
    table = np.zeros((len(ids), 384), dtype=np.float32)
    for start in range(0, len(ids), 2048):
        chunk = ids[start : start + 2048]
        batch = np.stack([np.full_like(chunk, cls), chunk, np.full_like(chunk, sep)], axis=1)
        feeds = {"input_ids": batch, "attention_mask": np.ones_like(batch), "token_type_ids": np.zeros_like(batch)}
        hidden = session.run(None, feeds)[0]
        table[start : start + len(chunk)] = hidden.mean(axis=1)
    return table


def distil(table: np.ndarray, index_db: sqlite3.Connection) -> np.ndarray:
    centred = table - table.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ components[:DIMS].T
    texts = [text for _, _, text in sections(index_db)]
    df = np.zeros(len(table))
    for text in texts:
        df[list(set(encode(text, 512)[1:-1]))] += 1
    idf = np.log((len(texts) + 1) / (df + 1)) + 1.0
    return (reduced * idf[:, None]).astype(np.float32)


class StaticEmbedder:
    def __init__(self, table: np.ndarray) -> None:
        self.table = table

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        for row, text in enumerate(texts):
            tokens = encode(text, 512)[1:-1]
            if tokens:
                vector = self.table[tokens].mean(axis=0)
                out[row] = vector / max(float(np.linalg.norm(vector)), 1e-12)
        return out


def main() -> None:
    corpus = need_corpus()
    pages = load_folder(corpus)
    entries = [(p.path, "", "", p.url) for p in pages]
    alternates = None
    if "--also" in sys.argv:
        alternates = json.loads((ROOT / "tests/benchmarks/docs_alternates.json").read_text())["alternates"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.sqlite3"
        build_index(pages, str(corpus), path)
        index = DocsIndex(path)
        started = time.perf_counter()
        table = distil(token_table(), index.db)
        print(f"distilled {table.shape[0]} x {table.shape[1]} in {time.perf_counter() - started:.1f} s "
              f"({table.astype(np.float16).nbytes / 1e6:.1f} MB as float16)")  # fmt: skip
        embedder = StaticEmbedder(table)
        wanted = sections(index.db)
        started = time.perf_counter()
        vectors = embedder.embed([text for _, _, text in wanted])
        print(f"embedded {len(wanted)} sections in {time.perf_counter() - started:.2f} s")
        matrix = np.round(vectors * SCALE).astype(np.int32)
        index.enable_semantic(SectionVectors(np.array([i for i, _, _ in wanted]), matrix), embedder.embed)
        started = time.perf_counter()
        for _ in range(200):
            embedder.embed(["how do I keep answering when a provider is down"])
        print(f"query embedding: {(time.perf_counter() - started) / 200 * 1000:.2f} ms")
        for name, file in dq.SETS.items():
            questions = json.loads((ROOT / file).read_text())["questions"]
            print(f"\n== {name}")
            dq.evaluate(index, entries, questions, alternates)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
