"""CSV output that a spreadsheet cannot turn into a formula (OWASP "CSV injection").

A text cell whose first character is ``=``, ``+``, ``-``, ``@``, tab or
carriage return (also after leading spaces, which some spreadsheets skip)
is prefixed with a single quote, so it is shown as text and never
evaluated. Numbers (``int``/``float``) are written as numbers: ``-3`` is a
value, not a formula. Everything the product exports as CSV goes through
:func:`neutralize_cell`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import IO

__all__ = ["FORMULA_PREFIXES", "csv_text", "neutralize_cell", "write_csv"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | bool | date | datetime | None


def neutralize_cell(value: Cell) -> str | int | float:
    """The cell as it is safe to write."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) or text.lstrip(" ").startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def write_csv(out: IO[str], header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> int:
    """Write a header and rows, every cell neutralised; return the rows written."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralize_cell(h) for h in header])
    n = 0
    for row in rows:
        writer.writerow([neutralize_cell(c) for c in row])
        n += 1
    return n


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    buf = io.StringIO()
    write_csv(buf, header, rows)
    return buf.getvalue()
