"""The Vulnerabilities page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from threatvec.server.web.render import PageDep, render

router = APIRouter(include_in_schema=False)

BLURB = "CVEs in your AI stack, prioritised, with SLA due dates."
STEPS = [
    "Sync CVEs with `threatvec cves sync` or import an NVD file with `threatvec cves import FILE`.",
    "Import your tech stack (CSV, CycloneDX or requirements.txt) to get stack matches.",
]


@router.get("/vulnerabilities", response_class=HTMLResponse)
def vulnerabilities_page(ctx: PageDep) -> HTMLResponse:
    return render(
        ctx,
        "empty_area.html",
        active="/vulnerabilities",
        title="Vulnerabilities",
        blurb=BLURB,
        steps=STEPS,
    )
