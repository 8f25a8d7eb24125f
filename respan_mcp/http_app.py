"""The streamable HTTP front door: auth, host checks and a health route around the MCP app.

Two ways to authenticate, chosen by configuration:
- pass-through (default): every request brings `Authorization: Bearer <Respan API key>`;
  that key is used for that request only and the server holds none;
- server token (RESPAN_MCP_SERVER_TOKEN set): clients present that token and the server
  uses its own RESPAN_API_KEY. A held key is never used without a server token.
Beside either, OAuth sign-in (RESPAN_MCP_OAUTH_SECRET set, serving/oauth): a token this server issued
carries the Respan credential of the person who signed in, and is used as their key.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import TYPE_CHECKING, Any

import anyio
from mcp.server import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, CompleteResult, Completion
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from respan_mcp import __version__, observe
from respan_mcp.config import LOOPBACK_HOSTS, Settings, api_origin, normalize_base_url
from respan_mcp.request_scope import enabled_tools, request_api_key, request_base_url
from respan_mcp.state import AppState

if TYPE_CHECKING:
    from respan_mcp.serving.oauth import OAuthServer

log = logging.getLogger(__name__)

MCP_PATH = "/mcp"
OUR_TOKEN_PREFIX = "rmcp_"  # noqa: S105 - every value serving/oauth issues starts so (never forwarded to Respan as a key)


class ConfigError(Exception):
    """A setting that makes serving unsafe or impossible; the text says what to change."""


class BadRequest(Exception):
    """A request the front door refuses with 400; the text says why."""


def _headers(scope: Scope, wanted: bytes) -> list[str]:
    return [value.decode("latin-1") for name, value in scope.get("headers") or [] if name == wanted]


def _header(scope: Scope, wanted: bytes) -> str | None:
    """A header that may appear once: a repeated one is refused, not "first wins"."""
    found = _headers(scope, wanted)
    if len(found) > 1:
        raise BadRequest(f"the {wanted.decode()} header appears {len(found)} times; send it once")
    return found[0] if found else None


def _bearer(scope: Scope) -> str | None:
    scheme, _, token = (_header(scope, b"authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _enabled_tools(scope: Scope) -> frozenset[str] | None:
    """The `Respan-Enabled-Tools` header (comma-separated tool names), as the official server reads it."""
    raw = _header(scope, b"respan-enabled-tools")
    if raw is None:
        return None
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def _timed_receive(receive: Receive, seconds: float) -> Receive:
    """`receive` that gives up on a request body that does not arrive in time (a slow-body attack).

    Only while the body is still coming: afterwards the app waits on `receive` for a disconnect,
    which may rightly take as long as a long call."""
    body_done = False

    async def timed() -> Message:
        nonlocal body_done
        if body_done:
            return await receive()
        with anyio.move_on_after(seconds):
            message = await receive()
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message
        log.info("request body not received within %s s; dropping the request", seconds)
        return {"type": "http.disconnect"}

    return timed


class BearerGate:
    """ASGI middleware: no valid bearer, no MCP. Sets the per-request Respan key."""

    def __init__(
        self,
        app: ASGIApp,
        server_token: str | None,
        body_timeout: float = 30.0,
        allowed_base_urls: list[str] | None = None,
        oauth: OAuthServer | None = None,
    ) -> None:
        self.app = app
        self.oauth = oauth
        self.server_token = server_token
        self.body_timeout = body_timeout
        self.allowed_origins = {api_origin(url) for url in allowed_base_urls or []}

    def _base_url(self, scope: Scope) -> str | None:
        """`Respan-Api-Base-Url` (older: `Keywords-Api-Base-Url`), for enterprise deployments: only
        origins the operator allowlisted, so a caller cannot make this server fetch any URL."""
        raw = _header(scope, b"respan-api-base-url") or _header(scope, b"keywords-api-base-url")
        if raw is None:
            return None
        try:
            origin = api_origin(raw)
        except ValueError:
            raise BadRequest("Respan-Api-Base-Url is not a URL") from None
        if origin not in self.allowed_origins:
            allowed = ", ".join(sorted(self.allowed_origins)) or "none: set RESPAN_MCP_ALLOWED_BASE_URLS"
            raise BadRequest(f"Respan-Api-Base-Url {origin} is not allowed on this server (allowed: {allowed})")
        return normalize_base_url(raw)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(MCP_PATH):
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "DELETE"):
            # Stateless: no server-to-client stream to open and no session to end. A GET would
            # otherwise hold a connection open for ever.
            await _plain(405, "this server is stateless: POST JSON-RPC requests to /mcp", {"Allow": "POST"})(
                scope, receive, send
            )
            return
        try:
            token = _bearer(scope)
            tools = _enabled_tools(scope)
            base_url = self._base_url(scope)
        except BadRequest as exc:
            await _plain(400, str(exc))(scope, receive, send)
            return
        if token is None:
            await self._deny(scope, receive, send, "Send 'Authorization: Bearer <token>'.", token_given=False)
            return
        if not token.isascii() or not token.isprintable():
            await self._deny(scope, receive, send, "The key must be ASCII: check that it was copied whole.")
            return
        key: str | None = token if self.server_token is None else None
        if token.startswith(OUR_TOKEN_PREFIX):
            if self.oauth is None:
                await self._deny(scope, receive, send, "This is an OAuth token, but sign-in is off on this server.")
                return
            from respan_mcp.serving.oauth import Unsealed

            try:
                credential = self.oauth.read(token)
            except Unsealed as exc:
                observe.auth_event("token_refused")
                await self._deny(scope, receive, send, f"The token was refused: {exc}. Sign in again.")
                return
            key, base_url = credential.value, credential.base_url or base_url
        elif self.server_token is not None and not hmac.compare_digest(token.encode(), self.server_token.encode()):
            await self._deny(scope, receive, send, "The bearer token is not this server's token.")
            return
        tools_reset = enabled_tools.set(tools)
        key_reset = request_api_key.set(key) if key is not None else None
        base_reset = request_base_url.set(base_url)
        try:
            await self.app(scope, _timed_receive(receive, self.body_timeout), send)
        finally:
            request_base_url.reset(base_reset)
            if key_reset is not None:
                request_api_key.reset(key_reset)
            enabled_tools.reset(tools_reset)

    async def _deny(self, scope: Scope, receive: Receive, send: Send, why: str, token_given: bool = True) -> None:
        what = "this server's token" if self.server_token is not None else "your Respan API key"
        if self.oauth is not None:
            what += " or a token from signing in (OAuth)"
        description = f"{why} The bearer must be {what}."
        body = {"error": "invalid_token" if token_given else "unauthorized", "error_description": description}
        challenge = 'Bearer realm="respan-mcp"'
        if self.oauth is not None:  # where OAuth clients find how to sign in (RFC 9728)
            challenge += f', resource_metadata="{self.oauth.resource_metadata_url}"'
        if token_given or self.oauth is None:  # without OAuth, say what to send so clients stop trying to register
            quoted = description.replace("\\", "").replace('"', "'")
            challenge += f', error="invalid_token", error_description="{quoted}"'
        response = Response(
            json.dumps(body), status_code=401, media_type="application/json", headers={"WWW-Authenticate": challenge}
        )
        await response(scope, receive, send)


def _plain(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"error": "method_not_allowed" if status == 405 else "bad_request", "error_description": message}
    return Response(json.dumps(body), status_code=status, media_type="application/json", headers=headers)


LOOPBACK_ALLOWED = ["127.0.0.1", "127.0.0.1:*", "localhost", "localhost:*", "[::1]", "[::1]:*"]


def security_settings(host: str, allowed_hosts: list[str]) -> TransportSecuritySettings:
    """DNS-rebinding protection: loopback names (with or without a port: a port-80 reverse proxy sends
    none) for loopback binds, or the explicit list for other binds."""
    if host in LOOPBACK_HOSTS and not allowed_hosts:
        origins = [f"http://{h}" for h in LOOPBACK_ALLOWED]
        return TransportSecuritySettings(
            enable_dns_rebinding_protection=True, allowed_hosts=LOOPBACK_ALLOWED, allowed_origins=origins
        )
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


# The surfaces besides tools, and the tools that open each: `Respan-Enabled-Tools: search_docs`
# must not leave prompts readable through prompts/get or resources/read.
PROMPT_TOOLS = frozenset({"list_prompts", "get_prompt", "render_prompt"})
DOCS_TOOLS = frozenset({"search_docs", "read_doc"})
URI_TOOLS = {"respan-prompt://": PROMPT_TOOLS, "respan-docs://": DOCS_TOOLS}


def _uri_allowed(uri: str, allowed: frozenset[str]) -> bool:
    return all(not uri.startswith(prefix) or tools & allowed for prefix, tools in URI_TOOLS.items())


def _filtered(result: Any, field: str, keep: Any) -> Any:
    """A list result with only the items `keep` accepts (results may be models or plain dicts)."""
    if isinstance(result, dict) and isinstance(result.get(field), list):
        return {**result, field: [item for item in result[field] if keep(item)]}
    items = getattr(result, field, None)
    if isinstance(items, list):
        return result.model_copy(update={field: [item for item in items if keep(item)]})
    return result


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _refuse(what: str, allowed: frozenset[str]) -> MCPError:
    names = ", ".join(sorted(allowed)) or "none"
    return MCPError(
        code=INVALID_PARAMS, message=f"{what} is not enabled for this request (Respan-Enabled-Tools: {names})."
    )


async def narrow_tools(ctx: Any, call_next: Any) -> Any:
    """Server middleware: `Respan-Enabled-Tools` narrows every surface, not just tools/list and tools/call."""
    allowed = enabled_tools.get()
    if allowed is None:
        return await call_next(ctx)
    params = ctx.params or {}
    method = ctx.method
    prompts_on = bool(PROMPT_TOOLS & allowed)
    if method == "tools/call" and params.get("name") not in allowed:
        raise _refuse(f"Tool {params.get('name')!r}", allowed)
    if method == "prompts/get" and not prompts_on:
        raise _refuse("Prompts", allowed)
    if method == "resources/read" and not _uri_allowed(str(params.get("uri", "")), allowed):
        raise _refuse(f"Resource {str(params.get('uri', ''))[:100]!r}", allowed)
    if method == "completion/complete" and not prompts_on:
        return CompleteResult(completion=Completion(values=[], total=0, has_more=False))
    result = await call_next(ctx)
    if method == "tools/list":
        return _filtered(result, "tools", lambda t: _get(t, "name") in allowed)
    if method == "prompts/list" and not prompts_on:
        return _filtered(result, "prompts", lambda _: False)
    if method == "resources/list":
        return _filtered(result, "resources", lambda r: _uri_allowed(str(_get(r, "uri")), allowed))
    if method == "resources/templates/list":
        field = "resourceTemplates" if isinstance(result, dict) else "resource_templates"
        return _filtered(
            result, field, lambda r: _uri_allowed(str(_get(r, "uri_template") or _get(r, "uriTemplate")), allowed)
        )
    return result


def build_http_app(server: MCPServer[AppState], settings: Settings, host: str = "127.0.0.1") -> ASGIApp:
    """The ASGI app to serve: MCP at /mcp behind the bearer gate, GET /healthz, and OAuth sign-in when on."""
    server.middleware.append(narrow_tools)
    oauth = build_oauth_server(settings)

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(_: Request) -> Response:
        payload: dict[str, Any] = {"status": "ok", "name": "respan-mcp", "version": __version__}
        payload["auth"] = "server-token" if settings.server_token else "pass-through"
        payload["oauth"] = oauth is not None
        return JSONResponse(payload)

    if settings.metrics:  # outside the MCP auth, like /healthz; off unless asked for
        from respan_mcp.serving import metrics

        registry = metrics.enable(settings)

        @server.custom_route("/metrics", methods=["GET"])
        async def metrics_page(_: Request) -> Response:
            body, content_type = metrics.exposition(registry)
            return Response(body, media_type=content_type)

    app: Starlette = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        transport_security=security_settings(host, settings.allowed_hosts),
        host=host,
    )
    app.router.routes.extend(oauth.routes if oauth is not None else oauth_off_routes())
    # On SIGTERM, sse-starlette would end every event stream at once, cutting off calls in flight. Here a stream
    # is one call's answer (no stream outlives its request: GET is 405), so they finish instead, bounded by
    # uvicorn's graceful-shutdown timeout (RESPAN_MCP_SHUTDOWN_SECONDS).
    from sse_starlette.sse import AppStatus

    AppStatus.disable_automatic_graceful_drain()
    token = settings.server_token.get_secret_value() if settings.server_token else None
    return BearerGate(app, token, settings.http_body_timeout, settings.allowed_base_urls, oauth)


def build_oauth_server(settings: Settings) -> OAuthServer | None:
    """The OAuth endpoints and token reader when `RESPAN_MCP_OAUTH_SECRET` is set (imported only then)."""
    if settings.oauth_secret is None:
        return None
    from urllib.parse import urlsplit

    from respan_mcp.serving.oauth import build_oauth
    from respan_mcp.serving.oauth.seal import MIN_SECRET_CHARS

    secret = settings.oauth_secret.get_secret_value()
    if len(secret) < MIN_SECRET_CHARS:
        raise ConfigError(
            f"RESPAN_MCP_OAUTH_SECRET must be at least {MIN_SECRET_CHARS} characters; make one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )
    if not settings.public_url:
        raise ConfigError(
            "OAuth needs RESPAN_MCP_PUBLIC_URL, the address clients reach this server at "
            "(e.g. https://mcp.example.com): it is the issuer of the tokens."
        )
    parts = urlsplit(settings.public_url)
    local = parts.hostname in LOOPBACK_HOSTS
    if parts.scheme not in ("http", "https") or (parts.scheme == "http" and not local):
        raise ConfigError("RESPAN_MCP_PUBLIC_URL must be https (http only for a loopback address).")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise ConfigError("RESPAN_MCP_PUBLIC_URL must be an origin without a path, e.g. https://mcp.example.com.")
    previous = settings.oauth_previous_secret.get_secret_value() if settings.oauth_previous_secret else None
    return build_oauth(
        secret,
        previous,
        f"{parts.scheme}://{parts.netloc}",
        MCP_PATH,
        settings.base_url,
        settings.oauth_access_seconds,
        settings.oauth_refresh_seconds,
        # the enterprise APIs a request could choose with Respan-Api-Base-Url; a sign-in may choose one too
        [normalize_base_url(url) for url in settings.allowed_base_urls],
    )


def oauth_off_routes() -> list[Any]:
    """Without OAuth, the places clients look for it say so, in words a client can show, instead of a bare 404."""
    from starlette.routing import Route

    async def not_here(_: Request) -> Response:
        body = {
            "error": "invalid_client_metadata",
            "error_description": "This respan-mcp server does not offer OAuth sign-in: configure your client to "
            "send the header 'Authorization: Bearer <your Respan API key>'.",
        }
        return JSONResponse(body, status_code=404)

    paths = ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource" + MCP_PATH,
             "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration", "/register"]  # fmt: skip
    return [Route(path, not_here, methods=["GET", "POST"]) for path in paths]
