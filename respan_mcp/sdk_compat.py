"""Every reach into the SDK's (or httpx's) internals, in one place.

Each has a test in tests/test_sdk_compat.py that fails loudly if a release moves it.
"""

from __future__ import annotations

import time
from typing import Any


def lowlevel_server(server: Any) -> Any:
    """The low-level Server behind an MCPServer (for request handlers MCPServer has no API for)."""
    return server._lowlevel_server


def registered_tools(server: Any) -> list[Any]:
    """The MCPServer's Tool objects (their schemas are rewritten by contract.apply_contract)."""
    return list(server._tool_manager._tools.values())


_CONTRACT_TOOL: Any = None


def _contract_tool_class() -> Any:
    """A Tool whose argument errors read as one line per bad argument (unknown ones refused by name), and
    whose own errors are not prefixed with "Error executing tool <name>:". Built once, on first use."""
    global _CONTRACT_TOOL
    if _CONTRACT_TOOL is not None:
        return _CONTRACT_TOOL
    from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
    from mcp.server.mcpserver.tools.base import Tool
    from pydantic import ValidationError

    from respan_mcp import observe
    from respan_mcp.contract import describe_argument_errors

    class ContractTool(Tool):
        async def run(self, arguments: dict[str, Any], context: Any, convert_result: bool = False) -> Any:
            valid = list(self.parameters.get("properties", {}))
            errors: list[Any] = [
                {"type": "extra_forbidden", "loc": (name,)} for name in arguments if name not in valid
            ]  # (pydantic ignores unknown arguments: a model's typo would silently change the call)
            try:
                self.fn_metadata.validate_arguments(arguments)
            except ValidationError as exc:
                errors += exc.errors()
            if errors:
                observe.tool_started(self.name, arguments)
                observe.tool_finished(self.name, "bad_arguments", 0.0)
                raise ToolError(describe_argument_errors(errors, valid))
            started, outcome, result = time.monotonic(), "error", None
            observe.tool_started(self.name, arguments)
            try:
                result = await super().run(arguments, context, convert_result)
                outcome = "error" if getattr(result, "is_error", False) else "ok"
                return result
            except UnexpectedToolError as exc:
                outcome = "unexpected"
                raise ToolError(unexpected_error_text(self.name, exc.__cause__)) from exc.__cause__
            except ToolError as exc:
                raise ToolError(str(exc).removeprefix(f"Error executing tool {self.name}: ")) from exc.__cause__
            except BaseException:
                outcome = "cancelled"
                raise
            finally:
                observe.tool_finished(self.name, outcome, time.monotonic() - started, result)

    _CONTRACT_TOOL = ContractTool
    return ContractTool


def unexpected_error_text(tool: str, cause: BaseException | None) -> str:
    """What the model reads when a tool fails in a way no code path expected (an answer of a shape
    Respan never documented, or a bug): what happened, in one scrubbed line, and what to do."""
    import logging

    from respan_mcp.output import clip
    from respan_mcp.redact import scrub

    logging.getLogger("respan_mcp").error("%s failed", tool, exc_info=cause)
    what = f"{type(cause).__name__}: {clip(scrub(str(cause)), 200)}" if cause else "no detail"
    return (
        f"{tool} failed on something it did not expect ({what}). Most likely Respan answered in a shape this "
        "server does not know; try again, and if it repeats, report it to respan-mcp with this message."
    )


def contract_tool(server: Any, tool: Any, name: str | None = None) -> None:
    """Replace a registered Tool with a ContractTool carrying the same fields (registered as `name`)."""
    cls = _contract_tool_class()
    fields = {field: getattr(tool, field) for field in type(tool).model_fields}
    tools = server._tool_manager._tools
    del tools[tool.name]
    fields["name"] = name or tool.name
    tools[fields["name"]] = cls.model_construct(**fields)


def unknown_resources_not_found(server: Any) -> None:
    """resources/read of a URI no resource or template matches: "resource not found" in the session's revision
    (-32002 up to 2025-11-25, where the SDK answers -32602; -32602 from 2026-07-28, SEP-2164)."""
    from mcp.server.mcpserver.exceptions import ResourceNotFoundError
    from mcp.shared.exceptions import MCPError

    from respan_mcp.surface_errors import resource_not_found_code

    read = server.read_resource

    async def read_resource(uri: Any, context: Any = None) -> Any:
        try:
            return await read(uri, context)
        except ResourceNotFoundError as exc:
            version = getattr(context, "protocol_version", None) if context is not None else None
            raise MCPError(code=resource_not_found_code(version), message=str(exc), data={"uri": str(uri)}) from None

    server.read_resource = read_resource


def set_body(response: Any, body: bytes) -> None:
    """Give a streamed httpx response the body we read ourselves (in capped chunks), so `.text` works."""
    response._content = body


def wants_progress(request: Any) -> bool:
    """Whether the caller asked for progress notifications on this request."""
    meta: Any = request.meta or {}
    wire_meta: Any = (request.params or {}).get("_meta") or {}
    if meta.get("progress_token") is not None or wire_meta.get("progressToken") is not None:
        return True
    # The 2026 era carries the token (or, in-process, a callback) on the dispatch context,
    # possibly wrapped; the SDK has no public accessor for it yet.
    outbound = getattr(request.session, "_request_outbound", None)
    for _ in range(4):
        if outbound is None:
            break
        for attr in ("_on_progress", "_progress_token", "progress_token"):
            if getattr(outbound, attr, None) is not None:
                return True
        outbound = getattr(outbound, "_inner", None)
    return False
