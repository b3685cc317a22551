"""Storing what the sources give: NVD records, EPSS scores, KEV entries, OSV advisories.

Every store function is idempotent: a record whose content hash (or values)
did not change is left alone, so re-ingesting the same data changes nothing;
an updated record updates (an *older* copy of a record never overwrites a
newer one). Malformed input is skipped by the parsers and reported by the
caller. After storing, the exposures of the affected CVEs are re-scored for
the given organisations (all of them when ``org_ids`` is None).

:func:`recorded_run` writes a ``job_runs`` record for an ingest started
outside the scheduler (the CLI), so every ingest leaves a run record.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from threatvec.core.clock import utcnow
from threatvec.core.errors import Conflict
from threatvec.jobs.models import JobRun
from threatvec.jobs.runner import end_dead_runs, job_lock
from threatvec.orgs.models import Org
from threatvec.vulns.epss import EpssScore
from threatvec.vulns.exposures import RefreshStats, refresh_exposures
from threatvec.vulns.kev import KevCatalog
from threatvec.vulns.models import (
    Cve,
    CveOsvLink,
    CveProduct,
    EpssRecord,
    KevRecord,
    OsvAdvisoryRecord,
    VulnersRecord,
    VulnSyncState,
)
from threatvec.vulns.nvd import CveRecord, parse_cve, severity_from_score
from threatvec.vulns.osv import OsvAdvisory
from threatvec.vulns.relevance import classify
from threatvec.vulns.stack import cpe_names, normalize_name

__all__ = [
    "IngestStats",
    "get_sync_state",
    "recorded_run",
    "refresh_statistics",
    "rescore_for_orgs",
    "store_epss",
    "store_kev",
    "store_nvd_records",
    "store_osv",
    "vulners_cvss_fallback",
]

_BATCH = 1000

log = logging.getLogger("threatvec.vulns.ingest")


@dataclass
class IngestStats:
    """What one ingest did; ``changed_ids`` are the CVEs whose scores may have moved."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0  # an older copy than the one stored: ignored
    withdrawn: int = 0  # OSV advisories marked withdrawn; stored KEV entries CISA took back
    skipped: list[dict[str, Any]] = field(default_factory=list)
    changed_ids: set[str] = field(default_factory=set)
    exposures: RefreshStats = field(default_factory=RefreshStats)

    def merge(self, other: IngestStats) -> None:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.stale += other.stale
        self.withdrawn += other.withdrawn
        self.skipped.extend(other.skipped)
        self.changed_ids |= other.changed_ids
        for k in ("created", "updated", "unchanged"):
            setattr(self.exposures, k, getattr(self.exposures, k) + getattr(other.exposures, k))
        self.exposures.new_critical.extend(other.exposures.new_critical)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "stale": self.stale,
            "withdrawn": self.withdrawn,
            "skipped": len(self.skipped),
            "skipped_examples": self.skipped[:20],
            "exposures": self.exposures.to_dict(),
        }


def _chunks(items: Sequence[Any], size: int = _BATCH) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _hash(value: Any) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def rescore_for_orgs(
    session: Session, cve_ids: Iterable[str], org_ids: Sequence[str] | None = None
) -> RefreshStats:
    """Re-score the given CVEs for each org (every org when ``org_ids`` is None)."""
    ids = sorted(set(cve_ids))
    total = RefreshStats()
    if not ids:
        return total
    targets = list(org_ids) if org_ids is not None else list(session.scalars(select(Org.id)))
    for org_id in targets:
        s = refresh_exposures(session=session, org_id=org_id, cve_ids=ids)
        total.created += s.created
        total.updated += s.updated
        total.unchanged += s.unchanged
        total.new_critical.extend(s.new_critical)
    return total


# --------------------------------------------------------------------------- NVD


def _osv_packages(session: Session, cve_ids: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    rows = session.execute(
        select(CveOsvLink.cve_id, OsvAdvisoryRecord.packages)
        .join(OsvAdvisoryRecord, OsvAdvisoryRecord.id == CveOsvLink.advisory_id)
        .where(CveOsvLink.cve_id.in_(list(cve_ids)))
    )
    for cve_id, packages in rows:
        out.setdefault(cve_id, []).extend(str(p) for p in packages or [])
    return out


def _products(rec: CveRecord, packages: Iterable[str]) -> set[str]:
    names: set[str] = set()
    for m in rec.cpe_matches(vulnerable_only=True):
        names |= cpe_names(m.vendor, m.product)
    names |= {normalize_name(p) for p in packages}
    return {n[:200] for n in names if n}


def _cve_values(rec: CveRecord, packages: Sequence[str]) -> dict[str, Any]:
    choice = rec.cvss
    decision = classify(rec, packages=packages)
    metric = choice.metric
    return {
        "published": rec.published,
        "last_modified": rec.last_modified,
        "vuln_status": rec.vuln_status[:40],
        "source_identifier": (rec.source_identifier or None) and rec.source_identifier[:200],
        "description": rec.description,
        "cvss_score": choice.base_score,
        "cvss_version": metric.version if metric else None,
        "cvss_vector": (metric.vector[:300] or None) if metric else None,
        "cvss_source": (metric.source[:200] or None) if metric else None,
        "cvss_reason": choice.reason,
        "cvss_disagreement": choice.large_disagreement,
        "severity": choice.severity,
        "metrics": [
            {
                "version": m.version,
                "source": m.source,
                "type": m.type,
                "base_score": m.base_score,
                "base_severity": m.base_severity,
                "vector": m.vector,
            }
            for m in rec.metrics
        ],
        "cwes": list(rec.cwes),
        "references": [
            {"url": r.url, "source": r.source, "tags": list(r.tags)} for r in rec.references[:100]
        ],
        "has_cpe": any(True for _ in rec.cpe_matches(vulnerable_only=True)),
        "ai_relevant": decision.ai_relevant,
        "ai_reason": decision.reason,
        "ai_rule": decision.rule,
        "nvd_kev_due": rec.kev.action_due if rec.kev else None,
        "nvd_kev_added": rec.kev.exploit_add if rec.kev else None,
        "content_hash": rec.content_hash,
        "raw": dict(rec.raw),
    }


def vulners_cvss_fallback(values: dict[str, Any], vulners: VulnersRecord | None) -> bool:
    """Give a CVE without any NVD CVSS (e.g. "Awaiting Analysis") the Vulners score.

    NVD's own metrics always win: this only fills a missing score, and a later
    NVD update that brings metrics replaces it. Returns whether it applied.
    """
    if values.get("cvss_score") is not None or vulners is None:
        return False
    score = vulners.cvss_score
    if score is None or not 0.0 <= score <= 10.0:
        return False
    values.update(
        cvss_score=score,
        cvss_version=None,
        cvss_vector=None,
        cvss_source="Vulners",
        cvss_reason=(
            "NVD has no CVSS metrics for this CVE yet "
            f"({values.get('vuln_status') or 'no status'}); "
            f"base score {score} from Vulners until NVD scores it"
        ),
        cvss_disagreement=False,
        severity=severity_from_score(score),
    )
    return True


def _replace_products(session: Session, products: dict[str, set[str]]) -> None:
    """Set each CVE's product names (for stack matching) to exactly the given ones."""
    if not products:
        return
    session.execute(delete(CveProduct).where(CveProduct.cve_id.in_(list(products))))
    rows = [{"cve_id": c, "name": n} for c, names in products.items() for n in sorted(names)]
    if rows:
        session.execute(insert(CveProduct), rows)


def store_nvd_records(
    session: Session,
    records: Sequence[CveRecord],
    *,
    org_ids: Sequence[str] | None = None,
    rescore: bool = True,
) -> IngestStats:
    """Upsert NVD records (by content hash) and re-score the ones that changed."""
    stats = IngestStats()
    # The same CVE twice in one batch: the newest copy wins.
    latest: dict[str, CveRecord] = {}
    for rec in records:
        cur = latest.get(rec.cve_id)
        if cur is None or rec.last_modified >= cur.last_modified:
            latest[rec.cve_id] = rec
    stats.unchanged += len(records) - len(latest)
    ids = sorted(latest)
    for chunk in _chunks(ids):
        existing = {c.cve_id: c for c in session.scalars(select(Cve).where(Cve.cve_id.in_(chunk)))}
        packages = _osv_packages(session, chunk)
        vulners = {
            v.cve_id: v
            for v in session.scalars(select(VulnersRecord).where(VulnersRecord.cve_id.in_(chunk)))
        }
        # One multi-row statement per table and chunk, not three per record: a
        # statement per row was most of an NVD import's time.
        new_rows: list[dict[str, Any]] = []
        products: dict[str, set[str]] = {}
        for cve_id in chunk:
            rec = latest[cve_id]
            old = existing.get(cve_id)
            if old is not None and old.content_hash == rec.content_hash:
                stats.unchanged += 1
                continue
            if old is not None and rec.last_modified < old.last_modified:
                stats.stale += 1
                continue
            pkgs = packages.get(cve_id, [])
            values = _cve_values(rec, pkgs)
            vulners_cvss_fallback(values, vulners.get(cve_id))
            if old is None:
                new_rows.append({"cve_id": cve_id, **values})
                stats.added += 1
            else:
                for k, v in values.items():
                    setattr(old, k, v)
                stats.updated += 1
            products[cve_id] = _products(rec, pkgs)
            stats.changed_ids.add(cve_id)
        if new_rows:
            session.execute(insert(Cve), new_rows)
        session.flush()
        _replace_products(session, products)
    session.flush()
    if rescore:
        stats.exposures = rescore_for_orgs(session, stats.changed_ids, org_ids)
    return stats


# --------------------------------------------------------------------------- EPSS


def store_epss(
    session: Session,
    scores: Iterable[EpssScore],
    *,
    org_ids: Sequence[str] | None = None,
    rescore: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> IngestStats:
    """Upsert EPSS scores; the CVEs we hold whose score changed are re-scored."""
    stats = IngestStats()
    batch: list[EpssScore] = []
    seen = 0

    def flush() -> None:
        if not batch:
            return
        by_id = {s.cve_id: s for s in batch}
        existing = {
            e.cve_id: e
            for e in session.scalars(select(EpssRecord).where(EpssRecord.cve_id.in_(list(by_id))))
        }
        new = []
        for cve_id, s in by_id.items():
            old = existing.get(cve_id)
            if old is None:
                new.append(
                    {
                        "cve_id": cve_id,
                        "epss": s.epss,
                        "percentile": s.percentile,
                        "model_version": s.model_version,
                        "score_date": s.score_date,
                    }
                )
                stats.added += 1
                stats.changed_ids.add(cve_id)
            elif (old.epss, old.percentile, old.model_version, old.score_date) != (
                s.epss,
                s.percentile,
                s.model_version,
                s.score_date,
            ):
                old.epss, old.percentile = s.epss, s.percentile
                old.model_version, old.score_date = s.model_version, s.score_date
                stats.updated += 1
                stats.changed_ids.add(cve_id)
            else:
                stats.unchanged += 1
        if new:
            session.execute(insert(EpssRecord), new)
        session.flush()
        batch.clear()

    for s in scores:
        batch.append(s)
        seen += 1
        if len(batch) >= 5000:
            flush()
            if on_progress:
                on_progress(seen)
    flush()
    if on_progress:
        on_progress(seen)
    if rescore:
        held = _held(session, stats.changed_ids)
        stats.exposures = rescore_for_orgs(session, held, org_ids)
    return stats


def _held(session: Session, cve_ids: Iterable[str]) -> set[str]:
    """The subset of ``cve_ids`` we have NVD records for."""
    ids = sorted(set(cve_ids))
    out: set[str] = set()
    for chunk in _chunks(ids):
        out |= set(session.scalars(select(Cve.cve_id).where(Cve.cve_id.in_(list(chunk)))))
    return out


# --------------------------------------------------------------------------- KEV


def store_kev(
    session: Session,
    catalog: KevCatalog,
    *,
    org_ids: Sequence[str] | None = None,
    rescore: bool = True,
) -> IngestStats:
    """Upsert the KEV catalog's entries; bad entries were reported by the parser."""
    stats = IngestStats()
    stats.skipped = [
        {"index": e.index, "cve_id": e.cve_id, "reason": e.reason} for e in catalog.errors
    ]
    entries = {e.cve_id: e for e in catalog.entries}
    for chunk in _chunks(sorted(entries)):
        existing = {
            k.cve_id: k
            for k in session.scalars(select(KevRecord).where(KevRecord.cve_id.in_(list(chunk))))
        }
        for cve_id in chunk:
            e = entries[cve_id]
            values = {
                "vendor_project": e.vendor_project[:200],
                "product": e.product[:200],
                "vulnerability_name": e.vulnerability_name[:500],
                "date_added": e.date_added,
                "due_date": e.due_date,
                "required_action": e.required_action,
                "short_description": e.short_description,
                "known_ransomware_use": e.known_ransomware_use[:20],
                "notes": e.notes,
            }
            old = existing.get(cve_id)
            if old is None:
                session.add(
                    KevRecord(cve_id=cve_id, catalog_version=catalog.catalog_version[:40], **values)
                )
                stats.added += 1
                stats.changed_ids.add(cve_id)
            elif any(getattr(old, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(old, k, v)
                old.catalog_version = catalog.catalog_version[:40]
                stats.updated += 1
                stats.changed_ids.add(cve_id)
            else:
                stats.unchanged += 1
        session.flush()
    _drop_removed_kev(session, catalog, set(entries), stats)
    if rescore:
        stats.exposures = rescore_for_orgs(session, _held(session, stats.changed_ids), org_ids)
    return stats


# CISA takes an entry off the catalog now and then (listed in error). A whole
# catalog is the list: what it no longer holds stops being "known exploited".
# A file that is not whole (its count disagrees, or entries did not parse) or
# that would drop more than a few entries at once is more likely cut short
# than a real removal, so then nothing is removed.
KEV_REMOVAL_MAX = 25


def _drop_removed_kev(
    session: Session, catalog: KevCatalog, listed: set[str], stats: IngestStats
) -> None:
    whole = not catalog.errors and catalog.count == len(catalog.entries) and bool(listed)
    if not whole:
        return
    # The catalog is a few thousand rows: reading every id is cheaper than a huge NOT IN.
    gone = [k for k in session.scalars(select(KevRecord)) if k.cve_id not in listed]
    if not gone:
        return
    if len(gone) > KEV_REMOVAL_MAX:
        log.warning(
            "KEV catalog %s lacks %d stored entries; not removing them (more than %d at once)",
            catalog.catalog_version,
            len(gone),
            KEV_REMOVAL_MAX,
        )
        return
    for k in gone:
        session.delete(k)
        stats.withdrawn += 1
        stats.changed_ids.add(k.cve_id)
    session.flush()


# --------------------------------------------------------------------------- OSV


def _osv_values(adv: OsvAdvisory) -> dict[str, Any]:
    ranges = []
    for a in adv.affected:
        for vr in a.version_ranges():
            ranges.append(
                {
                    "package": a.name,
                    "ecosystem": a.ecosystem,
                    "events": [dict(ev) for ev in vr.events],
                    "versions": list(vr.versions),
                }
            )
    return {
        "modified": adv.modified,
        "summary": (adv.summary or adv.details)[:2000],
        "cve_ids": list(adv.cve_ids),
        "packages": list(adv.package_names),
        "ranges": ranges,
    }


def store_osv(
    session: Session,
    advisories: Iterable[OsvAdvisory],
    *,
    org_ids: Sequence[str] | None = None,
    rescore: bool = True,
) -> IngestStats:
    """Upsert OSV advisories and their CVE links; the CVEs we hold get the package names."""
    stats = IngestStats()
    touched: set[str] = set()
    last = {a.id[:100]: a for a in advisories}
    latest = {k: a for k, a in last.items() if a.withdrawn is None}
    # A withdrawn advisory is no longer evidence: drop the stored copy, its
    # CVE links and (through the re-score below) the ranges it gave the stack.
    gone = sorted(k for k, a in last.items() if a.withdrawn is not None)
    # Counted whether or not a copy was stored, so the summary adds up to the
    # advisories read (a first import of a tree meets withdrawn ones too).
    stats.withdrawn += len(gone)
    for chunk in _chunks(gone):
        stored = list(
            session.scalars(select(OsvAdvisoryRecord.id).where(OsvAdvisoryRecord.id.in_(chunk)))
        )
        if not stored:
            continue
        touched |= set(
            session.scalars(select(CveOsvLink.cve_id).where(CveOsvLink.advisory_id.in_(stored)))
        )
        for k in stored:
            touched |= set(last[k].cve_ids)
        session.execute(delete(CveOsvLink).where(CveOsvLink.advisory_id.in_(stored)))
        session.execute(delete(OsvAdvisoryRecord).where(OsvAdvisoryRecord.id.in_(stored)))
    for chunk in _chunks(sorted(latest)):
        existing = {
            r.id: r
            for r in session.scalars(
                select(OsvAdvisoryRecord).where(OsvAdvisoryRecord.id.in_(list(chunk)))
            )
        }
        new_rows: list[dict[str, Any]] = []
        changed: list[str] = []
        for adv_id in chunk:
            adv = latest[adv_id]
            values = _osv_values(adv)
            digest = _hash(values)
            old = existing.get(adv_id)
            if old is not None and old.content_hash == digest:
                stats.unchanged += 1
                continue
            if old is None:
                new_rows.append({"id": adv_id, "content_hash": digest, **values})
                stats.added += 1
            else:
                for k, v in values.items():
                    setattr(old, k, v)
                old.content_hash = digest
                stats.updated += 1
            changed.append(adv_id)
            touched |= set(adv.cve_ids)
        if new_rows:
            session.execute(insert(OsvAdvisoryRecord), new_rows)
        if changed:
            session.execute(delete(CveOsvLink).where(CveOsvLink.advisory_id.in_(changed)))
            links = [
                {"cve_id": c, "advisory_id": a}
                for a in changed
                for c in dict.fromkeys(latest[a].cve_ids)
            ]
            if links:
                session.execute(insert(CveOsvLink), links)
    session.flush()
    held = _held(session, touched)
    # Package names feed both the stack match and the AI verdict: refresh both.
    for chunk in _chunks(sorted(held)):
        packages = _osv_packages(session, list(chunk))
        products: dict[str, set[str]] = {}
        for cve in session.scalars(select(Cve).where(Cve.cve_id.in_(list(chunk)))):
            rec = parse_cve(cve.raw)
            pkgs = packages.get(cve.cve_id, [])
            decision = classify(rec, packages=pkgs)
            cve.ai_relevant, cve.ai_reason, cve.ai_rule = (
                decision.ai_relevant,
                decision.reason,
                decision.rule,
            )
            products[cve.cve_id] = _products(rec, pkgs)
        session.flush()
        _replace_products(session, products)
    stats.changed_ids = held
    if rescore:
        stats.exposures = rescore_for_orgs(session, held, org_ids)
    return stats


# --------------------------------------------------------------------------- statistics

#: A run that wrote at least this many rows (CVEs, scores, exposures) refreshes
#: the planner's statistics: the plans of the patch list (issue #5) depend on
#: how many CVEs a word or a product has, and stale numbers after a first full
#: import made both stores pick plans 10x slower.
REFRESH_AFTER_ROWS = 5000
#: What an import writes; on PostgreSQL also the text-search side tables.
_STAT_TABLES = ("cves", "cve_products", "epss_scores", "kev_entries", "cve_exposures")
_PG_STAT_TABLES = ("cves_tsv", "cve_words")


def _rows_written(detail: dict[str, Any]) -> int:
    exposures = detail.get("exposures") or {}
    return sum(int(detail.get(k) or 0) for k in ("added", "updated")) + sum(
        int(exposures.get(k) or 0) for k in ("created", "updated")
    )


def refresh_statistics(bind: Engine, *, rows_written: int) -> bool:
    """After an import that wrote many rows, ANALYZE (PostgreSQL: VACUUM (ANALYZE)) its tables.

    On PostgreSQL the VACUUM runs outside any transaction (it cannot run in
    one) and also marks the new pages all-visible, so the word lookups of a
    text search stay index-only (``cve_words``, vulns_0006) instead of
    reading a table page per match until autovacuum comes by. Returns whether
    it ran.
    """
    if rows_written < REFRESH_AFTER_ROWS:
        return False
    # Table names are constants of this module, never input.
    if bind.dialect.name == "postgresql":
        names = ", ".join(_STAT_TABLES + _PG_STAT_TABLES)
        with bind.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                f"VACUUM (ANALYZE) {names}"
            )
        return True
    with bind.connect() as conn:
        for name in _STAT_TABLES:
            conn.exec_driver_sql(f"ANALYZE {name}")
        conn.commit()
    return True


def _refresh_after_run(factory: sessionmaker[Session], detail: dict[str, Any]) -> None:
    bind = factory.kw.get("bind")
    if isinstance(bind, Connection):
        bind = bind.engine
    if isinstance(bind, Engine):
        detail["statistics_refreshed"] = refresh_statistics(
            bind, rows_written=_rows_written(detail)
        )


def refresh_after_job(session: Session, detail: dict[str, Any]) -> dict[str, Any]:
    """Scheduled syncs: commit the run's writes, then refresh statistics like ``recorded_run``.

    The job runner commits only after the job returns, and ``VACUUM`` cannot
    run inside a transaction, so the writes are committed here first.
    """
    session.commit()
    bind = session.get_bind()
    if isinstance(bind, Connection):
        bind = bind.engine
    if isinstance(bind, Engine):
        detail["statistics_refreshed"] = refresh_statistics(
            bind, rows_written=_rows_written(detail)
        )
    return detail


# --------------------------------------------------------------------------- state and runs


def get_sync_state(session: Session, source: str) -> VulnSyncState:
    state = session.get(VulnSyncState, source)
    if state is None:
        state = VulnSyncState(source=source)
        session.add(state)
        session.flush()
    return state


@contextmanager
def recorded_run(
    factory: sessionmaker[Session], job: str, *, trigger: str = "cli"
) -> Iterator[dict[str, Any]]:
    """A ``job_runs`` record around a block; the block fills the yielded detail dict.

    A run that wrote many rows then refreshes the planner's statistics
    (:func:`refresh_statistics`), before the run is marked finished.

    On PostgreSQL the block holds the job's advisory lock, as a scheduled run does:
    `threatvec cves epss --api` and the scheduler's `vulns.epss_sync` never write the
    same rows at once, and a run holding the lock may end any other 'running' row
    of the job as orphaned (jobs.runner.end_dead_runs). Held elsewhere: ``Conflict``.
    """
    engine = factory.kw["bind"]
    with job_lock(engine, job) as acquired:
        if not acquired:
            raise Conflict(
                f"{job} is running in another process (the scheduler or another command); "
                "try again when it has finished"
            )
        with factory() as s:
            end_dead_runs(s, job, lock_held=engine.dialect.name == "postgresql")
        with _recorded(factory, job, trigger) as detail:
            yield detail


@contextmanager
def _recorded(factory: sessionmaker[Session], job: str, trigger: str) -> Iterator[dict[str, Any]]:
    with factory() as s:
        run = JobRun(job=job, org_id=None, trigger=trigger)
        s.add(run)
        s.commit()
        run_id = run.id
    detail: dict[str, Any] = {}
    outcome, error = "ok", None
    try:
        yield detail
        _refresh_after_run(factory, detail)
    except BaseException as exc:
        outcome, error = "error", f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        with factory() as s:
            done = s.get(JobRun, run_id)
            if done is not None:
                done.outcome, done.error = outcome, error
                done.detail = json.loads(json.dumps(detail, default=str))
                done.finished_at = utcnow()
                s.commit()
