"""Settings from the environment and the `respan login` credentials file.

This is the only module that reads the environment or the user's Respan files.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.respan.ai/api"
DEFAULT_DOCS_SOURCE = "https://www.respan.ai/docs/llms.txt"  # the full index Respan's own CLI names
TOOLSETS = ("gateway", "prompts", "logs", "docs")  # the default
OPT_IN_TOOLSETS: tuple[str, ...] = (
    "prompt_authoring",
    "customers",
    "evals",
    "gateway_extra",
)  # only when named (or 'all')
ALL_TOOLSETS = (*TOOLSETS, *OPT_IN_TOOLSETS)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DOCS_STALE_AFTER_DAYS = 14  # an index older than this is reported as stale


def normalize_base_url(url: str) -> str:
    """Return the API root that paths are joined to, without a trailing slash.

    A Respan host with no path, `/api` or `/api/` becomes `<host>/api`, so requests reach
    `<host>/api/<path>` exactly once. Any other path belongs to another OpenAI-compatible
    gateway (a proxy, a self-hosted one) and is kept as it is.
    """
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path in ("", "/api"):
        path = "/api"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def api_origin(url: str) -> str:
    """`scheme://host[:port]` of a base URL, for comparing against an allowlist."""
    parts = urlsplit(normalize_base_url(url))
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1].lower()}"


def without_userinfo(url: str) -> str:
    """A URL without `user:password@`, for messages and logs."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[1], parts.path, parts.query, parts.fragment))


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Everything respan-mcp can be configured with. Every field has an environment variable."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, env_ignore_empty=True)

    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("RESPAN_API_KEY", "KEYWORDSAI_API_KEY", "api_key")
    )
    base_url: str = Field(
        default=DEFAULT_BASE_URL,
        validation_alias=AliasChoices("RESPAN_BASE_URL", "RESPAN_API_BASE_URL", "base_url"),
    )
    credentials_file: Path = Field(
        default=Path.home() / ".respan" / "credentials.json",
        validation_alias=AliasChoices("RESPAN_CREDENTIALS_FILE", "credentials_file"),
    )
    connect_timeout: float = Field(default=10.0, validation_alias="RESPAN_MCP_CONNECT_TIMEOUT", gt=0)
    read_timeout: float = Field(default=120.0, validation_alias="RESPAN_MCP_READ_TIMEOUT", gt=0)
    total_timeout: float = Field(default=300.0, validation_alias="RESPAN_MCP_TOTAL_TIMEOUT", gt=0)
    max_retries: int = Field(default=3, validation_alias="RESPAN_MCP_MAX_RETRIES", ge=0, le=10)
    retry_after_cap: float = Field(default=30.0, validation_alias="RESPAN_MCP_RETRY_AFTER_CAP", ge=0)
    # All the waiting between retries of one call, together: a 429 storm cannot hold a call for minutes.
    retry_budget: float = Field(default=20.0, validation_alias="RESPAN_MCP_RETRY_BUDGET", ge=0, le=600)
    toolsets: Annotated[list[str], NoDecode] = Field(
        default=list(TOOLSETS), validation_alias=AliasChoices("RESPAN_MCP_TOOLSETS", "toolsets")
    )
    # Prepended to every tool name (e.g. "respan_") where a client runs several servers whose generic names clash.
    tool_prefix: str = Field(
        default="", validation_alias="RESPAN_MCP_TOOL_PREFIX", max_length=24, pattern=r"^[a-z0-9_]*$"
    )
    read_only: bool = Field(default=False, validation_alias=AliasChoices("RESPAN_MCP_READ_ONLY", "read_only"))
    cache_dir: Path | None = Field(default=None, validation_alias=AliasChoices("RESPAN_MCP_CACHE_DIR", "cache_dir"))
    max_result_tokens: int = Field(
        default=6000,
        validation_alias=AliasChoices("RESPAN_MCP_MAX_RESULT_TOKENS", "max_result_tokens"),
        ge=500,
    )
    server_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("RESPAN_MCP_SERVER_TOKEN", "server_token")
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("RESPAN_MCP_ALLOWED_HOSTS", "allowed_hosts")
    )
    docs_source: str = Field(
        default=DEFAULT_DOCS_SOURCE, validation_alias=AliasChoices("RESPAN_DOCS_SOURCE", "docs_source")
    )
    docs_semantic: Literal["auto", "off"] = Field(default="auto", validation_alias="RESPAN_MCP_DOCS_SEMANTIC")
    prompt_cache_ttl: float = Field(default=30.0, validation_alias="RESPAN_MCP_PROMPT_CACHE_TTL", ge=0)
    log_level: str = Field(default="WARNING", validation_alias=AliasChoices("RESPAN_MCP_LOG_LEVEL", "log_level"))
    log_format: Literal["text", "json"] = Field(default="text", validation_alias="RESPAN_MCP_LOG_FORMAT")
    # HTTP: on SIGTERM, calls in flight get this long to finish before the process exits.
    shutdown_seconds: int = Field(default=25, validation_alias="RESPAN_MCP_SHUTDOWN_SECONDS", ge=0, le=600)
    # Where the key came from: "api_key", or "jwt" (a `respan login` session, which expires).
    # (Private: never read from the environment.)
    _key_kind: str = PrivateAttr(default="api_key")
    _jwt_refresh_token: SecretStr | None = PrivateAttr(default=None)
    # HTTP: API origins a request may choose with `Respan-Api-Base-Url` (enterprise deployments).
    allowed_base_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("RESPAN_MCP_ALLOWED_BASE_URLS", "allowed_base_urls")
    )
    # Bounds on what callers and the backend can make this process hold (see README, Security).
    max_response_bytes: int = Field(default=32_000_000, validation_alias="RESPAN_MCP_MAX_RESPONSE_BYTES", ge=10_000)
    stdio_max_line_bytes: int = Field(default=16_000_000, validation_alias="RESPAN_MCP_STDIO_MAX_LINE", ge=10_000)
    http_max_connections: int = Field(default=512, validation_alias="RESPAN_MCP_HTTP_MAX_CONNECTIONS", ge=1)
    # One client address may hold this many (0: no per-address cap; set 0 behind a load balancer).
    http_max_connections_per_client: int = Field(
        default=64, validation_alias="RESPAN_MCP_HTTP_MAX_CONNECTIONS_PER_CLIENT", ge=0
    )
    http_header_timeout: float = Field(default=10.0, validation_alias="RESPAN_MCP_HTTP_HEADER_TIMEOUT", gt=0)
    http_body_timeout: float = Field(default=30.0, validation_alias="RESPAN_MCP_HTTP_BODY_TIMEOUT", gt=0)
    http_keep_alive: int = Field(default=5, validation_alias="RESPAN_MCP_HTTP_KEEP_ALIVE", ge=1, le=300)
    # Set by `serve --workers` for the worker processes it starts (the address they serve on).
    bind_host: str = Field(default="127.0.0.1", validation_alias="RESPAN_MCP_BIND_HOST")
    # Prometheus metrics (serving/metrics.py): off unless asked; a port of their own serves them in stdio mode too.
    metrics: bool = Field(default=False, validation_alias="RESPAN_MCP_METRICS")
    metrics_port: int | None = Field(default=None, validation_alias="RESPAN_MCP_METRICS_PORT", ge=1, le=65535)
    metrics_host: str = Field(default="127.0.0.1", validation_alias="RESPAN_MCP_METRICS_HOST")
    # The server's own traces (serving/tracing.py): each tool call a span, exported over OTLP/HTTP to Respan's
    # ingest (`<base>/v2/traces`) or this endpoint; OpenTelemetry's SDK is imported only when on.
    tracing: bool = Field(default=False, validation_alias="RESPAN_MCP_TRACING")
    tracing_endpoint: str | None = Field(default=None, validation_alias="RESPAN_MCP_TRACING_ENDPOINT")
    # Signs paging cursors; replicas behind one load balancer share it (default: a key kept in the cache folder).
    cursor_secret: SecretStr | None = Field(default=None, validation_alias="RESPAN_MCP_CURSOR_SECRET")
    # Template worker processes (prompts/worker_pool.py): the OS limits every template runs under.
    template_memory_mb: int = Field(default=512, validation_alias="RESPAN_MCP_TEMPLATE_MEMORY_MB", ge=128, le=16_384)
    template_workers: int = Field(default=2, validation_alias="RESPAN_MCP_TEMPLATE_WORKERS", ge=1, le=32)

    # OAuth sign-in over HTTP (serving/oauth): on when the secret is set. Tokens are sealed with it, so replicas
    # share it; changing it signs everybody out. A previous secret is still read during a rotation.
    oauth_secret: SecretStr | None = Field(default=None, validation_alias="RESPAN_MCP_OAUTH_SECRET")
    oauth_previous_secret: SecretStr | None = Field(default=None, validation_alias="RESPAN_MCP_OAUTH_PREVIOUS_SECRET")
    oauth_access_seconds: int = Field(
        default=3600, validation_alias="RESPAN_MCP_OAUTH_ACCESS_SECONDS", ge=60, le=86_400
    )
    oauth_refresh_seconds: int = Field(
        default=30 * 86_400, validation_alias="RESPAN_MCP_OAUTH_REFRESH_SECONDS", ge=3600, le=365 * 86_400
    )
    # The address clients reach this server at (its OAuth issuer), e.g. https://mcp.example.com; on a loopback
    # bind it defaults to http://<host>:<port>.
    public_url: str | None = Field(default=None, validation_alias="RESPAN_MCP_PUBLIC_URL")

    _split_toolsets = field_validator("toolsets", "allowed_hosts", "allowed_base_urls", mode="before")(_split_csv)

    @field_validator("toolsets")
    @classmethod
    def _known_toolsets(cls, value: list[str]) -> list[str]:
        wanted = [v.lower() for v in value]
        if "all" in wanted:
            return list(ALL_TOOLSETS)
        unknown = sorted(set(wanted) - set(ALL_TOOLSETS))
        if unknown:
            raise ValueError(f"unknown toolset(s) {unknown}; choose from {', '.join(ALL_TOOLSETS)} or 'all'")
        return [t for t in ALL_TOOLSETS if t in wanted]

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"unknown log level {value!r}; use one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("base_url")
    @classmethod
    def _normalize(cls, value: str) -> str:
        return normalize_base_url(value)

    @model_validator(mode="after")
    def _fill_from_credentials_file(self) -> Settings:
        if self.api_key is None:
            profile = read_credentials_profile(self.credentials_file)
            if profile:
                self.api_key = SecretStr(profile["key"])
                self._key_kind = profile["kind"]
                if "refresh" in profile:
                    self._jwt_refresh_token = SecretStr(profile["refresh"])
                if "base_url" in profile and "base_url" not in self.model_fields_set:
                    self.base_url = normalize_base_url(profile["base_url"])
        return self

    def resolved_cache_dir(self) -> Path:
        if self.cache_dir is not None:
            return self.cache_dir
        import platformdirs

        return Path(platformdirs.user_cache_dir("respan-mcp", appauthor=False))

    @property
    def key_is_jwt(self) -> bool:
        """The key is a `respan login` session token (it expires; `respan login` renews it)."""
        return self._key_kind == "jwt"

    @property
    def jwt_refresh_token(self) -> str | None:
        return self._jwt_refresh_token.get_secret_value() if self._jwt_refresh_token else None

    def shown_base_url(self) -> str:
        """The base URL as it may be shown: without credentials (`http://user:pass@proxy`)."""
        return without_userinfo(self.base_url)

    def secrets(self) -> list[str]:
        """Secret strings this process holds, for scrubbing text that leaves it."""
        held = [
            s.get_secret_value()
            for s in (
                self.api_key,
                self.server_token,
                self._jwt_refresh_token,
                self.cursor_secret,
                self.oauth_secret,
                self.oauth_previous_secret,
            )
            if s is not None
        ]
        userinfo = urlsplit(self.base_url).netloc.rpartition("@")[0]
        return [*held, *([userinfo, userinfo.partition(":")[2]] if userinfo else [])]


def read_credentials_profile(path: Path) -> dict[str, str] | None:
    """The active profile of `~/.respan/credentials.json` as {key, base_url?}, or None.

    The profile is `activeProfile` from `config.json` beside it (default `default`).
    A broken file is logged and ignored: a missing key is reported when a tool needs it.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable credentials file %s: %s", path, type(exc).__name__)
        return None
    active = "default"
    try:
        config = json.loads((path.parent / "config.json").read_text(encoding="utf-8"))
        active = str(config.get("activeProfile") or "default")
    except (OSError, ValueError, AttributeError):
        pass
    profile = data.get(active) if isinstance(data, dict) else None
    if not isinstance(profile, dict):
        return None
    kind = "jwt" if profile.get("type") == "jwt" else "api_key"
    key = profile.get("apiKey") if kind == "api_key" else profile.get("accessToken")
    if not isinstance(key, str) or not key:
        return None
    result = {"key": key, "kind": kind}
    if kind == "jwt" and isinstance(profile.get("refreshToken"), str) and profile["refreshToken"]:
        result["refresh"] = profile["refreshToken"]
    if isinstance(profile.get("baseUrl"), str) and profile["baseUrl"]:
        result["base_url"] = profile["baseUrl"]
    return result
