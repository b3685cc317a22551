"""Vulnerabilities page over the real app: the stack import form's format choice."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tests.conftest import Api, create_org, csrf_token, dashboard_login


def _login(c: TestClient, key: str) -> str:
    dashboard_login(c, key)
    return csrf_token(c.get("/vulnerabilities").text)


def _import(c: TestClient, csrf: str, fmt: str) -> int:
    # A requirements file named .csv: detection alone reads it as a CSV without a
    # technology column, so only the chosen format imports it.
    files = {"file": ("stack.csv", b"torch==2.5.1\n", "text/csv")}
    r = c.post("/vulnerabilities/tech-stack", data={"csrf": csrf, "format": fmt}, files=files)
    if r.status_code == 200 and "stack_import=" in str(r.url):
        _wait_for_import(c, str(r.url))  # the import runs as a background job
    return r.status_code


def _wait_for_import(c: TestClient, url: str) -> None:
    """The page the form leads to shows the job until it is done, then its result."""
    deadline = time.monotonic() + 30
    while 'id="stack-import"' in (page := c.get(url).text):
        assert time.monotonic() < deadline, "the import job did not finish"
        time.sleep(0.1)
    assert "Imported 1 new" in page


def test_stack_import_form_uses_the_chosen_format_and_detects_an_unknown_one(
    app, client, session_factory
) -> None:
    org = create_org(session_factory)
    api = Api(client, org)
    with TestClient(app) as c:
        csrf = _login(c, org.key)
        assert _import(c, csrf, "no-such-format") == 422
        assert api.get("/tech-stack").json()["items"] == []
        assert _import(c, csrf, "requirements") == 200
    [entry] = api.get("/tech-stack").json()["items"]
    assert (entry["name"], entry["version"]) == ("torch", "2.5.1")
