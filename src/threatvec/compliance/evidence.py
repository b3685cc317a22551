"""The result of one check: a status, a one-line reason and the evidence that decided it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from threatvec.compliance.statuses import Status

__all__ = ["CheckResult", "Evidence"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fact behind a status: a count, a value or a time, the objects it names, a link.

    ``href`` points at the API resource a reviewer can open to see the objects;
    ``objects`` lists their ids (at most a few dozen).
    """

    label: str
    value: str | int | float | bool | None = None
    href: str | None = None
    objects: tuple[str, ...] = ()
    observed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    status: Status
    reason: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, status: Status, reason: str, evidence: Sequence[Evidence] = ()) -> CheckResult:
        return cls(status, reason, tuple(evidence))
