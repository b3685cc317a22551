"""SOC 2 Trust Services Criteria (2017, points of focus 2022): AI-relevant common criteria."""

from __future__ import annotations

from threatvec.compliance.frameworks import ControlSpec, Framework

C = ControlSpec

FRAMEWORK = Framework(
    framework="soc2",
    name="SOC 2 Type II",
    edition="Trust Services Criteria 2017 (rev. 2022)",
    description="Common criteria applied to the organisation's AI agents, tools and services.",
    notes=(
        "Type II judges operation over a period; each export is one point-in-time sample of "
        "that evidence.",
    ),
    controls=(
        C(
            "CC6.1",
            "Asset inventory",
            "Every AI agent, MCP server and AI service is known and has an owner decision.",
            ("ai_inventory",),
            group="Logical access",
        ),
        C(
            "CC4.1",
            "Continuous monitoring",
            "Controls are evaluated continuously from live sources, not only at audit time.",
            ("continuous_monitoring", "drift_monitoring"),
            group="Monitoring activities",
            references=("CC7.1",),
        ),
        C(
            "CC6.6",
            "Enforcement",
            "Threats from outside the boundary (injected instructions, exfiltration) are blocked "
            "at run time.",
            ("enforcement", "guardrail_coverage"),
            group="Logical access",
            references=("CC6.7",),
        ),
        C(
            "CC7.2",
            "Telemetry coverage",
            "Agents report the telemetry needed to notice anomalies.",
            ("telemetry_coverage",),
            group="System operations",
        ),
        C(
            "CC3.2",
            "Risk posture",
            "AI risks are identified and analysed with an explained score.",
            ("risk_posture",),
            group="Risk assessment",
        ),
        C(
            "CC7.1",
            "Vulnerability detection",
            "New vulnerabilities in AI components are found and handled within SLA.",
            ("vuln_management",),
            group="System operations",
        ),
        C(
            "CC7.4",
            "Incident response",
            "Security events reach people through alerts and are acknowledged.",
            ("alerting", "incident_handling"),
            group="System operations",
            references=("CC7.3",),
        ),
        C(
            "CC8.1",
            "Change management",
            "Changes to MCP tool definitions are caught against what was approved.",
            ("mcp_integrity",),
            group="Change management",
        ),
        C(
            "CC6.8",
            "Malicious software",
            "Tool definitions carrying covert instructions are detected.",
            ("mcp_tool_safety",),
            group="Logical access",
        ),
        C(
            "CC9.2",
            "Vendor risk",
            "Third-party AI services in use are registered and approved.",
            ("shadow_ai",),
            group="Risk mitigation",
        ),
    ),
)
