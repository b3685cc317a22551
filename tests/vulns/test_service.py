"""Patch service on a real database: lists, filters, sorts, stats, the status workflow, SLA."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from tests.conftest import create_org, make_migrated_engine, new_database_url
from tests.vulns.conftest import osv_advisory
from threatvec.core.clock import pinned
from threatvec.core.errors import Conflict, InvalidInput, NotFound
from threatvec.core.pagination import PageParams
from threatvec.signals.models import Signal
from threatvec.store.engine import make_session_factory, session_scope
from threatvec.vulns import demo, service
from threatvec.vulns.exposures import NEW_CRITICAL_SIGNAL
from threatvec.vulns.ingest import store_nvd_records
from threatvec.vulns.models import CveExposure
from threatvec.vulns.nvd import parse_cve
from threatvec.vulns.schemas import PatchStatusUpdate
from threatvec.vulns.stack_service import import_stack

# Their own databases follow THREATVEC_TEST_BACKEND: run them in the PostgreSQL pass too.
pytestmark = pytest.mark.db
DEMO_IDS = {c.cve_id for c in demo.DEMO_CVES}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    # A database of its own, so the demo org sees exactly the demo CVEs.
    engine = make_migrated_engine(new_database_url(tmp_path_factory.mktemp("vulns-svc")))
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def demo_org(store):
    org = create_org(store)
    with session_scope(store) as s:
        demo.seed(session=s, org_id=org.id)
    return org


def _list(s, org_id: str, sort: str | None = None, limit: int = 100, **kw):
    rows, cursor = service.list_page(
        session=s,
        org_id=org_id,
        page=PageParams(limit=limit, sort=sort),
        filters=service.PatchFilters(**kw),
    )
    return rows, cursor


def test_default_list_is_relevant_cves_by_priority_with_components(store, demo_org) -> None:
    with session_scope(store) as s:
        rows, cursor = _list(s, demo_org.id)
        assert cursor is None
        ids = {r.cve_id for r in rows}
        # xz and runc are neither AI software nor in the demo stack; TorchServe is AI.
        assert "CVE-2024-3094" not in ids and "CVE-2024-21626" not in ids
        assert "CVE-2023-43654" in ids and "CVE-2024-1086" in ids
        prios = [r.priority for r in rows]
        assert prios == sorted(prios, reverse=True)
        for r in rows:
            assert [c.name for c in r.components] == ["cvss", "stack", "epss", "age"]
            assert r.priority == pytest.approx(sum(c.points for c in r.components), abs=0.05)
        linux = next(r for r in rows if r.cve_id == "CVE-2024-1086")
        assert linux.in_stack and linux.stack.level == "version_in_range"
        assert linux.stack.technology == "linux" and linux.stack.version == "6.1.70"
        assert linux.kev and linux.sla.basis == "kev" and linux.sla.overdue
        ssh = _list(s, demo_org.id, scope="all", technology="openssh")[0][0]
        assert ssh.stack.level == "version_outside" and not ssh.in_stack
        everything = {r.cve_id for r in _list(s, demo_org.id, scope="all")[0]}
        assert everything == DEMO_IDS


def test_pagination_walks_every_row_once(store, demo_org) -> None:
    with session_scope(store) as s:
        seen: list[str] = []
        cursor = None
        while True:
            rows, cursor = service.list_page(
                session=s,
                org_id=demo_org.id,
                page=PageParams(limit=4, cursor=cursor, sort="-priority"),
                filters=service.PatchFilters(scope="all"),
            )
            seen += [r.cve_id for r in rows]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == len(DEMO_IDS)


def test_filters_and_sorts(store, demo_org) -> None:
    with session_scope(store) as s:
        org = demo_org.id
        crit = _list(s, org, severity=["CRITICAL"])[0]
        assert crit and {r.severity for r in crit} == {"CRITICAL"}
        assert {r.cve_id for r in _list(s, org, kev=True)[0]} == {
            "CVE-2024-1086",
            "CVE-2023-0386",
            "CVE-2025-3248",
        }
        assert {r.cve_id for r in _list(s, org, technology="Linux Kernel")[0]} == {
            "CVE-2024-1086",
            "CVE-2023-0386",
        }
        assert [r.cve_id for r in _list(s, org, text="regreSSHion", scope="all")[0]] == [
            "CVE-2024-6387"
        ]
        assert {r.status for r in _list(s, org, status=["wont_fix"])[0]} == {"wont_fix"}
        assert all(r.ai_relevant for r in _list(s, org, ai_only=True)[0])
        stack = _list(s, org, stack_only=True)[0]
        assert stack and all(r.in_stack for r in stack)
        overdue = _list(s, org, overdue=True)[0]
        assert overdue and all(
            r.sla.overdue and r.status in ("open", "investigating") for r in overdue
        )
        assert not any(
            r.sla.overdue and r.status == "open" for r in _list(s, org, overdue=False)[0]
        )
        by_cvss = [r.cvss_score for r in _list(s, org, sort="-cvss", scope="all")[0]]
        assert by_cvss == sorted(by_cvss, reverse=True) and by_cvss[0] == 10.0
        by_due = [r.sla.due for r in _list(s, org, sort="due")[0]]
        assert by_due == sorted(by_due)
        by_pub = [r.published for r in _list(s, org, sort="-published")[0]]
        assert by_pub == sorted(by_pub, reverse=True)
        by_epss = [r.epss_percentile or -1 for r in _list(s, org, sort="-epss")[0]]
        assert by_epss == sorted(by_epss, reverse=True)
        with pytest.raises(InvalidInput):
            _list(s, org, sort="severity")


def test_stats_count_the_headlines(store, demo_org) -> None:
    with session_scope(store) as s:
        st = service.stats(session=s, org_id=demo_org.id)
        rows = _list(s, demo_org.id)[0]
        active = [r for r in rows if r.status in ("open", "investigating")]
        assert st.open_critical == sum(r.severity == "CRITICAL" for r in active)
        assert st.overdue == sum(r.sla.overdue for r in active)
        assert st.kev == sum(r.kev for r in active) == 3
        assert st.in_stack == sum(r.in_stack for r in active)
        assert st.relevant == len(rows) and st.total == len(DEMO_IDS)
        assert st.stack_entries == 10


def test_status_workflow_records_who_and_when_and_stops_the_clock(store, demo_org) -> None:
    org = demo_org.id
    other = create_org(store)
    with session_scope(store) as s:
        d = service.update_status(
            session=s,
            org_id=org,
            patch_id="cve-2024-1561",
            data=PatchStatusUpdate(status="investigating"),
            actor="ann",
        )
        assert d.status == "investigating" and d.history[-1].changed_by == "ann"
        with pytest.raises(Conflict):
            service.update_status(
                session=s,
                org_id=org,
                patch_id="CVE-2024-1561",
                data=PatchStatusUpdate(status="deployed"),
                actor="ann",
            )
        d = service.update_status(
            session=s,
            org_id=org,
            patch_id=d.id,
            data=PatchStatusUpdate(status="fixed"),
            actor="ben",
        )
        assert d.sla.clock_stopped and "clock stopped" in d.sla.reason
        d = service.update_status(
            session=s,
            org_id=org,
            patch_id=d.id,
            data=PatchStatusUpdate(status="deployed"),
            actor="ben",
        )
        assert [(h.from_status, h.to_status) for h in d.history] == [
            ("open", "investigating"),
            ("investigating", "fixed"),
            ("fixed", "deployed"),
        ]
        assert d.cve.cve_id == "CVE-2024-1561" and d.cve.cvss.score == 7.5
        with pytest.raises(NotFound):
            service.get_detail(session=s, org_id=other.id, patch_id=d.id)
    with pytest.raises(ValidationError):
        PatchStatusUpdate(status="wont_fix")
    with pytest.raises(ValidationError):
        PatchStatusUpdate(status="open", expires_on=date(2030, 1, 1))


def test_wont_fix_expiry_reopens_and_restarts_the_clock(store, demo_org) -> None:
    org = demo_org.id
    today = datetime.now(UTC).date()
    with session_scope(store) as s:
        with pytest.raises(InvalidInput):
            service.update_status(
                session=s,
                org_id=org,
                patch_id="CVE-2023-1177",
                data=PatchStatusUpdate(status="wont_fix", justification="x", expires_on=today),
                actor="ann",
            )
        d = service.update_status(
            session=s,
            org_id=org,
            patch_id="CVE-2023-1177",
            actor="ann",
            data=PatchStatusUpdate(
                status="wont_fix",
                justification="MLflow is air-gapped",
                expires_on=today + timedelta(days=10),
            ),
        )
        assert d.justification == "MLflow is air-gapped" and d.sla.clock_stopped
        assert service.reopen_expired(session=s, org_id=org, today=today) == 0
        assert service.reopen_expired(session=s, org_id=org, today=today + timedelta(days=10)) == 1
        d = service.get_detail(session=s, org_id=org, patch_id="CVE-2023-1177")
        assert d.status == "open" and not d.sla.clock_stopped
        assert d.history[-1].changed_by == "system" and "expired" in d.history[-1].justification


def test_sla_clock_starts_when_the_cve_first_affects_the_org(store, nvd_raw) -> None:
    org = create_org(store)
    linux = next(c for c in nvd_raw if c["id"] == "CVE-2024-1086")
    t1 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with pinned(t1), session_scope(store) as s:
        store_nvd_records(s, [parse_cve(linux)], org_ids=[org.id])
        x = s.scalar(
            select(CveExposure).where(
                CveExposure.org_id == org.id, CveExposure.cve_id == "CVE-2024-1086"
            )
        )
        assert not x.relevant  # a kernel CVE, and no stack yet
    t2 = t1 + timedelta(days=10)
    with pinned(t2), session_scope(store) as s:
        res = import_stack(session=s, org_id=org.id, data=b"technology,version\nlinux,6.1.70\n")
        assert res.imported == 1
        d = service.get_detail(session=s, org_id=org.id, patch_id="CVE-2024-1086")
        assert d.in_stack and d.sla.starts == t2.date()
        sig = s.scalars(
            select(Signal).where(Signal.org_id == org.id, Signal.kind == NEW_CRITICAL_SIGNAL)
        ).all()
        # HIGH, not CRITICAL: no new-critical signal for the kernel CVE.
        assert not sig


def test_new_critical_in_stack_publishes_a_signal(store, demo_org) -> None:
    with session_scope(store) as s:
        kinds = s.scalars(
            select(Signal.data).where(
                Signal.org_id == demo_org.id, Signal.kind == NEW_CRITICAL_SIGNAL
            )
        ).all()
        assert {k["cve_id"] for k in kinds} >= {"CVE-2025-32434", "CVE-2023-29374"}
        assert all(k["severity"] == "CRITICAL" for k in kinds)


def test_in_stack_ai_cves_for_the_red_team(store, demo_org) -> None:
    with session_scope(store) as s:
        rows = service.in_stack_ai_cves(session=s, org_id=demo_org.id, since_days=20 * 365)
        assert rows and all(
            r.ai_relevant and r.in_stack and r.status in ("open", "investigating") for r in rows
        )
        assert "CVE-2024-1086" not in {r.cve_id for r in rows}  # in stack, not AI
        assert "CVE-2025-32434" in {r.cve_id for r in rows}


def test_stack_delete_and_replace_rescore(store, demo_org) -> None:
    with session_scope(store) as s:
        res = import_stack(
            session=s,
            org_id=demo_org.id,
            data=b"pytorch==2.6.0\n",
            fmt="requirements",
            replace=True,
        )
        assert res.entries == 1
        d = service.get_detail(session=s, org_id=demo_org.id, patch_id="CVE-2025-32434")
        assert d.stack.level == "version_outside" and not d.in_stack
        assert (
            service.get_detail(session=s, org_id=demo_org.id, patch_id="CVE-2024-1086").stack.level
            == "none"
        )


def test_demo_seed_is_safe_twice(store, demo_org, tmp_path: Path) -> None:
    second = create_org(store)
    with session_scope(store) as s:
        demo.seed(session=s, org_id=second.id)
        again = service.stats(session=s, org_id=demo_org.id)
        assert again.total == len(DEMO_IDS)


def test_a_rejected_cve_is_not_in_the_stack_and_raises_no_signal(store, nvd_raw) -> None:
    """A CVE its CNA rejected, still aliased by a package advisory: not a finding."""
    import copy

    from threatvec.vulns.ingest import store_osv
    from threatvec.vulns.osv import parse_osv

    org = create_org(store)
    rejected = copy.deepcopy(next(c for c in nvd_raw if c["id"] == "CVE-2023-36258"))
    rejected["id"] = "CVE-2023-99258"  # not the demo's copy of the same CVE
    rejected["vulnStatus"] = "Rejected"
    rejected["configurations"] = []
    rejected["descriptions"] = [
        {"lang": "en", "value": "Rejected reason: This CVE ID has been rejected or withdrawn."}
    ]
    advisory = osv_advisory("GHSA-test-rej1", rejected["id"], "langchain", "0.0.236")
    with session_scope(store) as s:
        import_stack(session=s, org_id=org.id, data=b"langchain==0.0.200\n", fmt="requirements")
        store_nvd_records(s, [parse_cve(rejected)], org_ids=[org.id])
        store_osv(s, [parse_osv(advisory)], org_ids=[org.id])
    with session_scope(store) as s:
        d = service.get_detail(session=s, org_id=org.id, patch_id=rejected["id"])
        assert not d.in_stack
        rows, _ = _list(s, org.id, stack_only=True, scope="all")
        assert rejected["id"] not in {r.cve_id for r in rows}
        sig = s.scalars(
            select(Signal.data).where(Signal.org_id == org.id, Signal.kind == NEW_CRITICAL_SIGNAL)
        ).all()
        assert rejected["id"] not in {k["cve_id"] for k in sig}


def test_age_points_come_from_the_cves_publication_date(store, demo_org) -> None:
    """Age is "days since publication" (help page): a CVE public for years has the full 10."""
    with session_scope(store) as s:
        rows, _ = _list(s, demo_org.id, scope="all")
        by_id = {r.cve_id: r for r in rows}
        for r in rows:
            age = next(c for c in r.components if c.name == "age")
            if r.sla.overdue:
                assert age.points == 10.0
                continue
            assert "published" in age.reason, age.reason
            days = int(age.reason.split("published ", 1)[1].split(" ", 1)[0])
            assert age.points == round(min(days / r.sla.window_days, 1.0) * 10, 1)
        assert any(
            "published" in next(c for c in r.components if c.name == "age").reason
            for r in by_id.values()
        )


def test_severity_none_filter_counts_what_stats_counts(store, nvd_raw) -> None:
    # stats.by_severity reports unscored ("Awaiting Analysis") CVEs as NONE; the
    # list's severity=NONE filter found none of them (it compared with the text 'NONE').
    org = create_org(store)
    with session_scope(store) as s:
        store_nvd_records(s, [parse_cve(c) for c in nvd_raw], org_ids=[org.id])
        by_sev = service.stats(session=s, org_id=org.id).by_severity
        assert by_sev.get("NONE", 0) > 0
        for sev, n in by_sev.items():
            f = service.PatchFilters(severity=[sev], status=["open", "investigating"])
            assert service.count(session=s, org_id=org.id, filters=f) == n, sev
            rows, _ = service.list_page(
                session=s, org_id=org.id, page=PageParams(limit=100), filters=f
            )
            assert len(rows) == n, sev
