"""Errors shared by the Respan client and the tools (no HTTP imports here)."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """An error the model (or the user) can act on: its text says what happened and what to do.

    Each surface (tools, resources, MCP prompts) turns these into its own error in one place;
    anything else is a bug and is reported as one."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else type(self).__name__


class BadInputError(UserError):
    """An argument refused before any request is made (an id that is not one path segment, ...)."""


class NotFoundError(UserError):
    """What was asked for does not exist (a docs page, a prompt): resources answer -32002 for it."""


class RespanError(UserError):
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


class StreamCutError(RespanError):
    """A streamed completion that ended before its end marker."""
