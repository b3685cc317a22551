"""`ServerSnapshot`: everything a server showed in one scan, plus its pins.

Besides the listings, a snapshot may hold what the scanner read (issue #4):
``prompt_bodies`` (``prompts/get`` results keyed by prompt name — definitions,
pinned) and ``resource_contents`` (``resources/read`` texts keyed by URI —
content, scanned but never pinned), plus ``content_notes`` saying what was
skipped and why. The limits below bound what a stored or received snapshot
may carry; the scanner's own limits are tighter by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from threatvec.mcp.canonical import (
    canonical_json,
    server_hash,
    tool_body_hash,
    tool_field_hashes,
    tool_hash,
)

__all__ = [
    "MAX_CONTENT_ITEMS",
    "MAX_CONTENT_NOTES",
    "MAX_PROMPT_BODIES",
    "MAX_PROMPT_BODY_BYTES",
    "MAX_RESOURCE_BYTES",
    "MAX_RESOURCE_CONTENTS",
    "SNAPSHOT_SCHEMA",
    "ServerSnapshot",
    "SnapshotError",
    "compute_pins",
]

SNAPSHOT_SCHEMA = "threatvec.mcp-snapshot/1"

# Hard ceilings for what a snapshot may hold, whoever made it (a live scan, a
# static file, a report POSTed to the server): enough for any honest server,
# small enough that one report cannot fill the database.
MAX_PROMPT_BODIES = 500
MAX_PROMPT_BODY_BYTES = 1024 * 1024  # canonical JSON of one prompts/get result
MAX_RESOURCE_CONTENTS = 1000
MAX_RESOURCE_BYTES = 1024 * 1024  # text of one resource, all its contents together
MAX_CONTENT_ITEMS = 50  # contents entries kept per resource
MAX_CONTENT_NOTES = 2000
_MAX_KEY = 2000


class SnapshotError(ValueError):
    """A stored snapshot is malformed or its pins do not match its content."""


def compute_pins(
    *,
    server_info: Mapping[str, Any] | None,
    instructions: str | None,
    tools: list[dict[str, Any]],
    prompts: list[dict[str, Any]],
    resource_templates: list[dict[str, Any]],
    prompt_bodies: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Server hash plus, per tool, the whole-definition, body (nameless) and per-field hashes."""
    return {
        "server_hash": server_hash(
            server_version=(server_info or {}).get("version"),
            instructions=instructions,
            tools=tools,
            prompts=prompts,
            resource_templates=resource_templates,
            prompt_bodies=prompt_bodies,
        ),
        "tools": {
            str(t.get("name")): {
                "hash": tool_hash(t),
                "body_hash": tool_body_hash(t),
                "fields": tool_field_hashes(t),
            }
            for t in tools
        },
    }


@dataclass
class ServerSnapshot:
    """What one server put in front of the model at one moment (wire-format JSON)."""

    server_info: dict[str, Any] | None = None
    protocol_version: str | None = None
    capabilities: dict[str, Any] = field(default_factory=dict)
    instructions: str | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    prompts: list[dict[str, Any]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)
    resource_templates: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    captured_at: str | None = None
    # prompt name -> prompts/get result (description, messages); pinned
    prompt_bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    # resource URI -> {"contents": [text contents], "truncated": bool}; not pinned
    resource_contents: dict[str, dict[str, Any]] = field(default_factory=dict)
    # what was not read and why: {"kind": "prompt"|"resource", "id": …, "reason": …}
    content_notes: list[dict[str, str]] = field(default_factory=list)

    def pins(self) -> dict[str, Any]:
        return compute_pins(
            server_info=self.server_info,
            instructions=self.instructions,
            tools=self.tools,
            prompts=self.prompts,
            resource_templates=self.resource_templates,
            prompt_bodies=self.prompt_bodies,
        )

    @property
    def server_hash(self) -> str:
        """The server-level pin alone (cheaper than `pins()`)."""
        return server_hash(
            server_version=(self.server_info or {}).get("version"),
            instructions=self.instructions,
            tools=self.tools,
            prompts=self.prompts,
            resource_templates=self.resource_templates,
            prompt_bodies=self.prompt_bodies,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form, schema `threatvec.mcp-snapshot/1`, with the pins embedded."""
        return {
            "schema": SNAPSHOT_SCHEMA,
            "server_info": self.server_info,
            "protocol_version": self.protocol_version,
            "capabilities": self.capabilities,
            "instructions": self.instructions,
            "tools": self.tools,
            "prompts": self.prompts,
            "resources": self.resources,
            "resource_templates": self.resource_templates,
            "prompt_bodies": self.prompt_bodies,
            "resource_contents": self.resource_contents,
            "content_notes": self.content_notes,
            "warnings": self.warnings,
            "captured_at": self.captured_at,
            "pins": self.pins(),
        }

    @classmethod
    def from_dict(cls, data: Any, *, verify: bool = True) -> ServerSnapshot:
        """Load a stored snapshot; with `verify`, embedded pins must match the content.

        Raises `SnapshotError` for anything malformed or tampered with, so a
        caller can treat the pin as untrusted rather than as clean.
        """
        if not isinstance(data, Mapping):
            raise SnapshotError("snapshot is not a JSON object")
        tools = data.get("tools")
        if not isinstance(tools, list) or not all(
            isinstance(t, Mapping) and isinstance(t.get("name"), str) for t in tools
        ):
            raise SnapshotError("snapshot tools must be a list of objects with a string name")
        names = [t["name"] for t in tools]
        if len(set(names)) != len(names):
            raise SnapshotError("snapshot lists a tool name twice")
        for key in ("prompts", "resources", "resource_templates", "warnings"):
            if not isinstance(data.get(key, []), list):
                raise SnapshotError(f"snapshot {key} must be a list")
        info = data.get("server_info")
        instructions = data.get("instructions")
        if info is not None and not isinstance(info, Mapping):
            raise SnapshotError("server_info must be an object")
        if instructions is not None and not isinstance(instructions, str):
            raise SnapshotError("instructions must be a string")
        snap = cls(
            server_info=dict(info) if info else None,
            protocol_version=data.get("protocol_version"),
            capabilities=dict(data.get("capabilities") or {}),
            instructions=instructions,
            tools=[dict(t) for t in tools],
            prompts=[dict(p) for p in data.get("prompts", []) if isinstance(p, Mapping)],
            resources=[dict(r) for r in data.get("resources", []) if isinstance(r, Mapping)],
            resource_templates=[
                dict(r) for r in data.get("resource_templates", []) if isinstance(r, Mapping)
            ],
            warnings=[str(w) for w in data.get("warnings", [])],
            captured_at=data.get("captured_at"),
            prompt_bodies=_prompt_bodies(data.get("prompt_bodies")),
            resource_contents=_resource_contents(data.get("resource_contents")),
            content_notes=_content_notes(data.get("content_notes")),
        )
        if verify:
            stored = data.get("pins")
            if not isinstance(stored, Mapping):
                raise SnapshotError("snapshot has no pins")
            try:
                fresh = snap.pins()
            except (TypeError, ValueError) as exc:
                raise SnapshotError(f"snapshot content cannot be hashed: {exc}") from exc
            if stored.get("server_hash") != fresh["server_hash"]:
                raise SnapshotError("stored server hash does not match the snapshot content")
            stored_tools = stored.get("tools")
            if not isinstance(stored_tools, Mapping) or {
                k: (v or {}).get("hash") if isinstance(v, Mapping) else None
                for k, v in stored_tools.items()
            } != {k: v["hash"] for k, v in fresh["tools"].items()}:
                raise SnapshotError("stored tool hashes do not match the snapshot content")
        return snap


def _prompt_bodies(raw: Any) -> dict[str, dict[str, Any]]:
    """Validated `prompt_bodies`: name -> object with a list of message objects."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise SnapshotError("prompt_bodies must be an object keyed by prompt name")
    if len(raw) > MAX_PROMPT_BODIES:
        raise SnapshotError(f"more than {MAX_PROMPT_BODIES} prompt bodies")
    out: dict[str, dict[str, Any]] = {}
    for name, body in raw.items():
        if not isinstance(name, str) or not name or len(name) > _MAX_KEY:
            raise SnapshotError("a prompt body is keyed by an empty or overlong name")
        messages = body.get("messages") if isinstance(body, Mapping) else None
        if not isinstance(messages, list) or not all(isinstance(m, Mapping) for m in messages):
            raise SnapshotError(f"prompt body {name[:80]!r} needs a list of message objects")
        if not isinstance(body.get("description"), str | None):
            raise SnapshotError(f"prompt body {name[:80]!r}: description must be a string")
        try:
            size = len(canonical_json(body).encode("utf-8", "surrogatepass"))
        except (TypeError, ValueError) as exc:
            raise SnapshotError(f"prompt body {name[:80]!r} is not plain JSON: {exc}") from None
        if size > MAX_PROMPT_BODY_BYTES:
            raise SnapshotError(f"prompt body {name[:80]!r} is over {MAX_PROMPT_BODY_BYTES} bytes")
        out[name] = dict(body)
    return out


def _resource_contents(raw: Any) -> dict[str, dict[str, Any]]:
    """Validated `resource_contents`: URI -> {"contents": [{"uri", "mimeType", "text"}], …}."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise SnapshotError("resource_contents must be an object keyed by resource URI")
    if len(raw) > MAX_RESOURCE_CONTENTS:
        raise SnapshotError(f"more than {MAX_RESOURCE_CONTENTS} resource contents")
    out: dict[str, dict[str, Any]] = {}
    for uri, entry in raw.items():
        if not isinstance(uri, str) or not uri or len(uri) > _MAX_KEY:
            raise SnapshotError("a resource content is keyed by an empty or overlong URI")
        contents = entry.get("contents") if isinstance(entry, Mapping) else None
        if not isinstance(contents, list) or len(contents) > MAX_CONTENT_ITEMS:
            raise SnapshotError(
                f"resource {uri[:80]!r}: contents must be a list of at most {MAX_CONTENT_ITEMS}"
            )
        size = 0
        for item in contents:
            # Only texts are kept (blobs are noted, never stored).
            if not isinstance(item, Mapping) or not isinstance(item.get("text"), str):
                raise SnapshotError(f"resource {uri[:80]!r}: every content needs a string text")
            if not isinstance(item.get("mimeType"), str | None):
                raise SnapshotError(f"resource {uri[:80]!r}: mimeType must be a string")
            size += len(item["text"].encode("utf-8", "surrogatepass"))
        if size > MAX_RESOURCE_BYTES:
            raise SnapshotError(f"resource {uri[:80]!r}: text over {MAX_RESOURCE_BYTES} bytes")
        if not isinstance(entry.get("truncated", False), bool):
            raise SnapshotError(f"resource {uri[:80]!r}: truncated must be a boolean")
        out[uri] = {
            "contents": [dict(item) for item in contents],
            "truncated": bool(entry.get("truncated", False)),
        }
    return out


def _content_notes(raw: Any) -> list[dict[str, str]]:
    """Validated `content_notes`: what the scanner did not read, and why."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_CONTENT_NOTES:
        raise SnapshotError(f"content_notes must be a list of at most {MAX_CONTENT_NOTES}")
    out: list[dict[str, str]] = []
    for note in raw:
        if not isinstance(note, Mapping) or not all(
            isinstance(note.get(k), str) for k in ("kind", "id", "reason")
        ):
            raise SnapshotError("each content note needs string kind, id and reason")
        out.append({k: str(note[k])[:_MAX_KEY] for k in ("kind", "id", "reason")})
    return out
