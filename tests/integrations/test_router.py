"""The integrations API: kinds, CRUD with write-only secrets, isolation, schedule, lease."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Api, create_org
from tests.integrations.conftest import create
from tests.integrations.test_okta import TOKEN, OktaLog
from tests.integrations.vendors import vendor_server
from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox
from threatvec.integrations import flows, service
from threatvec.integrations.models import Integration
from threatvec.jobs.registry import load_all_jobs
from threatvec.store.engine import session_scope

TEST_SECRET_KEY = "test-secret-key-" + "x" * 32
OKTA = {"kind": "okta", "base_url": "https://acme.okta.example", "api_token": TOKEN}


def test_kinds_list_every_seed_integration_and_mark_unfinished_ones_coming(api) -> None:
    kinds = {k["kind"]: k for k in api.get("/integrations/kinds").json()}
    assert set(kinds) == {
        "okta",
        "crowdstrike",
        "splunk",
        "sentinel",
        "m365",
        "netskope",
        "zscaler",
        "proofpoint",
    }
    assert all(k["status"] == "available" for k in kinds.values())
    zscaler = kinds["zscaler"]
    assert zscaler["direction"] == "receive"
    assert zscaler["signal_kinds"] == ["integration.zscaler.dlp_to_ai"]
    # No vendor secret to enter: the ingest token is issued, never typed in.
    assert [f["name"] for f in zscaler["fields"]] == ["ai_categories"]
    okta_fields = {f["name"]: f for f in kinds["okta"]["fields"]}
    assert okta_fields["api_token"]["secret"] and okta_fields["api_token"]["required"]
    assert okta_fields["api_token"]["default"] is None
    assert okta_fields["page_limit"]["default"] == 1000 and not okta_fields["page_limit"]["secret"]
    assert "integration.okta.mfa_failure" in kinds["okta"]["signal_kinds"]
    assert kinds["splunk"]["direction"] == "push"
    assert kinds["sentinel"]["direction"] == "push_pull"  # signals out, DNS queries in
    zscaler_fields = {f["name"]: f for f in kinds["zscaler"]["fields"]}
    assert "generative ai" in zscaler_fields["ai_categories"]["default"]  # a factory default
    r = api.post("/integrations", json={"name": "z", "settings": {"kind": "nope"}})
    assert r.status_code == 422


def test_crud_secrets_write_only_and_kept_on_update(api, session_factory) -> None:
    made = create(api, OKTA, name="Okta prod")
    assert "api_token" not in made["config"] and TOKEN not in str(made)
    assert made["enabled"] is True and made["last_status"] == "never"
    assert (
        api.post("/integrations", json={"name": "Okta prod", "settings": OKTA}).status_code == 409
    )

    r = api.patch(
        f"/integrations/{made['id']}", json={"settings": {"page_limit": 200}, "enabled": False}
    )
    assert (
        r.status_code == 200
        and r.json()["config"]["page_limit"] == 200
        and r.json()["enabled"] is False
    )
    with session_scope(session_factory) as s:
        row = service.get_or_raise(session=s, org_id=api.org.id, integration_id=made["id"])
        settings = service.load_settings(row, SecretBox(TEST_SECRET_KEY))
        assert settings.api_token.get_secret_value() == TOKEN  # kept, though not sent again
        assert TOKEN not in row.secrets_enc
        row.cursor = {"since": "2026-01-01T00:00:00.000Z"}

    bad = api.patch(f"/integrations/{made['id']}", json={"settings": {"page_limit": 0}})
    assert bad.status_code == 422 and ["body", "settings", "page_limit"] in [
        e["loc"] for e in bad.json()["errors"]
    ]
    kind = api.patch(f"/integrations/{made['id']}", json={"settings": {"kind": "splunk"}})
    assert kind.status_code == 422

    # Pointing it elsewhere drops the checkpoint (it belonged to the other org).
    moved = api.patch(
        f"/integrations/{made['id']}", json={"settings": {"base_url": "https://other.okta.example"}}
    )
    assert moved.json()["checkpoint"] is None

    assert api.delete(f"/integrations/{made['id']}").status_code == 204
    assert api.get(f"/integrations/{made['id']}").status_code == 404


def test_other_orgs_cannot_see_or_touch_an_integration(api, client, session_factory) -> None:
    made = create(api, OKTA)
    other = Api(client, create_org(session_factory))
    assert made["id"] not in other.get("/integrations").text
    for method, path in [
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("post", "/test"),
        ("post", "/sync"),
        ("get", "/runs"),
    ]:
        kwargs = {"json": {"enabled": False}} if method == "patch" else {}
        r = other.request(method.upper(), f"/integrations/{made['id']}{path}", **kwargs)
        assert r.status_code == 404, (method, path, r.status_code)
    assert api.get(f"/integrations/{made['id']}").json()["enabled"] is True


def test_literal_private_address_refused_when_private_outbound_is_off(fresh_app) -> None:
    from fastapi.testclient import TestClient

    app = fresh_app(allow_private_outbound=False)
    with TestClient(app) as c:
        r = c.post(
            "/api/v1/integrations",
            json={"name": "x", "settings": {**OKTA, "base_url": "http://127.0.0.1:9"}},
        )
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["body", "settings", "okta", "base_url"]


def test_scheduled_sync_runs_due_enabled_integrations_once(api, session_factory) -> None:
    assert "integrations.sync" in load_all_jobs()
    box = SecretBox(TEST_SECRET_KEY)
    with vendor_server(OktaLog([""])) as okta:
        on = create(api, {**OKTA, "base_url": okta.url}, name="on")
        off = create(api, {**OKTA, "base_url": okta.url}, name="off", enabled=False)
        with session_scope(session_factory) as s:
            out = flows.run_due(session=s, org_id=api.org.id, box=box, allow_private=True)
        assert out["outcomes"] == {on["id"]: "ok"}
        with session_scope(session_factory) as s:
            # Not due again until its schedule comes round.
            assert (
                flows.run_due(session=s, org_id=api.org.id, box=box, allow_private=True)["synced"]
                == 0
            )
        runs = api.get(f"/integrations/{on['id']}/runs").json()["items"]
        assert len(runs) == 1 and runs[0]["trigger"] == "schedule"
        assert api.get(f"/integrations/{off['id']}/runs").json()["items"] == []


def test_a_running_sync_holds_the_lease(api, session_factory) -> None:
    made = create(api, OKTA)
    with session_scope(session_factory) as s:
        s.get(Integration, made["id"]).lease_until = utcnow() + timedelta(minutes=5)
    r = api.post(f"/integrations/{made['id']}/sync")
    assert r.status_code == 409
    with session_scope(session_factory) as s:
        s.get(Integration, made["id"]).lease_until = utcnow() - timedelta(
            minutes=1
        )  # crashed holder
    assert api.post(f"/integrations/{made['id']}/sync").status_code == 200


def test_an_unusable_base_url_is_a_422_and_a_stored_one_a_clear_error(api, session_factory) -> None:
    # Both passed the URL pattern; Test then answered 500 and a sync said 'internal error'.
    for url in ("https://a..b", "https://0177.0.0.1"):
        r = api.post("/integrations", json={"name": "x", "settings": {**OKTA, "base_url": url}})
        assert r.status_code == 422, (url, r.text)
        [err] = r.json()["errors"]
        assert err["loc"] == ["body", "settings", "okta", "base_url"]
        assert "not a usable URL" in err["msg"]
    for i, url in enumerate(("https://a..b", "https://0177.0.0.1")):
        made = create(api, OKTA, name=f"old {i}")
        with session_scope(session_factory) as s:
            row = s.get(Integration, made["id"])
            row.config = {**row.config, "base_url": url}
        r = api.post(f"/integrations/{made['id']}/test")
        assert r.status_code == 200, r.text
        assert r.json()["ok"] is False
        assert "stored settings are no longer valid (base_url)" in r.json()["message"]
        run = api.post(f"/integrations/{made['id']}/sync").json()
        assert run["status"] == "error" and "(base_url)" in run["error"], run
