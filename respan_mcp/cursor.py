"""Opaque, self-contained paging cursors: the whole query and the page, for one tool.

A model that passes `cursor` alone gets exactly the next page of the same query; a cursor from
another tool, or one that was edited, is refused with a clear error (a checksum covers it:
integrity against slips, not a secret).
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from typing import Any

from pydantic import BaseModel, ValidationError

from respan_mcp.errors import BadInputError

MAX_CURSOR_CHARS = 8_000


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


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
    if _digest(text) != digest or not isinstance(data, dict) or data.get("tool") != tool:
        raise refused
    page, query = data.get("page"), data.get("query")
    if not isinstance(page, int) or page < 1 or not isinstance(query, dict):
        raise refused
    return query, page


class CursorQuery(BaseModel):
    """A listing's whole query; its cursor carries it, so paging never drifts and `cursor` alone continues."""

    def cursor(self, tool: str, page: int) -> str:
        return encode_cursor(tool, self.model_dump(), page)

    @classmethod
    def from_cursor(cls, tool: str, cursor: str) -> tuple[Any, int]:
        data, page = decode_cursor(tool, cursor)
        try:
            return cls.model_validate(data), page
        except ValidationError:
            raise BadInputError(f"cursor is not one {tool} gave out: omit it for the first page.") from None
