from __future__ import annotations

from typing import Any

import pytest

from threatvec.redteam.atlas import AtlasCatalog
from threatvec.redteam.channels import DIRECT, DOCUMENT, SYSTEM, TOOL_OUTPUT
from threatvec.redteam.cve_rules import (
    RULES,
    AgentFacts,
    CveFacts,
    map_cve,
    normalise_component,
    plan_cycle,
)
from threatvec.redteam.probes import load_probes


def by_id(records: list[dict[str, Any]], cve_id: str) -> CveFacts:
    for record in records:
        if record["id"] == cve_id:
            return CveFacts.from_nvd(record)
    pytest.skip(f"{cve_id} not in the shared NVD sample")


def test_rules_table_is_well_formed(atlas: AtlasCatalog) -> None:
    families = {p.family for p in load_probes()}
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert atlas.unknown_ids(rule.techniques) == set(), rule.id
        assert set(rule.families) <= families, rule.id
        assert rule.rationale


def test_real_nvd_records_map_to_techniques_with_rule_provenance(
    nvd_records: list[dict[str, Any]],
) -> None:
    pal = by_id(nvd_records, "CVE-2023-29374")  # LangChain LLMMathChain prompt injection → exec
    assert pal.cwes == ("CWE-74",) and "langchain:langchain" in pal.products
    rules = {m.rule_id: m for m in map_cve(pal)}
    assert {"R-PI-01", "R-CODE-01"} <= set(rules)
    assert "AML.T0051.000" in rules["R-PI-01"].techniques
    assert rules["R-CODE-01"].matched_cwe == "CWE-74"
    sql = {m.rule_id for m in map_cve(by_id(nvd_records, "CVE-2023-36189"))}
    assert sql == {"R-SQL-01"}
    ssrf = {m.rule_id for m in map_cve(by_id(nvd_records, "CVE-2023-46229"))}
    assert ssrf == {"R-SSRF-01"}
    pickle = map_cve(by_id(nvd_records, "CVE-2025-32434"))
    assert [m.rule_id for m in pickle] == ["R-DESER-01"]
    assert "AML.T0011.000" in pickle[0].techniques
    assert map_cve(by_id(nvd_records, "CVE-2024-1086")) == []  # Linux kernel UAF


def test_plan_cycle_keeps_only_components_the_agent_uses(nvd_records: list[dict[str, Any]]) -> None:
    cves = [
        by_id(nvd_records, i)
        for i in ("CVE-2023-29374", "CVE-2023-36189", "CVE-2025-32434", "CVE-2024-1086",
                  "CVE-2023-39662", "CVE-2024-28088")
    ]  # fmt: skip
    agent = AgentFacts(
        "agent-1",
        components=("LangChain", "llama_index", "torch", "fastapi"),
        channels=frozenset({DIRECT, DOCUMENT, TOOL_OUTPUT, SYSTEM}),
    )
    plan = plan_cycle(cves, agent)
    status = {d.cve_id: d.status for d in plan.decisions}
    assert status["CVE-2024-1086"] == "not_applicable"  # kernel: not in the agent
    assert status["CVE-2025-32434"] == "not_applicable"  # pytorch CPE; the agent lists torch only
    assert status["CVE-2023-29374"] == "planned"
    assert status["CVE-2023-36189"] == "planned"
    assert status["CVE-2023-39662"] == "planned"  # no CPE yet: llama_index named in the text
    assert status["CVE-2024-28088"] == "unmapped"
    scenario = next(s for s in plan.scenarios if s.cve_id == "CVE-2023-29374")
    assert scenario.id.startswith("CVE-2023-29374/R-")
    assert scenario.provenance["rule"] == scenario.rule_id
    assert scenario.provenance["component"] == "LangChain"
    assert scenario.probe.id.startswith("cve-2023-29374-")
    assert all(p.required_channels() <= agent.channels for p in plan.probes())
    assert len({p.id for p in plan.probes()}) == len(plan.probes())


def test_channels_the_agent_lacks_make_a_cve_untestable(nvd_records: list[dict[str, Any]]) -> None:
    sql = by_id(nvd_records, "CVE-2023-36189")
    only_chat = AgentFacts("a", ("langchain",), frozenset({DIRECT}))
    plan = plan_cycle([sql], only_chat)
    assert plan.decisions[0].status == "untestable"
    assert plan.scenarios == ()
    pickle = by_id(nvd_records, "CVE-2024-3568")
    plan = plan_cycle([pickle], AgentFacts("a", ("transformers",), frozenset({DIRECT})))
    assert plan.decisions[0].status == "untestable"
    assert "no agent-surface probe" in plan.decisions[0].reason


def test_component_names_are_normalised() -> None:
    assert normalise_component("LangChain_Experimental") == "langchain-experimental"
    assert normalise_component(" llama.index ") == "llama-index"


def test_cves_that_choose_the_same_probe_share_one_run_of_it(
    nvd_records: list[dict[str, Any]],
) -> None:
    # Two LangChain prompt-injection CVEs pick the same library probes. Running each probe
    # once per CVE sent one attack twice and counted it twice in the heatmap and pass rate.
    cves = [by_id(nvd_records, i) for i in ("CVE-2023-29374", "CVE-2023-36258")]
    channels = frozenset({DIRECT, DOCUMENT, TOOL_OUTPUT, SYSTEM})
    agent = AgentFacts("a", ("langchain", "langchain-experimental"), channels)
    plan = plan_cycle(cves, agent)
    assert {d.status for d in plan.decisions} == {"planned"}
    per_cve: dict[str, set[str]] = {}
    for s in plan.scenarios:
        per_cve.setdefault(s.cve_id, set()).add(s.base_probe_id)
    common = per_cve["CVE-2023-29374"] & per_cve["CVE-2023-36258"]
    assert common, per_cve
    probes = plan.probes()
    assert len(probes) == len({s.base_probe_id for s in plan.scenarios}) < len(plan.scenarios)
    shared = [s for s in plan.scenarios if s.base_probe_id == sorted(common)[0]]
    assert len({s.probe.id for s in shared}) == 1 and len(shared) == 2
    assert "and 1 more CVEs" in shared[0].probe.title
    assert "CVE-2023-29374 via" in shared[0].probe.source
    assert "CVE-2023-36258 via" in shared[0].probe.source
