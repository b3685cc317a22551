"""The Compliance page, and the Overview's compliance pills.

Both read `compliance.service`, which evaluates every framework from the
org's live data on each request; nothing here decides a status.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from threatvec.compliance import service
from threatvec.compliance.checks import CHECKS
from threatvec.compliance.freshness import fold_pending_posture
from threatvec.compliance.results import ControlResult, FrameworkResult
from threatvec.core.clock import utcnow
from threatvec.server.web.pages import overview
from threatvec.server.web.render import PageContext, PageDep, render, templates

router = APIRouter(include_in_schema=False)

STATUS_BADGE = {"met": "ok", "partial": "medium", "gap": "fail", "not_assessed": ""}
STATUS_LABEL = {"met": "met", "partial": "partial", "gap": "gap", "not_assessed": "not assessed"}
STATE_BADGE = {"holding": "ok", "tested": "medium", "bypassed": "fail"}


def coverage_badge(coverage: float | None) -> str:
    if coverage is None:
        return ""
    return "ok" if coverage >= 80 else "medium" if coverage >= 50 else "fail"


def _export_href(framework: str) -> str:
    return f"/api/v1/compliance/{framework}/evidence-export"


def _value(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def _control_view(c: ControlResult) -> dict[str, Any]:
    return {
        "control": c.control,
        "title": c.title,
        "description": c.description,
        "group": c.group,
        "status": c.status,
        "status_label": STATUS_LABEL[c.status],
        "badge": STATUS_BADGE[c.status],
        "state": c.state,
        "state_badge": STATE_BADGE.get(c.state or "", ""),
        "reason": c.reason,
        "references": c.references,
        "checks": [
            (CHECKS[k].title if k in CHECKS else k, STATUS_LABEL[s], STATUS_BADGE[s])
            for k, s in c.checks
        ],
        "evidence": [
            {
                "label": e.label,
                "value": _value(e.value),
                # links stay on this server's own API: never a scheme or host from data
                "href": e.href if e.href and e.href.startswith("/api/v1/") else None,
                "objects": e.objects[:10],
                "more": max(0, len(e.objects) - 10),
                "at": e.observed_at.strftime("%Y-%m-%d %H:%M") if e.observed_at else None,
            }
            for _, e in c.evidence
        ],
    }


def _framework_view(r: FrameworkResult) -> dict[str, Any]:
    return {
        "framework": r.framework,
        "name": r.name,
        "edition": r.edition,
        "description": r.description,
        "notes": r.notes,
        "counts": r.counts,
        "coverage": r.coverage,
        "coverage_badge": coverage_badge(r.coverage),
        "export_href": _export_href(r.framework),
        "controls": [_control_view(c) for c in r.controls],
        "sections": [
            {
                "section": s.section,
                "title": s.title,
                "state": s.state,
                "badge": STATE_BADGE.get(s.state, ""),
                "reason": s.reason,
                "count": len(s.controls),
            }
            for s in r.sections
        ],
        # ATLAS lists every technique: its table starts folded
        "folded": bool(r.sections),
    }


@router.get("/compliance", response_class=HTMLResponse)
def compliance_page(ctx: PageDep) -> HTMLResponse:
    now = utcnow()
    fold_pending_posture(ctx.request, session=ctx.session, org_id=ctx.org.id, now=now)
    results = service.evaluate_all(session=ctx.session, org_id=ctx.org.id, now=now)
    return render(
        ctx,
        "compliance.html",
        active="/compliance",
        title="Compliance",
        generated_at=results[0].generated_at if results else None,
        frameworks=[_framework_view(r) for r in results],
    )


def compliance_pills(ctx: PageContext) -> Markup:
    """The Overview's pill strip: one pill per framework, linking to its section."""
    results = service.evaluate_all(session=ctx.session, org_id=ctx.org.id)
    pills = [
        {
            "framework": r.framework,
            "name": r.name,
            "coverage": r.coverage,
            "badge": coverage_badge(r.coverage),
            "counts": r.counts,
        }
        for r in results
    ]
    html = templates.env.get_template("compliance_pills.html").render(pills=pills)
    return Markup(html)  # noqa: S704 - the environment autoescapes every value above


# The Overview leaves this slot to the compliance area (overview.SLOT_RENDERERS).
overview.SLOT_RENDERERS["compliance-pills"] = compliance_pills
