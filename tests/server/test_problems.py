"""Errors as RFC 9457 problems for the API, and as a small page for a browser on the dashboard."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import create_org

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _login(c: TestClient, key: str) -> None:
    page = c.get("/login")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = c.post("/login", data={"org_key": key, "csrf": token}, follow_redirects=False)
    assert r.status_code == 303


def test_a_browser_gets_a_page_the_api_gets_a_problem(app, session_factory) -> None:
    org = create_org(session_factory)
    bad = "<script>alert(1)</script>" * 20
    with TestClient(app) as c:
        _login(c, org.key)
        page = c.get("/agents", params={"sort": bad}, headers=HTML)
        assert page.status_code == 422
        assert page.headers["content-type"].startswith("text/html")
        assert "Back to the dashboard" in page.text
        assert "<script>" not in page.text and "query.sort" in page.text
        # What the user typed comes back escaped ("CVE <b>x not found").
        echoed = c.get("/vulnerabilities/<b>x", headers=HTML)
        assert echoed.status_code in (404, 422), echoed.text
        assert "&lt;b&gt;x" in echoed.text and "<b>x" not in echoed.text
        missing = c.get("/mcp/servers/no-such-server", headers=HTML)
        assert missing.status_code == 404 and missing.headers["content-type"].startswith(
            "text/html"
        )

        # Without a browser's Accept, and on the API whatever it asks for: problem+json.
        plain = c.get("/agents", params={"sort": bad})
        assert plain.status_code == 422
        assert plain.headers["content-type"] == "application/problem+json"
        api = c.get("/api/v1/agents", params={"sort": bad}, headers={**HTML, **org.headers})
        assert api.status_code == 422
        assert api.headers["content-type"] == "application/problem+json"
        assert api.json()["status"] == 422


def test_a_body_that_is_not_json_says_where_the_parser_stopped(client, session_factory) -> None:
    # FastAPI reports it as loc ["body", 9], which read as a field named "9".
    org = create_org(session_factory)
    r = client.post("/api/v1/mcp/scans", content=b'{"a":\n 1,,}',
                    headers={**org.headers, "content-type": "application/json"})  # fmt: skip
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["errors"] == [{
        "loc": ["body"],
        "msg": "not valid JSON at character 9: Expecting property name enclosed in double quotes",
    }]  # fmt: skip
    assert problem["detail"] == "body: " + problem["errors"][0]["msg"]
    # Other validation errors keep their field path.
    r = client.post("/api/v1/mcp/scans", json={"schema": "threatvec.mcp-scan/1"},
                    headers=org.headers)  # fmt: skip
    assert r.json()["errors"][0]["loc"] == ["body", "servers"]
