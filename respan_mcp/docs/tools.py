"""MCP skin of the docs capability: search_docs, read_doc and the respan-docs:// resources."""

from typing import TYPE_CHECKING, Annotated, Any

import anyio
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, Resource
from pydantic import BaseModel, Field

from respan_mcp.annotations import READ_ONLY_LOCAL as READ_ONLY
from respan_mcp.config import DOCS_STALE_AFTER_DAYS
from respan_mcp.docs.errors import FetchError
from respan_mcp.errors import NotFoundError
from respan_mcp.output import budget_chars
from respan_mcp.redact import scrub_held
from respan_mcp.resource_list import add_resource_lister
from respan_mcp.state import AppState, app_state, held_secrets, reply
from respan_mcp.surface_errors import not_found_or_invalid

# The index code (sqlite3, the cleaners, the crawler) loads on the first docs call, not at start-up.
if TYPE_CHECKING:
    from respan_mcp.docs.store import DocsIndex


class DocResult(BaseModel):
    title: str
    section: str
    url: str
    path: str
    excerpt: str


class ReadDocOutput(BaseModel):
    title: str
    url: str
    path: str
    section: str | None = None
    text: str
    offset: int
    next_offset: int | None = None
    total_chars: int


class SearchDocsOutput(BaseModel):
    query: str
    results: list[DocResult]
    index_source: str | None = None
    index_age_days: float | None = None


async def _index(ctx: Context) -> tuple["DocsIndex", str]:
    """The index (building it on first use, with progress); and a note about its freshness."""
    service = app_state(ctx).docs

    async def progress(done: int, total: int, title: str) -> None:
        await ctx.report_progress(done, total, f"indexing the Respan docs: {title}")

    try:
        index, report = await service.ensure(progress)
    except FetchError as exc:
        raise ToolError(
            f"The Respan docs index does not exist yet and could not be built: {exc} "
            "Run `respan-mcp docs sync --source <docs folder or llms.txt URL>` where the docs are reachable."
        ) from None
    note = f"(Built the docs index just now: {report.summary()}.)\n" if report else ""
    if index.age_days() > DOCS_STALE_AFTER_DAYS:
        note += f"(The docs index is {index.age_days():.0f} days old; `respan-mcp docs sync` refreshes it.)\n"
    return index, note


async def search_docs(
    ctx: Context,
    query: Annotated[
        str,
        Field(description="A question or keywords, e.g. 'how do I set fallback models', 'disable_log'"),
    ],
    limit: Annotated[int, Field(ge=1, le=20, description="Sections to return")] = 5,
    also: Annotated[
        list[str] | None,
        Field(
            max_length=3,
            description="Up to 3 rewordings in the docs' terms (feature names for a goal/symptom); fused",
        ),
    ] = None,
) -> Annotated[CallToolResult, SearchDocsOutput]:
    from respan_mcp.docs.query import MAX_QUERY_CHARS, MAX_TERMS, query_was_cut
    from respan_mcp.docs.render import excerpt, render_hits
    from respan_mcp.docs.store import PER_PAGE, as_dict

    index, note = await _index(ctx)
    hits, terms = await anyio.to_thread.run_sync(index.search, query, limit, PER_PAGE, also or ())
    results = [DocResult(**as_dict(h, excerpt(h.body, terms))) for h in hits]
    text = note + render_hits(hits, terms, query, rephrased=bool(also))
    if query_was_cut(query, terms):
        text += f"\n(The query was long: only its first {MAX_TERMS} terms or {MAX_QUERY_CHARS:,} characters were used.)"

    output = SearchDocsOutput(
        query=query[:MAX_QUERY_CHARS],
        results=results,
        index_source=index.meta.get("source"),
        index_age_days=round(index.age_days(), 2),
    )
    return reply(ctx, text, output.model_dump(), more="ask for fewer results with limit")


async def read_doc(
    ctx: Context,
    url_or_path: Annotated[
        str,
        Field(description="A URL or path from search_docs; a #anchor selects a section"),
    ],
    section: Annotated[str | None, Field(description="Only this section (anchor or heading)")] = None,
    offset: Annotated[int, Field(ge=0, description="Character offset to continue from")] = 0,
) -> Annotated[CallToolResult, ReadDocOutput]:
    from respan_mcp.docs.render import page_part, resolve, section_text

    index, note = await _index(ctx)
    page, anchor, suggestions = resolve(index, url_or_path)
    if page is None:
        hint = ("Closest pages: " + ", ".join(suggestions) + ".") if suggestions else "Use search_docs to find it."
        raise ToolError(f"No docs page {url_or_path!r}. {hint}")
    wanted = section or anchor
    body = page.markdown
    if wanted:
        found = section_text(page, wanted)
        if found is None:
            names = ", ".join(a for a, _, _ in page.sections[:40])
            raise ToolError(f"Page {page.path!r} has no section {wanted!r}. Its sections: {names}.")
        body = found
    header = f"# {page.title}\n{page.url}{('#' + anchor) if wanted and anchor else ''}\n"
    if page.description and not wanted:
        header += f"> {page.description}\n"
    max_chars = budget_chars(app_state(ctx).settings.max_result_tokens) - len(header) - 300
    part, next_offset = page_part(body, offset, max_chars)
    if not part:
        raise ToolError(f"offset={offset} is past the end of this text ({len(body)} characters).")
    text = f"{note}{header}\n{part}"
    if next_offset is not None:
        args = f"url_or_path={url_or_path!r}" + (f", section={section!r}" if section else "")
        text += (
            f"\n\n[part of the text: characters {offset}-{next_offset} of {len(body)}; "
            f"continue with read_doc({args}, offset={next_offset})]"
        )
    output = ReadDocOutput(title=page.title, url=page.url, path=page.path, section=wanted or None, text=part,
                           offset=offset, next_offset=next_offset, total_chars=len(body))  # fmt: skip
    return reply(ctx, text, output.model_dump())


LISTED_PAGES = 50


async def _listed_pages(state: AppState) -> list[Resource]:
    """The docs' first pages in navigation order, when an index exists (listing never builds one)."""
    index = state.docs.index()
    if index is None:
        return []
    return [
        Resource(uri=f"respan-docs://{path}", name=path, title=title, mime_type="text/markdown")
        for path, title, _ in index.paths()[:LISTED_PAGES]
    ]


def register(server: MCPServer, *, read_only: bool) -> None:
    server.add_tool(
        search_docs,
        name="search_docs",
        title="Search the Respan docs",
        description="Search the Respan docs (local index): sections that answer, with links and excerpts. For how-to "
        "questions, parameters (fallback_models), SDK calls, headers, errors.",
        annotations=READ_ONLY,
    )
    server.add_tool(
        read_doc,
        name="read_doc",
        title="Read a Respan docs page",
        description="Read a Respan docs page or one section as Markdown, in parts (the last line says how to "
        "continue).",
        annotations=READ_ONLY,
    )

    add_resource_lister(server, _listed_pages)

    @server.resource(
        "respan-docs://{+path}",
        name="respan-docs",
        title="Respan docs page",
        description="A page of the Respan docs as Markdown, e.g. respan-docs://documentation/features/gateway/setup",
        mime_type="text/markdown",
    )
    async def docs_page(path: str, ctx: Context) -> str:
        from respan_mcp.docs.render import resolve

        state: Any = ctx.request_context.lifespan_context
        with not_found_or_invalid(f"respan-docs://{path}", ctx.protocol_version):
            index, _ = await state.docs.ensure()
            page, _, suggestions = resolve(index, path)
            if page is None:
                raise NotFoundError(f"No docs page {path!r}. Closest: {', '.join(suggestions) or 'none'}.")
        return scrub_held(f"# {page.title}\n{page.url}\n\n{page.markdown}", held_secrets(state.settings))
