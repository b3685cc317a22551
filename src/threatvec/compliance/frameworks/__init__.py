"""The six frameworks: their controls and which checks judge each control.

A framework module defines ``FRAMEWORK``. Static frameworks list their
controls; MITRE ATLAS builds its controls from the ATLAS catalogue and the
red-team coverage at evaluation time (``build``). Control wording is our own
short paraphrase; identifiers are the frameworks' own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from threatvec.compliance.facts import OrgFacts
    from threatvec.compliance.results import ControlResult, SectionResult

__all__ = ["FRAMEWORKS", "ControlSpec", "Framework", "framework_ids"]


@dataclass(frozen=True, slots=True)
class ControlSpec:
    control: str  # the framework's identifier, e.g. "LLM01", "GOVERN-1", "CC6.1"
    title: str
    description: str
    checks: tuple[str, ...]  # keys in compliance.checks.CHECKS
    group: str = ""
    references: tuple[str, ...] = ()  # related ids (subcategories, other standards)


@dataclass(frozen=True, slots=True)
class Framework:
    framework: str  # URL slug
    name: str
    edition: str
    description: str
    controls: tuple[ControlSpec, ...] = ()
    build: Callable[[OrgFacts], list[ControlResult]] | None = field(default=None)
    sections: Callable[[OrgFacts], list[SectionResult]] | None = field(default=None)
    edition_of: Callable[[OrgFacts], str] | None = field(default=None)
    notes: tuple[str, ...] = ()


def _load() -> dict[str, Framework]:
    from threatvec.compliance.frameworks import (
        eu_ai_act,
        iso27001,
        mitre_atlas,
        nist_ai_rmf,
        owasp_llm,
        soc2,
    )

    modules = (owasp_llm, nist_ai_rmf, eu_ai_act, soc2, iso27001, mitre_atlas)
    return {m.FRAMEWORK.framework: m.FRAMEWORK for m in modules}


FRAMEWORKS: dict[str, Framework] = _load()


def framework_ids() -> tuple[str, ...]:
    return tuple(FRAMEWORKS)
