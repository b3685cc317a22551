"""Canonical JSON and the hashes that pin an MCP server's definitions.

Decision (documented in docs/mcp.md, "Pinning"): the canonical form normalises
JSON *formatting* only — object keys sorted, no insignificant whitespace, one
spelling per number (``1.0`` → ``1``), UTF-8 without ``\\u`` escapes. String
*content* is hashed exactly as the server sent it: no whitespace collapsing, no
Unicode normalisation. Padding a description with spaces, adding a zero-width
character or swapping a letter for a homoglyph are all ways to hide a payload,
so each of them must change the hash.

Hashes are written ``sha256:<64 hex>``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "PINNED_TOOL_FIELDS",
    "canonical_json",
    "hash_value",
    "server_hash",
    "sha256_hex",
    "tool_body_hash",
    "tool_definition",
    "tool_field_hashes",
    "tool_hash",
]

# The fields named by the issue; any other top-level key except `_meta` is
# pinned under "extra" because unknown keys are a place to hide text too.
PINNED_TOOL_FIELDS: tuple[str, ...] = (
    "name",
    "title",
    "description",
    "inputSchema",
    "outputSchema",
    "annotations",
)
# `_meta` is transport bookkeeping (cache hints, server stamps) that may vary
# per response without the tool changing.
_UNPINNED_TOOL_KEYS = frozenset({"_meta"})


def _normalise(value: Any) -> Any:
    """Return `value` with one JSON spelling per number and plain containers."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN and infinity have no JSON form")
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, got {type(key).__name__}")
            out[key] = _normalise(item)
        return out
    if isinstance(value, list | tuple):
        return [_normalise(item) for item in value]
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def canonical_json(value: Any) -> str:
    """Serialise `value` canonically: sorted keys, compact, exact strings."""
    return json.dumps(
        _normalise(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def sha256_hex(text: str) -> str:
    """`sha256:` + the hex digest of `text` encoded as UTF-8."""
    # surrogatepass: a lone surrogate from a hostile server must still hash.
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def hash_value(value: Any) -> str:
    """Hash of the canonical JSON of `value`."""
    return sha256_hex(canonical_json(value))


def tool_definition(tool: Mapping[str, Any]) -> dict[str, Any]:
    """The pinned part of a wire-format tool: every key but `_meta`, nulls dropped.

    A missing field and an explicit ``null`` mean the same to a client, and
    SDKs differ in which one they send, so both hash alike.
    """
    return {
        key: value
        for key, value in tool.items()
        if key not in _UNPINNED_TOOL_KEYS and value is not None
    }


def tool_hash(tool: Mapping[str, Any]) -> str:
    """Hash of the whole pinned definition, name included."""
    return hash_value(tool_definition(tool))


# Schema titles the official SDK derives from the decorated function's name
# (pydantic models `<name>Arguments`, `<name>Output`, `<name>DictOutput`).
_DERIVED_TITLE_SUFFIXES: dict[str, tuple[str, ...]] = {
    "inputSchema": ("Arguments",),
    "outputSchema": ("Output", "DictOutput"),
}


def tool_body_hash(tool: Mapping[str, Any]) -> str:
    """Hash of the definition without its name: equal bodies under two names mean a rename.

    A schema title that is exactly the name plus the SDK's suffix is left out
    too: it is the name again, so renaming a decorated function would
    otherwise change the body. Any other title still counts.
    """
    body = tool_definition(tool)
    name = body.pop("name", None)
    if isinstance(name, str):
        for key, suffixes in _DERIVED_TITLE_SUFFIXES.items():
            schema = body.get(key)
            if isinstance(schema, Mapping) and schema.get("title") in {
                name + suffix for suffix in suffixes
            }:
                body[key] = {k: v for k, v in schema.items() if k != "title"}
    return hash_value(body)


def tool_field_hashes(tool: Mapping[str, Any]) -> dict[str, str]:
    """One hash per pinned field (absent fields hash as null) plus `extra` for unknown keys."""
    definition = tool_definition(tool)
    hashes = {name: hash_value(definition.get(name)) for name in PINNED_TOOL_FIELDS}
    extra = {k: v for k, v in definition.items() if k not in PINNED_TOOL_FIELDS}
    hashes["extra"] = hash_value(extra)
    return hashes


def server_hash(
    *,
    server_version: str | None,
    instructions: str | None,
    tools: Iterable[Mapping[str, Any]],
    prompts: Iterable[Mapping[str, Any]] = (),
    resource_templates: Iterable[Mapping[str, Any]] = (),
    prompt_bodies: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """Hash of what a server puts in front of a model: instructions, version, tool set, prompts.

    Tools are keyed by name and hashed whole, so their order on the wire does
    not matter. Concrete resources are left out: their lists and their texts
    are data (files, rows, logs) that change in normal use; templates, prompts
    and prompt bodies (``prompts/get`` results) are definitions.
    """
    pinned: dict[str, Any] = {
        "server_version": server_version,
        "instructions": instructions,
        "tools": sorted(tool_hash(t) for t in tools),
        "prompts": sorted(hash_value(tool_definition(p)) for p in prompts),
        "resource_templates": sorted(hash_value(tool_definition(r)) for r in resource_templates),
    }
    if prompt_bodies:
        # Only present when bodies were read (issue #4): a snapshot without
        # any keeps exactly the hash it had before bodies were pinned.
        pinned["prompt_bodies"] = {
            name: hash_value(tool_definition(body)) for name, body in prompt_bodies.items()
        }
    return hash_value(pinned)
