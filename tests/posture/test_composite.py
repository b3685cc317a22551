"""Composite with renormalisation and no-data, and weights validation (hand-computed)."""

from __future__ import annotations

import math

import pytest

from threatvec.core.errors import InvalidInput
from threatvec.posture.composite import (
    DEFAULT_WEIGHTS,
    composite,
    compute_posture,
    effective_weights,
    validate_weights,
)
from threatvec.posture.dimensions import DimensionScore
from threatvec.posture.factors import Factor, Score


def test_default_weights() -> None:
    assert DEFAULT_WEIGHTS == {"agent": 40.0, "mcp": 35.0, "shadow": 25.0}


def test_composite_all_dimensions() -> None:
    s = composite({"agent": 60, "mcp": 80, "shadow": 40}, DEFAULT_WEIGHTS)
    assert s.value == pytest.approx(0.4 * 60 + 0.35 * 80 + 0.25 * 40)  # 62
    assert s.part("mcp").points == pytest.approx(28.0)
    assert s.part("mcp").max_points == pytest.approx(35.0)
    assert "renormalised" not in s.part("agent").detail


def test_composite_renormalises_without_no_data_dimension() -> None:
    s = composite({"agent": 60, "mcp": 80, "shadow": None}, DEFAULT_WEIGHTS)
    # (40·60 + 35·80) / 75 = 69.33…, never as if shadow were 0 (52) or 100 (77)
    assert s.value == pytest.approx((40 * 60 + 35 * 80) / 75)
    assert s.part("agent").max_points == pytest.approx(100 * 40 / 75)
    assert s.part("shadow").points == 0 and s.part("shadow").max_points == 0
    assert "no data" in s.part("shadow").detail
    assert "renormalised" in s.part("agent").detail
    assert "no data: shadow" in s.detail


def test_composite_single_dimension_and_no_data() -> None:
    assert composite({"agent": None, "mcp": 80, "shadow": None}, DEFAULT_WEIGHTS).value == 80
    none = composite({"agent": None, "mcp": None, "shadow": None}, DEFAULT_WEIGHTS)
    assert none.value is None and none.status == "no_data"
    assert none.detail == "no dimension has data"


def test_composite_when_data_dimensions_have_zero_weight() -> None:
    s = composite({"agent": None, "mcp": 80, "shadow": 50}, {"agent": 100, "mcp": 0, "shadow": 0})
    assert s.value is None
    assert "weight 0" in s.detail


def test_effective_weights() -> None:
    eff = effective_weights({"agent": 10, "mcp": None, "shadow": 20}, DEFAULT_WEIGHTS)
    assert eff == pytest.approx({"agent": 40 / 65, "mcp": 0.0, "shadow": 25 / 65})
    assert math.isclose(sum(eff.values()), 1.0)


def test_validate_weights_accepts_and_normalises_types() -> None:
    assert validate_weights({"agent": 50, "mcp": 30.5, "shadow": 19.5}) == {
        "agent": 50.0,
        "mcp": 30.5,
        "shadow": 19.5,
    }
    assert validate_weights({"agent": 100, "mcp": 0, "shadow": 0})["mcp"] == 0.0


def test_validate_weights_stores_negative_zero_as_zero() -> None:
    # -0 passes ">= 0"; kept as -0.0 it showed as "weight -0" on the Overview and in the API
    out = validate_weights({"agent": -0.0, "mcp": 50, "shadow": 50})
    assert math.copysign(1.0, out["agent"]) == 1.0
    assert f"{out['agent']:g}" == "0"


@pytest.mark.parametrize(
    ("weights", "loc", "msg"),
    [
        ({"agent": 40, "mcp": 35, "shadow": 24}, ["weights"], "must sum to 100 (got 99)"),
        ({"agent": 110, "mcp": -10, "shadow": 0}, ["weights", "mcp"], "must be >= 0"),
        ({"agent": float("nan"), "mcp": 50, "shadow": 50}, ["weights", "agent"], "must be finite"),
        ({"agent": True, "mcp": 50, "shadow": 50}, ["weights", "agent"], "must be a number"),
        ({"agent": "40", "mcp": 35, "shadow": 25}, ["weights", "agent"], "must be a number"),
        ({"agent": 40, "mcp": 60}, ["weights", "shadow"], "missing"),
        (
            {"agent": 40, "mcp": 35, "shadow": 25, "cve": 0},
            ["weights", "cve"],
            "unknown dimension",
        ),
    ],
)
def test_validate_weights_rejects(weights: dict, loc: list, msg: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_weights(weights)
    assert {"loc": loc, "msg": msg} in [e.to_dict() for e in exc.value.errors]


def test_validate_weights_custom_dimensions() -> None:
    assert validate_weights({"agent": 60, "redteam": 40}, dimensions=("agent", "redteam")) == {
        "agent": 60.0,
        "redteam": 40.0,
    }


def dim(name: str, value: float | None) -> DimensionScore:
    if value is None:
        return DimensionScore(name, Score.missing("nothing"))
    return DimensionScore(name, Score.from_parts([Factor("all", value, 100)]))


def test_compute_posture_fills_missing_dimensions_as_no_data() -> None:
    p = compute_posture([dim("agent", 50), dim("mcp", 90)])
    assert p.dimension("shadow").no_data
    assert p.value == pytest.approx((40 * 50 + 35 * 90) / 75)
    d = p.to_dict()
    assert d["value"] == 68.7
    assert d["effective_weights"]["shadow"] == 0.0
    assert d["coverage"]["dimensions_without_data"] == ["shadow"]
    with pytest.raises(ValueError):
        compute_posture([dim("agent", 1), dim("agent", 2)])


def test_compute_posture_custom_weights_change_the_value() -> None:
    dims = {"agent": dim("agent", 20), "mcp": dim("mcp", 100), "shadow": dim("shadow", 100)}
    assert compute_posture(dims).value == pytest.approx(68.0)
    assert compute_posture(dims, {"agent": 80, "mcp": 10, "shadow": 10}).value == pytest.approx(
        36.0
    )
