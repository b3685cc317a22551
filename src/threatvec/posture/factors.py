"""The shapes every score shares: a `Score` made of `Factor` parts, and a fixable `Risk`.

Invariant (docs/scoring.md, "Factors"): a score's value is the sum of its
factors' points, and its maximum is the sum of their ``max_points``. A factor
either *earns* points (``0 <= points <= max_points``) or, in deduction-style
scores, *costs* points (``points <= 0 == max_points``); either way
``lost = max_points - points`` is what it took off the score.

A score with no data has ``value is None`` and reports ``status == "no_data"``;
it is never silently 0 or 100.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["NO_DATA", "Factor", "Risk", "Score", "clamp", "round1", "shown_points", "top_objects"]

NO_DATA = "no_data"


def round1(x: float) -> float:
    """Round half away from zero to one decimal (Python's banker's rounding surprises users)."""
    # the 1e-9 absorbs binary noise (72.45 stored as 72.4499…) so halves round up as printed
    return math.floor(abs(x) * 10 + 0.5 + 1e-9) / 10 * (1 if x >= 0 else -1) + 0.0


def clamp(x: float, lo: float = 0.0, hi: float = 100.0) -> float:
    return lo if x < lo else hi if x > hi else x


@dataclass(frozen=True, slots=True)
class Factor:
    """One part of a score: what counted, the points it earned (or cost), the objects behind it."""

    name: str
    points: float
    max_points: float
    detail: str = ""
    objects: tuple[str, ...] = ()

    @property
    def lost(self) -> float:
        return self.max_points - self.points

    def to_dict(self, shown_points: float | None = None) -> dict[str, Any]:
        return {
            "name": self.name,
            "points": round1(self.points) if shown_points is None else shown_points,
            "max_points": round1(self.max_points),
            "detail": self.detail,
            "objects": list(self.objects),
        }


def shown_points(points: Sequence[float], value: float) -> list[float]:
    """Each part rounded to one decimal so that the shown parts add up to the shown value.

    Rounding each part on its own can leave the printed parts 0.1 or 0.2 off
    the printed total (28.44 + 14.0 + 11.92 = 54.36 prints as 28.4 + 14.0 +
    11.9 = 54.3 against 54.4), and a reader checking the sum sees an error.
    The tenths still missing go to the parts that rounding moved furthest the
    other way (largest remainder), so no part moves by more than 0.1.
    """
    tenths = [round(round1(p) * 10) for p in points]
    missing = round(round1(value) * 10) - sum(tenths)
    if missing == 0 or abs(missing) > len(points):
        return [t / 10 for t in tenths]
    step = 1 if missing > 0 else -1
    # How far each part's rounding went against the direction we must move it.
    slack = [(p * 10 - t) * step for p, t in zip(points, tenths, strict=True)]
    for i in sorted(range(len(points)), key=lambda i: -slack[i])[: abs(missing)]:
        tenths[i] += step
    return [t / 10 + 0.0 for t in tenths]


@dataclass(frozen=True, slots=True)
class Score:
    """A value 0–100 (or no data) with the factors that make it up."""

    value: float | None
    parts: tuple[Factor, ...] = ()
    detail: str = ""

    @property
    def no_data(self) -> bool:
        return self.value is None

    @property
    def status(self) -> str:
        return NO_DATA if self.value is None else "ok"

    @property
    def rounded(self) -> float | None:
        return None if self.value is None else round1(self.value)

    def part(self, name: str) -> Factor:
        for p in self.parts:
            if p.name == name:
                return p
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        points = [p.points for p in self.parts]
        # Shown parts add up to the shown value when the parts make the value
        # (not when it was clamped, or for parts that are a breakdown only).
        adds_up = self.value is not None and bool(points) and abs(sum(points) - self.value) < 1e-6
        shown = shown_points(points, self.value) if adds_up and self.value is not None else None
        return {
            "value": self.rounded,
            "status": self.status,
            "detail": self.detail,
            "parts": [
                p.to_dict(None if shown is None else shown[i]) for i, p in enumerate(self.parts)
            ],
        }

    @classmethod
    def from_parts(cls, parts: Iterable[Factor], detail: str = "") -> Score:
        """A score whose value is the sum of its parts, clamped to 0–100."""
        tup = tuple(parts)
        return cls(clamp(sum(p.points for p in tup)), tup, detail)

    @classmethod
    def missing(cls, detail: str) -> Score:
        return cls(None, (), detail)


@dataclass(frozen=True, slots=True)
class Risk:
    """A fixable problem in one dimension and how many dimension points fixing it recovers.

    ``points_lost`` is exact: the dimension's own formula recomputed with this
    one problem fixed, minus the current dimension value (see whatif.py).
    """

    id: str
    dimension: str
    title: str
    action: str
    points_lost: float
    objects: tuple[str, ...] = ()
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dimension": self.dimension,
            "title": self.title,
            "action": self.action,
            "points_lost": round1(self.points_lost),
            "objects": list(self.objects),
            "detail": self.detail,
        }


def top_objects(pairs: Sequence[tuple[float, str]], limit: int = 10) -> tuple[str, ...]:
    """Ids of the objects with the largest weight, largest first (ties by id, for stable output)."""
    ranked = heapq.nsmallest(limit, (p for p in pairs if p[0] > 0), key=lambda p: (-p[0], p[1]))
    return tuple(obj for _, obj in ranked)
