"""Hostile input, as an attacker would send it: every bound the server promises, tested.

Each test here failed before the bound it checks existed (see issue 9's findings).
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest
from mcp import Client

from respan_mcp.prompts.render import PromptRenderError, PromptVersion, render_version
from respan_mcp.server import create_server
from tests.conftest import make_settings, text_of
from tests.fake_respan import FakeRespan, _version

pytestmark = pytest.mark.anyio

HOSTILE_TEMPLATES = {
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "join of repeated list": "{{ (['x' * 1000000] * 3000)|join|length }}",
    "center filter": "{{ 'x'|center(2000000000) }}",
    "format filter width": "{{ '%02000000000d'|format(1) }}",
    "percent width": "{{ '%02000000000d' % 1 }}",
    "str.format width": "{{ '{:>2000000000}'.format(1) }}",
    "str.format nested width": "{{ '{:>{}}'.format(1, 2000000000) }}",
    "center method": "{{ 'x'.center(2000000000) }}",
    "concat doubling": "{% set ns = namespace(x='ab') %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}"
    "{% endfor %}{{ ns.x|length }}",
    "plus doubling": "{% set ns = namespace(x='ab') %}{% for i in range(40) %}{% set ns.x = ns.x + ns.x %}"
    "{% endfor %}{{ ns.x|length }}",
    "power tower": "{{ ((9**999)**999)**999 }}",
    "lipsum": "{{ lipsum(n=100000) }}",
    "macro recursion": "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "literal in loop": "{% for i in range(100000) %}" + "x" * 1000 + "{% endfor %}",
    "output in macro": "{% macro m() %}{% for i in range(20000) %}{{ 'y' * 100000 }}{% endfor %}{% endmacro %}"
    "{{ m()|length }}",
    "replace growth": "{{ ('x' * 900000)|replace('x', 'yy') }}",
    "expandtabs": "{{ 'a\tb'.expandtabs(2000000000) }}",
    "join method": "{{ ('x' * 1000000).join(['a'] * 1000) }}",
    "indent": "{{ 'x'|indent(2000000000, true) }}",
    "deep parse": "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}",
    "recursive loop": "{% for i in range(100000) recursive %}{{ loop(range(100000)) }}{% endfor %}",
}


async def _never(prompt_id: str, version: Any) -> PromptVersion:
    raise AssertionError("no child prompt here")


@pytest.mark.parametrize("template", list(HOSTILE_TEMPLATES.values()), ids=list(HOSTILE_TEMPLATES))
async def test_hostile_template_is_a_clear_error_quickly(template: str) -> None:
    version = PromptVersion("p_evil", 1, [{"role": "user", "content": template}], {}, {})
    started = time.monotonic()
    with pytest.raises(PromptRenderError) as caught:
        await render_version(version, {}, _never)
    assert time.monotonic() - started < 5
    assert "template" in str(caught.value)


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def test_hostile_templates_stay_small_in_memory() -> None:
    before = _rss_mb()
    for template in HOSTILE_TEMPLATES.values():
        version = PromptVersion("p_evil", 1, [{"role": "user", "content": template}], {}, {})
        with pytest.raises(PromptRenderError):
            await render_version(version, {}, _never)
    assert _rss_mb() - before < 200  # peak growth, over all of them (was 2-3 GB for one)


def _evil_fake(template: str) -> FakeRespan:
    fake = FakeRespan()
    fake.prompts["p_evil"] = {**fake.prompts["p_draft"], "id": "p_evil", "name": "Evil"}
    fake.versions["p_evil"] = [_version(1, [{"role": "user", "content": template}], True)]
    return fake


async def test_slow_template_does_not_stall_other_callers_and_stops(tmp_path: Any) -> None:
    fake = _evil_fake(HOSTILE_TEMPLATES["nested loops"].replace("{% endfor %}{% endfor %}", "{{ i }}{% endfor %}"
                                                                "{% endfor %}"))  # fmt: skip
    server = create_server(make_settings(tmp_path), transport=fake.transport())
    async with Client(server) as client:
        times: dict[str, float] = {}

        async def render() -> None:
            result = await client.call_tool("render_prompt", {"prompt_id": "p_evil"})
            times["render"] = time.monotonic()
            assert result.is_error and "to render" in text_of(result)

        async def other() -> None:
            await anyio.sleep(0.05)
            result = await client.call_tool("list_prompts", {"limit": 1})
            times["other"] = time.monotonic()
            assert not result.is_error

        started = time.monotonic()
        async with anyio.create_task_group() as group:
            group.start_soon(render)
            group.start_soon(other)
        assert times["other"] - started < 1.0  # answered while the template was still rendering
        assert times["render"] - started < 5.0
        cpu = time.process_time()
        await anyio.sleep(0.5)
        assert time.process_time() - cpu < 0.3  # no thread left burning CPU


async def test_unparseable_template_does_not_break_prompts_list(tmp_path: Any) -> None:
    fake = _evil_fake(HOSTILE_TEMPLATES["deep parse"])
    server = create_server(make_settings(tmp_path), transport=fake.transport())
    async with Client(server) as client:
        listed = await client.list_prompts()
        names = [p.name for p in listed.prompts]
        assert "p_evil" in names and "p_greet" in names
        result = await client.call_tool("render_prompt", {"prompt_id": "p_evil"})
        assert result.is_error and "nests too deeply" in text_of(result)


async def test_ordinary_templates_still_render() -> None:
    template = "{% for x in items|sort %}{{ loop.index }}. {{ x|title }}{{ ', ' if not loop.last }}{% endfor %}"
    version = PromptVersion("p", 1, [{"role": "user", "content": template + " {{ '{:,}'.format(12345678) }}"}],
                            {}, {"items": ["b", "a"]})  # fmt: skip
    rendered = await render_version(version, {}, _never)
    assert rendered.messages[0]["content"] == "1. A, 2. B 12,345,678"
