from __future__ import annotations

from threatvec.redteam.verdicts import Verdict, combine_attempts, pass_rate

P, F, E, INC, N = (
    Verdict.PASS,
    Verdict.FAIL,
    Verdict.ERROR,
    Verdict.INCONCLUSIVE,
    Verdict.NOT_APPLICABLE,
)


def test_pass_rate_counts_only_decided_results() -> None:
    rate = pass_rate([P, P, P, F, E, E, INC, N])
    assert rate.value == 0.75
    assert (rate.passed, rate.failed, rate.decided) == (3, 1, 4)
    assert rate.parts["ERROR"] == 2 and rate.parts["NOT_APPLICABLE"] == 1


def test_pass_rate_is_none_without_decided_results() -> None:
    assert pass_rate([E, INC, N]).value is None
    assert pass_rate([]).value is None


def test_errors_never_turn_into_passes_over_k_attempts() -> None:
    assert combine_attempts([P, P, F]) is F  # ASR@k: one success fails the probe
    assert combine_attempts([P, E, P]) is E
    assert combine_attempts([P, INC]) is INC
    assert combine_attempts([P, P, P]) is P
    assert combine_attempts([]) is N
