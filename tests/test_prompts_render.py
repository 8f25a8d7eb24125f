"""Golden vectors for the prompt renderer, written by hand from the documented rules."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from respan_mcp.prompts.render import (
    PromptRenderError,
    PromptVersion,
    merge_request,
    render_version,
    variables_of,
)

pytestmark = pytest.mark.anyio


def version(prompt_id: str, *contents: str, defaults: dict[str, Any] | None = None, number: int = 1,
            **params: Any) -> PromptVersion:  # fmt: skip
    messages = [{"role": "user", "content": c} for c in contents]
    return PromptVersion(prompt_id, number, messages, params, defaults or {}, deployed=True)


LIBRARY: dict[str, PromptVersion] = {}


async def load(prompt_id: str, number: int | str | None) -> PromptVersion:
    if prompt_id not in LIBRARY:
        raise PromptRenderError(f"no prompt {prompt_id}")
    return LIBRARY[prompt_id]


async def render(v: PromptVersion, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
    return await render_version(v, variables or {}, load, **kw)


async def test_plain_variables_filters_and_conditionals() -> None:
    v = version("p", "Hello {{ name|title }}!{% if vip %} VIP{% endif %} {{ items|join(', ') }} {{ n|round(2) }}")
    out = await render(v, {"name": "ada lovelace", "vip": True, "items": ["a", "b"], "n": 3.14159})
    assert out.messages[0]["content"] == "Hello Ada Lovelace! VIP a, b 3.14"
    assert out.used == ["items", "n", "name", "vip"] and not out.missing and not out.unused


async def test_defaults_fill_in_and_request_overrides_them() -> None:
    v = version("p", "{{ greeting }}, {{ who }}", defaults={"greeting": "Hi", "who": "there"})
    assert (await render(v)).messages[0]["content"] == "Hi, there"
    out = await render(v, {"who": "Bob"})
    assert out.messages[0]["content"] == "Hi, Bob" and out.defaults_used == ["greeting"]


async def test_missing_and_unused_are_named_and_strict_fails() -> None:
    v = version("p", "Dear {{ name }}, about {{ topic }}")
    out = await render(v, {"name": "Al", "extra": 1})
    assert out.messages[0]["content"] == "Dear Al, about "
    assert out.missing == ["topic"] and out.unused == ["extra"]
    with pytest.raises(PromptRenderError, match="needs variable"):
        await render(v, {"name": "Al"}, strict=True)


async def test_typed_variables() -> None:
    v = version("p", "Look: {{ pic }} then {{ data.user.name }} ({{ note }})")
    out = await render(v, {
        "pic": {"_type": "image_url", "value": "https://img.test/cat.png"},
        "data": {"_type": "json", "value": {"user": {"name": "Zoe"}}},
        "note": {"_type": "text", "value": "plain"},
    })  # fmt: skip
    assert out.messages[0]["content"] == [
        {"type": "text", "text": "Look: "},
        {"type": "image_url", "image_url": {"url": "https://img.test/cat.png"}},
        {"type": "text", "text": " then Zoe (plain)"},
    ]


async def test_plain_json_objects_allow_attribute_access() -> None:
    out = await render(version("p", "{{ input.city }}/{{ input['zip'] }}"), {"input": {"city": "Oslo", "zip": "0150"}})
    assert out.messages[0]["content"] == "Oslo/0150"


async def test_composition_flattens_child_and_records_it() -> None:
    LIBRARY["child"] = version("child", "Customer {{ customer }}", "Tier {{ tier }}")
    parent = version("parent", "Context:\n{{ ctx }}\nTask: {{ task }}")
    out = await render(
        parent,
        {
            "task": "refund",
            "ctx": {"_type": "prompt", "prompt_id": "child", "variables": {"customer": "Sarah", "tier": "gold"}},
        },
    )
    assert out.messages[0]["content"] == "Context:\nCustomer Sarah\n\nTier gold\nTask: refund"
    assert out.children == ["ctx <- child v1"]


async def test_composition_two_levels_ok_three_refused_cycles_refused() -> None:
    LIBRARY["leaf"] = version("leaf", "leaf {{ x }}")
    LIBRARY["mid"] = version("mid", "mid[{{ inner }}]")
    LIBRARY["deep"] = version("deep", "deep[{{ inner }}]")

    def ref(pid: str, inner: Any = None) -> dict[str, Any]:
        return {"_type": "prompt", "prompt_id": pid, "variables": {"inner": inner, "x": 1} if inner else {"x": 1}}

    two = await render(version("top", "{{ v }}"), {"v": ref("mid", ref("leaf"))})
    assert two.messages[0]["content"] == "mid[leaf 1]"
    with pytest.raises(PromptRenderError, match="deeper than 2"):
        await render(version("top", "{{ v }}"), {"v": ref("deep", ref("mid", ref("leaf")))})
    LIBRARY["loop"] = version("loop", "{{ again }}")
    with pytest.raises(PromptRenderError, match="circular"):
        await render(LIBRARY["loop"], {"again": {"_type": "prompt", "prompt_id": "loop"}})


async def test_unknown_type_is_refused() -> None:
    with pytest.raises(PromptRenderError, match="unknown _type"):
        await render(version("p", "{{ a }}"), {"a": {"_type": "audio", "value": "x"}})


@pytest.mark.parametrize(
    "template",
    ["{{ ''.__class__ }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "{{ cycler.__init__.__globals__ }}",
     "{{ self.__init__ }}", "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
     "{{ 'x' * 100000000 }}", "{{ 9 ** 99999 }}", "{{ {}.update(a=1) }}", "{{ [].append(1) }}"],
)  # fmt: skip
async def test_sandbox_escapes_fail_cleanly(template: str) -> None:
    with pytest.raises(PromptRenderError):
        await render(version("p", template))


async def test_syntax_errors_are_reported() -> None:
    with pytest.raises(PromptRenderError, match="syntax error"):
        await variables_of([{"role": "user", "content": "{% if x %}"}])


# -- merge rules ------------------------------------------------------------------------------


async def _base() -> Any:
    return await render(version("p", "prompt says hi", model="gpt-4o", temperature=0.2))


async def test_v1_override_decides_who_wins() -> None:
    body = {"temperature": 0.9, "max_tokens": 50}
    _, params = merge_request(await _base(), request_params=body, override=True)
    assert params == {"temperature": 0.2, "max_tokens": 50, "model": "gpt-4o"}
    _, params = merge_request(await _base(), request_params=body, override=False)
    assert params == {"model": "gpt-4o", "temperature": 0.9, "max_tokens": 50}
    rendered = await _base()
    _, params = merge_request(rendered, request_params=body)
    assert params["temperature"] == 0.9 and any("override" in n for n in rendered.notes)


async def test_v1_override_params_and_message_modes() -> None:
    extra = [{"role": "user", "content": "more"}]
    messages, params = merge_request(await _base(), override_params={"temperature": 0.5, "messages": extra},
                                     override_config={"messages_override_mode": "append"})  # fmt: skip
    assert [m["content"] for m in messages] == ["prompt says hi", "more"] and params["temperature"] == 0.5
    messages, _ = merge_request(await _base(), override_params={"messages": extra},
                                override_config={"messages_override_mode": "override"})  # fmt: skip
    assert [m["content"] for m in messages] == ["more"]
    with pytest.raises(PromptRenderError, match="messages_override_mode"):
        merge_request(await _base(), override_params={"messages": extra},
                      override_config={"messages_override_mode": "prepend"})  # fmt: skip


async def test_v1_ignores_request_messages_and_patch() -> None:
    rendered = await _base()
    messages, params = merge_request(rendered, request_messages=[{"role": "user", "content": "x"}],
                                     patch={"temperature": 1.5})  # fmt: skip
    assert [m["content"] for m in messages] == ["prompt says hi"] and params["temperature"] == 0.2
    assert len(rendered.notes) == 3


async def test_v2_prompt_wins_messages_appended_patch_applies() -> None:
    messages, params = merge_request(
        await _base(), schema_version=2, request_messages=[{"role": "user", "content": "runtime turn"}],
        request_params={"temperature": 0.9, "seed": 7}, patch={"max_tokens": 500},
    )  # fmt: skip
    assert [m["content"] for m in messages] == ["prompt says hi", "runtime turn"]
    assert params == {"temperature": 0.2, "seed": 7, "model": "gpt-4o", "max_tokens": 500}
    with pytest.raises(PromptRenderError, match="must not contain messages"):
        merge_request(await _base(), schema_version=2, patch={"messages": []})


# -- properties ---------------------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                      max_leaves=8)  # fmt: skip


FRAGMENTS = st.sampled_from(["{{", "}}", "{%", "%}", "{#", "#}", " if ", " for x in ", " endfor ", " endif ", "name",
                              "|upper", "|join(', ')", ".", "[0]", "__class__", "(", ")", "'", '"', " ", "x", "1",
                              "range(5)", "*", "**", "~", "loop.index", "+"])  # fmt: skip
TEMPLATES = TEXT | st.lists(FRAGMENTS, max_size=14).map("".join)


@given(template=TEMPLATES, variables=st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), VALUES, max_size=4))
@settings(max_examples=300, deadline=None)
async def test_rendering_raises_only_our_error(template: str, variables: dict[str, Any]) -> None:
    try:
        out = await render(version("p", template), variables)
    except PromptRenderError:
        return
    assert isinstance(out.messages[0]["content"], (str, list))
