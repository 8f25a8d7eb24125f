"""resources/list with something in it: each capability adds what it can list cheaply (the docs'
pages when an index exists, the organisation's prompts when a key is set). A lister that fails or
is slow is left out of the answer, never the cause of an error."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from mcp_types import ListResourcesResult, PaginatedRequestParams, Resource

from respan_mcp.errors import UserError
from respan_mcp.sdk_compat import lowlevel_server

log = logging.getLogger(__name__)

LISTER_SECONDS = 5.0
Lister = Callable[[Any], Awaitable[list[Resource]]]  # (lifespan state) -> resources


def add_resource_lister(server: Any, lister: Lister) -> None:
    listers: list[Lister] | None = getattr(server, "_respan_resource_listers", None)
    if listers is None:
        listers = []
        server._respan_resource_listers = listers

        async def list_resources(ctx: Any, params: PaginatedRequestParams | None) -> ListResourcesResult:
            found: list[Resource] = []
            for one in listers:
                with anyio.move_on_after(LISTER_SECONDS):
                    try:
                        found += await one(ctx.lifespan_context)
                    except UserError as exc:
                        log.info("resources/list: %s", exc.message)
            return ListResourcesResult(resources=found)

        lowlevel_server(server).add_request_handler("resources/list", PaginatedRequestParams, list_resources)
    listers.append(lister)
