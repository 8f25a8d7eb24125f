"""Pages into sections: split at H1-H4 (never inside code), bounded in size, each with its anchor."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

HEADING = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$")
FENCE = re.compile(r"^(`{3,}|~{3,})")
MAX_SECTION_CHARS = 3500
MIN_BOILERPLATE_CHARS = 40


def slugify(heading: str) -> str:
    """The in-page anchor of a heading: lower-cased, punctuation dropped, spaces hyphenated."""
    text = re.sub(r"`|\*\*|__|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text, flags=re.UNICODE)
    return re.sub(r"\s", "-", text)


@dataclass
class Section:
    heading: str  # the section's own heading ("" for a page's introduction)
    path: list[str]  # headings from H2 down to this one
    anchor: str
    body: str
    level: int = 0
    order: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def breadcrumb(self) -> str:
        return " › ".join(self.path)


def _blocks(text: str) -> list[str]:
    """Paragraph-level blocks; a code block stays whole with the paragraph that leads into it."""
    blocks: list[str] = []
    current: list[str] = []
    in_code = False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            in_code = not in_code
        if not in_code and not line.strip():
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def split_sections(markdown: str) -> list[Section]:
    """Sections at each heading outside code blocks, with the running heading path."""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    current = Section(heading="", path=[], anchor="", body="")
    lines: list[str] = []
    in_code = False
    used: Counter[str] = Counter()

    def close() -> None:
        current.body = "\n".join(lines).strip()
        if current.body or current.heading:
            sections.append(current)

    for line in markdown.splitlines():
        if FENCE.match(line.strip()):
            in_code = not in_code
        match = None if in_code else HEADING.match(line)
        if match is None:
            lines.append(line)
            continue
        close()
        level, title = len(match.group(1)), match.group(2).strip()
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        anchor = slugify(title) if level > 1 else ""  # an H1 is the page itself
        if anchor and used[anchor]:
            anchor = f"{anchor}-{used[anchor]}"  # duplicate headings get -1, -2 as on the site
        used[slugify(title)] += 1
        current = Section(heading=title, path=[t for lvl, t in stack if lvl >= 2] or [title], anchor=anchor,
                          body="", level=level)  # fmt: skip
        lines = []
    close()
    bounded: list[Section] = []
    for section in sections:
        bounded.extend(_bound(section))
    for order, section in enumerate(bounded):
        section.order = order
    return bounded


def _bound(section: Section) -> Iterable[Section]:
    """Split an over-long section at block boundaries (never inside a code block)."""
    if len(section.body) <= MAX_SECTION_CHARS:
        return [section]
    parts: list[str] = []
    current = ""
    for block in _blocks(section.body):
        if current and len(current) + len(block) > MAX_SECTION_CHARS:
            parts.append(current)
            current = ""
        current = f"{current}\n\n{block}" if current else block
    if current:
        parts.append(current)
    return [
        Section(heading=section.heading, path=section.path, anchor=section.anchor, body=part, level=section.level)
        for part in parts
    ]


def block_hash(block: str) -> str:
    return hashlib.sha1(" ".join(block.split()).encode(), usedforsecurity=False).hexdigest()


def find_boilerplate(pages: Iterable[str], min_pages: int = 3, share: float = 0.08) -> set[str]:
    """Hashes of blocks repeated verbatim on many pages (site boilerplate)."""
    counts: Counter[str] = Counter()
    total = 0
    for markdown in pages:
        total += 1
        counts.update(
            {block_hash(b) for b in _blocks(markdown) if len(b) >= MIN_BOILERPLATE_CHARS and not HEADING.match(b)}
        )
    threshold = max(min_pages, int(total * share))
    return {h for h, n in counts.items() if n >= threshold}


def drop_blocks(markdown: str, hashes: set[str]) -> str:
    if not hashes:
        return markdown
    blocks = _blocks(markdown)
    dropped = [block_hash(b) in hashes for b in blocks]
    for i, block in enumerate(blocks[:-1]):
        # The short bold title of a dropped boilerplate block goes with it.
        if not dropped[i] and dropped[i + 1] and len(block) < MIN_BOILERPLATE_CHARS and block.startswith("**"):
            dropped[i] = True
    kept = [b for b, drop in zip(blocks, dropped, strict=True) if not drop]
    return "\n\n".join(kept).strip() + "\n"
