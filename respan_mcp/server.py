"""create_server: one MCPServer with the capabilities the settings ask for."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from mcp.server import MCPServer

from respan_mcp import __version__
from respan_mcp.config import Settings
from respan_mcp.contract import apply_contract
from respan_mcp.state import AppState

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

INSTRUCTIONS = """Tools for the Respan LLM platform (formerly Keywords AI).
- Docs: search_docs answers "how do I ..." questions about Respan with the right doc section (for a goal or a
  symptom, add `also` with 2-3 rewordings naming the likely feature); read_doc reads a page.
- Gateway: chat_completion calls any model through the Respan gateway with every OpenAI and Respan parameter.
- Prompts: list_prompts / get_prompt inspect managed prompts; render_prompt shows the exact messages a prompt
  produces, without calling a model; chat_completion with `prompt` runs it.
- Logs: search_logs, get_log, summarize_logs, list_traces, get_trace answer questions about past requests;
  create_log records a call made outside the gateway.
Results are compact text; long results end with the exact call that gets the rest."""

# Capability name -> module whose `register(server, read_only=...)` adds its tools.
CAPABILITIES = {
    "gateway": "respan_mcp.gateway.tools",
    "prompts": "respan_mcp.prompts.tools",
    "logs": "respan_mcp.logs.tools",
    "docs": "respan_mcp.docs.tools",
    # Opt-in (RESPAN_MCP_TOOLSETS): not imported unless enabled.
    "prompt_authoring": "respan_mcp.authoring.tools",
    "customers": "respan_mcp.customers.tools",
    "evals": "respan_mcp.evals.tools",
}


def create_server(
    settings: Settings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> MCPServer[AppState]:
    """Build the server. `transport` replaces the network (tests plug the fake Respan in here)."""
    settings = settings or Settings()
    from respan_mcp import cursor
    from respan_mcp.prompts import worker_pool  # (no process starts here: only at the first template)

    secret = settings.cursor_secret.get_secret_value() if settings.cursor_secret else None
    cursor.configure_key(cursor.install_key(secret, settings.resolved_cache_dir()))

    worker_pool.configure(worker_pool.Limits(memory_mb=settings.template_memory_mb, workers=settings.template_workers))

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncIterator[AppState]:
        state = AppState(settings=settings, transport=transport)
        try:
            yield state
        finally:
            await state.aclose()

    server: MCPServer[AppState] = MCPServer(
        "respan-mcp",
        title="Respan",
        version=__version__,
        instructions=INSTRUCTIONS,
        website_url="https://respan.ai",
        lifespan=lifespan,
        log_level=settings.log_level.upper(),  # type: ignore[arg-type]
    )
    for name in [t for t in settings.toolsets if t in CAPABILITIES]:
        module = importlib.import_module(CAPABILITIES[name])
        module.register(server, read_only=settings.read_only)
    apply_contract(server)
    return server
