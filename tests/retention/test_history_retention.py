"""History retention on the real database: red-team runs and cycles with their rows, MCP
scan reports and tech-stack import jobs older than the window go; the window, active rows,
the latest rows readers show and every row something still refers to stay."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import Api, create_org
from tests.deletes import deletes
from threatvec.agents.models import Agent
from threatvec.compliance.facts import OrgFacts
from threatvec.core.clock import utcnow
from threatvec.jobs.registry import load_all_jobs
from threatvec.jobs.runner import run_job
from threatvec.mcp.models import McpScan, McpServer, McpSnapshot
from threatvec.redteam import service as redteam
from threatvec.redteam.models import (
    AtlasImport,
    RedTeamCycle,
    RedTeamCycleOutcome,
    RedTeamResult,
    RedTeamRun,
)
from threatvec.retention import history
from threatvec.store.engine import session_scope
from threatvec.vulns.models import StackImportJob

pytestmark = pytest.mark.db

DAY = timedelta(days=1)
TABLES = history.HISTORY_TABLES
MODELS: dict[str, Any] = {
    "redteam_cycle_outcomes": RedTeamCycleOutcome,
    "redteam_cycles": RedTeamCycle,
    "redteam_results": RedTeamResult,
    "redteam_runs": RedTeamRun,
    "mcp_scans": McpScan,
    "tech_stack_import_jobs": StackImportJob,
}
RESULTS_PER_RUN = 3


@dataclass
class Seeded:
    """One org's history rows by table: the ids that must go and the ids that must stay."""

    org_id: str
    agents: list[str] = field(default_factory=list)
    old: dict[str, set[str]] = field(default_factory=lambda: {t: set() for t in TABLES})
    kept: dict[str, set[str]] = field(default_factory=lambda: {t: set() for t in TABLES})


class _Seeder:
    def __init__(self, s: Session, seeded: Seeded, now: datetime) -> None:
        self.s, self.seeded, self.now = s, seeded, now

    def _add(self, row: Any, keep: bool) -> Any:
        self.s.add(row)
        self.s.flush()
        (self.seeded.kept if keep else self.seeded.old)[row.__tablename__].add(row.id)
        return row

    def run(
        self, agent: str, age: float, keep: bool, *, status: str = "completed", cycle: str = ""
    ) -> RedTeamRun:
        at = self.now - age * DAY
        done = status not in ("queued", "running")
        run = self._add(
            RedTeamRun(
                org_id=self.seeded.org_id,
                agent_id=agent,
                agent_name=agent,
                kind="cycle" if cycle else "agentbench",
                mode="cycle" if cycle else "quick",
                status=status,
                cycle_id=cycle or None,
                created_at=at,
                started_at=at,
                finished_at=at + timedelta(minutes=5) if done else None,
            ),
            keep,
        )
        for i in range(RESULTS_PER_RUN):
            self._add(
                RedTeamResult(
                    org_id=self.seeded.org_id,
                    run_id=run.id,
                    agent_id=agent,
                    position=i,
                    probe_id=f"probe-{i}",
                    family="prompt_injection",
                    category="injection",
                    title="probe",
                    channel="direct",
                    severity="high",
                    verdict="PASS" if i else "FAIL",
                    atlas=["AML.T0051"],
                    owasp=["LLM01"],
                    created_at=at + timedelta(minutes=1),
                ),
                keep,
            )
        return run

    def cycle(
        self,
        agent: str,
        age: float,
        keep: bool,
        *,
        status: str = "completed",
        suggestion: bool = False,
    ) -> RedTeamCycle:
        at = self.now - age * DAY
        done = status not in ("queued", "running")
        cycle = self._add(
            RedTeamCycle(
                org_id=self.seeded.org_id,
                status=status,
                created_at=at,
                started_at=at,
                finished_at=at + DAY / 24 if done else None,
            ),
            keep,
        )
        run = self.run(agent, age, keep, cycle=cycle.id, status=status)
        for cve, prov in (
            ("CVE-2025-0001", {}),
            ("CVE-2025-0002", {"suggestion": {"state": "approved"}} if suggestion else {}),
        ):
            self._add(
                RedTeamCycleOutcome(
                    org_id=self.seeded.org_id,
                    cycle_id=cycle.id,
                    agent_id=agent,
                    cve_id=cve,
                    status="unmapped" if prov else "tested",
                    run_id=None if prov else run.id,
                    provenance=prov,
                    created_at=at,
                ),
                keep,
            )
        return cycle

    def scan(self, age: float, keep: bool) -> McpScan:
        return self._add(McpScan(org_id=self.seeded.org_id, received_at=self.now - age * DAY), keep)

    def import_job(self, age: float, keep: bool, status: str = "completed") -> StackImportJob:
        at = self.now - age * DAY
        done = status not in ("queued", "running")
        return self._add(
            StackImportJob(
                org_id=self.seeded.org_id,
                status=status,
                created_at=at,
                finished_at=at if done else None,
            ),
            keep,
        )


def _seed(factory: sessionmaker[Session], org_id: str, now: datetime) -> Seeded:
    seeded = Seeded(org_id)
    with session_scope(factory) as s:
        agents = [Agent(org_id=org_id, name=f"agent-{i}") for i in (1, 2)]
        s.add_all(agents)
        s.flush()
        seeded.agents = [a.id for a in agents]
        a1, a2 = seeded.agents
        add = _Seeder(s, seeded, now)
        # agent-1: two runs past the 400 days, two inside (one a day short of the cutoff)
        for age, keep in ((700, False), (401, False), (399, True), (3, True)):
            add.run(a1, age, keep)
        add.run(a1, 650, True, status="running")  # active: stays, however old
        add.run(a2, 600, True)  # agent-2's last run: its summary shows it
        add.cycle(a1, 700, False)  # with its run, the run's results and its outcomes
        add.cycle(a1, 500, True, suggestion=True)  # an approved mapping rule lives on it
        add.cycle(a1, 650, True, status="running")
        add.cycle(a1, 10, True)
        for age, keep in ((700, False), (401, False), (3, True)):
            add.scan(age, keep)
        named = add.scan(600, True)  # a snapshot names it
        server = McpServer(
            org_id=org_id, identity_key=f"k-{org_id[:8]}", name="files", transport="stdio"
        )
        s.add(server)
        s.flush()
        s.add(
            McpSnapshot(
                org_id=org_id,
                server_id=server.id,
                server_hash="h",
                scan_id=named.id,
                created_at=now - 600 * DAY,
            )
        )
        add.import_job(700, False)
        add.import_job(650, True, status="running")  # never a running one
        add.import_job(500, True)  # the org's latest, whatever its age
    return seeded


def _remaining(factory: sessionmaker[Session], org_id: str) -> dict[str, set[str]]:
    with factory() as s:
        return {
            name: set(s.scalars(select(model.id).where(model.org_id == org_id)))
            for name, model in MODELS.items()
        }


def _dangling(factory: sessionmaker[Session], org_id: str) -> list[str]:
    """References to rows that no longer exist (the org's rows only)."""
    ids = _remaining(factory, org_id)
    out: list[str] = []
    with factory() as s:
        for run_id in s.scalars(select(RedTeamResult.run_id).where(RedTeamResult.org_id == org_id)):
            if run_id not in ids["redteam_runs"]:
                out.append(f"result -> run {run_id}")
        for c in s.scalars(select(RedTeamRun.cycle_id).where(RedTeamRun.org_id == org_id)):
            if c is not None and c not in ids["redteam_cycles"]:
                out.append(f"run -> cycle {c}")
        rows = s.execute(
            select(RedTeamCycleOutcome.cycle_id, RedTeamCycleOutcome.run_id).where(
                RedTeamCycleOutcome.org_id == org_id
            )
        )
        for cycle_id, run_id in rows:
            if cycle_id not in ids["redteam_cycles"]:
                out.append(f"outcome -> cycle {cycle_id}")
            if run_id is not None and run_id not in ids["redteam_runs"]:
                out.append(f"outcome -> run {run_id}")
        for scan in s.scalars(select(McpSnapshot.scan_id).where(McpSnapshot.org_id == org_id)):
            if scan is not None and scan not in ids["mcp_scans"]:
                out.append(f"snapshot -> scan {scan}")
    return out


def test_old_history_goes_in_small_batches_and_what_is_kept_stays(session_factory) -> None:
    now = utcnow()
    org = create_org(session_factory)
    seeded = _seed(session_factory, org.id, now)

    with session_factory() as s, deletes(s) as batches:
        counts = history.prune_history(
            session=s, org_id=org.id, keep_days=400, batch_size=2, now=now
        )

    assert _remaining(session_factory, org.id) == seeded.kept
    assert counts == {name: len(seeded.old[name]) for name in TABLES}
    assert all(counts.values()), counts
    assert _dangling(session_factory, org.id) == []
    # Each DELETE is committed before the next, and none removes more than a batch.
    per_transaction = "".join("c" if n == 0 else "d" for n in batches)
    assert "dd" not in per_transaction and max(batches) <= 2, batches
    assert sum(batches) == sum(counts.values())

    with session_factory() as s:
        again = history.prune_history(session=s, org_id=org.id, keep_days=400, now=now)
    assert again == dict.fromkeys(TABLES, 0)
    assert _remaining(session_factory, org.id) == seeded.kept


def test_an_orgs_prune_never_touches_another_orgs_rows(session_factory) -> None:
    now = utcnow()
    org, other = create_org(session_factory), create_org(session_factory)
    mine = _seed(session_factory, org.id, now)
    theirs = _seed(session_factory, other.id, now)

    with session_factory() as s:
        history.prune_history(session=s, org_id=org.id, keep_days=400, now=now)

    assert _remaining(session_factory, org.id) == mine.kept
    everything = {name: theirs.old[name] | theirs.kept[name] for name in TABLES}
    assert _remaining(session_factory, other.id) == everything


def test_a_run_that_finished_inside_the_window_stays_though_it_started_before(
    session_factory,
) -> None:
    """A run is dated by its start, but one that finished inside the window stays."""
    now = utcnow()
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        for agent in ("a", "b"):  # the later run of each agent is its last: kept anyway
            s.add(RedTeamRun(org_id=org.id, agent_id=agent, agent_name=agent, mode="quick",
                             status="completed", created_at=now - 100 * DAY))  # fmt: skip
        long = RedTeamRun(org_id=org.id, agent_id="a", agent_name="a", mode="full",
                          status="cancelled", created_at=now - 420 * DAY,
                          finished_at=now - 390 * DAY)  # fmt: skip
        short = RedTeamRun(org_id=org.id, agent_id="b", agent_name="b", mode="full",
                           status="failed", created_at=now - 420 * DAY,
                           finished_at=now - 419 * DAY)  # fmt: skip
        s.add_all([long, short])
        s.flush()
        long_id, short_id = long.id, short.id
    with session_factory() as s:
        counts = history.prune_history(session=s, org_id=org.id, keep_days=400, now=now)
    runs = _remaining(session_factory, org.id)["redteam_runs"]
    assert long_id in runs and short_id not in runs
    assert counts["redteam_runs"] == 1


def _window_reads(factory: sessionmaker[Session], seeded: Seeded, now: datetime) -> dict[str, Any]:
    """What scores, the heatmap, the agent summary and compliance read of the history."""
    org_id, (a1, a2) = seeded.org_id, seeded.agents
    with factory() as s:
        facts = OrgFacts(session=s, org_id=org_id, now=now)
        return {
            "pass_counts": redteam.pass_counts_by_agent(
                session=s, org_id=org_id, agent_ids=seeded.agents
            ),
            "coverage": redteam.coverage_report(session=s, org_id=org_id)[2],
            "agent-1": redteam.agent_summary(session=s, org_id=org_id, agent_id=a1),
            "agent-2": redteam.agent_summary(session=s, org_id=org_id, agent_id=a2),
            # The counts of all stored runs and scans are the only all-time reads: they
            # now count what the window keeps (docs/configuration.md).
            "redteam": replace(facts.redteam, completed_runs=0),
            "mcp": replace(facts.mcp, scans=0),
        }


def test_what_readers_show_inside_the_window_is_the_same_after_a_prune(session_factory) -> None:
    now = utcnow()
    org = create_org(session_factory)
    seeded = _seed(session_factory, org.id, now)
    before = _window_reads(session_factory, seeded, now)
    # 30 days: the 3-day run and the 10-day cycle's run, 2 PASS and 1 FAIL each
    assert before["pass_counts"][seeded.agents[0]] == (4, 2)
    assert before["agent-2"]["last_run"] is not None
    assert before["mcp"].last_scan_at is not None

    with session_factory() as s:
        counts = history.prune_history(session=s, org_id=org.id, keep_days=400, now=now)
    assert sum(counts.values()) > 0

    assert _window_reads(session_factory, seeded, now) == before


def test_keep_days_below_one_deletes_nothing(session_factory) -> None:
    org = create_org(session_factory)
    seeded = _seed(session_factory, org.id, utcnow())
    with session_factory() as s, pytest.raises(ValueError, match="keep_days"):
        history.prune_history(session=s, org_id=org.id, keep_days=0)
    everything = {name: seeded.old[name] | seeded.kept[name] for name in TABLES}
    assert _remaining(session_factory, org.id) == everything


def test_atlas_imports_keep_the_newest_of_each_catalogue(session_factory) -> None:
    now = utcnow()

    def imp(matrix: str, age: int) -> str:
        row = AtlasImport(version=f"v{age}", matrix_id=matrix, tactic_count=1,
                          technique_count=1, subtechnique_count=0,
                          imported_at=now - age * DAY)  # fmt: skip
        s.add(row)
        s.flush()
        return row.id

    # ATLAS imports are shared by the whole database: other tests' real imports (made
    # now) may be there too, so judge only the rows added here, and remove them after.
    with session_scope(session_factory) as s:
        before = set(s.scalars(select(AtlasImport.id)))
        gone = {imp("ATLAS", 900), imp("ATLAS", 800), imp("OTHER", 700)}
        kept = {imp("ATLAS", 10), imp("OTHER", 600), imp("ATLAS", 399)}
    try:
        with session_factory() as s:
            deleted = history.prune_atlas_imports(session=s, keep_days=400, now=now)
        with session_factory() as s:
            remaining = set(s.scalars(select(AtlasImport.id)))
            newest = redteam._latest_import(s)
        assert deleted == len(gone) + len({i for i in before if i not in remaining})
        assert kept <= remaining and not gone & remaining
        assert newest is not None
        assert newest.version == "v10" or newest.id in before  # a real import made since
    finally:
        with session_scope(session_factory) as s:
            s.execute(delete(AtlasImport).where(AtlasImport.id.in_(kept | gone)))


def test_the_job_prunes_each_org_by_the_setting_and_keeps_its_counts(
    client, session_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = utcnow()
    org, other = create_org(session_factory), create_org(session_factory)
    mine, theirs = _seed(session_factory, org.id, now), _seed(session_factory, other.id, now)
    job = load_all_jobs()["retention.prune_history"]
    assert job.per_org and job.interval_s == 3600
    monkeypatch.delenv("THREATVEC_EVENTS_KEEP_DAYS", raising=False)

    runs = run_job(session_factory, job, trigger="api", org_id=org.id)
    assert runs is not None and runs[0].outcome == "ok"
    expected = {name: len(mine.old[name]) for name in TABLES}
    assert runs[0].detail == {
        "keep_days": 400,
        "deleted": expected,
        "total": sum(expected.values()),
    }
    assert _remaining(session_factory, org.id) == mine.kept
    everything = {name: theirs.old[name] | theirs.kept[name] for name in TABLES}
    assert _remaining(session_factory, other.id) == everything
    r = Api(client, org).get("/jobs/runs", params={"job": "retention.prune_history"})
    assert r.status_code == 200, r.text
    assert [i["result"] for i in r.json()["items"]] == [runs[0].detail]

    # The same setting as the raw events, read at each run: 30 days keeps only the
    # 3-day run and the 10-day cycle of agent-1 besides what is kept whatever its age.
    monkeypatch.setenv("THREATVEC_EVENTS_KEEP_DAYS", "30")
    runs = run_job(session_factory, job, trigger="api", org_id=org.id)
    assert runs is not None and runs[0].detail["keep_days"] == 30
    assert runs[0].detail["deleted"]["redteam_runs"] == 1  # the 399-day-old run
    assert _dangling(session_factory, org.id) == []
