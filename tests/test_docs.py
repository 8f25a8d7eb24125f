"""The docs pipeline: cleanup, chunking, query building, ranking, crawling, tools."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mcp import Client

from respan_mcp.docs.chunk import slugify, split_sections
from respan_mcp.docs.errors import FetchError
from respan_mcp.docs.fetch import Crawler, html_to_markdown, parse_llms_txt
from respan_mcp.docs.folder import load_folder
from respan_mcp.docs.mdx import clean_page
from respan_mcp.docs.query import fts_expression, parse_query
from respan_mcp.docs.rank import by_page, rerank
from respan_mcp.docs.records import Hit
from respan_mcp.docs.service import DocsService
from respan_mcp.docs.store import DocsIndex, build_index, pages_sharing_text
from respan_mcp.server import create_server
from tests.conftest import CORPUS, make_settings, text_of
from tests.docs_site_server import SITE, make_site
from tests.fake_respan import serve

# -- cleanup and chunking ------------------------------------------------------------------


def test_mdx_cleanup_keeps_what_matters() -> None:
    page = clean_page((SITE / "gateway" / "fallbacks.mdx").read_text())
    assert page.title == "Fallbacks and retries"
    assert page.description == "Keep answering when a provider fails."
    md = page.markdown
    assert "import {" not in md and "<Accordion" not in md and "<Note>" not in md
    assert "#### fallback_models\n`array`" in md  # a parameter is a heading of its own
    assert "**Python**" in md  # tab titles kept
    assert '```json\n{"fallback_models": ["gpt-4o", "claude-sonnet-4"]}\n```' in md  # code dedented, intact
    assert "```python\nclient.chat" in md  # line-highlight marker dropped, language kept
    assert "Retries happen on the gateway" in md


def test_cards_show_what_a_reader_sees() -> None:
    source = (
        '## Tracing\n\n<CardGroup cols={3}>\n<Card href="/integrations/tracing/mastra">\n'
        '  <img className="block" src="https://x/mastra.png" alt="Mastra" style={{\n    pointerEvents: \'none\'\n  }} />\n'
        '  <img className="hidden" src="https://x/mastra_dark.png" alt="Mastra" />\n</Card>\n'
        '<Card title="Online evaluation" href="/evals/online">\nRun evaluators on live traffic\n</Card>\n'
        '<Card href="/no-name"><img src="https://x/y.png" /></Card>\n</CardGroup>\n'
    )
    md = clean_page(source).markdown
    assert "- [Mastra](/integrations/tracing/mastra)\n" in md  # a logo card is named by its image's alt text
    assert md.count("Mastra") == 1 and "<img" not in md and "pointerEvents" not in md
    assert "- [Online evaluation](/evals/online)" in md and "Run evaluators on live traffic" in md
    assert "/no-name" not in md  # nothing a reader could read: nothing indexed


def test_code_blocks_are_never_rewritten() -> None:
    source = "## A\n\n```html\n<Note>keep me</Note>\nimport x from 'y'\n## not a heading\n```\n"
    md = clean_page(source).markdown
    assert "<Note>keep me</Note>\nimport x from 'y'\n## not a heading" in md
    assert [s.heading for s in split_sections(md)] == ["A"]


def test_sections_breadcrumbs_and_unique_anchors() -> None:
    md = "intro\n\n## Caching\n\ntext\n\n### Cache options\n\nmore\n\n## Caching\n\nagain\n"
    sections = split_sections(md)
    assert [(s.anchor, s.breadcrumb) for s in sections] == [
        ("", ""), ("caching", "Caching"), ("cache-options", "Caching › Cache options"), ("caching-1", "Caching")
    ]  # fmt: skip


def test_long_sections_are_bounded_without_splitting_code() -> None:
    code = "```python\n" + "x = 1\n" * 400 + "```"
    md = "## Big\n\n" + "\n\n".join(["word " * 150] * 10) + "\n\n" + code + "\n"
    sections = split_sections(md)
    assert len(sections) > 2
    assert all(s.body.count("```") % 2 == 0 for s in sections)


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [("Load balancing between models", "load-balancing-between-models"), ("`fallback_models`", "fallback_models"),
     ("4. Customize the message!", "4-customize-the-message"), ("Prompt & gateway", "prompt--gateway")],
)  # fmt: skip
def test_slug_rule(heading: str, anchor: str) -> None:
    assert slugify(heading) == anchor


# -- queries ------------------------------------------------------------------------------------


def test_identifiers_become_phrases_and_keywords() -> None:
    terms = {t.text: t for t in parse_query("how do I set fallback_models and X-Respan-Signature in respan.flush()?")}
    assert terms["fallback_models"].phrases[0] == "fallback models"
    assert terms["fallback_models"].keyword == "fallbackmodels"
    assert terms["X-Respan-Signature"].keyword == "xrespansignature"
    assert terms["respan.flush"].phrases[0] == "respan flush"
    assert "how" not in terms and "set" not in terms
    assert parse_query("useTracing")[0].phrases[0] == "use tracing"


def test_synonyms_come_from_the_docs_vocabulary() -> None:
    (log,) = parse_query("log")
    assert "span" in log.phrases


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_any_string_is_a_valid_query(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    index = _fixture_index(tmp_path_factory.getbasetemp())
    hits, _ = index.search(text)
    assert isinstance(hits, list)
    expression = fts_expression(parse_query(text))
    assert expression == "" or expression.count('"') % 2 == 0


_INDEXES: dict[str, DocsIndex] = {}


def _fixture_index(base: Path, use_fts: bool = True) -> DocsIndex:
    key = f"{base}-{use_fts}"
    if key not in _INDEXES:
        path = base / f"fixture-{use_fts}.sqlite3"
        build_index(load_folder(SITE), "fixture", path, use_fts=use_fts)
        _INDEXES[key] = DocsIndex(path)
    return _INDEXES[key]


# -- ranking on the fixture site --------------------------------------------------------------------


@pytest.fixture(params=[True, False], ids=["fts5", "python-bm25"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> DocsIndex:
    return _fixture_index(tmp_path, use_fts=request.param)


@pytest.mark.parametrize(
    ("query", "path", "anchor"),
    [
        ("how do I set fallback models?", "gateway/fallbacks", "fallback_models"),
        ("fallback_models", "gateway/fallbacks", "fallback_models"),
        ("what does disable_log drop?", "observe/logs", "disable_log"),
        ("X-Respan-Signature", "observe/webhooks", "verify-the-signature"),
        ("respan.flush()", "observe/logs", "flushing"),
        ("cache_by_customer", "gateway/caching", "cache_options"),
        ("one cache per user", "gateway/caching", "cache_options"),  # user -> customer synonym
        ("useTracing", "orphan", ""),
    ],
)
def test_ranking(index: DocsIndex, query: str, path: str, anchor: str) -> None:
    hits, _ = index.search(query)
    assert hits, query
    assert (hits[0].path, hits[0].anchor) == (path, anchor), [(h.path, h.anchor) for h in hits]


def test_alternate_phrasings_find_what_the_question_alone_cannot(index: DocsIndex) -> None:
    question = "avoid paying twice for the same question"
    assert index.search(question)[0] == []
    hits, terms = index.search(question, also=["response caching", "cache identical requests"])
    assert hits and hits[0].path == "gateway/caching", [(h.path, h.anchor) for h in hits]
    assert any(t.text == "caching" for t in terms)  # excerpts highlight what the alternates found
    # Each phrasing's own answer is computed afresh: the fused scores never leak into cached answers.
    assert index.search(question)[0] == []
    alone = [(h.path, h.anchor, h.score) for h in index.search("response caching")[0]]
    index.search("response caching", also=["fallback models"])
    assert [(h.path, h.anchor, h.score) for h in index.search("response caching")[0]] == alone


def test_alternate_phrasings_are_bounded(index: DocsIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = index.search_uncached

    def spy(query: str, limit: int = 5, per_page: int = 2):  # type: ignore[no-untyped-def]
        seen.append(query)
        return real(query, limit, per_page)

    monkeypatch.setattr(index, "search_uncached", spy)
    index.search("caching", also=["caching", "  ", "x" * 50_000, "fallback", "webhook", "logs", "more"])
    # the question itself, then at most 3 alternates (a copy of the question and blanks are not searched)
    assert seen[0] == "caching" and len(seen) <= 4
    assert all(len(q) <= 2_000 for q in seen) and "webhook" not in seen


def test_text_repeated_across_pages_counts_less() -> None:
    example = '```json\n{"detail": "Your API key is invalid or expired"}\n```'
    shared = pages_sharing_text([("a", example), ("b", example), ("c", " ".join(example.split())), ("d", "short")])
    assert shared == {" ".join(example.split()): 3}  # whitespace does not hide a copy; short texts never count
    hits = [
        Hit(i, path, f"u/{path}", "401", "Errors", "Errors › 401", example, score=1.0, repeats=repeats)
        for i, (path, repeats) in enumerate([("apis/create", 3), ("apis/list", 3), ("errors", 1)])
    ]
    ranked = rerank(hits, parse_query("invalid API key"), limit=3, per_page=1)
    assert ranked[0].path == "errors"


def test_sibling_pages_leave_room_for_other_folders() -> None:
    def hit(i: int, path: str, score: float) -> Hit:
        return Hit(i, path, f"u/{path}", "", path, path, "text", score=score)

    siblings = [hit(i, f"apis/testsets/{verb}", 2.0 - i / 10) for i, verb in enumerate(["create", "get", "update"])]
    ranked = by_page([*siblings, hit(9, "features/testsets", 1.0)], limit=3, per_page=1)
    assert [h.path for h in ranked] == ["apis/testsets/create", "apis/testsets/get", "features/testsets"]
    more = by_page([*siblings, hit(9, "features/testsets", 1.0)], limit=10, per_page=1)
    assert more[-1].path == "apis/testsets/update"  # still there, after the other folders


def test_boilerplate_is_dropped_and_pages_do_not_flood(index: DocsIndex) -> None:
    page = index.page("gateway/caching")
    assert page is not None and "Sign up" not in page.markdown and "Set up Respan" not in page.markdown
    hits, _ = index.search("caching cache cache_enabled cache_ttl", limit=10)
    assert sum(1 for h in hits if h.path == "gateway/caching") <= 2


def test_navigation_order_then_orphans() -> None:
    assert [p.path for p in load_folder(SITE)] == [
        "gateway/fallbacks", "gateway/caching", "observe/logs", "observe/webhooks", "orphan"
    ]  # fmt: skip


def test_atomic_replace_keeps_old_index_on_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "idx.sqlite3"
    build_index(load_folder(SITE), "first", path)
    pages = load_folder(SITE)

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("crash mid-build")

    monkeypatch.setattr("respan_mcp.docs.store.split_sections", boom)
    with pytest.raises(RuntimeError):
        build_index(pages, "second", path)
    assert DocsIndex(path).meta["source"] == "first"
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM pages").fetchone()[0] == 5


# -- the crawler against a local site ----------------------------------------------------------------


def test_parse_llms_txt() -> None:
    entries = parse_llms_txt("- [A](https://x.test/a.mdx): first\n* [B](/b)\nnot an entry\n- [A](https://x.test/a.mdx)",
                             "https://x.test/llms.txt")  # fmt: skip
    assert [(e.title, e.url, e.description) for e in entries] == [
        ("A", "https://x.test/a.mdx", "first"), ("B", "https://x.test/b", "")
    ]  # fmt: skip


def test_html_conversion_drops_chrome() -> None:
    from tests.docs_site_server import HTML_PAGE

    md = html_to_markdown(HTML_PAGE)
    assert "# HTML only page" in md and "## Customer budgets" in md
    assert "period_budget" in md and "customer_identifier" in md  # no escaped underscores
    assert "```python\nbudget = 10\n```" in md
    assert "Sidebar link" not in md and "var x" not in md and "footer" not in md


@pytest.mark.anyio
async def test_crawl_sync_and_incremental_resync(tmp_path: Path) -> None:
    app, _ = make_site()
    served = serve(app)
    try:
        settings = make_settings(tmp_path, docs_source=served.url + "/llms.txt")
        service = DocsService(settings)
        report = await service.sync()
        assert report.pages == 4 and report.fetched == 4
        assert any("Gone" in f or "gone" in f for f in report.failed)
        assert any("refused" in f and "elsewhere" in f for f in report.failed)
        index = service.index()
        assert index is not None
        paths = {p for p, _, _ in index.paths()}
        assert paths == {"docs/gateway/fallbacks", "docs/gateway/caching", "docs/html-only", "docs/observe/logs"}
        html_page = index.page("docs/html-only")
        assert html_page is not None and "period_budget" in html_page.markdown
        caching = index.page("docs/gateway/caching")
        assert caching is not None and caching.url == served.url + "/docs/gateway/caching"
        assert caching.title == "Caching"  # llms.txt titles win
        again = await service.sync()
        assert again.not_modified == 3 and again.fetched == 1  # only the HTML page has no ETag
    finally:
        served.stop()


@pytest.mark.anyio
async def test_unreachable_source_says_what_to_do(tmp_path: Path) -> None:
    crawler = Crawler("http://127.0.0.1:9/llms.txt", retries=0, timeout=2)
    with pytest.raises(FetchError, match="local docs folder"):
        await crawler.index()
    await crawler.aclose()


# -- tools through MCP -----------------------------------------------------------------------------


@pytest.fixture
async def docs_client(tmp_path: Path, mode: str):  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, docs_source=str(SITE), toolsets=["docs"])
    async with Client(create_server(settings), mode=mode) as client:
        yield client


@pytest.mark.anyio
async def test_search_docs_builds_on_first_use_then_answers(docs_client: Client) -> None:
    tools = {t.name: t for t in (await docs_client.list_tools()).tools}
    assert tools["search_docs"].annotations.read_only_hint is True  # type: ignore[union-attr]
    result = await docs_client.call_tool("search_docs", {"query": "what does disable_log drop?", "limit": 3})
    text = text_of(result)
    assert "Built the docs index just now" in text
    assert text.splitlines()[1].startswith("1. Logging › Disable logging › disable_log")
    assert "https://respan.ai/docs/observe/logs#disable_log" in text
    assert "only metrics are kept" in text
    assert result.structured_content["results"][0]["path"] == "observe/logs"
    again = text_of(await docs_client.call_tool("search_docs", {"query": "disable_log"}))
    assert "Built" not in again


@pytest.mark.anyio
async def test_search_docs_fuses_alternates_and_bounds_them(docs_client: Client) -> None:
    question = {"query": "avoid paying twice for the same question"}
    alone = await docs_client.call_tool("search_docs", question)
    assert alone.structured_content["results"] == []
    assert "also=[" in text_of(alone)  # the model is told how to try again
    fused = await docs_client.call_tool("search_docs", {**question, "also": ["response caching"]})
    assert fused.structured_content["results"][0]["path"] == "gateway/caching"
    assert "Not it?" not in text_of(fused)
    vague = await docs_client.call_tool("search_docs", {"query": "keep my app answering when a provider fails"})
    assert "Not it? Ask again with also=" in text_of(vague)
    exact = await docs_client.call_tool("search_docs", {"query": "fallback_models"})
    assert "Not it?" not in text_of(exact)
    too_many = await docs_client.call_tool("search_docs", {**question, "also": ["a", "b", "c", "d"]})
    assert too_many.is_error and "- also: List should have at most 3 items" in text_of(too_many)


@pytest.mark.anyio
async def test_read_doc_pages_sections_and_suggestions(docs_client: Client) -> None:
    text = text_of(await docs_client.call_tool("read_doc", {"url_or_path": "https://respan.ai/docs/gateway/caching"}))
    assert "# Caching\nhttps://respan.ai/docs/gateway/caching\n> Reuse answers" in text and "## Enable caching" in text
    section = text_of(await docs_client.call_tool("read_doc", {"url_or_path": "gateway/caching#enable-caching"}))
    assert "### Cache options" in section and "A second section" not in section
    missing = await docs_client.call_tool("read_doc", {"url_or_path": "gateway/cachin"})
    assert missing.is_error and "Closest pages: gateway/caching" in text_of(missing)
    no_section = await docs_client.call_tool("read_doc", {"url_or_path": "gateway/caching", "section": "nope"})
    assert no_section.is_error and "enable-caching" in text_of(no_section)
    resource = await docs_client.read_resource("respan-docs://observe/webhooks")
    assert "X-Respan-Signature" in resource.contents[0].text  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_read_doc_pages_long_text(tmp_path: Path) -> None:
    long_site = tmp_path / "site"
    long_site.mkdir()
    (long_site / "long.md").write_text("# Long\n\n" + "\n\n".join(f"Paragraph {i} " + "x" * 80 for i in range(400)))
    settings = make_settings(tmp_path, docs_source=str(long_site), toolsets=["docs"], max_result_tokens=1000)
    async with Client(create_server(settings)) as client:
        text = text_of(await client.call_tool("read_doc", {"url_or_path": "long"}))
        assert "continue with read_doc(url_or_path='long', offset=" in text
        offset = int(text.rsplit("offset=", 1)[1].rstrip(")]"))
        following = text_of(await client.call_tool("read_doc", {"url_or_path": "long", "offset": offset}))
        first_para = following.split("\n\n")[1].split()[1]
        assert int(first_para) > 0 and f"Paragraph {first_para} " not in text


@pytest.mark.anyio
async def test_offline_first_use_says_what_to_run(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, docs_source="http://127.0.0.1:9/llms.txt", toolsets=["docs"])
    async with Client(create_server(settings)) as client:
        result = await client.call_tool("search_docs", {"query": "anything"})
    assert result.is_error and "respan-mcp docs sync --source" in text_of(result)


# -- the real corpus --------------------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is not here")
def test_real_corpus_indexes_and_answers(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite3"
    counts = build_index(load_folder(CORPUS), str(CORPUS), path)
    assert counts["pages"] >= 300 and counts["boilerplate_blocks"] >= 1
    index = DocsIndex(path)
    hits, _ = index.search("how do I set fallback models?")
    assert any("fallback" in h.anchor for h in hits[:3])
    page = index.page("documentation/features/gateway/advanced-configuration")
    assert page is not None and "Set up Respan" not in page.markdown
    leftovers = []
    for path, _, _ in index.paths():
        record = index.page(path)
        assert record is not None
        in_code = False
        for line in record.markdown.splitlines():
            if line.startswith("```"):
                in_code = not in_code
            elif not in_code and re.search(r"<[A-Z][A-Za-z]+[\s>/]", line):
                leftovers.append(f"{path}: {line[:80]}")
    assert not leftovers, leftovers[:5]


@pytest.mark.anyio
async def test_unchanged_resync_keeps_the_index(tmp_path: Path) -> None:
    site = tmp_path / "md"
    site.mkdir()
    (site / "a.md").write_text("# A\n\nalpha text")
    (site / "b.md").write_text("# B\n\nbeta text")
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    def llms(request: Request) -> Response:
        return PlainTextResponse("- [A](/a.md): a\n- [B](/b.md): b")

    def page(request: Request) -> Response:
        name = request.path_params["name"]
        etag = f'"{name}"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304)
        return PlainTextResponse((site / name).read_text(), headers={"ETag": etag})

    served = serve(Starlette(routes=[Route("/llms.txt", llms), Route("/{name}", page)]))
    try:
        service = DocsService(make_settings(tmp_path, docs_source=served.url + "/llms.txt"))
        await service.sync()
        inode = service.path.stat().st_ino
        again = await service.sync()
        assert (again.fetched, again.not_modified, again.pages) == (0, 2, 2)
        assert service.path.stat().st_ino == inode  # not rebuilt
    finally:
        served.stop()


def test_mdx_comments_hiding_code_are_dropped() -> None:
    source = '## A\n\n{/* old example\n```bash\ncurl x\n``` */}\n\n<ParamField body="x" type="string">\nDoc.\n</ParamField>\n'
    md = clean_page(source).markdown
    assert "curl x" not in md and "#### x\n`string`" in md and "<ParamField" not in md


def test_component_only_and_embed_pages_are_findable(tmp_path: Path) -> None:
    from respan_mcp.docs.store import RawPage

    pages = [
        RawPage(path="support/status", url="https://x.test/status",
                text='---\ntitle: "Status"\ndescription: "Real-time status of Respan services"\n---\n\n'
                     '<iframe\n  src="https://status.respan.ai/"\n  style={{ border: "none" }}\n></iframe>\n'),
        RawPage(path="cards", url="https://x.test/cards",
                text='---\ntitle: "Overview"\ndescription: "Where to start with zebras"\n---\n<CardGroup></CardGroup>\n'),
    ]  # fmt: skip
    path = tmp_path / "index.sqlite3"
    build_index(pages, "fixture", path)
    index = DocsIndex(path)
    hits, _ = index.search("service status", limit=3)
    assert hits and hits[0].path == "support/status"
    assert "status.respan.ai" in (index.page("support/status").markdown or "")  # type: ignore[union-attr]
    zebra, _ = index.search("zebras", limit=3)
    assert zebra and zebra[0].path == "cards"
    index.close()


def test_a_question_about_a_difference_finds_the_comparison(tmp_path: Path) -> None:
    from respan_mcp.docs.store import RawPage

    pages = [
        RawPage(path="apis/traces", url="https://x.test/apis/traces",
                text="---\ntitle: Ingest traces from logs\n---\n\n## trace_unique_id\nThe trace a log belongs to; "
                     "every log of a trace shares it.\n\n## log_type\nThe type of the log in the trace.\n"),
        RawPage(path="concepts/data-model", url="https://x.test/concepts/data-model",
                text="---\ntitle: Data model\n---\n\n## Traces vs Logs\nA log is one request; a trace groups the "
                     "requests of one workflow.\n"),
    ]  # fmt: skip
    path = tmp_path / "index.sqlite3"
    build_index(pages, "fixture", path)
    index = DocsIndex(path)
    for question in ("what is the difference between a trace and a log", "how is a log different from a trace"):
        hits, _ = index.search(question, limit=3)
        assert hits and hits[0].path == "concepts/data-model", (question, [h.path for h in hits])
    index.close()


def test_set_up_is_one_idea() -> None:
    terms = {t.text: t for t in parse_query("Setting up an LLM evaluator")}
    assert "up" not in terms and "set up" in terms["setup"].phrases


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is not here")
def test_benchmark_question_sets_are_well_formed() -> None:
    import json

    bench = Path(__file__).parent / "benchmarks"
    alternates = json.loads((bench / "docs_alternates.json").read_text())["alternates"]
    pages = {p.path for p in load_folder(CORPUS)}
    seen: set[str] = set()
    for name in ("docs_eval", "docs_heldout", "docs_fresh", "docs_final", "docs_blind4"):
        for item in json.loads((bench / f"{name}.json").read_text())["questions"]:
            assert item["pages"] and set(item["pages"]) <= pages, (name, item["q"])  # labels name real pages
            assert 1 <= len(item.get("also") or alternates[item["q"]]) <= 3  # rewordings for every question
            assert item["q"] not in seen, item["q"]  # no question is in two sets
            seen.add(item["q"])


@pytest.mark.anyio
async def test_an_unchanged_folder_resync_reads_nothing_anew(tmp_path: Path) -> None:
    """Issue 23: re-syncing an unchanged local folder re-read and reported every page as downloaded."""
    import shutil

    from tests.docs_site_server import SITE

    folder = tmp_path / "docs"
    shutil.copytree(SITE, folder)
    service = DocsService(make_settings(tmp_path, docs_source=str(folder)))
    first = await service.sync()
    assert first.fetched == first.pages > 0
    built = service.path.stat().st_mtime_ns
    again = await service.sync()
    assert again.fetched == 0 and again.not_modified == first.pages and "0 read anew" in again.summary()
    page = next(p for p in folder.rglob("*.md*") if p.is_file())
    page.write_text(page.read_text() + "\n\nOne more line.\n")
    changed = await service.sync()
    assert changed.fetched == 1 and changed.not_modified == first.pages - 1
    assert service.path.stat().st_mtime_ns != built
    await service.aclose()
