"""Small builders shared by the covert-detector round tests."""

from __future__ import annotations

from typing import Any

from threatvec.detect.covert import assess_text, scan_tool


def tool(description: str, name: str = "do_thing", **props: Any) -> dict[str, Any]:
    """A tool definition with ``props`` as its parameters (one free-text ``q`` if none)."""
    return {
        "name": name,
        "description": description,
        "inputSchema": {"type": "object", "properties": props or {"q": {"type": "string"}}},
    }


def rules(text: str) -> set[str]:
    """Rule ids reported for free text."""
    return {f.rule_id for f in assess_text(text).findings}


def poisoned(definition: dict[str, Any]) -> bool:
    return scan_tool(definition).verdict == "poisoned"
