"""A local docs folder (e.g. a checkout of the docs repo) as a source of pages.

Page order and the set of published pages come from `docs.json` / `mint.json` navigation
when present; pages the navigation does not list are added after it, in path order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from respan_mcp.docs.limits import MAX_FILE_BYTES, MAX_PAGES, MAX_TOTAL_BYTES
from respan_mcp.docs.records import RawPage

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


@dataclass
class FolderRead:
    pages: list[RawPage] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "path (why)"


def _page_files(root: Path, skipped: list[str]) -> dict[str, Path]:
    """Page files that really live inside `root`: links that lead out of it are skipped (a folder
    holding `environ.md -> /proc/self/environ` must not publish the server's environment)."""
    real_root = root.resolve()
    files: dict[str, Path] = {}
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            f = Path(folder) / name
            if f.suffix not in (".md", ".mdx") or name.startswith("."):
                continue
            rel = f.relative_to(root).as_posix()
            try:
                real = f.resolve(strict=True)
            except (OSError, RuntimeError):
                skipped.append(f"{rel} (unreadable link)")
                continue
            if not real.is_relative_to(real_root):
                skipped.append(f"{rel} (links outside the folder)")
            elif not real.is_file():
                skipped.append(f"{rel} (not a regular file)")
            elif real.stat().st_size > MAX_FILE_BYTES:
                skipped.append(f"{rel} (larger than {MAX_FILE_BYTES:,} bytes)")
            else:
                files[f.relative_to(root).with_suffix("").as_posix()] = real
    return files


def read_folder(root: Path, site: str = DEFAULT_SITE) -> FolderRead:
    """All .md/.mdx pages under `root`, navigation order first, within the page and byte limits."""
    read = FolderRead()
    files = _page_files(root, read.skipped)
    files = {path: f for path, f in files.items() if path.lower() not in ("readme", "license", "contributing")}
    order = [p for p in navigation_order(root) if p in files]
    order += sorted(set(files) - set(order))
    site = site.rstrip("/")
    total = 0
    for n, path in enumerate(order):
        if n >= MAX_PAGES or total > MAX_TOTAL_BYTES:
            read.skipped.append(f"{len(order) - n} more pages (over {MAX_PAGES:,} pages or {MAX_TOTAL_BYTES:,} bytes)")
            break
        text = files[path].read_text(encoding="utf-8", errors="replace")
        total += len(text)
        read.pages.append(RawPage(path=path, url=f"{site}/{path}", text=text))
    return read


def load_folder(root: Path, site: str = DEFAULT_SITE) -> list[RawPage]:
    return read_folder(root, site).pages
