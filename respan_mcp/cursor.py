"""Opaque, self-contained paging cursors: the whole query and the page, for one tool.

A model that passes `cursor` alone gets exactly the next page of the same query; a cursor from
another tool, or one that was edited, is refused with a clear error. A keyed MAC (HMAC-SHA256
with this install's secret, see configure_key) covers it, so a cursor cannot be forged to carry
a query the tool's arguments would refuse; what a cursor carries is validated again all the same
(CursorState models, with the arguments' bounds).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from respan_mcp.errors import BadInputError

MAX_CURSOR_CHARS = 8_000
_KEY = secrets.token_bytes(32)  # until configure: cursors last as long as the process
_KEY_SOURCE: tuple[str | None, Callable[[], Path]] | None = None  # read at the first cursor, not at start-up


def configure_key(key: bytes) -> None:
    """The secret cursors are signed with (one per install, or shared by a deployment's replicas)."""
    global _KEY, _KEY_SOURCE
    _KEY, _KEY_SOURCE = key, None


def configure(secret: str | None, folder: Callable[[], Path]) -> None:
    """Where the key comes from: `secret`, else a key file in `folder()`; resolved when a cursor is first
    made or read (a session that never pages does no file I/O for it)."""
    global _KEY_SOURCE
    _KEY_SOURCE = (secret, folder)


def _key() -> bytes:
    global _KEY, _KEY_SOURCE
    if _KEY_SOURCE is not None:
        secret, folder = _KEY_SOURCE
        _KEY, _KEY_SOURCE = install_key(secret, folder()), None
    return _KEY


def install_key(secret: str | None, folder: Path) -> bytes:
    """The configured secret, else one kept in `folder` (made on first use, readable by its owner only),
    else (no writable folder) one for this process."""
    if secret:
        return hashlib.sha256(secret.encode()).digest()
    path = folder / "cursor.key"
    try:
        if path.is_file() and path.stat().st_size == 64:
            return bytes.fromhex(path.read_text())
        folder.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(key.hex())
        return key
    except (OSError, ValueError):
        return _KEY


def _digest(text: str) -> str:
    return hmac.new(_key(), text.encode(), hashlib.sha256).hexdigest()[:24]


def encode_cursor(tool: str, query: dict[str, Any], page: int) -> str:
    text = json.dumps({"tool": tool, "page": page, "query": query}, separators=(",", ":"), sort_keys=True)
    packed = zlib.compress(text.encode(), 9)
    return base64.urlsafe_b64encode(packed).decode().rstrip("=") + "." + _digest(text)


def decode_cursor(tool: str, cursor: str) -> tuple[dict[str, Any], int]:
    """(query, page) from a cursor this tool gave out."""
    refused = BadInputError(
        f"cursor is not one {tool} gave out (or it was changed): pass the next_cursor of a previous {tool} "
        "answer exactly, or omit cursor for the first page."
    )
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_CHARS or "." not in cursor:
        raise refused
    body, _, digest = cursor.strip().rpartition(".")
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        text = zlib.decompressobj().decompress(packed, 64_000).decode()  # bounded: a cursor is small
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError, zlib.error):
        raise refused from None
    if not hmac.compare_digest(_digest(text), digest) or not isinstance(data, dict) or data.get("tool") != tool:
        raise refused
    page, query = data.get("page"), data.get("query")
    if not isinstance(page, int) or page < 1 or not isinstance(query, dict):
        raise refused
    return query, page


def cursor_state(
    tool: str, cursor: str, model: type[CursorState], *, data: dict[str, Any] | None = None
) -> tuple[Any, int]:
    """(state, page) from a cursor, the state checked by `model` (the bounds of the tool's arguments);
    `data`: the cursor's state already decoded (and partly checked by the caller)."""
    decoded, page = decode_cursor(tool, cursor)
    data = decoded if data is None else data
    try:
        return model.model_validate(data), page
    except ValidationError:
        raise BadInputError(f"cursor is not one {tool} gave out: omit it for the first page.") from None


class CursorState(BaseModel):
    """What a listing's cursor carries besides the page: checked like the tool's own arguments."""

    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=20, ge=1, le=100)


class CursorQuery(BaseModel):
    """A listing's whole query; its cursor carries it, so paging never drifts and `cursor` alone continues."""

    model_config = ConfigDict(extra="forbid")

    def cursor(self, tool: str, page: int) -> str:
        return encode_cursor(tool, self.model_dump(), page)

    @classmethod
    def from_cursor(cls, tool: str, cursor: str) -> tuple[Any, int]:
        data, page = decode_cursor(tool, cursor)
        try:
            return cls.model_validate(data), page
        except ValidationError:
            raise BadInputError(f"cursor is not one {tool} gave out: omit it for the first page.") from None
