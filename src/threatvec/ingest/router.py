"""POST /api/v1/ingest: the SDK's batches (JSON, gzip or not), per-org rate limited."""

from __future__ import annotations

import json
import threading
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from threatvec.core.deps import OrgIdDep
from threatvec.core.errors import InvalidInput, RateLimited
from threatvec.core.problems import problem_responses
from threatvec.ingest import service
from threatvec.ingest.body import check_declared_length, inflate, read_limited
from threatvec.ingest.openapi import request_body
from threatvec.ingest.ratelimit import IngestRateLimiter
from threatvec.ingest.schemas import IngestBatchDoc, IngestResult
from threatvec.ingest.store import write_lock
from threatvec.store.engine import session_scope

__all__ = ["check_rate", "router"]

router = APIRouter(tags=["ingest"], responses=problem_responses(401, 422))
_limiter_lock = threading.Lock()


def check_rate(request: Request, org_id: str) -> None:
    """Take one token from the org's bucket or answer 429 with Retry-After."""
    state = request.app.state
    limiter: IngestRateLimiter | None = getattr(state, "ingest_limiter", None)
    if limiter is None:
        with _limiter_lock:
            limiter = getattr(state, "ingest_limiter", None)
            if limiter is None:
                limiter = IngestRateLimiter(state.settings.ingest_rate_per_minute)
                state.ingest_limiter = limiter
    wait = limiter.take(org_id)
    if wait:
        raise RateLimited(f"ingest rate limit reached; retry in {wait} s", retry_after=wait)


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidInput(("body",), "body is not valid UTF-8 JSON", status=400) from None


@router.post(
    "/ingest",
    response_model=IngestResult,
    summary="Ingest a batch of agent events (SDK wire format; gzip accepted)",
    description=(
        "Validated per event: the reply lists each id as accepted, duplicate (already "
        "stored: safe to retry) or rejected with the field and reason. Send "
        "`Content-Encoding: gzip` to compress. Limits: `THREATVEC_INGEST_MAX_BYTES` "
        "(decompressed), `THREATVEC_INGEST_MAX_EVENTS` per batch and 64 KiB per event "
        "give 413; `THREATVEC_INGEST_RATE_PER_MINUTE` batches per org give 429 with "
        "Retry-After. The format is docs/ingest-format.md."
    ),
    responses=problem_responses(400, 413, 415, 429),
    openapi_extra=request_body(IngestBatchDoc),
)
async def ingest(request: Request, org_id: OrgIdDep) -> Response:
    settings = request.app.state.settings
    max_bytes = settings.ingest_max_bytes
    check_declared_length(request.headers, max_bytes)
    check_rate(request, org_id)
    raw = await read_limited(request.stream(), max_bytes)
    body = inflate(raw, request.headers.get("content-encoding"), max_bytes)
    payload = parse_json(body)
    factory = request.app.state.session_factory

    def work() -> bytes:
        with write_lock(request.app.state.engine), session_scope(factory) as session:
            result = service.ingest_batch(
                session=session,
                org_id=org_id,
                payload=payload,
                max_events=settings.ingest_max_events,
                body_bytes=len(body),
                # UTF-8 JSON can carry a NUL only as this escape (a body in UTF-16/32,
                # which json.loads also reads, has zero bytes): else nothing to look for.
                may_contain_nul=b"\\u0000" in body or b"\x00" in body,
            )
        # Committed: only now may the client hear "accepted". Serialised here, once
        # (the model is already valid), instead of FastAPI re-validating 500 ids.
        return result.__pydantic_serializer__.to_json(result)

    return Response(await run_in_threadpool(work), media_type="application/json")
