"""`ServerSnapshot`: everything a server showed in one scan, plus its pins."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from threatvec.mcp.canonical import server_hash, tool_body_hash, tool_field_hashes, tool_hash

__all__ = ["SNAPSHOT_SCHEMA", "ServerSnapshot", "SnapshotError", "compute_pins"]

SNAPSHOT_SCHEMA = "threatvec.mcp-snapshot/1"


class SnapshotError(ValueError):
    """A stored snapshot is malformed or its pins do not match its content."""


def compute_pins(
    *,
    server_info: Mapping[str, Any] | None,
    instructions: str | None,
    tools: list[dict[str, Any]],
    prompts: list[dict[str, Any]],
    resource_templates: list[dict[str, Any]],
) -> dict[str, Any]:
    """Server hash plus, per tool, the whole-definition, body (nameless) and per-field hashes."""
    return {
        "server_hash": server_hash(
            server_version=(server_info or {}).get("version"),
            instructions=instructions,
            tools=tools,
            prompts=prompts,
            resource_templates=resource_templates,
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

    def pins(self) -> dict[str, Any]:
        return compute_pins(
            server_info=self.server_info,
            instructions=self.instructions,
            tools=self.tools,
            prompts=self.prompts,
            resource_templates=self.resource_templates,
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
