"""Vulners enrichment of the CVEs that matter (opt-in: ``THREATVEC_VULNERS_API_KEY``).

For each CVE that is relevant to some organisation (AI-relevant or in its
stack; every held CVE when there is no org data yet) we keep what Vulners says
— title, link, CVSS score, exploitation in the wild, exploit count — in
``vulners_enrichment``. A CVE that NVD has not scored yet ("Awaiting Analysis")
takes the Vulners CVSS score for its priority until NVD scores it
(``ingest.vulners_cvss_fallback``); NVD's own metrics always win.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.vulns.ingest import IngestStats, rescore_for_orgs, vulners_cvss_fallback
from threatvec.vulns.models import Cve, CveExposure, VulnersRecord
from threatvec.vulns.vulners import VulnersClient, VulnersInfo

__all__ = ["store_vulners", "sync_vulners", "vulners_targets"]

Progress = Callable[[int, int | None], None]
_FIELDS = ("title", "href", "cvss_score", "exploited_in_wild", "exploit_count")


def vulners_targets(session: Session, limit: int = 50_000) -> list[str]:
    """Relevant CVEs first (unscored by NVD before scored), else the newest we hold."""
    ids = list(
        session.scalars(
            select(CveExposure.cve_id).where(CveExposure.relevant.is_(True)).distinct().limit(limit)
        )
    )
    if not ids:
        ids = list(session.scalars(select(Cve.cve_id).order_by(Cve.published.desc()).limit(limit)))
    unscored = (
        set(
            session.scalars(select(Cve.cve_id).where(Cve.cve_id.in_(ids), Cve.cvss_score.is_(None)))
        )
        if len(ids) <= 30_000
        else set()
    )
    return sorted(set(ids), key=lambda c: (c not in unscored, c))


def store_vulners(
    session: Session,
    infos: Sequence[VulnersInfo],
    *,
    org_ids: Sequence[str] | None = None,
) -> IngestStats:
    """Upsert Vulners rows; unscored CVEs whose Vulners CVSS arrived or moved are re-scored."""
    stats = IngestStats()
    by_id = {i.cve_id: i for i in infos}
    existing = {
        r.cve_id: r
        for r in session.scalars(select(VulnersRecord).where(VulnersRecord.cve_id.in_(list(by_id))))
    }
    now = utcnow()
    for cve_id, info in sorted(by_id.items()):
        values = {
            "title": info.title[:10_000] if info.title else None,
            "href": info.href[:500] if info.href else None,
            "cvss_score": info.cvss_score,
            "exploited_in_wild": info.exploited_in_wild,
            "exploit_count": info.exploit_count,
        }
        row = existing.get(cve_id)
        if row is None:
            row = VulnersRecord(cve_id=cve_id, fetched_at=now, **values)
            session.add(row)
            existing[cve_id] = row
            stats.added += 1
        elif any(getattr(row, k) != values[k] for k in _FIELDS):
            for k in _FIELDS:
                setattr(row, k, values[k])
            row.fetched_at = now
            stats.updated += 1
        else:
            row.fetched_at = now
            stats.unchanged += 1
            continue
        stats.changed_ids.add(cve_id)
    session.flush()
    # Only CVEs NVD has not scored take the Vulners score (or drop a stale one).
    for cve in session.scalars(
        select(Cve).where(
            Cve.cve_id.in_(sorted(stats.changed_ids)),
            (Cve.cvss_score.is_(None)) | (Cve.cvss_source == "Vulners"),
        )
    ):
        values = {"cvss_score": None, "vuln_status": cve.vuln_status}
        if vulners_cvss_fallback(values, existing.get(cve.cve_id)):
            for k, v in values.items():
                setattr(cve, k, v)
        elif cve.cvss_source == "Vulners":  # Vulners withdrew its score
            cve.cvss_score = cve.severity = cve.cvss_source = None
            cve.cvss_reason = "NVD has no CVSS metrics for this CVE yet"
    session.flush()
    stats.exposures = rescore_for_orgs(session, stats.changed_ids, org_ids)
    return stats


def sync_vulners(
    session: Session,
    client: VulnersClient,
    *,
    cve_ids: Sequence[str] | None = None,
    org_ids: Sequence[str] | None = None,
    on_progress: Progress | None = None,
    batch: int = 500,
) -> IngestStats:
    """Fetch Vulners documents for ``cve_ids`` (default: the relevant CVEs), store, re-score."""
    ids = list(cve_ids) if cve_ids is not None else vulners_targets(session)
    total = IngestStats()
    for i in range(0, len(ids), batch):
        infos = list(client.fetch(ids[i : i + batch]).values())
        total.merge(store_vulners(session, infos, org_ids=org_ids))
        session.commit()
        if on_progress:
            on_progress(min(i + batch, len(ids)), len(ids))
    return total
