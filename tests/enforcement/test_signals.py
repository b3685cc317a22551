"""Accepted events reach Live Traffic as signals that read as action, agent, tool and policy."""

from __future__ import annotations

from tests.enforcement.helpers import event, make_source, post_signed
from threatvec.orgs.models import Org
from threatvec.server.auth import SESSION_COOKIE, encode_session
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope


def _signals(factory, org_id: str, after: int) -> list:
    with session_scope(factory) as s:
        rows = signals.list_since(
            session=s,
            org_id=org_id,
            after_id=after,
            kinds=("enforcement.event", "enforcement.events"),
        )
        return [(r.kind, r.data) for r in rows]


def test_each_accepted_event_publishes_one_signal(api, client, org, session_factory):
    source = make_source(api, name="edge")
    with session_scope(session_factory) as s:
        start = signals.latest_id(session=s, org_id=org.id)
    ev = event(agent="ghost", tool="send_email", mcp_server="mail", action="blocked",
               category="tool_policy", policy_name="No external e-mail")  # fmt: skip
    bad = event(action="nope")
    post_signed(client, source, ev, bad)
    [(kind, data)] = _signals(session_factory, org.id, start)
    assert kind == "enforcement.event"
    assert (
        data["agent"] == "ghost" and data["source"] == "edge" and data["event_id"] == ev["event_id"]
    )
    [line] = data["events"]
    assert line["type"] == "enforcement.blocked" and line["subject"] == "send_email"
    assert line["server"] == "mail" and line["outcome"] == "blocked"
    assert line["flags"] == ["tool_policy", "policy: No external e-mail"]
    assert "reason" not in str(data)  # the reason stays in the store, not on the live feed
    post_signed(client, source, ev)  # a duplicate publishes nothing
    assert len(_signals(session_factory, org.id, start)) == 1


def test_a_large_batch_folds_its_tail_into_one_summary(api, client, org, session_factory):
    source = make_source(api)
    with session_scope(session_factory) as s:
        start = signals.latest_id(session=s, org_id=org.id)
    post_signed(client, source, *[event() for _ in range(130)])
    got = _signals(session_factory, org.id, start)
    assert [k for k, _ in got].count("enforcement.event") == 100
    summary = [d for k, d in got if k == "enforcement.events"]
    assert len(summary) == 1 and summary[0]["count"] == 30 and len(summary[0]["events"]) == 30


def test_live_page_draws_the_enforcement_line(api, client, org, session_factory):
    source = make_source(api)
    post_signed(
        client, source, event(agent="ghost", tool="wire_money", policy_name="Payments <b>hold</b>")
    )
    with session_factory() as s:
        cookie = encode_session(client.app.state.secret_key, s.get(Org, org.id))
    r = client.get("/live", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})
    assert r.status_code == 200
    text = r.text
    assert 'data-event-type="enforcement.blocked"' in text
    assert "wire_money" in text and "policy: Payments &lt;b&gt;hold&lt;/b&gt;" in text
