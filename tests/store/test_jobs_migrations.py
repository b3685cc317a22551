"""jobs_0002, jobs_0003 (job_runs lookup indexes) on a database holding runs: up, down, up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, Table, inspect, text

from tests.conftest import new_database_url
from threatvec.store.engine import make_engine
from threatvec.store.migrate import alembic_config, upgrade

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def _indexes(engine: Engine) -> dict[str, list[str]]:
    return {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("job_runs")}


@pytest.mark.db
def test_lookup_indexes_keep_the_runs_and_downgrade_cleanly(tmp_path: Path) -> None:
    engine = make_engine(new_database_url(tmp_path))
    try:
        upgrade(engine, "jobs_0001")
        assert "ix_job_runs_job" in _indexes(engine)
        with engine.begin() as conn:
            runs = Table("job_runs", MetaData(), autoload_with=conn)
            conn.execute(
                runs.insert(),
                [{"id": "r1", "job": "vulns.kev_sync", "started_at": NOW, "outcome": "ok",
                  "detail": {}, "trigger": "schedule"}],
            )  # fmt: skip

        upgrade(engine)
        indexes = _indexes(engine)
        assert indexes["ix_job_runs_job_started"] == ["job", "started_at"]
        assert indexes["ix_job_runs_job_outcome_started"] == ["job", "outcome", "started_at"]
        assert indexes["ix_job_runs_org_started"] == ["org_id", "started_at"]
        assert not {"ix_job_runs_job", "ix_job_runs_org_id"} & set(indexes)

        _downgrade(engine, "jobs_0001")
        indexes = _indexes(engine)
        assert indexes["ix_job_runs_job"] == ["job"] and indexes["ix_job_runs_org_id"] == ["org_id"]
        new = {
            "ix_job_runs_job_started",
            "ix_job_runs_job_outcome_started",
            "ix_job_runs_org_started",
        }
        assert not new & set(indexes)

        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id FROM job_runs")).scalars().all() == ["r1"]
        assert "ix_job_runs_job_started" in _indexes(engine)
    finally:
        engine.dispose()
