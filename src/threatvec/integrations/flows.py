"""Running integrations: a connection test, one sync (leased, checkpointed), the due ones.

A sync commits as it goes: the run row first (so it is visible as running),
then after every page the page's data together with the new checkpoint, then
the outcome. A failure rolls back only the page in flight; everything before
it, and the checkpoint that covers it, stays.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox, SecretDecryptError
from threatvec.core.errors import Conflict
from threatvec.integrations import service
from threatvec.integrations.connectors import CONNECTORS
from threatvec.integrations.connectors.base import (
    RunCounts,
    SyncContext,
    TestContext,
    secret_values,
)
from threatvec.integrations.http import ConnectorError, VendorHttp, redact
from threatvec.integrations.kinds import is_receive
from threatvec.integrations.models import Integration, IntegrationRun
from threatvec.integrations.schemas import TestResult

__all__ = [
    "LEASE",
    "MAX_PAGES",
    "copy_counts",
    "record_outcome",
    "run_due",
    "run_sync",
    "test_connection",
]

log = logging.getLogger("threatvec.integrations")
LEASE = timedelta(minutes=15)
MAX_PAGES = 50


def _settings_or_error(row: Integration, box: SecretBox) -> Any:
    try:
        return service.load_settings(row, box)
    except SecretDecryptError:
        raise ConnectorError(
            "the stored secret cannot be decrypted (was THREATVEC_SECRET_KEY changed?); "
            "save the secret again"
        ) from None
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise ConnectorError(
            f"stored settings are no longer valid ({fields}); edit and save them"
        ) from None


def test_connection(
    *, session: Session, org_id: str, integration_id: str, box: SecretBox, allow_private: bool
) -> TestResult:
    """A real, read-only request with the stored settings; the outcome is kept on the row."""
    row = service.get_or_raise(session=session, org_id=org_id, integration_id=integration_id)
    if is_receive(row.kind):
        # The vendor calls us: the honest check is whether a delivery has arrived.
        result = _receive_status(row)
        row.last_test_at, row.last_test_ok = utcnow(), result.ok
        session.flush()
        return result
    secrets: list[str] = []
    http = VendorHttp(allow_private=allow_private, max_attempts=2, timeout=15.0)
    try:
        settings = _settings_or_error(row, box)
        secrets = secret_values(settings)
        status, message = CONNECTORS[row.kind].test(TestContext(settings=settings, http=http))
        result = TestResult(ok=True, status_code=status, message=message)
    except ConnectorError as exc:
        result = TestResult(
            ok=False, status_code=exc.status_code, message=redact(exc.message, secrets)
        )
    except httpx.HTTPError as exc:
        result = TestResult(
            ok=False, status_code=None, message=f"request failed ({type(exc).__name__})"
        )
    finally:
        http.close()
    row.last_test_at, row.last_test_ok = utcnow(), result.ok
    session.flush()
    return result


def _receive_status(row: Integration) -> TestResult:
    if row.last_run_at is None:
        return TestResult(
            ok=False,
            status_code=None,
            message="no delivery received yet: check the feed's API URL and Authorization header",
        )
    counts = row.last_counts or {}
    return TestResult(
        ok=row.last_status != "error",
        status_code=None,
        message=(
            f"last delivery {row.last_run_at:%Y-%m-%d %H:%M:%S} UTC ({row.last_status}): "
            f"{counts.get('fetched', 0)} records, {counts.get('ingested', 0)} ingested"
        ),
    )


def _claim(session: Session, org_id: str, integration_id: str) -> bool:
    now = utcnow()
    result = session.execute(
        update(Integration)
        .where(
            Integration.org_id == org_id,
            Integration.id == integration_id,
            or_(Integration.lease_until.is_(None), Integration.lease_until < now),
        )
        .values(lease_until=now + LEASE, last_status="running")
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def run_sync(
    *,
    session: Session,
    org_id: str,
    integration_id: str,
    box: SecretBox,
    allow_private: bool,
    trigger: str = "api",
    max_pages: int = MAX_PAGES,
) -> IntegrationRun:
    """Sync one integration now; raises Conflict when a sync of it is already running."""
    row = service.get_or_raise(session=session, org_id=org_id, integration_id=integration_id)
    kind, name = row.kind, row.name
    if is_receive(kind):
        raise Conflict(f"{name!r} receives deliveries from the vendor; there is nothing to sync")
    if not _claim(session, org_id, integration_id):
        session.rollback()
        raise Conflict(f"a sync of {name!r} is already running")
    run = IntegrationRun(
        org_id=org_id, integration_id=integration_id, kind=kind, trigger=trigger[:20]
    )
    session.add(run)
    session.commit()
    run_id = run.id

    http = VendorHttp(allow_private=allow_private)
    secrets: list[str] = []
    error: str | None = None
    ctx: SyncContext | None = None
    try:
        session.refresh(row)
        settings = _settings_or_error(row, box)
        secrets = secret_values(settings)

        def checkpoint() -> None:
            assert ctx is not None
            fresh = session.get(Integration, integration_id)
            current = session.get(IntegrationRun, run_id)
            assert fresh is not None and current is not None
            fresh.cursor = dict(ctx.cursor)  # a new object, so the JSON column is seen as changed
            copy_counts(current, ctx.counts, http.retries)
            session.commit()

        ctx = SyncContext(
            session=session,
            org_id=org_id,
            integration_id=integration_id,
            integration_name=name,
            settings=settings,
            http=http,
            cursor=dict(row.cursor or {}),
            now=utcnow(),
            max_pages=max_pages,
            checkpoint=checkpoint,
        )
        CONNECTORS[kind].sync(ctx)
        session.commit()
    except ConnectorError as exc:
        error = exc.message
    except httpx.HTTPError as exc:
        error = f"request failed ({type(exc).__name__})"
    except Exception as exc:  # one integration's bug must not take the scheduler down
        error = f"internal error ({type(exc).__name__})"
        log.warning(
            "integration %s (%s) sync crashed: %s", integration_id, kind, type(exc).__name__
        )
    finally:
        http.close()
    if error is not None:
        session.rollback()  # only the page in flight; checkpointed pages are committed
        error = redact(error, secrets)[:500]
        log.warning("integration %s (%s) sync failed: %s", integration_id, kind, error)
    return _finish(session, integration_id, run_id, ctx, http, error)


def copy_counts(run: IntegrationRun, c: RunCounts, retries: int = 0) -> None:
    run.fetched, run.ingested, run.forwarded = c.fetched, c.ingested, c.forwarded
    run.skipped, run.duplicates, run.pages, run.retries = c.skipped, c.duplicates, c.pages, retries


def _finish(
    session: Session,
    integration_id: str,
    run_id: str,
    ctx: SyncContext | None,
    http: VendorHttp,
    error: str | None,
) -> IntegrationRun:
    run = session.get(IntegrationRun, run_id)
    row = session.get(Integration, integration_id)
    assert run is not None and row is not None
    if ctx is not None and error is None:
        copy_counts(run, ctx.counts, http.retries)
    elif ctx is not None:
        # Counts as of the last checkpoint are what actually landed.
        session.refresh(run)
    record_outcome(row=row, run=run, counts=ctx.counts if ctx else None, error=error)
    row.lease_until = None
    session.commit()
    return run


def record_outcome(
    *, row: Integration, run: IntegrationRun, counts: RunCounts | None, error: str | None
) -> None:
    """Close a run (its counts already copied) and show it on its integration."""
    status = "error" if error else ("partial" if run.skipped else "ok")
    detail: dict[str, Any] = {}
    if counts is not None:
        detail = {"signals": dict(counts.signals), "more": counts.more}
        if counts.reasons:
            detail["reasons"] = counts.reasons
    run.status, run.error, run.detail, run.finished_at = status, error, detail, utcnow()
    row.last_run_at, row.last_status, row.last_error = run.started_at, status, error
    row.last_counts = {
        "fetched": run.fetched,
        "ingested": run.ingested,
        "forwarded": run.forwarded,
        "skipped": run.skipped,
        "duplicates": run.duplicates,
    }
    row.total_items = (row.total_items or 0) + run.ingested + run.forwarded


def run_due(
    *, session: Session, org_id: str, box: SecretBox, allow_private: bool
) -> dict[str, Any]:
    """Sync every due integration of the org; one failing never stops the others."""
    outcomes: dict[str, str] = {}
    for row in service.due(session=session, org_id=org_id):
        integration_id = row.id
        try:
            run = run_sync(
                session=session,
                org_id=org_id,
                integration_id=integration_id,
                box=box,
                allow_private=allow_private,
                trigger="schedule",
            )
            outcomes[integration_id] = run.status
        except Conflict:
            outcomes[integration_id] = "busy"
    return {"synced": len(outcomes), "outcomes": outcomes}
