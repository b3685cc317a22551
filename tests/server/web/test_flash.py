"""The status line after a form (?flash=...) is shown only when this session's form set it.

It used to be any text in the URL: a link such as
/red-team?flash=Your+key+expired,+enter+it+at+evil.example made a trusted page say so.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import create_org, csrf_token, dashboard_login


def test_a_flash_shows_after_the_form_that_set_it_not_from_a_made_up_link(
    app, session_factory
) -> None:
    org = create_org(session_factory)
    forged = "Your key expired: enter it at evil.example"
    with TestClient(app) as c:
        dashboard_login(c, org.key)
        page = c.get("/red-team", params={"flash": forged}).text
        assert forged not in page and 'class="flash"' not in page
        token = csrf_token(c.get("/red-team").text)
        r = c.post("/red-team/cycle", data={"csrf": token}, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        location = r.headers["location"]
        assert "flash=" in location and "&fs=" in location
        shown = c.get(location).text
        assert '<p class="flash" role="status">Learning cycle started</p>' in shown
        # The signature is for that text only, and for this session only.
        tampered = location.replace("Learning+cycle+started", "Enter+your+key+at+evil.example")
        assert "evil.example" not in c.get(tampered).text
    with TestClient(app) as other:
        dashboard_login(other, org.key)
        assert "Learning cycle started" not in other.get(location).text


def test_the_signature_goes_into_the_query_before_a_fragment() -> None:
    # The integrations page redirects to '?flash=...#i-<id>' to scroll to the row; the
    # signature appended after the '#' was no query parameter, and the flash vanished.
    from types import SimpleNamespace
    from typing import Any, cast

    from threatvec.server.web.render import _sign_flash

    ctx = cast(Any, SimpleNamespace(auth=SimpleNamespace(csrf="secret-of-this-session")))
    url = _sign_flash(ctx, "/settings/integrations?flash=Saved+okta+integration#i-42")
    assert url.startswith("/settings/integrations?flash=Saved+okta+integration&fs=")
    assert url.endswith("#i-42") and url.count("#") == 1
    assert _sign_flash(ctx, "/x?a=1#frag") == "/x?a=1#frag"
