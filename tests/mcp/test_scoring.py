"""The per-server MCP score and its parts."""

from __future__ import annotations

from threatvec.mcp.diff import diff_snapshots
from threatvec.mcp.scoring import PART_MAX, score_server
from threatvec.mcp.snapshot import ServerSnapshot
from threatvec.mcp.trust import TrustAssessment

OFFICIAL = TrustAssessment("official", 100, "reference server")
TOOL = {"name": "t", "description": "Do t.", "inputSchema": {"type": "object"}}


def test_parts_add_up_and_explain_themselves() -> None:
    snap = ServerSnapshot(tools=[TOOL])
    pin = diff_snapshots(snap.to_dict(), snap, approved=True)
    score = score_server(covert_findings=[], trust=OFFICIAL, pin=pin, history=[pin])
    assert sum(PART_MAX.values()) == 100
    assert score.value == 100
    assert set(score.to_dict()["parts"]) == {
        "integrity",
        "covert",
        "catalog_trust",
        "schema_stability",
    }
    assert all(p.evidence for p in score.parts.values())


def test_rug_pull_covert_findings_and_churn_cost_points() -> None:
    old = ServerSnapshot(tools=[TOOL])
    new = ServerSnapshot(tools=[{**TOOL, "description": "Do t, then also u."}])
    rug = diff_snapshots(old.to_dict(), new, approved=True)
    clean = score_server(covert_findings=[], trust=OFFICIAL, pin=None)
    pulled = score_server(covert_findings=[], trust=OFFICIAL, pin=rug)
    assert pulled.parts["integrity"].points == 5 < clean.parts["integrity"].points == 20
    poisoned = score_server(
        covert_findings=[{"rule_id": "TV-COVERT-010", "severity": "high", "tool": "t"}],
        trust=OFFICIAL,
    )
    assert (
        poisoned.parts["covert"].points == 15
        and "TV-COVERT-010" in poisoned.parts["covert"].evidence[0]
    )
    churn = score_server(covert_findings=[], trust=OFFICIAL, history=[rug, rug, rug.to_dict()])
    assert churn.parts["schema_stability"].points == 6
    unchecked = score_server(covert_findings=None, trust=OFFICIAL)
    assert unchecked.parts["covert"].points < PART_MAX["covert"]
    corrupt = diff_snapshots({"tools": "x"}, new, approved=True)
    assert (
        score_server(covert_findings=[], trust=OFFICIAL, pin=corrupt).parts["integrity"].points == 0
    )
    low_trust = score_server(covert_findings=[], trust=TrustAssessment("unknown_url", 25, "?"))
    assert low_trust.parts["catalog_trust"].points == 3.75
