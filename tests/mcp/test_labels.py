"""Tool risk labels and the lethal trifecta."""

from __future__ import annotations

import pytest

from threatvec.mcp.labels import Suppression, ToolLabels, find_trifectas, label_tool, label_tools

READ_ONLY_CLOSED = {"readOnlyHint": True, "destructiveHint": False, "openWorldHint": False}


def test_labels_from_annotations_name_and_schema() -> None:
    read_file = label_tool(
        {
            "name": "read_file",
            "inputSchema": {"properties": {"path": {}}},
            "annotations": READ_ONLY_CLOSED,
        }
    )
    assert set(read_file) == {"private_data"}
    fetch = label_tool(
        {
            "name": "fetch",
            "description": "Fetches a URL from the internet.",
            "inputSchema": {"properties": {"url": {"type": "string"}}},
            "annotations": {"readOnlyHint": True, "openWorldHint": True},
        }
    )
    assert set(fetch) == {"untrusted_content", "public_sink"}
    send = label_tool(
        {
            "name": "send_email",
            "inputSchema": {"properties": {"to": {}, "body": {}}},
            "annotations": {"readOnlyHint": False, "destructiveHint": False, "openWorldHint": True},
        }
    )
    assert "public_sink" in send and "destructive" not in send
    delete = label_tool(
        {"name": "delete_file", "annotations": {"readOnlyHint": False, "destructiveHint": True}}
    )
    assert delete["destructive"][0].startswith("declared:")
    add = label_tool(
        {
            "name": "add",
            "inputSchema": {"properties": {"a": {}, "b": {}}},
            "annotations": READ_ONLY_CLOSED,
        }
    )
    assert add == {}


def test_missing_annotations_use_spec_defaults_but_are_marked() -> None:
    labels = label_tool({"name": "do_thing", "inputSchema": {}})
    assert labels["destructive"] == [
        "default: no annotations (spec: readOnlyHint false, destructiveHint true)"
    ]
    assert all(r.startswith("default:") for r in labels["public_sink"])
    tl = ToolLabels("s", "k", "do_thing", labels)
    assert not tl.has("public_sink") and tl.has("public_sink", include_defaults=True)


@pytest.mark.parametrize(
    "annotations",
    [
        {"title": "Do thing"},  # annotations with a title only (common with FastMCP)
        {"readOnlyHint": False},  # destructiveHint and openWorldHint left to their defaults
        {"idempotentHint": True},
    ],
)
def test_spec_defaults_apply_per_field_not_only_without_annotations(annotations: dict) -> None:
    # The MCP spec gives each hint its own default (readOnlyHint false,
    # destructiveHint true, openWorldHint true): a hint that is not declared
    # takes it, whether or not other annotations are there. The diff already
    # reads them that way; the labels must agree with it.
    labels = label_tool({"name": "do_thing", "inputSchema": {}, "annotations": annotations})
    assert labels.get("destructive") and all(
        r.startswith("default:") for r in labels["destructive"]
    ), labels
    assert labels.get("public_sink") and all(
        r.startswith("default:") for r in labels["public_sink"]
    ), labels
    tl = ToolLabels("s", "k", "do_thing", labels)
    assert not tl.has("destructive") and tl.has("destructive", include_defaults=True)


def test_declared_hints_still_win_over_defaults() -> None:
    closed = label_tool({"name": "do_thing", "annotations": {"readOnlyHint": True}})
    assert "destructive" not in closed and "public_sink" not in closed
    safe = label_tool(
        {"name": "do_thing", "annotations": {"destructiveHint": False, "openWorldHint": False}}
    )
    assert "destructive" not in safe and "public_sink" not in safe
    # openWorldHint true with readOnlyHint left to its default (false): may send out
    world = label_tool({"name": "do_thing", "annotations": {"openWorldHint": True}})
    assert any(r.startswith("default:") for r in world.get("public_sink", [])), world


def _group() -> list[ToolLabels]:
    return label_tools(
        "git",
        "k1",
        [
            {
                "name": "git_log",
                "inputSchema": {"properties": {"repo_path": {}}},
                "annotations": READ_ONLY_CLOSED,
            }
        ],
    ) + label_tools(
        "web",
        "k2",
        [
            {
                "name": "fetch",
                "inputSchema": {"properties": {"url": {}}},
                "annotations": {"readOnlyHint": True, "openWorldHint": True},
            }
        ],
    )


def test_trifecta_names_the_tools_and_can_be_suppressed() -> None:
    [tri] = find_trifectas({"cfg": _group()})
    assert tri.private_data == ["git/git_log"]
    assert tri.untrusted_content == ["web/fetch"] and tri.public_sink == ["web/fetch"]
    finding = tri.finding()
    assert finding["rule_id"] == "TV-MCP-TRIFECTA" and finding["severity"] == "high"
    assert "git/git_log" in finding["message"]

    ok = Suppression(
        "cfg", "read-only research agent, reviewed 2026-01", frozenset({"git/git_log", "web/fetch"})
    )
    [tri] = find_trifectas({"cfg": _group()}, suppressions=[ok])
    assert tri.suppressed_reason and tri.finding()["severity"] == "info"
    # a suppression covers only the tools it lists: a new sink re-opens the finding
    more = _group() + label_tools(
        "chat",
        "k3",
        [
            {
                "name": "send_message",
                "inputSchema": {},
                "annotations": {"readOnlyHint": False, "openWorldHint": True},
            }
        ],
    )
    [tri] = find_trifectas({"cfg": more}, suppressions=[ok])
    assert tri.suppressed_reason is None and "chat/send_message" in tri.public_sink
    assert find_trifectas({"other": _group()}, suppressions=[ok])[0].suppressed_reason is None
    with pytest.raises(ValueError):
        Suppression("*", "  ")


def test_no_trifecta_without_all_three_legs() -> None:
    assert find_trifectas({"cfg": _group()[:1]}) == []
