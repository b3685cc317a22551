"""OWASP Top 10 for LLM Applications, 2025 edition (LLM01–LLM10)."""

from __future__ import annotations

from threatvec.compliance.frameworks import ControlSpec, Framework

C = ControlSpec

FRAMEWORK = Framework(
    framework="owasp-llm",
    name="OWASP LLM Top 10",
    edition="2025 (v2.0)",
    description="The ten most critical risks of applications built on large language models.",
    controls=(
        C(
            "LLM01",
            "Prompt Injection",
            "Instructions smuggled in through users, documents, web pages or tool output must not "
            "steer the agent.",
            ("owasp:LLM01", "guardrail_coverage", "mcp_tool_safety"),
            references=("AML.T0051",),
        ),
        C(
            "LLM02",
            "Sensitive Information Disclosure",
            "Personal data, secrets and confidential context stay out of answers and out of "
            "unapproved AI services.",
            ("owasp:LLM02", "pii_protection"),
            references=("AML.T0057",),
        ),
        C(
            "LLM03",
            "Supply Chain",
            "Models, libraries and MCP servers the agents depend on are vetted, pinned and "
            "patched.",
            ("owasp:LLM03", "mcp_integrity", "vuln_management"),
            references=("AML.T0010",),
        ),
        C(
            "LLM04",
            "Data and Model Poisoning",
            "Training, fine-tuning, memory and retrieved data cannot be tampered with to plant "
            "behaviour.",
            ("owasp:LLM04",),
            references=("AML.T0020", "AML.T0080"),
        ),
        C(
            "LLM05",
            "Improper Output Handling",
            "Model output is treated as untrusted before it reaches shells, queries, browsers or "
            "other systems.",
            ("owasp:LLM05",),
            references=("AML.T0077",),
        ),
        C(
            "LLM06",
            "Excessive Agency",
            "Agents get only the tools, permissions and autonomy their task needs; risky actions "
            "need a person.",
            ("owasp:LLM06", "least_agency", "human_oversight"),
            references=("AML.T0053",),
        ),
        C(
            "LLM07",
            "System Prompt Leakage",
            "Nothing secret lives in system prompts, and agents resist attempts to recite them.",
            ("owasp:LLM07",),
            references=("AML.T0056",),
        ),
        C(
            "LLM08",
            "Vector and Embedding Weaknesses",
            "Retrieval stores keep access control and resist poisoned or injected entries.",
            ("owasp:LLM08",),
            references=("AML.T0070",),
        ),
        C(
            "LLM09",
            "Misinformation",
            "Confidently wrong output is caught before people or systems act on it.",
            ("owasp:LLM09",),
            references=("AML.T0062",),
        ),
        C(
            "LLM10",
            "Unbounded Consumption",
            "Inference volume and cost are bounded so abuse cannot exhaust service or budget.",
            ("owasp:LLM10",),
            references=("AML.T0034",),
        ),
    ),
)
