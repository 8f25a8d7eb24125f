"""What lives for the whole process (the lifespan context) and how tools reach it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent

from respan_mcp.config import Settings
from respan_mcp.contract import drop_none, prefixed_calls
from respan_mcp.errors import UserError
from respan_mcp.output import bound_structured, budget_chars, fit, next_steps, visible
from respan_mcp.redact import scrub_held
from respan_mcp.request_scope import request_api_key

if TYPE_CHECKING:
    import httpx

    from respan_mcp.docs.service import DocsService
    from respan_mcp.prompts.store import PromptStore
    from respan_mcp.respan import RespanClient


@dataclass
class AppState:
    """The lifespan context: settings, and each capability's long-lived object, created on first use
    (the Respan client, the prompt cache, the docs index) so nothing heavy sits on the start-up path."""

    settings: Settings
    transport: httpx.AsyncBaseTransport | None = None
    _respan: RespanClient | None = field(default=None, repr=False)
    _prompts: PromptStore | None = field(default=None, repr=False)
    _docs: DocsService | None = field(default=None, repr=False)

    @property
    def respan(self) -> RespanClient:
        if self._respan is None:
            from respan_mcp.respan import RespanClient  # httpx costs ~0.1 s to import

            self._respan = RespanClient(self.settings, transport=self.transport)
        return self._respan

    @property
    def prompts(self) -> PromptStore:
        if self._prompts is None:
            from respan_mcp.prompts.store import PromptStore

            self._prompts = PromptStore(self.respan, self.settings.prompt_cache_ttl)
        return self._prompts

    @property
    def docs(self) -> DocsService:
        if self._docs is None:
            from respan_mcp.docs.service import DocsService  # sqlite3 and the cleaners: on first docs use

            self._docs = DocsService(self.settings)
        return self._docs

    async def aclose(self) -> None:
        if self._docs is not None:
            await self._docs.aclose()
        if self._respan is not None:
            await self._respan.aclose()
        self._respan = self._prompts = self._docs = None


def app_state(ctx: Context) -> AppState:
    state = ctx.request_context.lifespan_context
    if not isinstance(state, AppState):  # pragma: no cover - a wiring bug, not a user error
        raise RuntimeError("respan-mcp lifespan state is missing")
    return state


def wants_progress(ctx: Context) -> bool:
    """Whether the caller asked for progress notifications on this request."""
    from respan_mcp.sdk_compat import wants_progress as asked

    return asked(ctx.request_context)


def held_secrets(settings: Settings) -> list[str]:
    """The secrets this request can reach: the server's own and the caller's key."""
    key = request_api_key.get()
    return [*settings.secrets(), *([key] if key else [])]


def reply(ctx: Context, text: str, structured: dict[str, Any] | None = None, *, more: str = "") -> CallToolResult:
    """A tool's result: the text cut to the configured budget (saying how to get the rest), plus data.

    Every result is scrubbed of the secrets the server holds, whatever its source."""
    settings = app_state(ctx).settings
    secrets = held_secrets(settings)
    whole = text = prefixed_calls(text, settings.tool_prefix)
    text = visible(scrub_held(fit(text, settings.max_result_tokens, more=more), secrets))
    clean = visible(drop_none(scrub_held(structured, secrets))) if structured is not None else None
    if clean is not None:
        clean = standalone(clean, whole, text, budget_chars(settings.max_result_tokens))
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=clean)


def standalone(data: dict[str, Any], whole: str, shown: str, limit: int) -> dict[str, Any]:
    """The structured result as a complete answer on its own (Claude Code gives its model this, not the text):
    the text's suggested calls as `next`, what was cut as `note`, within the text's budget."""
    steps = next_steps(whole, data.get("next_cursor") if isinstance(data.get("next_cursor"), str) else None)
    if steps and "next" not in data:
        data = {**data, "next": steps}
    notes = [str(data["note"])] if data.get("note") else []
    if len(shown) < len(whole):
        notes.append(f"the text was cut at {limit:,} characters")
    data, cut = bound_structured(data, limit)
    notes += [cut] if cut else []
    return {**data, "note": "; ".join(notes)} if notes else data


@contextmanager
def tool_errors() -> Iterator[None]:
    """Turn errors a model can act on into ToolErrors, whose text the model reads."""
    try:
        yield
    except UserError as exc:
        raise ToolError(visible(exc.message)) from None
