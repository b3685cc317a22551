"""Suggested score weights from the deployment profile, with the reasoning. Never applied.

Start from the defaults (Agent 40, MCP 35, Shadow AI 25) as raw points; each
rule below adds or removes raw points from one dimension; a dimension with
nothing deployed gets 0 (a deployed one never drops below 15: no rule takes
more than 10 from a default of at least 25); the raw points are scaled to sum
100 and rounded to whole numbers by largest remainder. docs/scoring.md
("Weight advisor") lists the rules with a worked example.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from threatvec.posture.composite import DEFAULT_WEIGHTS, PostureScore

__all__ = ["Advice", "DeploymentProfile", "advise_weights"]


@dataclass(frozen=True, slots=True)
class DeploymentProfile:
    """Counts that describe a deployment (a `PostureScore` has them all in its coverage)."""

    agents: int = 0
    agents_full_trifecta: int = 0
    agents_two_legs: int = 0
    # registered but no telemetry yet: their trifecta legs are unknown, not zero
    agents_never_reported: int = 0
    mcp_servers: int = 0
    mcp_at_risk: int = 0  # servers scoring below 50
    shadow_services: int = 0
    shadow_high: int = 0
    shadow_pii_services: int = 0
    shadow_events: int = 0

    def __post_init__(self) -> None:
        for k, v in asdict(self).items():
            if v < 0:
                raise ValueError(f"{k} must be >= 0")

    @classmethod
    def from_posture(cls, posture: PostureScore) -> DeploymentProfile:
        def cov(dim: str, key: str) -> int:
            try:
                return int(posture.dimension(dim).coverage.get(key, 0))
            except KeyError:
                return 0

        return cls(
            agents=cov("agent", "agents"),
            agents_full_trifecta=cov("agent", "full_trifecta"),
            agents_two_legs=cov("agent", "two_legs"),
            agents_never_reported=cov("agent", "never_reported"),
            mcp_servers=cov("mcp", "servers"),
            mcp_at_risk=cov("mcp", "at_risk"),
            shadow_services=cov("shadow", "services"),
            shadow_high=cov("shadow", "high"),
            shadow_pii_services=cov("shadow", "pii_services"),
            shadow_events=cov("shadow", "events"),
        )


@dataclass(frozen=True, slots=True)
class Advice:
    weights: dict[str, float]
    reasons: tuple[str, ...]
    profile: DeploymentProfile
    current: dict[str, float] = field(default_factory=dict)

    @property
    def differs(self) -> bool:
        if not self.current:
            return False
        return any(abs(self.weights[k] - self.current.get(k, -1)) > 1e-9 for k in self.weights)

    def to_dict(self) -> dict[str, Any]:
        return {
            "suggested": dict(self.weights),
            "current": dict(self.current),
            "differs_from_current": self.differs,
            "reasons": list(self.reasons),
            "profile": asdict(self.profile),
            "applied": False,
        }


def _largest_remainder(raw: Mapping[str, float], total: int = 100) -> dict[str, float]:
    s = sum(raw.values())
    exact = {k: v * total / s for k, v in raw.items()}
    out = {k: math.floor(v) for k, v in exact.items()}
    left = total - sum(out.values())
    order = sorted(exact, key=lambda k: (-(exact[k] - out[k]), list(raw).index(k)))
    for k in order[:left]:
        out[k] += 1
    return {k: float(v) for k, v in out.items()}


def _agent_rules(p: DeploymentProfile, raw: dict[str, float], reasons: list[str]) -> None:
    """The Agent rules, over the agents whose trifecta legs are known (they reported).

    An agent registered but never reported has unknown legs: counted as none it
    would make a fleet look safer than anyone knows (and earn "Agents −10").
    """
    unknown = min(p.agents_never_reported, p.agents)
    known = p.agents - unknown
    if unknown:
        reasons.append(
            f"Agents: {unknown} of {p.agents} never reported, so their trifecta legs are "
            "unknown; they are left out of the risk share."
        )
    if not known:
        return
    of = f"{known} agents that report" if unknown else f"{known} agents"
    risky = (p.agents_full_trifecta + 0.5 * p.agents_two_legs) / known
    if risky >= 0.5:
        raw["agent"] += 15
        reasons.append(
            f"Agents +15: {p.agents_full_trifecta} of {of} have the full lethal trifecta "
            f"and {p.agents_two_legs} have two legs (risk share {risky:.2f} ≥ 0.5)."
        )
    elif risky >= 0.2:
        raw["agent"] += 8
        reasons.append(
            f"Agents +8: risk share {risky:.2f} ({p.agents_full_trifecta} full trifecta, "
            f"{p.agents_two_legs} two legs, of {of}) is at least 0.2."
        )
    elif p.agents_full_trifecta == 0 and p.agents_two_legs == 0:
        raw["agent"] -= 10
        reasons.append(f"Agents −10: none of the {of} has two or more trifecta legs.")


def advise_weights(
    profile: DeploymentProfile, current: Mapping[str, float] | None = None
) -> Advice:
    """Suggested weights (sum 100) for this profile, each adjustment explained."""
    raw = dict(DEFAULT_WEIGHTS)
    reasons: list[str] = ["Start from the defaults: Agents 40, MCP servers 35, Shadow AI 25."]
    p = profile

    _agent_rules(p, raw, reasons)
    if p.mcp_servers:
        share = p.mcp_at_risk / p.mcp_servers
        if share >= 0.2 or p.mcp_servers >= 20:
            raw["mcp"] += 8
            reasons.append(
                f"MCP servers +8: {p.mcp_servers} servers, {p.mcp_at_risk} scoring below 50 "
                f"(share {share:.2f}); a large or weak MCP estate is a wide supply-chain surface."
            )
        elif p.mcp_servers <= 2:
            raw["mcp"] -= 10
            reasons.append(f"MCP servers −10: only {p.mcp_servers} server(s) in use.")
    if p.shadow_services:
        if p.shadow_pii_services or p.shadow_high >= 3:
            raw["shadow"] += 10
            reasons.append(
                f"Shadow AI +10: {p.shadow_high} HIGH-risk service(s), {p.shadow_pii_services} "
                "with personal data seen in what was sent to them (pastes, uploads, prompts)."
            )
        elif p.shadow_services <= 2 and p.shadow_high == 0:
            raw["shadow"] -= 10
            reasons.append(
                f"Shadow AI −10: {p.shadow_services} service(s) in use and none HIGH-risk."
            )
        if p.shadow_events >= 100_000:
            raw["shadow"] += 5
            reasons.append(f"Shadow AI +5: heavy use ({p.shadow_events} events in the window).")

    present = {"agent": p.agents > 0, "mcp": p.mcp_servers > 0, "shadow": p.shadow_services > 0}
    for dim, here in present.items():
        if not here:
            raw[dim] = 0.0
            reasons.append(f"{_LABEL[dim]} 0: {_NOTHING[dim]}; revisit when there is.")
    if not any(present.values()):
        weights = dict(DEFAULT_WEIGHTS)
        reasons = ["Nothing deployed yet: keep the defaults 40/35/25."]
    else:
        weights = _largest_remainder(raw)
        reasons.append(
            "Scale the raw points "
            + ", ".join(f"{_LABEL[k]} {v:g}" for k, v in raw.items())
            + f" (sum {sum(raw.values()):g}) to 100: "
            + ", ".join(f"{_LABEL[k]} {v:g}" for k, v in weights.items())
            + "."
        )
    return Advice(weights, tuple(reasons), profile, dict(current or {}))


_LABEL = {"agent": "Agents", "mcp": "MCP servers", "shadow": "Shadow AI"}
# What "nothing deployed" means per dimension. Not "no data": shadow telemetry that saw
# no AI service in use scores 100, a real value.
_NOTHING = {
    "agent": "no agent registered or reporting yet",
    "mcp": "no MCP server scanned yet",
    "shadow": "no AI service seen in use in the window",
}
