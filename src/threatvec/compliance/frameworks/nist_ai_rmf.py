"""NIST AI Risk Management Framework 1.0 (AI 100-1): the categories ThreatVec evidences."""

from __future__ import annotations

from threatvec.compliance.frameworks import ControlSpec, Framework

C = ControlSpec

FRAMEWORK = Framework(
    framework="nist-ai-rmf",
    name="NIST AI RMF",
    edition="1.0 (NIST AI 100-1)",
    description="Govern, map, measure and manage the risks of AI systems.",
    controls=(
        C(
            "GOVERN-1",
            "Policies and inventory for AI risk",
            "AI systems are inventoried, monitored on a set cadence and owned by someone who "
            "decides on them.",
            ("ai_inventory", "alerting"),
            group="GOVERN",
            references=("GOVERN 1.5", "GOVERN 1.6"),
        ),
        C(
            "MAP-1",
            "Context is established",
            "Which AI is in use, by whom and for what, including services people adopt on their "
            "own, is known.",
            ("ai_inventory", "shadow_ai"),
            group="MAP",
            references=("MAP 1.1", "MAP 4.1"),
        ),
        C(
            "MAP-2",
            "AI systems are categorised",
            "Each agent's reach (private data, untrusted content, external communication) is "
            "declared and classified.",
            ("agent_transparency", "least_agency"),
            group="MAP",
            references=("MAP 2.1", "MAP 2.2"),
        ),
        C(
            "MEASURE-1",
            "Methods and metrics are applied",
            "Risk is measured with explained metrics from telemetry that covers the fleet.",
            ("risk_posture", "telemetry_coverage"),
            group="MEASURE",
            references=("MEASURE 1.1", "MEASURE 1.2"),
        ),
        C(
            "MEASURE-2",
            "Systems are evaluated for trustworthiness",
            "Security and resilience are tested adversarially and behaviour is watched in "
            "production.",
            ("adversarial_testing", "drift_monitoring"),
            group="MEASURE",
            references=("MEASURE 2.4", "MEASURE 2.7"),
        ),
        C(
            "MANAGE-1",
            "Risks are prioritised and treated",
            "Identified weaknesses (CVEs, MCP changes and findings) are ranked and handled in "
            "time.",
            ("vuln_management", "mcp_integrity", "mcp_tool_safety"),
            group="MANAGE",
            references=("MANAGE 1.2", "MANAGE 1.3"),
        ),
        C(
            "MANAGE-2",
            "Harm is limited and systems can be stopped",
            "People are alerted, can intervene, and runtime controls can block or disengage an "
            "agent.",
            ("alerting", "human_oversight", "enforcement"),
            group="MANAGE",
            references=("MANAGE 2.3", "MANAGE 2.4"),
        ),
    ),
)
