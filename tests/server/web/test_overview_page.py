"""Overview: each dimension card's number and its colour agree."""

from __future__ import annotations

from threatvec.posture.composite import compute_posture
from threatvec.posture.dimensions import DimensionScore
from threatvec.posture.factors import Factor, Score
from threatvec.server.web.charts import GOOD, WARN
from threatvec.server.web.pages.overview import dimension_cards


def _dim(name: str, value: float) -> DimensionScore:
    return DimensionScore(name, Score.from_parts([Factor("all", value, 100.0, "d", ())]))


def test_a_card_is_coloured_by_the_number_it_shows() -> None:
    # 79.96 shows as "80.0": it was painted in the amber of scores below 80
    posture = compute_posture([_dim("agent", 79.96), _dim("mcp", 79.94)])
    cards = {c["name"]: c for c in dimension_cards(posture)}
    assert cards["agent"]["value"] == 80.0 and cards["agent"]["color"] == GOOD
    assert cards["mcp"]["value"] == 79.9 and cards["mcp"]["color"] == WARN
