"""Org keys on the API, the keyless default org, dashboard sessions and CSRF."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import create_org


def test_missing_and_wrong_keys_get_the_same_401(client, org) -> None:
    missing = client.get("/api/v1/assets")
    wrong = client.get("/api/v1/assets", headers={"X-Org-Key": "tvk_" + "a" * 43})
    assert missing.status_code == wrong.status_code == 401
    assert missing.json()["detail"] == wrong.json()["detail"]
    assert client.get("/api/v1/assets", headers=org.headers).status_code == 200


def test_keyless_server_is_the_default_org(fresh_app) -> None:
    with TestClient(fresh_app()) as c:
        r = c.post("/api/v1/assets", json={"kind": "agent", "name": "a"})
        assert r.status_code == 201
        assert c.get("/").status_code == 200  # the dashboard opens without logging in


def test_org_key_setting_protects_default_org(fresh_app) -> None:
    app = fresh_app(org_key="tvk_configured_key_0123456789abcdef")
    with TestClient(app) as c:
        assert c.get("/api/v1/assets").status_code == 401
        r = c.get("/api/v1/assets", headers={"X-Org-Key": "tvk_configured_key_0123456789abcdef"})
        assert r.status_code == 200
        assert c.get("/", follow_redirects=False).headers["location"] == "/login"


def _login(c: TestClient, key: str):
    page = c.get("/login")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    return c.post("/login", data={"org_key": key, "csrf": token}, follow_redirects=False)


def test_dashboard_login_cookie_and_csrf(app, session_factory) -> None:
    handle = create_org(session_factory)
    with TestClient(app) as c:
        r = _login(c, "tvk_wrong")
        assert r.status_code == 401 and "not accepted" in r.text
        r = _login(c, handle.key)
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert handle.key not in cookie
        page = c.get("/settings/assets")
        assert page.status_code == 200 and handle.name in page.text
        # The API accepts the session cookie for reads, but writes need the CSRF token.
        assert c.get("/api/v1/assets").status_code == 200
        r = c.post("/api/v1/assets", json={"kind": "agent", "name": "x"})
        assert r.status_code == 403
        csrf = page.text.split('data-csrf="')[1].split('"')[0]
        r = c.post(
            "/api/v1/assets", json={"kind": "agent", "name": "x"}, headers={"X-CSRF-Token": csrf}
        )
        assert r.status_code == 201
        # Forms without the token are refused.
        r = c.post("/settings/assets", data={"kind": "agent", "name": "y", "csrf": "nope"})
        assert r.status_code == 403


def test_login_form_needs_its_csrf_cookie(client, org) -> None:
    r = client.post("/login", data={"org_key": org.key, "csrf": "forged"}, follow_redirects=False)
    assert r.status_code == 400


def test_a_new_key_ends_the_sessions_opened_with_the_old_one(app, session_factory) -> None:
    """`threatvec org key` says the old key no longer works: its dashboard sessions neither."""
    from threatvec.orgs import service as orgs
    from threatvec.store.engine import session_scope

    handle = create_org(session_factory)
    with TestClient(app) as c:
        assert _login(c, handle.key).status_code == 303
        assert c.get("/api/v1/assets").status_code == 200
        with session_scope(session_factory) as s:
            _, new_key = orgs.issue_key(session=s, ref=handle.id)
        # the cookie was opened with the key that is gone: the API and the pages refuse it
        assert c.get("/api/v1/assets").status_code == 401
        assert c.get("/", follow_redirects=False).headers["location"] == "/login"
        # logging in with the new key opens a session that works
        assert _login(c, new_key).status_code == 303
        assert c.get("/api/v1/assets").status_code == 200


def test_a_keyless_session_ends_when_the_org_gets_a_key(fresh_app) -> None:
    """A session opened while the server ran keyless is no pass once the org has a key."""
    from threatvec.orgs import service as orgs
    from threatvec.store.engine import session_scope

    app = fresh_app()
    with TestClient(app) as c:
        assert c.get("/").status_code == 200  # keyless: the cookie for the default org is set
        assert c.get("/api/v1/assets").status_code == 200
        with session_scope(app.state.session_factory) as s:
            default = orgs.get_default_org(session=s)
            assert default is not None
            orgs.issue_key(session=s, ref=default.id)
        assert c.get("/api/v1/assets").status_code == 401
        assert c.get("/", follow_redirects=False).headers["location"] == "/login"
