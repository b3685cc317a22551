"""The compliance API over HTTP: shape, file name, unknown frameworks, secrets kept out."""

from __future__ import annotations

import json
import re

from tests.compliance.helpers import (
    SLACK_URL_SECRET,
    WEBHOOK_SECRET,
    export,
    record_mcp_scan,
    register_agent,
    shadow_pii_event,
)
from tests.conftest import Api
from threatvec.compliance.frameworks import framework_ids


def _with_secrets(api: Api, session_factory) -> None:
    """An org whose alert channels hold secrets, with data in every area the checks read."""
    for settings in (
        {"kind": "webhook", "url": "https://soar.example.com/hook", "secret": WEBHOOK_SECRET},
        {"kind": "slack", "webhook_url": SLACK_URL_SECRET},
    ):
        r = api.post(
            "/alerts/channels", json={"name": f"ch {settings['kind']}", "settings": settings}
        )
        assert r.status_code == 201, r.text
        channel_id = r.json()["id"]
        r = api.post(
            "/alerts/rules",
            json={"name": "drop", "condition": {"trigger": "score_drop", "points": 3},
                  "channel_ids": [channel_id]},
        )  # fmt: skip
        assert r.status_code == 201, r.text
    register_agent(api, "keyed-bot", caps={"private_data": True}, rules=[], tools=[])
    shadow_pii_event(api)
    record_mcp_scan(session_factory, api.org.id, poisoned=True)


def test_export_is_a_named_json_file_with_a_stable_shape(api: Api) -> None:
    r = api.get("/compliance/nist-ai-rmf/evidence-export")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    disposition = r.headers["content-disposition"]
    assert re.fullmatch(
        r'attachment; filename="threatvec-nist-ai-rmf-evidence-\d{8}T\d{6}Z\.json"', disposition
    )
    body = r.json()
    assert body["format"] == "threatvec.compliance.evidence" and body["format_version"] == "1.0"
    assert body["framework"] == "nist-ai-rmf" and body["org"]["org_id"] == api.org.id
    assert [c["control"] for c in body["controls"]] == [
        "GOVERN-1", "MAP-1", "MAP-2", "MEASURE-1", "MEASURE-2", "MANAGE-1", "MANAGE-2",
    ]  # fmt: skip
    for control in body["controls"]:
        assert set(control) >= {"status", "reason", "evidence", "checks", "references"}
        assert control["status"] in ("met", "partial", "gap", "not_assessed")
    assert body["definitions"]["coverage"].startswith("100 * (met + 0.5 * partial)")


def test_every_framework_exports_and_the_owasp_list_is_2025(api: Api) -> None:
    for fw in framework_ids():
        assert api.get(f"/compliance/{fw}/evidence-export").status_code == 200
    owasp = api.get("/compliance/owasp-llm/evidence-export").json()
    assert [c["control"] for c in owasp["controls"]] == [f"LLM{i:02d}" for i in range(1, 11)]
    titles = {c["control"]: c["title"] for c in owasp["controls"]}
    assert titles["LLM07"] == "System Prompt Leakage" and titles["LLM10"] == "Unbounded Consumption"
    eu = api.get("/compliance/eu-ai-act/evidence-export").json()
    assert [c["control"] for c in eu["controls"]] == [
        "ART-9",
        "ART-10",
        "ART-13",
        "ART-14",
        "ART-17",
    ]


def test_unknown_framework_is_404_naming_the_valid_ids(api: Api) -> None:
    r = api.get("/compliance/pci-dss/evidence-export")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    detail = r.json()["detail"]
    assert all(fw in detail for fw in framework_ids())
    assert api.get("/compliance/" + "x" * 65 + "/evidence-export").status_code == 422


def test_no_secret_in_any_export_or_summary(api: Api, session_factory) -> None:
    _with_secrets(api, session_factory)
    bodies = [api.get("/compliance/summary").text]
    bodies += [api.get(f"/compliance/{fw}/evidence-export").text for fw in framework_ids()]
    for text in bodies:
        for secret in (WEBHOOK_SECRET, SLACK_URL_SECRET, "tokenSECRET", api.org.key):
            assert secret not in text
    soc2 = json.loads(bodies[4])
    kinds = [
        e["value"] for c in soc2["controls"] for e in c["evidence"] if e["label"] == "channel kinds"
    ]
    assert kinds and kinds[0] == "slack, webhook"  # the channel is named by kind only


def test_summary_needs_the_org_key(client) -> None:
    r = client.get("/api/v1/compliance/summary", headers={"X-Org-Key": "wrong-key"})
    assert r.status_code == 401


def test_evidence_lists_a_few_dozen_ids_however_many_agents_are_exposed(api: Api) -> None:
    """Evidence names at most MAX_LISTED objects; the count says how many there are."""
    from threatvec.compliance.facts import MAX_LISTED

    trifecta = {"private_data": True, "untrusted_content": True, "external_comms": True}
    exposed = MAX_LISTED + 5
    for i in range(exposed):
        register_agent(api, f"wide-bot-{i:02d}", caps=trifecta, rules=[], tools=[])
    package = export(api, "owasp-llm")
    [llm06] = [c for c in package["controls"] if c["control"] == "LLM06"]
    [missing] = [
        e for e in llm06["evidence"] if e["label"] == "of those, missing recommended rules"
    ]
    assert missing["value"] == exposed
    assert len(missing["objects"]) == MAX_LISTED  # was every one of them
