"""What a model reads from the docs: ranked sections with focused excerpts, pages in parts."""

from __future__ import annotations

import difflib
import re
from urllib.parse import urlsplit

from respan_mcp.docs.chunk import slugify, split_sections
from respan_mcp.docs.query import Term
from respan_mcp.docs.records import Hit, PageRecord
from respan_mcp.docs.store import DocsIndex

EXCERPT_CHARS = 360


def excerpt(body: str, terms: list[Term], width: int = EXCERPT_CHARS) -> str:
    """The window of `body` with the most query words in it, whitespace folded."""
    text = " ".join(body.split())
    if len(text) <= width:
        return text
    words = {w[: max(4, len(w) - 2)] for t in terms for p in t.phrases for w in p.split()}
    lowered = text.lower()
    positions = sorted(m.start() for w in words for m in re.finditer(re.escape(w), lowered))
    if not positions:
        return text[: width - 1] + "…"
    best_start, best_count = positions[0], 0
    for i, start in enumerate(positions):
        count = sum(1 for p in positions[i:] if p < start + width)
        if count > best_count:
            best_start, best_count = start, count
    start = max(0, best_start - width // 5)
    space = text.rfind(" ", 0, start)
    start = space + 1 if space > 0 and start > 0 else start
    piece = text[start : start + width]
    return ("…" if start > 0 else "") + piece.rstrip() + ("…" if start + width < len(text) else "")


def render_hits(hits: list[Hit], terms: list[Term], query: str, rephrased: bool = False) -> str:
    if not hits:
        return (
            f"No docs section matches {query[:200]!r}. Try other words (the docs say 'span' for a request log and "
            "'customer' for an end user), a parameter name such as fallback_models, or also=[2-3 rewordings]."
        )
    blocks = []
    for n, hit in enumerate(hits, 1):
        crumb = hit.title if hit.breadcrumb in ("", hit.title) else f"{hit.title} › {hit.breadcrumb}"
        blocks.append(f"{n}. {crumb}\n   {hit.link}\n   {excerpt(hit.body, terms)}")
    footer = "Read a whole section with read_doc(url_or_path=<url above>)."
    if not rephrased and sum(1 for t in terms if not t.bigram and not t.identifier) >= 4:
        footer += " Not it? Ask again with also=[the feature's likely names]."  # a described goal or symptom
    return "\n".join(blocks) + "\n\n" + footer


def normalize_target(target: str) -> tuple[str, str]:
    """(page path, anchor) from a URL, a site path, a path with an extension, or `respan-docs://`."""
    target = target.strip()
    anchor = ""
    if "#" in target:
        target, anchor = target.split("#", 1)
    if target.startswith("respan-docs://"):
        target = target[len("respan-docs://") :]
    elif "://" in target:
        target = urlsplit(target).path
    path = re.sub(r"\.(mdx|md)$", "", target.strip().strip("/"))
    return path, anchor


def resolve(index: DocsIndex, target: str) -> tuple[PageRecord | None, str, list[str]]:
    """The page a target names, its anchor, and the closest pages when there is none."""
    path, anchor = normalize_target(target)
    candidates = [path]
    if path.startswith("docs/"):
        candidates.append(path[5:])  # a site URL like https://respan.ai/docs/<path>
    for candidate in candidates:
        page = index.page(candidate)
        if page is not None:
            return page, anchor, []
    known = index.paths()
    by_path = {p: (t, u) for p, t, u in known}
    # A unique suffix match finds a page from a shortened or moved path.
    tail = [p for p in by_path if p.endswith("/" + path) or path.endswith("/" + p)]
    if len(tail) == 1:
        return index.page(tail[0]), anchor, []
    close = difflib.get_close_matches(path, list(by_path), n=5, cutoff=0.45)
    titles = {t.lower(): p for p, (t, _) in by_path.items()}
    close += [titles[t] for t in difflib.get_close_matches(path.rsplit("/", 1)[-1].lower(), list(titles), n=3)]
    suggestions = list(dict.fromkeys(close))[:5]
    return None, anchor, suggestions


def section_text(page: PageRecord, section: str) -> str | None:
    """One section of a page and its subsections, by anchor or heading text."""
    wanted = slugify(section.lstrip("#"))
    sections = split_sections(page.markdown)
    for i, candidate in enumerate(sections):
        if candidate.anchor == wanted or slugify(candidate.heading) == wanted:
            parts = [f"{'#' * max(2, candidate.level)} {candidate.heading}\n\n{candidate.body}"]
            for follower in sections[i + 1 :]:
                if follower.anchor == candidate.anchor and follower.heading == candidate.heading:
                    parts.append(follower.body)  # a long section split for the index
                elif follower.level > candidate.level:
                    parts.append(f"{'#' * follower.level} {follower.heading}\n\n{follower.body}")
                else:
                    break
            return "\n\n".join(parts)
    return None


def page_part(text: str, offset: int, max_chars: int) -> tuple[str, int | None]:
    """`text[offset:]` up to `max_chars`, cut at a line end; and the next offset, if any."""
    if offset >= len(text):
        return "", None
    end = offset + max_chars
    if end >= len(text):
        return text[offset:], None
    cut = text.rfind("\n", offset, end)
    if cut <= offset + max_chars // 2:
        cut = end
    return text[offset:cut], cut
