"""Scheduled vulnerability jobs; the runner keeps a run record of each.

Source syncs run once for all orgs (CVE facts are shared); ``vulns.rescore``
runs per org: it reopens expired wont_fix patches, scores every CVE for an
org that has none yet, and re-ages the stored priorities once a day.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.core.settings import Settings
from threatvec.jobs.registry import job
from threatvec.orgs import service as orgs
from threatvec.vulns import service, sources
from threatvec.vulns.exposures import refresh_exposures
from threatvec.vulns.ingest import refresh_after_job
from threatvec.vulns.osv import OsvClient
from threatvec.vulns.osv_sync import sync_osv_stack
from threatvec.vulns.stack_service import ensure_materialized
from threatvec.vulns.vulners import VulnersClient
from threatvec.vulns.vulners_sync import sync_vulners

RESCORED_ON = "vulns.rescored_on"


@job(
    "vulns.nvd_sync",
    every_s=2 * 3600,
    per_org=False,
    result_for_all=True,  # counts of a shared feed
    description="Fetch CVEs changed since the watermark from the NVD API (THREATVEC_NVD_*)",
)
def nvd_sync(*, session: Session) -> dict[str, Any]:
    with sources.nvd_client(Settings()) as client:
        return refresh_after_job(session, sources.sync_nvd(session, client).to_dict())


@job(
    "vulns.epss_sync",
    every_s=24 * 3600,
    per_org=False,
    result_for_all=True,  # counts of a shared feed
    description="Refresh FIRST EPSS scores of the relevant CVEs (THREATVEC_EPSS_BASE_URL)",
)
def epss_sync(*, session: Session) -> dict[str, Any]:
    with sources.epss_client(Settings()) as client:
        return refresh_after_job(session, sources.sync_epss_api(session, client).to_dict())


@job(
    "vulns.kev_sync",
    every_s=24 * 3600,
    per_org=False,
    result_for_all=True,  # counts of a shared feed
    description="Download the CISA KEV catalog (THREATVEC_KEV_URL)",
)
def kev_sync(*, session: Session) -> dict[str, Any]:
    return refresh_after_job(session, sources.import_kev(session, url=Settings().kev_url).to_dict())


@job(
    "vulns.osv_sync",
    every_s=24 * 3600,
    per_org=False,
    description="Ask the OSV API about every tech-stack package (THREATVEC_OSV_BASE_URL)",
)
def osv_sync(*, session: Session) -> dict[str, Any]:
    with OsvClient(Settings().osv_base_url) as client:
        return refresh_after_job(session, sync_osv_stack(session, client).to_dict())


@job(
    "vulns.vulners_sync",
    every_s=24 * 3600,
    per_org=False,
    result_for_all=True,  # counts of a shared feed
    description="Vulners enrichment of relevant CVEs; off unless THREATVEC_VULNERS_API_KEY is set",
)
def vulners_sync(*, session: Session) -> dict[str, Any]:
    client = VulnersClient.from_env()
    if client is None:
        return {"enabled": False, "reason": "THREATVEC_VULNERS_API_KEY is not set"}
    with client:
        return {"enabled": True, **sync_vulners(session, client).to_dict()}


@job(
    "vulns.rescore",
    every_s=3600,
    description="Reopen expired wont_fix patches and re-age CVE priorities once a day",
)
def rescore(*, session: Session, org_id: str) -> dict[str, Any]:
    today = utcnow().date().isoformat()
    reopened = service.reopen_expired(session=session, org_id=org_id)
    created = ensure_materialized(session=session, org_id=org_id)
    detail: dict[str, Any] = {"reopened": reopened, "materialized": created, "rescored": False}
    if orgs.get_setting(session=session, org_id=org_id, name=RESCORED_ON) != today:
        stats = refresh_exposures(session=session, org_id=org_id)
        orgs.put_setting(
            session=session, org_id=org_id, name=RESCORED_ON, value=today, by="vulns.rescore"
        )
        detail.update(rescored=True, **stats.to_dict())
    return detail
