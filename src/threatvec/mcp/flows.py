"""Server-side MCP flows: validate a scan report, apply snapshots, dedupe findings, rescore.

The server never takes the client's word for what matters: each snapshot's
pins are verified (`ServerSnapshot.from_dict`), the identity key is
recomputed from its parts, and covert findings, diffs, labels, trifectas and
scores are computed here with the same library the CLI uses. Only the
config-level findings (plain-http transport, secrets on the command line,
scan errors) are taken from the report: they describe a file on the
client's machine that the server never sees.

Findings are deduplicated by a fingerprint (server or scope, rule, pointer,
tool) and kept in families, each refreshed by the step that can see it:

* ``config``  — from the report entry (`CONFIG_RULES`)
* ``pin``     — from the diff against the pin / previous snapshot
* ``content`` — covert findings on the snapshot itself
* ``scope``   — trifecta and tool collisions of one configuration or agent
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.mcp.analysis import covert_findings, tool_collisions
from threatvec.mcp.canonical import hash_value
from threatvec.mcp.diff import Change, SnapshotDiff, diff_snapshots
from threatvec.mcp.findings import SEVERITIES, make_finding, max_severity, severity_rank
from threatvec.mcp.identity import PackageRef, ServerIdentity, sanitize_url
from threatvec.mcp.labels import Suppression, ToolLabels, find_trifectas, label_tool
from threatvec.mcp.models import (
    McpAllowlistEntry,
    McpFinding,
    McpServer,
    McpSnapshot,
    McpSuppression,
    McpTool,
)
from threatvec.mcp.redact import redact_args
from threatvec.mcp.report import REPORT_SCHEMA
from threatvec.mcp.scoring import McpScore, ScorePart, score_server
from threatvec.mcp.snapshot import ServerSnapshot, SnapshotError
from threatvec.mcp.trust import TrustAssessment, TrustBasis, assess_trust, check_claim
from threatvec.signals import service as signals

__all__ = [
    "ABSENT",
    "CONFIG_RULES",
    "MAX_SERVERS_PER_REPORT",
    "PIN_RULES",
    "RUG_PULL_SIGNAL",
    "AppliedServer",
    "EntryRejected",
    "ValidEntry",
    "allowlist_map",
    "apply_snapshot",
    "clean",
    "evaluate_scope",
    "family_of",
    "load_diff",
    "rescore",
    "stored_score",
    "sync_findings",
    "upsert_server",
    "validate_entry",
    "validate_identity",
]

log = logging.getLogger("threatvec.mcp")
MAX_SERVERS_PER_REPORT = 500
MAX_TOOLS_PER_SERVER = 10_000
RUG_PULL_SIGNAL = "mcp.rug_pull"
CONFIG_RULES = frozenset(
    {"TV-MCP-INSECURE-TRANSPORT", "TV-MCP-SECRET-IN-ARGS", "TV-MCP-SCAN-ERROR"}
)
PIN_RULES = frozenset(
    {"TV-MCP-RUGPULL", "TV-MCP-CHANGE", "TV-MCP-PIN-CORRUPT", "TV-MCP-PIN-MISSING"}
)
SCOPE_RULES = frozenset({"TV-MCP-TRIFECTA", "TV-MCP-TOOL-COLLISION"})
_STATUSES = frozenset({"ok", "error", "timeout", "skipped"})
_TRANSPORTS = frozenset({"stdio", "http", "sse", "static"})
_ECOSYSTEMS = frozenset({"npm", "pypi", "docker"})
_KEY = re.compile(r"^mcp:[0-9a-f]{32}$")


def clean(value: Any, limit: int) -> str:
    """Text safe for any backend column: NUL shown escaped, cut to the column size."""
    text = "" if value is None else str(value)
    return text.replace("\x00", "\\x00")[:limit]


def family_of(rule_id: str) -> str:
    if rule_id in CONFIG_RULES:
        return "config"
    if rule_id in PIN_RULES:
        return "pin"
    if rule_id in SCOPE_RULES:
        return "scope"
    return "content"


# ── report validation ────────────────────────────────────────────────────


class EntryRejected(ValueError):
    """One server entry of a report cannot be accepted; the message says why."""


@dataclass
class ValidEntry:
    """A server entry that passed validation."""

    index: int
    name: str
    group: str
    status: str
    error: str | None
    target: str
    identity: ServerIdentity
    snapshot: ServerSnapshot | None
    config_findings: list[dict[str, Any]] = field(default_factory=list)
    trust_basis: TrustBasis | None = None


def _opt_str(data: Mapping[str, Any], key: str, limit: int) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise EntryRejected(f"identity.{key} must be a string of at most {limit} characters")
    return value


def _url_holds_secret(url: str) -> bool:
    from urllib.parse import parse_qsl, urlsplit

    try:
        parts = urlsplit(url)
        has_userinfo = parts.username is not None or parts.password is not None
    except ValueError:
        return True
    safe = parse_qsl(urlsplit(sanitize_url(url)).query, keep_blank_values=True)
    return has_userinfo or parse_qsl(parts.query, keep_blank_values=True) != safe


def validate_identity(data: Any) -> ServerIdentity:
    """Rebuild a `ServerIdentity` from its JSON form; its key must match its parts."""
    if not isinstance(data, Mapping):
        raise EntryRejected("identity must be an object")
    key = data.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise EntryRejected("identity.key must look like mcp:<32 hex>")
    transport = data.get("transport")
    if transport not in _TRANSPORTS:
        raise EntryRejected(f"identity.transport must be one of {', '.join(sorted(_TRANSPORTS))}")
    command = _opt_str(data, "command", 2000)
    url = _opt_str(data, "url", 2000)
    args = data.get("args", [])
    if not isinstance(args, list) or len(args) > 200 or not all(isinstance(a, str) for a in args):
        raise EntryRejected("identity.args must be a list of at most 200 strings")
    # The scanner redacts credentials before it builds an identity; one that
    # still holds them (an old or foreign client) is refused, never stored.
    if redact_args(args) != args:
        raise EntryRejected("identity.args hold a credential; send them redacted")
    if url and _url_holds_secret(url):
        raise EntryRejected("identity.url holds credentials or secret query values")
    package: PackageRef | None = None
    raw_pkg = data.get("package")
    if raw_pkg is not None:
        if not isinstance(raw_pkg, Mapping) or raw_pkg.get("ecosystem") not in _ECOSYSTEMS:
            raise EntryRejected("identity.package must name an npm, pypi or docker package")
        name = _opt_str(raw_pkg, "name", 300)
        version = _opt_str(raw_pkg, "version", 200)
        source = _opt_str(raw_pkg, "version_source", 20)
        if not name:
            raise EntryRejected("identity.package.name is required")
        package = PackageRef(raw_pkg["ecosystem"], name, version, source)
    parts = {
        "transport": transport,
        "command": command,
        "args": list(args),
        "url": url,
        "package": None
        if package is None
        else {"ecosystem": package.ecosystem, "name": package.name, "version": package.version},
    }
    # Same derivation as identity.derive_identity: a key that does not match the
    # parts it claims would let a report overwrite another server's history.
    expected = "mcp:" + hash_value(parts).removeprefix("sha256:")[:32]
    if expected != key:
        raise EntryRejected("identity.key does not match the identity's parts")
    return ServerIdentity(transport, command, tuple(args), url, package, key)


def _config_findings(raw: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if not isinstance(raw, list):
        return out
    for f in raw[:1000]:
        if not isinstance(f, Mapping) or f.get("rule_id") not in CONFIG_RULES:
            continue
        sev = str(f.get("severity", "")).lower()
        out.append(
            make_finding(
                str(f["rule_id"]),
                clean(f.get("message"), 2000),
                severity=sev if sev in SEVERITIES else None,
                pointer=clean(f.get("pointer"), 1000),
            )
        )
    return out


def validate_entry(index: int, entry: Any) -> ValidEntry:
    """Check one `servers[]` entry of a `threatvec.mcp-scan/1` report."""
    if not isinstance(entry, Mapping):
        raise EntryRejected("server entry must be an object")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise EntryRejected("name must be a non-empty string of at most 200 characters")
    status = entry.get("status")
    if status not in _STATUSES:
        raise EntryRejected(f"status must be one of {', '.join(sorted(_STATUSES))}")
    identity = validate_identity(entry.get("identity"))
    snapshot: ServerSnapshot | None = None
    raw_snap = entry.get("snapshot")
    if status == "ok" or raw_snap is not None:
        if raw_snap is None:
            raise EntryRejected("a server scanned ok needs its snapshot")
        try:
            snapshot = ServerSnapshot.from_dict(raw_snap, verify=True)
        except SnapshotError as exc:
            raise EntryRejected(f"snapshot rejected: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise EntryRejected(f"snapshot rejected: {type(exc).__name__}") from None
        if len(snapshot.tools) > MAX_TOOLS_PER_SERVER:
            raise EntryRejected(f"more than {MAX_TOOLS_PER_SERVER} tools")
        if any(len(t["name"]) > 200 for t in snapshot.tools):
            raise EntryRejected("a tool name is longer than 200 characters")
    group = entry.get("group")
    target = entry.get("target")
    error = entry.get("error")
    return ValidEntry(
        index=index,
        name=clean(name.strip(), 200),
        group=clean(group, 500) if isinstance(group, str) and group else "report",
        status=str(status),
        error=clean(error, 2000) if isinstance(error, str) else None,
        target=clean(target, 500) if isinstance(target, str) else identity.display()[:500],
        identity=identity,
        snapshot=snapshot,
        config_findings=_config_findings(entry.get("findings")),
        trust_basis=_trust_basis(identity, entry.get("spec")),
    )


def _trust_basis(identity: ServerIdentity, spec: Any) -> TrustBasis | None:
    """Catalog trust from the command the report shows, when the reported package disagrees.

    The scanner's reading of the package (pinned or not, which registry) is a
    claim: a report could call `npx -y pkg` a pinned package. Only the spec's
    command and arguments are visible here, so they decide (`check_claim`).
    """
    spec = spec if isinstance(spec, Mapping) else {}
    command = spec.get("command")
    args = spec.get("args")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        args = []
    return check_claim(
        identity,
        command=command if isinstance(command, str) and command else None,
        args=args[:200],
    )


def _stored_identity(identity: ServerIdentity, basis: TrustBasis | None) -> dict[str, Any]:
    data = identity.to_dict()
    if basis is not None:
        data["trust_basis"] = basis.to_dict()
    return data


def check_report(report: Mapping[str, Any]) -> list[Any]:
    """Top-level checks of a report; returns its server entries."""
    from threatvec.core.errors import InvalidInput

    if report.get("schema") != REPORT_SCHEMA:
        raise InvalidInput(("body", "schema"), f"expected {REPORT_SCHEMA!r}")
    servers = report.get("servers")
    if not isinstance(servers, list):
        raise InvalidInput(("body", "servers"), "servers must be a list")
    if len(servers) > MAX_SERVERS_PER_REPORT:
        raise InvalidInput(
            ("body", "servers"), f"at most {MAX_SERVERS_PER_REPORT} servers per report"
        )
    return servers


# ── servers, snapshots and tools ─────────────────────────────────────────


def upsert_server(
    session: Session,
    org_id: str,
    *,
    identity: ServerIdentity,
    name: str,
    target: str,
    origin: str = "scan",
    now: datetime | None = None,
    trust_basis: TrustBasis | None = None,
) -> McpServer:
    """The server row for `identity`, created on first sight (label kept as a display name)."""
    now = now or utcnow()
    stmt = select(McpServer).where(
        McpServer.org_id == org_id, McpServer.identity_key == identity.key
    )
    server = session.scalar(stmt)
    if server is None:
        server = McpServer(
            org_id=org_id,
            identity_key=identity.key,
            name=clean(name, 200),
            labels=[],
            transport=identity.transport,
            target=clean(target, 500),
            identity=_stored_identity(identity, trust_basis),
            origin=origin,
            first_seen_at=now,
            last_seen_at=now,
            groups=[],
            trust={},
            score_parts={},
        )
        try:
            # begin_nested() flushes first: add inside, so a conflict stays in the savepoint
            with session.begin_nested():
                session.add(server)
                session.flush()
        except IntegrityError:  # the same identity arrived concurrently
            server = session.scalar(stmt)
            if server is None:
                raise
    if origin == "scan":
        if server.origin != "scan":
            server.origin = "scan"
        server.name = clean(name, 200)
        server.target = clean(target, 500)
        server.identity = _stored_identity(identity, trust_basis)
    if name not in (server.labels or []) and len(server.labels or []) < 50:
        server.labels = [*(server.labels or []), clean(name, 200)]
    server.last_seen_at = now
    return server


def identity_of(server: McpServer) -> ServerIdentity:
    data = server.identity or {}
    pkg = data.get("package")
    return ServerIdentity(
        str(data.get("transport") or server.transport),
        data.get("command"),
        tuple(data.get("args") or ()),
        data.get("url"),
        None
        if not pkg
        else PackageRef(
            pkg["ecosystem"], pkg["name"], pkg.get("version"), pkg.get("version_source")
        ),
        server.identity_key,
    )


def _sync_tools(session: Session, server: McpServer, snapshot: ServerSnapshot) -> None:
    existing = {
        t.name: t
        for t in session.scalars(
            select(McpTool).where(McpTool.org_id == server.org_id, McpTool.server_id == server.id)
        )
    }
    pins = snapshot.pins()["tools"]
    seen: set[str] = set()
    for tool in snapshot.tools:
        name = clean(tool["name"], 200)
        if name in seen:
            continue
        seen.add(name)
        ann = tool.get("annotations")
        title = tool.get("title")
        values = {
            "title": clean(title, 300) if isinstance(title, str) else None,
            "description": clean(tool.get("description"), 20_000),
            "hash": pins[tool["name"]]["hash"],
            "labels": label_tool(tool),
            "annotations": dict(ann) if isinstance(ann, Mapping) else {},
        }
        row = existing.get(name)
        if row is None:
            session.add(McpTool(org_id=server.org_id, server_id=server.id, name=name, **values))
        else:
            for key, value in values.items():
                setattr(row, key, value)
    for name, row in existing.items():
        if name not in seen:
            session.delete(row)
    session.flush()


def load_diff(data: Mapping[str, Any] | None) -> SnapshotDiff | None:
    """A stored `SnapshotDiff.to_dict()` back as an object (for scoring)."""
    if not data:
        return None
    changes = [
        Change(
            kind=str(c.get("kind")),
            severity=str(c.get("severity")),
            pointer=str(c.get("pointer")),
            message=str(c.get("message")),
            tool=c.get("tool"),
            old=c.get("old"),
            new=c.get("new"),
            directive=bool(c.get("directive")),
            covert=list(c.get("covert") or []),
        )
        for c in data.get("changes", [])
    ]
    return SnapshotDiff(
        data.get("status", "new"),
        data.get("pin_state", "none"),
        bool(data.get("approved")),
        data.get("old_hash"),
        str(data.get("new_hash")),
        changes,
        list(data.get("findings") or []),
        data.get("pin_error"),
    )


@dataclass
class AppliedServer:
    """What applying one snapshot did."""

    server: McpServer
    snapshot: McpSnapshot | None
    changed: bool
    pin: SnapshotDiff | None
    opened: list[McpFinding] = field(default_factory=list)

    @property
    def rug_pull(self) -> bool:
        return self.pin is not None and self.pin.rug_pull


def _pin_base(session: Session, server: McpServer, prev: McpSnapshot | None) -> Any:
    if not server.approved:
        return prev.data if prev else None
    if server.approved_snapshot_id is None:
        return None
    pin = session.scalar(
        select(McpSnapshot).where(
            McpSnapshot.org_id == server.org_id,
            McpSnapshot.server_id == server.id,
            McpSnapshot.id == server.approved_snapshot_id,
        )
    )
    return pin.data if pin is not None else None


def apply_snapshot(
    session: Session,
    server: McpServer,
    snapshot: ServerSnapshot,
    *,
    other_tool_names: Iterable[str] = (),
    scan_id: str | None = None,
    origin: str = "scan",
    now: datetime | None = None,
) -> AppliedServer:
    """Store `snapshot` for `server` (if new), diff it against the pin, refresh findings."""
    now = now or utcnow()
    prev = None
    if server.current_snapshot_id:
        prev = session.scalar(
            select(McpSnapshot).where(
                McpSnapshot.org_id == server.org_id, McpSnapshot.id == server.current_snapshot_id
            )
        )
    new_hash = snapshot.server_hash
    changed = prev is None or prev.server_hash != new_hash
    pin = diff_snapshots(_pin_base(session, server, prev), snapshot, approved=server.approved)
    if changed:
        # The stored diff is always against the previous snapshot (history for
        # schema stability); the pin diff above may be against an older approval.
        since_prev: SnapshotDiff | None = None
        if prev is not None:
            since_prev = (
                diff_snapshots(prev.data, snapshot, approved=False) if server.approved else pin
            )
        row = McpSnapshot(
            org_id=server.org_id,
            server_id=server.id,
            server_hash=new_hash,
            data=snapshot.to_dict(),
            tool_count=len(snapshot.tools),
            origin=origin,
            scan_id=scan_id,
            diff=since_prev.to_dict() if since_prev else None,
            rug_pull=pin.rug_pull,
            created_at=now,
            last_seen_at=now,
        )
        session.add(row)
        session.flush()
        server.current_snapshot_id = row.id
        server.current_hash = new_hash
        _sync_tools(session, server, snapshot)
    else:
        assert prev is not None
        row = prev
        row.last_seen_at = now
        if (prev.data or {}).get("resource_contents") != snapshot.resource_contents:
            # Resource texts are content, outside the pin: keep the latest on the
            # snapshot so the inventory shows what the server serves now.
            row.data = {**(prev.data or {}), "resource_contents": snapshot.resource_contents}
    info = snapshot.server_info or {}
    server.server_name = clean(info.get("name"), 200) or None
    server.server_version = clean(info.get("version"), 100) or None
    server.tool_count = len(snapshot.tools)
    server.pin_status = pin.status
    server.pin_state = pin.pin_state
    server.pin_diff = pin.to_dict()
    server.status = "ok"
    server.last_error = None
    server.scans = (server.scans or 0) + 1
    opened = sync_findings(
        session,
        server.org_id,
        server_id=server.id,
        scope=None,
        family="pin",
        found=pin.findings,
        now=now,
    )
    others = sorted(set(other_tool_names))
    # The detector's input is the definition (new_hash) plus the resource texts,
    # which the hash leaves out on purpose: a changed text must be scanned again.
    texts = hash_value(snapshot.resource_contents)
    key = hashlib.sha256(
        "\n".join([new_hash, texts, *others]).encode("utf-8", "replace")
    ).hexdigest()
    if not (server.covert_checked and server.analysis_key == key):
        try:
            covert = covert_findings(snapshot, other_servers_tool_names=others)
        except Exception as exc:  # a detector bug must not lose the inventory; score says so
            log.warning("covert detector failed on %s: %s", server.id, type(exc).__name__)
            covert = None
        server.covert_checked = covert is not None
        server.analysis_key = key if covert is not None else None
        opened += sync_findings(
            session,
            server.org_id,
            server_id=server.id,
            scope=None,
            family="content",
            found=covert or [],
            now=now,
        )
    result = AppliedServer(server, row, changed, pin, opened)
    for f in opened:
        if f.rule_id == "TV-MCP-RUGPULL":
            signals.publish(
                session=session,
                org_id=server.org_id,
                kind=RUG_PULL_SIGNAL,
                data={
                    "server_id": server.id,
                    "server": server.name,
                    "identity_key": server.identity_key,
                    "finding_id": f.id,
                    "severity": f.severity,
                    "message": f.message[:500],
                    "snapshot_id": row.id,
                    "changes": len(pin.changes),
                    "origin": origin,
                },
            )
    return result


# ── findings ─────────────────────────────────────────────────────────────


def fingerprint(server_id: str | None, scope: str | None, f: Mapping[str, Any]) -> str:
    key = "|".join(
        [
            server_id or "",
            scope or "",
            str(f.get("rule_id")),
            str(f.get("pointer") or ""),
            str(f.get("tool") or ""),
        ]
    )
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


_DETAIL_KEYS = ("verdict", "tools", "scope", "suppressed_reason")
# detail key: when the scans stopped finding a suppressed finding (service.unsuppress_finding).
ABSENT = "absent_since"


def sync_findings(
    session: Session,
    org_id: str,
    *,
    server_id: str | None,
    scope: str | None,
    family: str,
    found: Sequence[Mapping[str, Any]],
    now: datetime | None = None,
    detail: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[McpFinding]:
    """Make the stored findings of one family equal `found`; returns newly opened ones.

    A finding seen again keeps its id and suppression; one that disappeared is
    resolved; a resolved one that comes back is re-opened (and counts as new).
    """
    now = now or utcnow()
    stmt = select(McpFinding).where(McpFinding.org_id == org_id)
    stmt = stmt.where(
        McpFinding.server_id == server_id if server_id else McpFinding.server_id.is_(None)
    )
    stmt = stmt.where(McpFinding.scope == scope if scope else McpFinding.scope.is_(None))
    existing = {f.fingerprint: f for f in session.scalars(stmt) if family_of(f.rule_id) == family}
    opened: list[McpFinding] = []
    seen: set[str] = set()
    for f in found:
        fp = fingerprint(server_id, scope, f)
        if fp in seen:
            continue
        seen.add(fp)
        sev = str(f.get("severity", "medium")).lower()
        sev = sev if sev in SEVERITIES else "medium"
        extra = {k: f[k] for k in _DETAIL_KEYS if k in f}
        values = {
            "rule_id": clean(f.get("rule_id"), 60),
            "severity": sev,
            "severity_rank": severity_rank(sev),
            "message": clean(f.get("message"), 4000),
            "pointer": clean(f.get("pointer"), 1000),
            "snippet": clean(f.get("snippet"), 2000),
            "tool": clean(f.get("tool"), 200) or None,
            "atlas": [clean(a, 40) for a in f.get("atlas") or []][:10],
            "owasp": [clean(a, 40) for a in f.get("owasp") or []][:10],
            "detail": {**extra, **dict((detail or {}).get(fp, {}))},
            "last_seen_at": now,
        }
        row = existing.get(fp)
        if row is None:
            row = McpFinding(
                org_id=org_id,
                fingerprint=fp,
                server_id=server_id,
                scope=clean(scope, 500) if scope else None,
                status="open",
                first_seen_at=now,
                **values,
            )
            session.add(row)
            session.flush()
            opened.append(row)
            continue
        for key, value in values.items():
            setattr(row, key, value)
        if row.status == "resolved":
            row.status, row.resolved_at = "open", None
            opened.append(row)
    for fp, row in existing.items():
        if fp not in seen and row.status == "open":
            row.status, row.resolved_at = "resolved", now
        elif fp not in seen and row.status == "suppressed" and ABSENT not in (row.detail or {}):
            # A suppression outlives its finding; remember it is gone so undoing the
            # suppression resolves it instead of opening it until the next scan. A
            # sighting rebuilds `detail` above, which drops the mark.
            row.detail = {**(row.detail or {}), ABSENT: now.isoformat()}
    session.flush()
    return opened


# ── cross-server: trifecta and collisions per configuration / agent ─────


def _suppressions(session: Session, org_id: str) -> list[Suppression]:
    rows = session.scalars(select(McpSuppression).where(McpSuppression.org_id == org_id))
    return [Suppression(r.scope, r.reason, frozenset(r.tools) if r.tools else None) for r in rows]


def evaluate_scope(
    session: Session,
    org_id: str,
    *,
    scope: str,
    servers: Sequence[McpServer],
    now: datetime | None = None,
) -> list[McpFinding]:
    """Trifecta and tool collisions across `servers` (one configuration or one agent)."""
    ids = [s.id for s in servers]
    tools = list(
        session.scalars(select(McpTool).where(McpTool.org_id == org_id, McpTool.server_id.in_(ids)))
        if ids
        else []
    )
    by_id = {s.id: s for s in servers}
    labelled = [
        ToolLabels(by_id[t.server_id].name, by_id[t.server_id].identity_key, t.name, t.labels)
        for t in tools
    ]
    found: list[dict[str, Any]] = []
    for tri in find_trifectas({scope: labelled}, suppressions=_suppressions(session, org_id)):
        finding = tri.finding()
        finding["detail_legs"] = tri.to_dict()
        found.append(finding)
    # Collisions by server (one row per identity), not by display name: two
    # servers that happen to share a label still collide.
    names: dict[str, list[str]] = defaultdict(list)
    for t in tools:
        names[t.server_id].append(t.name)
    found += tool_collisions(
        scope, [(s.identity_key, s.name, names[s.id]) for s in servers if s.id in names]
    )
    detail = {
        fingerprint(None, scope, f): {"legs": f.pop("detail_legs")}
        for f in found
        if "detail_legs" in f
    }
    opened = sync_findings(
        session,
        org_id,
        server_id=None,
        scope=scope,
        family="scope",
        found=found,
        now=now,
        detail=detail,
    )
    # A trifecta follows the org's accepted flows: covered → suppressed with the
    # reason given; no longer covered (a new risky tool joined) → open again.
    current = {fingerprint(None, scope, f) for f in found if f["rule_id"] == "TV-MCP-TRIFECTA"}
    for row in session.scalars(
        select(McpFinding).where(
            McpFinding.org_id == org_id,
            McpFinding.scope == scope,
            McpFinding.rule_id == "TV-MCP-TRIFECTA",
            McpFinding.status.in_(["open", "suppressed"]),
        )
    ):
        if row.fingerprint not in current:
            continue
        reason = (row.detail or {}).get("suppressed_reason")
        if reason and row.status == "open":
            row.status, row.suppressed_reason = "suppressed", clean(reason, 2000)
            row.suppressed_at = now or utcnow()
            if row in opened:
                opened.remove(row)
        elif not reason and row.status == "suppressed":
            row.status, row.suppressed_reason, row.suppressed_at = "open", None, None
            opened.append(row)
    session.flush()
    return opened


# ── trust and score ──────────────────────────────────────────────────────


def allowlist_map(session: Session, org_id: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for e in session.scalars(select(McpAllowlistEntry).where(McpAllowlistEntry.org_id == org_id)):
        out[e.identity_key].append(e.server_hash)
    return dict(out)


def _trust(server: McpServer, allowlist: Mapping[str, Iterable[str]]) -> TrustAssessment:
    if server.transport == "observed":
        return TrustAssessment(
            "observed", 30, "seen only in agent traffic: where it runs from is unknown"
        )
    return assess_trust(
        identity_of(server),
        server_hash=server.current_hash,
        allowlist=allowlist,
        basis=TrustBasis.from_dict((server.identity or {}).get("trust_basis")),
    )


def stored_score(server: McpServer) -> McpScore | None:
    """The server's last computed score as an `McpScore` (None before its first snapshot)."""
    if server.score is None:
        return None
    parts = {
        name: ScorePart(
            float(p.get("points", 0)), int(p.get("max", 0)), list(p.get("evidence", []))
        )
        for name, p in (server.score_parts or {}).items()
    }
    return McpScore(server.score, parts)


def rescore(
    session: Session, server: McpServer, *, allowlist: Mapping[str, Iterable[str]] | None = None
) -> McpScore | None:
    """Recompute trust, the score and the finding counters of one server."""
    if allowlist is None:
        allowlist = allowlist_map(session, server.org_id)
    trust = _trust(server, allowlist)
    server.trust = trust.to_dict()
    findings = list(
        session.scalars(
            select(McpFinding).where(
                McpFinding.org_id == server.org_id, McpFinding.server_id == server.id
            )
        )
    )
    open_rows = [f for f in findings if f.status == "open"]
    server.open_findings = len(open_rows)
    server.max_severity = max_severity(f.severity for f in open_rows)
    server.severity_rank = severity_rank(server.max_severity) if server.max_severity else -1
    if server.current_snapshot_id is None:
        server.score, server.score_rank, server.score_parts = None, -1, {}
        return None
    covert: list[dict[str, Any]] | None = None
    if server.covert_checked:
        covert = [
            {"rule_id": f.rule_id, "severity": f.severity, "tool": f.tool, "pointer": f.pointer}
            for f in open_rows
            if family_of(f.rule_id) == "content"
        ]
    history = [
        d
        for d in session.scalars(
            select(McpSnapshot.diff)
            .where(McpSnapshot.org_id == server.org_id, McpSnapshot.server_id == server.id)
            .order_by(McpSnapshot.created_at)
        )
        if d
    ]
    score = score_server(
        covert_findings=covert, trust=trust, pin=load_diff(server.pin_diff), history=history
    )
    suppressed = sum(
        1 for f in findings if f.status == "suppressed" and family_of(f.rule_id) == "content"
    )
    if suppressed:
        score.parts["covert"].evidence.append(f"{suppressed} covert finding(s) suppressed")
    server.score = score.value
    server.score_rank = score.value
    server.score_parts = score.to_dict()["parts"]
    return score
