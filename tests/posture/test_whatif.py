"""What-if: the composite recomputed as if one risk were fixed (hand-computed)."""

from __future__ import annotations

import pytest

from threatvec.posture.composite import compute_posture
from threatvec.posture.dimensions import DimensionScore
from threatvec.posture.factors import Factor, Risk, Score
from threatvec.posture.whatif import rank_risks, what_if_fixed


def dim(name: str, value: float | None, risks: tuple[Risk, ...] = ()) -> DimensionScore:
    if value is None:
        return DimensionScore(name, Score.missing("nothing"))
    return DimensionScore(name, Score.from_parts([Factor("all", value, 100)]), risks)


def risk(rid: str, dimension: str, lost: float) -> Risk:
    return Risk(rid, dimension, f"title {rid}", f"fix {rid}", lost, (rid,))


def test_gain_is_weight_times_dimension_gain() -> None:
    r = risk("a1", "agent", 10)
    p = compute_posture([dim("agent", 60, (r,)), dim("mcp", 80), dim("shadow", 40)])
    w = what_if_fixed(p, r)
    assert w.before == pytest.approx(62.0)
    assert w.after == pytest.approx(66.0)  # 0.4 · 10
    assert w.gain == pytest.approx(4.0)
    assert (w.dimension_before, w.dimension_after) == (60, 70)
    assert what_if_fixed(p, "a1").gain == pytest.approx(4.0)
    with pytest.raises(KeyError):
        what_if_fixed(p, "nope")


def test_gain_under_renormalisation() -> None:
    r = risk("a1", "agent", 10)
    p = compute_posture([dim("agent", 60, (r,)), dim("mcp", 80), dim("shadow", None)])
    assert what_if_fixed(p, r).gain == pytest.approx(10 * 40 / 75)


def test_dimension_is_capped_at_100() -> None:
    r = risk("m1", "mcp", 30)
    p = compute_posture([dim("agent", 60), dim("mcp", 90, (r,)), dim("shadow", 40)])
    w = what_if_fixed(p, r)
    assert w.dimension_after == 100
    assert w.gain == pytest.approx(0.35 * 10)


def test_risk_in_a_no_data_dimension_gains_nothing() -> None:
    p = compute_posture([dim("agent", 60), dim("mcp", None), dim("shadow", 40)])
    w = what_if_fixed(p, risk("x", "mcp", 50))
    assert w.gain == 0.0 and w.dimension_before is None


def test_rank_risks_by_composite_gain() -> None:
    # agent: 10 dimension points × 0.40 = 4.0; shadow: 14 × 0.25 = 3.5; mcp: 10 × 0.35 = 3.5
    ra = risk("agent:a", "agent", 10)
    rs = risk("shadow:s", "shadow", 14)
    rm = risk("mcp:m", "mcp", 10)
    p = compute_posture([dim("agent", 50, (ra,)), dim("mcp", 50, (rm,)), dim("shadow", 50, (rs,))])
    ranked = rank_risks(p, limit=3)
    # equal composite gains: the larger dimension loss first
    assert [w.risk.id for w in ranked] == ["agent:a", "shadow:s", "mcp:m"]
    assert [round(w.gain, 6) for w in ranked] == [4.0, 3.5, 3.5]
    assert len(rank_risks(p, limit=1)) == 1
    assert ranked[0].to_dict()["after"] == 54.0
