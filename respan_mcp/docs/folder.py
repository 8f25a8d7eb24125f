"""A local docs folder (e.g. a checkout of the docs repo) as a source of pages.

Page order and the set of published pages come from `docs.json` / `mint.json` navigation
when present; pages the navigation does not list are added after it, in path order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from respan_mcp.docs.store import RawPage

DEFAULT_SITE = "https://respan.ai/docs"
NAV_FILES = ("docs.json", "mint.json")


def _nav_pages(node: Any) -> Iterator[str]:
    """Every page path in a Mintlify navigation tree, in order."""
    if isinstance(node, str):
        yield node.strip("/")
    elif isinstance(node, list):
        for item in node:
            yield from _nav_pages(item)
    elif isinstance(node, dict):
        for key in ("tabs", "anchors", "groups", "pages", "navigation", "versions", "languages", "dropdowns"):
            if key in node:
                yield from _nav_pages(node[key])


def navigation_order(root: Path) -> list[str]:
    for name in NAV_FILES:
        nav_file = root / name
        if nav_file.exists():
            try:
                data = json.loads(nav_file.read_text(encoding="utf-8"))
            except ValueError:
                continue
            seen: dict[str, None] = {}
            for path in _nav_pages(data.get("navigation", data)):
                seen.setdefault(path, None)
            return list(seen)
    return []


def load_folder(root: Path, site: str = DEFAULT_SITE) -> list[RawPage]:
    """All .md/.mdx pages under `root`, navigation order first."""
    files = {
        f.relative_to(root).with_suffix("").as_posix(): f
        for f in sorted(root.rglob("*"))
        if f.suffix in (".md", ".mdx") and f.is_file() and not any(p.startswith(".") for p in f.parts)
    }
    files = {path: f for path, f in files.items() if path.lower() not in ("readme", "license", "contributing")}
    order = [p for p in navigation_order(root) if p in files]
    order += sorted(set(files) - set(order))
    site = site.rstrip("/")
    return [
        RawPage(path=path, url=f"{site}/{path}", text=files[path].read_text(encoding="utf-8", errors="replace"))
        for path in order
    ]
