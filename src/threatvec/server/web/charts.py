"""SVG charts drawn on the server: gauge, line, bar, heatmap.

No JavaScript, no third-party code; every label is escaped. Each function
returns markup safe to put in a template as is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from threatvec.posture.factors import round1

__all__ = ["HeatCell", "band_color", "bar", "gauge", "heatmap", "line"]

GOOD, WARN, BAD, GRAY, INK, GRID = "#1a7f37", "#bf8700", "#cf222e", "#d0d7de", "#1f2328", "#eaeef2"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def band_color(value: float | None, *, good: float = 80, warn: float = 50) -> str:
    if value is None:
        return GRAY
    return GOOD if value >= good else WARN if value >= warn else BAD


def gauge(value: float | None, *, label: str = "Posture", size: int = 180) -> Markup:
    """A half-circle gauge 0–100; None draws an empty gauge reading 'no data'."""
    r, cx, cy, width = size * 0.4, size / 2, size * 0.55, size * 0.09

    def point(fraction: float) -> tuple[float, float]:
        angle = math.pi * (1 - fraction)
        return cx + r * math.cos(angle), cy - r * math.sin(angle)

    x0, y0 = point(0)
    x1, y1 = point(1)
    track = f"M{x0:.1f},{y0:.1f} A{r:.1f},{r:.1f} 0 0 1 {x1:.1f},{y1:.1f}"
    parts = [f'<path d="{track}" stroke="{GRID}" stroke-width="{width:.1f}" fill="none"/>']
    text = "no data"
    if value is not None:
        # The number is the score as printed beside it and in the API (one decimal, half
        # away from zero), and the colour is that number's band: a whole number read
        # "53" over "52.7 / 100", and 79.6 read "80" in the amber of scores below 80.
        v = round1(max(0.0, min(100.0, float(value))))
        xv, yv = point(v / 100)
        arc = f"M{x0:.1f},{y0:.1f} A{r:.1f},{r:.1f} 0 0 1 {xv:.1f},{yv:.1f}"
        parts.append(
            f'<path d="{arc}" stroke="{band_color(v)}" stroke-width="{width:.1f}" '
            f'fill="none" stroke-linecap="round"/>'
        )
        text = f"{v:.1f}"
    parts.append(
        f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" font-size="{size * 0.2:.0f}"'
        f' font-weight="700" fill="{INK}" class="gauge-value">{_e(text)}</text>'
    )
    parts.append(
        f'<text x="{cx:.1f}" y="{cy + size * 0.16:.1f}" text-anchor="middle" '
        f'font-size="{size * 0.08:.0f}" fill="#59636e">{_e(label)}</text>'
    )
    h = size * 0.75
    return Markup(
        f'<svg class="chart gauge" viewBox="0 0 {size} {h:.0f}" width="{size}" height="{h:.0f}" '
        f'role="img" aria-label="{_e(label)}: {_e(text)}">' + "".join(parts) + "</svg>"
    )


def line(
    points: Sequence[tuple[str, float | None]],
    *,
    width: int = 560,
    height: int = 160,
    y_max: float = 100,
    label: str = "Trend",
) -> Markup:
    """A line over labelled points (label, value); gaps where a value is None."""
    pad = 28
    n = len(points)
    if n == 0:
        return Markup(
            f'<svg class="chart line" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{_e(label)}: no data"><text x="{width / 2}" y="{height / 2}" '
            f'text-anchor="middle" fill="#59636e">no data yet</text></svg>'
        )
    step = (width - 2 * pad) / max(1, n - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad + i * step, height - pad - (v / y_max) * (height - 2 * pad)

    grid = "".join(
        f'<line x1="{pad}" x2="{width - pad}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        f'<text x="4" y="{y + 4:.1f}" font-size="10" fill="#59636e">{int(t)}</text>'
        for t in (0, y_max / 2, y_max)
        for y in [xy(0, t)[1]]
    )
    segments: list[list[tuple[float, float]]] = [[]]
    for i, (_, v) in enumerate(points):
        if v is None:
            segments.append([])
        else:
            segments[-1].append(xy(i, float(v)))
    paths = "".join(
        '<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
        + '"/>'
        for seg in segments
        if seg
    )
    dots = "".join(
        f'<circle cx="{xy(i, float(v))[0]:.1f}" cy="{xy(i, float(v))[1]:.1f}" r="2.5" '
        f'fill="#1f6feb"><title>{_e(lbl)}: {float(v):.1f}</title></circle>'
        for i, (lbl, v) in enumerate(points)
        if v is not None
    )
    first, last = _e(points[0][0]), _e(points[-1][0])
    axis = (
        f'<text x="{pad}" y="{height - 8}" font-size="10" fill="#59636e">{first}</text>'
        f'<text x="{width - pad}" y="{height - 8}" font-size="10" text-anchor="end" '
        f'fill="#59636e">{last}</text>'
    )
    return Markup(
        f'<svg class="chart line" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(label)}">' + grid + paths + dots + axis + "</svg>"
    )


def bar(
    items: Sequence[tuple[str, float]],
    *,
    width: int = 560,
    bar_height: int = 22,
    label: str = "Bars",
    color: str = "#1f6feb",
) -> Markup:
    """Horizontal bars: (label, value), scaled to the largest value."""
    label_w, pad = 170, 6
    top = max((v for _, v in items), default=0) or 1
    height = max(1, len(items)) * (bar_height + pad) + pad
    rows = []
    for i, (name, value) in enumerate(items):
        y = pad + i * (bar_height + pad)
        w = (width - label_w - 50) * (value / top)
        rows.append(
            f'<text x="{label_w - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" '
            f'font-size="12" fill="{INK}">{_e(str(name)[:40])}</text>'
            f'<rect x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{bar_height}" '
            f'fill="{color}" rx="3"><title>{_e(name)}: {value:g}</title></rect>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height * 0.7:.1f}" font-size="12" '
            f'fill="{INK}">{value:g}</text>'
        )
    return Markup(
        f'<svg class="chart bar" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(label)}">' + "".join(rows) + "</svg>"
    )


@dataclass(frozen=True)
class HeatCell:
    row: str
    column: str
    value: float | None  # 0–100, None = untested (gray)
    text: str = ""
    title: str = ""
    color: str | None = None  # overrides the band colour (e.g. N/A, insufficient data)


def heatmap(
    cells: Sequence[HeatCell], *, label: str = "Heatmap", cell_w: int = 110, cell_h: int = 34
) -> Markup:
    """A grid of coloured cells; rows and columns in first-seen order."""
    rows = list(dict.fromkeys(c.row for c in cells))
    cols = list(dict.fromkeys(c.column for c in cells))
    left, top = 190, 24
    width, height = left + len(cols) * (cell_w + 4), top + len(rows) * (cell_h + 4)
    out = []
    for j, col in enumerate(cols):
        out.append(
            f'<text x="{left + j * (cell_w + 4) + cell_w / 2:.0f}" y="16" font-size="11" '
            f'text-anchor="middle" fill="#59636e">{_e(str(col)[:18])}</text>'
        )
    for i, row in enumerate(rows):
        out.append(
            f'<text x="{left - 6}" y="{top + i * (cell_h + 4) + cell_h * 0.62:.0f}" '
            f'font-size="12" text-anchor="end" fill="{INK}">{_e(str(row)[:28])}</text>'
        )
    for c in cells:
        i, j = rows.index(c.row), cols.index(c.column)
        x, y = left + j * (cell_w + 4), top + i * (cell_h + 4)
        fill = c.color or band_color(c.value)
        txt = c.text or ("untested" if c.value is None else f"{c.value:.0f}%")
        out.append(
            f'<g class="cell" data-row="{_e(c.row)}" data-column="{_e(c.column)}">'
            f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" rx="4" fill="{fill}">'
            f"<title>{_e(c.title or txt)}</title></rect>"
            f'<text x="{x + cell_w / 2:.0f}" y="{y + cell_h * 0.62:.0f}" font-size="11" '
            f'text-anchor="middle" fill="#fff">{_e(str(txt)[:16])}</text></g>'
        )
    return Markup(
        f'<svg class="chart heatmap" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(label)}">' + "".join(out) + "</svg>"
    )
