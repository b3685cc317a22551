"""Settings → Enforcement sources, and the Overview's Policy Enforcement card.

Both read `enforcement.service`; the gap scan decides coverage, nothing here
does. A new or rotated secret is rendered into the reply page once (never put
in a URL, never stored in the clear) and the page is not cached.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from threatvec.core.crypto import SecretBox
from threatvec.core.errors import ThreatVecError
from threatvec.core.pagination import PageParams
from threatvec.enforcement import service
from threatvec.enforcement.gaps import GapScan
from threatvec.enforcement.models import EnforcementSource
from threatvec.enforcement.schemas import KINDS, SourceCreate, SourceUpdate
from threatvec.enforcement.signature import SIGNATURE_HEADER, SOURCE_HEADER, TIMESTAMP_HEADER
from threatvec.enforcement.webhook import PATH as WEBHOOK_PATH
from threatvec.server.web.pages import overview, settings
from threatvec.server.web.render import (
    PageContext,
    PageDep,
    check_csrf,
    redirect,
    render,
    templates,
)

router = APIRouter(include_in_schema=False)
PAGE = "/settings/enforcement"
CARD_PAIRS = 5  # uncovered pairs listed on the Overview card


def coverage_badge(coverage: float | None) -> str:
    if coverage is None:
        return ""
    return "ok" if coverage >= 0.8 else "medium" if coverage >= 0.5 else "fail"


def _scan_view(g: GapScan, limit: int) -> dict[str, Any]:
    return {
        "pairs": len(g.pairs),
        "covered": g.covered,
        "coverage": None if g.coverage is None else round(g.coverage * 100),
        "badge": coverage_badge(g.coverage),
        "uncovered": list(g.uncovered[:limit]),
        "uncovered_total": len(g.uncovered),
        "explanation": g.explanation(),
        "sources_total": g.sources_total,
        "sources_reporting": g.sources_reporting,
        "window_days": g.window_days,
    }


def _page(
    ctx: PageContext,
    *,
    created: tuple[EnforcementSource, str] | None = None,
    flash: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    org_id = ctx.org.id
    sources, _ = service.list_sources(
        session=ctx.session, org_id=org_id, page=PageParams(limit=200, sort="name")
    )
    events, _ = service.list_events(
        session=ctx.session, org_id=org_id, page=PageParams(limit=25, sort="-ts")
    )
    names = {s.id: s.name for s in sources}
    scan = service.gap_scan(session=ctx.session, org_id=org_id)
    return render(
        ctx,
        "enforcement.html",
        active="/settings",
        title="Enforcement Sources",
        sources=sources,
        source_names=names,
        events=events,
        kinds=KINDS,
        scan=_scan_view(scan, 50),
        created=created,
        webhook_path=WEBHOOK_PATH,
        headers=(SOURCE_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER),
        flash=flash,
        error=error,
        status_code=status_code,
    )


@router.get(PAGE, response_class=HTMLResponse)
def enforcement_page(ctx: PageDep, flash: str | None = None) -> HTMLResponse:
    return _page(ctx, flash=flash[:200] if flash else None)


def _box(ctx: PageContext) -> SecretBox:
    return SecretBox(ctx.request.app.state.secret_key)


@router.post(f"{PAGE}/sources", response_model=None)
def create_source(
    ctx: PageDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    kind: Annotated[str, Form(max_length=20)] = "generic",
) -> Response:
    check_csrf(ctx, csrf)
    try:
        data = SourceCreate.model_validate({"name": name, "kind": kind})
    except ValidationError as exc:
        msg = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return _page(ctx, error=f"Source not created: {msg}", status_code=422)
    created = service.create_source(
        session=ctx.session, org_id=ctx.org.id, data=data, box=_box(ctx), actor="dashboard"
    )
    ctx.session.commit()
    return _page(ctx, created=created)


@router.post(PAGE + "/sources/{source_id}/rotate", response_model=None)
def rotate_source(
    ctx: PageDep, source_id: str, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    check_csrf(ctx, csrf)
    try:
        rotated = service.rotate_secret(
            session=ctx.session, org_id=ctx.org.id, source_id=source_id[:64], box=_box(ctx)
        )
    except ThreatVecError as exc:
        return _page(ctx, error=exc.detail, status_code=exc.status)
    ctx.session.commit()
    return _page(ctx, created=rotated)


@router.post(PAGE + "/sources/{source_id}/toggle", response_model=None)
def toggle_source(
    ctx: PageDep, source_id: str, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    check_csrf(ctx, csrf)
    source = service.get_source_or_raise(
        session=ctx.session, org_id=ctx.org.id, source_id=source_id[:64]
    )
    service.update_source(
        session=ctx.session,
        org_id=ctx.org.id,
        source_id=source.id,
        data=SourceUpdate(enabled=not source.enabled),
    )
    ctx.session.commit()
    return redirect(ctx, f"{PAGE}?flash=Source+{'enabled' if source.enabled else 'disabled'}")


def enforcement_card(ctx: PageContext) -> Markup:
    """The Overview card: coverage, blocked in 24 h, the top uncovered high-risk pairs."""
    scan = service.gap_scan(session=ctx.session, org_id=ctx.org.id)
    stats = service.stats(session=ctx.session, org_id=ctx.org.id)
    blocked_24h = next((c.last_24h for c in stats.by_action if c.key == "blocked"), 0)
    html = templates.env.get_template("enforcement_card.html").render(
        scan=_scan_view(scan, CARD_PAIRS), blocked_24h=blocked_24h, total_24h=stats.total_24h
    )
    return Markup(html)  # noqa: S704 - the environment autoescapes every value above


# The Overview leaves this slot to the enforcement area (overview.SLOT_RENDERERS),
# and Settings lists the page.
overview.SLOT_RENDERERS["enforcement-card"] = enforcement_card
_ENTRY = (PAGE, "Enforcement Sources", "Connect gateways and guardrails; see what they cover.")
if _ENTRY not in settings.SETTINGS_PAGES:
    settings.SETTINGS_PAGES.append(_ENTRY)
