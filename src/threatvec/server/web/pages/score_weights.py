"""Settings → Score Weights: how much each dimension counts, the advisor's suggestion, the audit."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from threatvec.core.errors import InvalidInput
from threatvec.posture import service
from threatvec.posture.composite import DEFAULT_WEIGHTS
from threatvec.posture.dimensions import DIMENSION_LABELS
from threatvec.server.web.render import PageContext, PageDep, check_csrf, redirect, render

router = APIRouter(include_in_schema=False)
ACTOR = "dashboard"


def _page(
    ctx: PageContext,
    *,
    flash: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    org_id = ctx.org.id
    weights = service.get_weights(session=ctx.session, org_id=org_id)
    advice = service.advice(session=ctx.session, org_id=org_id)
    return render(
        ctx,
        "score_weights.html",
        active="/settings",
        title="Score Weights",
        labels=DIMENSION_LABELS,
        weights=weights,
        form=form or {k: f"{v:g}" for k, v in weights.items()},
        defaults=DEFAULT_WEIGHTS,
        is_default=service.weights_are_default(session=ctx.session, org_id=org_id),
        advice=advice,
        changes=service.weight_changes(session=ctx.session, org_id=org_id),
        flash=flash,
        error=error,
        status_code=status_code,
    )


@router.get("/settings/score-weights", response_class=HTMLResponse)
def score_weights_page(ctx: PageDep, flash: str | None = None) -> HTMLResponse:
    return _page(ctx, flash=flash[:200] if flash else None)


def _number(raw: str, dim: str) -> float | str:
    try:
        value = float(raw.strip())
    except ValueError:
        return f"{DIMENSION_LABELS.get(dim, dim)}: not a number"
    return value if math.isfinite(value) else f"{DIMENSION_LABELS.get(dim, dim)}: not finite"


@router.post("/settings/score-weights", response_model=None)
def save_score_weights(
    ctx: PageDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
    agent: Annotated[str, Form(max_length=20)] = "",
    mcp: Annotated[str, Form(max_length=20)] = "",
    shadow: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    check_csrf(ctx, csrf)
    form = {"agent": agent, "mcp": mcp, "shadow": shadow}
    parsed = {dim: _number(raw, dim) for dim, raw in form.items()}
    problems = [p for p in parsed.values() if isinstance(p, str)]
    if problems:
        return _page(ctx, error="Not saved: " + "; ".join(problems), form=form, status_code=422)
    try:
        service.put_weights(
            session=ctx.session,
            org_id=ctx.org.id,
            weights=parsed,
            by=ACTOR,
            note=note.strip() or None,
        )
    except InvalidInput as exc:
        msgs = "; ".join(
            f"{DIMENSION_LABELS.get(str(e.loc[-1]), 'weights')}: {e.msg}" for e in exc.errors
        )
        return _page(ctx, error=f"Not saved: {msgs}", form=form, status_code=422)
    ctx.session.commit()
    return redirect(ctx, "/settings/score-weights?flash=Weights+saved;+posture+recomputed")
