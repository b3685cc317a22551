"""Build the Board Pack for one org from the posture and compliance services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from threatvec.compliance import service as compliance
from threatvec.core.clock import utcnow
from threatvec.core.errors import NotFound
from threatvec.core.llm import LlmClient
from threatvec.orgs.models import Org
from threatvec.posture import service as posture
from threatvec.posture.dimensions import DIMENSION_LABELS
from threatvec.posture.factors import round1
from threatvec.reports.board_pack import BoardPack, build_zip, summary_format

__all__ = ["TOP_RISKS", "board_pack"]

TOP_RISKS = 5
# The longest look-back of any check (red-team results, MCP scans, shadow AI: 30 days);
# shorter windows (telemetry 24 h, enforcement 7 d) are stated by each check's evidence.
EVIDENCE_PERIOD = timedelta(days=30)


def _period(now: datetime) -> dict[str, Any]:
    start = now - EVIDENCE_PERIOD
    return {
        "start": start,
        "end": now,
        "start_text": start.strftime("%Y-%m-%d %H:%M"),
        "end_text": now.strftime("%Y-%m-%d %H:%M"),
        "basis": "the longest look-back of any check; each control's evidence states its own",
    }


def _posture_summary(cur: posture.CurrentPosture) -> dict[str, Any]:
    p = cur.posture
    return {
        "score": None if p.value is None else round1(p.value),
        "snapshot_id": cur.snapshot.id,
        "computed_at": cur.snapshot.computed_at,
        "trend": cur.trend.to_dict(),
        "components": [
            {
                "dimension": d.name,
                "label": d.display_name,
                "score": None if d.value is None else round1(d.value),
                "weight": p.weights.get(d.name, 0.0),
                "effective_percent": round1(p.effective.get(d.name, 0.0) * 100),
                "detail": d.score.detail,
            }
            for d in p.dimensions
        ],
    }


def board_pack(
    *, session: Session, org_id: str, llm: LlmClient | None = None, now: datetime | None = None
) -> BoardPack:
    """The zip bundle: summary.json, SUMMARY.md and evidence/<framework>.json for all six."""
    now = now or utcnow()
    org = session.get(Org, org_id)
    if org is None:
        raise NotFound("organisation not found")
    cur, brief = posture.brief(session=session, org_id=org_id, llm=llm, now=now)
    results = compliance.evaluate_all(session=session, org_id=org_id, now=now)
    packages = compliance.packages_of(results, session=session, org_id=org_id)
    summary: dict[str, Any] = {
        **summary_format(),
        "org": {"org_id": org.id, "name": org.name},
        "generated_at": now,
        "generated_at_text": now.strftime("%Y-%m-%d %H:%M"),
        "period": _period(now),
        "posture": _posture_summary(cur),
        "brief": {"text": brief.text, "source": brief.source},
        "top_risks": [
            {
                "rank": i,
                "title": w.risk.title,
                "dimension": DIMENSION_LABELS.get(w.risk.dimension, w.risk.dimension),
                "action": w.risk.action,
                "gain": round1(w.gain),
                "objects": list(w.risk.objects),
            }
            for i, w in enumerate(cur.top[:TOP_RISKS], 1)
        ],
        "compliance": [
            {
                "framework": r.framework,
                "name": r.name,
                "edition": r.edition,
                "controls": len(r.controls),
                "counts": dict(r.counts),
                "coverage_percent": r.coverage,
            }
            for r in results
        ],
        "gaps": [
            {
                "framework": r.framework,
                "framework_name": r.name,
                "control": c.control,
                "title": c.title,
                "reason": c.reason,
            }
            for r in results
            if r.framework != "mitre-atlas"  # technique gaps are in the ATLAS evidence file
            for c in r.controls
            if c.status == "gap"
        ],
    }
    return build_zip(summary, packages)
