"""BERT's uncased WordPiece tokenizer in pure Python: the same ids as Hugging Face `tokenizers`
with all-MiniLM-L6-v2's tokenizer.json (BertNormalizer lowercase + accent stripping + CJK spacing,
BertPreTokenizer, WordPiece with `##`, `[CLS] ... [SEP]`)."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

VOCAB = Path(__file__).with_name("vocab.txt")
MAX_WORD_CHARS = 100


@functools.lru_cache(maxsize=1)
def vocabulary() -> dict[str, int]:
    return {token: i for i, token in enumerate(VOCAB.read_text(encoding="utf-8").split("\n")[:-1])}


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
            or 0x2A700 <= code <= 0x2B73F or 0x2B740 <= code <= 0x2B81F or 0x2B820 <= code <= 0x2CEAF
            or 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F)  # fmt: skip


def normalize(text: str) -> str:
    """BertNormalizer: drop control characters, space out CJK, lowercase, strip accents."""
    out = []
    for char in text:
        code = ord(char)
        if code in (0, 0xFFFD) or (unicodedata.category(char).startswith("C") and char not in "\t\n\r"):
            continue
        if char in "\t\n\r" or unicodedata.category(char) == "Zs":
            out.append(" ")
        elif _is_cjk(code):
            out.append(f" {char} ")
        else:
            out.append(char)
    lowered = "".join(out).lower()
    return "".join(c for c in unicodedata.normalize("NFD", lowered) if unicodedata.category(c) != "Mn")


def pre_tokenize(text: str) -> list[str]:
    """Split on whitespace, and every punctuation character is a word of its own."""
    words: list[str] = []
    for chunk in text.split():
        current = ""
        for char in chunk:
            if _is_punctuation(char):
                if current:
                    words.append(current)
                    current = ""
                words.append(char)
            else:
                current += char
        if current:
            words.append(current)
    return words


def word_ids(word: str, vocab: dict[str, int]) -> list[int]:
    unknown = vocab["[UNK]"]
    if len(word) > MAX_WORD_CHARS:
        return [unknown]
    ids: list[int] = []
    start = 0
    while start < len(word):
        end = len(word)
        found = None
        while start < end:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                found = vocab[piece]
                break
            end -= 1
        if found is None:
            return [unknown]
        ids.append(found)
        start = end
    return ids


def encode(text: str, max_length: int = 256) -> list[int]:
    """Token ids with [CLS] and [SEP], truncated to `max_length` in all."""
    vocab = vocabulary()
    ids: list[int] = []
    for word in pre_tokenize(normalize(text)):
        ids.extend(word_ids(word, vocab))
        if len(ids) >= max_length - 2:
            break
    return [vocab["[CLS]"], *ids[: max_length - 2], vocab["[SEP]"]]
