"""Snapper's SIEM webhook over real HTTP: decisions, security events, signatures, isolation.

`SnapperSender` (tests/enforcement/helpers.py) delivers audit events the way
Snapper's webhook output does.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import ORMExecuteState, Session

from tests.conftest import create_org
from tests.enforcement.helpers import SNAPPER_AGENT, SnapperSender, add_agent, audit
from threatvec.assets.models import Asset
from threatvec.enforcement.models import EnforcementEvent
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope


def _source(live_server, org) -> dict[str, Any]:
    r = httpx.post(
        f"{live_server.url}/api/v1/enforcement/sources",
        json={"name": "Snapper (laptops)", "kind": "snapper"},
        headers=org.headers,
        timeout=30,
    )
    assert r.status_code == 201, r.text
    made = dict(r.json())
    assert made["webhook_path"] == f"/api/v1/enforcement/snapper/{made['id']}"
    return made


def _events(factory, org_id: str) -> list[EnforcementEvent]:
    with session_scope(factory) as s:
        return list(
            s.scalars(
                select(EnforcementEvent)
                .where(EnforcementEvent.org_id == org_id)
                .order_by(EnforcementEvent.ts)
            )
        )


LEAKED_KEY = "sk-proj-" + "Q" * 32


def test_snapper_decisions_become_enforcement_events_once(live_server, session_factory) -> None:
    org = create_org(session_factory)
    agent_id = add_agent(session_factory, org.id, "coder-bot", [("bash", None)])
    # the agent's asset (made when it first reported) is linked to its Snapper id
    assets = httpx.get(f"{live_server.url}/api/v1/assets", headers=org.headers, timeout=30)
    [asset] = [a for a in assets.json()["items"] if a["name"] == "coder-bot"]
    httpx.patch(
        f"{live_server.url}/api/v1/assets/{asset['id']}",
        json={"metadata": {"snapper_agent_id": SNAPPER_AGENT}},
        headers=org.headers,
        timeout=30,
    ).raise_for_status()
    snapper = SnapperSender(live_server.url, _source(live_server, org))

    denied = audit(
        "request_denied",
        message=f"DENY: command 'curl -H \"Authorization: Bearer {LEAKED_KEY}\"' matches rule",
        details={"tool_name": "bash", "rule_type": "command_denylist", "decision": "deny"},
    )
    r = snapper.send(denied)
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "stored"
    assert snapper.send(denied).json()["outcome"] == "duplicate"  # Snapper's retry
    r = snapper.send(
        audit("credential_access_blocked", severity="critical", agent_id=str(uuid.uuid4()))
    )
    assert r.json()["outcome"] == "stored"
    assert snapper.send(audit("request_allowed", severity="info")).json()["outcome"] == "stored"
    assert snapper.send(audit("rule_updated")).json() == {
        "event": "rule_updated",
        "outcome": "ignored",
    }

    rows = _events(session_factory, org.id)
    assert sorted((e.action, e.category) for e in rows) == [
        ("allowed", "tool_policy"),
        ("blocked", "sensitive_data"),
        ("blocked", "tool_policy"),
    ]
    first = next(e for e in rows if e.category == "tool_policy" and e.action == "blocked")
    # linked through the asset's snapper_agent_id; the unlinked agent keeps Snapper's id
    assert first.agent == "coder-bot" and first.agent_id == agent_id
    assert first.tool == "bash" and first.policy_name == "command_denylist"
    assert first.severity == "medium" and LEAKED_KEY not in (first.reason or "")
    assert "[REDACTED]" in (first.reason or "")
    other = next(e for e in rows if e.category == "sensitive_data")
    assert other.agent.startswith("snapper:") and other.agent_id is None
    assert other.severity == "critical"


def test_snapper_security_events_become_signals(live_server, session_factory) -> None:
    org = create_org(session_factory)
    snapper = SnapperSender(live_server.url, _source(live_server, org))
    with session_scope(session_factory) as s:
        start = signals.latest_id(session=s, org_id=org.id)
    quarantined = audit("agent_quarantined", severity="critical", message="trust score 0.1")
    r = snapper.send(quarantined)
    assert r.status_code == 200 and r.json()["outcome"] == "signal"
    with session_scope(session_factory) as s:
        rows = signals.list_since(
            session=s, org_id=org.id, after_id=start, kinds=("snapper.agent_quarantined",)
        )
        data = [dict(x.data) for x in rows]
    assert len(data) == 1 and data[0]["severity"] == "critical"
    assert data[0]["message"] == "trust score 0.1" and data[0]["source"] == "Snapper (laptops)"
    assert _events(session_factory, org.id) == []  # not a decision

    # Snapper's retry (or a replay with other unsigned headers) raises no second signal
    again = snapper.send(quarantined, headers={"X-Snapper-Delivery": "another-delivery"})
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    # the event is read from the signed body, never from the unsigned header
    unnamed = {k: v for k, v in audit("request_denied").items() if k != "event"}
    r = snapper.send(unnamed, headers={"X-Snapper-Event": "request_denied"})
    assert r.status_code == 422 and "event" in r.json()["detail"]
    # personal data a security message quotes is withheld, like any decision's reason
    leaked = audit("security_alert", message="ana.lopez@example.com pasted 123-45-6789")
    assert snapper.send(leaked).json()["outcome"] == "signal"
    with session_scope(session_factory) as s:
        rows = signals.list_since(
            session=s,
            org_id=org.id,
            after_id=start,
            kinds=("snapper.agent_quarantined", "snapper.security_alert"),
        )
        kinds = [(x.kind, dict(x.data)) for x in rows]
    assert [k for k, _ in kinds].count("snapper.agent_quarantined") == 1
    alert = next(d for k, d in kinds if k == "snapper.security_alert")
    assert "example.com" not in json.dumps(alert) and alert["message"].startswith("[withheld")


def test_snapper_requests_are_authenticated_and_stay_in_their_org(
    live_server, session_factory
) -> None:
    org = create_org(session_factory)
    other = create_org(session_factory)
    source = _source(live_server, org)
    snapper = SnapperSender(live_server.url, source)

    cases = {
        "wrong secret": snapper.send(audit("request_denied"), secret="x" * 40),
        "unsigned": snapper.send(audit("request_denied"), signed=False),
        "stale": snapper.send(audit("request_denied"), ts=int(time.time()) - 3600),
    }
    for name, r in cases.items():
        assert r.status_code == 401, (name, r.text)
    assert "signature does not match" in cases["wrong secret"].json()["detail"]
    assert "X-Snapper-Signature" in cases["unsigned"].json()["detail"]
    assert "X-Snapper-Timestamp" in cases["stale"].json()["detail"]

    # a generic (non-Snapper) source cannot be driven through this endpoint
    generic = httpx.post(
        f"{live_server.url}/api/v1/enforcement/sources",
        json={"name": "gw", "kind": "gateway"},
        headers=org.headers,
        timeout=30,
    ).json()
    r = SnapperSender(live_server.url, generic).send(audit("request_denied"))
    assert r.status_code == 401 and "Snapper source" in r.json()["detail"]
    # one answer for an unknown source, another kind, or a wrong signature
    assert r.json()["detail"] == cases["wrong secret"].json()["detail"]

    # another org's key sees nothing of it, and cannot rotate it
    r = httpx.get(
        f"{live_server.url}/api/v1/enforcement/sources/{source['id']}",
        headers=other.headers,
        timeout=30,
    )
    assert r.status_code == 404
    assert _events(session_factory, org.id) == []

    # bad bodies: a clear 4xx each, nothing stored
    r = snapper.send(b"{not json")
    assert r.status_code == 400 and "JSON" in r.json()["detail"]
    r = snapper.send(audit("request_denied", timestamp="yesterday"))
    assert r.status_code == 422 and "timestamp" in r.json()["detail"]
    r = snapper.send(audit("security_alert", timestamp=None))
    assert r.status_code == 422 and "timestamp" in r.json()["detail"]
    r = snapper.send({"severity": "info"})
    assert r.status_code == 422 and "event" in r.json()["detail"]
    r = snapper.send(b"x" * (300 * 1024))
    assert r.status_code == 413
    assert _events(session_factory, org.id) == []

    # rotation: the old secret stops working at once
    rotated = httpx.post(
        f"{live_server.url}/api/v1/enforcement/sources/{source['id']}/rotate",
        json={"grace_minutes": 0},
        headers=org.headers,
        timeout=30,
    ).json()
    assert snapper.send(audit("request_denied")).status_code == 401
    assert snapper.send(audit("request_denied"), secret=rotated["secret"]).status_code == 200


@contextmanager
def _asset_rows_read() -> Iterator[list[int]]:
    """How many rows each read of the assets table returns meanwhile (request threads only)."""
    counts: list[int] = []

    def count(state: ORMExecuteState) -> Any:
        if threading.current_thread().name.startswith("threatvec-") or not state.is_select:
            return None
        if Asset.__table__ not in state.statement.get_final_froms():
            return None
        frozen = state.invoke_statement().freeze()
        counts.append(len(frozen().all()))
        return frozen()

    sa_event.listen(Session, "do_orm_execute", count)
    try:
        yield counts
    finally:
        sa_event.remove(Session, "do_orm_execute", count)


def test_snapper_reads_only_the_asset_linked_to_the_events_agent(
    live_server, session_factory
) -> None:
    org = create_org(session_factory)
    other = create_org(session_factory)
    with session_scope(session_factory) as s:
        # linked as a person may type it: other case, stray spaces
        s.add(
            Asset(
                org_id=org.id,
                kind="agent",
                name="coder-bot",
                meta={"snapper_agent_id": f"  {SNAPPER_AGENT.upper()} "},
            )
        )
        for i in range(40):
            linked = {"snapper_agent_id": str(uuid.uuid4())} if i % 2 else {"team": "ops"}
            s.add(Asset(org_id=org.id, kind="agent", name=f"bot-{i:02d}", meta=linked))
        s.add(
            Asset(
                org_id=org.id,
                kind="mcp_server",
                name="not-an-agent",
                meta={"snapper_agent_id": "d0d0d0d0-0000-4000-8000-000000000000"},
            )
        )
        # the same Snapper id in another org names that org's agent, never this one's
        s.add(
            Asset(
                org_id=other.id,
                kind="agent",
                name="their-bot",
                meta={"snapper_agent_id": SNAPPER_AGENT},
            )
        )
    snapper = SnapperSender(live_server.url, _source(live_server, org))
    theirs = SnapperSender(live_server.url, _source(live_server, other))

    with _asset_rows_read() as reads:
        r = snapper.send(audit("request_denied", details={"tool_name": "bash"}))
    assert r.status_code == 200 and r.json()["outcome"] == "stored", r.text
    assert reads == [1]  # was every agent asset of the org (41 rows)
    with _asset_rows_read() as reads:
        r = snapper.send(audit("request_denied", agent_id="d0d0d0d0-0000-4000-8000-000000000000"))
    assert r.json()["outcome"] == "stored" and reads == [0]  # only agent assets link
    assert theirs.send(audit("request_denied")).json()["outcome"] == "stored"

    assert sorted(e.agent for e in _events(session_factory, org.id)) == [
        "coder-bot",
        "snapper:d0d0d0d0-0000-4000-8000-000000000000",
    ]
    assert [e.agent for e in _events(session_factory, other.id)] == ["their-bot"]


def _security_events(live_server, org, **params: Any) -> list[dict[str, Any]]:
    r = httpx.get(
        f"{live_server.url}/api/v1/enforcement/security-events",
        params=params,
        headers=org.headers,
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_snapper_threat_engine_events_are_stored_listed_and_kept(
    live_server, session_factory
) -> None:
    """Snapper's threat engine (kill chains, threat scores): stored, listed, outlives signals."""
    org = create_org(session_factory)
    other = create_org(session_factory)
    source = _source(live_server, org)
    snapper = SnapperSender(live_server.url, source)
    with session_scope(session_factory) as s:
        start = signals.latest_id(session=s, org_id=org.id)

    chain = audit(
        "threat_kill_chain_completed",
        severity="critical",
        message="Kill chain 'data_exfiltration' completed (score boost +55) <script>x</script>",
        details={"chain": "data_exfiltration", "score_boost": 55, "signals": ["file_read"]},
    )
    r = snapper.send(chain)
    assert r.status_code == 200 and r.json()["outcome"] == "signal", r.text
    assert snapper.send(chain).json()["outcome"] == "duplicate"  # Snapper's retry
    elevated = audit(
        "threat_score_elevated",
        severity="error",
        details={"threat_score": 72.5, "threat_level": "high"},
        timestamp=(datetime.now(UTC) - timedelta(seconds=30)).isoformat(),
    )
    assert snapper.send(elevated).json()["outcome"] == "signal"
    quarantined = audit("agent_quarantined", severity="critical", message="trust score 0.1")
    assert snapper.send(quarantined).json()["outcome"] == "signal"

    items = _security_events(live_server, org)
    # newest first, by when Snapper saw them
    assert [i["event"] for i in items] == [
        "threat_score_elevated",
        "agent_quarantined",
        "threat_kill_chain_completed",
    ]
    by_event = {i["event"]: i for i in items}
    kc = by_event["threat_kill_chain_completed"]
    assert kc["threat_type"] == "data_exfiltration" and kc["severity"] == "critical"
    assert kc["source_id"] == source["id"] and kc["agent"] == f"snapper:{SNAPPER_AGENT}"
    assert by_event["threat_score_elevated"]["threat_score"] == 72.5
    assert by_event["threat_score_elevated"]["severity"] == "high"
    assert _security_events(live_server, org, event="threat_score_elevated") == [
        by_event["threat_score_elevated"]
    ]
    assert _events(session_factory, org.id) == []  # not decisions: no gap-scan coverage

    # alert rules still see them as signals, once each
    with session_scope(session_factory) as s:
        kinds = [x.kind for x in signals.list_since(session=s, org_id=org.id, after_id=start)]
    assert kinds.count("snapper.threat_kill_chain_completed") == 1
    assert kinds.count("snapper.threat_score_elevated") == 1

    # another org sees none of them, even naming the source
    assert _security_events(live_server, other) == []
    assert _security_events(live_server, other, source_id=source["id"]) == []

    # live signals are pruned after 7 days; the stored events stay, on the API and the page
    with session_scope(session_factory) as s:
        signals.prune(session=s, org_id=org.id, keep_days=0)
    assert len(_security_events(live_server, org)) == 3
    page = _snapper_page(live_server, org)
    assert "threat_kill_chain_completed" in page and "data_exfiltration" in page
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page

    # deleting the source removes what it reported
    r = httpx.delete(
        f"{live_server.url}/api/v1/enforcement/sources/{source['id']}",
        headers=org.headers,
        timeout=30,
    )
    assert r.status_code == 204
    assert _security_events(live_server, org) == []


def _snapper_page(live_server, org) -> str:
    with httpx.Client(base_url=live_server.url, timeout=30) as c:
        form = c.get("/login").text
        token = form.split('name="csrf" value="')[1].split('"')[0]
        c.post("/login", data={"org_key": org.key, "csrf": token})
        r = c.get("/settings/snapper")
        assert r.status_code == 200, r.text
        return r.text


def test_a_nul_character_from_snapper_is_dropped_not_a_lost_event(
    live_server, session_factory
) -> None:
    # PostgreSQL stores no NUL: the one event of the request was refused (422) there and
    # lost, while SQLite stored it with the NUL. Snapper's text is kept without it.
    org = create_org(session_factory)
    snapper = SnapperSender(live_server.url, _source(live_server, org))
    r = snapper.send(
        audit(
            "request_denied",
            message="DENY: rm -rf /\x00tmp",
            details={"tool_name": "ba\x00sh", "rule_name": "deny\x00list", "decision": "deny"},
        )
    )
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "stored"
    [row] = _events(session_factory, org.id)
    assert (row.tool, row.policy_name) == ("bash", "denylist")
    assert "\x00" not in (row.reason or "") and "rm -rf /tmp" in (row.reason or "")
