"""`respan-mcp docs sync|search|status`."""

from __future__ import annotations

import argparse
import json
import sys

import anyio

from respan_mcp.config import Settings
from respan_mcp.docs.errors import FetchError
from respan_mcp.docs.render import excerpt
from respan_mcp.docs.service import DocsService
from respan_mcp.docs.store import as_dict, index_status


def _bar(done: int, total: int, label: str) -> None:
    width = 30
    filled = int(width * done / max(1, total))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:40]:<40}")
    sys.stderr.flush()


def _embed(settings: Settings, service: DocsService, quiet: bool) -> None:
    """With the semantic extra: embed the sections that changed (none, on an unchanged re-sync)."""
    from respan_mcp.docs import semantic

    if settings.docs_semantic == "off" or not semantic.available():
        return
    import time

    from respan_mcp.docs.semantic.control import embed_now

    started = time.perf_counter()
    # (waits while a running server embeds the same index, then embeds whatever is still missing)
    done, total = embed_now(service.path, None if quiet else lambda d, t: _bar(d, t, "embedding sections")) or (0, 0)
    if not quiet and done:
        sys.stderr.write("\n")
    print(f"Semantic ranking: embedded {done} of {total} sections in {time.perf_counter() - started:.1f} s.")


def run_docs_command(settings: Settings, args: argparse.Namespace) -> int:
    service = DocsService(settings)
    if args.docs_command == "sync":

        async def progress(done: int, total: int, title: str) -> None:
            if not args.quiet:
                _bar(done, total, title)

        try:
            report = anyio.run(service.sync, args.source, progress)
        except FetchError as exc:
            print(f"\nrespan-mcp: {exc}", file=sys.stderr)
            return 1
        if not args.quiet:
            sys.stderr.write("\n")
        print(f"Indexed {report.summary()}.\nIndex: {service.path}")
        _embed(settings, service, args.quiet)
        return 0 if not report.failed else 2
    if args.docs_command == "status":
        status = index_status(settings)
        print(("ok: " if status.ok else "not ready: ") + status.summary + (f"\n→ {status.fix}" if status.fix else ""))
        if status.ok:
            from respan_mcp.docs.semantic.control import describe

            print(f"semantic ranking: {describe(service.path, settings.docs_semantic)}")
        return 0 if status.ok else 1
    # search
    index = service.index()
    if index is None:
        print("No docs index yet: run `respan-mcp docs sync` first.", file=sys.stderr)
        return 1
    hits, terms = index.search(args.query, limit=args.limit, also=args.also)
    if args.json:
        print(json.dumps([as_dict(h, excerpt(h.body, terms)) for h in hits], indent=2))
        return 0
    if not hits:
        print("No matches.")
    for n, hit in enumerate(hits, 1):
        print(f"{n}. {hit.title} › {hit.breadcrumb}\n   {hit.link}\n   {excerpt(hit.body, terms, 200)}\n")
    return 0
