"""The command line: --version, doctor, docs sync/search/status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from respan_mcp import __version__
from respan_mcp.doctor import run_doctor
from tests.conftest import make_settings
from tests.docs_site_server import SITE
from tests.fake_respan import FakeRespan


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full_env = {k: v for k, v in os.environ.items() if not k.startswith("RESPAN_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "respan_mcp", *args], capture_output=True, text=True, env=full_env,
                          timeout=60, check=False)  # fmt: skip


def test_version() -> None:
    out = run("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"respan-mcp {__version__}"


def test_doctor_all_good(tmp_path: Path, fake: FakeRespan) -> None:
    lines: list[str] = []
    settings = make_settings(tmp_path)
    from respan_mcp.docs.folder import load_folder
    from respan_mcp.docs.store import build_index, index_path

    build_index(load_folder(SITE), str(SITE), index_path(settings))
    code = run_doctor(settings, transport=fake.transport(), out=lines.append)
    text = "\n".join(lines)
    assert code == 0, text
    assert "✔ API key: rsp-…89" in text and "✔ Respan answers with this key" in text and "✔ docs index: 5 pages" in text
    assert "rsp-test-key-0123456789" not in text


def test_doctor_passes_on_a_fresh_install_with_a_good_key(tmp_path: Path, fake: FakeRespan) -> None:
    """Issue 23: a fresh install exited 1 only because the docs index was not built yet."""
    lines: list[str] = []
    code = run_doctor(make_settings(tmp_path), transport=fake.transport(), out=lines.append)
    text = "\n".join(lines)
    assert code == 0, text
    assert "! docs index: no index" in text and "respan-mcp docs sync" in text


def test_doctor_says_what_to_fix(tmp_path: Path, fake: FakeRespan) -> None:
    lines: list[str] = []
    fake.api_keys = {"another"}
    code = run_doctor(make_settings(tmp_path), transport=fake.transport(), out=lines.append)
    text = "\n".join(lines)
    assert code == 1
    assert "✘ Respan answers with this key" in text and "401" in text and "RESPAN_API_KEY" in text
    assert "! docs index: no index" in text and "respan-mcp docs sync" in text
    lines.clear()
    assert run_doctor(make_settings(tmp_path, api_key=None), out=lines.append) == 1
    assert "✘ API key: not set" in "\n".join(lines)


def test_doctor_checks_the_oauth_setup(tmp_path: Path, fake: FakeRespan) -> None:
    secret = "a-long-enough-oauth-secret-for-doctor-000"
    for overrides, expected, code in (
        ({"oauth_secret": secret, "public_url": "https://mcp.example.com"}, "✔ OAuth sign-in: on, issuer https://mcp.example.com", 0),
        ({"oauth_secret": secret}, "✔ OAuth sign-in: on, issuer http://127.0.0.1:<port>", 0),
        ({"oauth_secret": "short"}, "✘ OAuth sign-in: misconfigured\n    → RESPAN_MCP_OAUTH_SECRET must be at least 32", 1),
        ({"oauth_secret": secret, "public_url": "http://mcp.example.com"}, "must be https", 1),
    ):  # fmt: skip
        lines: list[str] = []
        assert run_doctor(make_settings(tmp_path, **overrides), transport=fake.transport(), out=lines.append) == code
        assert expected in "\n".join(lines)
        assert secret not in "\n".join(lines)


def test_docs_commands(tmp_path: Path) -> None:
    env = {"RESPAN_MCP_CACHE_DIR": str(tmp_path), "RESPAN_CREDENTIALS_FILE": str(tmp_path / "none.json")}
    missing = run("docs", "search", "caching", env=env)
    assert missing.returncode == 1 and "docs sync" in missing.stderr
    synced = run("docs", "sync", "--source", str(SITE), "--quiet", env=env)
    assert synced.returncode == 0, synced.stderr
    assert "Indexed 5 pages" in synced.stdout
    status = run("docs", "status", env=env)
    assert status.returncode == 0 and status.stdout.startswith("ok: 5 pages")
    found = run("docs", "search", "cache per customer", "--json", env=env)
    hits = json.loads(found.stdout)
    assert hits[0]["path"] == "gateway/caching" and hits[0]["url"].startswith("https://respan.ai/docs/")
    human = run("docs", "search", "X-Respan-Signature", env=env)
    assert human.stdout.startswith("1. Webhooks")
    vague = ("docs", "search", "avoid paying twice for the same question", "--json")
    fused = json.loads(run(*vague, "--also", "response caching", "--also", "cache", env=env).stdout)
    assert fused[0]["path"] == "gateway/caching"


def test_bad_configuration_exits_with_a_message() -> None:
    out = run("docs", "status", env={"RESPAN_MCP_TOOLSETS": "nope"})
    assert out.returncode != 0 and "invalid configuration" in out.stderr and "nope" in out.stderr


@pytest.mark.parametrize("host", ["0.0.0.0"])
def test_http_refuses_public_bind_without_allowed_hosts(host: str) -> None:
    out = run("serve", "--transport", "http", "--host", host, "--port", "0",
              env={"RESPAN_MCP_SERVER_TOKEN": "t", "RESPAN_API_KEY": "k"})  # fmt: skip
    assert out.returncode != 0 and "RESPAN_MCP_ALLOWED_HOSTS" in out.stderr
