from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from respan_mcp.config import Settings, normalize_base_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://api.respan.ai", "https://api.respan.ai/api"),
        ("https://api.respan.ai/", "https://api.respan.ai/api"),
        ("https://api.respan.ai/api", "https://api.respan.ai/api"),
        ("https://api.respan.ai/api/", "https://api.respan.ai/api"),
        ("api.keywordsai.co/api/", "https://api.keywordsai.co/api"),
        ("http://localhost:8080/v1", "http://localhost:8080/v1"),
        ("http://localhost:8080/v1/", "http://localhost:8080/v1"),
    ],
)
def test_base_url_reaches_api_exactly_once(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected


def test_env_aliases_and_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESPAN_API_KEY", "k-123456")
    monkeypatch.setenv("RESPAN_API_BASE_URL", "https://endpoint.respan.ai/api/")
    monkeypatch.setenv("RESPAN_MCP_TOOLSETS", "docs, logs")
    monkeypatch.setenv("RESPAN_MCP_READ_ONLY", "1")
    s = Settings()
    assert s.api_key is not None and s.api_key.get_secret_value() == "k-123456"
    assert s.base_url == "https://endpoint.respan.ai/api"
    assert s.toolsets == ["logs", "docs"]
    assert s.read_only is True
    assert "k-123456" not in repr(s)


def test_unknown_toolset_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESPAN_MCP_TOOLSETS", "docs,billing")
    with pytest.raises(ValidationError, match="billing"):
        Settings()


def test_credentials_file_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = tmp_path / "credentials.json"
    creds.write_text(
        json.dumps(
            {
                "default": {
                    "type": "api_key",
                    "apiKey": "default-key",
                    "baseUrl": "https://endpoint.respan.ai",
                },
                "work": {"type": "jwt", "accessToken": "jwt-token"},
            }
        )
    )
    monkeypatch.setenv("RESPAN_CREDENTIALS_FILE", str(creds))
    s = Settings()
    assert s.api_key is not None and s.api_key.get_secret_value() == "default-key"
    assert s.base_url == "https://endpoint.respan.ai/api"
    (tmp_path / "config.json").write_text(json.dumps({"activeProfile": "work"}))
    s = Settings()
    assert s.api_key is not None and s.api_key.get_secret_value() == "jwt-token"
    assert s.base_url == "https://api.respan.ai/api"
    monkeypatch.setenv("RESPAN_API_KEY", "env-wins")
    assert Settings().api_key.get_secret_value() == "env-wins"  # type: ignore[union-attr]


def test_broken_credentials_file_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = tmp_path / "credentials.json"
    creds.write_text("{not json")
    monkeypatch.setenv("RESPAN_CREDENTIALS_FILE", str(creds))
    assert Settings().api_key is None
