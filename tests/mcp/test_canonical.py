"""Canonical JSON: formatting normalised, content exact."""

from __future__ import annotations

import pytest

from threatvec.mcp.canonical import (
    canonical_json,
    hash_value,
    server_hash,
    tool_body_hash,
    tool_field_hashes,
    tool_hash,
)


def test_formatting_is_normalised() -> None:
    assert (
        canonical_json({"b": 1.0, "a": [1, {"y": None, "x": "é"}]})
        == '{"a":[1,{"x":"é","y":null}],"b":1}'
    )
    assert hash_value({"a": 1, "b": 2}) == hash_value({"b": 2, "a": 1.0})
    assert hash_value({"a": 1}).startswith("sha256:") and len(hash_value({})) == 7 + 64


def test_string_content_is_exact() -> None:
    assert hash_value("a b") != hash_value("a  b")
    assert hash_value("Cafe\u0301") != hash_value("Café")  # no Unicode normalisation
    assert hash_value("x\u200b") != hash_value("x")
    assert hash_value("\ud800") != hash_value("")  # lone surrogates still hash


def test_non_json_values_are_refused() -> None:
    with pytest.raises(ValueError):
        canonical_json(float("nan"))
    with pytest.raises(TypeError):
        canonical_json({1: "x"})
    with pytest.raises(TypeError):
        canonical_json(object())


def test_tool_hashes() -> None:
    tool = {"name": "t", "description": "d", "inputSchema": {"type": "object"}, "_meta": {"k": 1}}
    same = {"name": "t", "description": "d", "inputSchema": {"type": "object"}, "title": None}
    assert tool_hash(tool) == tool_hash(same)  # _meta ignored, null == missing
    renamed = {**same, "name": "u"}
    assert tool_hash(renamed) != tool_hash(same) and tool_body_hash(renamed) == tool_body_hash(same)
    fields = tool_field_hashes({**tool, "x-hidden": "text"})
    assert set(fields) == {
        "name",
        "title",
        "description",
        "inputSchema",
        "outputSchema",
        "annotations",
        "extra",
    }
    assert fields["extra"] != tool_field_hashes(tool)["extra"]


def test_server_hash_ignores_tool_order_but_not_content() -> None:
    a = {"name": "a", "inputSchema": {}}
    b = {"name": "b", "inputSchema": {}}
    h1 = server_hash(server_version="1", instructions="i", tools=[a, b])
    assert h1 == server_hash(server_version="1", instructions="i", tools=[b, a])
    assert h1 != server_hash(server_version="2", instructions="i", tools=[a, b])
    assert h1 != server_hash(server_version="1", instructions="i ", tools=[a, b])
    assert h1 != server_hash(server_version="1", instructions="i", tools=[a])


def _sdk_tool(name: str, *, input_title: str, output_title: str) -> dict:
    return {
        "name": name,
        "description": "Search the saved notes by keyword.",
        "inputSchema": {
            "type": "object",
            "properties": {"query": {"title": "Query", "type": "string"}},
            "required": ["query"],
            "title": input_title,
        },
        "outputSchema": {
            "type": "object",
            "properties": {"result": {"type": "array", "items": {"type": "string"}}},
            "title": output_title,
        },
    }


def test_body_hash_ignores_only_the_schema_titles_the_sdk_derives_from_the_name() -> None:
    old = _sdk_tool(
        "search_notes", input_title="search_notesArguments", output_title="search_notesOutput"
    )
    new = _sdk_tool(
        "find_notes", input_title="find_notesArguments", output_title="find_notesOutput"
    )
    assert tool_body_hash(old) == tool_body_hash(new)
    # the pin still sees every byte of both definitions
    assert tool_hash(old) != tool_hash({**old, "inputSchema": {**old["inputSchema"], "title": "x"}})
    dict_output = {**new, "outputSchema": {**new["outputSchema"], "title": "find_notesDictOutput"}}
    assert tool_body_hash(
        {**old, "outputSchema": {**old["outputSchema"], "title": "search_notesDictOutput"}}
    ) == tool_body_hash(dict_output)
    # any other title is part of the body: a rename that also retitles is not "the same"
    kept = _sdk_tool(
        "find_notes", input_title="search_notesArguments", output_title="find_notesOutput"
    )
    assert tool_body_hash(kept) != tool_body_hash(old)
    free = _sdk_tool("find_notes", input_title="NotesQuery", output_title="find_notesOutput")
    assert tool_body_hash(free) != tool_body_hash(
        _sdk_tool("find_notes", input_title="Other", output_title="find_notesOutput")
    )
    # a schema that is not an object is hashed as it is
    odd = {**old, "inputSchema": "search_notesArguments"}
    assert tool_body_hash(odd) != tool_body_hash({**new, "inputSchema": "find_notesArguments"})
