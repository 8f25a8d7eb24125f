"""Crawl a docs site from its llms.txt: Markdown first, HTML converted as a fallback.

Only the configured origin is fetched (redirects included); concurrency, page size and
total time are bounded; pages unchanged since the last sync (ETag / Last-Modified) are
not downloaded again.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import anyio
import httpx

from respan_mcp import __version__
from respan_mcp.docs.errors import FetchError
from respan_mcp.docs.limits import MAX_FILE_BYTES as MAX_PAGE_BYTES
from respan_mcp.docs.limits import MAX_PAGES, MAX_TOTAL_BYTES
from respan_mcp.docs.records import RawPage
from respan_mcp.sdk_compat import set_body

log = logging.getLogger(__name__)

LLMS_ENTRY = re.compile(r"^\s*[-*]\s*\[([^\]]+)\]\(([^)\s]+)\)\s*(?::\s*(.*))?$")
MAX_REDIRECTS = 5
Progress = Callable[[int, int, str], Awaitable[None]]


@dataclass
class Entry:
    title: str
    url: str
    description: str = ""


@dataclass
class CrawlReport:
    fetched: int = 0
    not_modified: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def parse_llms_txt(text: str, base: str) -> list[Entry]:
    entries: list[Entry] = []
    seen: set[str] = set()
    for line in text.splitlines():
        match = LLMS_ENTRY.match(line)
        if not match:
            continue
        url = urljoin(base, match.group(2))
        if url in seen:
            continue
        seen.add(url)
        entries.append(Entry(match.group(1).strip(), url, (match.group(3) or "").strip()))
    return entries


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def registrable_domain(host: str) -> str:
    """The last two labels (`docs.respan.ai` -> `respan.ai`): the site's own domain, approximately.
    (Without a public-suffix list `a.co.uk` reads as `co.uk`: the site would only be wider there.)"""
    labels = host.split(":")[0].split(".")
    return ".".join(labels[-2:])


def twins(netloc: str) -> set[str]:
    """A host and its apex/www twin: `www.respan.ai` and `respan.ai` serve one site."""
    return {netloc, netloc[4:]} if netloc.startswith("www.") else {netloc, "www." + netloc}


class Site:
    """The hosts that make up the docs site: the index's host and its apex/www twin, where the index
    itself redirected to (the configured source decides where the site lives), and where a page
    redirects within the same registrable domain. Nothing else is ever fetched."""

    def __init__(self, index_url: str) -> None:
        scheme, netloc = _origin(index_url)
        self.schemes = {scheme, "https"}  # an http source may move to https, never the other way
        self.hosts = twins(netloc)
        self.domains = {registrable_domain(netloc)}

    def allows(self, url: str) -> bool:
        scheme, netloc = _origin(url)
        return scheme in self.schemes and netloc in self.hosts

    def adopt(self, url: str, *, any_domain: bool = False) -> bool:
        """Take a redirect target into the site if it belongs there; whether it now does."""
        scheme, netloc = _origin(url)
        if scheme not in self.schemes or not netloc:
            return False
        if any_domain or registrable_domain(netloc) in self.domains:
            self.hosts |= twins(netloc)
            self.domains.add(registrable_domain(netloc))
        return netloc in self.hosts

    def describe(self) -> str:
        return ", ".join(sorted(self.hosts))


def page_identity(url: str, origin_root: str) -> tuple[str, str]:
    """(path, human URL) of an entry: extension dropped, path relative to the site root."""
    parts = urlsplit(url)
    path = re.sub(r"\.(mdx|md)$", "", parts.path)
    human = f"{parts.scheme}://{parts.netloc}{path}"
    root_path = urlsplit(origin_root).path.rstrip("/")
    rel = path[len(root_path) :] if root_path and path.startswith(root_path) else path
    return rel.strip("/") or "index", human


def html_to_markdown(html: str) -> str:
    """Readable Markdown from a docs HTML page, navigation and chrome removed first."""
    from bs4 import BeautifulSoup
    from markdownify import MarkdownConverter

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "noscript", "svg", "form", "button"]):
        tag.decompose()
    for tag in soup.select('[class*="sidebar"], [class*="navbar"], [class*="toc"], [class*="line-number"], '
                           '[class*="linenumber"], [role="navigation"], [aria-hidden="true"]'):  # fmt: skip
        tag.decompose()
    main = soup.find("main") or soup.find("article") or soup.body or soup

    class Converter(MarkdownConverter):  # type: ignore[misc]
        def convert_pre(self, el, text, *args, **kwargs):  # type: ignore[no-untyped-def]
            code = el.find("code")
            language = ""
            for cls in (code.get("class") or []) if code else []:
                if cls.startswith(("language-", "lang-")):
                    language = cls.split("-", 1)[1]
            body = (code or el).get_text()
            return f"\n```{language}\n{body.strip(chr(10))}\n```\n"

    markdown = Converter(
        heading_style="ATX", escape_underscores=False, escape_asterisks=False, bullets="-"
    ).convert_soup(main)
    return re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"


class Crawler:
    def __init__(
        self,
        index_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        concurrency: int = 16,
        timeout: float = 20.0,
        total_timeout: float = 300.0,
        retries: int = 2,
    ) -> None:
        self.index_url = index_url
        self.site = Site(index_url)
        self.root = index_url.rsplit("/", 1)[0] + "/"
        self.concurrency = concurrency
        self.total_timeout = total_timeout
        self.retries = retries
        self.total_bytes = 0  # downloaded by this crawl, all pages together
        self.client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"User-Agent": f"respan-mcp/{__version__} (docs sync)"},
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def get(self, url: str, headers: dict[str, str] | None = None, *, index: bool = False) -> httpx.Response:
        """GET within the site, following redirects that stay in it, with a size cap and retries."""
        for attempt in range(self.retries + 1):
            try:
                return await self._get_once(url, headers or {}, index)
            except (httpx.TransportError, _Retryable) as exc:
                if attempt == self.retries:
                    raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
                await anyio.sleep(0.2 * 2**attempt)
        raise FetchError(url)  # pragma: no cover

    async def _get_once(self, url: str, headers: dict[str, str], index: bool = False) -> httpx.Response:
        for _ in range(MAX_REDIRECTS + 1):
            if not self.site.allows(url):
                raise FetchError(f"refused to fetch {url}: only the docs site ({self.site.describe()}) is fetched")
            async with self.client.stream("GET", url, headers=headers) as response:
                if response.has_redirect_location:
                    url = urljoin(url, response.headers.get("location", ""))
                    self.site.adopt(url, any_domain=index)
                    continue
                if response.status_code in (429, 502, 503, 504):
                    raise _Retryable(f"HTTP {response.status_code}")
                chunks = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    self.total_bytes += len(chunk)
                    if size > MAX_PAGE_BYTES:
                        raise FetchError(f"{url}: larger than {MAX_PAGE_BYTES:,} bytes; skipped")
                    if self.total_bytes > MAX_TOTAL_BYTES:
                        raise FetchError(f"{url}: the crawl passed {MAX_TOTAL_BYTES:,} bytes in all; skipped")
                    chunks.append(chunk)
                set_body(response, b"".join(chunks))
                return response
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")

    async def index(self) -> list[Entry]:
        try:
            response = await self.get(self.index_url, index=True)
        except FetchError as exc:
            raise FetchError(
                f"Could not read the docs index {self.index_url} ({exc}). If this machine is offline, "
                "point RESPAN_DOCS_SOURCE (or `respan-mcp docs sync --source`) at a local docs folder."
            ) from None
        if response.status_code != 200:
            raise FetchError(f"The docs index {self.index_url} answered HTTP {response.status_code}.")
        self.root = str(response.url).rsplit("/", 1)[0] + "/"  # where the index lives now (after redirects)
        entries = parse_llms_txt(response.text, str(response.url))
        if not entries:
            raise FetchError(f"{self.index_url} lists no pages ('- [Title](url): description' lines).")
        return entries

    async def page(self, entry: Entry, previous: RawPage | None) -> tuple[RawPage | None, str]:
        """The page, and how it was obtained: 'fetched', 'not-modified' or 'failed: ...'."""
        path, human = page_identity(entry.url, self.root)
        conditional: dict[str, str] = {}
        if previous is not None:
            if previous.etag:
                conditional["If-None-Match"] = previous.etag
            if previous.last_modified:
                conditional["If-Modified-Since"] = previous.last_modified
        markdown_url = entry.url if re.search(r"\.mdx?$", urlsplit(entry.url).path) else entry.url.rstrip("/") + ".md"
        try:
            response = await self.get(markdown_url, conditional)
            if response.status_code == 304 and previous is not None:
                return previous, "not-modified"
            text: str | None = None
            if response.status_code == 200 and "html" not in response.headers.get("content-type", ""):
                text = response.text
            else:
                html = await self.get(human, conditional)
                if html.status_code == 304 and previous is not None:
                    return previous, "not-modified"
                if html.status_code != 200:
                    return None, f"failed: HTTP {html.status_code}"
                response = html
                text = html_to_markdown(html.text)
        except FetchError as exc:
            return None, f"failed: {exc}"
        if str(response.url) not in (markdown_url, human):  # redirected: the page lives where it landed
            path, human = page_identity(str(response.url), self.root)
        page = RawPage(
            path=path,
            url=human,
            text=text,
            title=entry.title,
            description=entry.description,
            etag=response.headers.get("etag", ""),
            last_modified=response.headers.get("last-modified", ""),
            entry_url=entry.url,
        )
        return page, "fetched"

    async def crawl(
        self, previous: dict[str, RawPage], progress: Progress | None = None
    ) -> tuple[list[RawPage], CrawlReport]:
        started = time.monotonic()
        entries = await self.index()
        report = CrawlReport()
        if len(entries) > MAX_PAGES:
            report.failed.append(f"{len(entries) - MAX_PAGES} pages past the first {MAX_PAGES:,} (not fetched)")
            entries = entries[:MAX_PAGES]
        results: list[RawPage | None] = [None] * len(entries)
        limiter = anyio.Semaphore(self.concurrency)
        done = 0
        by_url = {p.entry_url or p.url: p for p in previous.values()}

        async def one(position: int, entry: Entry) -> None:
            nonlocal done
            async with limiter:
                page, how = await self.page(entry, by_url.get(entry.url))
            results[position] = page
            if how == "fetched":
                report.fetched += 1
            elif how == "not-modified":
                report.not_modified += 1
            else:
                report.failed.append(f"{entry.url} ({how[8:]})")
            done += 1
            if progress is not None:
                await progress(done, len(entries), entry.title)

        with anyio.move_on_after(self.total_timeout) as scope:
            async with anyio.create_task_group() as group:
                for position, entry in enumerate(entries):
                    group.start_soon(one, position, entry)
        if scope.cancelled_caught:
            report.failed.append(f"stopped after {self.total_timeout:.0f} s with {done} of {len(entries)} pages")
        report.seconds = time.monotonic() - started
        return [p for p in results if p is not None], report


class _Retryable(Exception):
    pass
