"""Settings → Alert Rules: rules, channels, a rule with its channel, toggles, recent alerts."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from threatvec.alerts import clearing, flows, pagerduty_sync, service
from threatvec.alerts.schemas import TRIGGERS, ChannelCreate, RuleCreate, RuleUpdate
from threatvec.core.crypto import SecretBox
from threatvec.core.errors import ThreatVecError
from threatvec.core.pagination import PageParams
from threatvec.core.public_url import public_base
from threatvec.server.web.render import PageContext, PageDep, check_csrf, redirect, render

router = APIRouter(include_in_schema=False)
ACTOR = "dashboard"
PAGE = "/settings/alerts"
TRIGGER_LABELS = {
    "score_drop": "Posture score drops by X points",
    "new_shadow_asset": "Unregistered AI service discovered",
    "pii_spike": "PII detections reach a threshold in a window",
    "red_team_bypass": "Red-team scenario bypasses controls",
    "new_critical_cve": "Critical CVE affecting the stack",
    "mcp_rug_pull": "Approved MCP server changed",
}


def _describe(condition: dict[str, Any]) -> str:
    """One line saying what a stored condition waits for."""
    t = condition.get("trigger")
    if t == "score_drop":
        basis = (
            "previous"
            if condition.get("compare") == "previous"
            else f"{condition.get('hours')} h ago"
        )
        return f"drop ≥ {condition.get('points')} vs {basis}"
    if t == "pii_spike":
        scope = ", ".join(condition.get("domains") or []) or (
            f"{len(condition['service_ids'])} service(s)"
            if condition.get("service_ids")
            else "any service"
        )
        return f"≥ {condition.get('threshold')} in {condition.get('window_minutes')} min · {scope}"
    if t == "new_shadow_asset":
        return ", ".join(condition.get("domains") or []) or "any service"
    if t == "red_team_bypass":
        return f"severity ≥ {condition.get('min_severity')}"
    return ""


def _page(
    ctx: PageContext,
    *,
    flash: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    org_id = ctx.org.id
    rules = service.list_rules(session=ctx.session, org_id=org_id)
    channels = service.list_channels(session=ctx.session, org_id=org_id)
    alerts = service.list_recent_alerts(session=ctx.session, org_id=org_id, limit=25)
    public = public_base(ctx.request)
    deliveries = service.deliveries_for(
        session=ctx.session, org_id=org_id, alert_ids=[a.id for a in alerts]
    )
    return render(
        ctx,
        "alerts.html",
        active="/settings",
        title="Alert Rules",
        rules=rules,
        channels=channels,
        channel_names={c.id: c.name for c in channels},
        # Where PagerDuty's V3 webhook subscription calls each PagerDuty channel back.
        pd_webhook_urls={
            c.id: public.join(pagerduty_sync.webhook_path(c.id))
            for c in channels
            if c.kind == "pagerduty"
        },
        public=public,
        alerts=alerts,
        # Why an alert can never resolve itself (stored before every subject was kept).
        manual_only=clearing.manual_only,
        subjects_total=clearing.TOTAL,
        subject_nouns=SUBJECT_NOUNS,
        deliveries=deliveries,
        triggers=TRIGGERS,
        trigger_labels=TRIGGER_LABELS,
        describe=_describe,
        form=form or {},
        flash=flash,
        error=error,
        status_code=status_code,
    )


@router.get(PAGE, response_class=HTMLResponse)
def alerts_page(ctx: PageDep, flash: str | None = None) -> HTMLResponse:
    return _page(ctx, flash=flash[:200] if flash else None)


SUBJECTS_PER_PAGE = 100
SUBJECT_NOUNS = {"new_shadow_asset": "services", "new_critical_cve": "CVEs",
                 "mcp_rug_pull": "MCP servers"}  # fmt: skip


@router.get(PAGE + "/{alert_id}/subjects", response_class=HTMLResponse)
def alert_subjects_page(
    ctx: PageDep,
    alert_id: str,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """Every subject of an alert, 100 a page (the Recent alerts row shows the first 20)."""
    org_id = ctx.org.id
    # Another org's alert id is a 404, as in the API.
    alert = service.get_alert_or_raise(session=ctx.session, org_id=org_id, alert_id=alert_id[:64])
    subjects, next_cursor = service.list_subject_page(
        session=ctx.session,
        org_id=org_id,
        alert_id=alert.id,
        page=PageParams(limit=SUBJECTS_PER_PAGE, cursor=cursor or None),
    )
    first = (page - 1) * SUBJECTS_PER_PAGE + 1 if cursor else 1
    here = f"{PAGE}/{alert.id}/subjects"
    return render(
        ctx,
        "alert_subjects.html",
        active="/settings",
        title="Alert subjects",
        alert=alert,
        subjects=subjects,
        labels=service.subject_labels(session=ctx.session, org_id=org_id, subjects=subjects),
        noun=SUBJECT_NOUNS.get(alert.trigger, "subjects"),
        total=(alert.details or {}).get(clearing.TOTAL),
        shown_from=first,
        shown_to=first + len(subjects) - 1,
        next_url=f"{here}?cursor={quote(next_cursor)}&page={page + 1}" if next_cursor else None,
        first_url=here if cursor else None,
    )


def _condition(
    trigger: str, value: str, window: str, domains: str, min_severity: str
) -> dict[str, Any]:
    """The form's few inputs mapped onto the chosen trigger's params (pydantic validates them)."""
    listed = [d for d in (x.strip() for x in domains.split(",")) if d]
    cond: dict[str, Any] = {"trigger": trigger}
    if trigger == "score_drop":
        cond["points"] = value or None
    elif trigger == "pii_spike":
        cond["threshold"] = value or None
        if window:
            cond["window_minutes"] = window
        if listed:
            cond["domains"] = listed
    elif trigger == "new_shadow_asset" and listed:
        cond["domains"] = listed
    elif trigger == "red_team_bypass" and min_severity:
        cond["min_severity"] = min_severity
    return cond


def _messages(exc: ValidationError | ThreatVecError) -> str:
    if isinstance(exc, ThreatVecError):
        return exc.detail
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'] if p not in TRIGGERS)}: {e['msg']}"
        for e in exc.errors()
    )


@router.post(f"{PAGE}/rules", response_model=None)
def create_rule(
    ctx: PageDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    trigger: Annotated[str, Form(max_length=30)] = "",
    value: Annotated[str, Form(max_length=20)] = "",
    window_minutes: Annotated[str, Form(max_length=10)] = "",
    domains: Annotated[str, Form(max_length=2000)] = "",
    min_severity: Annotated[str, Form(max_length=10)] = "",
    severity: Annotated[str, Form(max_length=10)] = "high",
    cooldown_minutes: Annotated[str, Form(max_length=10)] = "60",
    channel: Annotated[str, Form(max_length=64)] = "",
    channel_url: Annotated[str, Form(max_length=2000)] = "",
    channel_secret: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    check_csrf(ctx, csrf)
    form = {"name": name, "trigger": trigger, "value": value, "window_minutes": window_minutes,
            "domains": domains, "min_severity": min_severity, "severity": severity,
            "cooldown_minutes": cooldown_minutes, "channel": channel}  # fmt: skip
    settings = ctx.request.app.state.settings
    try:
        channel_ids: list[str] = []
        if channel in ("new_slack", "new_webhook"):
            new = ChannelCreate.model_validate(
                {
                    "name": f"{name.strip() or 'Alert'} ({channel.removeprefix('new_')})",
                    "settings": {"kind": "slack", "webhook_url": channel_url}
                    if channel == "new_slack"
                    else {"kind": "webhook", "url": channel_url, "secret": channel_secret},
                }
            )
            made = service.create_channel(
                session=ctx.session,
                org_id=ctx.org.id,
                data=new,
                box=SecretBox(ctx.request.app.state.secret_key),
                allow_private=bool(settings.allow_private_outbound),
            )
            channel_ids = [made.id]
        elif channel:
            channel_ids = [channel]
        data = RuleCreate.model_validate(
            {
                "name": name,
                "condition": _condition(trigger, value, window_minutes, domains, min_severity),
                "severity": severity,
                "cooldown_minutes": cooldown_minutes or 60,
                "channel_ids": channel_ids,
            }
        )
        rule = service.create_rule(session=ctx.session, org_id=ctx.org.id, data=data, actor=ACTOR)
    except (ValidationError, ThreatVecError) as exc:
        ctx.session.rollback()
        return _page(ctx, error=f"Rule not created: {_messages(exc)}", form=form, status_code=422)
    ctx.session.commit()
    return redirect(ctx, f"{PAGE}?flash=Rule+created:+{rule.id}")


@router.post(PAGE + "/rules/{rule_id}/toggle", response_model=None)
def toggle_rule(
    ctx: PageDep, rule_id: str, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    check_csrf(ctx, csrf)
    rule = service.get_rule_or_raise(session=ctx.session, org_id=ctx.org.id, rule_id=rule_id[:64])
    service.update_rule(session=ctx.session, org_id=ctx.org.id, rule_id=rule.id,
                        data=RuleUpdate(enabled=not rule.enabled))  # fmt: skip
    ctx.session.commit()
    state = "enabled" if rule.enabled else "disabled"
    return redirect(ctx, f"{PAGE}?flash=Rule+{state}")


@router.post(PAGE + "/rules/{rule_id}/delete", response_model=None)
def delete_rule(
    ctx: PageDep, rule_id: str, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    check_csrf(ctx, csrf)
    service.delete_rule(session=ctx.session, org_id=ctx.org.id, rule_id=rule_id[:64])
    ctx.session.commit()
    return redirect(ctx, f"{PAGE}?flash=Rule+deleted")


@router.post(PAGE + "/channels/{channel_id}/test", response_model=None)
def test_channel(
    ctx: PageDep, channel_id: str, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    check_csrf(ctx, csrf)
    ok, _code, error = flows.send_test(
        session=ctx.session,
        org_id=ctx.org.id,
        channel_id=channel_id[:64],
        box=SecretBox(ctx.request.app.state.secret_key),
        allow_private=bool(ctx.request.app.state.settings.allow_private_outbound),
    )
    ctx.session.commit()
    if ok:
        return redirect(ctx, f"{PAGE}?flash=Test+message+sent")
    return _page(ctx, error=f"Test failed: {error}", status_code=200)


@router.post(PAGE + "/channels/{channel_id}/pagerduty-webhook-secret", response_model=None)
def set_pagerduty_webhook_secret(
    ctx: PageDep,
    channel_id: str,
    csrf: Annotated[str, Form(max_length=100)] = "",
    webhook_secret: Annotated[str, Form(max_length=300)] = "",
    remove: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Save (or remove) the PagerDuty subscription's signing secret; the routing key stays."""
    check_csrf(ctx, csrf)
    if not remove and not webhook_secret.strip():
        return _page(ctx, error="webhook_secret: paste the subscription's signing secret",
                     status_code=422)  # fmt: skip
    try:
        pagerduty_sync.set_webhook_secret(
            session=ctx.session,
            org_id=ctx.org.id,
            channel_id=channel_id[:64],
            secret=None if remove else webhook_secret,
            box=SecretBox(ctx.request.app.state.secret_key),
        )
    except ValidationError as exc:
        return _page(ctx, error=_messages(exc), status_code=422)
    except ThreatVecError as exc:
        return _page(ctx, error=exc.detail, status_code=exc.status)
    ctx.session.commit()
    done = "removed" if remove else "saved"
    return redirect(ctx, f"{PAGE}?flash=PagerDuty+webhook+secret+{done}")


@router.post(PAGE + "/{alert_id}/deliveries/{delivery_id}/retry", response_model=None)
def retry_delivery(
    ctx: PageDep,
    alert_id: str,
    delivery_id: str,
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Queue a delivery that gave up (a long outage) again; the next delivery run sends it."""
    check_csrf(ctx, csrf)
    try:
        service.retry_delivery(
            session=ctx.session,
            org_id=ctx.org.id,
            alert_id=alert_id[:64],
            delivery_id=delivery_id[:64],
        )
    except ThreatVecError as exc:
        return _page(ctx, error=exc.detail, status_code=exc.status)
    ctx.session.commit()
    return redirect(ctx, f"{PAGE}?flash=Delivery+queued+again")


@router.post(PAGE + "/{alert_id}/{action}", response_model=None)
def alert_action(
    ctx: PageDep, alert_id: str, action: str, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    check_csrf(ctx, csrf)
    if action == "ack":
        service.acknowledge(
            session=ctx.session, org_id=ctx.org.id, alert_id=alert_id[:64], actor=ACTOR
        )
    elif action == "resolve":
        service.resolve(session=ctx.session, org_id=ctx.org.id, alert_id=alert_id[:64], actor=ACTOR)
    else:
        return _page(ctx, error="Unknown action", status_code=404)
    ctx.session.commit()
    return redirect(ctx, f"{PAGE}?flash=Alert+{'acknowledged' if action == 'ack' else 'resolved'}")
