"""The Red Team page: run AgentBench or the learning cycle, watch progress, read evidence, heatmap.

Progress needs no script: while a run or cycle is active the page answers
with a ``Refresh`` header, so the browser reloads it every few seconds.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from threatvec.core.errors import ThreatVecError
from threatvec.core.pagination import PageParams
from threatvec.redteam import flows, service, suggestions
from threatvec.redteam.coverage import CoverageReport
from threatvec.redteam.models import RedTeamResult, RedTeamRun
from threatvec.server.web.charts import HeatCell, heatmap
from threatvec.server.web.render import PageContext, PageDep, check_csrf, redirect, render

router = APIRouter(include_in_schema=False)

REFRESH_S = 3
PER_ROW = 10  # technique cells per heatmap row
# Cell colours per coverage band (white cell text stays readable on each).
BAND_FILL = {
    "green": "#1a7f37",
    "amber": "#bf8700",
    "red": "#cf222e",
    "gray": "#6e7781",
    "insufficient": "#8250df",
    "na": "#afb8c1",
}
BAND_LABEL = {
    "green": "≥ 80% pass",
    "amber": "50–79% pass",
    "red": "< 50% pass or critical failure",
    "gray": "untested",
    "insufficient": "insufficient data (< 5 results)",
    "na": "no probe can test it",
}

BAND_SHORT = {
    "green": "≥ 80%",
    "amber": "50–79%",
    "red": "< 50% / critical",
    "gray": "untested",
    "insufficient": "n < 5",
    "na": "N/A",
}


def _ctx(request: Request) -> flows.RunContext:
    return flows.context_from_settings(
        request.app.state.session_factory,
        request.app.state.settings,
        secret_key=request.app.state.secret_key,
    )


def _pct(value: float | None) -> str:
    """A pass rate as a whole percent, rounded down.

    Rounding to nearest showed 79.7 % as "80%" in an amber cell (the legend says
    amber is 50–79 %) and 99.8 % as "100%" while a probe failed; down never
    crosses a band boundary or claims a perfect run. (The inner round drops float
    noise: 0.29 * 100 is 28.999….)
    """
    return "—" if value is None else f"{math.floor(round(value * 100, 6))}%"


def _pct_up(value: float | None) -> str:
    """An attack success rate as a whole percent, rounded up: one bypass is never "0%"."""
    return "—" if value is None else f"{math.ceil(round(value * 100, 6))}%"


def _heat_cells(report: CoverageReport) -> list[HeatCell]:
    cells: list[HeatCell] = []
    for tactic in sorted(report.tactics.values(), key=lambda t: t.order):
        row = tactic.name
        tactic_text = "N/A" if tactic.band == "na" else _pct(tactic.score)
        if tactic.band == "insufficient":
            tactic_text = f"{tactic_text} (n={tactic.decided})"
        cells.append(
            HeatCell(
                row, "tactic", None, tactic_text,
                f"{tactic.tactic_id} {tactic.name}: {BAND_LABEL[tactic.band]}; "
                f"{tactic.decided} decided results over {len(tactic.tested_techniques)} "
                "tested techniques",
                BAND_FILL[tactic.band],
            )
        )  # fmt: skip
        techniques = [
            report.techniques[t]
            for t in tactic.testable_techniques
            if t in report.techniques and "." not in t.removeprefix("AML.")
        ]
        for i, tech in enumerate(techniques, start=1):
            # Long tactics wrap onto continuation rows so every row has the same width.
            line = (i - 1) // PER_ROW
            row = tactic.name if line == 0 else f"{tactic.name} ({line + 1})"
            ci = f", 95% CI {tech.wilson[0]:.0%}–{tech.wilson[1]:.0%}" if tech.wilson else ""
            cells.append(
                HeatCell(
                    row, f"#{(i - 1) % PER_ROW + 1}", None,
                    f"{tech.technique_id.removeprefix('AML.')} {_pct(tech.pass_rate)}"
                    if tech.decided else f"{tech.technique_id.removeprefix('AML.')} –",
                    f"{tech.technique_id} {tech.name}: {tech.passed} passed / {tech.failed} "
                    f"failed{ci}; {BAND_LABEL[tech.band]}"
                    + ("; confirmed critical failure" if tech.critical_failure else ""),
                    BAND_FILL[tech.band],
                )
            )  # fmt: skip
    return cells


def _view(ctx: PageContext, run_id: str | None) -> dict[str, Any]:
    s, org_id = ctx.session, ctx.org.id
    runs, _ = service.list_runs(session=s, org_id=org_id, page=PageParams(limit=15))
    selected: RedTeamRun | None = None
    if run_id:
        try:
            selected = service.get_run_or_raise(session=s, org_id=org_id, run_id=run_id[:64])
        except ThreatVecError:
            selected = None
    if selected is None:
        selected = next((r for r in runs if r.status in ("completed", "cancelled")), None)
    results: list[RedTeamResult] = []
    if selected is not None:
        rows, _ = service.list_results(
            session=s, org_id=org_id, run_id=selected.id, page=PageParams(limit=500)
        )
        results = list(rows)
    cycles, _ = service.list_cycles(session=s, org_id=org_id, page=PageParams(limit=5))
    latest_cycle = cycles[0] if cycles else None
    outcomes = (
        service.cycle_outcomes(session=s, org_id=org_id, cycle_id=latest_cycle.id)[:100]
        if latest_cycle
        else []
    )
    pending = suggestions.list_suggestions(session=s, org_id=org_id, state="pending")[:20]
    report, imported, counted = service.coverage_report(session=s, org_id=org_id)
    busy = any(r.status in service.ACTIVE_STATUSES for r in runs) or any(
        c.status in ("queued", "running") for c in cycles
    )
    return {
        "agents": service.list_agent_refs(session=s, org_id=org_id),
        "runs": runs,
        "selected": selected,
        "results": results,
        "latest_cycle": latest_cycle,
        "outcomes": outcomes,
        "suggestions": [suggestions.suggestion_read(r) for r in pending],
        "heatmap": heatmap(_heat_cells(report), label="ATLAS coverage heatmap", cell_w=104)
        if counted
        else None,
        "atlas": service.atlas_summary(session=s),
        "atlas_imported": imported,
        "results_counted": counted,
        "window_days": service.RECENT_DAYS,
        "legend": heatmap(
            [
                HeatCell("Legend", b, None, BAND_SHORT[b], BAND_LABEL[b], BAND_FILL[b])
                for b in BAND_FILL
            ],
            label="Legend",
            cell_w=104,
        ),
        "busy": busy,
        "pct": _pct,
        "pct_up": _pct_up,
    }


def _page(
    ctx: PageContext,
    *,
    run_id: str | None = None,
    flash: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    data = _view(ctx, run_id)
    response = render(
        ctx, "redteam.html", active="/red-team", title="Red Team", flash=flash, error=error,
        status_code=status_code, **data,
    )  # fmt: skip
    if data["busy"]:
        response.headers["Refresh"] = str(REFRESH_S)
    return response


@router.get("/red-team", response_class=HTMLResponse)
def redteam_page(ctx: PageDep, run: str | None = None, flash: str | None = None) -> HTMLResponse:
    return _page(ctx, run_id=run, flash=flash[:200] if flash else None)


@router.post("/red-team/agentbench", response_model=None)
def run_agentbench(
    ctx: PageDep,
    request: Request,
    csrf: Annotated[str, Form(max_length=100)] = "",
    agent_id: Annotated[str, Form(max_length=64)] = "",
    mode: Annotated[str, Form(max_length=10)] = "quick",
) -> Response:
    check_csrf(ctx, csrf)
    if mode not in ("quick", "full"):
        return _page(ctx, error="Mode must be quick or full", status_code=422)
    try:
        run_id = flows.start_agentbench(
            _ctx(request), org_id=ctx.org.id, agent_id=agent_id, mode=mode, k=3,
            by=f"dashboard:{ctx.org.id}",
        )  # fmt: skip
    except ThreatVecError as exc:
        return _page(ctx, error=f"AgentBench not started: {exc.detail}", status_code=exc.status)
    return redirect(ctx, f"/red-team?run={run_id}")


@router.post("/red-team/cycle", response_model=None)
def run_cycle(
    ctx: PageDep, request: Request, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    check_csrf(ctx, csrf)
    try:
        flows.start_cycle(_ctx(request), org_id=ctx.org.id, trigger="page")
    except ThreatVecError as exc:
        return _page(ctx, error=f"Cycle not started: {exc.detail}", status_code=exc.status)
    return redirect(ctx, "/red-team?flash=Learning+cycle+started")


@router.post("/red-team/cycles/{cycle_id}/cancel", response_model=None)
def cancel_cycle(
    ctx: PageDep,
    request: Request,
    cycle_id: str,
    csrf: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(ctx, csrf)
    try:
        flows.cancel_cycle(
            _ctx(request), org_id=ctx.org.id, cycle_id=cycle_id[:64], by=f"dashboard:{ctx.org.id}",
            reason=service.clean_cancel_reason(reason, loc=("reason",)),
        )  # fmt: skip
    except ThreatVecError as exc:
        return _page(ctx, error=f"Not cancelled: {exc.detail}", status_code=exc.status)
    return redirect(ctx, "/red-team?flash=Learning+cycle+cancelled")


@router.post("/red-team/runs/{run_id}/cancel", response_model=None)
def cancel(
    ctx: PageDep,
    request: Request,
    run_id: str,
    csrf: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(ctx, csrf)
    try:
        flows.cancel_run(
            _ctx(request), org_id=ctx.org.id, run_id=run_id[:64], by=f"dashboard:{ctx.org.id}",
            reason=service.clean_cancel_reason(reason, loc=("reason",)),
        )  # fmt: skip
    except ThreatVecError as exc:
        return _page(ctx, error=f"Not cancelled: {exc.detail}", status_code=exc.status)
    return redirect(ctx, f"/red-team?run={run_id[:64]}")


@router.post("/red-team/suggestions/{suggestion_id}/{decision}", response_model=None)
def decide_suggestion(
    ctx: PageDep,
    suggestion_id: str,
    decision: str,
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(ctx, csrf)
    if decision not in ("approve", "reject"):
        return _page(ctx, error="Decision must be approve or reject", status_code=422)
    try:
        row = suggestions.decide(
            session=ctx.session, org_id=ctx.org.id, suggestion_id=suggestion_id[:64],
            approve=decision == "approve", by=f"dashboard:{ctx.org.id}",
        )  # fmt: skip
        ctx.session.commit()
    except ThreatVecError as exc:
        return _page(ctx, error=f"Not decided: {exc.detail}", status_code=exc.status)
    verb = "approved" if decision == "approve" else "rejected"
    return redirect(ctx, f"/red-team?flash=Mapping+for+{row.cve_id}+{verb}")
