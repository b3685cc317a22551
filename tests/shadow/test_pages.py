"""The Shadow AI Monitor page, its CSRF-protected actions, and the extension setup/download."""

from __future__ import annotations

import io
import json
import zipfile

from fastapi.testclient import TestClient

from tests.conftest import Api, create_org, csrf_token, dashboard_login
from tests.shadow.helpers import event, visit


def _login(c: TestClient, key: str) -> str:
    dashboard_login(c, key)
    return csrf_token(c.get("/").text, 'data-csrf="')


def test_empty_state_then_monitor_with_actions(app, client, session_factory) -> None:
    org = create_org(session_factory)
    with TestClient(app) as c:
        csrf = _login(c, org.key)
        empty = c.get("/shadow")
        assert "No data yet" in empty.text and "/extension" in empty.text

        Api(client, org).post(
            "/shadow/events",
            json={
                "events": [
                    visit("gemini.google.com"),
                    event(
                        domain="claude.ai",
                        pii_categories=["EMAIL", "US_SSN"],
                        pii_counts={"EMAIL": 1, "US_SSN": 1},
                    ),
                ]
            },
        )
        page = c.get("/shadow")
        assert page.status_code == 200
        html = page.text
        assert 'id="shadow-table"' in html and 'href="/extension"' in html
        assert "<svg" in html and "US_SSN" in html
        row = html.split('data-domain="claude.ai"')[1].split("</tr>")[0]
        assert "<strong>!</strong>" in row and "HIGH" in row
        sid = html.split('data-domain="claude.ai"')[0].rsplit('data-service-id="', 1)[1][:32]

        # actions need the CSRF token
        assert (
            c.post(f"/shadow/services/{sid}/register", data={"csrf": "forged"}).status_code == 403
        )
        r = c.post(
            f"/shadow/services/{sid}/register",
            data={"csrf": csrf, "allowed_pii": ["EMAIL", "US_SSN"]},
            follow_redirects=False,
        )
        assert r.status_code == 303 and "Registered" in r.headers["location"]
        r = c.post(
            f"/shadow/services/{sid}/alert",
            data={"csrf": csrf, "trigger": "pii"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        row = c.get("/shadow").text.split('data-domain="claude.ai"')[1].split("</tr>")[0]
        assert "LOW" in row and "<strong></strong>" in row and "alert on PII" in row
        assert "MEDIUM" in c.get("/shadow?risk=MEDIUM").text
        assert "claude.ai" not in c.get("/shadow?risk=MEDIUM").text


def test_extension_setup_and_download_with_org_catalog(app, client, session_factory) -> None:
    org = create_org(session_factory)
    Api(client, org).post(
        "/shadow/catalog",
        json={"domain": "llm.corp.example", "service": "Corp LLM", "kind": "enterprise"},
    )
    with TestClient(app) as c:
        assert c.get("/extension", follow_redirects=False).status_code == 303  # login first
        _login(c, org.key)
        setup = c.get("/extension")
        assert setup.status_code == 200 and "/extension/download" in setup.text
        assert "serverUrl" in setup.text and "orgKey" in setup.text
        r = c.get("/extension/download")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    assert zf.testzip() is None
    names = set(zf.namelist())
    manifest = json.loads(zf.read("manifest.json"))  # at the root, as browsers expect
    assert manifest["manifest_version"] == 3
    # every file the manifest names is in the zip
    assert {manifest["background"]["service_worker"], manifest["action"]["default_popup"]} <= names
    assert manifest["storage"]["managed_schema"] in names
    assert "src/background.js" in names and "src/pii.js" in names
    assert not any(
        n.startswith(("test/", "tools/")) or ".test." in n or n.endswith(".py") for n in names
    )
    catalog = json.loads(zf.read("src/catalog.json"))
    domains = {s["domain"]: s for s in catalog["services"]}
    assert domains["llm.corp.example"]["service"] == "Corp LLM" and "chatgpt.com" in domains
    assert org.key not in r.content.decode("latin-1")


def test_registering_another_orgs_service_is_not_found(app, client, session_factory) -> None:
    owner, other = create_org(session_factory), create_org(session_factory)
    Api(client, owner).post("/shadow/events", json={"events": [visit("gemini.google.com")]})
    [service] = Api(client, owner).get("/shadow/services").json()["items"]
    with TestClient(app) as c:
        csrf = _login(c, other.key)  # an org with no Shadow AI data of its own
        r = c.post(f"/shadow/services/{service['id']}/register", data={"csrf": csrf})
        assert r.status_code == 404 and "Not registered" in r.text
    assert Api(client, owner).get("/shadow/services").json()["items"][0]["registered"] is False


def test_headline_counts_every_service_beyond_one_page(app, client, session_factory) -> None:
    # The cards were counted over the first 500 services only.
    org = create_org(session_factory)
    api = Api(client, org)
    hosts = [f"chat.llm-{i:03d}.example.com" for i in range(505)]
    for start in (0, 250, 500):
        batch = [
            event(
                domain=h, unknown_service=True, pii_categories=["US_SSN"], pii_counts={"US_SSN": 1}
            )
            for h in hosts[start : start + 250]
        ]
        assert api.post("/shadow/events", json={"events": batch}).json()["accepted"] == len(batch)
    api.post("/shadow/events", json={"events": [visit("chatgpt.com")]})
    with TestClient(app) as c:
        _login(c, org.key)
        html = c.get("/shadow").text
    cards = html.split('id="shadow-table"')[0]
    assert "<h2>506</h2>" in cards
    assert "HIGH</span> 505</h2>" in cards and "MEDIUM</span> 1</h2>" in cards
    assert "<h2>! 506</h2>" in cards
    assert "US_SSN: 505" in html  # the PII chart's total for the category
    assert "Showing the 500 highest-risk of 506 services" in html


def test_register_again_updates_the_registration_that_decides(app, client, session_factory) -> None:
    """Re-registering from the page changes the asset the service is registered under (named
    otherwise: 'Grammarly Business'), and keeps the categories it already allowed ticked."""
    org = create_org(session_factory)
    api = Api(client, org)
    api.post("/shadow/events", json={"events": [event(domain="grammarly.com")]})  # EMAIL
    [svc] = api.get("/shadow/services").json()["items"]
    body = {"name": "Grammarly Business", "allowed_pii": ["EMAIL"]}
    assert api.post(f"/shadow/services/{svc['id']}/register", json=body).json()["risk"] == "LOW"
    card = event(domain="grammarly.com", pii_categories=["CREDIT_CARD"], pii_counts={})
    api.post("/shadow/events", json={"events": [card]})
    with TestClient(app) as c:
        csrf = _login(c, org.key)
        row = c.get("/shadow").text.split('data-domain="grammarly.com"')[1].split("</tr>")[0]
        ticked = [
            c for c in ("EMAIL", "CREDIT_CARD") if f'name="allowed_pii" value="{c}" checked' in row
        ]
        assert ticked == ["EMAIL"]  # allowed already; the new category is the admin's call
        r = c.post(
            f"/shadow/services/{svc['id']}/register",
            data={"csrf": csrf, "allowed_pii": [*ticked, "CREDIT_CARD"]},
            follow_redirects=False,
        )
        assert r.status_code == 303
    after = api.get(f"/shadow/services/{svc['id']}").json()
    assert after["risk"] == "LOW", after["risk_reasons"]
    assert after["allowed_pii"] == ["CREDIT_CARD", "EMAIL"]
    assets = [a for a in api.get("/assets").json()["items"] if a["kind"] == "ai_service"]
    assert [(a["name"], a["metadata"]["allowed_pii"]) for a in assets] == [
        ("Grammarly Business", ["CREDIT_CARD", "EMAIL"])
    ]


def test_event_breakdown_adds_up_to_the_events_shown(app, client, session_factory) -> None:
    """The Events cell split a total into pastes, uploads and submits only: for a service
    mostly visited (Gemini in the demo: 219 events, '27 paste · 12 upload · 16 submit')
    the parts did not add up to the number above them."""
    org = create_org(session_factory)
    api = Api(client, org)
    batch = [
        visit("gemini.google.com"),
        visit("gemini.google.com"),
        event(domain="gemini.google.com"),
    ]
    api.post("/shadow/events", json={"events": batch})
    with TestClient(app) as c:
        _login(c, org.key)
        row = c.get("/shadow").text.split('data-domain="gemini.google.com"')[1].split("</tr>")[0]
    assert "<td>3<div" in row and "2 visit · 1 paste · 0 upload · 0 submit" in row


def test_register_again_keeps_the_domains_a_hand_made_asset_stood_for(
    app, client, session_factory
) -> None:
    # An asset registered by hand with only a name ('FLUX') stands for every domain the
    # catalog gives that service; registering one of them again must not narrow it.
    org = create_org(session_factory)
    api = Api(client, org)
    api.post("/assets", json={"kind": "ai_service", "name": "FLUX", "approved": True})
    batch = [event(domain="bfl.ai"), visit("blackforestlabs.ai")]
    api.post("/shadow/events", json={"events": batch})
    items = {s["domain"]: s for s in api.get("/shadow/services").json()["items"]}
    assert items["bfl.ai"]["risk"] == "HIGH" and items["blackforestlabs.ai"]["risk"] == "LOW"
    body = {"allowed_pii": ["EMAIL"]}
    assert (
        api.post(f"/shadow/services/{items['bfl.ai']['id']}/register", json=body).json()["risk"]
        == "LOW"
    )
    after = {s["domain"]: s for s in api.get("/shadow/services").json()["items"]}
    assert (
        after["blackforestlabs.ai"]["registered"] and after["blackforestlabs.ai"]["risk"] == "LOW"
    )
    [asset] = [a for a in api.get("/assets").json()["items"] if a["kind"] == "ai_service"]
    assert asset["name"] == "FLUX"
    assert sorted(asset["metadata"]["domains"]) == ["bfl.ai", "blackforestlabs.ai"]


def test_filtered_by_risk_says_when_it_shows_only_part(app, client, session_factory) -> None:
    # With ?risk=HIGH and more HIGH services than one page holds, the table was cut at
    # 500 without the note the unfiltered page gives.
    org = create_org(session_factory)
    api = Api(client, org)
    hosts = [f"chat.llm-{i:03d}.example.com" for i in range(502)]
    for start in (0, 251):
        batch = [visit(h, unknown_service=True) for h in hosts[start : start + 251]]
        assert api.post("/shadow/events", json={"events": batch}).json()["accepted"] == len(batch)
    with TestClient(app) as c:
        _login(c, org.key)
        html = c.get("/shadow?risk=HIGH").text
    assert html.count('data-service-id="') == 500
    assert "Showing 500 of the 502 HIGH services" in html
