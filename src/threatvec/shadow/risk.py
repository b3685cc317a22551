"""The one place a shadow AI service gets its HIGH / MEDIUM / LOW verdict, with its reasons.

- HIGH: personal data (PII categories) seen in data sent to the service, or an
  unknown, unclassified service. PII sent to a registered, approved service
  still makes it HIGH unless its registration allows those categories
  (asset metadata ``allowed_pii``).
- MEDIUM: a known AI service (in the catalog) that is not registered and
  approved.
- LOW: registered and approved (and any PII it received is allowed).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

__all__ = ["LEVELS", "RANK", "RiskVerdict", "assess_service"]

LEVELS = ("HIGH", "MEDIUM", "LOW")
RANK = {"HIGH": 3, "MEDIUM": 2, "LOW": 1}


@dataclass(frozen=True, slots=True)
class RiskVerdict:
    """The level, the reasons in plain words, and the parts that decided it."""

    level: str
    reasons: tuple[str, ...]
    factors: dict[str, object] = field(default_factory=dict)

    @property
    def rank(self) -> int:
        return RANK[self.level]

    @property
    def disallowed_pii(self) -> tuple[str, ...]:
        value = self.factors.get("disallowed_pii", ())
        return tuple(value) if isinstance(value, tuple | list) else ()


def _listing(counts: Mapping[str, int], names: Collection[str]) -> str:
    return ", ".join(f"{c} ({counts[c]})" for c in sorted(names))


def assess_service(
    *,
    known: bool,
    registered: bool,
    approved: bool,
    pii_counts: Mapping[str, int],
    allowed_pii: Collection[str] = (),
) -> RiskVerdict:
    """The verdict for one service; ``pii_counts`` are events per PII category sent to it."""
    seen = {c for c, n in pii_counts.items() if n > 0}
    trusted = registered and approved
    allowed = set(allowed_pii) if trusted else set()
    disallowed = tuple(sorted(seen - allowed))
    factors: dict[str, object] = {
        "known": known,
        "registered": registered,
        "approved": approved,
        "pii_categories": tuple(sorted(seen)),
        "allowed_pii": tuple(sorted(allowed)),
        "disallowed_pii": disallowed,
    }
    if trusted:
        if disallowed:
            return RiskVerdict(
                "HIGH",
                (
                    "registered and approved, but PII its registration does not allow was "
                    f"sent: {_listing(pii_counts, disallowed)}",
                ),
                factors,
            )
        reasons = ["registered and approved"]
        if seen:
            reasons.append(f"received only allowed PII: {_listing(pii_counts, seen)}")
        return RiskVerdict("LOW", tuple(reasons), factors)

    high: list[str] = []
    if seen:
        high.append(f"PII seen in data sent to it: {_listing(pii_counts, seen)}")
    if not known:
        high.append("unknown, unclassified AI service")
    status = "registered but not approved" if registered else "not registered"
    if high:
        return RiskVerdict("HIGH", (*high, status), factors)
    return RiskVerdict("MEDIUM", (f"known AI service, {status}",), factors)
