"""RespanClient: the only code that speaks HTTP to the Respan API.

It owns auth, the base URL, timeouts, retries (reads only), error mapping and
streamed-completion parsing. Every error it raises is a RespanError whose text is
safe to show a model: what happened and what to do, with secrets scrubbed.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import random
import re
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import anyio
import httpx

from respan_mcp import __version__, observe
from respan_mcp.config import Settings, api_origin
from respan_mcp.errors import RespanError, StreamCutError
from respan_mcp.redact import REDACTED, scrub
from respan_mcp.request_scope import request_api_key, request_base_url
from respan_mcp.sse import SSEAnswer, StreamEndedEarly, iter_sse

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
MAX_ERROR_BODY = 64_000
MAX_DETAIL = 600  # characters of an error's detail shown to the model

NO_KEY_MESSAGE = (
    "No Respan API key is configured. Set RESPAN_API_KEY in the MCP server's environment "
    "(or run `respan login` to write ~/.respan/credentials.json); over HTTP, send "
    "'Authorization: Bearer <your Respan API key>'."
)


def _retry_after_seconds(response: httpx.Response, body: Any) -> float | None:
    header = response.headers.get("retry-after")
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(header) if header else None
            if parsed is not None:
                return max(0.0, parsed.timestamp() - time.time())
    if isinstance(body, dict) and isinstance(body.get("retry_after"), (int, float)):
        return float(body["retry_after"])
    return None


_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


def describe_body(text: str) -> str:
    """A short, readable account of a non-JSON error body (often an HTML error page)."""
    title = _TITLE.search(text)
    if title:
        return f"an HTML page titled {title.group(1).strip()[:120]!r}"
    flat = " ".join(_TAG.sub(" ", text).split())
    return repr(flat[:200]) if flat else "an empty body"


def error_detail(body: Any) -> tuple[str, dict[str, Any] | None]:
    """Respan's `detail` or a provider's `error.message`, plus field errors if any."""
    if isinstance(body, dict):
        errors = body.get("errors") if isinstance(body.get("errors"), dict) else None
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            extra = ", ".join(f"{k}={err[k]}" for k in ("type", "code", "param") if err.get(k))
            return (f"{err['message']} ({extra})" if extra else str(err["message"])), errors
        if isinstance(err, str) and err:
            return err, errors
        for key in ("detail", "message"):
            if body.get(key):
                detail = body[key]
                return (detail if isinstance(detail, str) else json.dumps(detail)), errors
        return json.dumps(body)[:300], errors
    if isinstance(body, str):
        return describe_body(body), None
    return "no details", None


def _advice(status: int, retry_after: float | None) -> tuple[str, str]:
    """(what it is, what to do) for an HTTP status."""
    if status == 400:
        return "rejected the request (400 Bad Request)", "Fix the request as the message says and call again."
    if status == 401:
        return "answered 401 Unauthorized", (
            "The API key is missing, invalid or expired: set RESPAN_API_KEY (stdio) or send "
            "'Authorization: Bearer <key>' (HTTP) with a valid key from the Respan platform's API keys page."
        )
    if status == 402:
        return (
            "answered 402 Payment Required",
            "The organization's credits or budget are used up: top up or raise the budget.",
        )
    if status == 403:
        return "answered 403 Forbidden", "This key may not do that: use a key with access to this resource."
    if status == 404:
        return "answered 404 Not Found", "Check the id, name or model and call again."
    if status == 413:
        return "rejected the request as too large (413)", "Send less data (Respan accepts at most 20 MB)."
    if status == 422:
        return "could not validate the request (422)", "Fix the named fields and call again."
    if status == 429:
        wait = f"Wait {retry_after:g} s before calling again." if retry_after else "Wait a little before calling again."
        return "is rate limiting this key (429 Too Many Requests)", wait
    if status >= 500:
        return f"had a server error ({status})", (
            "This is on Respan's or the provider's side: try again in a moment; for chat, "
            "fallback_models or retry_params let the gateway recover by itself."
        )
    return f"answered {status}", "Check the request and call again."


class RespanClient:
    """Async Respan API client; one per process, owned by the server's lifespan."""

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.root = settings.base_url.rstrip("/")
        self._refreshed_jwt: str | None = None
        timeout = httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=settings.connect_timeout,
        )
        self._http = httpx.AsyncClient(
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": f"respan-mcp/{__version__}", "Accept": "application/json"},
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- plumbing -------------------------------------------------------------------

    def url(self, path: str) -> str:
        root = request_base_url.get() or self.root
        return f"{root}/{path.lstrip('/')}"

    def current_key(self) -> str | None:
        key = request_api_key.get()
        if key:
            return key
        if self._refreshed_jwt:
            return self._refreshed_jwt
        return self.settings.api_key.get_secret_value() if self.settings.api_key else None

    def _using_jwt(self) -> bool:
        """The key in use is this process's own `respan login` session (not a caller's key)."""
        return self.settings.key_is_jwt and not request_api_key.get()

    async def _refresh_jwt(self) -> bool:
        """Renew an expired `respan login` session at `<origin>/auth/jwt/refresh/`, as Respan's CLI does.
        Kept in memory only (the credentials file is the CLI's). False when there is nothing to renew with."""
        token = self.settings.jwt_refresh_token
        if not token or not self._using_jwt():
            return False
        origin = api_origin(self.root)
        try:
            async with self._http.stream(
                "POST", f"{origin}/auth/jwt/refresh/", json={"refresh": token}, headers={"Accept": "application/json"}
            ) as response:
                raw = await self._read_capped(response, "jwt refresh", 64_000)
                if not response.is_success:
                    return False
        except (httpx.TransportError, RespanError):
            return False
        body = self._parse(raw)
        access = body.get("access") or body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(access, str) or not access:
            return False
        self._refreshed_jwt = access
        return True

    def _auth_headers(self) -> dict[str, str]:
        key = self.current_key()
        if not key:
            raise RespanError(NO_KEY_MESSAGE, kind="config")
        return {"Authorization": f"Bearer {key}"}

    def _secrets(self) -> list[str]:
        key = self.current_key()
        return [*self.settings.secrets(), *([key] if key else [])]

    def _scrub(self, text: str) -> str:
        """Secrets out of text; the key this request used however short it is (`abc` in a 401 echo)."""
        key = self.current_key()
        text = scrub(text, self._secrets())
        return text.replace(key, REDACTED) if key else text

    def _http_error(self, response: httpx.Response, body: Any, what: str) -> RespanError:
        status = response.status_code
        detail, field_errors = error_detail(body)
        if len(detail) > MAX_DETAIL:
            detail = detail[:MAX_DETAIL] + f"… ({len(detail):,} characters in all)"
        retry_after = _retry_after_seconds(response, body)
        summary, todo = _advice(status, retry_after)
        if status == 401 and self._using_jwt():
            todo = ("The `respan login` session (a JWT from ~/.respan/credentials.json) has expired or was revoked: "
                    "run `respan login` again, or set RESPAN_API_KEY to an API key.")  # fmt: skip
        if field_errors:
            fields = "; ".join(
                f"{name}: {', '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                for name, msgs in field_errors.items()
            )
            detail = f"{detail} ({fields})"
        code = body.get("error_code") if isinstance(body, dict) else None
        if code:
            detail = f"{detail} [{code}]"
        message = self._scrub(f"{what}: Respan {summary}: {detail.rstrip('.')}. {todo}")
        return RespanError(message, status=status, detail=self._scrub(detail), retry_after=retry_after, body=body)

    def _transport_error(self, exc: Exception, what: str) -> RespanError:
        if isinstance(exc, httpx.TimeoutException):
            phase = {
                httpx.ConnectTimeout: "connecting",
                httpx.ReadTimeout: "waiting for the answer",
                httpx.WriteTimeout: "sending the request",
                httpx.PoolTimeout: "waiting for a free connection",
            }.get(type(exc), "talking to it")
            return RespanError(
                f"{what}: Respan did not answer in time ({phase}). Try again; if it keeps happening, "
                "check RESPAN_BASE_URL or raise RESPAN_MCP_READ_TIMEOUT for long generations.",
                kind="timeout",
            )
        return RespanError(
            self._scrub(
                f"{what}: could not reach Respan at {self.settings.shown_base_url()} ({type(exc).__name__}: {exc}). "
                "Check RESPAN_BASE_URL and the network, then try again."
            ),
            kind="connection",
        )

    @staticmethod
    def _parse(raw: bytes) -> Any:
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")[:MAX_ERROR_BODY]

    def _too_large(self, what: str) -> RespanError:
        return RespanError(
            f"{what}: Respan's answer is larger than {self.settings.max_response_bytes:,} bytes, more than this server "
            "reads. Ask for less (a smaller limit or page, fewer fields) or raise RESPAN_MCP_MAX_RESPONSE_BYTES.",
            kind="too_large",
        )

    async def _read_capped(self, response: httpx.Response, what: str, cap: int | None = None) -> bytes:
        """The body, read in chunks and refused past the cap (a 400 MB answer is never held whole)."""
        cap = cap or self.settings.max_response_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise self._too_large(what)
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise self._too_large(what)
            chunks.append(chunk)
        return b"".join(chunks)

    async def _sse_answer(self, response: httpx.Response, what: str) -> SSEAnswer:
        """A streamed answer to a request that did not ask for one (a prompt set to stream), read whole."""
        answer = SSEAnswer()
        size = 0
        try:
            async for event in iter_sse(response.aiter_lines()):
                size += len(event.data)
                if size > self.settings.max_response_bytes:
                    raise self._too_large(what)
                chunk = self._chunk(event.data, what)
                if chunk is not None:
                    answer.append(chunk)
        except StreamEndedEarly:
            answer.cut = True
        return answer

    def _gave_up(self, error: RespanError, tries: int, waited: float) -> RespanError:
        when = f" Respan asked for {error.retry_after:g} s before the next try." if error.retry_after else ""
        return RespanError(
            f"{error.message} Gave up after {tries} {'try' if tries == 1 else 'tries'} ({waited:.1f} s spent waiting; "
            f"one call waits at most {self.settings.retry_budget:g} s in all, RESPAN_MCP_RETRY_BUDGET).{when}",
            status=error.status, detail=error.detail, retry_after=error.retry_after, kind=error.kind, body=error.body,
        )  # fmt: skip

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.settings.retry_after_cap)
        return min(8.0, 0.25 * 2**attempt) * (0.5 + random.random() / 2)

    # -- requests -------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        read: bool | None = None,
        what: str | None = None,
        anonymous: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one API request and return its parsed JSON (`anonymous`: without a key, for public endpoints).

        `read` marks a request safe to repeat (GETs always are; list and summary POSTs
        say so): only those are retried, on connection errors, 429 and 502/503/504.
        """
        what = what or f"{method} {path}"
        retryable = read if read is not None else method.upper() == "GET"
        attempts = 1 + (self.settings.max_retries if retryable else 0)
        extra_headers = dict(headers or {})
        headers = {**({} if anonymous else self._auth_headers()), **extra_headers}
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        last: RespanError | None = None
        refreshed = False
        waited = 0.0  # seconds slept between tries, against settings.retry_budget

        async def wait_or_give_up(delay: float, error: RespanError, tries: int) -> None:
            nonlocal waited
            if waited + delay > self.settings.retry_budget:
                raise self._gave_up(error, tries, waited) from None
            waited += delay
            await anyio.sleep(delay)

        try:
            with anyio.fail_after(self.settings.total_timeout):
                for attempt in range(attempts + (1 if self._using_jwt() and not anonymous else 0)):
                    try:
                        async with self._http.stream(
                            method, self.url(path), params=clean_params, json=json_body, headers=headers
                        ) as response:
                            if response.is_success and "text/event-stream" in response.headers.get("content-type", ""):
                                return await self._sse_answer(response, what)
                            body = self._parse(await self._read_capped(response, what))
                    except httpx.TransportError as exc:
                        observe.api_answered("error")
                        last = self._transport_error(exc, what)
                        if attempt + 1 < attempts and not isinstance(exc, httpx.WriteError):
                            await wait_or_give_up(self._backoff(attempt, None), last, attempt + 1)
                            continue
                        raise last from None
                    observe.api_answered(str(response.status_code))
                    if response.is_success:
                        if isinstance(body, str):
                            raise RespanError(
                                f"{what}: Respan answered {response.status_code} with a body that is not JSON "
                                f"({describe_body(body)}). RESPAN_BASE_URL may point at something other than "
                                "the Respan API.",
                                status=response.status_code,
                                kind="bad_body",
                            )
                        return body
                    last = self._http_error(response, body, what)
                    if response.status_code == 401 and not anonymous and not refreshed and await self._refresh_jwt():
                        refreshed = True
                        headers = {**self._auth_headers(), **extra_headers}
                        continue
                    if response.status_code in RETRYABLE_STATUS and attempt + 1 < attempts:
                        log.info("retrying %s after %s", what, response.status_code)
                        await wait_or_give_up(self._backoff(attempt, last.retry_after), last, attempt + 1)
                        continue
                    raise last
        except TimeoutError:
            raise RespanError(
                f"{what}: Respan did not finish within {self.settings.total_timeout:g} s, retries included. "
                "Try again later or raise RESPAN_MCP_TOTAL_TIMEOUT.",
                kind="timeout",
            ) from None
        raise last or RespanError(f"{what}: failed")  # pragma: no cover - loop always returns or raises

    def _chunk(self, data: str, what: str) -> dict[str, Any] | None:
        """One SSE data payload as a JSON chunk; a provider error mid-stream raises."""
        try:
            chunk = json.loads(data)
        except ValueError:
            log.warning("skipping a stream event that is not JSON")
            return None
        if isinstance(chunk, dict) and "error" in chunk and "choices" not in chunk:
            detail, _ = error_detail(chunk)
            raise RespanError(self._scrub(f"{what}: the provider failed mid-stream: {detail}"), kind="stream_error")
        return chunk if isinstance(chunk, dict) else None

    async def stream(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        what: str,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        done_marker: str | None = "[DONE]",
    ) -> AsyncIterator[dict[str, Any]]:
        """POST and yield each JSON chunk of a server-sent-events answer (`done_marker`: the data line that ends
        it, as OpenAI-style streams have; None for streams that simply end, as Anthropic's and Google's do).

        Never retried: the request may already cost money. Leaving the iteration early
        (cancellation included) closes the upstream connection. A stream that ends before
        `[DONE]` raises StreamCutError; so does one that runs past RESPAN_MCP_TOTAL_TIMEOUT
        (the caller keeps what arrived).
        """
        sent_headers = {**self._auth_headers(), "Accept": "text/event-stream", **(headers or {})}
        deadline = anyio.current_time() + self.settings.total_timeout
        size = 0
        try:
            async with contextlib.AsyncExitStack() as stack:
                response = None
                with anyio.move_on_after(self.settings.total_timeout):
                    response = await stack.enter_async_context(
                        self._http.stream("POST", self.url(path), json=body, headers=sent_headers, params=params)
                    )
                if response is None:
                    raise StreamCutError(
                        f"{what}: the gateway did not start answering within {self.settings.total_timeout:g} s "
                        "(RESPAN_MCP_TOTAL_TIMEOUT).",
                        kind="timeout",
                    )
                if not response.is_success:
                    raw = await self._read_capped(response, what, MAX_ERROR_BODY * 4)
                    raise self._http_error(response, self._parse(raw), what)
                events = iter_sse(response.aiter_lines(), done_marker).__aiter__()
                while True:
                    # The deadline covers the whole stream, not one read: a slow trickle cannot run on.
                    # (The scope closes before each yield: the caller's code never runs inside it.)
                    event = None
                    with anyio.move_on_after(max(0.0, deadline - anyio.current_time())) as scope:
                        try:
                            event = await events.__anext__()
                        except StopAsyncIteration:
                            return
                        except StreamEndedEarly:
                            raise StreamCutError(
                                f"{what}: the stream from the gateway was cut before it finished.", kind="stream_cut"
                            ) from None
                    if scope.cancelled_caught or event is None:
                        raise StreamCutError(
                            f"{what}: the stream did not finish within {self.settings.total_timeout:g} s "
                            "(RESPAN_MCP_TOTAL_TIMEOUT).",
                            kind="timeout",
                        )
                    size += len(event.data)
                    if size > self.settings.max_response_bytes:
                        raise self._too_large(what)
                    chunk = self._chunk(event.data, what)
                    if chunk is not None:
                        yield chunk
        except httpx.TransportError as exc:
            if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
                raise StreamCutError(
                    f"{what}: the connection to the gateway broke mid-stream ({type(exc).__name__}).",
                    kind="stream_cut",
                ) from None
            raise self._transport_error(exc, what) from None
