"""MDX/Markdown cleanup: front matter out, components turned into plain Markdown, code kept intact.

Parameter names in the Respan docs often live only in tag attributes
(`<ParamField body="fallback_models" type="array">`), so those become headings of their own;
titles of tabs, steps, accordions and cards are kept; every other tag is dropped with its
text kept. Code blocks are never touched except to undo the indentation of their fence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
# A JSX/HTML tag, possibly over several lines; `{...}` attribute values may hold `>`.
BRACED = r"\{(?:[^{}]|\{[^{}]*\})*\}"  # a JSX expression, one level of nesting: default={{}}, style={{...}}
TAG = re.compile(rf"<(/?)([A-Za-z][\w.]*)((?:\s+(?:[^<>{{}}\"']|\"[^\"]*\"|'[^']*'|{BRACED})*)?)\s*(/?)>", re.S)
ATTR = re.compile(rf"([\w-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|({BRACED}))|\s([\w-]+)(?=\s|$)")
CARD = re.compile(rf"<Card\b((?:[^<>{{}}\"']|\"[^\"]*\"|'[^']*'|{BRACED})*)>(.*?)</Card>", re.S)
PARAM_TAGS = {"ParamField", "ResponseField", "Property"}
TITLED_TAGS = {"Accordion", "Tab", "Step", "Expandable", "Update", "Callout"}
HTML_TAGS = {
    "div", "span", "img", "video", "iframe", "br", "hr", "p", "a", "b", "i", "em", "strong", "u", "sup", "sub",
    "table", "thead", "tbody", "tr", "td", "th", "source", "picture", "figure", "figcaption", "details", "summary",
    "center", "small", "code", "pre", "ul", "ol", "li", "svg", "path",
}  # fmt: skip
IMPORT_LINE = re.compile(r"^\s*(import\s.+\sfrom\s.+|import\s+['\"].+['\"];?|export\s+(const|default|function)\s.*)$")


@dataclass(frozen=True)
class CleanPage:
    title: str
    description: str
    markdown: str
    api: str = ""


def parse_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Simple `key: value` front matter (all the docs use) and the text after it."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t", "-")):
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            meta[key.strip()] = value
    return meta, text[match.end() :]


def attributes(raw: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in ATTR.finditer(raw):
        if match.group(5):
            found[match.group(5)] = "true"
        else:
            value = next(v for v in match.group(2, 3, 4) if v is not None)
            if match.group(4) is not None:
                value = value[1:-1]  # {true} -> true, {"x"} -> "x"
            found[match.group(1)] = value.strip()
    return found


def _param_heading(attrs: dict[str, str]) -> str:
    name = next((attrs[k] for k in ("body", "query", "path", "header", "name", "param", "field") if attrs.get(k)), "")
    if not name:
        return "\n"
    facts = [f"`{attrs['type']}`"] if attrs.get("type") else []
    if attrs.get("required") in ("true", "True"):
        facts.append("required")
    if attrs.get("default"):
        facts.append(f"default: `{attrs['default'].strip(chr(34))}`")
    where = next((k for k in ("body", "query", "path", "header") if attrs.get(k)), "")
    if where:
        facts.append(f"in {where}")
    return f"\n#### {name}\n{' · '.join(facts)}\n" if facts else f"\n#### {name}\n"


def _replace_tag(match: re.Match[str]) -> str:
    closing, name, raw, _ = match.groups()
    if name in PARAM_TAGS:
        return "\n" if closing else _param_heading(attributes(raw or ""))
    if closing:
        return "\n" if name[0].isupper() or name in ("div", "p", "br", "table", "tr") else ""
    attrs = attributes(raw or "")
    if name in TITLED_TAGS and attrs.get("title"):
        return f"\n**{attrs['title']}**\n"
    if name == "Card" and attrs.get("title"):
        href = attrs.get("href")
        return f"\n- [{attrs['title']}]({href}): " if href else f"\n**{attrs['title']}**\n"
    if name == "img" and attrs.get("alt"):
        return ""
    if name in ("iframe", "video") and (attrs.get("title") or attrs.get("src")):
        # A page that only embeds another site says so: a reader sees that much.
        return f"\n(embedded: {attrs.get('title') or attrs['src']})\n"
    if name[0].isupper() or name in HTML_TAGS:
        return "\n" if name[0].isupper() else ""
    return match.group(0)  # `<T>` in prose, placeholders like `<your key>`: not markup


def _name_logo_cards(text: str) -> str:
    """A card that is only a linked logo shows the reader a name (its image's alt text): give it that title."""

    def titled(match: re.Match[str]) -> str:
        attrs = attributes(match.group(1) or "")
        if attrs.get("title") or not attrs.get("href"):
            return match.group(0)
        images = (attributes(t.group(3) or "") for t in TAG.finditer(match.group(2)) if t.group(2) == "img")
        alt = next((a["alt"].replace('"', "") for a in images if a.get("alt")), "")
        if not alt:
            return match.group(0)
        href = attrs["href"].replace('"', "")
        return f'<Card title="{alt}" href="{href}">{match.group(2)}</Card>'

    return CARD.sub(titled, text)


def _clean_prose(segment: str) -> str:
    lines = [line for line in segment.splitlines() if not IMPORT_LINE.match(line)]
    text = "\n".join(lines)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"\{/\*.*?\*/\}", "", text, flags=re.S)  # MDX comments
    text = _name_logo_cards(text)
    text = TAG.sub(_replace_tag, text)
    text = re.sub(r"^(\s*- \[[^\]\n]*\]\([^)\n]*\)):\s*$", r"\1", text, flags=re.M)  # a card with no text
    out: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        # Indentation inside components is layout, not Markdown structure; keep list nesting shallow.
        indent = len(line) - len(line.lstrip())
        if re.match(r"^([-*+]|\d+\.)\s", stripped) and indent >= 2 and out and out[-1].lstrip()[:1] in "-*+0123456789":
            out.append("  " + stripped)
        else:
            out.append(stripped)
    return "\n".join(out)


def drop_mdx_comments(text: str) -> str:
    """Remove `{/* ... */}` comments that start a line outside code; they may hide whole code blocks."""
    kept: list[str] = []
    in_code = in_comment = False
    for line in text.splitlines():
        stripped = line.strip()
        if in_comment:
            in_comment = "*/}" not in stripped
            continue
        if not in_code and stripped.startswith("{/*"):
            in_comment = "*/}" not in stripped
            continue
        if FENCE.match(line):
            in_code = not in_code
        kept.append(line)
    return "\n".join(kept)


def clean_markdown(text: str) -> str:
    """Markdown with components resolved, code blocks intact, blank runs folded."""
    text = drop_mdx_comments(text)
    out: list[str] = []
    prose: list[str] = []
    fence: tuple[str, int] | None = None  # (marker, indent) of the open code block
    for line in text.splitlines():
        match = FENCE.match(line)
        if fence is None:
            if match:
                out.append(_clean_prose("\n".join(prose)))
                prose = []
                indent, marker, info = match.groups()
                fence = (marker, len(indent))
                # Keep the language; drop Mintlify extras such as line highlights `{13-19}` or tab titles.
                language = info.strip().split(" ", 1)[0] if info.strip() and not info.strip().startswith("{") else ""
                out.append(f"{marker}{language}")
            else:
                prose.append(line)
        else:
            marker, indent_width = fence
            if match and match.group(2).startswith(marker[0] * len(marker)) and not match.group(3).strip():
                out.append(marker)
                fence = None
            else:
                lead = len(line) - len(line.lstrip(" "))
                out.append(line[min(lead, indent_width) :])
    if fence is not None:
        out.append(fence[0])  # close a block the author left open
    out.append(_clean_prose("\n".join(prose)))
    joined = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", joined).strip() + "\n"


def clean_page(text: str, fallback_title: str = "") -> CleanPage:
    meta, body = parse_front_matter(text)
    markdown = clean_markdown(body)
    title = meta.get("title") or meta.get("sidebarTitle") or ""
    if not title:
        first = re.search(r"^#\s+(.+)$", markdown, re.M)
        title = first.group(1).strip() if first else fallback_title
    return CleanPage(title=title, description=meta.get("description", ""), markdown=markdown, api=meta.get("api", ""))
