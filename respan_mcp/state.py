"""What lives for the whole process (the lifespan context) and how tools reach it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult

from respan_mcp.config import Settings
from respan_mcp.errors import UserError
from respan_mcp.output import fit, text_result
from respan_mcp.redact import scrub_held
from respan_mcp.request_scope import request_api_key

if TYPE_CHECKING:
    import httpx

    from respan_mcp.prompts.store import PromptStore
    from respan_mcp.respan import RespanClient


@dataclass
class AppState:
    settings: Settings
    transport: httpx.AsyncBaseTransport | None = None
    # Capability-owned objects created on first use (the Respan client, the docs index,
    # the prompt cache, ...), so nothing heavy sits on the start-up path.
    services: dict[str, Any] = field(default_factory=dict)

    @property
    def respan(self) -> RespanClient:
        client = self.services.get("respan")
        if client is None:
            from respan_mcp.respan import RespanClient  # httpx costs ~0.1 s to import

            client = self.services["respan"] = RespanClient(self.settings, transport=self.transport)
        return client  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        for service in list(self.services.values()):
            close = getattr(service, "aclose", None)
            if close is not None:
                await close()
        self.services.clear()


def prompt_store(state: AppState) -> PromptStore:
    """The prompt cache of this process (created on first use)."""
    from respan_mcp.prompts.store import PromptStore

    store = state.services.get("prompts")
    if store is None:
        store = state.services["prompts"] = PromptStore(state.respan, state.settings.prompt_cache_ttl)
    return store  # type: ignore[no-any-return]


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
    text = scrub_held(fit(text, settings.max_result_tokens, more=more), secrets)
    return text_result(text, scrub_held(structured, secrets) if structured is not None else None)


@contextmanager
def tool_errors() -> Iterator[None]:
    """Turn errors a model can act on into ToolErrors, whose text the model reads."""
    try:
        yield
    except UserError as exc:
        raise ToolError(exc.message) from None
