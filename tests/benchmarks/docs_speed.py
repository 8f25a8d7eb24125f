"""Docs speed: index build, search (in-process and through MCP over stdio), full and unchanged sync over HTTP.

The corpus is served as a local docs site (llms.txt + .mdx pages with ETags) on 127.0.0.1.
    python tests/benchmarks/docs_speed.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
from _common import ROOT, need_corpus, percentiles
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from respan_mcp.config import Settings
from respan_mcp.docs.folder import load_folder
from respan_mcp.docs.service import DocsService
from respan_mcp.docs.store import DocsIndex, build_index
from tests.fake_respan import serve


def corpus_site(corpus: Path) -> Starlette:
    pages = load_folder(corpus)
    texts = {p.path: p.text for p in pages}

    def llms(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return PlainTextResponse("\n".join(f"- [{p}]({base}/docs/{p}.mdx): page {p}" for p in texts))

    def page(request: Request) -> Response:
        path = request.path_params["path"].removesuffix(".mdx")
        if path not in texts:
            return Response(status_code=404)
        etag = f'"{hash(texts[path]) & 0xFFFFFFFF:x}"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return PlainTextResponse(texts[path], headers={"ETag": etag})

    return Starlette(routes=[Route("/llms.txt", llms), Route("/docs/{path:path}", page)])


async def sync_twice(url: str, cache: Path) -> tuple[float, float, str]:
    service = DocsService(Settings(cache_dir=cache, docs_source=url))
    started = time.perf_counter()
    first = await service.sync()
    full = time.perf_counter() - started
    started = time.perf_counter()
    again = await service.sync()
    resync = time.perf_counter() - started
    return full, resync, f"{first.summary()} | re-sync: {again.fetched} downloaded, {again.not_modified} unchanged"


async def stdio_search(cache: Path, questions: list[str]) -> tuple[list[float], list[float]]:
    """search_docs over stdio: each question once (uncached), then again (served from the result cache)."""
    from mcp import Client, StdioServerParameters

    env = {k: v for k, v in os.environ.items() if not k.startswith("RESPAN_")}
    env.update({"RESPAN_MCP_CACHE_DIR": str(cache), "RESPAN_MCP_TOOLSETS": "docs"})
    params = StdioServerParameters(command=sys.executable, args=["-m", "respan_mcp"], env=env)
    first: list[float] = []
    again: list[float] = []
    async with Client(params) as client:
        await client.call_tool("search_docs", {"query": "warm up"})
        for samples in (first, again):
            for q in questions:
                started = time.perf_counter()
                await client.call_tool("search_docs", {"query": q})
                samples.append((time.perf_counter() - started) * 1000)
    return first, again


def main() -> None:
    corpus = need_corpus()
    questions = [q["q"] for q in json.loads((ROOT / "tests/benchmarks/docs_eval.json").read_text())["questions"]]
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        started = time.perf_counter()
        pages = load_folder(corpus)
        counts = build_index(pages, str(corpus), cache / "docs-index.sqlite3")
        print(f"index build from the corpus folder: {time.perf_counter() - started:.2f} s ({counts})")
        index = DocsIndex(cache / "docs-index.sqlite3")
        samples = []
        for _ in range(20):
            for q in questions:
                started = time.perf_counter()
                index.search_uncached(q)
                samples.append((time.perf_counter() - started) * 1000)
        print(f"search in-process (uncached): {percentiles(samples)}")
        alternates = json.loads((ROOT / "tests/benchmarks/docs_alternates.json").read_text())["alternates"]
        samples = []
        for _ in range(5):
            for q in questions:
                index._results.clear()
                started = time.perf_counter()
                index.search(q, also=alternates[q])
                samples.append((time.perf_counter() - started) * 1000)
        print(f"search in-process with `also` (2 alternates each, uncached): {percentiles(samples)}")
        first, again = anyio.run(stdio_search, cache, questions)
        print(f"search_docs through MCP over stdio: first ask {percentiles(first)}; repeated {percentiles(again)}")
        # The site runs in its own process, as a real one would: it must not share our GIL.
        site = subprocess.Popen([sys.executable, __file__, "--serve-site"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            url = (site.stdout.readline() if site.stdout else "").strip()
            full, resync, summary = anyio.run(sync_twice, url + "/llms.txt", cache / "http")
        finally:
            site.terminate()
            site.wait()
        print(f"sync over HTTP: full {full:.2f} s, unchanged re-sync {resync:.2f} s ({summary})")


if __name__ == "__main__":
    if "--serve-site" in sys.argv:
        served = serve(corpus_site(need_corpus()))
        print(served.url, flush=True)
        served.thread.join()
    else:
        main()
