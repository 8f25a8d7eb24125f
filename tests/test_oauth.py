"""OAuth sign-in (issue 20): the Python SDK's own OAuth client through the sign-in page, then tools with the
issued token, a refresh, and the token on a second server process; and every new endpoint attacked."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import httpx
import pytest
from mcp import Client

from respan_mcp.server import create_server
from tests.clients.browser import callback_params, sign_in
from tests.conftest import make_settings
from tests.fake_respan import API_KEY, FakeRespan, serve
from tests.interop.run_conformance import free_port, wait_ready

pytestmark = pytest.mark.anyio

SECRET = "an-oauth-secret-that-is-long-enough-0123456789"
REDIRECT = "http://127.0.0.1:33418/callback"


def _serve_oauth(tmp_path: Path, backend_url: str, port: int | None = None, **overrides: Any) -> Any:
    from respan_mcp.http_app import build_http_app, http_settings
    from respan_mcp.http_server import uvicorn_config

    port = port or free_port()
    values = {"base_url": backend_url, "api_key": None, "oauth_secret": SECRET, "toolsets": ["logs", "prompts"],
              "public_url": f"http://127.0.0.1:{port}", **overrides}  # fmt: skip
    settings = http_settings(make_settings(tmp_path, **values))
    app = build_http_app(create_server(settings), settings)
    served = serve(app, port=port, config=uvicorn_config(app, settings, port=port))
    return served


@pytest.fixture
def backend(fake: FakeRespan) -> Any:
    served = serve(fake.app)
    yield served
    served.stop()


@pytest.fixture
def server(tmp_path: Path, backend: Any) -> Any:
    served = _serve_oauth(tmp_path, backend.url)
    yield served
    served.stop()


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _register(url: str, **metadata: Any) -> dict[str, Any]:
    body = {"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none", "client_name": "pytest",
            "grant_types": ["authorization_code", "refresh_token"], **metadata}  # fmt: skip
    response = httpx.post(url + "/register", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def _authorize_url(url: str, client_id: str, challenge: str, redirect: str = REDIRECT, **extra: str) -> str:
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect, "state": "st-1",
             "code_challenge": challenge, "code_challenge_method": "S256", "resource": url + "/mcp", **extra}  # fmt: skip
    return f"{url}/authorize?{urlencode(query)}"


def _token(url: str, **form: str) -> httpx.Response:
    return httpx.post(url + "/token", data=form, timeout=10)


def _code_flow(url: str, **sign_in_fields: str) -> tuple[dict[str, Any], str, str]:
    """Register, sign in with the scripted browser, return (client, code, verifier)."""
    client = _register(url)
    verifier, challenge = _pkce()
    params = callback_params(sign_in(_authorize_url(url, client["client_id"], challenge), **sign_in_fields))
    assert params["state"] == "st-1" and params["iss"] == url
    return client, params["code"], verifier


def _tokens(url: str, **sign_in_fields: str) -> tuple[dict[str, Any], dict[str, Any]]:
    client, code, verifier = _code_flow(url, **sign_in_fields or {"api_key": API_KEY})
    response = _token(url, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                      client_id=client["client_id"], code_verifier=verifier)  # fmt: skip
    assert response.status_code == 200, response.text
    return client, response.json()


async def _call_with(url: str, token: str, tool: str = "list_prompts", args: Any = None) -> Any:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with Client(streamable_http_client(url + "/mcp", http_client=http)) as client:
        return await client.call_tool(tool, args or {})


def _mcp_post(url: str, token: str | None) -> httpx.Response:
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    return httpx.post(url + "/mcp", json=body, headers=headers, timeout=10)


# -- the whole flow with the SDK's OAuth client ------------------------------------------------------------------


async def test_the_sdk_oauth_client_signs_in_calls_tools_and_refreshes(server: Any, fake: FakeRespan) -> None:
    import httpx2
    from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

    class Memory:
        tokens: OAuthToken | None = None
        client: OAuthClientInformationFull | None = None

        async def get_tokens(self) -> OAuthToken | None:
            return self.tokens

        async def set_tokens(self, tokens: OAuthToken) -> None:
            self.tokens = tokens

        async def get_client_info(self) -> OAuthClientInformationFull | None:
            return self.client

        async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
            self.client = client_info

    seen: dict[str, Any] = {}

    async def redirect_handler(authorization_url: str) -> None:  # the person in the browser
        seen["authorize"] = authorization_url
        answer = await anyio.to_thread.run_sync(lambda: sign_in(authorization_url, api_key=API_KEY))
        seen["callback"] = callback_params(answer)

    async def callback_handler() -> AuthorizationCodeResult:
        got = seen["callback"]
        return AuthorizationCodeResult(code=got["code"], state=got.get("state"), iss=got.get("iss"))

    storage = Memory()
    metadata = OAuthClientMetadata(redirect_uris=[REDIRECT], client_name="sdk test", token_endpoint_auth_method="none",
                                   grant_types=["authorization_code", "refresh_token"])  # fmt: skip
    auth = OAuthClientProvider(server.url + "/mcp", metadata, storage, redirect_handler, callback_handler)
    async with (
        httpx2.AsyncClient(auth=auth, timeout=30) as http,
        Client(streamable_http_client(server.url + "/mcp", http_client=http)) as client,
    ):
        result = await client.call_tool("list_prompts", {})
    assert not result.is_error
    assert "resource=" in seen["authorize"] and storage.tokens is not None
    access = storage.tokens.access_token
    assert access.startswith("rmcp_at_") and API_KEY not in access
    # Respan saw the user's own key, never our token
    keys = {r.headers.get("authorization") for r in fake.requests if r.path.startswith("/api/prompts")}
    assert keys == {f"Bearer {API_KEY}"}
    # refresh: a new pair, the old refresh token spent
    refreshed = _token(server.url, grant_type="refresh_token", refresh_token=storage.tokens.refresh_token or "",
                       client_id=storage.client.client_id)  # fmt: skip
    assert refreshed.status_code == 200, refreshed.text
    again = _token(server.url, grant_type="refresh_token", refresh_token=storage.tokens.refresh_token or "",
                   client_id=storage.client.client_id)  # fmt: skip
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert not (await _call_with(server.url, refreshed.json()["access_token"])).is_error


async def test_email_and_password_sign_in_carries_a_respan_session_and_renews_it(server: Any, fake: FakeRespan) -> None:
    fake.jwt_seconds = 600  # close to expiring: the refresh renews it at Respan
    client, tokens = await anyio.to_thread.run_sync(
        lambda: _tokens(server.url, email="ada@example.com", password="correct horse")
    )
    assert tokens["expires_in"] <= 600  # never outlives the session inside
    result = await _call_with(server.url, tokens["access_token"])
    assert not result.is_error
    used = [r.headers["authorization"] for r in fake.requests if r.path.startswith("/api/prompts")]
    assert used and used[-1].startswith("Bearer ey")  # the session JWT, not our token
    refreshed = _token(server.url, grant_type="refresh_token", refresh_token=tokens["refresh_token"],
                       client_id=client["client_id"])  # fmt: skip
    assert refreshed.status_code == 200, refreshed.text
    await _call_with(server.url, refreshed.json()["access_token"])
    assert fake.requests[-1].headers["authorization"] != used[-1]  # a renewed session


def test_a_wrong_key_or_password_shows_the_page_again_with_the_reason(server: Any) -> None:
    client = _register(server.url)
    _, challenge = _pkce()
    url = _authorize_url(server.url, client["client_id"], challenge)
    wrong = sign_in(url, api_key="rsp-not-a-real-key-000")
    assert wrong.status_code == 401 and "did not accept this API key" in wrong.text
    assert "rsp-not-a-real-key-000" not in wrong.text  # what was typed is never echoed
    bad_password = sign_in(url, email="ada@example.com", password="wrong")
    assert bad_password.status_code == 401 and "email and password" in bad_password.text
    assert "wrong" not in bad_password.text.split("</style>")[1]
    empty = sign_in(url)
    assert empty.status_code == 401 and "Enter a Respan API key" in empty.text


def test_the_page_is_locked_down(server: Any) -> None:
    from tests.clients.browser import open_sign_in

    client = _register(server.url, client_name='<script>alert("x")</script>')
    _, challenge = _pkce()
    browser, page = open_sign_in(_authorize_url(server.url, client["client_id"], challenge))
    browser.close()
    assert page.status_code == 200
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "form-action 'self' http://127.0.0.1:33418" in policy  # the redirect after the POST is allowed
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"


def test_a_token_works_on_a_second_process_with_the_same_secret_and_not_with_another(
    tmp_path: Path, server: Any, backend: Any
) -> None:
    _, tokens = _tokens(server.url)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESPAN_", "KEYWORDSAI_"))}
    env.update({"RESPAN_BASE_URL": backend.url, "RESPAN_MCP_CACHE_DIR": str(tmp_path / "second"),
                "RESPAN_CREDENTIALS_FILE": str(tmp_path / "none.json"), "RESPAN_MCP_TOOLSETS": "prompts",
                "RESPAN_MCP_OAUTH_SECRET": SECRET, "RESPAN_MCP_PUBLIC_URL": server.url})  # fmt: skip
    other = dict(env, RESPAN_MCP_OAUTH_SECRET="another-secret-that-is-also-long-enough-000")
    processes = []
    try:
        for environment, p in ((env, port), (other, free_port())):
            processes.append((p, subprocess.Popen([sys.executable, "-m", "respan_mcp", "serve", "--transport", "http",
                                                   "--port", str(p)], env=environment)))  # fmt: skip
        for p, _ in processes:
            wait_ready(f"http://127.0.0.1:{p}/healthz")
        same, rotated = (f"http://127.0.0.1:{p}" for p, _ in processes)
        assert _mcp_post(same, tokens["access_token"]).status_code == 200
        refused = _mcp_post(rotated, tokens["access_token"])
        assert (
            refused.status_code == 401 and "not issued with this server's secret" in refused.json()["error_description"]
        )
        # a refresh token from the first process is exchanged on the second
        client_id = _register(server.url)["client_id"]
        assert (
            _token(
                same, grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=client_id
            ).status_code
            == 400
        )  # another client's refresh token: refused
    finally:
        for _, process in processes:
            process.terminate()
            process.wait(timeout=10)


def test_rotation_with_the_previous_secret_keeps_tokens_and_issues_with_the_new(
    tmp_path: Path, server: Any, backend: Any
) -> None:
    _, tokens = _tokens(server.url)
    rotated = _serve_oauth(tmp_path, backend.url, oauth_secret="the-new-secret-for-this-rotation-000000",
                           oauth_previous_secret=SECRET, public_url=server.url)  # fmt: skip
    try:
        assert _mcp_post(rotated.url, tokens["access_token"]).status_code == 200
    finally:
        rotated.stop()


# -- the 401s clients act on ------------------------------------------------------------------------------------


def test_401_points_oauth_clients_at_the_metadata(server: Any) -> None:
    response = _mcp_post(server.url, None)
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    metadata_url = f"{server.url}/.well-known/oauth-protected-resource/mcp"
    assert f'resource_metadata="{metadata_url}"' in challenge
    resource = httpx.get(metadata_url, timeout=5).json()
    assert resource["resource"] == server.url + "/mcp" and resource["authorization_servers"] == [server.url]
    auth = httpx.get(server.url + "/.well-known/oauth-authorization-server", timeout=5).json()
    assert auth["issuer"] == server.url and auth["code_challenge_methods_supported"] == ["S256"]
    assert auth["registration_endpoint"] == server.url + "/register"
    assert "none" in auth["token_endpoint_auth_methods_supported"]
    assert {"authorization_code", "refresh_token"} <= set(auth["grant_types_supported"])


def test_raw_keys_keep_working_beside_oauth(server: Any) -> None:
    assert _mcp_post(server.url, API_KEY).status_code == 200


def test_without_oauth_the_401_says_what_to_send(tmp_path: Path, backend: Any) -> None:
    from respan_mcp.http_app import build_http_app, http_settings
    from respan_mcp.http_server import uvicorn_config

    settings = http_settings(make_settings(tmp_path, base_url=backend.url, api_key=None))
    app = build_http_app(create_server(settings), settings)
    served = serve(app, config=uvicorn_config(app, settings, port=0))
    try:
        response = _mcp_post(served.url, None)
        challenge = response.headers["www-authenticate"]
        assert response.status_code == 401 and "resource_metadata" not in challenge
        assert "error_description=" in challenge and "Respan API key" in challenge
        for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-authorization-server"):
            answer = httpx.get(served.url + path, timeout=5)
            assert answer.status_code == 404 and "Authorization: Bearer" in answer.json()["error_description"]
        registration = httpx.post(served.url + "/register", json={"redirect_uris": [REDIRECT]}, timeout=5)
        assert registration.status_code == 404 and "does not offer OAuth" in registration.text
        # one of our tokens on a server without OAuth is refused here, never sent to Respan as a key
        assert _mcp_post(served.url, "rmcp_at_abc").status_code == 401
    finally:
        served.stop()


# -- hostile input ----------------------------------------------------------------------------------------------


def test_forged_tampered_and_expired_tokens_are_401_and_never_reach_respan(server: Any, fake: FakeRespan) -> None:
    _, tokens = _tokens(server.url)
    good = tokens["access_token"]
    flipped = good[:-5] + ("A" if good[-5] != "A" else "B") + good[-4:]
    before = len(fake.requests)
    for bad in (flipped, "rmcp_at_" + "A" * 60, "rmcp_at_!!!", tokens["refresh_token"], "rmcp_at_" + "x" * 9000):
        response = _mcp_post(server.url, bad)
        assert response.status_code == 401, bad[:40]
        assert "resource_metadata=" in response.headers["www-authenticate"]
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert len(fake.requests) == before


def test_an_expired_token_is_refused(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from respan_mcp.serving.oauth.seal import Sealer, Unsealed

    sealer = Sealer(SECRET)
    expired = sealer.seal("access", {"c": "x", "sc": [], "rs": None, "cr": {"k": "key", "v": API_KEY}}, ttl=-5)
    assert _mcp_post(server.url, expired).status_code == 401
    with pytest.raises(Unsealed, match="expired"):
        sealer.unseal("access", expired)
    with pytest.raises(Unsealed):  # a value of one kind is never read as another
        sealer.unseal("access", sealer.seal("code", {"x": 1}, 60).replace("rmcp_code_", "rmcp_at_"))


def test_a_token_for_another_resource_is_refused(server: Any) -> None:
    from respan_mcp.serving.oauth.seal import Sealer

    token = Sealer(SECRET).seal(
        "access", {"c": "x", "sc": [], "rs": "https://elsewhere.example/mcp", "cr": {"k": "key", "v": API_KEY}}, 60
    )
    response = _mcp_post(server.url, token)
    assert response.status_code == 401 and "elsewhere.example" in response.json()["error_description"]


def test_codes_are_single_use_bound_to_pkce_client_and_redirect(server: Any) -> None:
    client, code, verifier = _code_flow(server.url, api_key=API_KEY)
    cid = client["client_id"]
    wrong_verifier = _token(server.url, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                            client_id=cid, code_verifier=verifier + "x")  # fmt: skip
    assert wrong_verifier.status_code == 400 and wrong_verifier.json()["error"] == "invalid_grant"
    swapped = _token(server.url, grant_type="authorization_code", code=code, redirect_uri="http://127.0.0.1:9/evil",
                     client_id=cid, code_verifier=verifier)  # fmt: skip
    assert swapped.status_code == 400
    other = _register(server.url)["client_id"]
    stolen = _token(server.url, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                    client_id=other, code_verifier=verifier)  # fmt: skip
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    first = _token(server.url, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, client_id=cid,
                   code_verifier=verifier)  # fmt: skip
    assert first.status_code == 200
    replay = _token(server.url, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, client_id=cid,
                    code_verifier=verifier)  # fmt: skip
    assert replay.status_code == 400 and "already used" in replay.json()["error_description"]
    forged = _token(server.url, grant_type="authorization_code", code="rmcp_code_" + "A" * 80, redirect_uri=REDIRECT,
                    client_id=cid, code_verifier=verifier)  # fmt: skip
    assert forged.status_code == 400


def test_a_sign_in_for_another_resource_is_refused_at_once(server: Any) -> None:
    client = _register(server.url)
    _, challenge = _pkce()
    url = _authorize_url(server.url, client["client_id"], challenge, resource="https://elsewhere.example/mcp")
    response = httpx.get(url, timeout=5)
    assert response.status_code == 302  # back to the (registered) client with the error, RFC 6749 4.1.2.1
    assert "error=invalid_target" in response.headers["location"]


def test_redirect_uris_are_matched_exactly_except_loopback_ports(server: Any) -> None:
    client = _register(server.url)
    _, challenge = _pkce()
    # RFC 8252: a loopback redirect on another port is the same client
    moved = sign_in(_authorize_url(server.url, client["client_id"], challenge, "http://127.0.0.1:51234/callback"),
                    api_key=API_KEY)  # fmt: skip
    assert moved.headers["location"].startswith("http://127.0.0.1:51234/callback?code=")
    # another path, host or scheme is not: a JSON error, never a redirect (no open redirect)
    for swapped in ("http://127.0.0.1:33418/other", "http://evil.example/callback", "https://127.0.0.1:33418/callback"):
        response = httpx.get(_authorize_url(server.url, client["client_id"], challenge, swapped), timeout=5)
        assert response.status_code == 400 and "location" not in response.headers, swapped


@pytest.mark.parametrize(
    ("uris", "why"),
    [
        (["http://evil.example/cb"], "loopback"),
        (["javascript:alert(1)"], "javascript"),
        (["https://ok.example/cb#frag"], "fragment"),
        ([f"https://ok.example/{'a' * 600}"], "longer"),
        ([f"http://127.0.0.1:{1000 + i}/cb" for i in range(9)], "at most"),
    ],
)
def test_registration_refuses_dangerous_or_oversized_metadata(server: Any, uris: list[str], why: str) -> None:
    response = httpx.post(server.url + "/register", json={"redirect_uris": uris, "token_endpoint_auth_method": "none"},
                          timeout=5)  # fmt: skip
    assert response.status_code == 400 and why in response.text


def test_oversized_bodies_are_refused(server: Any) -> None:
    huge = {"redirect_uris": [REDIRECT], "client_name": "x" * 2_000_000}
    assert httpx.post(server.url + "/register", json=huge, timeout=10).status_code in (400, 413)
    form = httpx.post(server.url + "/signin", data={"request": "x", "api_key": "k" * 50_000}, timeout=10)
    assert form.status_code == 413


def test_a_flood_of_registrations_grows_nothing(server: Any) -> None:
    import tracemalloc

    with httpx.Client(timeout=10) as http:
        for _ in range(20):  # warm up
            http.post(
                server.url + "/register", json={"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}
            )
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        ids = set()
        for _ in range(300):
            answer = http.post(server.url + "/register",
                               json={"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"})  # fmt: skip
            ids.add(answer.json()["client_id"])
        grown = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
    assert len(ids) == 300
    assert grown < 2_000_000  # nothing kept per registration (a table of 300 would still be small: see below)


def test_confidential_clients_get_a_secret_that_every_replica_derives(server: Any) -> None:
    client = _register(server.url, token_endpoint_auth_method="client_secret_post")
    assert client["client_secret"]
    verifier, challenge = _pkce()
    params = callback_params(sign_in(_authorize_url(server.url, client["client_id"], challenge), api_key=API_KEY))
    no_secret = _token(server.url, grant_type="authorization_code", code=params["code"], redirect_uri=REDIRECT,
                       client_id=client["client_id"], code_verifier=verifier)  # fmt: skip
    assert no_secret.status_code == 401
    ok = _token(server.url, grant_type="authorization_code", code=params["code"], redirect_uri=REDIRECT,
                client_id=client["client_id"], code_verifier=verifier, client_secret=client["client_secret"])  # fmt: skip
    assert ok.status_code == 200


def test_a_forged_or_stale_sign_in_link_is_refused(server: Any) -> None:
    from respan_mcp.serving.oauth.seal import Sealer

    page = httpx.get(server.url + "/signin", params={"request": "rmcp_req_forged"}, timeout=5)
    assert page.status_code == 400 and "not valid" in page.text
    stale = Sealer(SECRET).seal("request", {"c": "x", "ru": REDIRECT}, ttl=-1)
    posted = httpx.post(server.url + "/signin", data={"request": stale, "api_key": API_KEY}, timeout=5)
    assert posted.status_code == 400 and "expired" in posted.text


def test_spent_table_is_bounded() -> None:
    from respan_mcp.serving.oauth.provider import Spent

    spent = Spent(limit=3)
    now = time.time()
    assert all(spent.take(str(i), now + 60) for i in range(3))
    assert not spent.take("3", now + 60)  # full of live entries: refuse rather than forget one
    assert not spent.take("0", now + 60)
    fresh = Spent(limit=3)
    for i in range(3):
        fresh.take(str(i), now - 1)  # already expired: dropped on the next take
    assert fresh.take("new", now + 60)


def test_no_key_or_password_in_any_log_line(tmp_path: Path, backend: Any, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    served = _serve_oauth(tmp_path, backend.url)
    try:
        _tokens(served.url)
        _tokens(served.url, email="ada@example.com", password="correct horse")
        sign_in(_authorize_url(served.url, _register(served.url)["client_id"], _pkce()[1]), api_key="rsp-wrong-1234")
    finally:
        served.stop()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "sign-in accepted" in text
    for secret in (API_KEY, "correct horse", "rsp-wrong-1234", SECRET):
        assert secret not in text


def test_config_is_checked(tmp_path: Path) -> None:
    from respan_mcp.http_app import ConfigError, build_http_app, http_settings

    for overrides, why in (({"oauth_secret": "short"}, "at least"), ({"public_url": None}, "RESPAN_MCP_PUBLIC_URL"),
                           ({"public_url": "http://mcp.example.com"}, "https"),
                           ({"public_url": "https://mcp.example.com/sub"}, "without a path")):  # fmt: skip
        values = {"api_key": None, "oauth_secret": SECRET, "public_url": "http://127.0.0.1:9", **overrides}
        settings = http_settings(make_settings(tmp_path, **values))
        with pytest.raises(ConfigError, match=why):
            build_http_app(create_server(settings), settings)


def test_the_token_does_not_carry_the_key_in_the_clear(server: Any) -> None:
    _, tokens = _tokens(server.url)
    for value in (tokens["access_token"], tokens["refresh_token"]):
        body = value.split("_", 2)[2]
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        assert API_KEY.encode() not in raw and b"rsp-" not in raw
    assert json.dumps(tokens).count(API_KEY) == 0
    assert parse_qs(urlsplit("http://x/?a=1").query)  # (parse helpers stay imported for the flows above)


def test_an_enterprise_deployment_can_be_chosen_and_the_token_keeps_it(tmp_path: Path, backend: Any) -> None:
    from respan_mcp.config import normalize_base_url

    enterprise = FakeRespan(api_keys={"rsp-enterprise-key-0001"})
    other = serve(enterprise.app)
    served = _serve_oauth(tmp_path, backend.url, allowed_base_urls=[other.url])
    try:
        client = _register(served.url)
        verifier, challenge = _pkce()
        url = _authorize_url(served.url, client["client_id"], challenge)
        deployment = normalize_base_url(other.url)
        from tests.clients.browser import open_sign_in

        browser, page = open_sign_in(url)
        browser.close()
        assert f'<option value="{deployment}">' in page.text  # the picker offers the allowed deployment
        # the enterprise key is not valid on the server's own Respan, and a deployment not allowed is refused
        assert sign_in(url, api_key="rsp-enterprise-key-0001").status_code == 401
        assert (
            "not one this server may use" in sign_in(url, api_key=API_KEY, deployment="https://evil.example/api").text
        )
        params = callback_params(sign_in(url, api_key="rsp-enterprise-key-0001", deployment=deployment))
        tokens = _token(served.url, grant_type="authorization_code", code=params["code"], redirect_uri=REDIRECT,
                        client_id=client["client_id"], code_verifier=verifier).json()  # fmt: skip
        before = len(enterprise.requests)
        assert _mcp_post(served.url, tokens["access_token"]).status_code == 200
        answer = httpx.post(served.url + "/mcp", headers={"Authorization": f"Bearer {tokens['access_token']}",
                            "Accept": "application/json, text/event-stream"}, timeout=10,
                            json={"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                  "params": {"name": "list_prompts", "arguments": {}}})  # fmt: skip
        assert answer.status_code == 200 and "prompt(s)" in answer.text
        assert len(enterprise.requests) > before  # the call went to the deployment chosen at sign-in
    finally:
        served.stop()
        other.stop()


def test_metrics_count_sign_ins_exchanges_and_refusals(tmp_path: Path, backend: Any) -> None:

    served = _serve_oauth(tmp_path, backend.url, metrics=True)
    try:

        def count(event: str) -> float:
            page = httpx.get(served.url + "/metrics", timeout=5).text
            line = next(
                (x for x in page.splitlines() if x.startswith(f'respan_mcp_auth_events_total{{event="{event}"}}')), ""
            )
            return float(line.rpartition(" ")[2] or 0)

        before = {e: count(e) for e in ("sign_in", "sign_in_refused", "code_exchanged", "refreshed", "token_refused")}
        client, tokens = _tokens(served.url)
        sign_in(_authorize_url(served.url, client["client_id"], _pkce()[1]), api_key="rsp-wrong-000000")
        _token(
            served.url, grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=client["client_id"]
        )
        _mcp_post(served.url, "rmcp_at_forged")
        grown = {e: count(e) - n for e, n in before.items()}
    finally:
        served.stop()
    assert grown == {"sign_in": 1, "sign_in_refused": 1, "code_exchanged": 1, "refreshed": 1, "token_refused": 1}
