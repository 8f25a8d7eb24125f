"""Running the HTTP app with uvicorn, bounded against connections that cost us and give nothing.

uvicorn closes idle keep-alive connections, but a connection that never finishes its request
headers is held for ever, and any number may be open: 1,050 of them exhausted the file descriptors.
Here a connection must finish its headers within `header_timeout` (at first and between requests),
at most `max_connections` are open at once and at most `per_client` from one address (more are closed
on arrival: one client cannot take every slot), and the soft limit on open files is raised to the hard one.
"""

from __future__ import annotations

import logging
from typing import Any

from respan_mcp.config import Settings

log = logging.getLogger(__name__)


def bounded_protocol(max_connections: int, header_timeout: float, per_client: int = 0) -> type:
    """`per_client`: connections one client address may hold (0: no such cap, e.g. behind a load balancer,
    where every connection comes from the balancer)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    by_client: dict[str, int] = {}

    class BoundedH11Protocol(H11Protocol):  # type: ignore[misc]
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._client_host = None
            if len(self.connections) > max_connections:
                log.warning("more than %d connections open: closing a new one", max_connections)
                transport.close()
                return
            peer = transport.get_extra_info("peername")
            host = str(peer[0]) if isinstance(peer, tuple) and peer else None
            if per_client and host is not None:
                if by_client.get(host, 0) >= per_client:
                    log.warning("client %s holds %d connections: closing a new one", host, per_client)
                    transport.close()
                    return
                by_client[host] = by_client.get(host, 0) + 1
                self._client_host = host
            self._waiting_since = self.loop.time()
            self._header_timer = self.loop.call_later(header_timeout, self._check_headers)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._waiting_since = self.loop.time()

        def _waiting_for_headers(self) -> bool:
            idle = self.cycle is None or self.cycle.response_complete
            return bool(idle and self.conn.their_state in (h11.IDLE, h11.DONE))

        def _check_headers(self) -> None:
            if self.transport.is_closing():
                return
            waited = self.loop.time() - self._waiting_since
            if self._waiting_for_headers() and waited >= header_timeout:
                self.transport.close()
                return
            delay = header_timeout - waited if self._waiting_for_headers() else header_timeout
            self._header_timer = self.loop.call_later(max(0.05, delay), self._check_headers)

        def connection_lost(self, exc: Exception | None) -> None:
            timer = getattr(self, "_header_timer", None)
            if timer is not None:
                timer.cancel()
            host = getattr(self, "_client_host", None)
            if host is not None:
                self._client_host = None
                left = by_client.get(host, 1) - 1
                if left > 0:
                    by_client[host] = left
                else:
                    by_client.pop(host, None)
            super().connection_lost(exc)

    return BoundedH11Protocol


def raise_open_files_limit() -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65_536
    if soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            log.info("could not raise the open files limit from %d", soft)


def uvicorn_config(app: Any, settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> Any:
    import uvicorn

    from respan_mcp.serving.logs import uvicorn_log_config

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=uvicorn_log_config(settings.log_format),
        timeout_graceful_shutdown=settings.shutdown_seconds,
        http=bounded_protocol(
            settings.http_max_connections, settings.http_header_timeout, settings.http_max_connections_per_client
        ),
        ws="none",
        lifespan="on",
        timeout_keep_alive=settings.http_keep_alive,
        h11_max_incomplete_event_size=64 * 1024,  # request line + headers
    )


def exit_zero_after_sigterm() -> None:
    """uvicorn shuts down gracefully on SIGTERM, then raises the signal again for the handler that was there
    before it: this one, so a clean stop exits 0 (an orchestrator reads anything else as a crash)."""
    import signal

    def stopped(*_: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stopped)


def run_http(app: Any, settings: Settings, host: str, port: int) -> None:
    import uvicorn

    raise_open_files_limit()
    exit_zero_after_sigterm()
    uvicorn.Server(uvicorn_config(app, settings, host, port)).run()


# -- several worker processes on one port --------------------------------------------------------------------


def app_from_environment() -> Any:
    """The HTTP app as one worker process builds it (uvicorn's factory): settings from the environment it
    inherited, the bind host from RESPAN_MCP_BIND_HOST (set by the parent)."""
    from respan_mcp.http_app import build_http_app, http_settings
    from respan_mcp.server import create_server
    from respan_mcp.serving.logs import configure

    settings = http_settings(Settings())
    configure(settings.log_level, settings.log_format)  # a spawned worker starts with no logging set up
    return build_http_app(create_server(settings), settings, settings.bind_host)


def __getattr__(name: str) -> Any:
    """`respan_mcp.http_server:BoundedProtocol`, the bounded protocol built from the environment's settings: each
    worker imports it by name (a class made in a function cannot be handed to another process)."""
    if name == "BoundedProtocol":
        settings = Settings()
        return bounded_protocol(
            settings.http_max_connections, settings.http_header_timeout, settings.http_max_connections_per_client
        )
    raise AttributeError(name)


def run_http_workers(settings: Settings, host: str, port: int, workers: int) -> None:
    """N worker processes on one port, each a full server (uvicorn's supervisor restarts one that dies). The docs
    index is built once here, before they start, so they all read the same file instead of each building it.
    Connection caps apply per worker."""
    import os

    import anyio
    import uvicorn

    from respan_mcp.docs.service import DocsService

    async def build_index_once() -> None:
        service = DocsService(settings)
        try:
            await service.ensure()
        except Exception as exc:  # offline: each worker builds it on the first search, as one server would
            log.warning("docs index not built before the workers start: %s", exc)
        finally:
            await service.aclose()

    anyio.run(build_index_once)
    raise_open_files_limit()
    exit_zero_after_sigterm()
    os.environ["RESPAN_MCP_BIND_HOST"] = host
    if settings.public_url:  # the OAuth issuer, as the parent worked it out
        os.environ["RESPAN_MCP_PUBLIC_URL"] = settings.public_url
    if settings.metrics:  # every worker writes its samples here; a scrape of any one sums them all
        import tempfile

        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="respan-mcp-metrics-")
    from respan_mcp.serving.logs import uvicorn_log_config

    uvicorn.run(
        "respan_mcp.http_server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        log_config=uvicorn_log_config(settings.log_format),
        timeout_graceful_shutdown=settings.shutdown_seconds,
        http="respan_mcp.http_server:BoundedProtocol",
        ws="none",
        lifespan="on",
        timeout_keep_alive=settings.http_keep_alive,
        h11_max_incomplete_event_size=64 * 1024,
    )
