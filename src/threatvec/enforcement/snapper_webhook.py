"""POST /api/v1/enforcement/snapper/{source_id}: Snapper's SIEM webhook, as Snapper sends it.

Mounted without the org-key dependency, like the generic enforcement webhook:
Snapper signs the body with the source's secret, and the source in the path
decides the org. Order of checks: size (413), signature (401, nothing read or
stored), the org's ingest rate (429), JSON and the event (400/422).
"""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from threatvec.core.crypto import SecretBox
from threatvec.core.errors import InvalidInput
from threatvec.core.problems import problem_responses
from threatvec.enforcement import snapper
from threatvec.ingest.body import check_declared_length, read_limited
from threatvec.ingest.router import check_rate
from threatvec.store.engine import session_scope

__all__ = ["MAX_BODY_BYTES", "router"]

MAX_BODY_BYTES = 256 * 1024  # one audit event per request

router = APIRouter(tags=["enforcement"])


class SnapperReply(BaseModel):
    """What became of the event."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "event": "request_denied",
                    "outcome": "stored",
                    "event_id": "snapper:request_denied:9f2c4e1a7b3d4c5e",
                }
            ]
        }
    )

    event: str = Field(description="Snapper's audit action")
    outcome: Literal["stored", "duplicate", "signal", "ignored"] = Field(
        description="stored as a decision, already stored, stored as a security event and "
        "raised as a snapper.* signal, or acknowledged and not stored"
    )
    event_id: str | None = Field(default=None, description="The id it is stored under")


@router.post(
    snapper.PATH,
    response_model=SnapperReply,
    summary="Receive Snapper's SIEM webhook (HMAC-signed; no org key)",
    description=(
        "Point Snapper's `SIEM_WEBHOOK_URL` here (with `SIEM_OUTPUT=webhook`) and set "
        "`SIEM_WEBHOOK_SECRET` to the source's secret. One audit event per request, signed "
        "`X-Snapper-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, with "
        "`X-Snapper-Timestamp` within ±300 s. Decisions (request_denied, request_allowed, "
        "credential_access_blocked, ...) become enforcement events; security events "
        "(agent_quarantined, security_alert, cve_mitigation_triggered, "
        "security_scan_completed) and threat-engine events (threat_detected, "
        "threat_score_elevated, threat_kill_chain_completed, ...) are stored (listed at "
        "/api/v1/enforcement/security-events) and raised as `snapper.*` signals; others are "
        "acknowledged and not stored. The reply says which (`outcome`). "
        "See docs/enforcement.md."
    ),
    responses=problem_responses(400, 401, 413, 422, 429),
)
async def receive_snapper(source_id: str, request: Request) -> Response:
    check_declared_length(request.headers, MAX_BODY_BYTES)
    body = await read_limited(request.stream(), MAX_BODY_BYTES)
    state = request.app.state
    factory = state.session_factory
    box = SecretBox(state.secret_key)
    headers = request.headers

    def work() -> bytes:
        with session_scope(factory) as session:
            source = snapper.authenticate(
                session=session,
                source_id=source_id,
                timestamp=headers.get(snapper.TIMESTAMP_HEADER),
                signature=headers.get(snapper.SIGNATURE_HEADER),
                body=body,
                box=box,
            )
            request.state.org_id, request.state.actor = source.org_id, "snapper-webhook"
            check_rate(request, source.org_id)
            try:
                result = snapper.receive(
                    session=session,
                    source=source,
                    payload=snapper.parse_body(body),
                    body=body,
                )
            except ValueError as exc:
                where, _, what = str(exc).partition(": ")
                status = 400 if where == "body" and "JSON" in what else 422
                raise InvalidInput((where,), what or str(exc), status=status) from None
        return json.dumps(result.to_dict()).encode()

    content = await run_in_threadpool(work)
    return Response(content, media_type="application/json")
