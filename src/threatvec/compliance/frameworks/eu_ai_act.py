"""EU AI Act, Regulation (EU) 2024/1689: the high-risk requirements ThreatVec evidences."""

from __future__ import annotations

from threatvec.compliance.frameworks import ControlSpec, Framework

C = ControlSpec

FRAMEWORK = Framework(
    framework="eu-ai-act",
    name="EU AI Act",
    edition="Regulation (EU) 2024/1689",
    description="Requirements for high-risk AI systems and the duties of their providers.",
    notes=(
        "These articles bind high-risk AI systems; whether a use is high-risk is the "
        "organisation's call. The statuses show readiness from live data, not a legal opinion.",
    ),
    controls=(
        C(
            "ART-9",
            "Risk management system",
            "Risks are identified, measured and treated continuously over the system's life, "
            "including by testing.",
            ("risk_posture", "adversarial_testing", "vuln_management"),
            group="Article 9",
        ),
        C(
            "ART-10",
            "Data and data governance",
            "Data reaching AI is governed: personal data is kept to approved services and "
            "flows are watched.",
            ("pii_protection", "shadow_ai"),
            group="Article 10",
        ),
        C(
            "ART-13",
            "Transparency and information to deployers",
            "What each agent can do and how it behaves is declared and observable.",
            ("agent_transparency", "telemetry_coverage"),
            group="Article 13",
        ),
        C(
            "ART-14",
            "Human oversight",
            "People approve AI components, are told about risk, and can intervene or stop a "
            "system.",
            ("human_oversight", "alerting", "enforcement"),
            group="Article 14",
        ),
        C(
            "ART-17",
            "Quality management system",
            "Testing, vulnerability handling and incident handling run as documented, repeated "
            "processes.",
            ("adversarial_testing", "vuln_management", "incident_handling"),
            group="Article 17",
        ),
    ),
)
