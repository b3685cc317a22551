"""The probe library, its data model and rendering; ``load_probes()`` is the entry point."""

from __future__ import annotations

from threatvec.redteam.probes.library import LIBRARY_VERSION, PROBES
from threatvec.redteam.probes.model import BenignTask, Probe, SignalSpec
from threatvec.redteam.probes.render import RenderedProbe, render_probe

__all__ = [
    "LIBRARY_VERSION",
    "BenignTask",
    "Probe",
    "RenderedProbe",
    "SignalSpec",
    "get_probe",
    "load_probes",
    "render_probe",
]


def load_probes() -> list[Probe]:
    """Every probe of the library, validated, in library order."""
    for probe in PROBES:
        probe.validate()
    ids = [p.id for p in PROBES]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate probe ids in the library")
    return list(PROBES)


def get_probe(probe_id: str) -> Probe:
    for probe in PROBES:
        if probe.id == probe_id:
            return probe
    raise KeyError(probe_id)
