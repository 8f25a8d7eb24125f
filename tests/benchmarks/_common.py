"""Helpers shared by the benchmark scripts (run them from the project root)."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "respan-docs"
sys.path.insert(0, str(ROOT))


def need_corpus() -> Path:
    if not CORPUS.exists():
        sys.exit(f"needs the docs corpus at {CORPUS}")
    return CORPUS


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered):.2f} ms, p99 {p99:.2f} ms, n={len(ordered)}"
