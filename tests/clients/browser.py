"""A scripted browser for the sign-in page: follows the authorization redirect, fills the form, submits it.

It is what a person does in a real browser, over plain HTTP: no script runs on our page, so nothing is lost.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

HIDDEN = re.compile(r'<input type="hidden" name="request" value="([^"]+)">')


def open_sign_in(authorization_url: str) -> tuple[httpx.Client, httpx.Response]:
    """GET the authorization URL and follow the server's redirects to the sign-in page (never off its origin)."""
    browser = httpx.Client(timeout=30, follow_redirects=False)
    response = browser.get(authorization_url)
    origin = urlsplit(authorization_url).netloc
    while response.status_code in (302, 303, 307) and urlsplit(str(response.next_request.url)).netloc == origin:
        response = browser.get(response.headers["location"] if "://" in response.headers["location"]
                               else f"{urlsplit(authorization_url).scheme}://{origin}{response.headers['location']}")  # fmt: skip
    return browser, response


def sign_in(authorization_url: str, **fields: str) -> httpx.Response:
    """The answer to submitting the form with `fields` (a 303 to the client on success, the page again if not)."""
    browser, page = open_sign_in(authorization_url)
    found = HIDDEN.search(page.text)
    if found is None:
        raise AssertionError(f"no sign-in form ({page.status_code}): {page.text[:300]}")
    action = str(page.url.copy_with(path="/signin", query=None))
    try:
        return browser.post(action, data={"request": html.unescape(found.group(1)), **fields})
    finally:
        browser.close()


def callback_params(response: httpx.Response) -> dict[str, Any]:
    """The query the client's redirect URI receives (code, state, iss; or error)."""
    assert response.status_code == 303, (response.status_code, response.text[:300])
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}
