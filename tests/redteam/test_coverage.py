from __future__ import annotations

import json

import pytest

from threatvec.redteam.atlas import AtlasCatalog
from threatvec.redteam.coverage import (
    CoverageInput,
    band_for,
    compute_coverage,
    navigator_layer,
    probe_techniques,
)
from threatvec.redteam.probes import load_probes
from threatvec.redteam.verdicts import Verdict

P, F = Verdict.PASS, Verdict.FAIL


def results(tid: str, passed: int, failed: int, *, critical: bool = False) -> list[CoverageInput]:
    out = [CoverageInput((tid,), P) for _ in range(passed)]
    out += [CoverageInput((tid,), F, critical_failure=critical) for _ in range(failed)]
    return out


@pytest.mark.parametrize(
    ("rate", "decided", "testable", "critical", "band"),
    [
        (0.8, 10, True, False, "green"),
        (0.79, 10, True, False, "amber"),
        (0.5, 10, True, False, "amber"),
        (0.49, 10, True, False, "red"),
        (1.0, 4, True, False, "insufficient"),
        (1.0, 5, True, False, "green"),
        (None, 0, True, False, "gray"),
        (None, 0, False, False, "na"),
        (1.0, 2, True, True, "red"),
    ],
)
def test_bands(rate: float | None, decided: int, testable: bool, critical: bool, band: str) -> None:
    assert band_for(rate, decided, testable=testable, critical=critical) == band


def test_technique_and_tactic_coverage(atlas: AtlasCatalog) -> None:
    testable = probe_techniques(load_probes(), atlas)
    inputs = results("AML.T0051.000", 4, 1) + results("AML.T0051.001", 3, 2)
    inputs += results("AML.T0050", 9, 1)
    inputs += [CoverageInput(("AML.T0051.000",), Verdict.ERROR)]
    report = compute_coverage(atlas, inputs, testable=testable)
    assert report.atlas_version == atlas.version
    direct = report.techniques["AML.T0051.000"]
    assert (direct.passed, direct.failed, direct.tested) == (4, 1, 6)
    assert direct.pass_rate == 0.8 and direct.band == "green"
    assert direct.wilson == pytest.approx((0.3755, 0.9638), abs=5e-4)
    parent = report.techniques["AML.T0051"]  # collects both sub-techniques
    assert (parent.passed, parent.failed) == (7, 3) and parent.band == "amber"
    execution = report.tactics["AML.TA0005"]
    # Mean over tested top-level techniques of the tactic: T0051 (0.7) and T0050 (0.9).
    assert set(execution.tested_techniques) == {"AML.T0051", "AML.T0050"}
    assert execution.score == pytest.approx(0.8)
    assert execution.band == "green"
    untested = report.techniques["AML.T0056"]
    assert untested.band == "gray" and untested.testable
    assert report.techniques["AML.T0000"].band == "na"
    assert report.tactics["AML.TA0010"].band == "gray"  # exfiltration: testable, untested
    assert report.tactics["AML.TA0003"].band == "na"  # resource development: no probe


def test_insufficient_data_and_critical_failure_turn_tactic_red(atlas: AtlasCatalog) -> None:
    report = compute_coverage(atlas, results("AML.T0056", 3, 0))
    assert report.techniques["AML.T0056"].insufficient_data
    assert report.tactics["AML.TA0010"].band == "insufficient"
    inputs = results("AML.T0086", 20, 1, critical=True) + results("AML.T0056", 10, 0)
    report = compute_coverage(atlas, inputs)
    exfil = report.tactics["AML.TA0010"]
    assert exfil.score == pytest.approx((20 / 21 + 1.0) / 2)
    assert exfil.critical_failure and exfil.band == "red"
    assert report.techniques["AML.T0086"].band == "red"
    assert report.techniques["AML.T0056"].band == "green"


def test_unknown_ids_are_reported_not_invented(atlas: AtlasCatalog) -> None:
    report = compute_coverage(atlas, [CoverageInput(("AML.T9999",), P)])
    assert report.unknown_ids == ("AML.T9999",)
    assert "AML.T9999" not in report.techniques


def test_navigator_layer_structure(atlas: AtlasCatalog) -> None:
    testable = probe_techniques(load_probes(), atlas)
    report = compute_coverage(atlas, results("AML.T0051.001", 6, 4), testable=testable)
    layer = json.loads(json.dumps(navigator_layer(report)))
    assert layer["domain"] == "atlas-atlas"
    assert layer["versions"]["layer"] == "4.5"
    assert {"name": "atlas_data_version", "value": atlas.version} in layer["metadata"]
    by_id = {t["techniqueID"]: t for t in layer["techniques"]}
    assert set(by_id) == {t for t in testable if t in atlas.techniques}
    assert by_id["AML.T0051.001"]["score"] == 60
    assert by_id["AML.T0051.001"]["color"] == "#f0a202"
    assert "score" not in by_id["AML.T0056"]
    assert layer["gradient"]["minValue"] == 0 and layer["gradient"]["maxValue"] == 100
    assert len(layer["legendItems"]) == 5


def test_navigator_score_never_rounds_into_the_next_band(atlas: AtlasCatalog) -> None:
    # 47/59 = 79.7 % is amber; a score of 80 in an amber cell contradicts the legend
    # ("pass rate 50–79%"). 0.29 * 100 is 28.999… in floating point: still 29.
    report = compute_coverage(atlas, results("AML.T0050", 47, 12) + results("AML.T0053", 29, 71))
    scores = {t["techniqueID"]: t for t in navigator_layer(report)["techniques"]}
    assert scores["AML.T0050"]["color"] == "#f0a202"  # amber
    assert scores["AML.T0050"]["score"] == 79
    assert scores["AML.T0053"]["score"] == 29
