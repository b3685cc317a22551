"""Settings → Alert Rules over the real app: each delivery shows its action (trigger,
acknowledge, resolve) and status; resolving from the page queues the PagerDuty resolve."""

from __future__ import annotations

import hashlib
import hmac
import json

from fastapi.testclient import TestClient

from tests.alerts.conftest import TEST_SECRET_KEY
from tests.alerts.receivers import http_receiver
from tests.conftest import Api, create_org, csrf_token, dashboard_login
from threatvec.alerts import flows
from threatvec.core.crypto import SecretBox
from threatvec.mcp.flows import RUG_PULL_SIGNAL
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope


def _login(c: TestClient, key: str) -> str:
    dashboard_login(c, key)
    return csrf_token(c.get("/settings/alerts").text)


def _badges(html: str, alert_id: str) -> list[str]:
    row = html.split(f'data-alert-id="{alert_id}"')[1].split("</tr>")[0]
    return [b.split(">", 1)[1].split("</span>")[0] for b in row.split('class="badge')[2:]]


def _deliver(session_factory, org_id: str) -> None:
    with session_scope(session_factory) as s:
        flows.deliver_due(
            session=s, org_id=org_id, box=SecretBox(TEST_SECRET_KEY), allow_private=True
        )


def test_the_page_shows_each_deliverys_action_and_resolving_pages_out(
    app, client, session_factory
) -> None:
    org = create_org(session_factory)
    api = Api(client, org)
    with http_receiver() as pd, TestClient(app) as c:
        ch = api.post(
            "/alerts/channels",
            json={"name": "PD <b>on-call</b>",
                  "settings": {"kind": "pagerduty", "routing_key": "R" * 32, "base_url": pd.url}},
        ).json()  # fmt: skip
        api.post(
            "/alerts/rules",
            json={"name": "r", "condition": {"trigger": "mcp_rug_pull"}, "channel_ids": [ch["id"]]},
        )
        with session_scope(session_factory) as s:
            signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "a"})
        api.post("/alerts/evaluate")
        [alert] = api.get("/alerts").json()["items"]
        _deliver(session_factory, org.id)
        csrf = _login(c, org.key)
        html = c.get("/settings/alerts").text
        assert _badges(html, alert["id"]) == ["PD &lt;b&gt;on-call&lt;/b&gt; · trigger: sent"]
        assert "<b>on-call</b>" not in html

        r = c.post(f"/settings/alerts/{alert['id']}/resolve", data={"csrf": csrf})
        assert r.status_code in (200, 303)
        html = c.get("/settings/alerts").text
        assert _badges(html, alert["id"])[-1].endswith("· resolve: pending")
        _deliver(session_factory, org.id)
        html = c.get("/settings/alerts").text
        assert _badges(html, alert["id"]) == [
            "PD &lt;b&gt;on-call&lt;/b&gt; · trigger: sent",
            "PD &lt;b&gt;on-call&lt;/b&gt; · resolve: sent",
        ]
    assert [r.json()["event_action"] for r in pd.requests] == ["trigger", "resolve"]


def _cell(html: str, alert_id: str, css: str) -> str:
    row = html.split(f'data-alert-id="{alert_id}"')[1].split("</tr>")[0]
    return row.split(f'class="{css}">')[1].split("</td>")[0]


def test_an_alert_that_resolved_itself_says_so_and_why(app, client, session_factory) -> None:
    org = create_org(session_factory)
    api = Api(client, org)
    rule = api.post(
        "/alerts/rules", json={"name": "r", "condition": {"trigger": "score_drop", "points": 10}}
    ).json()
    with session_scope(session_factory) as s:
        for value, previous in ((60.0, 80.0), (79.5, 60.0)):  # fell 20, then recovered
            signals.publish(session=s, org_id=org.id, kind="posture.updated",
                            data={"value": value, "previous": previous})  # fmt: skip
            s.commit()
    assert api.post("/alerts/evaluate").json()["auto_resolved"] == 1
    [alert] = api.get("/alerts", params={"rule_id": rule["id"]}).json()["items"]
    with TestClient(app) as c:
        _login(c, org.key)
        html = c.get("/settings/alerts").text
    cell = _cell(html, alert["id"], "alert-status")
    assert cell.startswith("resolved")
    assert "by system: condition cleared: posture score back to 79.5" in cell
    rules_row = html.split(f'data-rule-id="{rule["id"]}"')[1].split("</tr>")[0]
    assert "auto-resolve" in rules_row


def test_a_pagerduty_channel_shows_its_webhook_url_and_takes_its_secret(
    app, client, session_factory
) -> None:
    org = create_org(session_factory)
    api = Api(client, org)
    with http_receiver() as pd, TestClient(app) as c:
        ch = api.post(
            "/alerts/channels",
            json={"name": "PD", "settings": {"kind": "pagerduty", "routing_key": "K" * 32,
                                             "base_url": pd.url}},
        ).json()  # fmt: skip
        csrf = _login(c, org.key)
        html = c.get("/settings/alerts").text
        url = f"/api/v1/alerts/channels/{ch['id']}/pagerduty-webhook"
        assert f'<code class="pd-webhook-url">http://testserver{url}</code>' in html
        assert "Remove secret" not in html

        action = f"/settings/alerts/channels/{ch['id']}/pagerduty-webhook-secret"
        r = c.post(action, data={"csrf": csrf, "webhook_secret": "short"})
        assert r.status_code == 422 and "16–256 printable characters" in r.text
        secret = "pd-page-secret-" + "z" * 20
        r = c.post(action, data={"csrf": csrf, "webhook_secret": secret}, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        got = api.get(f"/alerts/channels/{ch['id']}").json()
        assert got["secret_hint"] == "routing key ••••KKKK · webhook secret ••••zzzz"
        assert secret not in c.get("/settings/alerts").text

        # The saved secret verifies PagerDuty's calls; the routing key still pages.
        body = json.dumps({"event": {"id": "E1", "event_type": "pagey.ping", "data": {}}}).encode()
        sig = "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        r = client.post(url, content=body, headers={"X-PagerDuty-Signature": sig})
        assert r.status_code == 200 and r.json()["outcome"] == "ignored", r.text
        assert api.post(f"/alerts/channels/{ch['id']}/test").json()["ok"] is True
        assert pd.requests[-1].json()["routing_key"] == "K" * 32

        r = c.post(action, data={"csrf": csrf, "remove": "1"}, follow_redirects=False)
        assert r.status_code == 303
        assert (
            client.post(url, content=body, headers={"X-PagerDuty-Signature": sig}).status_code
            == 401
        )
        # Another org's session cannot set it: the channel is not theirs.
        other = create_org(session_factory)
        with TestClient(app) as o:
            token = _login(o, other.key)
            r = o.post(action, data={"csrf": token, "webhook_secret": secret})
            assert r.status_code == 404


def test_an_alert_that_can_never_resolve_itself_says_so_on_the_page_and_in_the_api(
    app, client, session_factory
) -> None:
    from threatvec.alerts.models import Alert

    org = create_org(session_factory)
    api = Api(client, org)
    body = {"name": "shadow", "auto_resolve": True, "condition": {"trigger": "new_shadow_asset"}}
    rule = api.post("/alerts/rules", json=body).json()
    events = [{"service_id": f"{i:032x}", "domain": f"d{i}.example"} for i in range(20)]
    base = {"org_id": org.id, "rule_id": rule["id"], "rule_name": "shadow", "severity": "high",
            "trigger": "new_shadow_asset", "title": "t", "summary": "s", "first_signal_id": 1,
            "last_signal_id": 1}  # fmt: skip
    with session_scope(session_factory) as s:
        # Stored before every subject was kept, after folding 40 matches: 20 are unknown.
        old = Alert(**base, dedup_key="old", occurrences=40, details={"events": events})
        new = Alert(**base, dedup_key="new", occurrences=40,
                    details={"events": events, "subjects": [], "subjects_total": 0})  # fmt: skip
        s.add_all([old, new])
        s.flush()
        old_id, new_id = old.id, new.id
    # None of the 20 it shows exists any more; it still does not resolve itself.
    assert api.post("/alerts/evaluate").json()["auto_resolved"] == 0
    got = {a["id"]: a for a in api.get("/alerts").json()["items"]}
    note = got[old_id]["manual_resolve_only"]
    assert note and "folded 40 matches" in note and "Resolve it by hand" in note
    assert got[old_id]["status"] == "open" and got[new_id]["manual_resolve_only"] is None
    with TestClient(app) as c:
        _login(c, org.key)
        html = c.get("/settings/alerts").text
    row = html.split(f'data-alert-id="{old_id}"')[1].split("</tr>")[0]
    assert "manual-resolve" in row and "Resolve it by hand" in row
    assert "manual-resolve" not in html.split(f'data-alert-id="{new_id}"')[1].split("</tr>")[0]


def test_an_alert_about_many_services_links_to_all_of_them_100_a_page(
    app, client, session_factory
) -> None:
    import re
    from html import unescape

    from tests.alerts.test_router import _storm_of_subjects

    org, other = create_org(session_factory), create_org(session_factory)
    api = Api(client, org)
    alert_id, _ = _storm_of_subjects(api, 250)
    with TestClient(app) as c:
        _login(c, org.key)
        html = c.get("/settings/alerts").text
        row = html.split(f'data-alert-id="{alert_id}"')[1].split("</tr>")[0]
        assert "about 250 services (the alert shows the first 20)" in row
        link = f"/settings/alerts/{alert_id}/subjects"
        assert f'href="{link}"' in row

        seen: list[str] = []
        url: str | None = link
        while url:
            page = c.get(url)
            assert page.status_code == 200
            seen += re.findall(r'data-subject-id="([^"]+)"', page.text)
            more = re.search(r'<a class="next" href="([^"]+)"', page.text)
            url = unescape(more.group(1)) if more else None
            assert len(seen) <= 250
        assert len(seen) == 250 and len(set(seen)) == 250
        assert 'Services <span class="range">201–250</span> of <span class="total">250' in (
            page.text
        )
        # Another org's dashboard cannot see this alert's subjects.
        c.cookies.clear()
        _login(c, other.key)
        assert c.get(link).status_code == 404
