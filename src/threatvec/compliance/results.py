"""An evaluated control and an evaluated framework (what the API and the page show)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from threatvec.compliance.evidence import Evidence
from threatvec.compliance.statuses import Status, count_statuses, coverage_percent

__all__ = ["ControlResult", "FrameworkResult", "SectionResult"]


@dataclass(frozen=True, slots=True)
class ControlResult:
    control: str
    title: str
    description: str
    group: str
    status: Status
    reason: str
    evidence: tuple[tuple[str, Evidence], ...]  # (check key, evidence)
    checks: tuple[tuple[str, Status], ...]  # (check key, its status)
    references: tuple[str, ...] = ()
    state: str | None = None  # a framework's own label (ATLAS: holding, bypassed, …)


@dataclass(frozen=True, slots=True)
class SectionResult:
    """A group of controls with a roll-up of its own (ATLAS tactics)."""

    section: str
    title: str
    state: str
    reason: str
    controls: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FrameworkResult:
    framework: str
    name: str
    edition: str
    description: str
    notes: tuple[str, ...]
    generated_at: datetime
    controls: tuple[ControlResult, ...]
    sections: tuple[SectionResult, ...] = ()

    @property
    def counts(self) -> dict[Status, int]:
        return count_statuses(c.status for c in self.controls)

    @property
    def coverage(self) -> float | None:
        return coverage_percent(self.counts)
