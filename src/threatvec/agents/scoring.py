"""Agent-level scores: lethal trifecta, drift, trust, rule coverage and the agent score.

Every function here is pure: it takes plain dataclasses that the fleet/ingest
layer fills from the database and returns the value with its explanation.
The formulas are defined in docs/scoring.md ("Agent score"):

    agent score = rule coverage (0–35) + trust (0–25) + red team (0–25) + drift (0–15)

    trust       = activity (0–70) + registration (0–30)
    activity    = 70 · (clean + 9) / (clean + F + 10),
                  F = pii + injection + 2·secrets + 0.5·blocked
    drift       = Σ_f w_f · (1 − |B_f ∩ R_f| / |B_f ∪ R_f|) / Σ_f w_f over facets with data,
                  w = tools 0.4, destinations 0.4, models 0.2

An agent registered in the assets registry that has never reported scores no
points for what only telemetry can show (rule coverage, activity, drift): it
keeps registration and red-team points, so it never passes for a healthy agent.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from threatvec.agents.rules import LEGS, get_rule, is_known_rule, recommended_rules, tool_kinds
from threatvec.posture.factors import Factor, Score, round1

__all__ = [
    "PART_MAX",
    "ActivityCounts",
    "AgentFacts",
    "AgentScore",
    "Change",
    "Drift",
    "Footprint",
    "LegAssessment",
    "RedTeamResults",
    "RuleCoverage",
    "ToolUse",
    "Trifecta",
    "TrustScore",
    "agent_weight",
    "drift",
    "is_external_host",
    "missing_rule_names",
    "rule_coverage",
    "score_agent",
    "trifecta",
    "trust_score",
]

PART_MAX: dict[str, float] = {"rule_coverage": 35, "trust": 25, "red_team": 25, "drift": 15}
UNTESTED_RED_TEAM_POINTS = 10.0
_NEVER_REPORTED = "never reported"  # how a part's detail says it had no telemetry

TRUST_ACTIVITY_MAX = 70.0
TRUST_REGISTRATION_MAX = 30.0
# Beta(9, 1) prior: an agent with no history starts at a 0.9 clean rate, and it
# takes about ten events before its own record outweighs the prior.
TRUST_PRIOR_CLEAN = 9.0
TRUST_PRIOR_TOTAL = 10.0
FLAG_WEIGHTS: dict[str, float] = {"pii": 1.0, "injection": 1.0, "secrets": 2.0, "blocked": 0.5}

DRIFT_WEIGHTS: dict[str, float] = {"tools": 0.4, "destinations": 0.4, "models": 0.2}

# Fleet weight by number of trifecta legs: the full trifecta weighs most.
LEG_WEIGHTS: tuple[float, ...] = (1.0, 2.0, 3.0, 5.0)

# Hosts of model APIs: calling the model is not the exfiltration channel the
# "external communication" leg is about, so these do not make the leg.
MODEL_API_HOSTS: frozenset[str] = frozenset(
    {
        "api.openai.com",
        "api.anthropic.com",
        "generativelanguage.googleapis.com",
        "api.mistral.ai",
        "api.cohere.ai",
        "api.cohere.com",
        "api.groq.com",
        "api.together.xyz",
        "api.deepseek.com",
        "openrouter.ai",
        "api.fireworks.ai",
    }
)
_MODEL_API_SUFFIXES = (".openai.azure.com", ".amazonaws.com", "aiplatform.googleapis.com")
_INTERNAL_SUFFIXES = (
    ".internal",
    ".local",
    ".localdomain",
    ".corp",
    ".lan",
    ".intranet",
    ".home.arpa",
)


# ── inputs ────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class ToolUse:
    """A tool the agent was seen calling, with labels other layers attached to it."""

    name: str
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ActivityCounts:
    """Events over the trust window: clean ones, and flags by kind."""

    clean: int = 0
    pii: int = 0
    injection: int = 0
    secrets: int = 0
    blocked: int = 0

    def __post_init__(self) -> None:
        for name in ("clean", "pii", "injection", "secrets", "blocked"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")

    @property
    def flagged_weight(self) -> float:
        # spelled out (not a loop over FLAG_WEIGHTS): this runs once per agent per recompute
        w = FLAG_WEIGHTS
        return (
            w["pii"] * self.pii
            + w["injection"] * self.injection
            + w["secrets"] * self.secrets
            + w["blocked"] * self.blocked
        )


@dataclass(frozen=True, slots=True)
class RedTeamResults:
    """Recent AgentBench / learning-cycle probe outcomes."""

    passed: int
    failed: int

    def __post_init__(self) -> None:
        if self.passed < 0 or self.failed < 0:
            raise ValueError("passed and failed must be >= 0")


@dataclass(frozen=True, slots=True)
class Footprint:
    """The tools, models and destination hosts an agent used in one period."""

    tools: frozenset[str] = frozenset()
    models: frozenset[str] = frozenset()
    destinations: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        tools: Iterable[str] = (),
        models: Iterable[str] = (),
        destinations: Iterable[str] = (),
    ) -> Footprint:
        return cls(
            frozenset(tools),
            frozenset(models),
            frozenset(h.lower().rstrip(".") for h in destinations),
        )


@dataclass(frozen=True, slots=True)
class AgentFacts:
    """Everything the agent score needs about one agent.

    ``capabilities`` holds the declared legs (``private_data``,
    ``untrusted_content``, ``external_comms``): True, False or None (not declared).
    ``verified``: registered through the SDK with the org key (identity known);
    ``approved``: a person approved it in the assets registry.
    ``red_team`` is None when the agent was never tested.
    ``baseline`` / ``recent``: its footprint in the baseline and recent windows
    (None: no baseline yet).
    ``reported``: False for an agent registered in the assets registry that has
    sent no telemetry yet (`agents.expected`).
    """

    agent_id: str
    name: str = ""
    capabilities: Mapping[str, bool | None] = field(default_factory=dict)
    tools: tuple[ToolUse, ...] = ()
    destinations: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    mcp_servers: tuple[str, ...] = ()
    verified: bool = False
    approved: bool = False
    rules: frozenset[str] = frozenset()
    activity: ActivityCounts = ActivityCounts()
    red_team: RedTeamResults | None = None
    baseline: Footprint | None = None
    recent: Footprint | None = None
    internal_domains: tuple[str, ...] = ()
    reported: bool = True


# ── lethal trifecta ───────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class LegAssessment:
    leg: str
    present: bool
    declared: bool | None
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "leg": self.leg,
            "present": self.present,
            "declared": self.declared,
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class Trifecta:
    """The three legs with their evidence.

    ``known`` is False for an agent that has never reported: nothing declared
    and nothing seen says nothing about its legs, so its risk is unknown (None),
    not "low". Its weight still counts the legs present (none).
    """

    legs: tuple[LegAssessment, ...]
    tool_kinds: frozenset[str]
    known: bool = True
    present: frozenset[str] = field(init=False)
    count: int = field(init=False)

    def __post_init__(self) -> None:
        # derived once: the fleet score reads these for every agent
        present = frozenset(leg.leg for leg in self.legs if leg.present)
        object.__setattr__(self, "present", present)
        object.__setattr__(self, "count", len(present))

    @property
    def full(self) -> bool:
        return self.count == 3

    @property
    def risk(self) -> str | None:
        """low / medium / high / maximum for 0–3 legs; None while the legs are unknown."""
        return ("low", "medium", "high", "maximum")[self.count] if self.known else None

    def to_dict(self) -> dict[str, Any]:
        legs = [leg.to_dict() for leg in self.legs]
        if not self.known:
            legs = [{**leg, "present": None} for leg in legs]  # unknown, not absent
        return {"legs": legs, "count": self.count, "full": self.full, "risk": self.risk}


def is_external_host(host: str, internal_domains: Collection[str] = ()) -> bool:
    """True when a destination can carry data out of the organisation.

    Loopback/private addresses, single-label names, internal suffixes
    (``.internal``, ``.corp``, ...), the org's own domains and model-API hosts
    are not external communication.
    """
    return _is_external(host, tuple(internal_domains))


@lru_cache(maxsize=65536)
def _is_external(host: str, internal_domains: tuple[str, ...]) -> bool:
    h = host.strip().lower().rstrip(".")
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    if not h:
        return False
    try:
        ip = ipaddress.ip_address(h)
    except ValueError:
        pass
    else:
        return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved)
    if h == "localhost" or "." not in h or h.endswith(_INTERNAL_SUFFIXES):
        return False
    for dom in internal_domains:
        d = dom.strip().lower().lstrip(".")
        if d and (h == d or h.endswith("." + d)):
            return False
    return not (h in MODEL_API_HOSTS or h.endswith(_MODEL_API_SUFFIXES))


def trifecta(facts: AgentFacts) -> Trifecta:
    """Each leg from declared capabilities and observed tools/destinations, with evidence."""
    evidence: dict[str, list[str]] = {leg: [] for leg in LEGS}
    all_kinds: set[str] = set()
    for name, labels in sorted((t.name, t.labels) for t in facts.tools):
        kinds = tool_kinds(name, labels)
        if kinds:
            all_kinds |= kinds
            for leg in LEGS:
                if leg in kinds:
                    evidence[leg].append("tool:" + name)
    if facts.mcp_servers:
        all_kinds.add("mcp")
    internal = tuple(facts.internal_domains)
    for host in sorted({d.lower().rstrip(".") for d in facts.destinations}):
        if _is_external(host, internal):
            evidence["external_comms"].append("destination:" + host)
    legs: list[LegAssessment] = []
    for leg in LEGS:
        declared = facts.capabilities.get(leg)
        ev = list(evidence[leg])
        if declared is True:
            ev.insert(0, "declared")
        elif declared is False and ev:
            # observed behaviour outranks a declaration that says otherwise
            ev.insert(0, "declared false, but observed")
        legs.append(
            LegAssessment(leg, declared is True or bool(evidence[leg]), declared, tuple(ev))
        )
    return Trifecta(tuple(legs), frozenset(all_kinds), known=facts.reported)


def agent_weight(legs: int) -> float:
    """Fleet weight of an agent with this many trifecta legs (1, 2, 3, 5)."""
    return LEG_WEIGHTS[max(0, min(3, legs))]


# ── drift ─────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Change:
    facet: str  # tools | models | destinations
    item: str
    kind: str  # "new" (never in the baseline) | "gone" (in the baseline, not recent)

    def to_dict(self) -> dict[str, str]:
        return {"facet": self.facet, "item": self.item, "kind": self.kind}


@dataclass(frozen=True, slots=True)
class Drift:
    value: float | None  # 0–1; None when there is no baseline
    facets: Mapping[str, float]
    changes: tuple[Change, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": None if self.value is None else round(self.value, 3),
            "facets": {k: round(v, 3) for k, v in self.facets.items()},
            "changes": [c.to_dict() for c in self.changes],
        }


def drift(baseline: Footprint | None, recent: Footprint | None) -> Drift:
    """Weighted Jaccard distance between baseline and recent footprints; new items first."""
    if baseline is None or recent is None:
        return Drift(None, {}, ())
    facets: dict[str, float] = {}
    new: list[Change] = []
    gone: list[Change] = []
    num = 0.0
    den = 0.0
    for facet, weight in DRIFT_WEIGHTS.items():
        b: frozenset[str] = getattr(baseline, facet)
        r: frozenset[str] = getattr(recent, facet)
        union = b | r
        if not union:
            continue  # a facet nobody used says nothing about drift
        dist = 1.0 - len(b & r) / len(union)
        facets[facet] = dist
        num += weight * dist
        den += weight
        new += [Change(facet, item, "new") for item in sorted(r - b)]
        gone += [Change(facet, item, "gone") for item in sorted(b - r)]
    return Drift(num / den if den else 0.0, facets, tuple(new + gone))


# ── trust ─────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class TrustScore:
    value: float
    parts: tuple[Factor, ...]

    def to_dict(self) -> dict[str, Any]:
        return Score(self.value, self.parts).to_dict()


def trust_score(
    activity: ActivityCounts, *, verified: bool, approved: bool, reported: bool = True
) -> TrustScore:
    """Trust 0–100: smoothed clean rate (0–70) plus registration (0–30)."""
    if reported:
        f = activity.flagged_weight
        rate = (activity.clean + TRUST_PRIOR_CLEAN) / (activity.clean + f + TRUST_PRIOR_TOTAL)
        act_pts = TRUST_ACTIVITY_MAX * rate
        flags = ", ".join(
            f"{getattr(activity, k)} {k}" for k in FLAG_WEIGHTS if getattr(activity, k)
        )
        act_detail = (
            f"{activity.clean} clean event(s), flagged: {flags or 'none'} "
            f"(weighted {f:g}); smoothed clean rate {rate:.3f}"
        )
    else:
        # The prior is for an agent that is running and watched; one that never reported
        # has no record at all, and a prior of 0.9 clean would be trust it did not earn.
        act_pts, act_detail = 0.0, f"{_NEVER_REPORTED}: no activity to judge"
    act = Factor("activity", act_pts, TRUST_ACTIVITY_MAX, act_detail)
    if approved:
        reg_pts, reg_detail = TRUST_REGISTRATION_MAX, "registration approved"
    elif verified:
        reg_pts, reg_detail = TRUST_REGISTRATION_MAX / 2, "registered, not approved yet"
    elif not reported:
        reg_pts, reg_detail = 0.0, "in the assets registry, not approved yet"
    else:
        reg_pts, reg_detail = 0.0, "not registered (seen in telemetry only)"
    reg = Factor("registration", reg_pts, TRUST_REGISTRATION_MAX, reg_detail)
    return TrustScore(act_pts + reg_pts, (act, reg))


# ── rule coverage ─────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class RuleCoverage:
    in_force: tuple[str, ...]  # recommended rules the agent runs
    missing: tuple[str, ...]  # recommended rules it does not run
    extra: tuple[str, ...]  # known rules it runs that are not recommended for it
    unknown: tuple[str, ...]  # declared ids outside the vocabulary (not counted)
    reasons: Mapping[str, tuple[str, ...]]  # recommended rule -> why

    @property
    def recommended(self) -> tuple[str, ...]:
        return tuple(self.reasons)

    @property
    def ratio(self) -> float:
        return len(self.in_force) / len(self.reasons) if self.reasons else 1.0

    @property
    def rule_count(self) -> int:
        return len(self.in_force) + len(self.extra)

    def to_dict(self) -> dict[str, Any]:
        return {
            "in_force": list(self.in_force),
            "missing": list(self.missing),
            "extra": list(self.extra),
            "unknown": list(self.unknown),
            "recommended": {k: list(v) for k, v in self.reasons.items()},
            "ratio": round(self.ratio, 3),
            "rule_count": self.rule_count,
        }


def rule_coverage(
    rules_in_force: Collection[str], legs: Collection[str], kinds: Collection[str]
) -> RuleCoverage:
    """Rules in force vs the rules recommended for these trifecta legs and tool kinds."""
    recs = recommended_rules(legs, kinds)
    reasons = {r.rule.id: r.because for r in recs}
    active = set(rules_in_force)
    return RuleCoverage(
        in_force=tuple(rid for rid in reasons if rid in active),
        missing=tuple(rid for rid in reasons if rid not in active),
        extra=tuple(sorted(r for r in active if is_known_rule(r) and r not in reasons)),
        unknown=tuple(sorted(r for r in active if not is_known_rule(r))),
        reasons=reasons,
    )


# ── the agent score ───────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class AgentScore:
    agent_id: str
    name: str
    score: Score
    trifecta: Trifecta
    coverage: RuleCoverage
    trust: TrustScore
    drift: Drift
    red_team: RedTeamResults | None
    activity: ActivityCounts = ActivityCounts()
    reported: bool = True

    @property
    def value(self) -> float:
        assert self.score.value is not None  # an agent always has a score
        return self.score.value

    @property
    def weight(self) -> float:
        return agent_weight(self.trifecta.count)

    def to_dict(self) -> dict[str, Any]:
        rt = self.red_team
        return {
            "agent_id": self.agent_id,
            "name": self.name,
            "reported": self.reported,
            "score": self.score.to_dict(),
            "weight": self.weight,
            "trifecta": self.trifecta.to_dict(),
            "rules": self.coverage.to_dict(),
            "trust": self.trust.to_dict(),
            "drift": self.drift.to_dict(),
            "red_team": "untested"
            if rt is None or rt.passed + rt.failed == 0
            else {"passed": rt.passed, "failed": rt.failed},
        }


def _red_team_part(rt: RedTeamResults | None, oid: tuple[str, ...]) -> Factor:
    top = PART_MAX["red_team"]
    if rt is None or rt.passed + rt.failed == 0:
        return Factor("red_team", UNTESTED_RED_TEAM_POINTS, top, "untested", oid)
    rate = rt.passed / (rt.passed + rt.failed)
    detail = f"{rt.passed} passed, {rt.failed} failed ({rate:.0%} pass rate)"
    return Factor("red_team", top * rate, top, detail, oid)


def score_agent(facts: AgentFacts) -> AgentScore:
    """The agent score 0–100 and every part of it."""
    tri = trifecta(facts)
    cov = rule_coverage(facts.rules, tri.present, tri.tool_kinds)
    tr = trust_score(
        facts.activity, verified=facts.verified, approved=facts.approved, reported=facts.reported
    )
    dr = drift(facts.baseline, facts.recent)
    oid = (facts.agent_id,)

    cov_detail = f"{len(cov.in_force)} of {len(cov.recommended)} recommended rules in force"
    if cov.missing:
        cov_detail += "; missing: " + ", ".join(cov.missing)
    # No rules declared and nothing observed is not the same as "nothing needed": without
    # telemetry the coverage is unknown, so it earns nothing until the agent reports.
    cov_ratio = cov.ratio if facts.reported else 0.0
    if not facts.reported:
        cov_detail = f"{_NEVER_REPORTED}: no guard rules declared yet; " + cov_detail
    parts = [
        Factor(
            "rule_coverage",
            PART_MAX["rule_coverage"] * cov_ratio,
            PART_MAX["rule_coverage"],
            cov_detail,
            oid,
        ),
        Factor(
            "trust",
            PART_MAX["trust"] * tr.value / 100,
            PART_MAX["trust"],
            f"trust score {round1(tr.value)}: " + "; ".join(p.detail for p in tr.parts),
            oid,
        ),
        _red_team_part(facts.red_team, oid),
    ]
    if not facts.reported:
        # "no baseline yet" earns full marks for an agent we watch; one we never saw has
        # no behaviour to vouch for.
        parts.append(
            Factor("drift", 0.0, PART_MAX["drift"], f"{_NEVER_REPORTED}: no behaviour seen", oid)
        )
    elif dr.value is None:
        parts.append(Factor("drift", PART_MAX["drift"], PART_MAX["drift"], "no baseline yet", oid))
    else:
        new = [f"{c.facet}:{c.item}" for c in dr.changes if c.kind == "new"]
        detail = f"drift {dr.value:.2f}"
        if new:
            detail += "; new: " + ", ".join(new[:10])
        parts.append(
            Factor("drift", PART_MAX["drift"] * (1 - dr.value), PART_MAX["drift"], detail, oid)
        )
    return AgentScore(
        facts.agent_id,
        facts.name or facts.agent_id,
        Score.from_parts(parts),
        tri,
        cov,
        tr,
        dr,
        facts.red_team,
        facts.activity,
        facts.reported,
    )


def missing_rule_names(coverage: RuleCoverage) -> Sequence[str]:
    """Human names of the missing rules, in vocabulary order."""
    return [get_rule(r).name for r in coverage.missing]
