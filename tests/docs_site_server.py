"""A small docs site for crawler tests: llms.txt, Markdown and HTML pages, redirects, 404s and ETags."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

SITE = Path(__file__).parent / "docs_site"

HTML_PAGE = """<!doctype html><html><head><title>HTML only</title><script>var x = 1;</script></head>
<body><nav class="sidebar"><a href="/">Home</a><a href="/x">Sidebar link</a></nav>
<main><h1>HTML only page</h1><p>This page has no Markdown twin: it is converted from HTML.</p>
<h2>Customer budgets</h2><p>Set a <code>period_budget</code> per customer_identifier.</p>
<pre><code class="language-python"><span class="line-number">1</span>budget = 10
</code></pre></main><footer>© footer text</footer></body></html>"""


def make_site(cross_origin: str = "http://127.0.0.2:9/evil.md") -> tuple[Starlette, Counter[str]]:
    hits: Counter[str] = Counter()

    def llms(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        lines = [
            "# Respan docs",
            f"- [Fallbacks and retries]({base}/docs/gateway/fallbacks.mdx): Keep answering when a provider fails.",
            "- [Caching](/docs/gateway/caching): Reuse answers.",
            "- [HTML only](/docs/html-only): A page served as HTML.",
            "- [Moved](/docs/moved.mdx): Redirects within the site.",
            "- [Gone](/docs/gone.mdx): 404.",
            "- [Elsewhere](/docs/elsewhere.mdx): Redirects to another origin.",
            "Some prose line that is not an entry.",
        ]
        return PlainTextResponse("\n".join(lines))

    def page(request: Request) -> Response:
        path = request.url.path
        hits[path] += 1
        name = path.removeprefix("/docs/")
        if name == "moved.mdx":
            return RedirectResponse("/docs/observe/logs.mdx", status_code=301)
        if name == "elsewhere.mdx":
            return RedirectResponse(cross_origin, status_code=302)
        if name == "html-only":
            return Response(HTML_PAGE, media_type="text/html")
        stem = name.removesuffix(".md").removesuffix(".mdx")
        source = next((p for p in (SITE / f"{stem}.mdx", SITE / f"{stem}.md") if p.exists()), None)
        if source is None:
            return Response("<html><title>404</title>Not found</html>", status_code=404, media_type="text/html")
        etag = f'"v1-{stem}"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return PlainTextResponse(source.read_text(), headers={"ETag": etag}, media_type="text/markdown")

    app = Starlette(routes=[Route("/llms.txt", llms), Route("/docs/{path:path}", page)])
    return app, hits
