"""Errors a model can act on (UserError), turned into each MCP surface's own error in one place.

Tools: `state.tool_errors()` (a ToolError, whose text the model reads). Resources: "resource not found"
for what does not exist, which is -32002 up to spec 2025-11-25 and -32602 from 2026-07-28 on (SEP-2164),
with the URI in the error's data; invalid params otherwise. Prompts: invalid params.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from respan_mcp.errors import NotFoundError, RespanError, UserError

RESOURCE_NOT_FOUND = -32002  # MCP up to 2025-11-25: resources/read of a URI that does not exist
SEP_2164_FROM = "2026-07-28"  # from this revision on, a missing resource is -32602 (invalid params)


def resource_not_found_code(protocol_version: str | None) -> int:
    """The code a missing resource answers in the session's protocol revision (dates compare as text)."""
    return INVALID_PARAMS if protocol_version and protocol_version >= SEP_2164_FROM else RESOURCE_NOT_FOUND


def surface_message(subject: str, exc: UserError) -> str:
    """`subject: message`, without saying the subject twice ("prompt 'x': prompt 'x': ...")."""
    message = exc.message
    return message if subject in message else f"{subject}: {message}"


def is_not_found(exc: UserError) -> bool:
    return isinstance(exc, NotFoundError) or (isinstance(exc, RespanError) and exc.status == 404)


@contextmanager
def not_found_or_invalid(uri: str, protocol_version: str | None = None) -> Iterator[None]:
    """For resources/read: what does not exist answers "resource not found" (its code for the session's
    revision), other problems invalid params."""
    try:
        yield
    except UserError as exc:
        code = resource_not_found_code(protocol_version) if is_not_found(exc) else INVALID_PARAMS
        raise MCPError(code=code, message=exc.message, data={"uri": uri}) from None  # (the URI is in data)
