"""Tech-stack imports in the background, with a percentage the API and the page poll.

A 10,000-row upload scores every CVE against the new stack, which takes
seconds; a request that just hangs for that long says nothing. So, like an
AgentBench run, the import becomes a job: ``start_import`` checks what can be
checked at once (size, emptiness, one import at a time per org), stores a
``StackImportJob`` and runs the import on a thread; ``get_job`` answers with
its status, phase and percent, and its result once done.

Progress is kept in this process's memory as it moves and read back by
``get_job``: the import holds SQLite's one write lock until it commits, so a
second connection could not write progress rows meanwhile. On PostgreSQL the
job row is updated as well (at most every 5 points), so a poll that lands on
another replica sees it too.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from threatvec.core.clock import utcnow
from threatvec.core.errors import Conflict, PayloadTooLarge, ThreatVecError
from threatvec.core.scoped import get_scoped_or_raise
from threatvec.store.engine import is_postgres, session_scope
from threatvec.vulns import stack_service
from threatvec.vulns.models import StackImportJob
from threatvec.vulns.schemas import StackImportJobRead, TechStackImportResult
from threatvec.vulns.stack import MAX_STACK_BYTES
from threatvec.vulns.stack_service import StackFormat

__all__ = ["ImportRequest", "get_job", "start_import"]

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
# A job still "running" with no live progress here for this long lost its process.
STALE_AFTER = timedelta(minutes=15)
INTERRUPTED = "interrupted: the server stopped while it was importing; import the file again"

_live: dict[str, tuple[float, str]] = {}  # job id -> (percent, phase), jobs of this process
_live_lock = threading.Lock()


@dataclass(frozen=True)
class ImportRequest:
    data: bytes
    fmt: StackFormat | None
    filename: str | None
    strict: bool
    replace: bool


def start_import(
    *, factory: sessionmaker[Session], org_id: str, request: ImportRequest, by: str
) -> str:
    """Check the upload, record a queued job and start it; the job's id."""
    if len(request.data) > MAX_STACK_BYTES:
        raise PayloadTooLarge(f"file is larger than {MAX_STACK_BYTES} bytes")
    # Parsing is a fraction of the import (scoring is the rest): an unusable file is a
    # 4xx naming the problem now, not a job that fails a moment later.
    stack_service.read_stack_file(request.data, request.fmt, request.filename)
    with session_scope(factory) as session:
        running = session.scalar(
            select(StackImportJob.id).where(
                StackImportJob.org_id == org_id, StackImportJob.status.in_(ACTIVE)
            )
        )
        if running is not None and _is_live_or_recent(session, org_id, running):
            # Two imports at once would each score every CVE against half a stack.
            raise Conflict(f"a tech-stack import is already running (job {running})")
        job = StackImportJob(
            org_id=org_id,
            filename=(request.filename or "")[:200] or None,
            created_by=by[:200],
        )
        session.add(job)
        session.flush()
        job_id = job.id
    with _live_lock:
        _live[job_id] = (0.0, "queued")
    thread = threading.Thread(
        target=_run, args=(factory, org_id, job_id, request), name=f"stack-import-{job_id[:8]}"
    )
    thread.daemon = True
    thread.start()
    return job_id


def get_job(*, session: Session, org_id: str, job_id: str) -> StackImportJobRead:
    """The job as a poller sees it: live progress when this process runs it."""
    row = get_scoped_or_raise(
        session, StackImportJob, org_id, job_id, f"tech-stack import {job_id[:40]} not found"
    )
    read = StackImportJobRead.model_validate(row)
    with _live_lock:
        live = _live.get(job_id)
    if live is not None and row.status in ACTIVE:
        read.percent, read.phase = round(live[0], 1), live[1]
    elif row.status in ACTIVE and _stale(row):
        read.status, read.error = "failed", INTERRUPTED
    return read


def _stale(row: StackImportJob) -> bool:
    return utcnow() - (row.started_at or row.created_at) > STALE_AFTER


def _is_live_or_recent(session: Session, org_id: str, job_id: str) -> bool:
    with _live_lock:
        if job_id in _live:
            return True
    row = session.scalar(
        select(StackImportJob).where(StackImportJob.org_id == org_id, StackImportJob.id == job_id)
    )
    return row is not None and not _stale(row)


def _run(factory: sessionmaker[Session], org_id: str, job_id: str, request: ImportRequest) -> None:
    _update(
        factory, org_id, job_id, status="running", phase="reading the file", started_at=utcnow()
    )
    progress = _Progress(factory, org_id, job_id)
    try:
        with session_scope(factory) as session:
            result = stack_service.import_stack(
                session=session,
                org_id=org_id,
                data=request.data,
                fmt=request.fmt,
                filename=request.filename,
                strict=request.strict,
                replace=request.replace,
                progress=progress,
            )
        _finish(factory, org_id, job_id, result=result)
    except ThreatVecError as exc:  # the file's own problem: say what it is
        _finish(factory, org_id, job_id, error=exc.detail[:500])
    except Exception:
        log.exception("tech-stack import job %s failed", job_id)
        _finish(factory, org_id, job_id, error="internal error (see the server log)")
    finally:
        with _live_lock:
            _live.pop(job_id, None)


class _Progress:
    """The import's progress callback: memory always, the row on PostgreSQL now and then."""

    def __init__(self, factory: sessionmaker[Session], org_id: str, job_id: str) -> None:
        self.factory, self.org_id, self.job_id = factory, org_id, job_id
        self.shared = is_postgres(factory.kw["bind"]) if "bind" in factory.kw else False
        self.written = 0.0
        self.at = time.monotonic()

    def __call__(self, percent: float, phase: str) -> None:
        with _live_lock:
            _live[self.job_id] = (percent, phase)
        if self.shared and (percent - self.written >= 5 or time.monotonic() - self.at > 1):
            self.written, self.at = percent, time.monotonic()
            _update(self.factory, self.org_id, self.job_id, percent=percent, phase=phase[:40])


def _update(factory: sessionmaker[Session], org_id: str, job_id: str, **values: Any) -> None:
    with session_scope(factory) as session:
        row = session.scalar(
            select(StackImportJob).where(
                StackImportJob.org_id == org_id, StackImportJob.id == job_id
            )
        )
        if row is not None:
            for key, value in values.items():
                setattr(row, key, value)


def _finish(
    factory: sessionmaker[Session],
    org_id: str,
    job_id: str,
    *,
    result: TechStackImportResult | None = None,
    error: str | None = None,
) -> None:
    values: dict[str, Any] = {"finished_at": utcnow(), "error": error}
    if error is None:
        values.update(status="completed", phase="done", percent=100.0)
    else:
        with _live_lock:  # the percent it got to stays on record
            reached = _live.get(job_id, (0.0, ""))[0]
        values.update(status="failed", phase="failed", percent=reached)
    if result is not None:
        values["result"] = result.model_dump(mode="json")
    _update(factory, org_id, job_id, **values)
