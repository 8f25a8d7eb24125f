"""Reading managed prompts from Respan, with a short cache (a stale list is worse than a slow one)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from respan_mcp.errors import RespanError
from respan_mcp.paths import api_path
from respan_mcp.prompts.render import PromptRenderError, PromptVersion
from respan_mcp.request_scope import request_base_url

if TYPE_CHECKING:
    from respan_mcp.respan import RespanClient

MAX_ENTRIES = 512
LIST_SORT = "-current_version__updated_at"  # a documented value (also: -id, current_version__updated_at)


def prompt_id_of(prompt: dict[str, Any]) -> str:
    """The string id used in URLs: Respan's types carry `prompt_id`, and an `id` that may be numeric."""
    return str(prompt.get("prompt_id") or prompt.get("id") or "")


class NoVersionsError(PromptRenderError):
    """A prompt made (with create_prompt, or in the UI) that has no version yet: nothing to read or render."""


def has_no_versions(prompt: dict[str, Any]) -> bool:
    """What a list answer says of a prompt: `current_version` null (documented) and nothing live."""
    return "current_version" in prompt and not prompt.get("current_version") and not prompt.get("live_version")


class PromptStore:
    def __init__(self, client: RespanClient, ttl: float) -> None:
        self.client = client
        self.ttl = ttl
        self._cache: dict[tuple[Any, ...], tuple[float, Any]] = {}

    async def _cached(self, key: tuple[Any, ...], fetch: Any) -> Any:
        # Keyed by the caller's key too: over HTTP, two callers may see different organisations.
        key = (self.client.current_key(), request_base_url.get(), *key)
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await fetch()
        if len(self._cache) >= MAX_ENTRIES:
            for stale in [k for k, (expires, _) in self._cache.items() if expires <= now] or list(self._cache)[:64]:
                self._cache.pop(stale, None)
        self._cache[key] = (now + self.ttl, value)
        return value

    def forget(self) -> None:
        """Drop every cached answer (after a write, the next read must see it)."""
        self._cache.clear()

    async def list_page(self, query: str | None, page: int, page_size: int) -> dict[str, Any]:
        """One page of prompts, newest first, optionally filtered by name."""

        async def fetch() -> Any:
            body: dict[str, Any] = {"filters": {}, "operator": "AND"}
            if query:
                body["filters"]["name"] = {"operator": "icontains", "value": [query]}
            params = {"page": page, "page_size": page_size, "sort_by": LIST_SORT}
            try:
                return await self.client.request(
                    "POST", "prompts/list/", params=params, json_body=body, read=True, what="list_prompts"
                )
            except RespanError as exc:
                if exc.status not in (404, 405):  # only a missing endpoint falls back; a 400 is reported
                    raise
            # Older deployments only have the GET listing: filter by name here.
            data = await self.client.request("GET", "prompts/", params=params, what="list_prompts")
            if query and isinstance(data, dict):
                wanted = query.lower()
                data["results"] = [p for p in data.get("results", []) if wanted in str(p.get("name", "")).lower()]
            return data

        data = await self._cached(("list", query, page, page_size), fetch)
        if isinstance(data, list):  # an unpaginated answer
            data = {"count": len(data), "next": None, "results": data}
        return data  # type: ignore[no-any-return]

    async def get(self, prompt_id: str) -> dict[str, Any]:
        return await self._cached(  # type: ignore[no-any-return]
            ("prompt", prompt_id),
            lambda: self.client.request("GET", api_path("prompts/{id}/", id=prompt_id), what=f"prompt {prompt_id!r}"),
        )

    async def versions(self, prompt_id: str, page_size: int = 50) -> list[dict[str, Any]]:
        data = await self._cached(
            ("versions", prompt_id, page_size),
            lambda: self.client.request(
                "GET",
                api_path("prompts/{id}/versions/", id=prompt_id),
                params={"page": 1, "page_size": page_size},
                what=f"versions of prompt {prompt_id!r}",
            ),
        )
        results = data.get("results", []) if isinstance(data, dict) else data
        return sorted(results or [], key=lambda v: -int(v.get("version") or 0))

    async def version(self, prompt_id: str, number: int) -> dict[str, Any]:
        return await self._cached(  # type: ignore[no-any-return]
            ("version", prompt_id, number),
            lambda: self.client.request(
                "GET",
                api_path("prompts/{id}/versions/{n}/", id=prompt_id, n=number),
                what=f"prompt {prompt_id!r} version {number}",
            ),
        )

    async def resolve_number(self, prompt_id: str, version: int | str | None) -> int:
        """The version number a request means: pinned, "latest", or the deployed one."""
        if isinstance(version, bool):
            raise PromptRenderError("version must be a number, 'latest', or omitted")
        if isinstance(version, int) or (isinstance(version, str) and version.isdigit()):
            return int(version)
        if version not in (None, "", "latest", "deployed", "live"):
            raise PromptRenderError(f"version must be a number, 'latest', or omitted (deployed), not {version!r}")
        versions = await self.versions(prompt_id)
        if not versions:
            raise NoVersionsError(
                f"prompt {prompt_id!r} has no versions yet: add one with create_prompt_version (the prompt_authoring "
                "toolset) or in the Respan platform"
            )
        if version == "latest":
            return int(versions[0]["version"])
        deployed = [v for v in versions if v.get("is_deployed")]
        if not deployed:
            prompt = await self.get(prompt_id)
            live = prompt.get("live_version") or prompt.get("deployed_version")
            if isinstance(live, dict) and live.get("version"):
                return int(live["version"])
            raise PromptRenderError(
                f"prompt {prompt_id!r} has no deployed version: pass version='latest' or a version number"
            )
        return int(deployed[0]["version"])

    async def load(self, prompt_id: str, version: int | str | None) -> PromptVersion:
        """The renderer's loader: a version's full content."""
        number = await self.resolve_number(prompt_id, version)
        data = await self.version(prompt_id, number)
        return PromptVersion.from_api(prompt_id, data)
