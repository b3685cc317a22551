"""POST /api/v1/alerts/channels/{id}/pagerduty-webhook: PagerDuty's V3 webhooks, back to alerts.

Mounted without the org-key dependency (server/app.py, UNPREFIXED_ROUTERS): the caller
is PagerDuty, which must never hold the org key. The body is signed with the channel's
webhook secret and the channel in the path decides the org (pagerduty_sync.py). Order
of checks: size (413), signature (401, nothing read or stored), the org's ingest rate
(429), JSON and the event (400/422), then the event is applied or ignored (200).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from threatvec.alerts import pagerduty_sync
from threatvec.core.crypto import SecretBox
from threatvec.core.problems import problem_responses
from threatvec.ingest.body import check_declared_length, read_limited
from threatvec.ingest.router import check_rate
from threatvec.store.engine import session_scope

__all__ = ["router"]

router = APIRouter(tags=["alerts"])


class PagerDutyWebhookReply(BaseModel):
    """What became of the event."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "event_id": "01DEN3BZGM6NM3RKDMNSBA2SRO",
                    "event_type": "incident.resolved",
                    "outcome": "applied",
                    "alert_id": "7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b",
                    "detail": "alert resolved",
                }
            ]
        }
    )

    event_id: str
    event_type: str
    outcome: str = Field(
        description="applied (the alert moved), unchanged (it was already there or past "
        "it), duplicate (this event id was applied before), ignored (an event type not "
        "synced, or an incident no alert of this channel has)"
    )
    alert_id: str | None
    detail: str


@router.post(
    pagerduty_sync.PATH,
    response_model=PagerDutyWebhookReply,
    summary="Receive PagerDuty V3 webhooks for a PagerDuty channel (signed; no org key)",
    description=(
        "Add this URL as a Generic Webhook (v3) subscription in PagerDuty (events "
        "`incident.acknowledged`, `incident.resolved`, `incident.reopened` and "
        "`incident.unacknowledged`) and save the subscription's "
        "signing secret as the channel's `webhook_secret`. Each request is signed "
        "`X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw body>` (several, "
        "comma-separated, while a secret is rotated). An acknowledged incident acknowledges "
        "its ThreatVec alert and a resolved one resolves it (by `PagerDuty: <who>`); a "
        "reopened or unacknowledged one moves it back to open; all without "
        "sending PagerDuty anything back. Other events, and incidents no alert of this "
        "channel has, are answered 200 and ignored. At most 64 KiB. See docs/alerts.md."
    ),
    responses=problem_responses(400, 401, 413, 422, 429),
)
async def receive_pagerduty(channel_id: str, request: Request) -> Response:
    check_declared_length(request.headers, pagerduty_sync.MAX_BODY_BYTES)
    body = await read_limited(request.stream(), pagerduty_sync.MAX_BODY_BYTES)
    state = request.app.state
    factory = state.session_factory
    box = SecretBox(state.secret_key)
    signature = request.headers.get(pagerduty_sync.SIGNATURE_HEADER)

    def work() -> bytes:
        with session_scope(factory) as session:
            channel = pagerduty_sync.authenticate(
                session=session, channel_id=channel_id, signature=signature, body=body, box=box
            )
            # From here the request is the channel's org (logs and audit say so).
            request.state.org_id, request.state.actor = channel.org_id, "pagerduty-webhook"
            check_rate(request, channel.org_id)
            event = pagerduty_sync.parse_event(body)
            result = pagerduty_sync.apply(session=session, channel=channel, event=event)
        # committed: only now may PagerDuty hear it was taken
        return json.dumps(result.to_dict()).encode()

    content = await run_in_threadpool(work)
    return Response(content, media_type="application/json")
