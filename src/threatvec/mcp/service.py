"""MCP inventory: ingest scan reports, list servers and findings, approve, suppress, score.

Every function is keyword-only and scoped to one org. The heavy lifting
(validation, diffs, dedupe, scoring) lives in `flows`; this module is the
surface routers, pages, the ingest endpoint and the posture engine call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.core.errors import Conflict, InvalidInput, NotFound
from threatvec.core.pagination import PageParams, SortSpec, paginate
from threatvec.core.scoped import get_scoped, get_scoped_or_raise, paginate_scoped
from threatvec.mcp import flows
from threatvec.mcp.analysis import is_legacy_scope
from threatvec.mcp.canonical import hash_value
from threatvec.mcp.diff import SnapshotDiff, diff_snapshots
from threatvec.mcp.findings import severity_rank
from threatvec.mcp.identity import ServerIdentity
from threatvec.mcp.models import (
    McpAgentUsage,
    McpAllowlistEntry,
    McpFinding,
    McpScan,
    McpServer,
    McpSnapshot,
    McpSuppression,
    McpTool,
)
from threatvec.mcp.scoring import McpScore
from threatvec.mcp.snapshot import ServerSnapshot, SnapshotError

__all__ = [
    "FINDING_SORTS",
    "SERVER_SORTS",
    "IngestResult",
    "ServerFilters",
    "add_allowlist_entry",
    "agent_usage_page",
    "approve",
    "count_servers",
    "diff_between",
    "finding_counts",
    "fleet_inputs",
    "fleet_score",
    "get_finding_or_raise",
    "get_server",
    "get_server_or_raise",
    "get_snapshot_or_raise",
    "ingest_report",
    "list_allowlist",
    "list_findings",
    "list_scans",
    "list_servers",
    "list_snapshots",
    "record_agent_usage",
    "rejudge_scopes",
    "remove_allowlist_entry",
    "revoke",
    "server_agents",
    "server_names",
    "server_score",
    "server_tools",
    "suppress_finding",
]

SERVER_SORTS = SortSpec(
    columns={
        "name": McpServer.name,
        "score": McpServer.score_rank,
        "last_seen_at": McpServer.last_seen_at,
        "created_at": McpServer.created_at,
        "open_findings": McpServer.open_findings,
        "severity": McpServer.severity_rank,
    },
    default="name",
)
FINDING_SORTS = SortSpec(
    columns={
        "severity": McpFinding.severity_rank,
        "last_seen_at": McpFinding.last_seen_at,
        "first_seen_at": McpFinding.first_seen_at,
        "rule_id": McpFinding.rule_id,
    },
    default="-severity",
)
SNAPSHOT_SORTS = SortSpec(columns={"created_at": McpSnapshot.created_at}, default="-created_at")
SCAN_SORTS = SortSpec(columns={"received_at": McpScan.received_at}, default="-received_at")
ALLOWLIST_SORTS = SortSpec(
    columns={"created_at": McpAllowlistEntry.created_at}, default="-created_at"
)
USAGE_SORTS = SortSpec(
    columns={"last_seen_at": McpAgentUsage.last_seen_at, "call_count": McpAgentUsage.call_count},
    default="-last_seen_at",
)


# ── ingest ───────────────────────────────────────────────────────────────


@dataclass
class AcceptedServer:
    index: int
    name: str
    server_id: str
    identity_key: str
    status: str
    snapshot_id: str | None
    changed: bool
    rug_pull: bool
    score: int | None


@dataclass
class IngestResult:
    """What one report did: the scan row, accepted servers, rejected entries with reasons."""

    scan: McpScan
    accepted: list[AcceptedServer] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)


def ingest_report(*, session: Session, org_id: str, report: Mapping[str, Any]) -> IngestResult:
    """Store a `threatvec.mcp-scan/1` report; bad server entries are rejected with a reason."""
    entries = flows.check_report(report)
    now = utcnow()
    generator = report.get("generator")
    scan = McpScan(
        org_id=org_id,
        received_at=now,
        generated_at=flows.clean(report.get("generated_at"), 64) or None,
        generator=flows.clean(
            f"{generator.get('name', '')} {generator.get('version', '')}".strip(), 100
        )
        if isinstance(generator, Mapping)
        else None,
        servers_total=len(entries),
        rejected=[],
    )
    session.add(scan)
    session.flush()
    result = IngestResult(scan)
    valid: list[flows.ValidEntry] = []
    for i, entry in enumerate(entries):
        try:
            valid.append(flows.validate_entry(i, entry))
        except flows.EntryRejected as exc:
            name = entry.get("name") if isinstance(entry, Mapping) else None
            result.rejected.append(
                {
                    "index": i,
                    "name": flows.clean(name, 200) if isinstance(name, str) else None,
                    "reason": str(exc),
                }
            )
    allowlist = flows.allowlist_map(session, org_id)
    by_group: dict[str, list[flows.ValidEntry]] = defaultdict(list)
    for v in valid:
        by_group[v.group].append(v)
    touched: dict[str, McpServer] = {}
    opened: list[McpFinding] = []
    retired: set[str] = set()
    # The same server may sit in several configurations: its snapshot is applied
    # once per report (a repeat with the same hash only adds the group).
    applied_hashes: dict[str, str] = {}
    for group, members in by_group.items():
        group_servers: dict[str, McpServer] = {}
        names = {
            id(v): [t["name"] for t in v.snapshot.tools] if v.snapshot else [] for v in members
        }
        for v in members:
            server = flows.upsert_server(
                session,
                org_id,
                identity=v.identity,
                name=v.name,
                target=v.target,
                now=now,
                trust_basis=v.trust_basis,
            )
            if not is_legacy_scope(group):
                retired |= _retire_legacy_groups(server)
            if group not in (server.groups or []) and len(server.groups or []) < 50:
                server.groups = [*(server.groups or []), group]
            applied: flows.AppliedServer | None = None
            repeat = (
                v.snapshot is not None and applied_hashes.get(server.id) == v.snapshot.server_hash
            )
            if v.snapshot is not None and not repeat:
                applied_hashes[server.id] = v.snapshot.server_hash
                others = [
                    n for m in members if m.identity.key != v.identity.key for n in names[id(m)]
                ]
                applied = flows.apply_snapshot(
                    session, server, v.snapshot, other_tool_names=others, scan_id=scan.id, now=now
                )
                opened += applied.opened
            elif v.snapshot is None:
                server.status = v.status
                server.last_error = v.error
            opened += flows.sync_findings(
                session,
                org_id,
                server_id=server.id,
                scope=None,
                family="config",
                found=v.config_findings,
                now=now,
            )
            group_servers[server.id] = server
            touched[server.id] = server
            result.accepted.append(
                AcceptedServer(
                    index=v.index,
                    name=v.name,
                    server_id=server.id,
                    identity_key=server.identity_key,
                    status=v.status,
                    snapshot_id=applied.snapshot.id if applied and applied.snapshot else None,
                    changed=bool(applied and applied.changed),
                    rug_pull=bool(applied and applied.rug_pull),
                    score=None,
                )
            )
        opened += flows.evaluate_scope(
            session, org_id, scope=group, servers=list(group_servers.values()), now=now
        )
    # What the old keys still hold is judged once more, without the servers
    # that moved on: a trifecta that merged unrelated projects resolves.
    opened += _judge_groups(session, org_id, retired - set(by_group), now)
    changed = [a.server_id for a in result.accepted if a.changed]
    opened += rejudge_scopes(
        session=session, org_id=org_id, server_ids=changed, skip=set(by_group), now=now
    )
    scores = {sid: flows.rescore(session, s, allowlist=allowlist) for sid, s in touched.items()}
    for a in result.accepted:
        score = scores.get(a.server_id)
        a.score = score.value if score else None
    scan.servers_accepted = len(result.accepted)
    scan.servers_rejected = len(result.rejected)
    scan.rejected = result.rejected
    scan.findings_opened = len({f.id for f in opened})
    scan.rug_pulls = sum(1 for a in result.accepted if a.rug_pull)
    session.flush()
    return result


def _retire_legacy_groups(server: McpServer) -> set[str]:
    """Drop the old-style configuration keys from `server.groups`; returns the ones dropped."""
    legacy = {g for g in server.groups or [] if is_legacy_scope(g)}
    if legacy:
        server.groups = [g for g in server.groups or [] if g not in legacy]
    return legacy


def list_scans(
    *, session: Session, org_id: str, page: PageParams
) -> tuple[Sequence[McpScan], str | None]:
    return paginate_scoped(session, McpScan, org_id, page, SCAN_SORTS)


# ── servers ──────────────────────────────────────────────────────────────


def get_server(*, session: Session, org_id: str, server_id: str) -> McpServer | None:
    return get_scoped(session, McpServer, org_id, server_id)


def get_server_or_raise(*, session: Session, org_id: str, server_id: str) -> McpServer:
    return get_scoped_or_raise(
        session, McpServer, org_id, server_id, f"MCP server {server_id} not found"
    )


def server_names(*, session: Session, org_id: str, server_ids: set[str]) -> dict[str, str]:
    """Display names of this org's servers among ``server_ids`` (one query)."""
    if not server_ids:
        return {}
    rows = session.execute(
        select(McpServer.id, McpServer.name).where(
            McpServer.org_id == org_id, McpServer.id.in_(sorted(server_ids))
        )
    )
    return {str(sid): str(name) for sid, name in rows}


def _escape_like(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class ServerFilters:
    """The filters of the server list; the same ones count it (`count_servers`)."""

    approved: bool | None = None
    status: str | None = None
    transport: str | None = None
    min_severity: str | None = None
    max_score: int | None = None
    q: str | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        if self.approved is not None:
            stmt = stmt.where(McpServer.approved.is_(self.approved))
        if self.status:
            stmt = stmt.where(McpServer.status == self.status)
        if self.transport:
            stmt = stmt.where(McpServer.transport == self.transport)
        if self.min_severity:
            stmt = stmt.where(McpServer.severity_rank >= severity_rank(self.min_severity))
        if self.max_score is not None:
            stmt = stmt.where(McpServer.score_rank <= self.max_score, McpServer.score_rank >= 0)
        if self.q:
            pattern = f"%{_escape_like(self.q)}%"
            stmt = stmt.where(
                McpServer.name.ilike(pattern, escape="\\")
                | McpServer.server_name.ilike(pattern, escape="\\")
                | McpServer.target.ilike(pattern, escape="\\")
            )
        return stmt


def list_servers(
    *,
    session: Session,
    org_id: str,
    page: PageParams,
    approved: bool | None = None,
    status: str | None = None,
    transport: str | None = None,
    min_severity: str | None = None,
    max_score: int | None = None,
    q: str | None = None,
) -> tuple[Sequence[McpServer], str | None]:
    """Servers, filtered; `q` searches the display name, serverInfo name and target."""
    filters = ServerFilters(approved, status, transport, min_severity, max_score, q)
    stmt = filters.apply(select(McpServer).where(McpServer.org_id == org_id))
    return paginate(session, stmt, id_column=McpServer.id, sort_spec=SERVER_SORTS, params=page)


def count_servers(*, session: Session, org_id: str, filters: ServerFilters | None = None) -> int:
    """How many servers the list pages through with the same filters (the API's `total`)."""
    stmt = select(func.count()).select_from(McpServer).where(McpServer.org_id == org_id)
    return int(session.scalar((filters or ServerFilters()).apply(stmt)) or 0)


def server_tools(*, session: Session, org_id: str, server_id: str) -> list[McpTool]:
    get_server_or_raise(session=session, org_id=org_id, server_id=server_id)
    return list(
        session.scalars(
            select(McpTool)
            .where(McpTool.org_id == org_id, McpTool.server_id == server_id)
            .order_by(McpTool.name)
        )
    )


def server_score(*, session: Session, org_id: str, server_id: str) -> McpScore | None:
    """The server's score with its four parts and their evidence (None: no snapshot yet)."""
    server = get_server_or_raise(session=session, org_id=org_id, server_id=server_id)
    return flows.stored_score(server)


def _pin_row(session: Session, server: McpServer) -> McpSnapshot | None:
    if server.approved_snapshot_id is None:
        return None
    return session.scalar(
        select(McpSnapshot).where(
            McpSnapshot.org_id == server.org_id,
            McpSnapshot.server_id == server.id,
            McpSnapshot.id == server.approved_snapshot_id,
        )
    )


def approve(
    *, session: Session, org_id: str, server_id: str, by: str, note: str | None = None
) -> McpServer:
    """Pin the current snapshot as approved and add it to the org allowlist."""
    server = get_server_or_raise(session=session, org_id=org_id, server_id=server_id)
    current = (
        get_snapshot(
            session=session,
            org_id=org_id,
            server_id=server.id,
            snapshot_id=server.current_snapshot_id,
        )
        if server.current_snapshot_id
        else None
    )
    if current is None:
        raise Conflict("this server has no snapshot to pin yet; scan it first")
    try:
        snap = ServerSnapshot.from_dict(current.data, verify=True)
    except SnapshotError as exc:
        raise Conflict(f"the current snapshot cannot be pinned: {exc}") from None
    now = utcnow()
    server.approved = True
    server.approved_snapshot_id = current.id
    server.approved_hash = current.server_hash
    server.approved_at = now
    server.approved_by = flows.clean(by, 100)
    pin = diff_snapshots(current.data, snap, approved=True)
    server.pin_status, server.pin_state, server.pin_diff = pin.status, pin.pin_state, pin.to_dict()
    flows.sync_findings(
        session, org_id, server_id=server.id, scope=None, family="pin", found=pin.findings, now=now
    )
    _ensure_allowlisted(session, org_id, server.identity_key, current.server_hash, note, by)
    flows.rescore(session, server)
    session.flush()
    return server


def revoke(*, session: Session, org_id: str, server_id: str) -> McpServer:
    """Withdraw approval: the pin and its allowlist entry go; the server is judged afresh."""
    server = get_server_or_raise(session=session, org_id=org_id, server_id=server_id)
    if server.approved_hash:
        for entry in session.scalars(
            select(McpAllowlistEntry).where(
                McpAllowlistEntry.org_id == org_id,
                McpAllowlistEntry.identity_key == server.identity_key,
                McpAllowlistEntry.server_hash == server.approved_hash,
            )
        ):
            session.delete(entry)
    server.approved = False
    server.approved_snapshot_id = server.approved_hash = None
    server.approved_at = server.approved_by = None
    if server.pin_diff:
        pin = flows.load_diff(server.pin_diff)
        assert pin is not None
        pin.approved = False
        server.pin_diff = pin.to_dict()
    session.flush()
    flows.rescore(session, server)
    return server


# ── snapshots and diffs ──────────────────────────────────────────────────


def get_snapshot(
    *, session: Session, org_id: str, server_id: str, snapshot_id: str
) -> McpSnapshot | None:
    return get_scoped(session, McpSnapshot, org_id, snapshot_id, McpSnapshot.server_id == server_id)


def get_snapshot_or_raise(
    *, session: Session, org_id: str, server_id: str, snapshot_id: str
) -> McpSnapshot:
    detail = f"snapshot {snapshot_id} not found"
    return get_scoped_or_raise(
        session, McpSnapshot, org_id, snapshot_id, detail, McpSnapshot.server_id == server_id
    )


def list_snapshots(
    *, session: Session, org_id: str, server_id: str, page: PageParams
) -> tuple[Sequence[McpSnapshot], str | None]:
    get_server_or_raise(session=session, org_id=org_id, server_id=server_id)
    return paginate_scoped(
        session, McpSnapshot, org_id, page, SNAPSHOT_SORTS, McpSnapshot.server_id == server_id
    )


def _previous_snapshot(session: Session, snap: McpSnapshot) -> McpSnapshot | None:
    return session.scalar(
        select(McpSnapshot)
        .where(
            McpSnapshot.org_id == snap.org_id,
            McpSnapshot.server_id == snap.server_id,
            (McpSnapshot.created_at < snap.created_at)
            | ((McpSnapshot.created_at == snap.created_at) & (McpSnapshot.id < snap.id)),
        )
        .order_by(McpSnapshot.created_at.desc(), McpSnapshot.id.desc())
        .limit(1)
    )


@dataclass
class DiffResult:
    from_snapshot: McpSnapshot | None
    to_snapshot: McpSnapshot
    diff: SnapshotDiff


def diff_between(
    *,
    session: Session,
    org_id: str,
    server_id: str,
    from_id: str | None = None,
    to_id: str | None = None,
) -> DiffResult:
    """Diff two snapshots of a server; defaults: `to` = current, `from` = the one before `to`.

    A `from` snapshot whose stored pins do not match its content comes back
    `untrusted` with `TV-MCP-PIN-CORRUPT`, never as a clean diff.
    """
    server = get_server_or_raise(session=session, org_id=org_id, server_id=server_id)
    to_id = to_id or server.current_snapshot_id
    if to_id is None:
        raise NotFound("this server has no snapshot yet")
    to_row = get_snapshot_or_raise(
        session=session, org_id=org_id, server_id=server_id, snapshot_id=to_id
    )
    try:
        new = ServerSnapshot.from_dict(to_row.data, verify=True)
    except SnapshotError as exc:
        raise Conflict(f"snapshot {to_id} is corrupt: {exc}") from None
    from_row = (
        get_snapshot_or_raise(
            session=session, org_id=org_id, server_id=server_id, snapshot_id=from_id
        )
        if from_id
        else _previous_snapshot(session, to_row)
    )
    approved = from_row is not None and from_row.id == server.approved_snapshot_id
    diff = diff_snapshots(from_row.data if from_row else None, new, approved=approved)
    return DiffResult(from_row, to_row, diff)


# ── findings ─────────────────────────────────────────────────────────────


def list_findings(
    *,
    session: Session,
    org_id: str,
    page: PageParams,
    server_id: str | None = None,
    status: str | None = None,
    severity: str | None = None,
    rule_id: str | None = None,
    scope: str | None = None,
) -> tuple[Sequence[McpFinding], str | None]:
    stmt = select(McpFinding).where(McpFinding.org_id == org_id)
    if server_id:
        stmt = stmt.where(McpFinding.server_id == server_id)
    if status:
        stmt = stmt.where(McpFinding.status == status)
    if severity:
        stmt = stmt.where(McpFinding.severity_rank >= severity_rank(severity))
    if rule_id:
        stmt = stmt.where(McpFinding.rule_id == rule_id)
    if scope:
        stmt = stmt.where(McpFinding.scope == scope)
    return paginate(session, stmt, id_column=McpFinding.id, sort_spec=FINDING_SORTS, params=page)


def finding_counts(
    *, session: Session, org_id: str, server_id: str | None = None, rule_id: str | None = None
) -> dict[str, int]:
    """How many findings per status (open / suppressed / resolved), for one server or rule."""
    stmt = select(McpFinding.status, func.count()).where(McpFinding.org_id == org_id)
    if server_id:
        stmt = stmt.where(McpFinding.server_id == server_id)
    if rule_id:
        stmt = stmt.where(McpFinding.rule_id == rule_id)
    counts = {"open": 0, "suppressed": 0, "resolved": 0}
    for status, n in session.execute(stmt.group_by(McpFinding.status)):
        counts[str(status)] = int(n)
    return counts


def get_finding_or_raise(*, session: Session, org_id: str, finding_id: str) -> McpFinding:
    return get_scoped_or_raise(
        session, McpFinding, org_id, finding_id, f"finding {finding_id} not found"
    )


def suppress_finding(
    *, session: Session, org_id: str, finding_id: str, reason: str, by: str
) -> McpFinding:
    """Suppress a finding with a reason; a trifecta also records the accepted flow.

    The accepted flow covers exactly the tools the trifecta names today, so a
    new risky tool in the same configuration re-opens it.
    """
    reason = reason.strip()
    if not reason:
        raise InvalidInput(("body", "reason"), "a suppression needs a reason")
    row = get_finding_or_raise(session=session, org_id=org_id, finding_id=finding_id)
    now = utcnow()
    if row.rule_id == "TV-MCP-TRIFECTA" and row.scope:
        tools = sorted((row.detail or {}).get("tools") or [])
        session.add(
            McpSuppression(
                org_id=org_id,
                scope=row.scope,
                tools=tools,
                reason=flows.clean(reason, 2000),
                created_by=flows.clean(by, 100),
                created_at=now,
            )
        )
        row.detail = {**(row.detail or {}), "suppressed_reason": flows.clean(reason, 2000)}
    row.status = "suppressed"
    row.suppressed_reason = flows.clean(reason, 2000)
    row.suppressed_by = flows.clean(by, 100)
    row.suppressed_at = now
    _rescore_server_of(session, org_id, row)
    return row


def unsuppress_finding(*, session: Session, org_id: str, finding_id: str) -> McpFinding:
    """Undo a suppression: the finding is open again and counts in the score.

    A finding the latest scan no longer found is resolved instead: it went away while
    suppressed, and showing it open until the next scan would page someone for nothing.
    For a trifecta the accepted flows that cover it are dropped too; otherwise
    the next scan of the same configuration would suppress it again.
    """
    row = get_finding_or_raise(session=session, org_id=org_id, finding_id=finding_id)
    if row.status != "suppressed":
        raise Conflict(f"finding {finding_id} is not suppressed (status: {row.status})")
    gone = _gone_from_latest_scan(session, org_id, row)
    detail = dict(row.detail or {})
    detail.pop(flows.ABSENT, None)
    if row.rule_id == "TV-MCP-TRIFECTA" and row.scope:
        _drop_accepted_flows(session, org_id, row.scope, detail.get("tools") or [])
        detail.pop("suppressed_reason", None)
    row.detail = detail
    row.status, row.resolved_at = ("resolved", utcnow()) if gone else ("open", None)
    row.suppressed_reason = None
    row.suppressed_by = None
    row.suppressed_at = None
    _rescore_server_of(session, org_id, row)
    return row


def _gone_from_latest_scan(session: Session, org_id: str, row: McpFinding) -> bool:
    """Whether the scans stopped finding `row` while it was suppressed.

    Marked by the scan that missed it (flows.ABSENT). A finding suppressed before that
    mark existed is held against the server's current snapshot: a new snapshot re-checks
    the pin and content findings with the same clock, so one it did not see is older.
    """
    if flows.ABSENT in (row.detail or {}):
        return True
    if not row.server_id or flows.family_of(row.rule_id) not in ("pin", "content"):
        return False
    created = session.scalar(
        select(McpSnapshot.created_at)
        .join(McpServer, McpServer.current_snapshot_id == McpSnapshot.id)
        .where(McpServer.org_id == org_id, McpServer.id == row.server_id)
    )
    return created is not None and row.last_seen_at < created


def _rescore_server_of(session: Session, org_id: str, row: McpFinding) -> None:
    """Write the finding's change, then score its server again (it counts, or no longer)."""
    session.flush()
    if row.server_id:
        server = get_server(session=session, org_id=org_id, server_id=row.server_id)
        if server is not None:
            flows.rescore(session, server)


def _drop_accepted_flows(session: Session, org_id: str, scope: str, tools: list[str]) -> None:
    """Delete this org's accepted flows for `scope` that cover every one of `tools`."""
    refs = {str(t) for t in tools}
    for sup in session.scalars(
        select(McpSuppression).where(McpSuppression.org_id == org_id, McpSuppression.scope == scope)
    ):
        if not sup.tools or refs <= set(sup.tools):
            session.delete(sup)


# ── allowlist ────────────────────────────────────────────────────────────


def _ensure_allowlisted(
    session: Session, org_id: str, key: str, server_hash: str, note: str | None, by: str
) -> McpAllowlistEntry:
    stmt = select(McpAllowlistEntry).where(
        McpAllowlistEntry.org_id == org_id,
        McpAllowlistEntry.identity_key == key,
        McpAllowlistEntry.server_hash == server_hash,
    )
    entry = session.scalar(stmt)
    if entry is not None:
        return entry
    entry = McpAllowlistEntry(
        org_id=org_id,
        identity_key=key,
        server_hash=server_hash,
        note=flows.clean(note, 2000) if note else None,
        created_by=flows.clean(by, 100),
    )
    try:
        # begin_nested() flushes first: add inside, so a conflict stays in the savepoint
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        entry = session.scalar(stmt)
        if entry is None:
            raise
    return entry


def _rescore_identity(session: Session, org_id: str, key: str) -> None:
    allowlist = flows.allowlist_map(session, org_id)
    for server in session.scalars(
        select(McpServer).where(McpServer.org_id == org_id, McpServer.identity_key == key)
    ):
        flows.rescore(session, server, allowlist=allowlist)


def add_allowlist_entry(
    *, session: Session, org_id: str, identity_key: str, server_hash: str, note: str | None, by: str
) -> McpAllowlistEntry:
    """Approve a server identity at one pinned hash (before or after it is first seen)."""
    entry = _ensure_allowlisted(session, org_id, identity_key, server_hash, note, by)
    session.flush()
    _rescore_identity(session, org_id, identity_key)
    return entry


def list_allowlist(
    *, session: Session, org_id: str, page: PageParams
) -> tuple[Sequence[McpAllowlistEntry], str | None]:
    return paginate_scoped(session, McpAllowlistEntry, org_id, page, ALLOWLIST_SORTS)


def remove_allowlist_entry(*, session: Session, org_id: str, entry_id: str) -> None:
    entry = get_scoped_or_raise(
        session, McpAllowlistEntry, org_id, entry_id, f"allowlist entry {entry_id} not found"
    )
    key = entry.identity_key
    session.delete(entry)
    session.flush()
    _rescore_identity(session, org_id, key)


# ── agents (from the SDK's mcp.use events) ───────────────────────────────


def _full_definitions(tools: Sequence[Any]) -> list[dict[str, Any]] | None:
    """The listed tools if every one is a whole wire-format definition, else None."""
    if not tools:
        return None
    out: list[dict[str, Any]] = []
    for t in tools:
        if not isinstance(t, Mapping) or not isinstance(t.get("name"), str):
            return None
        if "inputSchema" not in t:
            return None
        out.append(dict(t))
    names = [t["name"] for t in out]
    return out if len(set(names)) == len(names) else None


def _match_server(
    session: Session,
    org_id: str,
    server_name: str,
    version: str | None,
    tool_names: set[str],
) -> McpServer | None:
    candidates = list(
        session.scalars(
            select(McpServer).where(
                McpServer.org_id == org_id,
                (McpServer.server_name == server_name) | (McpServer.name == server_name),
            )
        )
    )
    if not candidates:
        return None

    def rank(s: McpServer) -> tuple[int, int, int, datetime]:
        own: set[str] = set()
        if tool_names:
            own = set(
                session.scalars(
                    select(McpTool.name).where(McpTool.org_id == org_id, McpTool.server_id == s.id)
                )
            )
        return (
            int(s.server_name == server_name),
            int(bool(version) and s.server_version == version),
            len(own & tool_names),
            s.last_seen_at,
        )

    return max(candidates, key=rank)


def record_agent_usage(
    *,
    session: Session,
    org_id: str,
    agent_id: str,
    server_name: str,
    server_info: Mapping[str, Any] | None = None,
    tools_listed: Sequence[Any] | None = None,
    tool_called: str | None = None,
    seen_at: datetime | None = None,
) -> McpServer:
    """Record one `mcp.use` event: which agent used which MCP server (and tool).

    The server is matched by its `serverInfo.name` (then version and tool
    overlap) among the servers scans reported; a server no scan has seen is
    added as `observed`. When the event carries whole tool definitions they
    are checked like a scan: covert findings, and for an approved server a
    definition that differs from the pin is a rug pull seen at runtime.
    """
    now = seen_at or utcnow()
    server_name = flows.clean(server_name or "unknown", 200) or "unknown"
    info = dict(server_info or {})
    version = info.get("version") if isinstance(info.get("version"), str) else None
    listed = list(tools_listed or [])[:500]
    names = {str(t.get("name")) for t in listed if isinstance(t, Mapping) and t.get("name")}
    server = _match_server(session, org_id, server_name, version, names)
    if server is None:
        parts = {"transport": "observed", "name": server_name}
        identity = ServerIdentity(
            "observed", None, (), None, None, "mcp:" + hash_value(parts)[7:39]
        )
        server = flows.upsert_server(
            session,
            org_id,
            identity=identity,
            name=server_name,
            target=server_name,
            origin="agent",
            now=now,
        )
        if server.server_name is None:
            server.server_name = server_name
            server.server_version = flows.clean(version, 100) or None
    definitions = _full_definitions(listed)
    if definitions is not None and server.transport != "static":
        _check_runtime_definitions(session, server, definitions, info, now)
    usage = _usage_row(session, org_id, agent_id, server, now)
    if tool_called:
        usage.call_count += 1
        called = dict(usage.tools_called or {})
        key = flows.clean(tool_called, 200)
        if key in called or len(called) < 200:
            called[key] = int(called.get(key, 0)) + 1
        usage.tools_called = called
    else:
        usage.list_count += 1
    usage.last_seen_at = max(usage.last_seen_at, now)
    usage.server_name = server_name
    server.last_seen_at = max(server.last_seen_at, now)
    session.flush()
    return server


def _usage_row(
    session: Session, org_id: str, agent_id: str, server: McpServer, now: datetime
) -> McpAgentUsage:
    stmt = select(McpAgentUsage).where(
        McpAgentUsage.org_id == org_id,
        McpAgentUsage.agent_id == agent_id,
        McpAgentUsage.server_id == server.id,
    )
    usage = session.scalar(stmt)
    if usage is not None:
        return usage
    usage = McpAgentUsage(
        org_id=org_id,
        agent_id=flows.clean(agent_id, 32),
        server_id=server.id,
        server_name=server.name,
        list_count=0,
        call_count=0,
        tools_called={},
        first_seen_at=now,
        last_seen_at=now,
    )
    try:
        # begin_nested() flushes first: add inside, so a conflict stays in the savepoint
        with session.begin_nested():
            session.add(usage)
            session.flush()
    except IntegrityError:
        usage = session.scalar(stmt)
        if usage is None:
            raise
    else:
        _evaluate_agent_scope(session, org_id, usage.agent_id, now)
    return usage


def rejudge_scopes(
    *,
    session: Session,
    org_id: str,
    server_ids: Sequence[str],
    skip: set[str] | None = None,
    now: datetime | None = None,
) -> list[McpFinding]:
    """Re-judge every scope (configuration or agent) that holds a server whose tools changed.

    A trifecta spans servers, so a new tool on one server can complete (or break)
    one in a configuration this report did not include, or in an agent that uses
    the server; `skip` names the configurations the caller has just judged.
    """
    if not server_ids:
        return []
    when = now or utcnow()
    wanted = set(server_ids)
    skip = skip or set()
    groups = {
        g
        for s in session.scalars(
            select(McpServer).where(McpServer.org_id == org_id, McpServer.id.in_(list(wanted)))
        )
        for g in (s.groups or [])
    }
    opened = _judge_groups(session, org_id, groups - skip, when)
    agents = session.scalars(
        select(McpAgentUsage.agent_id)
        .where(McpAgentUsage.org_id == org_id, McpAgentUsage.server_id.in_(list(wanted)))
        .distinct()
    )
    for agent_id in sorted(set(agents)):
        opened += _evaluate_agent_scope(session, org_id, agent_id, when)
    return opened


def _judge_groups(
    session: Session, org_id: str, groups: set[str], now: datetime
) -> list[McpFinding]:
    """Trifecta and collisions of each configuration over every server that lists it."""
    if not groups:
        return []
    candidates = list(session.scalars(select(McpServer).where(McpServer.org_id == org_id)))
    opened: list[McpFinding] = []
    for group in sorted(groups):
        members = [s for s in candidates if group in (s.groups or [])]
        opened += flows.evaluate_scope(session, org_id, scope=group, servers=members, now=now)
    return opened


def _evaluate_agent_scope(
    session: Session, org_id: str, agent_id: str, now: datetime
) -> list[McpFinding]:
    """The trifecta across every server one agent uses (judged when it starts using one more)."""
    ids = list(
        session.scalars(
            select(McpAgentUsage.server_id).where(
                McpAgentUsage.org_id == org_id, McpAgentUsage.agent_id == agent_id
            )
        )
    )
    servers = list(
        session.scalars(select(McpServer).where(McpServer.org_id == org_id, McpServer.id.in_(ids)))
    )
    return flows.evaluate_scope(
        session, org_id, scope=f"agent:{agent_id}", servers=servers, now=now
    )


def _check_runtime_definitions(
    session: Session,
    server: McpServer,
    tools: list[dict[str, Any]],
    info: Mapping[str, Any],
    now: datetime,
) -> None:
    base: ServerSnapshot | None = None
    current = (
        get_snapshot(
            session=session,
            org_id=server.org_id,
            server_id=server.id,
            snapshot_id=server.current_snapshot_id,
        )
        if server.current_snapshot_id
        else None
    )
    if current is not None:
        try:
            base = ServerSnapshot.from_dict(current.data, verify=True)
        except SnapshotError:
            base = None
    if base is not None:
        # An agent sees tools only: keep what the scan saw of everything else, so
        # the server hash moves only when a tool definition really differs.
        seen = ServerSnapshot(
            server_info=base.server_info,
            protocol_version=base.protocol_version,
            capabilities=base.capabilities,
            instructions=base.instructions,
            tools=tools,
            prompts=base.prompts,
            resources=base.resources,
            resource_templates=base.resource_templates,
            captured_at=now.isoformat(timespec="seconds"),
        )
    else:
        name = info.get("name")
        ver = info.get("version")
        seen = ServerSnapshot(
            server_info={"name": str(name)[:200], "version": str(ver)[:100]}
            if isinstance(name, str) and isinstance(ver, str)
            else None,
            tools=tools,
            captured_at=now.isoformat(timespec="seconds"),
        )
    if any(len(t["name"]) > 200 for t in tools) or seen.server_hash == server.current_hash:
        return
    applied = flows.apply_snapshot(session, server, seen, origin="agent", now=now)
    flows.rescore(session, server)
    if applied.changed:
        rejudge_scopes(session=session, org_id=server.org_id, server_ids=[server.id], now=now)


def server_agents(
    *, session: Session, org_id: str, server_id: str, page: PageParams
) -> tuple[list[tuple[McpAgentUsage, str | None]], str | None]:
    """Agents that use one server, with the agent's name when the agents domain knows it."""
    get_server_or_raise(session=session, org_id=org_id, server_id=server_id)
    rows, cursor = paginate_scoped(
        session, McpAgentUsage, org_id, page, USAGE_SORTS, McpAgentUsage.server_id == server_id
    )
    return [(r, n) for r, n in zip(rows, _agent_names(session, org_id, rows), strict=True)], cursor


def agent_usage_page(
    *, session: Session, org_id: str, agent_id: str, page: PageParams
) -> tuple[Sequence[McpAgentUsage], str | None]:
    """The MCP servers one agent uses."""
    return paginate_scoped(
        session, McpAgentUsage, org_id, page, USAGE_SORTS, McpAgentUsage.agent_id == agent_id
    )


def _agent_names(session: Session, org_id: str, rows: Sequence[McpAgentUsage]) -> list[str | None]:
    try:
        from threatvec.agents.models import Agent
    except ImportError:  # the agents domain is optional for the MCP inventory
        return [None] * len(rows)
    ids = {r.agent_id for r in rows}
    names: dict[str, str] = {}
    if ids:
        stmt = select(Agent.id, Agent.name).where(Agent.org_id == org_id, Agent.id.in_(ids))
        names = {str(row[0]): str(row[1]) for row in session.execute(stmt)}
    return [names.get(r.agent_id) for r in rows]


def agent_counts(*, session: Session, org_id: str, server_ids: Sequence[str]) -> dict[str, int]:
    if not server_ids:
        return {}
    rows = session.execute(
        select(McpAgentUsage.server_id, func.count())
        .where(McpAgentUsage.org_id == org_id, McpAgentUsage.server_id.in_(list(server_ids)))
        .group_by(McpAgentUsage.server_id)
    )
    return {str(row[0]): int(row[1]) for row in rows}


# ── fleet score for the posture engine ───────────────────────────────────


def fleet_inputs(*, session: Session, org_id: str) -> list[Any]:
    """Per-server scores as `posture.dimensions.McpServerScoreInput`, for the MCP dimension.

    Servers without a snapshot (never scanned successfully) have no score and
    are left out; the posture's coverage counts say how many were scored.
    """
    from threatvec.posture.dimensions import McpServerScoreInput

    out: list[McpServerScoreInput] = []
    for server in session.scalars(
        select(McpServer)
        .where(McpServer.org_id == org_id, McpServer.score_rank >= 0)
        .order_by(McpServer.name, McpServer.id)
    ):
        score = flows.stored_score(server)
        if score is not None:
            out.append(McpServerScoreInput.from_mcp_score(server.id, server.name, score))
    return out


def fleet_score(*, session: Session, org_id: str) -> Any:
    """The MCP posture dimension (`posture.dimensions.DimensionScore`) of one org."""
    from threatvec.posture.dimensions import mcp_dimension

    return mcp_dimension(fleet_inputs(session=session, org_id=org_id))
