"""URLs a user pastes into another system, over a real server and real HTTP.

With THREATVEC_PUBLIC_URL set, every such URL (PagerDuty's webhook, Snapper's
SIEM webhook, a receive integration's URL, the extension's server URL) starts
with it, whatever ``Host`` the request carried; without it they are derived
from the request and the page says so and how to set the public URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import (
    LiveServer,
    OrgHandle,
    create_org,
    csrf_token,
    free_port,
    settings_for_tests,
)

PUBLIC = "https://threatvec.example.com/tv"
ATTACKER = "evil.attacker.example"
HINT = "public-url-hint"
WARNING = "public-url-warning"


def _serve(engine, data_dir: Path, **overrides) -> LiveServer:
    from threatvec.server.app import create_app

    app = create_app(settings_for_tests(data_dir, **overrides), engine=engine)
    return LiveServer(app, free_port()).start()


@pytest.fixture(scope="module")
def public_server(engine, tmp_path_factory) -> Iterator[LiveServer]:
    server = _serve(engine, tmp_path_factory.mktemp("pub"), public_url=PUBLIC + "/")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def plain_http_server(engine, tmp_path_factory) -> Iterator[LiveServer]:
    server = _serve(
        engine, tmp_path_factory.mktemp("plain"), public_url="http://tv.internal.example"
    )
    yield server
    server.stop()


def _setup(base: str, org: OrgHandle) -> dict[str, dict]:
    """A PagerDuty channel, a Snapper source and a Zscaler receiver, made over the API."""
    with httpx.Client(base_url=base + "/api/v1", headers=org.headers, timeout=30) as api:
        made = {
            "channel": api.post(
                "/alerts/channels",
                json={"name": "pd", "settings": {"kind": "pagerduty", "routing_key": "R" * 32}},
            ),
            "source": api.post("/enforcement/sources", json={"name": "snap", "kind": "snapper"}),
            "integration": api.post(
                "/integrations", json={"name": "zia", "settings": {"kind": "zscaler"}}
            ),
        }
        channels = api.get("/alerts/channels").json()["items"]
        integrations = api.get("/integrations", params={"kind": "zscaler"}).json()["items"]
    for name, r in made.items():
        assert r.status_code == 201, (name, r.text)
    out = {k: r.json() for k, r in made.items()}
    out["listed_channel"] = next(c for c in channels if c["id"] == out["channel"]["id"])
    out["listed_integration"] = next(i for i in integrations if i["id"] == out["integration"]["id"])
    return out


def _cookies(c: httpx.Client) -> dict[str, str]:
    # Sent by hand: with an https public URL the cookies are Secure, which a
    # browser keeps for http://127.0.0.1 but Python's cookie jar does not send.
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in c.cookies.items())}


def _pages(
    base: str, org: OrgHandle, host: str | None = None, *, secure: bool = False
) -> dict[str, str]:
    """The four pages, signed in; ``host`` overrides the Host header (an injection attempt).

    ``secure``: whether the login's cookies must carry ``Secure``.
    """
    with httpx.Client(base_url=base, timeout=30) as c:
        form = c.get("/login")
        token = csrf_token(form.text)
        r = c.post("/login", data={"org_key": org.key, "csrf": token}, headers=_cookies(c))
        assert r.status_code == 303, r.text[:300]
        for set_cookie in (form.headers["set-cookie"], r.headers["set-cookie"]):
            assert ("; secure" in set_cookie.lower()) is secure, set_cookie
        headers = {**_cookies(c), **({"Host": host} if host else {})}
        paths = ("/settings/alerts", "/settings/snapper", "/settings/integrations", "/extension")
        pages = {p: c.get(p, headers=headers) for p in paths}
    for path, r in pages.items():
        assert r.status_code == 200, (path, r.text[:300])
    return {p: r.text for p, r in pages.items()}


def test_with_the_public_url_every_pasted_url_uses_it_whatever_the_host_header(
    public_server, session_factory
) -> None:
    org = create_org(session_factory)
    made = _setup(public_server.url, org)
    ch_id, src_id = made["channel"]["id"], made["source"]["id"]
    pd_url = f"{PUBLIC}/api/v1/alerts/channels/{ch_id}/pagerduty-webhook"
    snapper_url = f"{PUBLIC}/api/v1/enforcement/snapper/{src_id}"
    receiver_path = made["integration"]["receiver"]["path"]

    # API replies: the full URL next to the path.
    assert made["channel"]["webhook_url"] == pd_url
    assert made["listed_channel"]["webhook_url"] == pd_url
    assert made["source"]["webhook_url"] == snapper_url
    assert made["source"]["webhook_path"] == snapper_url.removeprefix(PUBLIC)
    assert made["integration"]["receiver"]["url"] == PUBLIC + receiver_path
    assert made["listed_integration"]["receiver"]["url"] == PUBLIC + receiver_path

    # Behind a proxy that ends TLS the server sees http; the https public URL
    # still makes the session cookie Secure.
    pages = _pages(public_server.url, org, host=ATTACKER, secure=True)
    assert f'<code class="pd-webhook-url">{pd_url}</code>' in pages["/settings/alerts"]
    assert snapper_url in pages["/settings/snapper"]
    assert (
        f'<code class="receiver-url">{PUBLIC}{receiver_path}</code>'
        in pages["/settings/integrations"]
    )
    assert f'<code id="server-url">{PUBLIC}</code>' in pages["/extension"]
    assert f"{PUBLIC}/api/v1/shadow/events" in pages["/extension"]
    for path, html in pages.items():
        assert ATTACKER not in html, path
        assert "127.0.0.1" not in html, path
        assert HINT not in html and WARNING not in html, path


def test_without_it_the_url_is_derived_from_the_request_and_the_page_says_how_to_set_it(
    live_server, session_factory
) -> None:
    org = create_org(session_factory)
    made = _setup(live_server.url, org)
    # No public URL: the API gives the path only (a request's address is no address for PagerDuty).
    assert made["channel"]["webhook_url"] is None and made["source"]["webhook_url"] is None
    assert made["integration"]["receiver"]["url"] is None
    assert made["channel"]["webhook_path"].endswith("/pagerduty-webhook")

    pages = _pages(live_server.url, org)
    ch_id = made["channel"]["id"]
    assert (
        f"{live_server.url}/api/v1/alerts/channels/{ch_id}/pagerduty-webhook"
        in pages["/settings/alerts"]
    )
    assert f"{live_server.url}/api/v1/enforcement/snapper/" in pages["/settings/snapper"]
    assert f'<code id="server-url">{live_server.url}</code>' in pages["/extension"]
    for path, html in pages.items():
        assert HINT in html and "THREATVEC_PUBLIC_URL" in html, path
        assert "derived from the address this page was requested at" in html, path


def test_a_plain_http_public_url_off_loopback_is_warned_about_on_the_pages(
    plain_http_server, session_factory
) -> None:
    org = create_org(session_factory)
    _setup(plain_http_server.url, org)
    pages = _pages(plain_http_server.url, org)
    assert "http://tv.internal.example/api/v1/alerts/channels/" in pages["/settings/alerts"]
    for path, html in pages.items():
        assert WARNING in html and "unencrypted" in html, path
        assert HINT not in html, path
