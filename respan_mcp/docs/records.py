"""The docs index's records: a page as fetched, a page as stored, a section found by a search."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RawPage:
    """A page as a source delivered it, before cleanup."""

    path: str  # site path without extension, no leading slash: "documentation/features/gateway/setup"
    url: str  # the human-facing page URL
    text: str  # MDX/Markdown source (HTML pages arrive already converted)
    title: str = ""
    description: str = ""
    etag: str = ""
    last_modified: str = ""
    entry_url: str = ""  # the link the source listed (it may have redirected to `url`)

    @property
    def content_hash(self) -> str:
        import hashlib

        return hashlib.sha256(self.text.encode()).hexdigest()


@dataclass
class Hit:
    id: int
    path: str
    url: str
    anchor: str
    title: str
    breadcrumb: str
    body: str
    score: float
    repeats: int = 1  # pages with this section's exact text

    @property
    def link(self) -> str:
        return f"{self.url}#{self.anchor}" if self.anchor else self.url


@dataclass
class PageRecord:
    path: str
    url: str
    title: str
    description: str
    markdown: str
    sections: list[tuple[str, str, int]] = field(default_factory=list)  # (anchor, heading, level)
