"""OAuth 2.1 sign-in for the HTTP server (`RESPAN_MCP_OAUTH_SECRET`), as the MCP authorization spec describes.

The protocol endpoints are the SDK's own (`mcp.server.auth`: metadata, registration, authorize, token); this
package adds the provider that issues sealed values (`provider.py`, `seal.py`), the sign-in page
(`signin.py`) and the Respan calls behind it (`respan_login.py`). This package is imported only when OAuth is
on (the SDK itself already loads `cryptography`, which seals here).
"""

from __future__ import annotations

from dataclasses import dataclass

from mcp.server.auth.handlers.metadata import MetadataHandler, ProtectedResourceMetadataHandler
from mcp.server.auth.routes import build_metadata, cors_middleware, create_auth_routes
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from mcp.shared.auth import OAuthMetadata, ProtectedResourceMetadata
from pydantic import AnyHttpUrl
from starlette.routing import Route

from respan_mcp.serving.oauth.provider import RespanOAuthProvider
from respan_mcp.serving.oauth.respan_login import Credential, RespanLogin
from respan_mcp.serving.oauth.seal import Sealer, Unsealed, is_ours
from respan_mcp.serving.oauth.signin import SignInPage

__all__ = ["Credential", "OAuthServer", "Unsealed", "is_ours"]

METADATA_PATH = "/.well-known/oauth-authorization-server"
RESOURCE_METADATA_ROOT = "/.well-known/oauth-protected-resource"


@dataclass
class OAuthServer:
    provider: RespanOAuthProvider
    routes: list[Route]
    resource_metadata_url: str

    def read(self, token: str) -> Credential:
        """The Respan credential an access token carries; `Unsealed` (with the reason) when it is not valid."""
        return self.provider.read_access_token(token)[1]


def build_oauth(
    secret: str,
    previous_secret: str | None,
    public_url: str,
    mcp_path: str,
    base_url: str,
    access_seconds: int,
    refresh_seconds: int,
    deployments: list[str] | None = None,
) -> OAuthServer:
    issuer = public_url.rstrip("/")
    resource = issuer + mcp_path
    provider = RespanOAuthProvider(
        Sealer(secret, previous_secret),
        RespanLogin(base_url),
        issuer=issuer,
        resource=resource,
        access_seconds=access_seconds,
        refresh_seconds=refresh_seconds,
    )
    registration = ClientRegistrationOptions(enabled=True)
    revocation = RevocationOptions(enabled=False)  # stateless tokens: rotating the secret is the revocation
    routes = [
        r
        for r in create_auth_routes(provider, AnyHttpUrl(issuer), None, registration, revocation)  # type: ignore[arg-type]
        if getattr(r, "path", None) != METADATA_PATH
    ]
    # The SDK's metadata, plus what this server also does: public clients ("none") and RFC 9207's `iss`.
    # The issuer is compared as a string (RFC 8414, RFC 9207's `iss`): validated through the models, which keep
    # an origin without the trailing slash a bare AnyHttpUrl would add.
    metadata = build_metadata(AnyHttpUrl(issuer), None, registration, revocation).model_dump(mode="json")
    metadata.update(
        issuer=issuer,
        token_endpoint_auth_methods_supported=["none", "client_secret_post", "client_secret_basic"],
        authorization_response_iss_parameter_supported=True,
    )
    resource_metadata = ProtectedResourceMetadata.model_validate(
        {"resource": resource, "authorization_servers": [issuer], "resource_name": "Respan (respan-mcp)"}
    )
    page = SignInPage(provider, deployments)
    resource_handler = cors_middleware(ProtectedResourceMetadataHandler(resource_metadata).handle, ["GET", "OPTIONS"])
    served_metadata = OAuthMetadata.model_validate(metadata)
    metadata_handler = cors_middleware(MetadataHandler(served_metadata).handle, ["GET", "OPTIONS"])
    routes += [
        Route(METADATA_PATH, metadata_handler, methods=["GET", "OPTIONS"]),
        # RFC 9728 §3.1: the resource's path after the well-known prefix; the bare prefix too, for clients that
        # look there first.
        Route(RESOURCE_METADATA_ROOT + mcp_path, resource_handler, methods=["GET", "OPTIONS"]),
        Route(RESOURCE_METADATA_ROOT, resource_handler, methods=["GET", "OPTIONS"]),
        Route("/signin", page.show, methods=["GET"]),
        Route("/signin", page.submit, methods=["POST"]),
    ]  # fmt: skip
    return OAuthServer(provider, routes, issuer + RESOURCE_METADATA_ROOT + mcp_path)
