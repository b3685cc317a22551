"""Running a source end to end: fetch or read, store in batches, commit, checkpoint.

Used by the CLI (with progress callbacks) and the scheduled jobs alike. Each
function commits as it goes — one batch (NVD page, 500 file records, 5,000
EPSS rows) per transaction — so a crash loses at most the batch in flight,
and the NVD watermark is committed only after its whole window is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.core.settings import Settings
from threatvec.vulns.epss import EpssClient, iter_epss_csv
from threatvec.vulns.ingest import (
    IngestStats,
    get_sync_state,
    store_epss,
    store_kev,
    store_nvd_records,
    store_osv,
)
from threatvec.vulns.kev import fetch_kev_catalog, load_kev_file
from threatvec.vulns.models import Cve, CveExposure
from threatvec.vulns.nvd import CveRecord, SkippedRecord, iter_nvd_file
from threatvec.vulns.nvd_client import NvdClient, SyncProgress, SyncWindow
from threatvec.vulns.osv import OsvFileError, iter_osv_dir, load_osv_file

__all__ = [
    "NvdSyncResult",
    "epss_client",
    "import_epss_file",
    "import_kev",
    "import_nvd_file",
    "import_osv_path",
    "nvd_client",
    "sync_epss_api",
    "sync_nvd",
]

Progress = Callable[[int, int | None], None]  # (done, total or None)
_FILE_BATCH = 500


def _skip_dict(s: SkippedRecord) -> dict[str, Any]:
    return {"index": s.index, "cve_id": s.cve_id, "reason": s.reason}


def nvd_client(settings: Settings, **kwargs: Any) -> NvdClient:
    key = settings.nvd_api_key.get_secret_value() if settings.nvd_api_key else None
    return NvdClient(settings.nvd_base_url, api_key=key, **kwargs)


def epss_client(settings: Settings, **kwargs: Any) -> EpssClient:
    return EpssClient(settings.epss_base_url, **kwargs)


def import_nvd_file(
    session: Session,
    path: str | Path,
    *,
    org_ids: Sequence[str] | None = None,
    on_progress: Progress | None = None,
) -> IngestStats:
    """Stream an NVD 2.0 JSON file (plain or .gz) into the store, one batch per commit.

    Raises ``NvdFileError`` for a file that is not NVD JSON or is cut short —
    after the good records before the damage are stored and committed.
    """
    total = IngestStats()
    skipped: list[SkippedRecord] = []
    batch: list[CveRecord] = []
    seen = 0

    def flush() -> None:
        if batch:
            total.merge(store_nvd_records(session, batch, org_ids=org_ids))
            session.commit()
            batch.clear()
        if on_progress:
            on_progress(seen, None)

    try:
        for rec in iter_nvd_file(path, errors=skipped.append):
            batch.append(rec)
            seen += 1
            if len(batch) >= _FILE_BATCH:
                flush()
    finally:
        flush()
        total.skipped.extend(_skip_dict(s) for s in skipped)
    return total


@dataclass
class NvdSyncResult:
    mode: str  # "full" | "incremental"
    stats: IngestStats
    watermark: datetime | None
    windows: int
    pages: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "watermark": self.watermark.isoformat() if self.watermark else None,
            "windows": self.windows,
            "pages": self.pages,
            **self.stats.to_dict(),
        }


def sync_nvd(
    session: Session,
    client: NvdClient,
    *,
    full: bool = False,
    org_ids: Sequence[str] | None = None,
    on_progress: Callable[[SyncProgress], None] | None = None,
    until: datetime | None = None,
) -> NvdSyncResult:
    """Incremental from the committed watermark; full when asked, or when there is none yet.

    A full download that was interrupted resumes from its last stored page
    (``next_start_index``) and, once done, sets the watermark to when it
    *first* started, so whatever changed meanwhile is fetched incrementally.
    """
    state = get_sync_state(session, "nvd")
    session.commit()
    stats = IngestStats()

    def on_records(records: list[CveRecord]) -> None:
        stats.merge(store_nvd_records(session, records, org_ids=org_ids))
        session.commit()

    def on_skipped(s: SkippedRecord) -> None:
        stats.skipped.append(_skip_dict(s))

    if full or state.watermark is None or state.next_start_index is not None:
        if state.full_started_at is None:
            state.full_started_at = utcnow()
        start = state.next_start_index or 0
        session.commit()

        def on_page_done(next_index: int) -> None:
            state.next_start_index = next_index
            session.commit()

        report = client.sync_full(
            start_index=start,
            on_records=on_records,
            on_page_done=on_page_done,
            on_progress=on_progress,
            on_skipped=on_skipped,
        )
        state.watermark = state.full_started_at
        state.next_start_index = None
        state.full_started_at = None
        session.commit()
        return NvdSyncResult("full", stats, state.watermark, report.windows_done, report.pages)

    def on_window_done(window: SyncWindow) -> None:
        # Committed only now: every page of the window is stored (docs/vulns.md).
        state.watermark = window.end
        session.commit()

    report = client.sync_incremental(
        state.watermark,
        until,
        on_records=on_records,
        on_window_done=on_window_done,
        on_progress=on_progress,
        on_skipped=on_skipped,
    )
    return NvdSyncResult("incremental", stats, state.watermark, report.windows_done, report.pages)


def import_epss_file(
    session: Session,
    path: str | Path,
    *,
    org_ids: Sequence[str] | None = None,
    on_progress: Progress | None = None,
) -> IngestStats:
    errors: list[dict[str, Any]] = []
    stats = store_epss(
        session,
        iter_epss_csv(path, errors=lambda e: errors.append({"line": e.line, "reason": e.reason})),
        org_ids=org_ids,
        on_progress=(lambda n: on_progress(n, None)) if on_progress else None,
    )
    stats.skipped.extend(errors)
    session.commit()
    return stats


def _epss_targets(session: Session, limit: int = 50_000) -> list[str]:
    # The CVEs that matter to someone first; with no org data yet, what we hold.
    ids = list(
        session.scalars(
            select(CveExposure.cve_id).where(CveExposure.relevant.is_(True)).distinct().limit(limit)
        )
    )
    if not ids:
        ids = list(session.scalars(select(Cve.cve_id).order_by(Cve.published.desc()).limit(limit)))
    return sorted(set(ids))


def sync_epss_api(
    session: Session,
    client: EpssClient,
    *,
    cve_ids: Sequence[str] | None = None,
    org_ids: Sequence[str] | None = None,
) -> IngestStats:
    """Scores from FIRST's API for ``cve_ids`` (default: every relevant CVE we hold)."""
    ids = list(cve_ids) if cve_ids is not None else _epss_targets(session)
    scores = client.fetch(ids)
    stats = store_epss(session, scores.values(), org_ids=org_ids)
    session.commit()
    return stats


def import_kev(
    session: Session,
    *,
    path: str | Path | None = None,
    url: str | None = None,
    org_ids: Sequence[str] | None = None,
) -> IngestStats:
    catalog = load_kev_file(path) if path is not None else fetch_kev_catalog(str(url))
    stats = store_kev(session, catalog, org_ids=org_ids)
    session.commit()
    return stats


def import_osv_path(
    session: Session,
    path: str | Path,
    *,
    org_ids: Sequence[str] | None = None,
) -> IngestStats:
    """One advisory file, or every .json/.yaml under a directory (bad files reported)."""
    p = Path(path)
    errors: list[OsvFileError] = []
    if p.is_dir():
        advisories = list(iter_osv_dir(p, errors=errors.append))
    else:
        try:
            advisories = [load_osv_file(p)]
        except (ValueError, UnicodeDecodeError, OSError) as exc:
            advisories, errors = [], [OsvFileError(str(p), str(exc))]
    stats = store_osv(session, advisories, org_ids=org_ids)
    stats.skipped.extend({"path": e.path, "reason": e.reason} for e in errors)
    session.commit()
    return stats
