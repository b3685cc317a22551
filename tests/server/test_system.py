from __future__ import annotations

from fastapi.testclient import TestClient

from threatvec.core.settings import Settings
from threatvec.server.app import create_app
from threatvec.store.engine import make_engine


def test_healthz_ok_and_headers(client) -> None:
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.status_code == 200 and r.json()["database"] == "ok"
    assert r.headers["x-request-id"] == "abc-123"
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    bad = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert bad.headers["x-request-id"] != "<script>"


def test_healthz_reports_database_down(tmp_path) -> None:
    # A database server that is not there (nothing listens on port 1).
    engine = make_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2}
    )
    settings = Settings(data_dir=tmp_path, scheduler_enabled=False, secret_key="k" * 40)
    app = create_app(settings, engine=engine)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/healthz")
    assert r.status_code == 503
    assert "database unreachable" in r.json()["detail"]


def test_metrics_counts_requests(client, api) -> None:
    api.get("/assets")
    text = client.get("/metrics").text
    assert "# TYPE threatvec_http_requests_total counter" in text
    assert 'route="/api/v1/assets"' in text
    assert "threatvec_http_request_duration_seconds_bucket" in text


def test_unknown_route_and_oversized_body_are_problems(client, api) -> None:
    r = client.get("/api/v1/nope")
    assert r.status_code in (401, 404)
    r = api.get("/nope-nothing-here")
    assert r.status_code == 404 and r.json()["status"] == 404
    r = api.post(
        "/assets",
        content=b"x" * 100,
        headers={"Content-Length": str(50 * 1024 * 1024), "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    problem = r.json()
    assert problem["limit_bytes"] == 20 * 1024 * 1024
    assert "52,428,800 bytes" in problem["detail"] and "20,971,520 bytes" in problem["detail"]
