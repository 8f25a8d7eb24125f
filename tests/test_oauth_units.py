"""The OAuth provider and sealer on their own (issue 20): every rule the end-to-end tests do not pin down,
found by mutation testing (`mutmut` on serving/oauth/seal.py and provider.py)."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest
from mcp.server.auth.provider import AuthorizationParams, AuthorizeError, RegistrationError, TokenError
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import AnyUrl

from respan_mcp.serving.oauth.provider import RespanOAuthProvider, Spent, client_digest, redirect_uri_problem
from respan_mcp.serving.oauth.respan_login import Credential, RespanLogin
from respan_mcp.serving.oauth.seal import MAX_SEALED_CHARS, PREFIXES, Sealer, Unsealed

pytestmark = pytest.mark.anyio
SECRET = "unit-test-secret-that-is-long-enough-000000"
RESOURCE = "https://mcp.example.com/mcp"
KEY = {"k": "key", "v": "rsp-unit-key-000000"}


def _provider(handler: Any = None) -> RespanOAuthProvider:
    transport = httpx.MockTransport(handler or (lambda request: httpx.Response(500)))
    return RespanOAuthProvider(Sealer(SECRET), RespanLogin("https://api.example.com/api", transport=transport),
                               issuer="https://mcp.example.com", resource=RESOURCE, access_seconds=3600,
                               refresh_seconds=86_400)  # fmt: skip


def _info(**fields: Any) -> OAuthClientInformationFull:
    values = {"client_id": "sdk-random", "redirect_uris": ["http://127.0.0.1:9/cb"], "token_endpoint_auth_method": "none",
              "grant_types": ["authorization_code", "refresh_token"], **fields}  # fmt: skip
    return OAuthClientInformationFull.model_validate(values)


async def _registered(provider: RespanOAuthProvider, **fields: Any) -> OAuthClientInformationFull:
    info = _info(**fields)
    await provider.register_client(info)
    client = await provider.get_client(info.client_id)
    assert client is not None
    return client


# -- redirect URIs ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "vbscript:x", "blob:https://a/b", "about:blank",
     "ftp://a.example/cb", "ws://127.0.0.1/cb", "wss://a.example/cb", "JavaScript:alert(1)"],
)  # fmt: skip
def test_schemes_that_run_code_or_are_not_redirects_are_refused(uri: str) -> None:
    assert "scheme are not allowed" in (redirect_uri_problem(uri) or "")


@pytest.mark.parametrize(
    ("uri", "why"),
    [("https://a.example/cb#x", "fragment"), ("https://a.example/cb#", "fragment"), ("https:///cb", "needs a host"),
     ("http://10.0.0.1/cb", "loopback"), ("http://a.example/cb", "loopback"), ("ab:/cb", "app's own scheme"),
     ("https://a.example/" + "x" * 500, "longer than 512")],
)  # fmt: skip
def test_other_bad_redirect_uris_say_why(uri: str, why: str) -> None:
    assert why in (redirect_uri_problem(uri) or "")


@pytest.mark.parametrize(
    "uri",
    ["https://a.example/cb", "http://127.0.0.1:9/cb", "http://127.0.0.2/cb", "http://[::1]:9/cb", "http://localhost/cb",
     "cursor://anysphere.cursor-retrieval/oauth/callback", "com.example.app:/cb", "vscode://a/cb", "abc:/cb",
     "https://a.example/" + "x" * 492],
)  # fmt: skip
def test_good_redirect_uris_pass(uri: str) -> None:
    assert redirect_uri_problem(uri) is None


async def test_loopback_redirects_match_on_any_port_and_nothing_else_moves() -> None:
    client = await _registered(_provider(), redirect_uris=["http://127.0.0.1:9/cb?x=1", "https://a.example/cb"])
    assert str(client.validate_redirect_uri(AnyUrl("http://127.0.0.1:5555/cb?x=1"))) == "http://127.0.0.1:5555/cb?x=1"
    for moved in ("http://127.0.0.1:5555/cb?x=2", "http://127.0.0.1:5555/other?x=1", "https://a.example:444/cb",
                  "http://localhost:9/cb?x=1"):  # fmt: skip
        with pytest.raises(Exception, match="not registered"):
            client.validate_redirect_uri(AnyUrl(moved))
    with pytest.raises(Exception, match="must be specified"):  # two registered: the client must say which
        client.validate_redirect_uri(None)


# -- registration -----------------------------------------------------------------------------------------------


async def test_a_registration_reads_back_whole_on_any_replica() -> None:
    provider = _provider()
    info = _info(redirect_uris=[f"http://127.0.0.1:{9 + i}/cb" for i in range(8)], client_name="n" * 100,
                 scope="read", token_endpoint_auth_method="client_secret_post", client_secret="sdk-made",
                 client_id_issued_at=1234, grant_types=["authorization_code", "refresh_token", "implicit"])  # fmt: skip
    await provider.register_client(info)
    assert info.client_id.startswith(PREFIXES["client"]) and info.grant_types == ["authorization_code", "refresh_token"]
    assert info.client_secret == Sealer(SECRET).client_secret(info.client_id)  # derived, not the SDK's random one
    other_replica = _provider()
    client = await other_replica.get_client(info.client_id)
    assert client is not None
    assert [str(u) for u in client.redirect_uris or []] == [str(u) for u in info.redirect_uris or []]
    assert (client.grant_types, client.scope, client.client_name) == (["authorization_code", "refresh_token"], "read",
                                                                        "n" * 100)  # fmt: skip
    assert (client.client_id_issued_at, client.token_endpoint_auth_method) == (1234, "client_secret_post")
    assert client.client_secret == info.client_secret and client.client_secret_expires_at == 0
    public = await _registered(provider)
    assert public.client_secret is None and public.client_secret_expires_at is None
    no_method = _info(token_endpoint_auth_method=None)
    await provider.register_client(no_method)
    assert (await provider.get_client(no_method.client_id)).token_endpoint_auth_method == "client_secret_post"  # type: ignore[union-attr]
    assert await provider.get_client("rmcp_client_forged") is None
    foreign = Sealer("another-secret-long-enough-for-the-rule-00").seal("client", {"u": [], "m": "none"}, 60)
    assert await provider.get_client(foreign) is None


async def test_a_client_registered_without_refresh_gets_no_refresh_grant() -> None:
    client = await _registered(_provider(), grant_types=["authorization_code"])
    assert client.grant_types == ["authorization_code"]  # the SDK's token endpoint then refuses refresh_token


async def test_registration_limits_are_exact() -> None:
    provider = _provider()
    with pytest.raises(RegistrationError) as many:
        await provider.register_client(_info(redirect_uris=[f"http://127.0.0.1:{i + 1}/cb" for i in range(9)]))
    assert many.value.error_description == "at most 8 redirect URIs"
    with pytest.raises(RegistrationError) as named:
        await provider.register_client(_info(client_name="n" * 101))
    assert named.value.error == "invalid_client_metadata" and "over 100" in (named.value.error_description or "")
    with pytest.raises(RegistrationError) as bad:
        await provider.register_client(_info(redirect_uris=["http://a.example/cb"]))
    assert bad.value.error == "invalid_redirect_uri"


async def test_registrations_last_ten_years() -> None:
    info = _info()
    await _provider().register_client(info)
    expires = Sealer(SECRET).unseal("client", info.client_id)["exp"]
    assert abs(expires - (time.time() + 10 * 365 * 86400)) < 60


# -- authorize, codes, tokens -----------------------------------------------------------------------------------


def _params(resource: str | None = RESOURCE) -> AuthorizationParams:
    return AuthorizationParams(state="s", scopes=None, code_challenge="c" * 43, redirect_uri=AnyUrl("http://127.0.0.1:9/cb"),
                               redirect_uri_provided_explicitly=True, resource=resource)  # fmt: skip


async def _code(
    provider: RespanOAuthProvider, client: OAuthClientInformationFull, resource: str | None = RESOURCE
) -> Any:
    url = await provider.authorize(client, _params(resource))
    request = provider.read_sign_in_request(url.split("request=", 1)[1])
    location = provider.finish_sign_in(request, Credential.from_claims(KEY))
    code = location.split("code=", 1)[1].split("&", 1)[0]
    return await provider.load_authorization_code(client, code)


async def test_authorize_takes_our_resource_with_or_without_a_trailing_slash_and_refuses_others() -> None:
    provider = _provider()
    client = await _registered(provider)
    for same in (RESOURCE, RESOURCE + "/", None):
        assert "/signin?request=rmcp_req_" in await provider.authorize(client, _params(same))
    with pytest.raises(AuthorizeError) as other:
        await provider.authorize(client, _params("https://mcp.example.com/other"))
    assert other.value.error == "invalid_target" and RESOURCE in (other.value.error_description or "")


async def test_codes_and_tokens_stay_bound_to_the_resource_and_subject() -> None:
    provider = _provider()
    client = await _registered(provider)
    code = await _code(provider, client)
    assert code.resource == RESOURCE and code.subject and code.subject.startswith("respan:") and len(code.jti) >= 21
    assert code.client_id == client.client_id and code.expires_at > time.time() + 200
    tokens = await provider.exchange_authorization_code(client, code)
    sealer = Sealer(SECRET)
    assert sealer.unseal("access", tokens.access_token)["rs"] == RESOURCE
    refresh = await provider.load_refresh_token(client, tokens.refresh_token or "")
    assert (
        refresh.resource == RESOURCE and refresh.subject == code.subject and refresh.expires_at > time.time() + 80_000
    )
    again = await provider.exchange_refresh_token(client, refresh, [])
    assert sealer.unseal("access", again.access_token)["rs"] == RESOURCE
    info, credential = provider.read_access_token(again.access_token)
    assert (info.resource, info.subject, credential.value) == (RESOURCE, code.subject, KEY["v"])
    assert info.expires_at and 3500 < info.expires_at - time.time() <= 3600
    other = await _registered(provider)
    assert await provider.load_refresh_token(other, tokens.refresh_token or "") is None
    assert await provider.load_authorization_code(other, code.code) is None


async def test_a_token_for_our_resource_with_a_trailing_slash_is_ours() -> None:
    provider = _provider()
    token = Sealer(SECRET).seal("access", {"c": "x", "sc": [], "rs": RESOURCE + "/", "cr": KEY}, 60)
    assert provider.read_access_token(token)[1].value == KEY["v"]
    elsewhere = Sealer(SECRET).seal("access", {"c": "x", "sc": [], "rs": "https://b.example/mcp", "cr": KEY}, 60)
    with pytest.raises(Unsealed, match=r"issued for https://b\.example/mcp, not for this server"):
        provider.read_access_token(elsewhere)
    malformed = Sealer(SECRET).seal("access", {"c": "x", "sc": [], "rs": None, "cr": {"k": "?"}}, 60)
    with pytest.raises(Unsealed, match="this access token is malformed"):
        provider.read_access_token(malformed)


async def test_spent_codes_and_refresh_tokens_answer_invalid_grant() -> None:
    provider = _provider()
    client = await _registered(provider)
    code = await _code(provider, client)
    tokens = await provider.exchange_authorization_code(client, code)
    with pytest.raises(TokenError) as replay:
        await provider.exchange_authorization_code(client, code)
    assert replay.value.error == "invalid_grant" and "already used" in (replay.value.error_description or "")
    refresh = await provider.load_refresh_token(client, tokens.refresh_token or "")
    await provider.exchange_refresh_token(client, refresh, [])
    with pytest.raises(TokenError) as again:
        await provider.exchange_refresh_token(client, refresh, [])
    assert again.value.error == "invalid_grant" and "already used" in (again.value.error_description or "")


async def test_a_session_respan_will_not_renew_or_cannot_be_reached_says_so() -> None:
    expired = "e30." + base64.urlsafe_b64encode(b'{"exp": 1}').decode().rstrip("=") + ".sig"
    session = {"k": "jwt", "v": expired, "r": "respan-refresh"}
    for status, error, words in ((401, "invalid_grant", "sign in again"), (503, "invalid_request", "try again")):
        provider = _provider(lambda request, status=status: httpx.Response(status, json={"detail": "no"}))
        client = await _registered(provider)
        claims = {"c": client_digest(client.client_id), "sc": [], "rs": RESOURCE, "cr": session, "j": f"j{status}"}
        token = Sealer(SECRET).seal("refresh", claims, 60)
        refresh = await provider.load_refresh_token(client, token)
        with pytest.raises(TokenError) as refused:
            await provider.exchange_refresh_token(client, refresh, [])
        assert refused.value.error == error and words in (refused.value.error_description or "")


def test_spent_forgets_expired_entries_oldest_first() -> None:
    spent = Spent(limit=2)
    now = time.time()
    assert spent.take("soon", now + 0.2) and spent.take("later", now + 60)
    time.sleep(0.3)
    assert spent.take("new", now + 60)  # "soon" expired and made room
    assert not spent.take("later", now + 60)  # ...and "later" is still remembered as spent


# -- the sealer -------------------------------------------------------------------------------------------------


def test_what_is_not_ours_is_refused_with_the_reason() -> None:
    sealer = Sealer(SECRET)
    good = sealer.seal("access", {"x": 1}, 60)
    body = good[len(PREFIXES["access"]) :]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    cases = {
        "rmcp_rt_" + body: "not a access issued by this server",  # another kind's prefix
        PREFIXES["access"] + "A" * MAX_SEALED_CHARS: "not a access issued by this server",  # too long
        PREFIXES["access"] + "%%%": "not a access issued by this server",  # not base64
        PREFIXES["access"] + base64.urlsafe_b64encode(raw[:28]).decode(): "not a access issued by this server",
        PREFIXES["access"] + base64.urlsafe_b64encode(b"\x02" + raw[1:]).decode(): "not a access issued",
        PREFIXES["access"] + base64.urlsafe_b64encode(raw[:-1] + bytes([raw[-1] ^ 1])).decode(): "was altered",
    }
    for value, reason in cases.items():
        with pytest.raises(Unsealed, match=reason):
            sealer.unseal("access", value)
    assert len(raw) == 1 + 12 + len(b'{"x":1,"exp":0000000000}') + 16  # version, nonce, JSON, tag
    assert sealer.unseal("access", good)["x"] == 1
    with pytest.raises(Unsealed, match="has expired"):
        sealer.unseal("access", sealer.seal("access", {}, -1))
    with pytest.raises(ValueError, match="at least 32 characters"):
        Sealer("x" * 31)
    Sealer("x" * 32)


def test_rotation_reads_the_previous_secret_and_writes_only_the_new() -> None:
    old = Sealer("the-old-secret-that-is-long-enough-000000")
    rotated = Sealer("the-new-secret-that-is-long-enough-000000", previous="the-old-secret-that-is-long-enough-000000")
    assert rotated.unseal("code", old.seal("code", {"a": 1}, 60))["a"] == 1
    with pytest.raises(Unsealed):
        old.unseal("code", rotated.seal("code", {"a": 1}, 60))
    assert rotated.client_secret("c") != old.client_secret("c")  # derived from the new secret only
    assert Sealer(SECRET).client_secret("c") == Sealer(SECRET).client_secret("c")
    assert Sealer(SECRET).client_secret("c") != Sealer(SECRET).client_secret("d")
