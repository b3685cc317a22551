"""The three built-in posture dimensions: Agent, MCP and Shadow AI (docs/scoring.md).

Each takes plain inputs and returns a `DimensionScore`: the value with its
factors, the fixable risks ranked by the dimension points they cost (exact:
the dimension's own formula recomputed with that risk fixed) and the coverage
counts that say how much data stood behind the number.

    Agent  = Σ w_a·s_a / Σ w_a,        w_a = 1, 2, 3, 5 for 0–3 trifecta legs
    MCP    = Σ w_s·s_s / Σ w_s,        w_s = 1 (s ≥ 80), 2 (50 ≤ s < 80), 3 (s < 50)
    Shadow = 100 · K / (K + P),        P = 10·HIGH + 3·MEDIUM + 0·LOW, K = 50
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from threatvec.agents.scoring import (
    PART_MAX,
    TRUST_ACTIVITY_MAX,
    TRUST_PRIOR_CLEAN,
    TRUST_PRIOR_TOTAL,
    AgentScore,
)
from threatvec.posture.factors import Factor, Risk, Score, round1, top_objects

__all__ = [
    "DIMENSION_LABELS",
    "SHADOW_K",
    "SHADOW_PENALTY",
    "DimensionScore",
    "McpServerScoreInput",
    "ShadowServiceInput",
    "agent_dimension",
    "mcp_dimension",
    "mcp_server_weight",
    "pii_seen",
    "shadow_dimension",
    "shadow_risk_level",
]

DIMENSION_LABELS: dict[str, str] = {"agent": "Agents", "mcp": "MCP servers", "shadow": "Shadow AI"}
RISK_LIMIT = 25  # risks kept per dimension; the brief needs three, the API shows a few more
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class DimensionScore:
    """One dimension: its score (or no data), its ranked risks and how much data it saw."""

    name: str
    score: Score
    risks: tuple[Risk, ...] = ()
    coverage: Mapping[str, int] = field(default_factory=dict)
    label: str = ""

    @property
    def value(self) -> float | None:
        return self.score.value

    @property
    def no_data(self) -> bool:
        return self.score.no_data

    @property
    def display_name(self) -> str:
        return self.label or DIMENSION_LABELS.get(self.name, self.name)

    def top_factor(self) -> Factor | None:
        """The factor that costs the most points (None when nothing is lost)."""
        lossy = [p for p in self.score.parts if p.lost > _EPS]
        return max(lossy, key=lambda p: p.lost) if lossy else None

    def to_dict(self) -> dict[str, Any]:
        top = self.top_factor()
        return {
            "name": self.name,
            "label": self.display_name,
            **self.score.to_dict(),
            "top_factor": top.to_dict() if top else None,
            "coverage": dict(self.coverage),
            "risks": [r.to_dict() for r in self.risks],
        }


def _keep(
    cands: list[tuple[float, str, int, str]], limit: int
) -> list[tuple[float, str, int, str]]:
    # (gain, tie-break id, index, kind); largest gain first, then id for stable output
    return heapq.nsmallest(limit, cands, key=lambda c: (-c[0], c[1], c[3]))


# ── Agent dimension ───────────────────────────────────────────────────────

_PART_LABEL = {
    "rule_coverage": "rule coverage",
    "trust": "trust",
    "red_team": "red-team pass rate",
    "drift": "behavioural drift",
}
# The parts an agent that never reported cannot earn (agents.scoring.score_agent).
_TELEMETRY_PARTS = ("rule_coverage", "trust", "drift")


def _agent_part_detail(
    name: str, losing: int, n: int, missing: Counter[str], untested: int, unreported: int
) -> str:
    """One agent-dimension factor's explanation (shared with posture.agent_fleet)."""
    detail = f"{losing} of {n} agent(s) below full marks on {_PART_LABEL[name]}"
    if name == "rule_coverage" and missing:
        common = ", ".join(f"{r} ({c})" for r, c in missing.most_common(3))
        detail += f"; most often missing: {common}"
    if name == "red_team" and untested:
        detail += f"; {untested} untested"
    if name in _TELEMETRY_PARTS and unreported:
        detail += f"; {unreported} never reported (no telemetry, no points)"
    return detail


def _agent_fleet_detail(n: int, full_trifecta: int, unreported: int) -> str:
    detail = (
        f"{n} agent(s), weighted by trifecta legs (weights 1/2/3/5); full trifecta: {full_trifecta}"
    )
    if unreported:
        # Counted, not skipped: an agent the team expects but cannot see is a gap in posture.
        detail += (
            f"; {unreported} registered but never reported: counted at weight 1 (legs "
            "unknown) with no points for rule coverage, activity or drift until they report"
        )
    return detail


def agent_dimension(
    agents: Sequence[AgentScore], *, risk_limit: int = RISK_LIMIT
) -> DimensionScore:
    """Fleet score: agent scores weighted by trifecta risk; factors are the four agent parts."""
    if not agents:
        return DimensionScore("agent", Score.missing("no agents reporting"), coverage={"agents": 0})
    weights = [a.weight for a in agents]
    total_w = sum(weights)
    legs = Counter(a.trifecta.count for a in agents)
    parts: list[Factor] = []
    missing_rules: Counter[str] = Counter()
    untested = 0
    unreported = 0
    for a in agents:
        missing_rules.update(a.coverage.missing)
        if a.red_team is None or a.red_team.passed + a.red_team.failed == 0:
            untested += 1
        unreported += not a.reported
    for i, name in enumerate(PART_MAX):
        pts = 0.0
        losers: list[tuple[float, str]] = []
        n_losing = 0
        for a, w in zip(agents, weights, strict=True):
            f = a.score.parts[i]
            pts += w * f.points
            if f.lost > _EPS:
                n_losing += 1
                losers.append((w * f.lost, a.agent_id))
        detail = _agent_part_detail(
            name, n_losing, len(agents), missing_rules, untested, unreported
        )
        parts.append(Factor(name, pts / total_w, PART_MAX[name], detail, top_objects(losers)))
    score = Score.from_parts(parts, _agent_fleet_detail(len(agents), legs[3], unreported))
    return DimensionScore(
        "agent",
        score,
        _agent_risks(agents, weights, total_w, risk_limit),
        {
            "agents": len(agents),
            "full_trifecta": legs[3],
            "two_legs": legs[2],
            "one_leg": legs[1],
            "no_legs": legs[0],
            "untested": untested,
            "never_reported": unreported,
        },
    )


def _agent_risks(
    agents: Sequence[AgentScore], weights: Sequence[float], total_w: float, limit: int
) -> tuple[Risk, ...]:
    cands: list[tuple[float, str, int, str]] = []
    trust_scale = PART_MAX["trust"] / 100
    for i, (a, w) in enumerate(zip(agents, weights, strict=True)):
        scale = w / total_w
        cov, _trust, rt, dr = a.score.parts
        act = a.trust.parts[0]
        if not a.reported:
            # One fix covers what telemetry would show; the gain is its ceiling (the
            # coverage, activity and drift the agent cannot earn until it reports).
            lost = cov.lost + trust_scale * act.lost + dr.lost
            cands.append((scale * lost, a.agent_id, i, "never_reported"))
        elif cov.lost > _EPS:
            cands.append((scale * cov.lost, a.agent_id, i, "rule_coverage"))
        reg = a.trust.parts[1]
        if reg.lost > _EPS:
            cands.append((scale * trust_scale * reg.lost, a.agent_id, i, "registration"))
        if a.reported and a.activity.flagged_weight > 0:
            clean = a.activity.clean
            fixed = TRUST_ACTIVITY_MAX * (clean + TRUST_PRIOR_CLEAN) / (clean + TRUST_PRIOR_TOTAL)
            cands.append((scale * trust_scale * (fixed - act.points), a.agent_id, i, "activity"))
        if rt.lost > _EPS:
            cands.append((scale * rt.lost, a.agent_id, i, "red_team"))
        if a.reported and dr.lost > _EPS:
            cands.append((scale * dr.lost, a.agent_id, i, "drift"))
    return tuple(_agent_risk(agents[i], kind, gain) for gain, _, i, kind in _keep(cands, limit))


def _agent_risk(a: AgentScore, kind: str, gain: float) -> Risk:
    who = f"agent {a.name}"
    legs = a.trifecta.count
    risk_note = f"{legs} trifecta leg(s)" + (" — full lethal trifecta" if legs == 3 else "")
    if not a.reported:
        # no telemetry, nothing to read its legs from: 0 would read as "low risk"
        risk_note = "trifecta legs unknown"
    oid = (a.agent_id,)
    rid = f"agent:{a.agent_id}:{kind}"
    if kind == "rule_coverage":
        missing = ", ".join(a.coverage.missing)
        return Risk(
            rid,
            "agent",
            f"{who.capitalize()} ({risk_note}) runs {len(a.coverage.in_force)} of "
            f"{len(a.coverage.recommended)} recommended guard rules",
            f"Enable {missing} on {who}",
            gain,
            oid,
            f"missing: {missing}",
        )
    if kind == "never_reported":
        return Risk(
            rid,
            "agent",
            f"{who.capitalize()} is registered but has never reported",
            f"Start {who} with the ThreatVec SDK (or point its OpenTelemetry exporter at "
            "ThreatVec) so its rules, activity and behaviour can be scored",
            gain,
            oid,
            "no telemetry yet",
        )
    if kind == "registration":
        return Risk(
            rid,
            "agent",
            f"{who.capitalize()} is not approved in the assets registry",
            f"Review and approve the registration of {who}",
            gain,
            oid,
            a.trust.parts[1].detail,
        )
    if kind == "activity":
        return Risk(
            rid,
            "agent",
            f"{who.capitalize()} has flagged activity",
            f"Investigate and stop the flagged events of {who}",
            gain,
            oid,
            a.trust.parts[0].detail,
        )
    if kind == "red_team":
        rt = a.red_team
        if rt is None or rt.passed + rt.failed == 0:
            return Risk(
                rid,
                "agent",
                f"{who.capitalize()} ({risk_note}) has never been red-teamed",
                f"Run AgentBench against {who}",
                gain,
                oid,
                "untested",
            )
        return Risk(
            rid,
            "agent",
            f"{who.capitalize()} failed {rt.failed} of {rt.passed + rt.failed} red-team probes",
            f"Fix the controls behind the {rt.failed} failing probe(s) of {who} and re-run "
            "AgentBench",
            gain,
            oid,
            a.score.parts[2].detail,
        )
    new = [f"{c.facet}:{c.item}" for c in a.drift.changes if c.kind == "new"]
    return Risk(
        rid,
        "agent",
        f"{who.capitalize()} drifted from its baseline ({a.score.parts[3].detail})",
        f"Review the new behaviour of {who}: accept it into the baseline or block it",
        gain,
        oid,
        "new: " + ", ".join(new[:10]) if new else "items dropped from the baseline",
    )


# ── MCP dimension ─────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class McpServerScoreInput:
    """One MCP server's score (0–100) and its parts, as threatvec.mcp.scoring computes them."""

    server_id: str
    name: str
    score: float
    parts: tuple[Factor, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.score <= 100:
            raise ValueError(f"MCP server score must be 0–100, got {self.score}")

    @classmethod
    def from_mcp_score(cls, server_id: str, name: str, mcp_score: Any) -> McpServerScoreInput:
        """Adapt an object with ``.value`` and ``.parts`` {name: (.points, .max, .evidence)}."""
        parts = tuple(
            Factor(
                pname,
                float(p.points),
                float(p.max),
                "; ".join(str(e) for e in getattr(p, "evidence", ())[:3]),
                (server_id,),
            )
            for pname, p in dict(mcp_score.parts).items()
        )
        return cls(server_id, name, float(mcp_score.value), parts)


def mcp_server_weight(score: float) -> float:
    """Weak servers pull the dimension down harder: 1 (≥ 80), 2 (50–79), 3 (< 50)."""
    return 1.0 if score >= 80 else 2.0 if score >= 50 else 3.0


_MCP_ACTION = {
    "integrity": "Review the changed tool definitions of MCP server {n}, then re-approve or "
    "remove it",
    "covert": "Remove or replace the tools of MCP server {n} that carry hidden instructions",
    "catalog_trust": "Replace MCP server {n} with one from a trusted catalog or publisher",
    "schema_stability": "Pin MCP server {n} to a reviewed version",
}


def mcp_dimension(
    servers: Sequence[McpServerScoreInput], *, risk_limit: int = RISK_LIMIT
) -> DimensionScore:
    """Weighted mean of per-server scores; factors aggregate the servers' own parts."""
    if not servers:
        return DimensionScore("mcp", Score.missing("no MCP servers known"), coverage={"servers": 0})
    weights = [mcp_server_weight(s.score) for s in servers]
    total_w = sum(weights)
    total_ws = sum(w * s.score for w, s in zip(weights, servers, strict=True))
    value = total_ws / total_w
    order: list[str] = []
    pts: dict[str, float] = {}
    mx: dict[str, float] = {}
    losers: dict[str, list[tuple[float, str]]] = {}
    cands: list[tuple[float, str, int, str]] = []
    for i, (s, w) in enumerate(zip(servers, weights, strict=True)):
        parts = s.parts or (Factor("score", s.score, 100.0, "", (s.server_id,)),)
        for p in parts:
            if p.name not in pts:
                order.append(p.name)
                pts[p.name] = mx[p.name] = 0.0
                losers[p.name] = []
            pts[p.name] += w * p.points
            mx[p.name] += w * p.max_points
            if p.lost > _EPS:
                losers[p.name].append((w * p.lost, s.server_id))
                # exact what-if: this server's score with the part at full marks, re-weighted
                fixed = min(100.0, s.score + p.lost)
                w2 = mcp_server_weight(fixed)
                new = (total_ws - w * s.score + w2 * fixed) / (total_w - w + w2)
                if new - value > _EPS:
                    cands.append((new - value, s.server_id, i, p.name))
    at_risk = sum(1 for s in servers if s.score < 50)
    factors = [
        Factor(
            n,
            pts[n] / total_w,
            mx[n] / total_w,
            f"{len(losers[n])} of {len(servers)} server(s) below full marks on {n}",
            top_objects(losers[n]),
        )
        for n in order
    ]
    risks = []
    for gain, _, i, part in _keep(cands, risk_limit):
        s = servers[i]
        pf = next((f for f in s.parts if f.name == part), None)
        have = (
            f"{round1(pf.points):g}/{round1(pf.max_points):g}" if pf else f"{round1(s.score):g}/100"
        )
        template = _MCP_ACTION.get(part, "Improve {part} of MCP server {n}")
        risks.append(
            Risk(
                f"mcp:{s.server_id}:{part}",
                "mcp",
                f"MCP server {s.name} scores {round1(s.score):g}; {part} {have}",
                template.format(n=s.name, part=part),
                gain,
                (s.server_id,),
                pf.detail if pf else "",
            )
        )
    # The value comes from the servers' scores; the factors from their parts. The
    # MCP scorer rounds its total, so the two can differ by under half a point.
    score = Score(
        value,
        tuple(factors),
        f"{len(servers)} server(s), weighted 1/2/3 by score band; {at_risk} below 50",
    )
    return DimensionScore("mcp", score, tuple(risks), {"servers": len(servers), "at_risk": at_risk})


# ── Shadow AI dimension ───────────────────────────────────────────────────

SHADOW_PENALTY: dict[str, float] = {"HIGH": 10.0, "MEDIUM": 3.0, "LOW": 0.0}
SHADOW_K = 50.0


@dataclass(frozen=True, slots=True)
class ShadowServiceInput:
    """One AI service seen in the recent window, aggregated from shadow events.

    ``known``: in the catalog and classified; ``registered``: approved in the
    assets registry; ``pii_uploads``: events that sent data (paste, upload or
    submit) in which PII categories were seen, and ``pii_in_pastes`` /
    ``pii_in_uploads`` / ``pii_in_submits`` the same by event type (when they do
    not add up to ``pii_uploads`` the reason does not name a type);
    ``disallowed_pii``: PII categories a registered service received that its
    registration does not allow; ``approval_pending``: registered but not
    approved yet (scored as unregistered, worded as what it is).
    """

    service_id: str
    name: str
    registered: bool
    known: bool
    pii_uploads: int = 0
    events: int = 0
    users: int = 0
    disallowed_pii: tuple[str, ...] = ()
    approval_pending: bool = False
    pii_in_pastes: int = 0
    pii_in_uploads: int = 0
    pii_in_submits: int = 0

    def __post_init__(self) -> None:
        counts = (self.pii_uploads, self.events, self.users, *self._pii_split())
        if any(n < 0 for n in counts):
            raise ValueError("counts must be >= 0")
        if not all(isinstance(c, str) and c for c in self.disallowed_pii):
            raise ValueError("disallowed_pii must be non-empty category names")

    def _pii_split(self) -> tuple[int, int, int]:
        return self.pii_in_pastes, self.pii_in_uploads, self.pii_in_submits


_PII_VIA = ("paste(s)", "upload(s)", "submitted prompt(s)")


def pii_seen(s: ShadowServiceInput) -> str:
    """'PII seen in 2 paste(s) and 1 upload(s)': what actually carried it, never a guess."""
    split = s._pii_split()
    if sum(split) != s.pii_uploads:  # no split given (or events since pruned): say no type
        return f"PII seen in {s.pii_uploads} event(s) that sent data"
    parts = [f"{n} {what}" for n, what in zip(split, _PII_VIA, strict=True) if n]
    listed = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    return "PII seen in " + listed


def shadow_risk_level(s: ShadowServiceInput) -> tuple[str, str]:
    """HIGH / MEDIUM / LOW and the reason (docs/scoring.md, "Shadow AI dimension")."""
    if s.registered:
        if s.disallowed_pii:
            return "HIGH", (
                "registered, but received PII categories its registration does not allow: "
                + ", ".join(s.disallowed_pii)
            )
        note = f"; {pii_seen(s)}" if s.pii_uploads else ""
        return "LOW", "registered and approved" + note
    status = "registered but not approved" if s.approval_pending else "unregistered"
    if s.pii_uploads:
        return "HIGH", f"{status}, {pii_seen(s)}"
    if not s.known:
        pending = "; registered but not approved" if s.approval_pending else ""
        return "HIGH", "unknown, unclassified service" + pending
    return "MEDIUM", "known AI service, " + (
        "registered but not approved" if s.approval_pending else "not registered"
    )


def _shadow_value(penalty: float) -> float:
    return 100.0 * SHADOW_K / (SHADOW_K + penalty)


def shadow_dimension(
    services: Sequence[ShadowServiceInput] | None, *, risk_limit: int = RISK_LIMIT
) -> DimensionScore:
    """100·K/(K+P) over services in recent use; None means no shadow telemetry at all."""
    if services is None:
        return DimensionScore(
            "shadow",
            Score.missing("no shadow AI telemetry (browser extension or M365 not connected)"),
            coverage={"services": 0},
        )
    levels = [shadow_risk_level(s) for s in services]
    per_level: dict[str, list[int]] = {"HIGH": [], "MEDIUM": [], "LOW": []}
    for i, (lvl, _) in enumerate(levels):
        per_level[lvl].append(i)
    penalty = sum(SHADOW_PENALTY[lvl] * len(ix) for lvl, ix in per_level.items())
    value = _shadow_value(penalty)
    lost = 100.0 - value
    parts = [Factor("baseline", 100.0, 100.0, "the dimension starts at 100")]
    for lvl in ("HIGH", "MEDIUM", "LOW"):
        ix = per_level[lvl]
        p_lvl = SHADOW_PENALTY[lvl] * len(ix)
        share = lost * p_lvl / penalty if penalty else 0.0
        objs = top_objects([(services[i].events + 1.0, services[i].service_id) for i in ix])
        parts.append(
            Factor(
                lvl.lower(),
                -share,
                0.0,
                f"{len(ix)} service(s) × {SHADOW_PENALTY[lvl]:g} = {p_lvl:g} of {penalty:g} "
                f"penalty points",
                objs,
            )
        )
    cands: list[tuple[float, str, int, str]] = []
    for i, (lvl, _) in enumerate(levels):
        if SHADOW_PENALTY[lvl] > 0:
            gain = _shadow_value(penalty - SHADOW_PENALTY[lvl]) - value
            # among equal gains, the busiest service first (negated events as the tie-break)
            busy = f"{10**15 - min(services[i].events, 10**15):016d}:{services[i].service_id}"
            cands.append((gain, busy, i, lvl))
    risks = []
    for gain, _, i, lvl in _keep(cands, risk_limit):
        s = services[i]
        reason = levels[i][1]
        if s.registered and s.disallowed_pii:
            action = (
                f"Stop sending {', '.join(s.disallowed_pii)} to {s.name}, or allow those "
                "categories in its registration"
            )
        elif s.pii_uploads:
            action = f"Stop personal data going to {s.name}: block it or register it"
        elif lvl == "HIGH":
            action = f"Classify {s.name}, then register it as approved or block it"
        else:
            action = f"Register {s.name} as approved or block it"
        risks.append(
            Risk(
                f"shadow:{s.service_id}",
                "shadow",
                f"{lvl} shadow AI service {s.name} ({reason}; {s.events} event(s), "
                f"{s.users} user(s))",
                action,
                gain,
                (s.service_id,),
                reason,
            )
        )
    detail = (
        f"{len(services)} service(s) in recent use; P = {penalty:g}, "
        f"score = 100·{SHADOW_K:g}/({SHADOW_K:g}+P)"
        if services
        else "telemetry active, no AI services in recent use"
    )
    return DimensionScore(
        "shadow",
        Score.from_parts(parts, detail),
        tuple(risks),
        {
            "services": len(services),
            "high": len(per_level["HIGH"]),
            "medium": len(per_level["MEDIUM"]),
            "low": len(per_level["LOW"]),
            "events": sum(s.events for s in services),
            "pii_services": sum(1 for s in services if s.pii_uploads),
        },
    )
