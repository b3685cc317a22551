"""The red-team learning cycle: CVE → ATLAS techniques → scenarios for one agent.

A documented rules table maps a CVE (CWE ids + words in its description) to
ATLAS technique ids and to the probe families that exercise them at the
agent's surface. ``plan_cycle`` keeps only CVEs in components the agent
actually uses (others are "not_applicable", never a pass), instantiates
scenarios from the probe library for the channels the agent supports, and
keeps provenance: cve → rule → scenario (→ run → verdict via
``link_outcomes``). LLM-suggested mappings are outside this module: they
enter only as rules a person approved.

Rule matching: a rule fires when the CVE has one of its CWEs (or the rule
lists none) AND every keyword group matches the description (case-insensitive
regular expressions). The rule id is kept as provenance for each technique.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from threatvec.redteam.probes import Probe, load_probes

__all__ = [
    "RULES",
    "AgentFacts",
    "CveDecision",
    "CveFacts",
    "CyclePlan",
    "MappingRule",
    "RuleMatch",
    "Scenario",
    "ScenarioOutcome",
    "link_outcomes",
    "map_cve",
    "normalise_component",
    "plan_cycle",
]


@dataclass(frozen=True)
class MappingRule:
    id: str
    title: str
    techniques: tuple[str, ...]
    families: tuple[str, ...]  # probe families that test it at the agent surface
    cwes: tuple[str, ...] = ()  # any of these (empty: any CWE)
    keywords: tuple[str, ...] = ()  # regexes; every one must match the description
    rationale: str = ""
    cve_ids: tuple[str, ...] = ()  # only these CVEs (an approved LLM suggestion is per CVE)


# Words that put the flaw on the LLM path (not "model" or "tool": every ML library says those).
_LLM = r"\b(llm|prompt|chain|agent|langchain|llama[\s_-]?index|query[\s_-]?engine|repl)"

RULES: tuple[MappingRule, ...] = (
    MappingRule(
        "R-PI-01", "Prompt injection named in the advisory",
        ("AML.T0051.000", "AML.T0051.001"),
        ("direct_injection", "indirect_injection_tool", "indirect_injection_document"),
        keywords=(r"prompt[\s-]*injection|jailbreak",),
        rationale="The advisory itself says a prompt steers the component.",
    ),
    MappingRule(
        "R-CODE-01", "Model output reaches a code interpreter",
        ("AML.T0050", "AML.T0053", "AML.T0051.001"),
        ("command_execution", "tool_hijack", "indirect_injection_tool"),
        cwes=("CWE-94", "CWE-95", "CWE-74", "CWE-77", "CWE-78", "CWE-1336", "CWE-276"),
        keywords=(r"exec|eval|code execution|arbitrary code|python", _LLM),
        rationale="Code runs from LLM/chain input: an injected instruction becomes a command.",
    ),
    MappingRule(
        "R-CODE-02", "Code execution in an LLM chain (no CWE assigned yet)",
        ("AML.T0050", "AML.T0053", "AML.T0051.001"),
        ("command_execution", "tool_hijack"),
        keywords=(
            r"\bexec\b|\beval\b|pythonrepl|python repl|palchain|llmmathchain|numexpr"
            r"|pandasqueryengine|load_prompt|arbitrary code",
            r"chain|prompt|agent|llama[\s_-]?index|langchain|repl",
        ),
        rationale="NVD often has no CWE for these yet; the description is explicit.",
    ),
    MappingRule(
        "R-SQL-01", "Text-to-SQL injection through the model",
        ("AML.T0053", "AML.T0101", "AML.T0051.001"),
        ("destructive_action", "tool_hijack"),
        cwes=("CWE-89",),
        keywords=(r"sql", _LLM + r"|text-to-sql"),
        rationale="The model writes the SQL; an injection can drop or read tables.",
    ),
    MappingRule(
        "R-SSRF-01", "Agent fetches attacker-chosen URLs",
        ("AML.T0086", "AML.T0051.001"),
        ("indirect_injection_web", "exfil_via_tool"),
        cwes=("CWE-918",),
        rationale="Server-side fetches are an egress path for exfiltration and injected pages.",
    ),
    MappingRule(
        "R-PATH-01", "File access beyond scope from an LLM component",
        ("AML.T0057", "AML.T0053"),
        ("data_leakage", "credential_harvesting"),
        cwes=("CWE-22", "CWE-23", "CWE-29", "CWE-36", "CWE-73"),
        keywords=(_LLM + r"|load_chain|loader",),
        rationale="A path the model controls reads files the user should not see.",
    ),
    MappingRule(
        "R-PATH-02", "Path traversal in an AI platform's own API",
        ("AML.T0049",),
        (),
        cwes=("CWE-22", "CWE-23", "CWE-29", "CWE-36"),
        rationale="Exploitable through the platform's API, not through the agent: no probe.",
    ),
    MappingRule(
        "R-DESER-01", "Unsafe deserialisation of model artifacts",
        ("AML.T0011.000", "AML.T0010.003"),
        (),
        cwes=("CWE-502",),
        rationale="Loading a poisoned model file runs code; artifact scans test it, not probes.",
    ),
    MappingRule(
        "R-LEAK-01", "Sensitive information exposure",
        ("AML.T0057", "AML.T0083"),
        ("data_leakage", "config_discovery", "system_prompt_extraction"),
        cwes=("CWE-200", "CWE-201", "CWE-209", "CWE-359", "CWE-532", "CWE-538", "CWE-539"),
        keywords=(_LLM + r"|conversation|chat|system prompt|api key|notebook",),
        rationale="The component leaks data or credentials; probe whether the agent does too.",
    ),
    MappingRule(
        "R-DOS-01", "Resource exhaustion in AI serving",
        ("AML.T0029", "AML.T0034.002"),
        ("resource_consumption",),
        cwes=("CWE-400", "CWE-770", "CWE-789", "CWE-1333", "CWE-674", "CWE-407"),
        keywords=(r"\b(llm|prompt|inference|vllm|best_of|completions?|chat|model serv\w*)\b",),
        rationale="Unbounded work per request: test the agent's tool-call and token budgets.",
    ),
    MappingRule(
        "R-AUTH-01", "Missing authentication on an AI endpoint",
        ("AML.T0049", "AML.T0040"),
        (),
        cwes=("CWE-306", "CWE-287", "CWE-862", "CWE-863", "CWE-285"),
        rationale="Direct API access bypasses the agent; config review finds it, not probes.",
    ),
    MappingRule(
        "R-XSS-01", "Unsafe rendering of model output",
        ("AML.T0077",),
        ("markdown_exfil",),
        cwes=("CWE-79", "CWE-80", "CWE-116"),
        rationale="Rendered output can carry data out through images and links.",
    ),
    MappingRule(
        "R-TPL-01", "Template injection in prompt or chat templates",
        ("AML.T0051.000", "AML.T0050"),
        ("direct_injection", "command_execution"),
        cwes=("CWE-1336", "CWE-76", "CWE-94"),
        keywords=(r"template|jinja",),
        rationale="User text evaluated as a template reaches code or the prompt.",
    ),
    MappingRule(
        "R-TOOL-01", "Excessive agency of agent tools",
        ("AML.T0053",),
        ("tool_hijack", "destructive_action", "financial_harm"),
        keywords=(
            r"\b(agent|tool|plugin|function[\s_-]?call)",
            r"without (?:an? )?(?:confirmation|approval|opt-in)|unrestricted|excessive",
        ),
        rationale="Tools act without a human in the loop.",
    ),
    MappingRule(
        "R-MCP-01", "Model Context Protocol server or tool compromise",
        ("AML.T0110", "AML.T0011.002"),
        ("tool_poisoning",),
        keywords=(r"\bmcp\b|model context protocol",),
        rationale="A poisoned or compromised MCP tool instructs the agent.",
    ),
)  # fmt: skip


def normalise_component(name: str) -> str:
    """``LangChain_Experimental`` → ``langchain-experimental`` (PyPI-style normalisation)."""
    return re.sub(r"[-_.\s]+", "-", name.strip().lower())


@dataclass(frozen=True)
class CveFacts:
    """What the cycle needs to know about one CVE."""

    cve_id: str
    description: str
    cwes: tuple[str, ...] = ()
    products: tuple[str, ...] = ()  # "vendor:product" of vulnerable CPEs
    packages: tuple[str, ...] = ()  # package names from OSV or the inventory

    @staticmethod
    def from_nvd(cve: Mapping[str, Any]) -> CveFacts:
        """From an NVD API 2.0 ``cve`` object (``vulnerabilities[].cve``)."""
        desc = next(
            (d.get("value", "") for d in cve.get("descriptions") or [] if d.get("lang") == "en"),
            "",
        )
        cwes = []
        for weakness in cve.get("weaknesses") or []:
            for d in weakness.get("description") or []:
                value = str(d.get("value", ""))
                if value.startswith("CWE-") and value not in cwes:
                    cwes.append(value)
        products = []
        for config in cve.get("configurations") or []:
            for node in config.get("nodes") or []:
                for match in node.get("cpeMatch") or []:
                    if not match.get("vulnerable"):
                        continue
                    parts = str(match.get("criteria", "")).split(":")
                    if len(parts) > 4:
                        product = f"{parts[3]}:{parts[4]}".lower()
                        if product not in products:
                            products.append(product)
        return CveFacts(str(cve["id"]), str(desc), tuple(cwes), tuple(products))


@dataclass(frozen=True)
class AgentFacts:
    """The agent as the cycle sees it: components in use and reachable channels."""

    agent_id: str
    components: tuple[str, ...]  # package / product names from inventory and tech stack
    channels: frozenset[str]


@dataclass(frozen=True)
class RuleMatch:
    rule_id: str
    title: str
    techniques: tuple[str, ...]
    families: tuple[str, ...]
    matched_cwe: str | None
    matched_keywords: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    """A probe instantiated for one CVE, with its provenance."""

    id: str  # "<cve>/<rule>/<probe>"
    cve_id: str
    rule_id: str
    technique_ids: tuple[str, ...]  # what the rule mapped the CVE to
    probe: Probe  # the probe run for it, shared by the cycle's scenarios of the same base probe
    base_probe_id: str
    provenance: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CveDecision:
    cve_id: str
    status: str  # planned | not_applicable | unmapped | untestable
    reason: str
    component: str | None
    matches: tuple[RuleMatch, ...] = ()
    scenario_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class CyclePlan:
    agent_id: str
    scenarios: tuple[Scenario, ...]
    decisions: tuple[CveDecision, ...]

    def probes(self) -> list[Probe]:
        """The probes to hand to ``run_probes``: each once, however many scenarios share it."""
        return list({s.probe.id: s.probe for s in self.scenarios}.values())


def map_cve(cve: CveFacts, rules: Sequence[MappingRule] = RULES) -> list[RuleMatch]:
    """Every rule that fires for the CVE, in table order."""
    text = cve.description.lower()
    found = []
    for rule in rules:
        if rule.cve_ids and cve.cve_id not in rule.cve_ids:
            continue
        matched_cwe = next((c for c in cve.cwes if c in rule.cwes), None)
        if rule.cwes and matched_cwe is None:
            continue
        hits = []
        for pattern in rule.keywords:
            m = re.search(pattern, text, re.I)
            if m is None:
                break
            hits.append(m.group(0))
        else:
            found.append(
                RuleMatch(
                    rule.id, rule.title, rule.techniques, rule.families, matched_cwe, tuple(hits)
                )
            )
    return found


def _component_match(cve: CveFacts, agent: AgentFacts) -> str | None:
    used = {normalise_component(c): c for c in agent.components if c.strip()}
    for product in cve.products:
        vendor, _, name = product.partition(":")
        for candidate in (name, f"{vendor}-{name}", vendor):
            if normalise_component(candidate) in used:
                return used[normalise_component(candidate)]
    for package in cve.packages:
        if normalise_component(package) in used:
            return used[normalise_component(package)]
    if not cve.products and not cve.packages:
        # No CPE yet (awaiting analysis): a component named in the description counts.
        text = re.sub(r"[-_.]+", "-", cve.description.lower())  # keep spaces as word breaks
        for norm, original in used.items():
            if re.search(rf"(?<![a-z0-9-]){re.escape(norm)}(?![a-z0-9])", text):
                return original
    return None


def _scenario_probe_id(cve_id: str, probe_id: str) -> str:
    return f"{cve_id.lower()}-{probe_id}"[:64].rstrip("-")


def plan_cycle(
    cves: Sequence[CveFacts],
    agent: AgentFacts,
    *,
    probes: Iterable[Probe] | None = None,
    rules: Sequence[MappingRule] = RULES,
) -> CyclePlan:
    """Decide, per CVE, whether and how to test the agent; build the scenarios."""
    library = list(probes) if probes is not None else load_probes()
    scenarios: list[Scenario] = []
    decisions: list[CveDecision] = []
    for cve in cves:
        component = _component_match(cve, agent)
        if component is None:
            decisions.append(
                CveDecision(
                    cve.cve_id, "not_applicable", "the agent does not use the component", None
                )
            )
            continue
        matches = map_cve(cve, rules)
        if not matches:
            decisions.append(
                CveDecision(cve.cve_id, "unmapped", "no rule maps this CVE to ATLAS", component)
            )
            continue
        chosen: dict[str, Scenario] = {}
        for match in matches:
            for probe in library:
                if probe.family not in match.families or probe.id in chosen:
                    continue
                if not probe.required_channels() <= agent.channels:
                    continue
                chosen[probe.id] = Scenario(
                    id=f"{cve.cve_id}/{match.rule_id}/{probe.id}",
                    cve_id=cve.cve_id,
                    rule_id=match.rule_id,
                    technique_ids=match.techniques,
                    probe=probe,  # replaced by the cycle's shared probe below
                    base_probe_id=probe.id,
                    provenance={
                        "cve": cve.cve_id,
                        "rule": match.rule_id,
                        "component": component,
                        "matched_cwe": match.matched_cwe or "",
                        "matched_keywords": ", ".join(match.matched_keywords),
                    },
                )
        if not chosen:
            families = sorted({f for m in matches for f in m.families})
            why = (
                "mapped techniques have no agent-surface probe"
                if not families
                else "no probe of " + ", ".join(families) + " reaches the agent's channels"
            )
            decisions.append(CveDecision(cve.cve_id, "untestable", why, component, tuple(matches)))
            continue
        scenarios.extend(chosen.values())
        decisions.append(
            CveDecision(
                cve.cve_id,
                "planned",
                f"{len(chosen)} scenario(s) from {len(matches)} rule(s)",
                component,
                tuple(matches),
                tuple(s.id for s in chosen.values()),
            )
        )
    return CyclePlan(agent.agent_id, _share_probes(scenarios), tuple(decisions))


def _share_probes(scenarios: Sequence[Scenario]) -> tuple[Scenario, ...]:
    """One probe to run per library probe, shared by every CVE scenario that chose it.

    Ten CVEs mapped to the same family would otherwise send the same attack ten
    times: ten results where there is one test, inflating the heatmap's decided
    counts (a technique reached its 5-result minimum on one probe) and weighting
    the agent's pass rate by how many CVEs happen to share a family. Each
    scenario keeps its own CVE provenance and gets the shared probe's verdict.
    """
    by_base: dict[str, list[Scenario]] = {}
    for s in scenarios:
        by_base.setdefault(s.base_probe_id, []).append(s)
    shared: dict[str, Probe] = {}
    for base_id, group in by_base.items():
        first, cves = group[0], sorted({s.cve_id for s in group})
        learned = cves[0] if len(cves) == 1 else f"{cves[0]} and {len(cves) - 1} more CVEs"
        shared[base_id] = replace(
            first.probe,
            id=_scenario_probe_id(first.cve_id, base_id),
            title=f"{first.probe.title} (learned from {learned})",
            source="learning cycle: "
            + ", ".join(f"{s.cve_id} via {s.rule_id}" for s in group[:20])
            + (f" and {len(group) - 20} more" if len(group) > 20 else ""),
        )
    return tuple(replace(s, probe=shared[s.base_probe_id]) for s in scenarios)


@dataclass(frozen=True)
class ScenarioOutcome:
    """cve → rule → scenario → run → verdict, one row per scenario."""

    cve_id: str
    rule_id: str
    scenario_id: str
    probe_id: str
    run_id: str
    verdict: str
    evidence: tuple[dict[str, Any], ...]


def link_outcomes(plan: CyclePlan, run: Any) -> list[ScenarioOutcome]:
    """Join a plan with the runner's ``RunResult`` of ``plan.probes()``."""
    by_probe = {r.probe_id: r for r in run.results}
    rows = []
    for s in plan.scenarios:
        result = by_probe.get(s.probe.id)
        if result is None:
            continue  # cancelled before it ran
        rows.append(
            ScenarioOutcome(
                s.cve_id,
                s.rule_id,
                s.id,
                s.probe.id,
                run.run_id,
                result.verdict.value,
                tuple(e.as_dict() for e in result.evidence),
            )
        )
    return rows
