"""Respan calls for the model catalogue (`GET /api/models/public`, no key needed) and for comparing models."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import anyio

from respan_mcp.errors import RespanError, UserError
from respan_mcp.gateway import api as gateway_api

if TYPE_CHECKING:
    from respan_mcp.respan import RespanClient

CATALOGUE_TTL = 3600.0  # seconds the catalogue is reused: 250+ models, prices change rarely
MAX_MODELS = 2000  # models read from one catalogue answer
_CATALOGUES: dict[str, tuple[float, list[dict[str, Any]]]] = {}  # API base URL -> (fetched at, models)


async def catalogue(client: RespanClient) -> tuple[list[dict[str, Any]], float]:
    """Every model Respan serves, as the catalogue lists them; (models, seconds since fetched)."""
    key = client.url("models/public")
    now = time.monotonic()
    cached = _CATALOGUES.get(key)
    if cached is not None and now - cached[0] < CATALOGUE_TTL:
        return cached[1], now - cached[0]
    data = await client.request("GET", "models/public", read=True, what="list_models", anonymous=True)
    listed = (data.get("models") or data.get("data")) if isinstance(data, dict) else data
    models = [m for m in (listed or [])[:MAX_MODELS] if isinstance(m, dict) and m.get("model_name")]
    _CATALOGUES[key] = (now, models)
    return models, 0.0


async def one_completion(client: RespanClient, body: dict[str, Any]) -> tuple[dict[str, Any] | None, str, float]:
    """(answer, error, seconds): a model that fails is an error, not an exception."""
    started = time.monotonic()
    try:
        answer = await gateway_api.complete(client, body)
    except UserError as exc:
        return None, exc.message, time.monotonic() - started
    except gateway_api.CutAnswer as exc:
        return None, str(exc), time.monotonic() - started
    return (answer if isinstance(answer, dict) else {}), "", time.monotonic() - started


async def side_by_side(
    client: RespanClient, bodies: list[dict[str, Any]], on_done: Any = None
) -> list[tuple[dict[str, Any] | None, str, float]]:
    """The same request on several models at once; results in the order given. `on_done(i)` as each finishes.
    Cancelling the caller cancels every request still running (one task group)."""
    results: list[Any] = [None] * len(bodies)

    async def run(i: int) -> None:
        results[i] = await one_completion(client, bodies[i])
        if on_done is not None:
            await on_done(i)

    async with anyio.create_task_group() as group:
        for i in range(len(bodies)):
            group.start_soon(run, i)
    return results


def estimated_cost(model: dict[str, Any] | None, prompt_tokens: Any, completion_tokens: Any) -> float | None:
    """USD from usage and the catalogue's prices per 1M tokens (when the answer carries no cost)."""
    if not model or not isinstance(prompt_tokens, int) or not isinstance(completion_tokens, int):
        return None
    price_in, price_out = model.get("input_cost"), model.get("output_cost")
    if not isinstance(price_in, (int, float)) or not isinstance(price_out, (int, float)):
        return None
    return (prompt_tokens * price_in + completion_tokens * price_out) / 1_000_000


__all__ = ["RespanError", "catalogue", "estimated_cost", "side_by_side"]
