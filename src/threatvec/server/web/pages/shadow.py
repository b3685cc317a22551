"""Shadow AI Monitor: AI services in use, their risk, PII sent to them, register / alert actions."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from threatvec.core.errors import ThreatVecError
from threatvec.core.pagination import MAX_LIMIT, PageParams
from threatvec.detect.pii import CATEGORIES
from threatvec.server.web import charts
from threatvec.server.web.render import PageContext, PageDep, check_csrf, redirect, render
from threatvec.shadow import service
from threatvec.shadow.schemas import ShadowRegister

router = APIRouter(include_in_schema=False)

BLURB = "AI services your people use, registered or not, and where personal data goes."
STEPS = [
    "Install the browser extension: see the setup page (/extension).",
    "Import Microsoft 365 Copilot audit logs with `threatvec shadow import-m365 FILE`.",
]
RISKS = ("HIGH", "MEDIUM", "LOW")


def _page(
    ctx: PageContext,
    *,
    risk: str | None,
    flash: str | None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    org_id = ctx.org.id
    rows, _ = service.list_page(
        session=ctx.session, org_id=org_id, page=PageParams(limit=MAX_LIMIT), risk=risk
    )
    items = service.service_reads(session=ctx.session, org_id=org_id, rows=rows)
    if not items and risk is None:
        return render(
            ctx,
            "empty_area.html",
            active="/shadow",
            title="Shadow AI Monitor",
            blurb=BLURB,
            steps=STEPS,
            error=error,
            status_code=status_code,
        )
    # Counted in the database: the table shows one page, the cards every service.
    summary = service.org_summary(session=ctx.session, org_id=org_id)
    pii_total = Counter(summary.pii_events)
    trend = service.org_trend(session=ctx.session, org_id=org_id, days=14)
    top = max((p.events for p in trend), default=0)
    trend_svg = charts.line(
        [(p.day.strftime("%b %d"), float(p.events)) for p in trend],
        y_max=max(10.0, float(top) * 1.1),
        label="AI service events per day (14 days)",
    )
    pii_trend_svg = charts.line(
        [(p.day.strftime("%b %d"), float(p.pii_events)) for p in trend],
        y_max=max(5.0, max((p.pii_events for p in trend), default=0) * 1.1),
        label="Events carrying PII per day (14 days)",
    )
    pii_svg = charts.bar(
        [(c, float(pii_total[c])) for c in CATEGORIES if pii_total[c]],
        label="PII categories sent to AI services (events)",
        color="#cf222e",
    )
    return render(
        ctx,
        "shadow.html",
        active="/shadow",
        title="Shadow AI Monitor",
        services=items,
        risk=risk,
        risks=RISKS,
        by_risk=summary.by_risk,
        total=summary.total,
        unregistered=summary.unregistered,
        trend_svg=trend_svg,
        pii_trend_svg=pii_trend_svg,
        pii_svg=pii_svg if pii_total else None,
        categories=CATEGORIES,
        flash=flash,
        error=error,
        status_code=status_code,
    )


@router.get("/shadow", response_class=HTMLResponse)
def shadow_page(ctx: PageDep, risk: str | None = None, flash: str | None = None) -> HTMLResponse:
    return _page(ctx, risk=risk if risk in RISKS else None, flash=flash[:200] if flash else None)


@router.post("/shadow/services/{service_id}/register", response_model=None)
def register(
    ctx: PageDep,
    service_id: str,
    csrf: Annotated[str, Form(max_length=100)] = "",
    allowed_pii: Annotated[list[str] | None, Form()] = None,
) -> Response:
    check_csrf(ctx, csrf)
    try:
        data = ShadowRegister(allowed_pii=[c for c in allowed_pii or [] if c in CATEGORIES])  # type: ignore[misc]
        s = service.register_service(
            session=ctx.session, org_id=ctx.org.id, service_id=service_id[:64], data=data
        )
    except (ValidationError, ThreatVecError) as exc:
        detail = exc.detail if isinstance(exc, ThreatVecError) else "invalid input"
        return _page(
            ctx,
            risk=None,
            flash=None,
            error=f"Not registered: {detail}",
            status_code=getattr(exc, "status", 422),
        )
    ctx.session.commit()
    return redirect(ctx, f"/shadow?flash=Registered+{s.domain}")


@router.post("/shadow/services/{service_id}/alert", response_model=None)
def alert(
    ctx: PageDep,
    service_id: str,
    csrf: Annotated[str, Form(max_length=100)] = "",
    trigger: Annotated[str, Form(max_length=20)] = "pii",
) -> Response:
    check_csrf(ctx, csrf)
    if trigger not in ("pii", "any_use"):
        trigger = "pii"
    s = service.get_or_raise(session=ctx.session, org_id=ctx.org.id, service_id=service_id[:64])
    service.add_alert_intent(
        session=ctx.session, org_id=ctx.org.id, service_id=s.id, trigger=trigger, actor="dashboard"
    )
    ctx.session.commit()
    return redirect(ctx, f"/shadow?flash=Alert+rule+added+for+{s.domain}")
