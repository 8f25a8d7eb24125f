"""The streamable HTTP front door: auth, host checks and a health route around the MCP app.

Two ways to authenticate, chosen by configuration:
- pass-through (default): every request brings `Authorization: Bearer <Respan API key>`;
  that key is used for that request only and the server holds none;
- server token (RESPAN_MCP_SERVER_TOKEN set): clients present that token and the server
  uses its own RESPAN_API_KEY. A held key is never used without a server token.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from mcp.server import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, ListToolsResult
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from respan_mcp import __version__
from respan_mcp.config import LOOPBACK_HOSTS, Settings
from respan_mcp.request_scope import enabled_tools, request_api_key
from respan_mcp.state import AppState

log = logging.getLogger(__name__)

MCP_PATH = "/mcp"


class ConfigError(Exception):
    """A setting that makes serving unsafe or impossible; the text says what to change."""


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers") or []:
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def _bearer(scope: Scope) -> str | None:
    scheme, _, token = (_header(scope, b"authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _enabled_tools(scope: Scope) -> frozenset[str] | None:
    """The `Respan-Enabled-Tools` header (comma-separated tool names), as the official server reads it."""
    raw = _header(scope, b"respan-enabled-tools")
    if raw is None:
        return None
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


class BearerGate:
    """ASGI middleware: no valid bearer, no MCP. Sets the per-request Respan key."""

    def __init__(self, app: ASGIApp, server_token: str | None) -> None:
        self.app = app
        self.server_token = server_token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(MCP_PATH):
            await self.app(scope, receive, send)
            return
        token = _bearer(scope)
        if token is None:
            await self._deny(scope, receive, send, "Send 'Authorization: Bearer <token>'.")
            return
        if self.server_token is not None and not hmac.compare_digest(token.encode(), self.server_token.encode()):
            await self._deny(scope, receive, send, "The bearer token is not this server's token.")
            return
        tools_reset = enabled_tools.set(_enabled_tools(scope))
        key_reset = request_api_key.set(token) if self.server_token is None else None
        try:
            await self.app(scope, receive, send)
        finally:
            if key_reset is not None:
                request_api_key.reset(key_reset)
            enabled_tools.reset(tools_reset)

    async def _deny(self, scope: Scope, receive: Receive, send: Send, why: str) -> None:
        what = "this server's token" if self.server_token is not None else "your Respan API key"
        body = {"error": "unauthorized", "error_description": f"{why} The bearer must be {what}."}
        response = Response(
            json.dumps(body),
            status_code=401,
            media_type="application/json",
            headers={"WWW-Authenticate": 'Bearer realm="respan-mcp"'},
        )
        await response(scope, receive, send)


def security_settings(host: str, allowed_hosts: list[str]) -> TransportSecuritySettings | None:
    """DNS-rebinding protection: the SDK's loopback defaults, or the explicit list for other binds."""
    if host in LOOPBACK_HOSTS and not allowed_hosts:
        return None  # the SDK turns protection on for loopback binds by itself
    if not allowed_hosts:
        raise ConfigError(
            f"Binding to {host} needs RESPAN_MCP_ALLOWED_HOSTS (the Host values clients use, "
            "e.g. 'mcp.example.com,mcp.example.com:443'): DNS-rebinding protection stays on."
        )
    origins = [f"{scheme}://{h}" for h in allowed_hosts for scheme in ("http", "https")]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=list(allowed_hosts), allowed_origins=origins
    )


def http_settings(settings: Settings) -> Settings:
    """The settings an HTTP server runs with: a held key only together with a server token."""
    if settings.server_token is None and settings.api_key is not None:
        log.warning(
            "RESPAN_API_KEY is not used over HTTP without RESPAN_MCP_SERVER_TOKEN: each request must bring its own key"
        )
        return settings.model_copy(update={"api_key": None})
    if settings.server_token is not None and settings.api_key is None:
        raise ConfigError("RESPAN_MCP_SERVER_TOKEN is set but RESPAN_API_KEY is not: the server has no key to use.")
    return settings


async def narrow_tools(ctx: Any, call_next: Any) -> Any:
    """Server middleware: only the tools named in `Respan-Enabled-Tools` are listed or callable."""
    allowed = enabled_tools.get()
    if allowed is None or ctx.method not in ("tools/list", "tools/call"):
        return await call_next(ctx)
    if ctx.method == "tools/call":
        name = (ctx.params or {}).get("name")
        if name not in allowed:
            raise MCPError(
                code=INVALID_PARAMS,
                message=f"Tool {name!r} is not enabled for this request (Respan-Enabled-Tools: "
                f"{', '.join(sorted(allowed)) or 'none'}).",
            )
        return await call_next(ctx)
    result = await call_next(ctx)
    if isinstance(result, ListToolsResult):
        return result.model_copy(update={"tools": [t for t in result.tools if t.name in allowed]})
    if isinstance(result, dict) and isinstance(result.get("tools"), list):
        return {**result, "tools": [t for t in result["tools"] if t.get("name") in allowed]}
    return result


def build_http_app(server: MCPServer[AppState], settings: Settings, host: str = "127.0.0.1") -> ASGIApp:
    """The ASGI app to serve: MCP at /mcp behind the bearer gate, and GET /healthz."""
    server.middleware.append(narrow_tools)

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(_: Request) -> Response:
        payload: dict[str, Any] = {"status": "ok", "name": "respan-mcp", "version": __version__}
        payload["auth"] = "server-token" if settings.server_token else "pass-through"
        return JSONResponse(payload)

    app: Starlette = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        transport_security=security_settings(host, settings.allowed_hosts),
        host=host,
    )
    token = settings.server_token.get_secret_value() if settings.server_token else None
    return BearerGate(app, token)
