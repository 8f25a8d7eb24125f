"""What one HTTP request brings with it, set by the HTTP front door and read deeper down.

Context variables cross into the tool handlers: the SDK carries the sender's context
with every message it dispatches. On stdio neither is set.
"""

from __future__ import annotations

import contextvars

# The caller's own Respan key, used for this request only (pass-through auth).
request_api_key: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_api_key", default=None)

# The tools this request may see and call (`Respan-Enabled-Tools` header); None = all.
enabled_tools: contextvars.ContextVar[frozenset[str] | None] = contextvars.ContextVar("enabled_tools", default=None)

# The API base URL this request chose (`Respan-Api-Base-Url`, allowlisted); None = the configured one.
request_base_url: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_base_url", default=None)
