"""Sentence embeddings with all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime: mean pooling, L2 norm.

Imported only when the `semantic` extra is installed and a search or sync uses it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from pathlib import Path
from typing import Any

from respan_mcp.docs.errors import FetchError
from respan_mcp.docs.semantic import MODEL_PACKAGE, MODEL_SHA256
from respan_mcp.docs.semantic.wordpiece import encode

MAX_TOKENS = 256  # the model's max_seq_length
BATCH = 32
THREADS = 1  # one core: embedding in the background must leave the other to the assistant


def model_path() -> Path:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FetchError(f"the semantic extra is not installed ({MODEL_PACKAGE} is missing)")
    return Path(next(iter(spec.submodule_search_locations))) / "model.onnx"


class Embedder:
    """One ONNX session per process, created on first use (it takes about half a second)."""

    _lock = threading.Lock()
    _session: Any = None

    def _load(self) -> Any:
        with self._lock:
            if Embedder._session is None:
                import onnxruntime

                path = model_path()
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                if digest != MODEL_SHA256:
                    raise FetchError(f"{path} is not the expected model (sha256 {digest[:12]}...): reinstall it")
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = THREADS
                options.log_severity_level = 3
                Embedder._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            return Embedder._session

    def embed(self, texts: list[str]) -> Any:
        """Unit vectors (float32, one row per text)."""
        import numpy as np

        session = self._load()
        names = {i.name for i in session.get_inputs()}
        out = []
        for start in range(0, len(texts), BATCH):
            encoded = [encode(t, MAX_TOKENS) for t in texts[start : start + BATCH]]
            width = max(len(e) for e in encoded)
            ids = np.zeros((len(encoded), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, tokens in enumerate(encoded):
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = session.run(None, feeds)[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 384), dtype=np.float32)
