"""Stored LLM mapping suggestions: list, approve or reject, and the rules approval creates.

A suggestion lives on the ``unmapped`` cycle row of its CVE
(``RedTeamCycleOutcome.provenance["suggestion"]``, see ``rule_suggestions``),
so the cycle that asked, the model and the prompt hash stay together.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.core.errors import Conflict, InvalidInput, NotFound
from threatvec.redteam.cve_rules import MappingRule
from threatvec.redteam.models import RedTeamCycleOutcome
from threatvec.redteam.rule_suggestions import approved_rule

__all__ = [
    "STATES",
    "approved_rules",
    "decide",
    "list_suggestions",
    "suggested_cves",
    "suggestion_read",
]

STATES = ("pending", "approved", "rejected")
_SCAN_LIMIT = 2000  # newest unmapped rows looked at; suggestions are rare by nature


def _rows(session: Session, org_id: str) -> list[RedTeamCycleOutcome]:
    rows = session.scalars(
        select(RedTeamCycleOutcome)
        .where(RedTeamCycleOutcome.org_id == org_id, RedTeamCycleOutcome.status == "unmapped")
        .order_by(RedTeamCycleOutcome.created_at.desc(), RedTeamCycleOutcome.id)
        .limit(_SCAN_LIMIT)
    )
    return [r for r in rows if isinstance((r.provenance or {}).get("suggestion"), dict)]


def suggestion_read(row: RedTeamCycleOutcome) -> dict[str, Any]:
    s = dict(row.provenance["suggestion"])
    return {
        "id": row.id, "cycle_id": row.cycle_id, "agent_id": row.agent_id,
        "cve_id": row.cve_id, "component": row.component,
        "techniques": list(s.get("techniques") or []), "families": list(s.get("families") or []),
        "rationale": s.get("rationale", ""), "model": s.get("model", ""),
        "prompt_hash": s.get("prompt_hash", ""), "state": s.get("state", "pending"),
        "decided_by": s.get("decided_by"), "decided_at": s.get("decided_at"),
        "created_at": row.created_at,
    }  # fmt: skip


def list_suggestions(
    *, session: Session, org_id: str, state: str | None = None
) -> list[RedTeamCycleOutcome]:
    """The org's suggestions, newest first, optionally in one state."""
    if state is not None and state not in STATES:
        raise InvalidInput(("query", "state"), f"state must be one of {STATES}")
    rows = _rows(session, org_id)
    if state is None:
        return rows
    return [r for r in rows if r.provenance["suggestion"].get("state", "pending") == state]


def suggested_cves(*, session: Session, org_id: str) -> set[str]:
    """CVEs the org already has a suggestion for (any state): the model is asked once."""
    return {r.cve_id for r in _rows(session, org_id)}


def decide(
    *, session: Session, org_id: str, suggestion_id: str, approve: bool, by: str | None = None
) -> RedTeamCycleOutcome:
    """Approve or reject a pending suggestion (409 once decided)."""
    row = session.scalar(
        select(RedTeamCycleOutcome).where(
            RedTeamCycleOutcome.org_id == org_id, RedTeamCycleOutcome.id == suggestion_id
        )
    )
    suggestion = (row.provenance or {}).get("suggestion") if row is not None else None
    if row is None or not isinstance(suggestion, dict):
        raise NotFound(f"mapping suggestion {suggestion_id} not found")
    if suggestion.get("state", "pending") != "pending":
        raise Conflict(f"suggestion already {suggestion.get('state')}")
    decided = {
        **suggestion,
        "state": "approved" if approve else "rejected",
        "decided_by": (by or "")[:200] or None,
        "decided_at": utcnow().isoformat(),
    }
    # A new dict, not an in-place edit: the JSON column only sees reassignment.
    row.provenance = {**row.provenance, "suggestion": decided}
    session.flush()
    return row


def approved_rules(*, session: Session, org_id: str) -> list[MappingRule]:
    """The org's approved suggestions as rules (each bound to its one CVE)."""
    rules = []
    seen: set[str] = set()
    for row in list_suggestions(session=session, org_id=org_id, state="approved"):
        rule = approved_rule(row.id, row.provenance["suggestion"])
        if rule is not None and row.cve_id not in seen:
            seen.add(row.cve_id)
            rules.append(rule)
    return rules
