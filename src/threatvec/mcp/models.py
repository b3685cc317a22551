"""MCP inventory tables: servers keyed by identity, their snapshots, tools, findings.

A server row is keyed by its identity key (`mcp:` + 32 hex, see identity.py),
never by the label a config file gives it. A snapshot row is stored only when
the server hash changes, so an unchanged re-scan costs one UPDATE.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from threatvec.core.clock import utcnow
from threatvec.store.base import Base, OrgScoped, Timestamped, UTCDateTime, new_id

__all__ = [
    "JSONText",
    "McpAgentUsage",
    "McpAllowlistEntry",
    "McpFinding",
    "McpScan",
    "McpServer",
    "McpSnapshot",
    "McpSuppression",
    "McpTool",
]


class JSONText(TypeDecorator[Any]):
    """JSON kept as text.

    Tool definitions are attacker-controlled and may hold U+0000, which
    PostgreSQL's JSONB refuses; `json.dumps` writes it as the six characters
    "\\u0000", so the content (and its hashes) survive byte for byte.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value, separators=(",", ":"))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


JSONType = JSONText


class McpScan(OrgScoped, Base):
    """One report received on POST /mcp/scans (what it held, not the report itself)."""

    __tablename__ = "mcp_scans"
    # threatvec.retention: an org's oldest reports first, one index seek per batch
    __table_args__ = (Index("ix_mcp_scans_org_received", "org_id", "received_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # (org_id, received_at) above serves every read: all of them are one org's (mcp_0003)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    generated_at: Mapped[str | None] = mapped_column(String(64), nullable=True)
    generator: Mapped[str | None] = mapped_column(String(100), nullable=True)
    servers_total: Mapped[int] = mapped_column(Integer, default=0)
    servers_accepted: Mapped[int] = mapped_column(Integer, default=0)
    servers_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    findings_opened: Mapped[int] = mapped_column(Integer, default=0)
    rug_pulls: Mapped[int] = mapped_column(Integer, default=0)


class McpServer(OrgScoped, Timestamped, Base):
    """One MCP server as the org knows it."""

    __tablename__ = "mcp_servers"
    __table_args__ = (UniqueConstraint("org_id", "identity_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    identity_key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), index=True)
    labels: Mapped[list[str]] = mapped_column(JSONType, default=list)  # config labels seen
    transport: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(500), default="")
    identity: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    server_name: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    server_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # "scan" (a scan report) or "agent" (only ever seen in an agent's mcp.use events)
    origin: Mapped[str] = mapped_column(String(10), default="scan")
    status: Mapped[str] = mapped_column(String(20), default="ok")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    groups: Mapped[list[str]] = mapped_column(JSONType, default=list)
    current_snapshot_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    current_hash: Mapped[str | None] = mapped_column(String(80), nullable=True)
    approved: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    approved_snapshot_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    approved_hash: Mapped[str | None] = mapped_column(String(80), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # "new" | "unchanged" | "changed" | "untrusted" — the pin diff of the latest scan
    pin_status: Mapped[str] = mapped_column(String(20), default="new")
    pin_state: Mapped[str] = mapped_column(String(20), default="none")
    pin_diff: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    trust: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    covert_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    # hash of (server hash, other tool names in its configurations) the covert
    # findings were computed for; a re-scan with the same key skips the detector
    analysis_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score_rank: Mapped[int] = mapped_column(Integer, default=-1, index=True)  # score or -1
    score_parts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    tool_count: Mapped[int] = mapped_column(Integer, default=0)
    open_findings: Mapped[int] = mapped_column(Integer, default=0)
    max_severity: Mapped[str | None] = mapped_column(String(10), nullable=True)
    severity_rank: Mapped[int] = mapped_column(Integer, default=-1)  # for sort=-severity
    scans: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class McpSnapshot(OrgScoped, Base):
    """A distinct state of a server (its definitions and pins, `threatvec.mcp-snapshot/1`)."""

    __tablename__ = "mcp_snapshots"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    server_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("mcp_servers.id", ondelete="CASCADE"), index=True
    )
    server_hash: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    tool_count: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[str] = mapped_column(String(10), default="scan")
    # indexed: threatvec.retention keeps every scan report a snapshot names
    scan_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    # the diff against the previous snapshot of this server (None for the first)
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    rug_pull: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class McpTool(OrgScoped, Base):
    """One tool of a server's current snapshot, with its pin and risk labels."""

    __tablename__ = "mcp_tools"
    __table_args__ = (UniqueConstraint("server_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    server_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("mcp_servers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    hash: Mapped[str] = mapped_column(String(80))
    labels: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    annotations: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class McpFinding(OrgScoped, Timestamped, Base):
    """A finding about one server (or a configuration/agent, for trifectas), deduplicated."""

    __tablename__ = "mcp_findings"
    __table_args__ = (UniqueConstraint("org_id", "fingerprint"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    fingerprint: Mapped[str] = mapped_column(String(64))
    server_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("mcp_servers.id", ondelete="CASCADE"), nullable=True, index=True
    )
    scope: Mapped[str | None] = mapped_column(String(500), nullable=True)
    rule_id: Mapped[str] = mapped_column(String(60), index=True)
    severity: Mapped[str] = mapped_column(String(10), index=True)
    severity_rank: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    pointer: Mapped[str] = mapped_column(String(1000), default="")
    snippet: Mapped[str] = mapped_column(Text, default="")
    tool: Mapped[str | None] = mapped_column(String(200), nullable=True)
    atlas: Mapped[list[str]] = mapped_column(JSONType, default=list)
    owasp: Mapped[list[str]] = mapped_column(JSONType, default=list)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # open | resolved | suppressed
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    suppressed_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    suppressed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    suppressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class McpSuppression(OrgScoped, Base):
    """An accepted trifecta flow: scope + the tools it covers + why (a new tool re-opens it)."""

    __tablename__ = "mcp_suppressions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(500))
    tools: Mapped[list[str]] = mapped_column(JSONType, default=list)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class McpAllowlistEntry(OrgScoped, Base):
    """An approved (identity, server hash) pair; feeds catalog trust."""

    __tablename__ = "mcp_allowlist"
    __table_args__ = (UniqueConstraint("org_id", "identity_key", "server_hash"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    identity_key: Mapped[str] = mapped_column(String(40), index=True)
    server_hash: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class McpAgentUsage(OrgScoped, Base):
    """Which agent uses which server (from the SDK's `mcp.use` events)."""

    __tablename__ = "mcp_agent_usage"
    __table_args__ = (UniqueConstraint("org_id", "agent_id", "server_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # agents.id; no foreign key so the MCP branch migrates independently of agents
    agent_id: Mapped[str] = mapped_column(String(32), index=True)
    server_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("mcp_servers.id", ondelete="CASCADE"), index=True
    )
    server_name: Mapped[str] = mapped_column(String(256))
    list_count: Mapped[int] = mapped_column(Integer, default=0)
    call_count: Mapped[int] = mapped_column(Integer, default=0)
    tools_called: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
