"""POST /api/v1/enforcement/webhook: decisions from an enforcement layer, signed per source.

Mounted without the org-key dependency (server/app.py, UNPREFIXED_ROUTERS)
because the caller is a gateway, not a person with the org key: the request
is authenticated by its HMAC signature (enforcement/signature.py) and the
source it names decides the org. Only this one path is mounted here.
Order of checks: size (413), signature (401, nothing read or stored),
the org's ingest rate (429), JSON (400), then each event on its own.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from threatvec.core.crypto import SecretBox
from threatvec.core.errors import InvalidInput
from threatvec.core.problems import problem_responses
from threatvec.enforcement import service
from threatvec.enforcement.schemas import WebhookBatchDoc, WebhookResult
from threatvec.enforcement.signature import SIGNATURE_HEADER, SOURCE_HEADER, TIMESTAMP_HEADER
from threatvec.ingest.body import check_declared_length, read_limited
from threatvec.ingest.openapi import request_body
from threatvec.ingest.router import check_rate
from threatvec.store.engine import session_scope

__all__ = ["MAX_BODY_BYTES", "PATH", "router"]

PATH = "/api/v1/enforcement/webhook"
MAX_BODY_BYTES = 1024 * 1024

router = APIRouter(tags=["enforcement"])

_HEADERS_DOC = [
    {
        "name": SOURCE_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "maxLength": 64},
        "description": "The enforcement source id (from POST /api/v1/enforcement/sources)",
    },
    {
        "name": TIMESTAMP_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "maxLength": 20},
        "description": "Unix seconds when the body was signed (±300 s replay window)",
    },
    {
        "name": SIGNATURE_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "maxLength": 100},
        "description": 'sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the secret>',
    },
]


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidInput(("body",), "body is not valid UTF-8 JSON", status=400) from None


@router.post(
    PATH,
    response_model=WebhookResult,
    summary="Receive enforcement decisions (HMAC-signed; no org key)",
    description=(
        "Authenticated by the signature, not `X-Org-Key`: sign `<timestamp>.<raw body>` with "
        "the source's secret (HMAC-SHA256) and send `X-ThreatVec-Source`, "
        "`X-ThreatVec-Timestamp` and `X-ThreatVec-Signature: sha256=<hex>`. A wrong or missing "
        "signature, a timestamp outside ±300 s, an unknown or disabled source give 401 with "
        'the reason, and nothing is stored. Body: `{"events": [...]}` (1–500 events, at most '
        "1 MiB, not compressed) or one event object. Each event is judged on its own: the "
        "reply lists every event id as accepted, duplicate (already stored for this source: "
        "safe to re-send) or rejected with its index and reason; 207 when any was rejected. "
        "Unknown fields are dropped; see docs/enforcement.md."
    ),
    responses={
        207: {"model": WebhookResult, "description": "Some events were rejected (see `rejected`)"},
        **problem_responses(400, 401, 413, 422, 429),
    },
    openapi_extra={**request_body(WebhookBatchDoc), "parameters": _HEADERS_DOC},
)
async def receive_webhook(request: Request) -> Response:
    check_declared_length(request.headers, MAX_BODY_BYTES)
    body = await read_limited(request.stream(), MAX_BODY_BYTES)
    state = request.app.state
    factory = state.session_factory
    box = SecretBox(state.secret_key)
    headers = request.headers

    def work() -> tuple[bytes, bool]:
        with session_scope(factory) as session:
            source = service.authenticate(
                session=session,
                source_id=headers.get(SOURCE_HEADER),
                timestamp=headers.get(TIMESTAMP_HEADER),
                signature=headers.get(SIGNATURE_HEADER),
                body=body,
                box=box,
            )
            # From here the request is the source's org (audit fields and logs say so).
            request.state.org_id, request.state.actor = source.org_id, "enforcement-webhook"
            check_rate(request, source.org_id)
            payload = _parse(body)
            result = service.receive_events(session=session, source=source, payload=payload)
        # committed: only now may the sender hear "accepted"
        return result.__pydantic_serializer__.to_json(result), bool(result.rejected)

    content, partial = await run_in_threadpool(work)
    return Response(content, status_code=207 if partial else 200, media_type="application/json")
