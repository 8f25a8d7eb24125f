"""Keeps the docs index: opens it on first use, syncs it from the configured source."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import httpx

from respan_mcp.config import Settings
from respan_mcp.docs.errors import FetchError
from respan_mcp.docs.fetch import Crawler, Progress
from respan_mcp.docs.store import DocsIndex, RawPage, build_index, index_path, touch_index

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    source: str
    pages: int = 0
    chunks: int = 0
    fetched: int = 0
    not_modified: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        text = f"{self.pages} pages, {self.chunks} sections from {self.source}"
        if self.fetched or self.not_modified:
            verb = "read anew" if is_local_source(self.source) else "downloaded"
            text += f" ({self.fetched} {verb}, {self.not_modified} unchanged)"
        if self.failed:
            text += f"; {len(self.failed)} not indexed: " + "; ".join(self.failed[:5])
        return text + f" in {self.seconds:.1f} s"


def is_local_source(source: str) -> bool:
    return "://" not in source


class DocsService:
    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.path = index_path(settings)
        self.transport = transport
        self._index: DocsIndex | None = None
        self._mtime = 0.0
        self._lock = anyio.Lock()

    def index(self) -> DocsIndex | None:
        """The current index, reopened if a sync (from any process) replaced the file."""
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return None
        if self._index is None or mtime != self._mtime:
            if self._index is not None:
                self._index.close()
            try:
                self._index = DocsIndex(self.path)
            except Exception as exc:  # a corrupt or outdated file is rebuilt, not fatal
                log.warning("docs index unusable (%s); it will be rebuilt", exc)
                self._index = None
                return None
            self._mtime = mtime
            self._attach_semantic(self._index)
        elif self.semantic_state.startswith("embedding") and not self._embedding_running():
            self._attach_semantic(self._index)  # the background embedding finished: rank with it now
        return self._index

    semantic_state = "off"  # what `docs status` says about the semantic extra

    def _attach_semantic(self, index: DocsIndex) -> None:
        from respan_mcp.docs.semantic import control

        self.semantic_state = control.attach(index, self.path, self.settings.docs_semantic)

    def _embedding_running(self) -> bool:
        from respan_mcp.docs.semantic import control

        return control.embedding(self.path)

    async def ensure(self, progress: Progress | None = None) -> tuple[DocsIndex, SyncReport | None]:
        """The index, building it first if there is none (raises FetchError when that fails)."""
        index = self.index()
        if index is not None:
            return index, None
        async with self._lock:
            index = self.index()
            if index is not None:
                return index, None
            report = await self._sync_locked(None, progress)
        index = self.index()
        if index is None:  # pragma: no cover - build_index either writes the file or raises
            raise FetchError("the docs index could not be built")
        return index, report

    async def sync(self, source: str | None = None, progress: Progress | None = None) -> SyncReport:
        async with self._lock:
            return await self._sync_locked(source, progress)

    async def _sync_locked(self, source: str | None, progress: Progress | None) -> SyncReport:
        source = source or self.settings.docs_source
        started = anyio.current_time()
        report = SyncReport(source=source)
        pages: list[RawPage]
        if is_local_source(source):
            root = await anyio.Path(source).expanduser()
            if not await root.is_dir():
                raise FetchError(f"The docs source {source} is not a folder (or an llms.txt URL).")
            from respan_mcp.docs.folder import read_folder

            read = await anyio.to_thread.run_sync(read_folder, Path(root))
            pages, report.failed = read.pages, read.skipped
            current = self.index()
            previous = current.stored_pages() if current is not None and current.meta.get("source") == source else {}
            changed = [p for p in pages if p.path not in previous or previous[p.path].text != p.text]
            report.fetched, report.not_modified = len(changed), len(pages) - len(changed)
            if current is not None and not changed and not read.skipped and len(pages) == len(previous):
                # Nothing changed in the folder: keep the index (and its embeddings), record the check.
                await anyio.to_thread.run_sync(touch_index, self.path)
                report.pages, report.chunks = len(pages), int(current.meta.get("chunks", 0))
                report.seconds = anyio.current_time() - started
                return report
        else:
            current = self.index()
            previous = current.stored_pages() if current is not None and current.meta.get("source") == source else {}
            crawler = Crawler(source, transport=self.transport)
            try:
                pages, crawl = await crawler.crawl(previous, progress)
            finally:
                await crawler.aclose()
            report.fetched, report.not_modified, report.failed = crawl.fetched, crawl.not_modified, crawl.failed
            if current is not None and not crawl.fetched and not crawl.failed and len(pages) == len(previous):
                # Nothing changed: keep the index, just record that it was checked.
                await anyio.to_thread.run_sync(touch_index, self.path)
                report.pages, report.chunks = len(pages), int(current.meta.get("chunks", 0))
                report.seconds = anyio.current_time() - started
                return report
        if not pages:
            raise FetchError(f"No pages could be read from {source}. " + "; ".join(report.failed[:3]))
        counts = await anyio.to_thread.run_sync(build_index, pages, source, self.path)
        report.pages, report.chunks = counts["pages"], counts["chunks"]
        report.seconds = anyio.current_time() - started
        return report

    async def aclose(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
