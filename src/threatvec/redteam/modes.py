"""Run modes: ``full`` runs the whole library; ``quick`` one probe per technique family."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from threatvec.redteam.probes import Probe, load_probes

__all__ = ["MODES", "select_probes"]

MODES = ("quick", "full")


def select_probes(
    mode: str,
    probes: Sequence[Probe] | None = None,
    *,
    channels: Iterable[str] | None = None,
) -> list[Probe]:
    """The probes a mode runs, in library order.

    ``quick`` keeps one probe per family: the first quick-eligible one the
    target's ``channels`` can reach, or (if none can) the family's first
    probe, which the runner then reports as NOT_APPLICABLE rather than hiding.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    library = list(probes) if probes is not None else load_probes()
    if mode == "full":
        return library
    reachable = frozenset(channels) if channels is not None else None
    chosen: dict[str, Probe] = {}
    fallback: dict[str, Probe] = {}
    for probe in library:
        if not probe.quick:
            continue
        fallback.setdefault(probe.family, probe)
        if probe.family in chosen:
            continue
        if reachable is None or probe.required_channels() <= reachable:
            chosen[probe.family] = probe
    picked = {fam: chosen.get(fam, fallback[fam]) for fam in fallback}
    order = {p.id: i for i, p in enumerate(library)}
    return sorted(picked.values(), key=lambda p: order[p.id])
