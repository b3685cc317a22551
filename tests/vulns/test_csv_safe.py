from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from threatvec.vulns.csv_safe import csv_text, neutralize_cell


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+SUM(A1)",
        "-2+3",
        "@cmd",
        "\t=x",
        "\r=x",
        '  =HYPERLINK("http://x")',
        "=cmd|' /C calc'!A0",
    ],
)
def test_formula_cells_are_neutralised(value: str) -> None:
    out = neutralize_cell(value)
    assert isinstance(out, str) and out.startswith("'") and out[1:] == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("torch", "torch"),
        ("2.5.1", "2.5.1"),
        (-3, -3),
        (9.8, 9.8),
        (None, ""),
        (True, "true"),
        (date(2025, 1, 2), "2025-01-02"),
        ("a=b", "a=b"),
        ("CVE-2024-1086", "CVE-2024-1086"),
    ],
)
def test_safe_values_unchanged(value: object, expected: object) -> None:
    assert neutralize_cell(value) == expected  # type: ignore[arg-type]


def test_written_csv_round_trips_with_neutralised_cells() -> None:
    text = csv_text(["technology", "note"], [["=evil()", 'a,b "quoted"'], ["torch", -1]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["technology", "note"], ["'=evil()", 'a,b "quoted"'], ["torch", "-1"]]
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)
