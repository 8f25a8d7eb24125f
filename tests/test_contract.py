"""The tool contract (issue 11): what every client and model sees, in both protocol eras."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import PromptReference

from respan_mcp.contract import portable
from respan_mcp.server import create_server
from tests.conftest import make_settings, text_of
from tests.fake_respan import FakeRespan, _version

pytestmark = pytest.mark.anyio


def _walk(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for name, sub in value.items():
                    found += _walk(sub, f"{path}.{name}")
            elif isinstance(value, (dict, list)):
                found += _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for item in node:
            found += _walk(item, path)
    return found


async def test_every_input_schema_is_portable(client: Client) -> None:
    for tool in (await client.list_tools()).tools:
        for where, node in _walk(tool.input_schema):
            label = f"{tool.name}{where}"
            assert "$ref" not in node and "$defs" not in node and "title" not in node, label
            assert node.get("default", 0) is not None, label
            assert all(v.get("type") != "null" for v in node.get("anyOf", [])), label
            assert not isinstance(node.get("type"), list), label  # Gemini takes one type per node
            if node.get("type") == "object":
                assert node.get("properties"), label
                assert "additionalProperties" not in node, label
            assert all(isinstance(v, str) for v in node.get("enum", [])), label
        for name, prop in tool.input_schema["properties"].items():
            assert prop.get("description"), f"{tool.name}.{name} has no description"


def test_free_form_maps_become_json_text() -> None:
    schema = {"type": "object", "properties": {
        "meta": {"anyOf": [{"type": "object", "additionalProperties": True}, {"type": "null"}], "default": None,
                 "description": "Key-values", "title": "Meta"},
        "rows": {"type": "array", "items": {"type": "object"}, "description": "Rows"},
        "mode": {"enum": [1, 2], "type": "integer", "description": "Mode"}}}  # fmt: skip
    out = portable(schema)["properties"]
    assert out["meta"] == {"type": "string", "description": "Key-values (a JSON object)"}
    assert out["rows"] == {"type": "string", "description": "Rows (a JSON array)"}
    assert out["mode"] == {"type": "integer", "minimum": 1, "maximum": 2, "description": "Mode"}


async def test_json_text_and_real_objects_are_both_accepted(client: Client, fake: FakeRespan) -> None:
    for metadata in ('{"feature": "checkout"}', {"feature": "checkout"}):
        result = await client.call_tool("search_logs", {"since": "7d", "metadata": metadata, "limit": 1})
        assert not result.is_error, text_of(result)
        assert fake.last("/request-logs/list").body["filters"]["metadata__feature"]["value"] == ["checkout"]


async def test_argument_errors_are_one_line_per_argument(client: Client) -> None:
    result = await client.call_tool("search_logs", {"bogus": 1, "limit": "many", "min_cost": -1})
    text = text_of(result)
    assert result.is_error and text.startswith("Invalid arguments:")
    assert "- unknown argument(s) bogus; valid: since, start_time" in text
    assert "- limit:" in text and "- min_cost:" in text
    assert "pydantic" not in text and "For further information" not in text and "Error executing" not in text


async def test_mcp_prompt_arguments_are_parsed_as_json(tmp_path: Any) -> None:
    fake = FakeRespan()
    fake.prompts["p_invoice"] = {**fake.prompts["p_draft"], "id": 998, "prompt_id": "p_invoice", "name": "Invoice"}
    fake.versions["p_invoice"] = [_version(1, [{"role": "user", "content": "Invoice {{ invoice.number }}"}], True,
                                           variables={"invoice": {"number": "INV-1"}})]  # fmt: skip
    async with Client(create_server(make_settings(tmp_path), transport=fake.transport())) as client:
        got = await client.get_prompt("p_invoice", {"invoice": '{"number": "INV-9"}', "invoce": "x"})
        assert got.messages[0].content.text == "Invoice INV-9"
        assert "misspelled?): invoce" in (got.description or "")
        done = await client.complete(PromptReference(name="p_invoice"), {"name": "invoice", "value": ""})
        assert done.completion.values == ['{"number": "INV-1"}']  # JSON text, not a Python repr
        listed = {p.name: p for p in (await client.list_prompts()).prompts}
        assert "default (JSON)" in (listed["p_invoice"].arguments[0].description or "")


async def test_missing_resources_answer_resource_not_found(tmp_path: Any, fake: FakeRespan) -> None:
    from tests.test_attacks import SITE

    server = create_server(make_settings(tmp_path, docs_source=str(SITE)), transport=fake.transport())
    for mode, code in (("legacy", -32002), ("2026-07-28", -32602)):  # the code changed with SEP-2164
        async with Client(server, mode=mode) as client:
            for uri in ("respan-prompt://nope", "respan-docs://nope/nothing", "nothing://here"):
                with pytest.raises(MCPError) as caught:
                    await client.read_resource(uri)
                assert caught.value.error.code == code, (mode, uri)
                assert caught.value.error.data == {"uri": uri}
                assert caught.value.error.message.count("nope") <= 1  # no doubled prefix
    async with Client(server) as client:
        uris = [str(r.uri) for r in (await client.list_resources()).resources]
        assert "respan-docs://gateway/fallbacks" in uris and "respan-prompt://p_greet" in uris


async def test_prompts_get_error_is_not_doubled(client: Client) -> None:
    with pytest.raises(MCPError) as caught:
        await client.get_prompt("nope", {})
    assert caught.value.error.message.count("'nope'") == 1


async def test_resources_list_offers_prompts(client: Client) -> None:
    uris = [str(r.uri) for r in (await client.list_resources()).resources]
    assert "respan-prompt://p_greet" in uris


def test_json_looking_text_stays_text_unless_the_variable_is_structured() -> None:
    from respan_mcp.prompts.surfaces import parse_arguments

    templates = "Invoice {{ invoice.number }} for {{ note }}; {% for i in items %}{{ i }}{% endfor %}"
    values = parse_arguments({"invoice": '{"number": "INV-9"}', "note": '{"raw": true}', "items": "[1, 2]",
                              "cfg": '{"a": 1}'}, {"cfg": {"a": 0}}, templates)  # fmt: skip
    assert values == {"invoice": {"number": "INV-9"}, "note": '{"raw": true}', "items": [1, 2], "cfg": {"a": 1}}
