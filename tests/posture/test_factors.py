"""The shared Score / Factor shapes."""

from __future__ import annotations

import pytest

from threatvec.posture.factors import (
    Factor,
    Risk,
    Score,
    clamp,
    round1,
    shown_points,
    top_objects,
)


@pytest.mark.parametrize(
    ("x", "expected"),
    [(72.45, 72.5), (72.44, 72.4), (0.05, 0.1), (-3.15, -3.2), (100.0, 100.0), (0.0, 0.0)],
)
def test_round1_rounds_half_away_from_zero(x: float, expected: float) -> None:
    assert round1(x) == expected


def test_score_from_parts_sums_and_clamps() -> None:
    s = Score.from_parts([Factor("a", 30, 40), Factor("b", 20.25, 60, "d", ("x",))])
    assert s.value == pytest.approx(50.25)
    assert s.part("b").lost == pytest.approx(39.75)
    d = s.to_dict()
    assert d["value"] == 50.3 and d["status"] == "ok"
    assert d["parts"][1] == {
        "name": "b",
        "points": 20.3,
        "max_points": 60.0,
        "detail": "d",
        "objects": ["x"],
    }
    assert Score.from_parts([Factor("base", 100, 100), Factor("pen", -130, 0)]).value == 0.0
    with pytest.raises(KeyError):
        s.part("zzz")


def test_no_data_is_not_a_number() -> None:
    s = Score.missing("nothing reported")
    assert s.no_data and s.value is None and s.status == "no_data"
    assert s.to_dict() == {
        "value": None,
        "status": "no_data",
        "detail": "nothing reported",
        "parts": [],
    }


def test_helpers() -> None:
    assert clamp(-1) == 0 and clamp(101) == 100 and clamp(5) == 5
    assert top_objects([(1.0, "b"), (3.0, "a"), (1.0, "a2"), (0.0, "z")], 2) == ("a", "a2")
    r = Risk("x:1", "agent", "t", "do it", 4.25, ("1",))
    assert r.to_dict()["points_lost"] == 4.3


def test_shown_parts_add_up_to_the_shown_value() -> None:
    # Each rounded alone: 28.4 + 14.0 + 11.9 = 54.3 against a value of 54.36 -> 54.4.
    score = Score.from_parts(
        [Factor("agent", 28.44, 40), Factor("mcp", 14.0, 35), Factor("shadow", 11.92, 25)]
    )
    shown = score.to_dict()
    assert shown["value"] == 54.4
    parts = [p["points"] for p in shown["parts"]]
    assert round(sum(parts), 1) == 54.4
    # The tenth goes to the part rounding moved furthest down (28.44 -> 28.5).
    assert parts == [28.5, 14.0, 11.9]
    # Deduction-style parts (negative points) add up the same way.
    assert shown_points([-3.34, -3.32, -3.33], -9.99) == [-3.4, -3.3, -3.3]
    # No part ever moves by more than a tenth.
    for pts in ([0.05] * 7, [33.333] * 3, [12.25, 0.15, 7.35]):
        got = shown_points(pts, sum(pts))
        assert round(sum(got), 1) == round1(sum(pts))
        assert all(abs(g - round1(p)) <= 0.1 + 1e-9 for g, p in zip(got, pts, strict=True))


def test_a_clamped_value_keeps_its_parts_as_they_are() -> None:
    score = Score.from_parts([Factor("a", 70.04, 70), Factor("b", 40.04, 40)])
    assert score.value == 100.0
    assert [p["points"] for p in score.to_dict()["parts"]] == [70.0, 40.0]
