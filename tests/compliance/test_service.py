"""Control statuses follow the org's real evidence as it arrives, domain by domain.

The data goes in through the real ingest, shadow, MCP, vulnerability, red-team
and alert paths; every status is read back through the evidence-export API.
"""

from __future__ import annotations

import json

import pytest

from tests.compliance.helpers import (
    WEBHOOK_SECRET,
    approve_mcp,
    export,
    nvd_file,
    record_mcp_scan,
    record_red_team,
    register_agent,
    shadow_pii_event,
    statuses,
)
from tests.conftest import Api, create_org
from tests.vulns.vulns_data import records, renamed
from threatvec.agents.rules import RULES
from threatvec.compliance import service
from threatvec.compliance.frameworks import framework_ids
from threatvec.redteam.demo import DemoAgent
from threatvec.store.engine import session_scope
from threatvec.vulns.ingest import store_nvd_records

ALL_RULES = [r.id for r in RULES]
ROUTED = [
    {"trigger": "score_drop", "points": 5},
    {"trigger": "new_shadow_asset"},
    {"trigger": "pii_spike", "threshold": 5},
    {"trigger": "red_team_bypass"},
    {"trigger": "new_critical_cve"},
]


def _all_statuses(api: Api) -> dict[str, dict[str, str]]:
    return {fw: statuses(api, fw) for fw in framework_ids()}


def test_new_org_has_no_met_control_and_says_why(api: Api) -> None:
    every = _all_statuses(api)
    assert all(s != "met" for fw in every.values() for s in fw.values())
    owasp = export(api, "owasp-llm")
    assert {c["status"] for c in owasp["controls"]} == {"not_assessed"}
    assert owasp["summary"]["coverage_percent"] is None
    # no alert rule is itself evidence: a gap, not "no data"
    assert every["soc2"]["CC7.4"] == "gap"
    assert every["soc2"]["CC6.6"] == "not_assessed"  # enforcement is not connected
    enforcement = next(c for c in export(api, "soc2")["controls"] if c["control"] == "CC6.6")
    assert "enforcement layer" in enforcement["reason"]
    for c in owasp["controls"]:
        assert c["reason"] and c["reason"].count("\n") == 0


def test_statuses_move_as_evidence_arrives(api: Api, session_factory, shared_data) -> None:
    org_id = api.org.id
    assert statuses(api, "soc2")["CC7.2"] == "not_assessed"

    # 1. an SDK-registered agent that declares its reach and runs every rule
    register_agent(
        api,
        "ledger-bot",
        caps={"private_data": True, "untrusted_content": False, "external_comms": False},
        rules=ALL_RULES,
        tools=[("read_invoice", "https://erp.internal/api")],
    )
    soc2, nist = statuses(api, "soc2"), statuses(api, "nist-ai-rmf")
    assert soc2["CC7.2"] == "met"  # telemetry coverage: the one agent reports
    assert soc2["CC6.1"] == "met"  # inventory: the one component is SDK-registered
    assert nist["MAP-2"] == "met"  # capabilities declared, no lethal trifecta
    assert statuses(api, "eu-ai-act")["ART-13"] == "met"

    # 2. someone pastes personal data into an unregistered AI service
    shadow_pii_event(api, "chatgpt.com")
    soc2, eu = statuses(api, "soc2"), statuses(api, "eu-ai-act")
    assert soc2["CC9.2"] == "gap" and eu["ART-10"] == "gap"
    assert soc2["CC6.1"] == "partial"  # 1 of 2 components governed
    llm02 = next(c for c in export(api, "owasp-llm")["controls"] if c["control"] == "LLM02")
    assert llm02["status"] == "gap"
    pii = next(e for e in llm02["evidence"] if e["label"] == "services sent PII while unregistered")
    assert pii["value"] == 1 and len(pii["objects"]) == 1 and pii["href"].startswith("/api/v1/")

    # 3. an MCP scan: one clean server, one with covert instructions
    ids = record_mcp_scan(session_factory, org_id, poisoned=True)
    soc2 = statuses(api, "soc2")
    assert soc2["CC6.8"] == "gap"  # open high-severity findings
    assert soc2["CC8.1"] == "partial"  # scanned but not approved
    for server_id in ids.values():
        approve_mcp(session_factory, org_id, server_id)
    assert statuses(api, "soc2")["CC8.1"] == "met"

    # 4. real NVD records and a tech stack: old CVEs are past their SLA
    if not nvd_file().exists():
        pytest.skip(f"shared NVD sample missing: {nvd_file()}")
    raw = [v["cve"] for v in json.loads(nvd_file().read_text())["vulnerabilities"]]
    with session_scope(session_factory) as s:
        store_nvd_records(s, records(renamed(raw)), org_ids=[org_id])
    stack = "technology,version\nlangchain,0.0.100\ntransformers,4.30.0\n"
    r = api.post("/tech-stack/import", files={"file": ("stack.csv", stack.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    cc71 = next(c for c in export(api, "soc2")["controls"] if c["control"] == "CC7.1")
    assert cc71["status"] == "gap", cc71["reason"]
    overdue = next(e for e in cc71["evidence"] if e["label"] == "CVEs past their SLA")
    # CVE facts are shared by every org of the database (other tests may have stored the
    # real ids too), so ask for ours among the objects rather than in first place.
    assert overdue["value"] > 0
    assert any(o.startswith("CVE-2100-") for o in overdue["objects"]), overdue["objects"]
    page = api.get("/patches", params={"overdue": "true", "limit": 500}).json()
    for item in page["items"]:
        assert (
            api.patch(f"/patches/{item['id']}/status", json={"status": "fixed"}).status_code == 200
        )
    cc71 = next(c for c in export(api, "soc2")["controls"] if c["control"] == "CC7.1")
    assert cc71["status"] == "met", cc71["reason"]
    decisions = next(e for e in cc71["evidence"] if e["label"] == "status decisions recorded")
    assert decisions["value"] == len(page["items"]) and decisions["observed_at"]

    # 5. a real AgentBench run: the agent recites its system prompt when asked
    def llm07() -> dict:
        return next(c for c in export(api, "owasp-llm")["controls"] if c["control"] == "LLM07")

    def probes(control: dict, label: str) -> int:
        return next(e["value"] for e in control["evidence"] if e["label"] == label)

    before = llm07()
    assert probes(before, "LLM07 probes passed") + probes(before, "LLM07 probes failed") == 0
    assert statuses(api, "eu-ai-act")["ART-9"] != "met"
    agent = DemoAgent("ledger-bot", recites_config=True)
    record_red_team(session_factory, org_id, "ledger-bot", agent)
    after = llm07()
    assert probes(after, "LLM07 probes failed") > 0 and after["status"] in ("gap", "partial")
    failed = next(e for e in after["evidence"] if e["label"] == "LLM07 probes failed")
    assert failed["objects"], "the failed probe ids are named"
    owasp = {c["control"]: c for c in export(api, "owasp-llm")["controls"]}
    assert "LLM01 probes held 100% of 11 attempts;" in owasp["LLM01"]["reason"]
    llm01 = next(c for c in owasp["LLM01"]["checks"] if c["title"] == "LLM01 probes and findings")
    assert llm01["status"] == "partial"  # enough results, all held; open MCP findings remain
    # One or two passed probes are not enough to call a control met (it was, at 100 %).
    for control in ("LLM04", "LLM08", "LLM09", "LLM10"):
        assert owasp[control]["status"] == "partial", owasp[control]
        assert "too few results to call it met (at least 5 needed)" in owasp[control]["reason"]
    atlas = export(api, "mitre-atlas")
    states = {c["state"] for c in atlas["controls"]}
    assert "holding" in states or "tested" in states
    assert {"untested", "not_testable"} & states
    assert atlas["sections"] and all(
        s["controls"] for s in atlas["sections"] if s["state"] != "not_testable"
    )

    # 6. alert rules for every key trigger, routed to a signed webhook
    assert statuses(api, "soc2")["CC7.4"] == "gap"
    channel = api.post(
        "/alerts/channels",
        json={
            "name": "SOC webhook",
            "settings": {
                "kind": "webhook",
                "url": "https://soar.example.com/hook",
                "secret": WEBHOOK_SECRET,
            },
        },
    )
    assert channel.status_code == 201, channel.text
    for i, condition in enumerate(ROUTED):
        r = api.post(
            "/alerts/rules",
            json={
                "name": f"rule {i}",
                "condition": condition,
                "channel_ids": [channel.json()["id"]],
            },
        )
        assert r.status_code == 201, r.text
    soc2_export = export(api, "soc2")
    cc74 = next(c for c in soc2_export["controls"] if c["control"] == "CC7.4")
    assert [c["status"] for c in cc74["checks"]] == ["met", "not_assessed"]
    assert cc74["status"] == "partial"  # rules routed; no alert handled yet

    # the summary agrees with every export, control by control
    summary = api.get("/compliance/summary").json()
    assert [f["framework"] for f in summary["frameworks"]] == list(framework_ids())
    for f in summary["frameworks"]:
        package = export(api, f["framework"])
        counted = {s: 0 for s in ("met", "partial", "gap", "not_assessed")}
        for c in package["controls"]:
            counted[c["status"]] += 1
        assert f["counts"] == counted == package["summary"]["counts"]
        assert f["coverage_percent"] == package["summary"]["coverage_percent"]
        assert f["controls"] == len(package["controls"])


def test_another_orgs_data_never_appears(api: Api, client, session_factory) -> None:
    register_agent(api, "org-a-secret-agent", caps={"private_data": True}, rules=[], tools=[])
    shadow_pii_event(api, "claude.ai")
    record_mcp_scan(session_factory, api.org.id, poisoned=True)
    mine = json.dumps([export(api, fw) for fw in framework_ids()])
    b = Api(client, create_org(session_factory))
    theirs = [export(b, fw) for fw in framework_ids()]
    text = json.dumps(theirs)
    assert "org-a-secret-agent" not in text and api.org.id not in text
    a_objects = {
        o
        for p in json.loads(mine)
        for c in p["controls"]
        for e in c["evidence"]
        for o in e["objects"]
    }
    assert a_objects, "org A's evidence names its objects"
    assert not any(o in text for o in a_objects)
    assert all(c["status"] != "met" for p in theirs for c in p["controls"])
    assert theirs[0]["org"] == {"org_id": b.org.id, "name": b.org.name}


def test_one_evaluation_reuses_each_check(session_factory) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        ev = service.Evaluation(session=s, org_id=org.id)
        first = ev.framework("soc2").controls[0]
        again = ev.framework("iso27001").controls[0]  # A.5.9 and CC6.1 share ai_inventory
        assert first.reason == again.reason and ev.check("ai_inventory") is ev.check("ai_inventory")


def test_shadow_checks_are_not_met_when_no_ai_use_was_seen_in_their_window(
    api: Api, session_factory
) -> None:
    """Shadow telemetry that stopped over 30 days ago is no evidence of governed AI use:
    SOC 2 CC9.2 (shadow AI) and EU AI Act ART-10 (personal data) were 'met' on nothing."""
    from datetime import timedelta

    from threatvec.core.clock import utcnow

    shadow_pii_event(api, "claude.ai")
    later = utcnow() + timedelta(days=31)
    with session_scope(session_factory) as s:
        ev = service.Evaluation(session=s, org_id=api.org.id, now=later)
        shadow, pii = ev.check("shadow_ai"), ev.check("pii_protection")
        art10 = next(c for c in ev.framework("eu-ai-act").controls if c.control == "ART-10")
    assert shadow.status == "not_assessed", shadow.reason
    assert pii.status == "not_assessed", pii.reason
    assert art10.status == "not_assessed"


def test_agent_checks_past_the_agent_limit_say_how_many_they_judged(
    api: Api, session_factory, monkeypatch
) -> None:
    """Over facts.MAX_AGENTS (5000) only the first agents are read: SOC 2 CC7.2 said
    '5000 of 5000 agents reported' (met) for a fleet of 6000. The limit is lowered
    here so that a few real agents cross it."""
    from threatvec.compliance import facts

    caps = {"private_data": False, "untrusted_content": False, "external_comms": False}
    for name in ("limit-a", "limit-b", "limit-c"):
        register_agent(api, name, caps=caps, rules=[], tools=[])
    monkeypatch.setattr(facts, "MAX_AGENTS", 2)
    with session_scope(session_factory) as s:
        ev = service.Evaluation(session=s, org_id=api.org.id)
        telemetry = ev.check("telemetry_coverage")
        cc72 = next(c for c in ev.framework("soc2").controls if c.control == "CC7.2")
    assert telemetry.status == "partial", telemetry.reason
    assert "Only 2 of the org's 3 agents were evaluated" in telemetry.reason
    assert cc72.status == "partial"
    assert ("agents in the organisation", 3) in [(e.label, e.value) for e in telemetry.evidence]


def test_run_and_scan_counts_cover_the_evidence_window(session_factory) -> None:
    # Retention removes old runs and scan reports (keeping the latest): an all-time
    # count would shrink as they go, so the evidence counts the 30-day window.
    from datetime import timedelta

    from threatvec.compliance.facts import OrgFacts
    from threatvec.core.clock import utcnow
    from threatvec.mcp.models import McpScan
    from threatvec.redteam.models import RedTeamRun

    org = create_org(session_factory)
    now = utcnow()
    with session_scope(session_factory) as s:
        for days in (200, 45, 2):
            at = now - timedelta(days=days)
            s.add(RedTeamRun(org_id=org.id, agent_id="a", agent_name="a", mode="quick",
                             status="completed", created_at=at, finished_at=at))  # fmt: skip
            s.add(McpScan(org_id=org.id, received_at=at))
    with session_scope(session_factory) as s:
        facts = OrgFacts(session=s, org_id=org.id, now=now)
        assert facts.redteam.completed_runs == 1 and facts.mcp.scans == 1
        assert facts.mcp.last_scan_at is not None
        monitoring = service.Evaluation(session=s, org_id=org.id).check("continuous_monitoring")
        scans = next(e for e in monitoring.evidence if e.label.startswith("MCP scans"))
        assert scans.label == "MCP scans received (30 days)" and scans.value == 1
    with session_scope(session_factory) as s:
        old = create_org(session_factory)
        at = now - timedelta(days=90)
        s.add(McpScan(org_id=old.id, received_at=at))
    with session_scope(session_factory) as s:
        ev = service.Evaluation(session=s, org_id=old.id)
        monitoring = ev.check("continuous_monitoring")
        assert monitoring.status == "gap", monitoring.reason  # a source once, none live now
