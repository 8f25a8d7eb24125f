"""Errors a model can act on (UserError), turned into each MCP surface's own error in one place.

Tools: `state.tool_errors()` (a ToolError, whose text the model reads). Resources: -32002 for what
does not exist (the spec's "resource not found"), invalid params otherwise. Prompts: invalid params.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from respan_mcp.errors import NotFoundError, RespanError, UserError

RESOURCE_NOT_FOUND = -32002  # MCP: resources/read of a URI that does not exist


def surface_message(subject: str, exc: UserError) -> str:
    """`subject: message`, without saying the subject twice ("prompt 'x': prompt 'x': ...")."""
    message = exc.message
    return message if subject in message else f"{subject}: {message}"


def is_not_found(exc: UserError) -> bool:
    return isinstance(exc, NotFoundError) or (isinstance(exc, RespanError) and exc.status == 404)


@contextmanager
def not_found_or_invalid(uri: str) -> Iterator[None]:
    """For resources/read: what does not exist answers -32002, other problems invalid params."""
    try:
        yield
    except UserError as exc:
        code = RESOURCE_NOT_FOUND if is_not_found(exc) else INVALID_PARAMS
        raise MCPError(code=code, message=exc.message, data={"uri": uri}) from None  # (the URI is in data)
