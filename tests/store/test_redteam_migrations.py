"""redteam_0002 (one active cycle per org, one active AgentBench run per agent) on a database
that already holds duplicates the old check let through."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table, select
from sqlalchemy.exc import IntegrityError

from tests.conftest import new_database_url
from threatvec.redteam.models import RedTeamCycle, RedTeamRun
from threatvec.store.engine import make_engine, make_session_factory
from threatvec.store.migrate import upgrade

NOW = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)


def _cycle(cid: str, org: str, status: str, age_h: int) -> dict[str, object]:
    at = NOW - timedelta(hours=age_h)
    return {
        "id": cid,
        "org_id": org,
        "status": status,
        "trigger": "api",
        "cve_source": "vulns",
        "cve_count": 0,
        "agent_count": 0,
        "summary": {},
        "created_at": at,
        "updated_at": at,
    }


def _run(rid: str, org: str, agent: str, status: str, age_h: int, kind: str = "agentbench"):
    at = NOW - timedelta(hours=age_h)
    return {
        "id": rid,
        "org_id": org,
        "agent_id": agent,
        "agent_name": agent,
        "kind": kind,
        "mode": "quick",
        "status": status,
        "k": 1,
        "progress_done": 0,
        "progress_total": 0,
        "cancel_requested": False,
        "summary": {},
        "created_at": at,
        "updated_at": at,
    }


def _old_rows(engine) -> None:
    """What a server at redteam_0001 could hold after two requests raced past the check."""
    rows = {
        "orgs": [{"id": o, "name": o, "is_default": False, "created_at": NOW}
                 for o in ("o1", "o2")],
        "redteam_cycles": [
            _cycle("c-older", "o1", "running", 3), _cycle("c-old", "o1", "queued", 2),
            _cycle("c-newest", "o1", "running", 1), _cycle("c-done", "o1", "completed", 5),
            _cycle("c-other-org", "o2", "running", 4),
        ],
        "redteam_runs": [
            _run("r-old", "o1", "a1", "running", 2), _run("r-new", "o1", "a1", "queued", 1),
            _run("r-cycle", "o1", "a1", "running", 3, kind="cycle"),
            _run("r-a2", "o1", "a2", "running", 2), _run("r-o2", "o2", "a1", "running", 3),
        ],
    }  # fmt: skip
    with engine.begin() as conn:
        for name, table_rows in rows.items():
            # The table as the database has it at redteam_0001, not as the models say now.
            conn.execute(Table(name, MetaData(), autoload_with=conn).insert(), table_rows)


@pytest.mark.db
def test_older_duplicates_are_ended_with_a_reason_and_the_rule_then_holds(
    tmp_path: Path,
) -> None:
    engine = make_engine(new_database_url(tmp_path))
    try:
        upgrade(engine, "redteam_0001")
        _old_rows(engine)
        upgrade(engine)
        factory = make_session_factory(engine)
        with factory() as s:
            cycles = {c.id: c for c in s.scalars(select(RedTeamCycle))}
            runs = {r.id: r for r in s.scalars(select(RedTeamRun))}
        # The newest active one of each org / agent stays; nothing else is touched.
        assert {k: c.status for k, c in cycles.items()} == {
            "c-older": "failed", "c-old": "failed", "c-newest": "running",
            "c-done": "completed", "c-other-org": "running",
        }  # fmt: skip
        for cid in ("c-older", "c-old"):
            assert cycles[cid].error.startswith("superseded: learning cycle c-newest"), cycles[cid]
            assert cycles[cid].finished_at is not None
        assert cycles["c-done"].error is None and cycles["c-newest"].error is None
        assert {k: r.status for k, r in runs.items()} == {
            "r-old": "cancelled", "r-new": "queued", "r-cycle": "running", "r-a2": "running",
            "r-o2": "running",
        }  # fmt: skip
        assert runs["r-old"].error.startswith("superseded: AgentBench run r-new"), runs["r-old"]
        assert runs["r-old"].cancel_requested and runs["r-old"].finished_at is not None

        # The database now refuses a second active cycle / run, whoever writes it.
        with factory() as s:
            s.add(RedTeamCycle(org_id="o1", status="queued", summary={}))
            with pytest.raises(IntegrityError):
                s.commit()
        with factory() as s:
            s.add(RedTeamRun(org_id="o1", agent_id="a1", agent_name="a1", mode="quick",
                             status="running", summary={}))  # fmt: skip
            with pytest.raises(IntegrityError):
                s.commit()
        with factory() as s:  # ended ones, cycle runs and other agents are not limited
            s.add(RedTeamCycle(org_id="o1", status="completed", summary={}))
            s.add(RedTeamRun(org_id="o1", agent_id="a1", agent_name="a1", mode="cycle",
                             kind="cycle", status="running", summary={}))  # fmt: skip
            s.add(RedTeamRun(org_id="o1", agent_id="a3", agent_name="a3", mode="quick",
                             status="queued", summary={}))  # fmt: skip
            s.commit()
    finally:
        engine.dispose()
