"""What the org's live data says, gathered once per evaluation from the other domains.

Each property reads one area the first time a check asks for it (and is then
kept for the rest of the evaluation), so the summary of six frameworks reads
each area once. Where a domain has a service function it is used; the
aggregate counts with no service function are read-only queries on that
domain's models, always filtered by ``org_id``. Nothing here writes, except
what the called services themselves do on read (the posture recomputes a stale
snapshot, the shadow service refreshes stale risk labels).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from threatvec.agents import service as agents
from threatvec.agents.models import Agent, AgentInstance
from threatvec.alerts import service as alerts
from threatvec.alerts.models import Alert
from threatvec.mcp.models import McpFinding, McpScan, McpServer
from threatvec.posture import service as posture
from threatvec.posture.composite import PostureScore
from threatvec.posture.dimensions import shadow_risk_level
from threatvec.redteam import service as redteam
from threatvec.redteam.coverage import CoverageReport
from threatvec.redteam.models import RedTeamResult, RedTeamRun
from threatvec.shadow import service as shadow
from threatvec.vulns import service as vulns
from threatvec.vulns.models import ACTIVE_STATUSES, CveExposure, CveStatusChange
from threatvec.vulns.schemas import PatchStats

__all__ = [
    "AgentFact",
    "AlertingFacts",
    "McpFacts",
    "OrgFacts",
    "PostureFacts",
    "RedTeamFacts",
    "ShadowFact",
    "VulnFacts",
]

TELEMETRY_WINDOW = timedelta(hours=24)
MCP_SCAN_WINDOW = timedelta(days=30)
MAX_AGENTS = 5000
MAX_LISTED = 25  # object ids listed in one piece of evidence


@dataclass(frozen=True, slots=True)
class AgentFact:
    agent_id: str
    name: str
    verified: bool  # registered through the SDK with the org key
    approved: bool  # approved by a person in the assets registry
    reported_recently: bool
    last_seen: datetime
    capabilities_declared: bool  # all three trifecta legs declared true/false
    full_trifecta: bool
    rules_missing: tuple[str, ...]
    rule_ratio: float
    destructive_unguarded: bool  # destructive tools without the human-approval rule
    drift: float | None
    red_team: tuple[int, int] | None  # (passed, failed) recently; None: untested
    pii_flags: int
    secret_flags: int


@dataclass(frozen=True, slots=True)
class McpFacts:
    servers: int
    approved: int
    approved_by_person: int
    changed_since_pin: tuple[str, ...]
    unapproved: tuple[str, ...]
    errored: tuple[str, ...]
    open_findings: int
    open_by_severity: dict[str, int]
    open_finding_ids: tuple[str, ...]
    open_owasp: dict[str, list[str]]  # OWASP id → open finding ids that name it
    severe_open: tuple[str, ...]  # open high/critical finding ids
    scans: int  # received within MCP_SCAN_WINDOW
    last_scan_at: datetime | None


@dataclass(frozen=True, slots=True)
class ShadowFact:
    service_id: str
    name: str
    registered: bool
    risk: str
    reason: str
    pii_uploads: int


@dataclass(frozen=True, slots=True)
class VulnFacts:
    stats: PatchStats
    overdue_ids: tuple[str, ...]  # CVE ids past their SLA, most urgent first
    decisions: int  # status changes recorded (who, when, why)
    last_decision_at: datetime | None


@dataclass(frozen=True, slots=True)
class RedTeamFacts:
    completed_runs: int  # finished in the last window_days
    last_finished_at: datetime | None
    last_run_id: str | None
    passed: int
    failed: int
    critical_failures: int
    by_owasp: dict[str, tuple[int, int]]  # OWASP id → (passed, failed)
    failed_probes_by_owasp: dict[str, list[str]]
    window_days: int


@dataclass(frozen=True, slots=True)
class AlertingFacts:
    rules_enabled: int
    rules_total: int
    triggers_routed: frozenset[str]  # triggers of enabled rules with an enabled channel
    triggers_enabled: frozenset[str]
    channels_enabled: int
    channel_kinds: tuple[str, ...]
    alerts_by_status: dict[str, int]
    open_alert_ids: tuple[str, ...]
    last_fired_at: datetime | None


@dataclass(frozen=True, slots=True)
class PostureFacts:
    snapshot_id: str
    computed_at: datetime
    posture: PostureScore

    @property
    def value(self) -> float | None:
        return self.posture.value


class OrgFacts:
    """The evidence sources of one org at one moment; each read at most once."""

    def __init__(self, *, session: Session, org_id: str, now: datetime) -> None:
        self.session, self.org_id, self.now = session, org_id, now

    # ── agents and their telemetry ────────────────────────────────────────

    @cached_property
    def agents(self) -> tuple[AgentFact, ...]:
        rows = list(
            self.session.scalars(
                select(Agent)
                .where(Agent.org_id == self.org_id)
                .order_by(Agent.name)
                .limit(MAX_AGENTS)
            )
        )
        if not rows:
            return ()
        out = []
        views = agents.views(session=self.session, org_id=self.org_id, agents=rows, now=self.now)
        # A view's agent may be a never-reported fleet entry (no last_seen); these
        # are all reporting Agent rows, read from `rows` (views keeps their order).
        for agent, v in zip(rows, views, strict=True):
            s, caps = v.score, agent.capabilities or {}
            out.append(
                AgentFact(
                    agent_id=agent.id,
                    name=agent.name,
                    verified=bool(agent.registered),
                    approved=v.approved,
                    reported_recently=self.now - agent.last_seen <= TELEMETRY_WINDOW,
                    last_seen=agent.last_seen,
                    capabilities_declared=all(
                        isinstance(caps.get(leg), bool)
                        for leg in ("private_data", "untrusted_content", "external_comms")
                    ),
                    full_trifecta=s.trifecta.full,
                    rules_missing=tuple(s.coverage.missing),
                    rule_ratio=s.coverage.ratio,
                    destructive_unguarded=(
                        "destructive" in s.trifecta.tool_kinds
                        and "human_approval_destructive" in s.coverage.missing
                    ),
                    drift=s.drift.value,
                    red_team=None if s.red_team is None else (s.red_team.passed, s.red_team.failed),
                    pii_flags=s.activity.pii,
                    secret_flags=s.activity.secrets,
                )
            )
        return tuple(out)

    @cached_property
    def agents_total(self) -> int:
        """All the org's agents, of which at most MAX_AGENTS are read into ``agents``."""
        if len(self.agents) < MAX_AGENTS:
            return len(self.agents)
        count = self.session.scalar(
            select(func.count()).select_from(Agent).where(Agent.org_id == self.org_id)
        )
        return int(count or 0)

    @cached_property
    def dropped_events(self) -> dict[str, int]:
        """SDK drop counters summed over the org's agent instances, by reason."""
        i = AgentInstance
        reasons = ("queue_full", "network", "server_error", "rate_limited", "rejected")
        row = self.session.execute(
            select(*(func.coalesce(func.sum(getattr(i, r)), 0) for r in reasons)).where(
                i.org_id == self.org_id
            )
        ).one()
        return {r: int(n) for r, n in zip(reasons, row, strict=True) if n}

    # ── MCP servers ───────────────────────────────────────────────────────

    @cached_property
    def mcp(self) -> McpFacts:
        s = self.session
        servers = list(
            s.execute(
                select(
                    McpServer.id,
                    McpServer.approved,
                    McpServer.approved_by,
                    McpServer.pin_status,
                    McpServer.status,
                ).where(McpServer.org_id == self.org_id)
            )
        )
        findings = list(
            s.execute(
                select(McpFinding.id, McpFinding.severity, McpFinding.owasp)
                .where(McpFinding.org_id == self.org_id, McpFinding.status == "open")
                .order_by(McpFinding.severity_rank.desc(), McpFinding.id)
            )
        )
        by_sev: Counter[str] = Counter(str(f.severity) for f in findings)
        owasp: dict[str, list[str]] = {}
        for f in findings:
            for tag in f.owasp or ():
                owasp.setdefault(_owasp_key(str(tag)), []).append(f.id)
        # Counted over the evidence window: retention keeps older scan reports only
        # while something needs them, so an all-time count would shrink as they go.
        recent = McpScan.received_at >= self.now - MCP_SCAN_WINDOW
        scans, last = s.execute(
            select(func.count().filter(recent), func.max(McpScan.received_at)).where(
                McpScan.org_id == self.org_id
            )
        ).one()
        return McpFacts(
            servers=len(servers),
            approved=sum(1 for r in servers if r.approved),
            approved_by_person=sum(1 for r in servers if r.approved and r.approved_by),
            changed_since_pin=tuple(r.id for r in servers if r.pin_status == "changed"),
            unapproved=tuple(r.id for r in servers if not r.approved),
            errored=tuple(r.id for r in servers if r.status not in ("ok", "")),
            open_findings=len(findings),
            open_by_severity=dict(by_sev),
            open_finding_ids=tuple(f.id for f in findings),
            open_owasp=owasp,
            severe_open=tuple(f.id for f in findings if f.severity in ("high", "critical")),
            scans=int(scans or 0),
            last_scan_at=last,
        )

    # ── shadow AI ─────────────────────────────────────────────────────────

    @cached_property
    def shadow_seen(self) -> bool:
        """Whether the org has any shadow-AI telemetry at all (not just recent)."""
        return self.shadow is not None

    @cached_property
    def shadow(self) -> tuple[ShadowFact, ...] | None:
        """Services in recent use with their risk level; None without any shadow telemetry."""
        inputs = shadow.posture_inputs(session=self.session, org_id=self.org_id, now=self.now)
        if inputs is None:
            return None
        out = []
        for i in sorted(inputs, key=lambda x: (x.name, x.service_id)):
            level, reason = shadow_risk_level(i)
            out.append(ShadowFact(i.service_id, i.name, i.registered, level, reason, i.pii_uploads))
        return tuple(out)

    # ── vulnerabilities ───────────────────────────────────────────────────

    @cached_property
    def vulns(self) -> VulnFacts:
        s, x = self.session, CveExposure
        stats = vulns.stats(session=s, org_id=self.org_id)
        today = datetime.combine(self.now.date(), datetime.min.time(), tzinfo=self.now.tzinfo)
        overdue = tuple(
            s.scalars(
                select(x.cve_id)
                .where(
                    x.org_id == self.org_id,
                    x.relevant.is_(True),
                    x.status.in_(ACTIVE_STATUSES),
                    x.due_at < today,
                )
                .order_by(x.due_at, x.cve_id)
                .limit(MAX_LISTED)
            )
        )
        decisions, last = s.execute(
            select(func.count(), func.max(CveStatusChange.changed_at)).where(
                CveStatusChange.org_id == self.org_id
            )
        ).one()
        return VulnFacts(stats, overdue, int(decisions or 0), last)

    # ── red team ──────────────────────────────────────────────────────────

    @cached_property
    def redteam(self) -> RedTeamFacts:
        s, days = self.session, redteam.RECENT_DAYS
        cutoff = self.now - timedelta(days=days)
        done = ("completed", "cancelled")
        # Runs counted over the window (retention removes old ones); the last is kept.
        runs, last = s.execute(
            select(
                func.count().filter(RedTeamRun.finished_at >= cutoff),
                func.max(RedTeamRun.finished_at),
            ).where(RedTeamRun.org_id == self.org_id, RedTeamRun.status.in_(done))
        ).one()
        last_run = s.scalar(
            select(RedTeamRun.id)
            .where(RedTeamRun.org_id == self.org_id, RedTeamRun.status.in_(done))
            .order_by(RedTeamRun.finished_at.desc(), RedTeamRun.id)
            .limit(1)
        )
        rows = s.execute(
            select(
                RedTeamResult.verdict,
                RedTeamResult.owasp,
                RedTeamResult.critical_failure,
                RedTeamResult.probe_id,
            )
            .join(RedTeamRun, RedTeamRun.id == RedTeamResult.run_id)
            .where(
                RedTeamResult.org_id == self.org_id,
                RedTeamRun.org_id == self.org_id,
                RedTeamRun.status.in_(done),
                RedTeamResult.created_at >= cutoff,
            )
        ).all()
        passed = failed = critical = 0
        by_owasp: dict[str, list[int]] = {}
        failed_probes: dict[str, list[str]] = {}
        for verdict, owasp, crit, probe in rows:
            is_pass, is_fail = verdict == "PASS", verdict == "FAIL"
            if not (is_pass or is_fail):
                continue  # errors and inconclusive results decide nothing
            passed += is_pass
            failed += is_fail
            critical += bool(crit)
            for tag in {_owasp_key(str(t)) for t in owasp or ()}:
                pf = by_owasp.setdefault(tag, [0, 0])
                pf[0 if is_pass else 1] += 1
                if is_fail and probe not in failed_probes.setdefault(tag, []):
                    failed_probes[tag].append(str(probe))
        return RedTeamFacts(
            completed_runs=int(runs or 0),
            last_finished_at=last,
            last_run_id=last_run,
            passed=passed,
            failed=failed,
            critical_failures=critical,
            by_owasp={k: (v[0], v[1]) for k, v in by_owasp.items()},
            failed_probes_by_owasp=failed_probes,
            window_days=days,
        )

    @cached_property
    def atlas(self) -> tuple[CoverageReport, bool, int]:
        """ATLAS coverage of the recent results (report, catalogue imported, results counted)."""
        return redteam.coverage_report(session=self.session, org_id=self.org_id)

    # ── alerting ──────────────────────────────────────────────────────────

    @cached_property
    def alerting(self) -> AlertingFacts:
        s = self.session
        rules = alerts.list_rules(session=s, org_id=self.org_id)
        channels = alerts.list_channels(session=s, org_id=self.org_id)
        live_channels = {c.id for c in channels if c.enabled}
        enabled = [r for r in rules if r.enabled]
        by_status = dict(
            s.execute(
                select(Alert.status, func.count())
                .where(Alert.org_id == self.org_id)
                .group_by(Alert.status)
            ).all()
        )
        open_ids = tuple(
            s.scalars(
                select(Alert.id)
                .where(Alert.org_id == self.org_id, Alert.status == "open")
                .order_by(Alert.fired_at)
                .limit(MAX_LISTED)
            )
        )
        last = s.scalar(select(func.max(Alert.fired_at)).where(Alert.org_id == self.org_id))
        return AlertingFacts(
            rules_enabled=len(enabled),
            rules_total=len(rules),
            triggers_routed=frozenset(
                r.trigger for r in enabled if set(r.channel_ids or ()) & live_channels
            ),
            triggers_enabled=frozenset(r.trigger for r in enabled),
            channels_enabled=len(live_channels),
            # kinds only: a channel's configuration and secrets never leave the alerts domain
            channel_kinds=tuple(sorted({c.kind for c in channels if c.enabled})),
            alerts_by_status={str(k): int(v) for k, v in by_status.items()},
            open_alert_ids=open_ids,
            last_fired_at=last,
        )

    # ── posture ───────────────────────────────────────────────────────────

    @cached_property
    def posture(self) -> PostureFacts:
        cur = posture.current(session=self.session, org_id=self.org_id, now=self.now)
        return PostureFacts(cur.snapshot.id, cur.snapshot.computed_at, cur.posture)


def _owasp_key(tag: str) -> str:
    """``LLM01:2025`` / ``llm01`` → ``LLM01`` (the edition is the framework's, not the tag's)."""
    return tag.split(":", 1)[0].strip().upper()


def listed(ids: Any) -> list[str]:
    """At most MAX_LISTED ids, for an evidence item."""
    return [str(i) for i in list(ids)[:MAX_LISTED]]
