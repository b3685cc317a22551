"""Settings → Snapper: connect a Snapper agent firewall and see what it reports.

A Snapper connection is an enforcement source of kind ``snapper``; the page
gives the three settings to paste into Snapper (its SIEM webhook output), with
the secret shown once, and lists what Snapper has sent: decisions (the same
events the Live AI Traffic feed and the gap scan use) and its security and
threat-engine events (stored; also raised as ``snapper.*`` signals). The
receiving side is `threatvec.enforcement.snapper`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from threatvec.core.crypto import SecretBox
from threatvec.core.errors import ThreatVecError
from threatvec.core.pagination import PageParams
from threatvec.core.public_url import public_base
from threatvec.enforcement import service, snapper
from threatvec.enforcement.models import (
    EnforcementEvent,
    EnforcementSource,
    SnapperSecurityEvent,
)
from threatvec.enforcement.schemas import SourceCreate
from threatvec.server.web.pages import settings
from threatvec.server.web.render import PageContext, PageDep, check_csrf, render

router = APIRouter(include_in_schema=False)
PAGE = "/settings/snapper"
RECENT = 25


def webhook_url(ctx: PageContext, source_id: str) -> str:
    return public_base(ctx.request).join(snapper.PATH.format(source_id=source_id))


def _sources(ctx: PageContext) -> list[EnforcementSource]:
    sources, _ = service.list_sources(
        session=ctx.session, org_id=ctx.org.id, page=PageParams(limit=200, sort="name")
    )
    return [s for s in sources if s.kind == "snapper"]


def _page(
    ctx: PageContext,
    *,
    created: tuple[EnforcementSource, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    sources = _sources(ctx)
    ids = [s.id for s in sources]
    events: list[EnforcementEvent] = []
    alerts: list[SnapperSecurityEvent] = []
    if ids:
        events = list(
            ctx.session.scalars(
                select(EnforcementEvent)
                .where(EnforcementEvent.org_id == ctx.org.id, EnforcementEvent.source_id.in_(ids))
                .order_by(EnforcementEvent.ts.desc())
                .limit(RECENT)
            )
        )
        # the stored events, not the signals: those are a live feed pruned after 7 days
        alerts = list(
            service.list_security_events(
                session=ctx.session, org_id=ctx.org.id, page=PageParams(limit=RECENT)
            )[0]
        )
    return render(
        ctx,
        "snapper.html",
        active="/settings",
        title="Snapper",
        sources=[(s, webhook_url(ctx, s.id)) for s in sources],
        names={s.id: s.name for s in sources},
        events=events,
        alerts=alerts,
        created=(created[0], created[1], webhook_url(ctx, created[0].id)) if created else None,
        public=public_base(ctx.request),
        decisions=sorted(snapper.DECISIONS),
        security_events=sorted(snapper.SECURITY_EVENTS),
        threat_events=sorted(snapper.THREAT_EVENTS),
        error=error,
        status_code=status_code,
    )


@router.get(PAGE, response_class=HTMLResponse)
def snapper_page(ctx: PageDep) -> HTMLResponse:
    return _page(ctx)


@router.post(f"{PAGE}/connect", response_model=None)
def connect(
    ctx: PageDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    check_csrf(ctx, csrf)
    try:
        data = SourceCreate.model_validate({"name": name, "kind": "snapper"})
    except ValidationError as exc:
        msg = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return _page(ctx, error=f"Not connected: {msg}", status_code=422)
    created = service.create_source(
        session=ctx.session,
        org_id=ctx.org.id,
        data=data,
        box=SecretBox(ctx.request.app.state.secret_key),
        actor="dashboard",
    )
    ctx.session.commit()
    return _page(ctx, created=created)


@router.post(PAGE + "/{source_id}/rotate", response_model=None)
def rotate(
    ctx: PageDep, source_id: str, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    check_csrf(ctx, csrf)
    source = service.get_source(session=ctx.session, org_id=ctx.org.id, source_id=source_id[:64])
    if source is None or source.kind != "snapper":
        return _page(ctx, error="No such Snapper connection.", status_code=404)
    try:
        rotated = service.rotate_secret(
            session=ctx.session,
            org_id=ctx.org.id,
            source_id=source.id,
            box=SecretBox(ctx.request.app.state.secret_key),
        )
    except ThreatVecError as exc:
        return _page(ctx, error=exc.detail, status_code=exc.status)
    ctx.session.commit()
    return _page(ctx, created=rotated)


_ENTRY = (PAGE, "Snapper", "Connect the Snapper agent firewall: its decisions and alerts.")
if _ENTRY not in settings.SETTINGS_PAGES:
    settings.SETTINGS_PAGES.append(_ENTRY)
