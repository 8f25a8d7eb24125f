"""Sealed values: what the OAuth server hands out, encrypted and authenticated with the server's secret.

Nothing is stored: a client registration, a sign-in request, a code and a token each carry their own
state, sealed with AES-256-GCM under a key derived (HKDF-SHA256) from `RESPAN_MCP_OAUTH_SECRET`. So any
replica with the same secret reads what another issued, the Respan credential inside never travels in the
clear, and changing the secret revokes everything at once. Each kind has its own prefix (a token is
recognisable as ours, so a bad one is refused instead of being forwarded to Respan as a key) and is bound
to its kind as associated data (a code cannot be presented as a token). A previous secret may be given
for a rotation without signing everybody out at once: it is read, never written with.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIXES = {
    "client": "rmcp_client_",
    "request": "rmcp_req_",
    "code": "rmcp_code_",
    "access": "rmcp_at_",
    "refresh": "rmcp_rt_",
}
MIN_SECRET_CHARS = 32
MAX_SEALED_CHARS = 8_192  # far above any value we seal; anything longer is refused before decoding
_VERSION = b"\x01"
_NONCE_BYTES = 12


class Unsealed(Exception):
    """A value that is not ours, was tampered with, is of another kind, or has expired."""


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"respan-mcp oauth v1 " + purpose).derive(
        secret.encode()
    )


class Sealer:
    def __init__(self, secret: str, previous: str | None = None) -> None:
        if len(secret) < MIN_SECRET_CHARS:
            raise ValueError(f"the OAuth secret must be at least {MIN_SECRET_CHARS} characters")
        self._write = AESGCM(_derive(secret, b"seal"))
        self._read = [self._write] + ([AESGCM(_derive(previous, b"seal"))] if previous else [])
        self._mac_key = _derive(secret, b"client secret")

    def seal(self, kind: str, claims: dict[str, Any], ttl: float) -> str:
        """`claims` with an expiry, sealed as `kind`."""
        payload = json.dumps({**claims, "exp": int(time.time() + ttl)}, separators=(",", ":")).encode()
        nonce = os.urandom(_NONCE_BYTES)
        sealed = _VERSION + nonce + self._write.encrypt(nonce, payload, kind.encode())
        return PREFIXES[kind] + base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()

    def unseal(self, kind: str, value: str) -> dict[str, Any]:
        """The claims of a value sealed as `kind` that has not expired; `Unsealed` otherwise."""
        prefix = PREFIXES[kind]
        if not isinstance(value, str) or not value.startswith(prefix) or len(value) > MAX_SEALED_CHARS:
            raise Unsealed(f"not a {kind} issued by this server")
        body = value[len(prefix) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise Unsealed(f"not a {kind} issued by this server") from None
        if len(raw) < 1 + _NONCE_BYTES + 16 or raw[:1] != _VERSION:
            raise Unsealed(f"not a {kind} issued by this server")
        nonce, ciphertext = raw[1 : 1 + _NONCE_BYTES], raw[1 + _NONCE_BYTES :]
        for aead in self._read:
            try:
                claims = json.loads(aead.decrypt(nonce, ciphertext, kind.encode()))
                break
            except InvalidTag:
                continue
        else:
            raise Unsealed(f"this {kind} was not issued with this server's secret, or was altered")
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
            raise Unsealed(f"this {kind} is malformed")
        if claims["exp"] < time.time():
            raise Unsealed(f"this {kind} has expired")
        return claims

    def client_secret(self, client_id: str) -> str:
        """A confidential client's secret, derived from its id: nothing to store, same on every replica."""
        return hmac.new(self._mac_key, client_id.encode(), hashlib.sha256).hexdigest()


def is_ours(token: str) -> bool:
    """A bearer this server would have issued (so it must be read here, never forwarded as a key)."""
    return token.startswith(tuple(PREFIXES.values()))
