"""Respan calls for writing prompts (reads go through prompts/store.py, whose cache is cleared here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from respan_mcp.paths import api_path

if TYPE_CHECKING:
    from respan_mcp.prompts.store import PromptStore


async def create_prompt(store: PromptStore, name: str, description: str | None) -> dict[str, Any]:
    body = {"name": name, **({"description": description} if description else {})}
    created = await store.client.request("POST", "prompts/", json_body=body, read=False, what="create_prompt")
    store.forget()
    return created if isinstance(created, dict) else {}


async def update_prompt(store: PromptStore, prompt_id: str, body: dict[str, Any]) -> dict[str, Any]:
    path = api_path("prompts/{id}/", id=prompt_id)
    updated = await store.client.request("PATCH", path, json_body=body, read=False, what="update_prompt")
    store.forget()
    return updated if isinstance(updated, dict) else {}


async def create_version(store: PromptStore, prompt_id: str, body: dict[str, Any]) -> dict[str, Any]:
    path = api_path("prompts/{id}/versions/", id=prompt_id)
    created = await store.client.request("POST", path, json_body=body, read=False, what="create_prompt_version")
    store.forget()
    return created if isinstance(created, dict) else {}


async def update_version(store: PromptStore, prompt_id: str, version: int, body: dict[str, Any]) -> dict[str, Any]:
    path = api_path("prompts/{id}/versions/{n}/", id=prompt_id, n=version)
    what = "deploy_prompt_version" if body.get("deploy") else "update_prompt_version"
    updated = await store.client.request("PATCH", path, json_body=body, read=False, what=what)
    store.forget()
    return updated if isinstance(updated, dict) else {}


async def commit_prompt(store: PromptStore, prompt_id: str, description: str | None) -> dict[str, Any]:
    """The current draft frozen as a read-only version; a new draft opens after it (SDK 0.1.49)."""
    path = api_path("prompts/{id}/commits/", id=prompt_id)
    body = {"description": description} if description else {}
    committed = await store.client.request("POST", path, json_body=body, read=False, what="commit_prompt")
    store.forget()
    return committed if isinstance(committed, dict) else {}
