"""POST /api/v1/integrations/{id}/zscaler/nss: Zscaler Cloud NSS deliveries, per-integration token.

Mounted without the org-key dependency (server/app.py, UNPREFIXED_ROUTERS): the
caller is Zscaler's cloud, which must never hold the org key. The request is
authenticated by the integration's ingest token (``Authorization: Bearer …``)
and the integration decides the org. Order of checks: size (413), token (401,
nothing read or stored), disabled (403), the org's ingest rate (429), then each
record on its own (200, or 207 when any was rejected).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from threatvec.core.problems import problem_responses
from threatvec.ingest.body import check_declared_length, inflate, read_limited
from threatvec.ingest.router import check_rate
from threatvec.integrations import receive, tokens
from threatvec.integrations.schemas import DeliveryResult
from threatvec.store.engine import session_scope

__all__ = ["MAX_BODY_BYTES", "router"]

# Cloud NSS batches up to the feed's "Max Batch Size"; the docs ask for 4 MB or less.
MAX_BODY_BYTES = 4 * 1024 * 1024

router = APIRouter(tags=["integrations"])

_HEADERS_DOC = [
    {
        "name": tokens.HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "maxLength": 300},
        "description": "Bearer <the integration's ingest token> (an HTTP header on the feed)",
    }
]


@router.post(
    "/api/v1/integrations/{integration_id}/zscaler/nss",
    response_model=DeliveryResult,
    summary="Receive a Zscaler Cloud NSS web log delivery (ingest token; no org key)",
    description=(
        "Authenticated by `Authorization: Bearer <ingest token>` (shown once when the zscaler "
        "integration is created, or rotated), not `X-Org-Key`. Body: the feed's JSON output — "
        "newline-delimited records, a JSON array, or one object; HEC-style "
        '`{"event": {...}}` wrappers are unwrapped. At most 4 MiB (gzip allowed) and '
        "10,000 records. Each record is judged on its own: accepted (a new Shadow AI event), "
        "duplicate (already stored: safe to re-send), ignored (not a DLP hit to an AI "
        "service), or rejected with its index and reason; 207 when any was rejected."
    ),
    responses={
        207: {"model": DeliveryResult, "description": "Some records were rejected"},
        **problem_responses(400, 401, 403, 413, 415, 429),
    },
    openapi_extra={"parameters": _HEADERS_DOC},
)
async def receive_nss(request: Request, integration_id: str) -> Response:
    # No length check here: a malformed id is just one more way to get the same 401.
    check_declared_length(request.headers, MAX_BODY_BYTES)
    body = await read_limited(request.stream(), MAX_BODY_BYTES)
    body = inflate(body, request.headers.get("content-encoding"), MAX_BODY_BYTES)
    factory = request.app.state.session_factory
    authorization = request.headers.get(tokens.HEADER)

    def work() -> tuple[bytes, bool]:
        with session_scope(factory) as session:
            row = tokens.authenticate(
                session=session,
                integration_id=integration_id,
                kind="zscaler",
                authorization=authorization,
            )
            # From here the request is the integration's org (logs and audit say so).
            request.state.org_id, request.state.actor = row.org_id, f"integration:{row.id}"
            check_rate(request, row.org_id)
            records = receive.parse_body(row.kind, body)
            result = receive.deliver(session=session, row=row, records=records)
        # committed: only now may Zscaler hear "accepted"
        return result.__pydantic_serializer__.to_json(result), bool(result.rejected)

    content, partial = await run_in_threadpool(work)
    return Response(content, status_code=207 if partial else 200, media_type="application/json")
