"""Keep secrets out of everything that leaves the process: results, errors, logs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[redacted]"

# Keys whose values are secrets wherever they appear in a request or a stored log.
SECRET_KEYS = frozenset(
    {
        "api_key",
        "apikey",
        "api-key",
        "x-api-key",
        "authorization",
        "access_token",
        "accesstoken",
        "refresh_token",
        "client_secret",
        "password",
        "secret",
        "token",
        "customer_credentials",
        "credential_override",
        "credentials",
        "aws_secret_access_key",
        "aws_access_key_id",
        "aws_session_token",
        "private_key",
    }
)

# Provider key shapes that may be echoed back in a provider's error message.
_KEY_PATTERNS = re.compile(
    r"(?:sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{8,}"  # OpenAI / Anthropic
    r"|AIza[0-9A-Za-z_\-]{20,}"  # Google
    r"|gsk_[A-Za-z0-9]{20,}"  # Groq
    r"|xai-[A-Za-z0-9]{20,}"
    r"|(?<=Bearer )[A-Za-z0-9._~+/=\-]{8,})"
)


def is_secret_key(key: str) -> bool:
    return key.lower() in SECRET_KEYS


def redact(value: Any) -> Any:
    """A copy of a JSON-like value with every secret-keyed value replaced."""
    if isinstance(value, dict):
        return {k: (REDACTED if is_secret_key(str(k)) else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return scrub(value)
    return value


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace known secret strings and provider-key shapes in free text."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return _KEY_PATTERNS.sub(REDACTED, text)
