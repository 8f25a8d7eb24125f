"""Errors shared by the Respan client and the tools (no HTTP imports here)."""

from __future__ import annotations

from typing import Any


class RespanError(Exception):
    """A failed Respan call, with a message written for the model that made it."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        detail: str | None = None,
        retry_after: float | None = None,
        kind: str = "http",
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after
        self.kind = kind
        self.body = body

    @property
    def message(self) -> str:
        return str(self.args[0])


class StreamCutError(RespanError):
    """A streamed completion that ended before its end marker."""
