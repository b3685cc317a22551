"""The compliance check `enforcement`: not assessed → gap → partial → met as coverage grows."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.enforcement.helpers import add_agent, event, make_source, post_signed
from threatvec.compliance.checks import CHECKS
from threatvec.compliance.facts import OrgFacts
from threatvec.store.engine import session_scope


def _check(factory, org_id: str):
    with session_scope(factory) as s:
        return CHECKS["enforcement"].run(OrgFacts(session=s, org_id=org_id, now=datetime.now(UTC)))


def test_status_follows_coverage(api, client, org, session_factory):
    assert _check(session_factory, org.id).status == "not_assessed"
    add_agent(session_factory, org.id, "runner", [("run_shell", None)])
    result = _check(session_factory, org.id)
    assert result.status == "gap" and "None of 1" in result.reason
    tools = [("query_db", None), ("web_fetch", "example.org"), ("send_email", "smtp.example.com")]
    add_agent(session_factory, org.id, "mailer", tools)
    source = make_source(api)
    post_signed(client, source, event(agent="runner", tool="run_shell"))
    result = _check(session_factory, org.id)
    assert result.status == "partial" and "1 of 4" in result.reason and "25%" in result.reason
    post_signed(client, source, event(agent="mailer", tool=None, action="allowed"))
    result = _check(session_factory, org.id)
    assert result.status == "met" and "4 of 4" in result.reason
    evidence = {e.label: e for e in result.evidence}
    assert evidence["high-risk agent-tool pairs"].value == 4
    assert evidence["high-risk agent-tool pairs"].href == "/api/v1/enforcement/gap-scan"
    assert evidence["sources reporting in 7 d"].value == 1


def test_a_silent_source_without_high_risk_pairs_is_partial(api, org, session_factory):
    make_source(api)
    result = _check(session_factory, org.id)
    assert result.status == "partial" and "none reported" in result.reason
