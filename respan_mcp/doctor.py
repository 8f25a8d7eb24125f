"""`respan-mcp doctor`: check the configuration and that Respan answers, and say what to fix."""

from __future__ import annotations

import sys
from collections.abc import Callable

import anyio
import httpx

from respan_mcp.config import Settings
from respan_mcp.errors import RespanError
from respan_mcp.respan import RespanClient


def _mask(secret: str) -> str:
    return secret[:4] + "…" + secret[-2:] if len(secret) > 10 else "…"


def run_doctor(
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
    out: Callable[[str], None] | None = None,
) -> int:
    """Print one line per check (✔ / ✘ with the fix, ! for a warning); return 0 when the server can serve.

    A docs index not built yet is a warning, not a failure: the first search builds it (online), and the
    line says the command that builds it now."""
    write = out or (lambda line: print(line, file=sys.stdout))
    failures = 0

    def check(ok: bool, line: str, fix: str = "", *, warning: bool = False) -> None:
        nonlocal failures
        failures += 0 if ok or warning else 1
        mark = "✔" if ok else "!" if warning else "✘"
        write(f"{mark} {line}" + (f"\n    → {fix}" if fix and not ok else ""))

    key = settings.api_key.get_secret_value() if settings.api_key else None
    check(
        key is not None,
        f"API key: {_mask(key)}" if key else "API key: not set",
        "set RESPAN_API_KEY (or run `respan login`), or use HTTP mode where each request brings its key",
    )
    shown = settings.shown_base_url()
    write(f"  base URL: {shown}  (chat goes to {shown}/chat/completions)")
    write(f"  toolsets: {', '.join(settings.toolsets)}{'  (read-only)' if settings.read_only else ''}")
    if key:
        problem = anyio.run(_probe, settings, transport)
        check(problem is None, "Respan answers with this key", problem or "")
    if settings.oauth_secret is not None:
        check(*_oauth_check(settings))
    from respan_mcp.docs.store import index_status

    status = index_status(settings)
    check(status.ok, f"docs index: {status.summary}", status.fix, warning=True)
    if status.ok:
        from respan_mcp.docs.semantic.control import describe
        from respan_mcp.docs.store import index_path

        write(f"  semantic ranking: {describe(index_path(settings), settings.docs_semantic)}")
    return 1 if failures else 0


def _oauth_check(settings: Settings) -> tuple[bool, str, str]:
    """OAuth sign-in's configuration, as `serve --transport http` would check it (a loopback bind fills in the
    public URL from its port, so its absence is reported with that default)."""
    from respan_mcp.http_app import ConfigError, build_oauth_server

    probe = settings if settings.public_url else settings.model_copy(update={"public_url": "http://127.0.0.1:8000"})
    try:
        build_oauth_server(probe)
    except ConfigError as exc:
        return False, "OAuth sign-in: misconfigured", str(exc)
    issuer = settings.public_url or "http://127.0.0.1:<port> (a loopback bind; set RESPAN_MCP_PUBLIC_URL for others)"
    return True, f"OAuth sign-in: on, issuer {issuer}", ""


async def _probe(settings: Settings, transport: httpx.AsyncBaseTransport | None) -> str | None:
    client = RespanClient(settings.model_copy(update={"max_retries": 0}), transport=transport)
    try:
        await client.request("GET", "prompts/", params={"page": 1, "page_size": 1}, what="doctor")
        return None
    except RespanError as exc:
        return exc.message
    finally:
        await client.aclose()
