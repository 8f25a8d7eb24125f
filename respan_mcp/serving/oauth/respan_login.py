"""The Respan side of signing in: check an API key, log in with email and password, renew a session.

The key is checked with the cheapest authenticated read (one prompt), as `respan-mcp doctor` does. Email and
password go to `<origin>/auth/jwt/create/` and sessions are renewed at `<origin>/auth/jwt/refresh/`, as
Respan's own CLI and official MCP server do (SimpleJWT: `{"access", "refresh"}`). Answers are read capped.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from respan_mcp.config import api_origin

_CAP = 64_000  # bytes read from any of these answers
_TIMEOUT = httpx.Timeout(10.0)


class Refused(Exception):
    """Respan said no (the text is for the person signing in)."""


class Unreachable(Exception):
    """Respan could not be asked; nothing was decided."""


@dataclass(frozen=True)
class Credential:
    """What a token stands for: a Respan API key, or a Respan session (a JWT and what renews it)."""

    kind: str  # "key" or "jwt"
    value: str
    refresh: str | None = None
    base_url: str | None = None  # an allowlisted enterprise API; None = the server's own

    def claims(self) -> dict[str, Any]:
        out = {"k": self.kind, "v": self.value}
        if self.refresh:
            out["r"] = self.refresh
        if self.base_url:
            out["b"] = self.base_url
        return out

    @classmethod
    def from_claims(cls, claims: Any) -> Credential:
        if (
            not isinstance(claims, dict)
            or claims.get("k") not in ("key", "jwt")
            or not isinstance(claims.get("v"), str)
        ):
            raise ValueError("malformed credential")
        refresh, base = claims.get("r"), claims.get("b")
        return cls(claims["k"], claims["v"], refresh if isinstance(refresh, str) else None,
                   base if isinstance(base, str) else None)  # fmt: skip

    def expires_at(self) -> float | None:
        """A session's own expiry (the JWT's `exp`, read without verifying: Respan verifies it)."""
        if self.kind != "jwt":
            return None
        try:
            part = self.value.split(".")[1]
            exp = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))).get("exp")
        except (IndexError, ValueError, AttributeError):
            return None
        return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None


class RespanLogin:
    def __init__(self, base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(timeout=_TIMEOUT, transport=transport, follow_redirects=False)

    async def _call(self, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
        try:
            async with self._http.stream(method, url, **kwargs) as response:
                raw = b""
                async for chunk in response.aiter_bytes():
                    raw += chunk
                    if len(raw) > _CAP:
                        break
                status = response.status_code
        except httpx.HTTPError as exc:
            raise Unreachable(f"Respan could not be reached ({type(exc).__name__}); try again in a moment") from None
        try:
            body = json.loads(raw[:_CAP]) if raw else None
        except ValueError:
            body = None
        if status >= 500 or status == 429:
            raise Unreachable(f"Respan answered {status}; try again in a moment")
        return status, body

    async def check_key(self, key: str, base_url: str | None = None) -> Credential:
        root = (base_url or self.base_url).rstrip("/")
        status, _ = await self._call(
            "GET",
            f"{root}/prompts/",
            params={"page": 1, "page_size": 1},
            headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
        )
        if status in (401, 403):
            raise Refused("Respan did not accept this API key. Copy it again from Settings → API keys.")
        if status >= 400:
            raise Refused(f"Respan answered {status} when the key was checked.")
        return Credential("key", key, base_url=base_url)

    async def password(self, email: str, password: str, base_url: str | None = None) -> Credential:
        origin = api_origin(base_url or self.base_url)
        status, body = await self._call(
            "POST", f"{origin}/auth/jwt/create/", json={"email": email, "password": password}
        )
        if status in (400, 401, 403):
            raise Refused("Respan did not accept this email and password.")
        if status == 404:
            raise Refused("This Respan deployment does not offer email sign-in here: use an API key.")
        access = body.get("access") if isinstance(body, dict) else None
        refresh = body.get("refresh") if isinstance(body, dict) else None
        if status >= 400 or not isinstance(access, str) or not access:
            raise Refused(f"Respan's sign-in answered {status} without a session.")
        return Credential("jwt", access, refresh if isinstance(refresh, str) else None, base_url)

    async def renew(self, credential: Credential) -> Credential:
        """A key as it is; a session renewed when it is close to expiring (Refused: sign in again)."""
        if credential.kind == "key":
            return credential
        expires = credential.expires_at()
        if expires is not None and expires - time.time() > 15 * 60:
            return credential
        if not credential.refresh:
            raise Refused("the Respan session has expired; sign in again")
        origin = api_origin(credential.base_url or self.base_url)
        status, body = await self._call("POST", f"{origin}/auth/jwt/refresh/", json={"refresh": credential.refresh})
        access = body.get("access") if isinstance(body, dict) else None
        if status >= 400 or not isinstance(access, str) or not access:
            raise Refused("Respan would not renew the session; sign in again")
        refresh = body.get("refresh") if isinstance(body, dict) and isinstance(body.get("refresh"), str) else None
        return Credential("jwt", access, refresh or credential.refresh, credential.base_url)
