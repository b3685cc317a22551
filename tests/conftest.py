"""Shared fixtures: a real database (SQLite file or PostgreSQL), the app, orgs, live servers.

Backend: THREATVEC_TEST_BACKEND=postgres uses THREATVEC_TEST_DATABASE_URL (an
admin URL); every test session creates its own database there. Tests that use
the database are marked `db` automatically, so the PostgreSQL pass runs them.
Tests are isolated by organisation: each test gets a fresh org and key.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from threatvec.core.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("THREATVEC_SHARED_DATA", REPO.parent / "shared" / "data"))
OUTPUT = REPO / "test-output"
DB_FIXTURES = {
    "engine",
    "db_url",
    "app",
    "client",
    "org",
    "api",
    "live_server",
    "session_factory",
    "fresh_app",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "db: uses the database (runs on SQLite and PostgreSQL)")


def backend() -> str:
    return os.environ.get("THREATVEC_TEST_BACKEND", "sqlite")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _create_pg_database(admin_url: str) -> tuple[str, Engine]:
    name = f"tv_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, admin


def new_database_url(tmp_dir: Path) -> str:
    """A brand-new empty database on the active backend."""
    if backend() == "postgres":
        admin = os.environ.get("THREATVEC_TEST_DATABASE_URL")
        if not admin:
            pytest.fail("THREATVEC_TEST_BACKEND=postgres needs THREATVEC_TEST_DATABASE_URL")
        url, _ = _create_pg_database(admin)
        return url
    return f"sqlite:///{tmp_dir / f'tv-{uuid.uuid4().hex[:8]}.db'}"


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return new_database_url(tmp_path_factory.mktemp("db"))


def make_migrated_engine(url: str) -> Engine:
    from threatvec.store.engine import make_engine
    from threatvec.store.migrate import upgrade
    from threatvec.store.models import load_all_models

    load_all_models()
    engine = make_engine(url)
    upgrade(engine)
    return engine


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_migrated_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def session_factory(engine: Engine) -> sessionmaker[Session]:
    from threatvec.store.engine import make_session_factory

    return make_session_factory(engine)


def settings_for_tests(data_dir: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "data_dir": data_dir,
        "scheduler_enabled": False,
        "secret_key": "test-secret-key-" + "x" * 32,
        "allow_private_outbound": True,
    }
    base.update(overrides)
    return Settings(**base)


@pytest.fixture(scope="session")
def app(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from threatvec.server.app import create_app

    app = create_app(settings_for_tests(tmp_path_factory.mktemp("data")), engine=engine)
    app.state.sse_heartbeat_s = 0.5
    return app


@pytest.fixture(scope="session")
def client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


class OrgHandle:
    def __init__(self, org_id: str, name: str, key: str) -> None:
        self.id, self.name, self.key = org_id, name, key

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Org-Key": self.key}


def csrf_token(html: str, marker: str = 'name="csrf" value="') -> str:
    """The CSRF token a dashboard page carries (a form field, or ``data-csrf="`` on <body>)."""
    return html.split(marker)[1].split('"')[0]


def dashboard_login(client: Any, key: str) -> None:
    """Sign a TestClient in to the dashboard with an org key, as the login form does."""
    token = csrf_token(client.get("/login").text)
    r = client.post("/login", data={"org_key": key, "csrf": token}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]


def create_org(factory: sessionmaker[Session], name: str | None = None) -> OrgHandle:
    from threatvec.orgs import service as orgs
    from threatvec.store.engine import session_scope

    name = name or f"org-{uuid.uuid4().hex[:10]}"
    with session_scope(factory) as session:
        org, key = orgs.create_org(session=session, name=name)
        return OrgHandle(org.id, name, key)


@pytest.fixture
def org(session_factory: sessionmaker[Session]) -> OrgHandle:
    return create_org(session_factory)


class Api:
    """A TestClient bound to one org's key: api.get("/assets") → GET /api/v1/assets."""

    def __init__(self, client: Any, org: OrgHandle) -> None:
        self.client, self.org = client, org

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self.org.headers, **kwargs.pop("headers", {})}
        passthrough = ("/api/", "/v1/", "/healthz", "/metrics")
        url = path if path.startswith(passthrough) else "/api/v1" + path
        return self.client.request(method, url, headers=headers, **kwargs)

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Any:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> Any:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)


@pytest.fixture
def api(client: Any, org: OrgHandle) -> Api:
    return Api(client, org)


class LiveServer:
    def __init__(self, app: Any, port: int) -> None:
        import uvicorn

        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real server over real HTTP on 127.0.0.1 (its own app on the shared database)."""
    from threatvec.server.app import create_app

    app = create_app(settings_for_tests(tmp_path_factory.mktemp("live")), engine=engine)
    app.state.sse_heartbeat_s = 0.5
    server = LiveServer(app, free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def fresh_app(tmp_path: Path) -> Any:
    """An app on its own brand-new database (for keyless-mode and startup tests)."""
    from threatvec.server.app import create_app

    def build(**overrides: Any) -> Any:
        engine = make_migrated_engine(new_database_url(tmp_path))
        return create_app(settings_for_tests(tmp_path, **overrides), engine=engine)

    return build


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA}")
    return SHARED_DATA
