"""/api/v1/alerts: rules, channels, fired alerts, their deliveries, on-demand evaluation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from threatvec.alerts import flows, service
from threatvec.alerts.schemas import (
    AlertPage,
    AlertRead,
    AlertRef,
    AlertSubjectPage,
    AlertSubjectRead,
    ChannelCreate,
    ChannelDeleteRead,
    ChannelKind,
    ChannelPage,
    ChannelRead,
    ChannelTestResult,
    ChannelUpdate,
    DeliveryPage,
    DeliveryRead,
    EvaluationRead,
    RuleCreate,
    RulePage,
    RuleRead,
    RuleUpdate,
    Severity,
    TriggerName,
)
from threatvec.core.crypto import SecretBox
from threatvec.core.deps import OrgIdDep, PageDep, SessionDep, actor
from threatvec.core.problems import problem_responses
from threatvec.core.public_url import configured_url

router = APIRouter(prefix="/alerts", tags=["alerts"], responses=problem_responses(401, 422))

IdPath = Annotated[str, Path(min_length=1, max_length=64)]
AlertStatusQ = Annotated[str | None, Query(pattern="^(open|acknowledged|resolved)$")]


def _box(request: Request) -> SecretBox:
    return SecretBox(request.app.state.secret_key)


def _allow_private(request: Request) -> bool:
    return bool(request.app.state.settings.allow_private_outbound)


def _channel_read(channel: object, request: Request) -> ChannelRead:
    read = ChannelRead.model_validate(channel)
    base = configured_url(request.app.state.settings)
    # Only the configured public URL: a client reading the API may sit anywhere, and
    # this request's own address (or Host header) is no address for PagerDuty.
    if base and read.webhook_path:
        read.webhook_url = base + read.webhook_path
    return read


# ── rules ──────────────────────────────────────────────────────────────────


@router.post(
    "/rules",
    response_model=RuleRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create an alert rule",
)
def create_rule(
    data: RuleCreate, request: Request, session: SessionDep, org_id: OrgIdDep
) -> RuleRead:
    rule = service.create_rule(session=session, org_id=org_id, data=data, actor=actor(request))
    return RuleRead.model_validate(rule)


@router.get("/rules", response_model=RulePage, summary="List alert rules")
def list_rules(
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    trigger: TriggerName | None = None,
    enabled: bool | None = None,
) -> RulePage:
    rows, cursor = service.list_rule_page(
        session=session, org_id=org_id, page=page, trigger=trigger, enabled=enabled
    )
    return RulePage(items=[RuleRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get("/rules/{rule_id}", response_model=RuleRead, responses=problem_responses(404))
def get_rule(rule_id: IdPath, session: SessionDep, org_id: OrgIdDep) -> RuleRead:
    return RuleRead.model_validate(
        service.get_rule_or_raise(session=session, org_id=org_id, rule_id=rule_id)
    )


@router.patch(
    "/rules/{rule_id}",
    response_model=RuleRead,
    responses=problem_responses(404),
    summary='Change a rule (toggle with {"enabled": false})',
)
def update_rule(
    rule_id: IdPath, data: RuleUpdate, session: SessionDep, org_id: OrgIdDep
) -> RuleRead:
    return RuleRead.model_validate(
        service.update_rule(session=session, org_id=org_id, rule_id=rule_id, data=data)
    )


@router.delete(
    "/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404)
)
def delete_rule(rule_id: IdPath, session: SessionDep, org_id: OrgIdDep) -> None:
    service.delete_rule(session=session, org_id=org_id, rule_id=rule_id)


# ── channels ───────────────────────────────────────────────────────────────


@router.post(
    "/channels",
    response_model=ChannelRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a notification channel (secrets are write-only)",
)
def create_channel(
    data: ChannelCreate, request: Request, session: SessionDep, org_id: OrgIdDep
) -> ChannelRead:
    channel = service.create_channel(
        session=session,
        org_id=org_id,
        data=data,
        box=_box(request),
        allow_private=_allow_private(request),
    )
    return _channel_read(channel, request)


@router.get("/channels", response_model=ChannelPage, summary="List notification channels")
def list_channels(
    request: Request,
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    kind: ChannelKind | None = None,
) -> ChannelPage:
    rows, cursor = service.list_channel_page(session=session, org_id=org_id, page=page, kind=kind)
    return ChannelPage(items=[_channel_read(r, request) for r in rows], next_cursor=cursor)


@router.get("/channels/{channel_id}", response_model=ChannelRead, responses=problem_responses(404))
def get_channel(
    channel_id: IdPath, request: Request, session: SessionDep, org_id: OrgIdDep
) -> ChannelRead:
    return _channel_read(
        service.get_channel_or_raise(session=session, org_id=org_id, channel_id=channel_id),
        request,
    )


@router.patch(
    "/channels/{channel_id}", response_model=ChannelRead, responses=problem_responses(404, 409)
)
def update_channel(
    channel_id: IdPath,
    data: ChannelUpdate,
    request: Request,
    session: SessionDep,
    org_id: OrgIdDep,
) -> ChannelRead:
    channel = service.update_channel(
        session=session,
        org_id=org_id,
        channel_id=channel_id,
        data=data,
        box=_box(request),
        allow_private=_allow_private(request),
    )
    return _channel_read(channel, request)


@router.delete(
    "/channels/{channel_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    responses={
        200: {"model": ChannelDeleteRead, "description": "Deleted with ?force=true: what it did"},
        **problem_responses(404, 409),
    },
    summary="Delete a channel (rules stop sending to it; 409 while alerts it was told of are open)",
)
def delete_channel(
    channel_id: IdPath,
    session: SessionDep,
    org_id: OrgIdDep,
    force: Annotated[
        bool,
        Query(
            description="Delete even with open alerts: PagerDuty incidents are resolved, "
            "the reply lists what stays open elsewhere"
        ),
    ] = False,
) -> Response:
    done = service.delete_channel(
        session=session, org_id=org_id, channel_id=channel_id, force=force
    )
    if not done.resolves_queued and not done.left_open:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    body = ChannelDeleteRead(
        resolves_queued=done.resolves_queued,
        left_open=[AlertRef.model_validate(a) for a in done.left_open],
        detail=done.detail,
    )
    return JSONResponse(body.model_dump(mode="json"))


@router.post(
    "/channels/{channel_id}/test",
    response_model=ChannelTestResult,
    responses=problem_responses(404),
    summary="Send a test message through the channel now",
)
def test_channel(
    channel_id: IdPath, request: Request, session: SessionDep, org_id: OrgIdDep
) -> ChannelTestResult:
    ok, code, error = flows.send_test(
        session=session,
        org_id=org_id,
        channel_id=channel_id,
        box=_box(request),
        allow_private=_allow_private(request),
    )
    return ChannelTestResult(ok=ok, status_code=code, error=error)


# ── alerts ─────────────────────────────────────────────────────────────────


@router.post(
    "/evaluate",
    response_model=EvaluationRead,
    summary="Evaluate the rules on new signals now (the scheduler also does, every 30 s)",
)
def evaluate(session: SessionDep, org_id: OrgIdDep) -> EvaluationRead:
    result = flows.evaluate(session=session, org_id=org_id)
    return EvaluationRead(
        signals=result.signals,
        matched=result.matched,
        alerts_created=result.alerts_created,
        alerts_folded=result.alerts_folded,
        deliveries=result.deliveries,
        auto_resolved=result.auto_resolved,
        cursor=result.cursor,
    )


@router.get("", response_model=AlertPage, summary="List fired alerts (newest first)")
def list_alerts(
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    status_: Annotated[AlertStatusQ, Query(alias="status")] = None,
    trigger: TriggerName | None = None,
    severity: Severity | None = None,
    rule_id: Annotated[str | None, Query(max_length=64)] = None,
) -> AlertPage:
    rows, cursor = service.list_alert_page(
        session=session,
        org_id=org_id,
        page=page,
        status=status_,
        trigger=trigger,
        severity=severity,
        rule_id=rule_id,
    )
    return AlertPage(items=[AlertRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get("/{alert_id}", response_model=AlertRead, responses=problem_responses(404))
def get_alert(alert_id: IdPath, session: SessionDep, org_id: OrgIdDep) -> AlertRead:
    return AlertRead.model_validate(
        service.get_alert_or_raise(session=session, org_id=org_id, alert_id=alert_id)
    )


@router.post(
    "/{alert_id}/ack",
    response_model=AlertRead,
    responses=problem_responses(404, 409),
    summary="Acknowledge an alert",
)
def acknowledge(
    alert_id: IdPath, request: Request, session: SessionDep, org_id: OrgIdDep
) -> AlertRead:
    return AlertRead.model_validate(
        service.acknowledge(session=session, org_id=org_id, alert_id=alert_id, actor=actor(request))
    )


@router.post(
    "/{alert_id}/resolve",
    response_model=AlertRead,
    responses=problem_responses(404),
    summary="Resolve an alert (new matches then open a new one)",
)
def resolve(alert_id: IdPath, request: Request, session: SessionDep, org_id: OrgIdDep) -> AlertRead:
    return AlertRead.model_validate(
        service.resolve(session=session, org_id=org_id, alert_id=alert_id, actor=actor(request))
    )


@router.get(
    "/{alert_id}/deliveries",
    response_model=DeliveryPage,
    responses=problem_responses(404),
    summary="Each channel's delivery of this alert: status, attempts, last error",
)
def list_deliveries(
    alert_id: IdPath, session: SessionDep, org_id: OrgIdDep, page: PageDep
) -> DeliveryPage:
    rows, cursor = service.list_delivery_page(
        session=session, org_id=org_id, alert_id=alert_id, page=page
    )
    return DeliveryPage(items=[DeliveryRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get(
    "/{alert_id}/subjects",
    response_model=AlertSubjectPage,
    responses=problem_responses(400, 404),
    summary="Every service, CVE or MCP server the alert is about, in the order it named them",
    description=(
        "The alert itself shows the first 20 (`details.subjects`) and the count "
        "(`details.subjects_total`); this pages through all of them with `limit` and "
        "`cursor`. Alerts of triggers without subjects (and alerts stored before every "
        "subject was kept) have none."
    ),
)
def list_subjects(
    alert_id: IdPath, session: SessionDep, org_id: OrgIdDep, page: PageDep
) -> AlertSubjectPage:
    rows, cursor = service.list_subject_page(
        session=session, org_id=org_id, alert_id=alert_id, page=page
    )
    return AlertSubjectPage(
        items=[AlertSubjectRead.model_validate(r) for r in rows], next_cursor=cursor
    )


@router.post(
    "/{alert_id}/deliveries/{delivery_id}/retry",
    response_model=DeliveryRead,
    responses=problem_responses(404, 409),
    summary="Send a failed delivery again (e.g. after an outage longer than the retry window)",
)
def retry_delivery(
    alert_id: IdPath, delivery_id: IdPath, session: SessionDep, org_id: OrgIdDep
) -> DeliveryRead:
    return DeliveryRead.model_validate(
        service.retry_delivery(
            session=session, org_id=org_id, alert_id=alert_id, delivery_id=delivery_id
        )
    )
