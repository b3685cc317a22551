from __future__ import annotations

import pytest

from threatvec.redteam.stats import wilson_interval


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Worked by hand with z = 1.95996: centre = (p + z²/2n)/(1 + z²/n),
        # half-width = z·sqrt(p(1-p)/n + z²/4n²)/(1 + z²/n).
        (8, 10, 0.4902, 0.9433),
        (5, 5, 0.5655, 1.0),
        (0, 4, 0.0, 0.4899),
        (1, 2, 0.0945, 0.9055),
        (45, 50, 0.7864, 0.9565),
    ],
)
def test_wilson_matches_hand_computed_values(
    successes: int, n: int, low: float, high: float
) -> None:
    interval = wilson_interval(successes, n)
    assert interval is not None
    assert interval[0] == pytest.approx(low, abs=5e-4)
    assert interval[1] == pytest.approx(high, abs=5e-4)


def test_wilson_edge_cases() -> None:
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    with pytest.raises(ValueError):
        wilson_interval(-1, 2)
