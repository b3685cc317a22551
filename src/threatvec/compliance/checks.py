"""The checks: each judges one aspect of the org's AI security from live evidence.

A framework control names the checks that judge it (frameworks/*.py); the
same check answers the same way in every framework, so the OWASP, NIST, EU AI
Act, SOC 2 and ISO views never contradict each other. Every check returns its
status with a one-line reason and the evidence that decided it; the
thresholds are the constants below (docs/compliance.md, "How each check is
evaluated").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from threatvec.compliance.evidence import CheckResult, Evidence
from threatvec.compliance.facts import OrgFacts, listed
from threatvec.compliance.statuses import Status
from threatvec.redteam.coverage import MIN_DECIDED

__all__ = ["CHECKS", "OWASP_IDS", "Check", "run_check"]

MET_AT = 0.8  # pass rates and shares at or above this are met …
PARTIAL_AT = 0.5  # … at or above this partial, below it a gap
POSTURE_MET_AT = 80.0
POSTURE_PARTIAL_AT = 50.0
DRIFT_MET_BELOW = 0.3
DRIFT_GAP_AT = 0.6
# The alert triggers a security team is expected to route to a person.
KEY_TRIGGERS = (
    "score_drop",
    "new_shadow_asset",
    "pii_spike",
    "red_team_bypass",
    "new_critical_cve",
)
OWASP_IDS = tuple(f"LLM{n:02d}" for n in range(1, 11))

API = "/api/v1"


@dataclass(frozen=True, slots=True)
class Check:
    key: str
    title: str
    run: Callable[[OrgFacts], CheckResult]


def _share_status(good: int, total: int) -> Status:
    if good == total:
        return "met"
    return "gap" if good == 0 else "partial"


def _rate_status(rate: float) -> Status:
    if rate >= MET_AT:
        return "met"
    return "partial" if rate >= PARTIAL_AT else "gap"


def _probe_status(rate: float, decided: int) -> tuple[Status, str]:
    """A pass rate's status, at best partial on fewer results than the heatmap needs.

    One passed probe is 100 %; calling a control met on it overstated the
    evidence (the ATLAS heatmap calls under ``MIN_DECIDED`` results insufficient).
    """
    status = _rate_status(rate)
    if status == "met" and decided < MIN_DECIDED:
        return "partial", f"; too few results to call it met (at least {MIN_DECIDED} needed)"
    return status, ""


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


# ── inventory, telemetry, monitoring ──────────────────────────────────────


def ai_inventory(f: OrgFacts) -> CheckResult:
    agents, mcp, services = f.agents, f.mcp, f.shadow or ()
    total = len(agents) + mcp.servers + len(services)
    if total == 0:
        return CheckResult.of(
            "not_assessed", "No agent, MCP server or AI service has been seen yet."
        )
    loose_agents = [a.agent_id for a in agents if not (a.verified or a.approved)]
    loose_services = [s.service_id for s in services if not s.registered]
    loose = len(loose_agents) + len(mcp.unapproved) + len(loose_services)
    governed = total - loose
    return CheckResult.of(
        _share_status(governed, total),
        f"{governed} of {total} AI components are inventoried with a decision "
        "(agents registered or approved, MCP servers approved, AI services registered).",
        [
            Evidence("agents inventoried", len(agents), f"{API}/agents"),
            Evidence(
                "agents neither SDK-registered nor approved",
                len(loose_agents),
                f"{API}/assets?kind=agent",
                tuple(listed(loose_agents)),
            ),
            Evidence("MCP servers inventoried", mcp.servers, f"{API}/mcp/servers"),
            Evidence(
                "MCP servers not approved",
                len(mcp.unapproved),
                f"{API}/mcp/servers?approved=false",
                tuple(listed(mcp.unapproved)),
            ),
            Evidence("AI services in recent use", len(services), f"{API}/shadow/services"),
            Evidence(
                "AI services in use but not registered",
                len(loose_services),
                f"{API}/shadow/services",
                tuple(listed(loose_services)),
            ),
        ],
    )


def telemetry_coverage(f: OrgFacts) -> CheckResult:
    agents = f.agents
    if not agents:
        return CheckResult.of("not_assessed", "No agent has reported telemetry yet.")
    silent = [a.agent_id for a in agents if not a.reported_recently]
    reporting = len(agents) - len(silent)
    dropped = f.dropped_events
    lost = sum(dropped.values())
    status = _share_status(reporting, len(agents))
    reason = f"{reporting} of {len(agents)} agents reported telemetry in the last 24 h"
    if status == "met" and lost:
        status, reason = "partial", reason + f", but SDKs dropped {lost} event(s)"
    latest = max(a.last_seen for a in agents)
    return CheckResult.of(
        status,
        reason + ".",
        [
            Evidence("agents reporting in the last 24 h", reporting, f"{API}/agents"),
            Evidence(
                "agents silent for more than 24 h",
                len(silent),
                f"{API}/agents?status=offline",
                tuple(listed(silent)),
            ),
            Evidence("SDK-registered agents", sum(a.verified for a in agents), f"{API}/agents"),
            Evidence("events dropped by SDKs (all reasons)", lost),
            *(Evidence(f"events dropped: {r}", n) for r, n in sorted(dropped.items())),
            Evidence("latest report", None, f"{API}/agents", observed_at=latest),
        ],
    )


def continuous_monitoring(f: OrgFacts) -> CheckResult:
    agents, mcp, services = f.agents, f.mcp, f.shadow
    ever = bool(agents) or mcp.last_scan_at is not None or services is not None
    if not ever:
        return CheckResult.of(
            "not_assessed", "No monitoring source (agent telemetry, MCP scans, shadow AI) yet."
        )
    sources = {
        "agent telemetry in the last 24 h": any(a.reported_recently for a in agents),
        "MCP scan in the last 30 days": mcp.last_scan_at is not None
        and f.now - mcp.last_scan_at <= timedelta(days=30),
        "shadow AI discovery in the last 30 days": bool(services),
    }
    active = [name for name, on in sources.items() if on]
    missing = [name for name, on in sources.items() if not on]
    status = _share_status(len(active), len(sources))
    reason = f"{len(active)} of {len(sources)} monitoring sources are live"
    if missing:
        reason += "; missing: " + ", ".join(missing)
    return CheckResult.of(
        status,
        reason + ".",
        [
            *(Evidence(name, on) for name, on in sources.items()),
            Evidence(
                "MCP scans received (30 days)",
                mcp.scans,
                f"{API}/mcp/scans",
                observed_at=mcp.last_scan_at,
            ),
        ],
    )


def drift_monitoring(f: OrgFacts) -> CheckResult:
    measured = [a for a in f.agents if a.drift is not None]
    if not measured:
        return CheckResult.of(
            "not_assessed", "No agent has a behavioural baseline to compare against yet."
        )
    worst = max(measured, key=lambda a: a.drift or 0.0)
    top = worst.drift or 0.0
    drifting = [a.agent_id for a in measured if (a.drift or 0.0) >= DRIFT_MET_BELOW]
    status: Status = "met" if top < DRIFT_MET_BELOW else "gap" if top >= DRIFT_GAP_AT else "partial"
    return CheckResult.of(
        status,
        f"{len(measured)} agent(s) are compared with their own baseline; the largest drift is "
        f"{top:.2f} ({worst.name}).",
        [
            Evidence("agents with a baseline", len(measured), f"{API}/agents"),
            Evidence(
                f"agents drifting ≥ {DRIFT_MET_BELOW}",
                len(drifting),
                f"{API}/agents?sort=-drift",
                tuple(listed(drifting)),
            ),
            Evidence("largest drift", round(top, 3), f"{API}/agents/{worst.agent_id}"),
        ],
    )


# ── risk and vulnerabilities ──────────────────────────────────────────────


def risk_posture(f: OrgFacts) -> CheckResult:
    p = f.posture
    if p.value is None:
        return CheckResult.of(
            "not_assessed", "The posture has no dimension with data yet, so no score."
        )
    value = p.value
    status: Status = (
        "met" if value >= POSTURE_MET_AT else "partial" if value >= POSTURE_PARTIAL_AT else "gap"
    )
    dims = [
        Evidence(
            f"{d.display_name} score",
            None if d.value is None else round(d.value, 1),
            f"{API}/posture",
        )
        for d in p.posture.dimensions
    ]
    return CheckResult.of(
        status,
        f"Posture {value:.1f}/100 (met at {POSTURE_MET_AT:g}, partial at {POSTURE_PARTIAL_AT:g}).",
        [
            Evidence("posture score", round(value, 1), f"{API}/posture", observed_at=p.computed_at),
            *dims,
            Evidence("open risks ranked", len(p.posture.risks), f"{API}/posture/brief"),
        ],
    )


def vuln_management(f: OrgFacts) -> CheckResult:
    v = f.vulns
    st = v.stats
    if st.stack_entries == 0 and st.relevant == 0:
        return CheckResult.of(
            "not_assessed", "No tech stack is imported and no AI-relevant CVE is tracked yet."
        )
    evidence = [
        Evidence("tech-stack entries", st.stack_entries, f"{API}/tech-stack"),
        Evidence("relevant CVEs tracked", st.relevant, f"{API}/patches"),
        Evidence("open critical CVEs", st.open_critical, f"{API}/patches?severity=CRITICAL"),
        Evidence("known exploited (KEV) and open", st.kev, f"{API}/patches?kev=true"),
        Evidence(
            "CVEs past their SLA", st.overdue, f"{API}/patches?overdue=true", tuple(v.overdue_ids)
        ),
        Evidence(
            "status decisions recorded",
            v.decisions,
            f"{API}/patches/stats",
            observed_at=v.last_decision_at,
        ),
    ]
    if st.overdue:
        return CheckResult.of(
            "gap", f"{st.overdue} relevant CVE(s) are past their remediation SLA.", evidence
        )
    if st.stack_entries == 0:
        return CheckResult.of(
            "partial",
            "No CVE is past its SLA, but no tech stack is imported, so stack matches are unknown.",
            evidence,
        )
    return CheckResult.of(
        "met",
        f"{st.relevant} relevant CVE(s) tracked against {st.stack_entries} stack entries; "
        "none past its SLA.",
        evidence,
    )


# ── MCP supply chain ──────────────────────────────────────────────────────


def mcp_integrity(f: OrgFacts) -> CheckResult:
    m = f.mcp
    if m.servers == 0:
        return CheckResult.of("not_assessed", "No MCP server has been scanned yet.")
    evidence = [
        Evidence("MCP servers", m.servers, f"{API}/mcp/servers", observed_at=m.last_scan_at),
        Evidence("approved (pinned)", m.approved, f"{API}/mcp/allowlist"),
        Evidence(
            "changed since approval",
            len(m.changed_since_pin),
            f"{API}/mcp/servers",
            tuple(listed(m.changed_since_pin)),
        ),
        Evidence(
            "not approved",
            len(m.unapproved),
            f"{API}/mcp/servers?approved=false",
            tuple(listed(m.unapproved)),
        ),
    ]
    if m.changed_since_pin:
        return CheckResult.of(
            "gap",
            f"{len(m.changed_since_pin)} approved MCP server(s) changed their tool definitions "
            "since approval.",
            evidence,
        )
    if m.unapproved:
        return CheckResult.of(
            "partial",
            f"{m.approved} of {m.servers} MCP servers are approved and pinned; none changed.",
            evidence,
        )
    return CheckResult.of(
        "met", f"All {m.servers} MCP servers are approved and unchanged since.", evidence
    )


def mcp_tool_safety(f: OrgFacts) -> CheckResult:
    m = f.mcp
    if m.servers == 0:
        return CheckResult.of("not_assessed", "No MCP server has been scanned yet.")
    evidence = [
        Evidence(
            "open findings",
            m.open_findings,
            f"{API}/mcp/findings?status=open",
            tuple(listed(m.open_finding_ids)),
        ),
        *(
            Evidence(f"open {sev} findings", n, f"{API}/mcp/findings?status=open&severity={sev}")
            for sev, n in sorted(m.open_by_severity.items())
        ),
    ]
    if m.severe_open:
        return CheckResult.of(
            "gap",
            f"{len(m.severe_open)} high or critical MCP finding(s) are open "
            "(covert instructions or unsafe tool definitions).",
            evidence,
        )
    if m.open_findings:
        return CheckResult.of(
            "partial", f"{m.open_findings} lower-severity MCP finding(s) are open.", evidence
        )
    return CheckResult.of("met", f"No open finding on {m.servers} scanned MCP server(s).", evidence)


# ── shadow AI and personal data ───────────────────────────────────────────


def shadow_ai(f: OrgFacts) -> CheckResult:
    services = f.shadow
    if services is None:
        return CheckResult.of(
            "not_assessed", "No shadow-AI telemetry yet (browser extension or M365 logs)."
        )
    if not services:
        # telemetry that went quiet proves nothing about today's AI use: never "met"
        return CheckResult.of(
            "not_assessed",
            "No AI service use seen in the last 30 days (is discovery still reporting?).",
            [Evidence("AI services in use (30 days)", 0, f"{API}/shadow/services")],
        )
    high = [s.service_id for s in services if s.risk == "HIGH"]
    medium = [s.service_id for s in services if s.risk == "MEDIUM"]
    evidence = [
        Evidence("AI services in use (30 days)", len(services), f"{API}/shadow/services"),
        Evidence("HIGH risk", len(high), f"{API}/shadow/services", tuple(listed(high))),
        Evidence("MEDIUM risk", len(medium), f"{API}/shadow/services", tuple(listed(medium))),
        Evidence("registered and approved", sum(s.registered for s in services)),
    ]
    if high:
        return CheckResult.of(
            "gap",
            f"{len(high)} AI service(s) in use are HIGH risk (PII sent, or unknown and "
            "unregistered).",
            evidence,
        )
    if medium:
        return CheckResult.of(
            "partial",
            f"{len(medium)} known AI service(s) are in use without registration.",
            evidence,
        )
    return CheckResult.of(
        "met", f"All {len(services)} AI service(s) in recent use are registered.", evidence
    )


def pii_protection(f: OrgFacts) -> CheckResult:
    services, agents, rt = f.shadow, f.agents, f.redteam
    probe = rt.by_owasp.get("LLM02")
    if not services and not agents and probe is None:  # quiet shadow telemetry is no data
        return CheckResult.of(
            "not_assessed", "No shadow-AI, agent or red-team data about personal data yet."
        )
    leaked = [s.service_id for s in services or () if s.pii_uploads and not s.registered]
    to_registered = [s.service_id for s in services or () if s.pii_uploads and s.registered]
    flagged = [a.agent_id for a in agents if a.pii_flags or a.secret_flags]
    probe_failed = probe[1] if probe else 0
    evidence = [
        Evidence(
            "services sent PII while unregistered",
            len(leaked),
            f"{API}/shadow/services",
            tuple(listed(leaked)),
        ),
        Evidence("registered services that received PII", len(to_registered)),
        Evidence(
            "agents with PII or secrets in their traffic",
            len(flagged),
            f"{API}/agents",
            tuple(listed(flagged)),
        ),
        Evidence(
            "data-leakage probes failed (LLM02)",
            probe_failed,
            f"{API}/agentbench/runs",
            tuple(rt.failed_probes_by_owasp.get("LLM02", ())[:25]),
        ),
    ]
    if leaked or probe_failed:
        parts = []
        if leaked:
            parts.append(f"PII went to {len(leaked)} unregistered AI service(s)")
        if probe_failed:
            parts.append(f"{probe_failed} data-leakage probe(s) succeeded")
        return CheckResult.of("gap", "; ".join(parts) + ".", evidence)
    if flagged or to_registered:
        return CheckResult.of(
            "partial",
            "Personal data is detected in AI traffic "
            f"({len(flagged)} agent(s), {len(to_registered)} registered service(s)) but not "
            "blocked.",
            evidence,
        )
    return CheckResult.of(
        "met",
        "No personal data seen leaving to unregistered AI, and no leakage probe succeeded.",
        evidence,
    )


# ── agents: guardrails, agency, oversight, transparency ───────────────────


def guardrail_coverage(f: OrgFacts) -> CheckResult:
    agents = f.agents
    if not agents:
        return CheckResult.of("not_assessed", "No agent is known yet.")
    complete = [a for a in agents if not a.rules_missing]
    missing = [a.agent_id for a in agents if a.rules_missing]
    mean = sum(a.rule_ratio for a in agents) / len(agents)
    status: Status = "met" if not missing else "gap" if mean < PARTIAL_AT else "partial"
    return CheckResult.of(
        status,
        f"{len(complete)} of {len(agents)} agents run every guardrail rule recommended for "
        f"their risk profile (mean coverage {_pct(mean)}).",
        [
            Evidence("mean rule coverage", round(mean, 3), f"{API}/agents?sort=rule_coverage"),
            Evidence(
                "agents missing recommended rules",
                len(missing),
                f"{API}/agents?sort=rule_coverage",
                tuple(listed(missing)),
            ),
        ],
    )


def least_agency(f: OrgFacts) -> CheckResult:
    agents = f.agents
    if not agents:
        return CheckResult.of("not_assessed", "No agent is known yet.")
    full = [a for a in agents if a.full_trifecta]
    exposed = [a.agent_id for a in full if a.rules_missing]
    evidence = [
        Evidence(
            "agents with the full lethal trifecta",
            len(full),
            f"{API}/agents?sort=-risk",
            tuple(listed(a.agent_id for a in full)),
        ),
        Evidence(
            "of those, missing recommended rules", len(exposed), objects=tuple(listed(exposed))
        ),
    ]
    if exposed:
        return CheckResult.of(
            "gap",
            f"{len(exposed)} agent(s) combine private data, untrusted content and external "
            "communication without the rules that contain it.",
            evidence,
        )
    if full:
        return CheckResult.of(
            "partial",
            f"{len(full)} agent(s) have the full lethal trifecta; their recommended rules are in "
            "force, but the capability is broader than a least-privilege design.",
            evidence,
        )
    return CheckResult.of(
        "met", f"None of {len(agents)} agents has the full lethal trifecta.", evidence
    )


def human_oversight(f: OrgFacts) -> CheckResult:
    agents, m = f.agents, f.mcp
    total = len(agents) + m.servers
    if total == 0:
        return CheckResult.of("not_assessed", "No agent or MCP server needs a decision yet.")
    approved = sum(a.approved for a in agents) + m.approved_by_person
    unguarded = [a.agent_id for a in agents if a.destructive_unguarded]
    status = _share_status(approved, total)
    reason = f"{approved} of {total} agents and MCP servers were approved by a person"
    if unguarded and status == "met":
        status = "partial"
    if unguarded:
        reason += f"; {len(unguarded)} agent(s) call destructive tools without human approval"
    return CheckResult.of(
        status,
        reason + ".",
        [
            Evidence(
                "agents approved", sum(a.approved for a in agents), f"{API}/assets?kind=agent"
            ),
            Evidence(
                "MCP servers approved by a person", m.approved_by_person, f"{API}/mcp/allowlist"
            ),
            Evidence(
                "agents with destructive tools and no human-approval rule",
                len(unguarded),
                f"{API}/agents",
                tuple(listed(unguarded)),
            ),
        ],
    )


def agent_transparency(f: OrgFacts) -> CheckResult:
    agents = f.agents
    if not agents:
        return CheckResult.of("not_assessed", "No agent is known yet.")
    declared = [a for a in agents if a.verified and a.capabilities_declared]
    undeclared = [a.agent_id for a in agents if not (a.verified and a.capabilities_declared)]
    return CheckResult.of(
        _share_status(len(declared), len(agents)),
        f"{len(declared)} of {len(agents)} agents registered through the SDK and declared what "
        "they can reach (private data, untrusted content, external communication).",
        [
            Evidence("agents with declared capabilities", len(declared), f"{API}/agents"),
            Evidence(
                "agents without a declaration",
                len(undeclared),
                f"{API}/agents",
                tuple(listed(undeclared)),
            ),
        ],
    )


# ── adversarial testing ───────────────────────────────────────────────────


def adversarial_testing(f: OrgFacts) -> CheckResult:
    agents, rt = f.agents, f.redteam
    decided = rt.passed + rt.failed
    if not agents and decided == 0:
        return CheckResult.of("not_assessed", "No agent to test and no red-team result yet.")
    untested = [a.agent_id for a in agents if a.red_team is None]
    evidence = [
        Evidence(
            f"completed red-team runs ({rt.window_days} days)",
            rt.completed_runs,
            f"{API}/agentbench/runs",
            observed_at=rt.last_finished_at,
        ),
        Evidence(f"probe results passed ({rt.window_days} days)", rt.passed),
        Evidence(f"probe results failed ({rt.window_days} days)", rt.failed),
        Evidence("confirmed critical failures", rt.critical_failures),
        Evidence(
            "agents not tested recently", len(untested), f"{API}/agents", tuple(listed(untested))
        ),
    ]
    if rt.last_run_id:
        evidence.append(
            Evidence("latest run", rt.last_run_id, f"{API}/agentbench/runs/{rt.last_run_id}")
        )
    if decided == 0:
        return CheckResult.of(
            "gap",
            f"{len(agents)} agent(s), none tested in the last {rt.window_days} days.",
            evidence,
        )
    rate = rt.passed / decided
    status, few = _probe_status(rate, decided)
    reason = f"Probes held {_pct(rate)} of {decided} decided attempts{few}"
    if status == "met" and (untested or rt.critical_failures):
        status = "partial"
    if untested:
        reason += f"; {len(untested)} agent(s) untested"
    if rt.critical_failures:
        reason += f"; {rt.critical_failures} confirmed critical failure(s)"
    return CheckResult.of(status, reason + ".", evidence)


def owasp_signal(owasp_id: str) -> Callable[[OrgFacts], CheckResult]:
    """Red-team probes and MCP findings tagged with one OWASP LLM id."""

    def check(f: OrgFacts) -> CheckResult:
        rt, m = f.redteam, f.mcp
        probe = rt.by_owasp.get(owasp_id)
        findings = m.open_owasp.get(owasp_id, [])
        if probe is None and not findings:
            return CheckResult.of(
                "not_assessed",
                f"No red-team result in the last {rt.window_days} days and no MCP finding maps "
                f"to {owasp_id}.",
            )
        passed, failed = probe or (0, 0)
        evidence = [
            Evidence(f"{owasp_id} probes passed", passed, f"{API}/agentbench/runs"),
            Evidence(
                f"{owasp_id} probes failed",
                failed,
                f"{API}/agentbench/runs",
                tuple(rt.failed_probes_by_owasp.get(owasp_id, ())[:25]),
            ),
            Evidence(
                f"open MCP findings tagged {owasp_id}",
                len(findings),
                f"{API}/mcp/findings?status=open",
                tuple(listed(findings)),
            ),
        ]
        if passed + failed == 0:
            return CheckResult.of(
                "gap", f"{len(findings)} open MCP finding(s) show {owasp_id} exposure.", evidence
            )
        rate = passed / (passed + failed)
        status, few = _probe_status(rate, passed + failed)
        reason = f"{owasp_id} probes held {_pct(rate)} of {passed + failed} attempts{few}"
        if findings:
            reason += f"; {len(findings)} open MCP finding(s)"
            status = "partial" if status == "met" else status
        return CheckResult.of(status, reason + ".", evidence)

    return check


# ── alerting and incidents ────────────────────────────────────────────────


def alerting(f: OrgFacts) -> CheckResult:
    a = f.alerting
    routed = [t for t in KEY_TRIGGERS if t in a.triggers_routed]
    unrouted = [t for t in KEY_TRIGGERS if t not in a.triggers_routed]
    evidence = [
        Evidence("alert rules enabled", a.rules_enabled, f"{API}/alerts/rules"),
        Evidence("notification channels enabled", a.channels_enabled, f"{API}/alerts/channels"),
        Evidence("channel kinds", ", ".join(a.channel_kinds) or None),
        Evidence("key triggers routed to a channel", ", ".join(routed) or None),
        Evidence("key triggers not routed", ", ".join(unrouted) or None),
    ]
    if a.rules_enabled == 0:
        return CheckResult.of("gap", "No alert rule is enabled.", evidence)
    if not routed:
        return CheckResult.of(
            "partial",
            f"{a.rules_enabled} alert rule(s) enabled, but none notifies an enabled channel.",
            evidence,
        )
    return CheckResult.of(
        "met" if not unrouted else "partial",
        f"{len(routed)} of {len(KEY_TRIGGERS)} key triggers notify a channel"
        + (f"; not routed: {', '.join(unrouted)}." if unrouted else "."),
        evidence,
    )


def incident_handling(f: OrgFacts) -> CheckResult:
    a = f.alerting
    fired = sum(a.alerts_by_status.values())
    if fired == 0:
        return CheckResult.of("not_assessed", "No alert has fired yet, so no handling to judge.")
    still_open = a.alerts_by_status.get("open", 0)
    handled = fired - still_open
    return CheckResult.of(
        _share_status(handled, fired),
        f"{handled} of {fired} fired alerts were acknowledged or resolved.",
        [
            Evidence("alerts fired", fired, f"{API}/alerts", observed_at=a.last_fired_at),
            Evidence(
                "alerts still open",
                still_open,
                f"{API}/alerts?status=open",
                tuple(a.open_alert_ids),
            ),
        ],
    )


def enforcement(f: OrgFacts) -> CheckResult:
    """Runtime enforcement covers the high-risk agent-tool pairs (the gap scan decides)."""
    from threatvec.enforcement import service as enforcement_service

    g = enforcement_service.gap_scan(session=f.session, org_id=f.org_id, now=f.now)
    pairs, covered = len(g.pairs), g.covered
    last = max((p.last_decision_at for p in g.pairs if p.last_decision_at), default=None)
    evidence = [
        Evidence("enforcement sources", g.sources_total, f"{API}/enforcement/sources"),
        Evidence(f"sources reporting in {g.window_days} d", g.sources_reporting),
        Evidence("high-risk agent-tool pairs", pairs, f"{API}/enforcement/gap-scan"),
        Evidence(
            "pairs covered", covered, f"{API}/enforcement/gap-scan?covered=true", observed_at=last
        ),
        Evidence(
            "agents with uncovered pairs",
            len({p.agent_id for p in g.uncovered}),
            f"{API}/enforcement/gap-scan?covered=false",
            tuple(listed(dict.fromkeys(p.agent_id for p in g.uncovered))),
        ),
        Evidence(f"calls blocked or redacted in {g.window_days} d", g.blocked_7d),
    ]
    if pairs == 0:
        if g.sources_total == 0:
            return CheckResult.of(
                "not_assessed",
                "No enforcement layer is connected and no high-risk agent-tool pair is known: "
                "nothing to judge yet.",
                evidence,
            )
        if g.sources_reporting:
            return CheckResult.of(
                "met",
                "No high-risk agent-tool pair, and an enforcement source reported in the last "
                f"{g.window_days} days.",
                evidence,
            )
        return CheckResult.of(
            "partial",
            f"Enforcement sources are configured but none reported in {g.window_days} days.",
            evidence,
        )
    share = covered / pairs
    if covered == 0:
        return CheckResult.of(
            "gap",
            f"None of {pairs} high-risk agent-tool pairs had an enforcement decision in the last "
            f"{g.window_days} days.",
            evidence,
        )
    status: Status = "met" if share >= MET_AT and g.sources_reporting else "partial"
    return CheckResult.of(
        status,
        f"{covered} of {pairs} high-risk agent-tool pairs ({_pct(share)}) are covered by runtime "
        f"enforcement (met at {_pct(MET_AT)}).",
        evidence,
    )


CHECKS: dict[str, Check] = {
    c.key: c
    for c in (
        Check("ai_inventory", "AI inventory with owner decisions", ai_inventory),
        Check("telemetry_coverage", "Agent telemetry coverage", telemetry_coverage),
        Check("continuous_monitoring", "Continuous monitoring sources", continuous_monitoring),
        Check("drift_monitoring", "Behavioural drift monitoring", drift_monitoring),
        Check("risk_posture", "Measured risk posture", risk_posture),
        Check("vuln_management", "AI vulnerability management within SLA", vuln_management),
        Check("mcp_integrity", "MCP server approval and pinning", mcp_integrity),
        Check("mcp_tool_safety", "MCP tool-definition findings", mcp_tool_safety),
        Check("shadow_ai", "Shadow AI governance", shadow_ai),
        Check("pii_protection", "Personal data kept from AI", pii_protection),
        Check("guardrail_coverage", "Guardrail rule coverage", guardrail_coverage),
        Check("least_agency", "Least agency (lethal trifecta)", least_agency),
        Check("human_oversight", "Human approval and oversight", human_oversight),
        Check("agent_transparency", "Declared agent capabilities", agent_transparency),
        Check("adversarial_testing", "Adversarial testing (red team)", adversarial_testing),
        Check("alerting", "Alert rules routed to people", alerting),
        Check("incident_handling", "Alert handling", incident_handling),
        Check("enforcement", "Runtime enforcement", enforcement),
        *(Check(f"owasp:{i}", f"{i} probes and findings", owasp_signal(i)) for i in OWASP_IDS),
    )
}


# Checks that judge every agent. Past facts.MAX_AGENTS only the first agents are read,
# so these must not claim "every agent" (met) and must say how many they judged.
AGENT_CHECKS = frozenset(
    {
        "ai_inventory",
        "telemetry_coverage",
        "drift_monitoring",
        "pii_protection",
        "guardrail_coverage",
        "least_agency",
        "human_oversight",
        "agent_transparency",
        "adversarial_testing",
    }
)


def _within_agent_limit(result: CheckResult, facts: OrgFacts) -> CheckResult:
    read, total = len(facts.agents), facts.agents_total
    if total <= read:
        return result
    return CheckResult.of(
        "partial" if result.status == "met" else result.status,
        f"{result.reason} Only {read} of the org's {total} agents were evaluated.",
        [
            *result.evidence,
            Evidence("agents evaluated", read, f"{API}/agents"),
            Evidence("agents in the organisation", total, f"{API}/agents"),
        ],
    )


def run_check(key: str, facts: OrgFacts, cache: dict[str, CheckResult]) -> CheckResult:
    """The check's result, computed once per evaluation (frameworks share it)."""
    hit = cache.get(key)
    if hit is None:
        hit = CHECKS[key].run(facts)
        if key in AGENT_CHECKS:
            hit = _within_agent_limit(hit, facts)
        cache[key] = hit
    return hit
