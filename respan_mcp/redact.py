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

# A key is secret-named when one of its words is one of these (`OPENAI_API_KEY`, `x-respan-api-key`,
# `openaiKey`, `access_token`), unless its last word says it only names or counts one (`key_id`,
# `token_count`). `prompt_tokens` and `max_tokens` have the word "tokens", not "token".
SECRET_WORDS = frozenset(
    {"key", "apikey", "token", "secret", "password", "passwd", "pwd", "authorization", "auth", "credential",
     "credentials", "privatekey", "cookie", "signature", "bearer"}
)  # fmt: skip
NOT_SECRET_LAST_WORDS = frozenset({"id", "ids", "name", "names", "type", "prefix", "count", "hint", "url", "header"})
_WORDS = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")

# Provider key shapes that may be echoed back in a provider's error message.
_KEY_PATTERNS = re.compile(
    r"(?:sk-(?:proj-|ant-(?:api\d+-)?)?[A-Za-z0-9_\-]{8,}"  # OpenAI / Anthropic
    r"|AIza[0-9A-Za-z_\-]{20,}"  # Google
    r"|gsk_[A-Za-z0-9]{20,}"  # Groq
    r"|xai-[A-Za-z0-9]{20,}"
    r"|(?<![A-Za-z0-9.])[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}(?![A-Za-z0-9])"  # Respan / Keywords AI
    r"|(?<=Bearer )[A-Za-z0-9._~+/=\-]{8,})"
)
# Shapes that are only keys in context (Azure's 32 hex digits, Mistral's 32 letters and digits look like
# ids elsewhere): a long token right after a secret-like word and `:` or `=`.
_KEY_IN_CONTEXT = re.compile(
    r"(?i)((?:api[_\- ]?key|key|token|secret|password|authorization)[\"']?\s*[:=]\s*[\"']?)"
    r"(?!\[redacted\])([A-Za-z0-9_\-./+=]{16,})"
)


def is_secret_key(key: str) -> bool:
    lowered = key.lower()
    if lowered in SECRET_KEYS:
        return True
    words = [w.lower() for w in _WORDS.split(key) if w]
    if not words or words[-1] in NOT_SECRET_LAST_WORDS:
        return False
    return any(w in SECRET_WORDS for w in words) or lowered.replace("-", "").replace("_", "").endswith("apikey")


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
    text = _KEY_PATTERNS.sub(REDACTED, text)
    return _KEY_IN_CONTEXT.sub(lambda m: m.group(1) + REDACTED, text)


def scrub_held(value: Any, secrets: Iterable[str]) -> Any:
    """A copy of a result (text or JSON-like data) with the secrets this process holds replaced.

    Cheap and without false positives (only exact strings), so it runs on every result: a docs page
    or a stored prompt can quote a key the server holds only through a bug or a hostile source."""
    held = [s for s in secrets if s and len(s) >= 4]
    if not held:
        return value
    if isinstance(value, str):
        for secret in held:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {k: scrub_held(v, held) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_held(v, held) for v in value]
    return value
