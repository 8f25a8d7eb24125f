"""The authorization server behind the SDK's OAuth handlers (`mcp.server.auth`), with nothing stored.

The SDK parses and checks the requests (registration, authorize, token: PKCE, redirect URI, grant type);
this provider decides what the values are. Every value is sealed (`seal.py`), so registrations and tokens
survive restarts and work on every replica with the same secret, and a flood of registrations fills no
table. Codes and refresh tokens are single-use within a process (a bounded table of spent ones until they
expire); across replicas a code still expires within minutes.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import secrets
import time
from collections import OrderedDict
from typing import Any
from urllib.parse import urlsplit

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    RegistrationError,
    TokenError,
    construct_redirect_uri,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl, ValidationError

from respan_mcp import observe
from respan_mcp.serving.oauth.respan_login import Credential, Refused, RespanLogin, Unreachable
from respan_mcp.serving.oauth.seal import Sealer, Unsealed

CODE_SECONDS = 300
SIGN_IN_SECONDS = 900  # the sign-in page may stay open this long
MAX_REDIRECT_URIS = 8
MAX_URI_CHARS = 512
MAX_NAME_CHARS = 100
MAX_SPENT = 100_000  # spent codes and refresh tokens remembered (each until it would have expired anyway)
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _is_loopback(host: str | None) -> bool:
    if host in LOOPBACK:
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_uri_problem(uri: str) -> str | None:
    """Why a redirect URI may not be registered (RFC 8252 and OAuth 2.1: https, loopback http, or an app's own
    scheme; never a fragment or a scheme that runs code), or None."""
    if len(uri) > MAX_URI_CHARS:
        return f"a redirect URI is longer than {MAX_URI_CHARS} characters"
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if parts.fragment or "#" in uri:
        return "a redirect URI may not have a fragment"
    if scheme in ("javascript", "data", "file", "vbscript", "blob", "about", "ftp", "ws", "wss"):
        return f"redirect URIs with the {scheme}: scheme are not allowed"
    if scheme == "http" and not _is_loopback(parts.hostname):
        return "an http redirect URI must be a loopback address (127.0.0.1, [::1] or localhost); use https"
    if scheme in ("http", "https") and not parts.hostname:
        return "a redirect URI needs a host"
    if scheme not in ("http", "https") and "." not in scheme and len(scheme) < 3:
        return "a redirect URI needs https, a loopback address, or an app's own scheme (e.g. com.example.app:)"
    return None


class StatelessClient(OAuthClientInformationFull):
    """A registered client whose loopback redirect URIs match on any port (RFC 8252 §7.3): native apps pick a
    free port for each sign-in. Everything else matches exactly."""

    def validate_redirect_uri(self, redirect_uri: AnyUrl | None) -> AnyUrl:
        if redirect_uri is not None and self.redirect_uris and redirect_uri not in self.redirect_uris:
            asked = urlsplit(str(redirect_uri))
            for registered in self.redirect_uris:
                known = urlsplit(str(registered))
                if (
                    asked.scheme == "http"
                    and _is_loopback(asked.hostname)
                    and (known.scheme, known.hostname, known.path, known.query)
                    == (asked.scheme, asked.hostname, asked.path, asked.query)
                ):
                    return redirect_uri
        return super().validate_redirect_uri(redirect_uri)


class Spent:
    """Bounded memory of single-use values already used, kept until each would have expired anyway."""

    def __init__(self, limit: int = MAX_SPENT) -> None:
        self.limit = limit
        self._until: OrderedDict[str, float] = OrderedDict()

    def take(self, jti: str, until: float) -> bool:
        """True the first time `jti` is taken; False if it was spent (or the table is full of live entries)."""
        now = time.time()
        while self._until and next(iter(self._until.values())) < now:
            self._until.popitem(last=False)
        if jti in self._until or len(self._until) >= self.limit:
            return False
        self._until[jti] = until
        return True


class RespanOAuthProvider:
    def __init__(
        self,
        sealer: Sealer,
        login: RespanLogin,
        issuer: str,
        resource: str,
        access_seconds: int,
        refresh_seconds: int,
    ) -> None:
        self.sealer = sealer
        self.login = login
        self.issuer = issuer
        self.resource = resource
        self.access_seconds = access_seconds
        self.refresh_seconds = refresh_seconds
        self.spent = Spent()

    # -- clients ---------------------------------------------------------------------------------------------

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        """Checks the metadata, then replaces the SDK's random id with the sealed registration itself (and a
        confidential client's secret with one derived from it), so any replica can read it back."""
        uris = [str(u) for u in client_info.redirect_uris or []]
        if len(uris) > MAX_REDIRECT_URIS:
            raise RegistrationError("invalid_redirect_uri", f"at most {MAX_REDIRECT_URIS} redirect URIs")
        for uri in uris:
            problem = redirect_uri_problem(uri)
            if problem:
                raise RegistrationError("invalid_redirect_uri", problem)
        if client_info.client_name and len(client_info.client_name) > MAX_NAME_CHARS:
            raise RegistrationError("invalid_client_metadata", f"client_name is over {MAX_NAME_CHARS} characters")
        method = client_info.token_endpoint_auth_method or "client_secret_post"
        grants = [g for g in client_info.grant_types if g in ("authorization_code", "refresh_token")]
        claims = {"u": uris, "m": method, "g": grants, "n": (client_info.client_name or "")[:MAX_NAME_CHARS],
                  "s": client_info.scope, "i": client_info.client_id_issued_at}  # fmt: skip
        client_id = self.sealer.seal("client", claims, ttl=10 * 365 * 86400)
        client_info.client_id = client_id
        client_info.grant_types = grants
        if client_info.client_secret is not None:
            client_info.client_secret = self.sealer.client_secret(client_id)

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        try:
            claims = self.sealer.unseal("client", client_id)
            return StatelessClient(
                client_id=client_id,
                redirect_uris=claims["u"],
                token_endpoint_auth_method=claims["m"],
                grant_types=claims["g"],
                client_name=claims["n"] or None,
                scope=claims["s"],
                client_id_issued_at=claims["i"],
                client_secret=None if claims["m"] == "none" else self.sealer.client_secret(client_id),
                client_secret_expires_at=None if claims["m"] == "none" else 0,
            )
        except (Unsealed, KeyError, TypeError, ValidationError):
            return None

    # -- authorize: off to the sign-in page, and back with a code ---------------------------------------------

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        if params.resource and params.resource.rstrip("/") != self.resource.rstrip("/"):  # RFC 8707
            raise AuthorizeError("invalid_target", f"this server issues tokens for {self.resource} only")
        request = {"c": client.client_id, "ru": str(params.redirect_uri),
                   "rx": params.redirect_uri_provided_explicitly, "cc": params.code_challenge, "st": params.state,
                   "sc": params.scopes or [], "rs": params.resource}  # fmt: skip
        return f"{self.issuer}/signin?request={self.sealer.seal('request', request, SIGN_IN_SECONDS)}"

    def read_sign_in_request(self, sealed: str) -> dict[str, Any]:
        """The pending authorization a sign-in page carries (`Unsealed` when forged or too old)."""
        return self.sealer.unseal("request", sealed)

    def finish_sign_in(self, request: dict[str, Any], credential: Credential) -> str:
        """Where to send the browser once Respan accepted the credential: the client's redirect URI with a code."""
        claims = {
            **request,
            "c": client_digest(request["c"]),
            "j": secrets.token_urlsafe(16),
            "cr": credential.claims(),
        }
        code = self.sealer.seal("code", claims, CODE_SECONDS)
        return construct_redirect_uri(request["ru"], code=code, state=request.get("st"), iss=self.issuer)

    # -- codes and tokens -------------------------------------------------------------------------------------

    async def load_authorization_code(self, client: OAuthClientInformationFull, authorization_code: str) -> Any:
        try:
            claims = self.sealer.unseal("code", authorization_code)
            code = SealedCode(
                code=authorization_code,
                scopes=claims["sc"],
                expires_at=claims["exp"],
                client_id=client.client_id,
                code_challenge=claims["cc"],
                redirect_uri=AnyUrl(claims["ru"]),
                redirect_uri_provided_explicitly=claims["rx"],
                resource=claims["rs"],
                subject=_subject(claims["cr"]),
                jti=claims["j"],
                credential=claims["cr"],
            )
        except (Unsealed, KeyError, TypeError, ValueError, ValidationError):
            return None
        return code if claims["c"] == client_digest(client.client_id) else None

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: Any
    ) -> OAuthToken:
        if not self.spent.take("c" + authorization_code.jti, authorization_code.expires_at):
            observe.auth_event("code_replayed")
            raise TokenError("invalid_grant", "this authorization code was already used; sign in again")
        credential = Credential.from_claims(authorization_code.credential)
        observe.auth_event("code_exchanged")
        return self._tokens(client.client_id, credential, authorization_code.scopes, authorization_code.resource)

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> Any:
        try:
            claims = self.sealer.unseal("refresh", refresh_token)
            token = SealedRefresh(token=refresh_token, client_id=client.client_id, scopes=claims["sc"],
                                  expires_at=claims["exp"], resource=claims["rs"], subject=_subject(claims["cr"]),
                                  jti=claims["j"], credential=claims["cr"])  # fmt: skip
        except (Unsealed, KeyError, TypeError, ValueError, ValidationError):
            return None
        return token if claims["c"] == client_digest(client.client_id) else None

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: Any, scopes: list[str]
    ) -> OAuthToken:
        if not self.spent.take("r" + refresh_token.jti, float(refresh_token.expires_at or time.time() + 1)):
            observe.auth_event("refresh_replayed")
            raise TokenError("invalid_grant", "this refresh token was already used; sign in again")
        try:
            credential = await self.login.renew(Credential.from_claims(refresh_token.credential))
        except Refused as exc:
            observe.auth_event("refresh_refused")
            raise TokenError("invalid_grant", str(exc)) from None
        except Unreachable as exc:
            raise TokenError("invalid_request", str(exc)) from None
        observe.auth_event("refreshed")
        return self._tokens(client.client_id, credential, scopes, refresh_token.resource)

    def _tokens(self, client_id: str, credential: Credential, scopes: list[str], resource: str | None) -> OAuthToken:
        seconds = self.access_seconds
        session_ends = credential.expires_at()
        if session_ends is not None:  # never outlive the Respan session inside
            seconds = max(60, min(seconds, int(session_ends - time.time())))
        base = {"c": client_digest(client_id), "sc": scopes, "rs": resource, "cr": credential.claims()}
        access = self.sealer.seal("access", base, seconds)
        refresh = self.sealer.seal("refresh", {**base, "j": secrets.token_urlsafe(16)}, self.refresh_seconds)
        return OAuthToken(
            access_token=access, expires_in=seconds, refresh_token=refresh, scope=" ".join(scopes) or None
        )

    async def load_access_token(self, token: str) -> AccessToken | None:
        try:
            return self.read_access_token(token)[0]
        except Unsealed:
            return None

    def read_access_token(self, token: str) -> tuple[AccessToken, Credential]:
        """The token and the Respan credential it carries; `Unsealed` with the reason when it is not valid here."""
        claims = self.sealer.unseal("access", token)
        try:
            credential = Credential.from_claims(claims["cr"])
            resource = claims.get("rs")
            info = AccessToken(token=token, client_id=claims["c"], scopes=claims["sc"], expires_at=claims["exp"],
                               resource=resource, subject=_subject(claims["cr"]))  # fmt: skip
        except (KeyError, TypeError, ValueError, ValidationError):
            raise Unsealed("this access token is malformed") from None
        if resource and resource.rstrip("/") != self.resource.rstrip("/"):
            raise Unsealed(f"this token was issued for {resource[:200]}, not for this server")
        return info, credential

    async def revoke_token(self, token: Any) -> None:  # pragma: no cover - revocation is not offered
        return None

    async def exchange_identity_assertion(self, client: Any, params: Any) -> OAuthToken:  # pragma: no cover
        raise TokenError("unsupported_grant_type", "identity assertions are not accepted here")


class SealedCode(AuthorizationCode):
    jti: str
    credential: dict[str, Any]


class SealedRefresh(RefreshToken):
    jti: str
    credential: dict[str, Any]


def client_digest(client_id: str) -> str:
    """What codes and tokens carry of their client: a digest (a client id is a sealed registration, ~250
    characters), compared with the presenting client's."""
    return base64.urlsafe_b64encode(hashlib.sha256(client_id.encode()).digest()[:16]).decode().rstrip("=")


def _subject(credential: Any) -> str:
    """Who a token acts for, without the credential: a digest of it (the same key is the same subject)."""
    value = credential.get("v", "") if isinstance(credential, dict) else ""
    return "respan:" + hashlib.sha256(str(value).encode()).hexdigest()[:24]
