"""`respan-mcp`: serve (default, over stdio), docs sync|search|status, doctor."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from respan_mcp import __version__

if TYPE_CHECKING:
    from respan_mcp.config import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="respan-mcp",
        description="MCP server for the Respan LLM platform. With no command, serves over stdio.",
    )
    parser.add_argument("--version", action="version", version=f"respan-mcp {__version__}")
    commands = parser.add_subparsers(dest="command")

    serve = commands.add_parser("serve", help="serve MCP (stdio by default, or streamable HTTP)")
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    serve.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    serve.add_argument(
        "--workers", default="1", help="HTTP: worker processes on the port, a number or 'auto' (one per core)"
    )

    docs = commands.add_parser("docs", help="the local index of the Respan docs")
    docs_commands = docs.add_subparsers(dest="docs_command", required=True)
    sync = docs_commands.add_parser("sync", help="build or refresh the docs index")
    sync.add_argument("--source", help="llms.txt URL or local docs folder (default: RESPAN_DOCS_SOURCE)")
    sync.add_argument("--quiet", action="store_true", help="no progress bar")
    search = docs_commands.add_parser("search", help="search the docs index")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=5)
    search.add_argument("--json", action="store_true", help="machine-readable output")
    search.add_argument("--also", action="append", default=[], help="another phrasing, fused (up to 3)")
    docs_commands.add_parser("status", help="what the docs index holds and where it came from")

    commands.add_parser("doctor", help="check the configuration and that Respan answers")
    return parser


def _configure_logging(settings: Settings) -> None:
    from respan_mcp.serving.logs import configure

    configure(settings.log_level, settings.log_format)


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    from pydantic import ValidationError

    from respan_mcp.config import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        sys.exit(f"respan-mcp: invalid configuration: {problems}")
    _configure_logging(settings)

    command = args.command or "serve"
    if command == "serve":
        _serve(
            settings,
            getattr(args, "transport", "stdio"),
            getattr(args, "host", "127.0.0.1"),
            getattr(args, "port", 8000),
            _workers(getattr(args, "workers", "1")),
        )
    elif command == "docs":
        from respan_mcp.docs.cli import run_docs_command

        sys.exit(run_docs_command(settings, args))
    elif command == "doctor":
        from respan_mcp.doctor import run_doctor

        sys.exit(run_doctor(settings))


def _workers(given: str) -> int:
    import os

    if given == "auto":
        return max(1, os.cpu_count() or 1)
    if not given.isdigit() or not 1 <= int(given) <= 64:
        sys.exit("respan-mcp: --workers takes a number from 1 to 64, or 'auto'")
    return int(given)


def _serve(settings: Settings, transport: str, host: str, port: int, workers: int = 1) -> None:
    from respan_mcp.server import create_server

    if transport == "stdio":
        import anyio

        from respan_mcp.stdio import run_stdio

        anyio.run(run_stdio, create_server(settings), settings.stdio_max_line_bytes)
        return
    from respan_mcp.config import LOOPBACK_HOSTS
    from respan_mcp.http_app import ConfigError, build_http_app, http_settings
    from respan_mcp.http_server import run_http

    try:
        settings = http_settings(settings)
        if settings.oauth_secret is not None and not settings.public_url and host in LOOPBACK_HOSTS:
            shown = f"[{host}]" if ":" in host else host
            settings = settings.model_copy(update={"public_url": f"http://{shown}:{port}"})
        app = build_http_app(create_server(settings), settings, host)  # (also checks the configuration)
    except ConfigError as exc:
        sys.exit(f"respan-mcp: {exc}")
    if workers > 1:
        from respan_mcp.http_server import run_http_workers

        run_http_workers(settings, host, port, workers)
        return
    run_http(app, settings, host, port)


if __name__ == "__main__":
    main()
