"""ISO/IEC 27001:2022 Annex A, AI addendum, with ISO/IEC 42001:2023 Annex A references.

The 27001↔42001 pairings are a mapping aid (see docs/compliance.md), not an
official correspondence.
"""

from __future__ import annotations

from threatvec.compliance.frameworks import ControlSpec, Framework

C = ControlSpec

FRAMEWORK = Framework(
    framework="iso27001",
    name="ISO 27001",
    edition="ISO/IEC 27001:2022 Annex A (AI addendum) + ISO/IEC 42001:2023",
    description="Information-security controls applied to AI, referenced to the AI "
    "management-system standard.",
    controls=(
        C(
            "A.5.9",
            "Inventory of information and associated assets",
            "AI agents, MCP servers and AI services are inventoried with owners.",
            ("ai_inventory",),
            group="Organisational",
            references=("42001:A.4.2",),
        ),
        C(
            "A.5.19",
            "Supplier relationships",
            "Third-party AI services and tool servers are vetted and approved before use.",
            ("shadow_ai", "mcp_integrity"),
            group="Organisational",
            references=("A.5.21", "42001:A.10.3"),
        ),
        C(
            "A.5.24",
            "Incident management",
            "AI security events are alerted, routed and handled.",
            ("alerting", "incident_handling"),
            group="Organisational",
            references=("A.5.25", "A.5.26", "42001:A.8.4"),
        ),
        C(
            "A.8.2",
            "Privileged access rights",
            "Agents do not combine more reach than their task needs.",
            ("least_agency",),
            group="Technological",
        ),
        C(
            "A.8.8",
            "Management of technical vulnerabilities",
            "AI-library CVEs are patched in time and agents are tested adversarially.",
            ("vuln_management", "adversarial_testing"),
            group="Technological",
        ),
        C(
            "A.8.12",
            "Data leakage prevention",
            "Personal data is kept from unapproved AI and leaks are stopped.",
            ("pii_protection", "enforcement"),
            group="Technological",
            references=("A.5.34",),
        ),
        C(
            "A.8.15",
            "Logging",
            "AI activity is recorded by every agent.",
            ("telemetry_coverage",),
            group="Technological",
            references=("42001:A.6.2.8",),
        ),
        C(
            "A.8.16",
            "Monitoring activities",
            "AI behaviour and new AI use are monitored continuously.",
            ("continuous_monitoring", "drift_monitoring"),
            group="Technological",
            references=("42001:A.6.2.6",),
        ),
        C(
            "A.8.32",
            "Change management",
            "Changes to approved tool definitions are detected.",
            ("mcp_integrity",),
            group="Technological",
        ),
    ),
)
