from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from threatvec.core.clock import utcnow
from threatvec.core.deps import OrgIdDep, SessionDep
from threatvec.core.problems import problem_responses
from threatvec.signals import service, settled
from threatvec.signals.schemas import SignalList, SignalRead

# Signal ids are 64-bit integers in both stores; a larger cursor cannot match
# anything and would overflow the database driver, so it is refused (422).
MAX_ID = 2**63 - 1

router = APIRouter(prefix="/signals", tags=["signals"], responses=problem_responses(401, 422))


@router.get("", response_model=SignalList, summary="Recent signals (newest last)")
def recent_signals(
    session: SessionDep,
    org_id: OrgIdDep,
    after_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    kind: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> SignalList:
    if after_id == 0:
        rows = service.list_latest(session=session, org_id=org_id, limit=limit, kinds=kind or ())
    else:
        rows = service.list_since(
            session=session, org_id=org_id, after_id=after_id, limit=limit, kinds=kind or ()
        )
    return SignalList(items=[SignalRead.model_validate(r) for r in rows])


def _fetch(request: Request, org_id: str, after: int) -> list[tuple[int, str, str]]:
    session = request.app.state.session_factory()
    try:
        if after < 0:
            return [(service.latest_id(session=session, org_id=org_id), "", "")]
        # Through list_settled: on PostgreSQL a lower id can commit after a higher one,
        # and a cursor moved past the higher one would never show it.
        rows = settled.list_settled(
            session=session,
            org_id=org_id,
            after_id=after,
            now=utcnow(),
            grace_s=settled.LIVE_GAP_GRACE_S,
        )
        return [
            (
                r.id,
                r.kind,
                json.dumps(
                    {
                        "id": r.id,
                        "kind": r.kind,
                        "data": r.data,
                        "created_at": r.created_at.isoformat(),
                    }
                ),
            )
            for r in rows
        ]
    finally:
        session.close()


@router.get(
    "/stream",
    summary="Live signal stream (Server-Sent Events)",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"example": 'id: 7\ndata: {"id": 7}\n\n'}},
            "description": "An SSE stream; resumes after Last-Event-ID",
        }
    },
)
async def stream_signals(
    request: Request,
    org_id: OrgIdDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    since: Annotated[int | None, Query(ge=0, le=MAX_ID, description="Resume after this id")] = None,
) -> StreamingResponse:
    bus = request.app.state.signal_bus
    heartbeat = request.app.state.sse_heartbeat_s
    start = since
    if last_event_id and last_event_id.isdigit():
        # A browser reconnecting to a URL with ?since= also sends the last id it got,
        # which is later: resuming from since would replay (duplicate) what it showed.
        start = max(start or 0, min(int(last_event_id), MAX_ID))
    if start is None:
        start = (await run_in_threadpool(_fetch, request, org_id, -1))[0][0]

    async def events() -> AsyncIterator[str]:
        cursor = start
        wake = bus.subscribe()
        try:
            yield f"retry: 3000\n: connected after {cursor}\n\n"
            while not await request.is_disconnected():
                # Clear before reading so a commit between the read and the wait still wakes us.
                wake.clear()
                rows = await run_in_threadpool(_fetch, request, org_id, cursor)
                for sid, _kind, data in rows:
                    cursor = sid
                    yield f"id: {sid}\ndata: {data}\n\n"
                if rows:
                    continue
                try:
                    await asyncio.wait_for(wake.wait(), timeout=heartbeat)
                except TimeoutError:
                    yield ": keepalive\n\n"
        finally:
            bus.unsubscribe(wake)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
