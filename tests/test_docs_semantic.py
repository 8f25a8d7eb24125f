"""The optional semantic ranking: its tokenizer, its vectors, and search with it (skips without the extra)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from respan_mcp.docs import semantic
from respan_mcp.docs.semantic.wordpiece import encode

needs_extra = pytest.mark.skipif(not semantic.available(), reason="the semantic extra is not installed")


@pytest.mark.parametrize(("text", "ids"), [
    ("How do I set fallback_models?", [101, 2129, 2079, 1045, 2275, 2991, 5963, 1035, 4275, 1029, 102]),
    ("Héllo naïve café 東京", [101, 7592, 15743, 7668, 1879, 1755, 102]),
    ("X-Respan-Signature: sk-abc123", [101, 1060, 1011, 24501, 9739, 1011, 8085, 1024, 15315, 1011, 5925, 12521,
                                       2509, 102]),
])  # fmt: skip
def test_wordpiece_matches_the_reference_tokenizer(text: str, ids: list[int]) -> None:
    # Golden ids from Hugging Face `tokenizers` with the model's tokenizer.json (and 2,251 corpus
    # chunks matched it exactly when this was written).
    assert encode(text) == ids


def test_wordpiece_truncates() -> None:
    ids = encode("word " * 1000, max_length=16)
    assert len(ids) == 16 and ids[0] == 101 and ids[-1] == 102


def test_default_search_never_imports_the_extra(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom pathlib import Path\nfrom respan_mcp.docs.folder import load_folder\n"
        "from respan_mcp.docs.store import DocsIndex, build_index\n"
        f"p = Path({str(tmp_path)!r}) / 'i.sqlite3'\n"
        f"build_index(load_folder(Path({str(Path(__file__).parent / 'docs_site')!r})), 's', p)\n"
        "DocsIndex(p).search('fallback')\n"
        "print([m for m in ('numpy', 'onnxruntime') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@needs_extra
def test_vectors_are_incremental(tmp_path: Path) -> None:
    import numpy as np

    from respan_mcp.docs.folder import load_folder
    from respan_mcp.docs.semantic.vectors import SectionVectors, ensure_vectors
    from respan_mcp.docs.store import DocsIndex, build_index

    calls: list[int] = []

    def fake_embed(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        rng = np.random.default_rng(len(texts))
        v = rng.normal(size=(len(texts), 384)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    path = tmp_path / "index.sqlite3"
    build_index(load_folder(Path(__file__).parent / "docs_site"), "site", path)
    done, total = ensure_vectors(path, fake_embed)
    assert done == total > 0
    again, _ = ensure_vectors(path, fake_embed)
    assert again == 0 and len(calls) == 1  # an unchanged index embeds nothing
    import sqlite3

    from respan_mcp.docs.semantic.vectors import vectors_path

    db = sqlite3.connect(vectors_path(path))
    db.execute("INSERT INTO vectors VALUES ('stale-hash', x'00')")
    db.commit()
    ensure_vectors(path, fake_embed)
    assert db.execute("SELECT count(*) FROM vectors WHERE hash = 'stale-hash'").fetchone()[0] == 0
    db.close()
    index = DocsIndex(path)
    vectors = SectionVectors.load(path, index.db)
    assert vectors is not None and vectors.matrix.shape == (total, 384)
    index.close()


@needs_extra
def test_semantic_search_finds_a_paraphrase(tmp_path: Path) -> None:
    from respan_mcp.config import Settings
    from respan_mcp.docs.semantic.control import embed_now
    from respan_mcp.docs.service import DocsService
    from respan_mcp.docs.store import RawPage, build_index

    pages = [
        RawPage(path="gateway/fallbacks", url="https://x.test/fallbacks",
                text="# Fallbacks\nWhen the primary model errors, the gateway retries with the backup models in order."),
        RawPage(path="observe/webhooks", url="https://x.test/webhooks",
                text="# Webhooks\nRespan sends an HTTP POST to your endpoint for each event, signed with a secret."),
        RawPage(path="billing/credits", url="https://x.test/credits",
                text="# Credits\nTop up credits on the billing page; invoices are sent monthly."),
    ]  # fmt: skip
    settings = Settings(api_key="x", cache_dir=tmp_path, docs_source=str(tmp_path))
    service = DocsService(settings)
    build_index(pages, "fixture", service.path)
    embed_now(service.path)
    index = service.index()
    assert index is not None and index.semantic is not None and service.semantic_state.startswith("on")
    hits, _ = index.search("keep answering when OpenAI is down", limit=3)
    assert hits and hits[0].path == "gateway/fallbacks"


@needs_extra
def test_exit_while_embedding_in_the_background_is_clean(tmp_path: Path) -> None:
    """A session that ends while the sections are being embedded exits normally (no C++ abort from a thread
    killed inside onnxruntime), and the vectors embedded so far are kept for the next session."""
    from respan_mcp.docs.folder import load_folder
    from respan_mcp.docs.semantic.vectors import vectors_path
    from respan_mcp.docs.store import build_index

    corpus = Path(__file__).parents[2] / "shared" / "corpus" / "respan-docs"
    source = corpus if corpus.exists() else Path(__file__).parent / "docs_site"
    index = tmp_path / "docs-index.sqlite3"
    build_index(load_folder(source), "s", index)
    # Exit as soon as the first batch is saved, however fast this machine embeds: that is "while embedding".
    code = (
        "import sqlite3, time\nfrom pathlib import Path\nfrom respan_mcp.docs.semantic import control\n"
        "from respan_mcp.docs.semantic.vectors import vectors_path\n"
        f"index = Path({str(index)!r})\ncontrol._embed_in_background(index)\n"
        "deadline = time.monotonic() + 60\n"
        "while time.monotonic() < deadline:\n"
        "    try:\n"
        "        if sqlite3.connect(vectors_path(index)).execute('SELECT count(*) FROM vectors').fetchone()[0]:\n"
        "            break\n"
        "    except sqlite3.Error:\n"
        "        pass\n"
        "    time.sleep(0.02)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "terminate called" not in done.stderr
    import sqlite3

    kept = sqlite3.connect(vectors_path(index)).execute("SELECT count(*) FROM vectors").fetchone()[0]
    sections = sqlite3.connect(index).execute("SELECT count(*) FROM chunks").fetchone()[0]
    assert 0 < kept <= sections  # what was embedded before the exit is kept


@needs_extra
@pytest.mark.skipif(sys.platform == "win32", reason="fcntl locks")
def test_one_process_embeds_an_index_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers, replicas on one volume and `docs sync` do not each embed the same index (about 2 GB each): while
    another process holds the index's lock, a server ranks without the extra and looks again later."""
    import fcntl
    import time

    from respan_mcp.docs.folder import load_folder
    from respan_mcp.docs.semantic import control
    from respan_mcp.docs.store import DocsIndex, build_index

    path = tmp_path / "docs-index.sqlite3"
    build_index(load_folder(Path(__file__).parent / "docs_site"), "site", path)
    index = DocsIndex(path)
    with open(path.with_name(path.name + ".embed-lock"), "a+b") as other:  # another process, embedding
        fcntl.flock(other, fcntl.LOCK_EX)
        assert control.embed_now(path, wait=False) is None
        assert control.attach(index, path, "auto") == "embedding in another process"  # checked again after 30 s
        assert index.semantic is None
        assert not control.embedding(path)  # no thread started for it
        fcntl.flock(other, fcntl.LOCK_UN)
    monkeypatch.setattr(control, "RECHECK_SECONDS", 0.0)
    assert control.attach(index, path, "auto") == "embedding the sections in the background"
    deadline = time.monotonic() + 120
    while control.embedding(path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert control.attach(index, path, "auto").startswith("on")
    index.close()
