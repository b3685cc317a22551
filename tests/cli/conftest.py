"""A database the real `threatvec` command and the real API share, for CLI-vs-API tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import (
    Api,
    OrgHandle,
    create_org,
    make_migrated_engine,
    new_database_url,
    settings_for_tests,
)

THREATVEC = [sys.executable, "-m", "threatvec.cli"]


@dataclass
class CliStore:
    env: dict[str, str]
    client: Any  # a TestClient on an app over the same database
    factory: sessionmaker[Session]

    def run(self, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*THREATVEC, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def org(self, name: str | None = None) -> tuple[OrgHandle, Api]:
        handle = create_org(self.factory, name)
        return handle, Api(self.client, handle)


@pytest.fixture
def cli_store(tmp_path: Path) -> Iterator[CliStore]:
    from fastapi.testclient import TestClient

    from threatvec.server.app import create_app
    from threatvec.store.engine import make_session_factory

    url = new_database_url(tmp_path)
    engine = make_migrated_engine(url)
    settings = settings_for_tests(tmp_path / "data")
    assert settings.secret_key is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THREATVEC_", "ORG_KEY"))}
    env.update(
        {
            "THREATVEC_DATA_DIR": str(tmp_path / "data"),
            "THREATVEC_DATABASE_URL": url,
            # the server's key, so the command can decrypt the secrets the API stored
            "THREATVEC_SECRET_KEY": settings.secret_key.get_secret_value(),
            "THREATVEC_ALLOW_PRIVATE_OUTBOUND": "true",
        }
    )
    app = create_app(settings, engine=engine)
    try:
        with TestClient(app) as client:  # its startup creates the default org
            yield CliStore(env, client, make_session_factory(engine))
    finally:
        engine.dispose()
