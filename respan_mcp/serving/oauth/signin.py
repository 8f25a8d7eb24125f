"""The sign-in page: plain HTML, no script and nothing from elsewhere, where a person proves they are a Respan user.

GET shows the form for a pending authorization (the sealed request `authorize` made). POST takes either
`api_key` (checked against Respan before any code is issued) or `email` and `password` (Respan's own login);
a refusal shows the page again with the reason, success redirects to the client with a code. What was typed is
never logged, echoed or put in a page. The body is capped and checks run a few at a time, so the page cannot be
used to hammer Respan.
"""

from __future__ import annotations

import html
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from respan_mcp import observe
from respan_mcp.serving.oauth.provider import RespanOAuthProvider
from respan_mcp.serving.oauth.respan_login import Credential, Refused, Unreachable
from respan_mcp.serving.oauth.seal import Unsealed

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 16_384
MAX_FIELD_CHARS = 1_024
CONCURRENT_CHECKS = 8

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Sign in to Respan · respan-mcp</title>
<style>
body{{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#111}}
h1{{font-size:1.4rem}} label{{display:block;margin:.8rem 0 .2rem;font-weight:600}}
input{{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}}
button{{margin-top:1rem;padding:.5rem 1rem;font:inherit}}
.error{{background:#fde8e8;border:1px solid #f5b5b5;padding:.6rem;border-radius:4px}}
.who{{color:#444}} fieldset{{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.5rem 1rem 1rem}}
</style></head><body>
<h1>Sign in to Respan</h1>
<p class="who"><strong>{client}</strong> wants to use Respan as you, through this MCP server.
After you sign in you go back to <strong>{destination}</strong>.</p>
{error}
<form method="post" action="/signin" autocomplete="off">
<input type="hidden" name="request" value="{request}">{deployments}
<fieldset><legend>With an API key</legend>
<label for="api_key">Respan API key</label>
<input id="api_key" name="api_key" type="password" spellcheck="false" autocomplete="off">
<p class="who">From the Respan platform: Settings → API keys.</p></fieldset>
<fieldset><legend>Or with your Respan account</legend>
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password"
 autocomplete="current-password"></fieldset>
<button type="submit">Sign in</button>
</form></body></html>
"""


def _choices(own: str, others: list[str]) -> str:
    """The deployment picker, when the server allows more than its own Respan API (enterprise deployments)."""
    if not others:
        return ""
    options = "".join(
        f'<option value="{html.escape(url, quote=True)}">{html.escape(urlsplit(url).netloc)}</option>' for url in others
    )
    return (
        '\n<label for="deployment">Respan deployment</label><select id="deployment" name="deployment">'
        f'<option value="">{html.escape(urlsplit(own).netloc)}</option>{options}</select>'
    )


def _page(
    request: str,
    claims: dict[str, Any],
    client_name: str,
    error: str | None,
    status: int = 200,
    deployments: str = "",
) -> Response:
    destination = urlsplit(claims["ru"])
    shown = destination.netloc or destination.scheme + ":"
    body = PAGE.format(
        deployments=deployments,
        client=html.escape(client_name or "An MCP client"),
        destination=html.escape(shown),
        request=html.escape(request, quote=True),
        error=f'<p class="error" role="alert">{html.escape(error)}</p>' if error else "",
    )
    return HTMLResponse(body, status_code=status, headers=_headers(claims["ru"]))


def _headers(redirect_uri: str | None) -> dict[str, str]:
    # form-action also governs the redirect after the POST (Chromium), so it names the client's origin too.
    target = urlsplit(redirect_uri or "")
    origin = f"{target.scheme}://{target.netloc}" if target.netloc else f"{target.scheme}:" if target.scheme else ""
    return {
        "Content-Security-Policy": f"default-src 'none'; style-src 'unsafe-inline'; form-action 'self' {origin}; "
        "frame-ancestors 'none'; base-uri 'none'",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


def _plain_error(message: str, status: int = 400) -> Response:
    page = f"<!doctype html><title>Sign-in failed</title><h1>Sign-in failed</h1><p>{html.escape(message)}</p>"
    return HTMLResponse(page, status_code=status, headers=_headers(None))


class SignInPage:
    def __init__(self, provider: RespanOAuthProvider, deployments: list[str] | None = None) -> None:
        """`deployments`: other Respan APIs a person may sign in to (the server's allowlist), besides its own."""
        self.provider = provider
        self.deployments = [d for d in deployments or [] if d != provider.login.base_url]
        self._picker = _choices(provider.login.base_url, self.deployments)
        self._checks = anyio.Semaphore(CONCURRENT_CHECKS)

    async def _pending(self, sealed: str) -> tuple[dict[str, Any], str] | Response:
        try:
            claims = self.provider.read_sign_in_request(sealed)
        except Unsealed as exc:
            return _plain_error(f"This sign-in link is not valid ({exc}). Start again from your MCP client.")
        client = await self.provider.get_client(str(claims.get("c", "")))
        if client is None:
            return _plain_error("The client that asked is not registered here. Start again from your MCP client.")
        return claims, client.client_name or ""

    async def show(self, request: Request) -> Response:
        sealed = request.query_params.get("request", "")
        pending = await self._pending(sealed)
        if isinstance(pending, Response):
            return pending
        return _page(sealed, *pending, error=None, deployments=self._picker)

    async def submit(self, request: Request) -> Response:
        form = await _read_form(request)
        if isinstance(form, Response):
            return form
        sealed = form.get("request", "")
        pending = await self._pending(sealed)
        if isinstance(pending, Response):
            return pending
        claims, client_name = pending
        try:
            credential = await self._check(form)
        except Refused as exc:
            observe.auth_event("sign_in_refused")
            return _page(sealed, claims, client_name, str(exc), status=401, deployments=self._picker)
        except Unreachable as exc:
            observe.auth_event("sign_in_unavailable")
            return _page(sealed, claims, client_name, str(exc), status=503, deployments=self._picker)
        observe.auth_event("sign_in")
        log.info("sign-in accepted for a client (%s credential)", credential.kind)
        return RedirectResponse(self.provider.finish_sign_in(claims, credential), status_code=303,
                                headers={"Cache-Control": "no-store"})  # fmt: skip

    async def _check(self, form: dict[str, str]) -> Credential:
        key = form.get("api_key", "").strip()
        email, password = form.get("email", "").strip(), form.get("password", "")
        if not key and not (email and password):
            raise Refused("Enter a Respan API key, or your email and password.")
        if key and (not key.isascii() or not key.isprintable() or " " in key or len(key) < 8):
            raise Refused("That does not look like a Respan API key: copy it again, whole.")
        deployment = form.get("deployment") or None
        if deployment is not None and deployment not in self.deployments:
            raise Refused("That Respan deployment is not one this server may use.")
        async with self._checks:
            if key:
                return await self.provider.login.check_key(key, deployment)
            return await self.provider.login.password(email, password, deployment)


async def _read_form(request: Request) -> dict[str, str] | Response:
    """The urlencoded form, capped: one value per field, each bounded."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return _plain_error("The sign-in form must be sent as a form.", 415)
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_FORM_BYTES:
            return _plain_error("The sign-in form is too large.", 413)
    try:
        fields = parse_qs(raw.decode("utf-8"), max_num_fields=10, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return _plain_error("The sign-in form could not be read.")
    out: dict[str, str] = {}
    for name, values in fields.items():
        if len(values) != 1 or len(values[0]) > (MAX_FIELD_CHARS if name != "request" else MAX_FORM_BYTES):
            return _plain_error(f"The sign-in field {name[:40]!r} is repeated or too long.")
        out[name] = values[0]
    return out
