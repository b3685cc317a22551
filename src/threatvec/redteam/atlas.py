"""The MITRE ATLAS catalogue: tactics and techniques keyed by id, version read from the data.

Parses the ``ATLAS.yaml`` that ``mitre-atlas/atlas-data`` publishes (top-level
``version`` and ``matrices[].tactics`` / ``techniques``). Technique names
change between releases under stable ids, so everything is keyed by id and
the data version travels with the catalogue. Sub-techniques inherit their
parent's tactics. Counts are always computed from what was parsed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "AtlasCatalog",
    "AtlasError",
    "Tactic",
    "Technique",
    "load_atlas",
    "parse_atlas",
    "parse_atlas_text",
]

_TACTIC_ID = re.compile(r"^AML\.TA\d{4}$")
_TECHNIQUE_ID = re.compile(r"^AML\.T\d{4}(\.\d{3})?$")


class AtlasError(ValueError):
    """The file is not ATLAS data this parser understands."""


@dataclass(frozen=True)
class Tactic:
    id: str
    name: str
    description: str
    order: int  # position in the matrix (kill-chain order)


@dataclass(frozen=True)
class Technique:
    id: str
    name: str
    description: str
    tactic_ids: tuple[str, ...]
    parent_id: str | None = None
    maturity: str | None = None

    @property
    def is_subtechnique(self) -> bool:
        return self.parent_id is not None


@dataclass(frozen=True)
class AtlasCatalog:
    version: str
    matrix_id: str
    tactics: dict[str, Tactic]
    techniques: dict[str, Technique]  # techniques and sub-techniques
    source: str = ""
    _by_tactic: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    @property
    def technique_count(self) -> int:
        return sum(1 for t in self.techniques.values() if not t.is_subtechnique)

    @property
    def subtechnique_count(self) -> int:
        return sum(1 for t in self.techniques.values() if t.is_subtechnique)

    def techniques_of(self, tactic_id: str, *, include_sub: bool = False) -> tuple[str, ...]:
        ids = self._by_tactic.get(tactic_id, ())
        if include_sub:
            return ids
        return tuple(i for i in ids if not self.techniques[i].is_subtechnique)

    def tactics_of(self, technique_id: str) -> tuple[str, ...]:
        tech = self.techniques.get(technique_id)
        return tech.tactic_ids if tech else ()

    def top_level(self, technique_id: str) -> str:
        """The parent id for a sub-technique, the id itself otherwise."""
        tech = self.techniques.get(technique_id)
        return tech.parent_id if tech and tech.parent_id else technique_id

    def unknown_ids(self, ids: list[str] | tuple[str, ...] | set[str]) -> set[str]:
        return {i for i in ids if i not in self.techniques}


def parse_atlas(data: Mapping[str, Any], *, source: str = "") -> AtlasCatalog:
    """Build the catalogue from parsed ATLAS YAML; raises AtlasError on a wrong shape."""
    version = data.get("version")
    matrices = data.get("matrices")
    if not isinstance(version, str | int | float) or not isinstance(matrices, list) or not matrices:
        raise AtlasError("expected top-level 'version' and a non-empty 'matrices' list")
    matrix = next((m for m in matrices if isinstance(m, dict) and m.get("id") == "ATLAS"), None)
    matrix = matrix or matrices[0]
    if not isinstance(matrix, dict):
        raise AtlasError("matrix is not a mapping")
    tactics: dict[str, Tactic] = {}
    for i, raw in enumerate(matrix.get("tactics") or []):
        tid = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(tid, str) or not _TACTIC_ID.match(tid):
            raise AtlasError(f"bad tactic entry at index {i}")
        tactics[tid] = Tactic(tid, str(raw.get("name", tid)), str(raw.get("description", "")), i)
    raw_techniques = [t for t in matrix.get("techniques") or [] if isinstance(t, dict)]
    parents: dict[str, tuple[str, ...]] = {}
    for raw in raw_techniques:
        if "subtechnique-of" not in raw:
            parents[str(raw.get("id"))] = tuple(str(x) for x in raw.get("tactics") or ())
    techniques: dict[str, Technique] = {}
    for raw in raw_techniques:
        tid = raw.get("id")
        if not isinstance(tid, str) or not _TECHNIQUE_ID.match(tid):
            raise AtlasError(f"bad technique id {tid!r}")
        parent = raw.get("subtechnique-of")
        own = tuple(str(x) for x in raw.get("tactics") or ())
        tactic_ids = own or (parents.get(str(parent), ()) if parent else ())
        techniques[tid] = Technique(
            id=tid,
            name=str(raw.get("name", tid)),
            description=str(raw.get("description", "")),
            tactic_ids=tuple(t for t in tactic_ids if t in tactics),
            parent_id=str(parent) if parent else None,
            maturity=str(raw["maturity"]) if raw.get("maturity") else None,
        )
    by_tactic: dict[str, list[str]] = {t: [] for t in tactics}
    for tech in techniques.values():
        for tac in tech.tactic_ids:
            by_tactic[tac].append(tech.id)
    return AtlasCatalog(
        version=str(version),
        matrix_id=str(matrix.get("id", "ATLAS")),
        tactics=tactics,
        techniques=techniques,
        source=source,
        _by_tactic={k: tuple(sorted(v)) for k, v in by_tactic.items()},
    )


def parse_atlas_text(text: str, *, name: str, source: str) -> AtlasCatalog:
    """Parse ATLAS.yaml text (safe YAML loader); `name` is how errors refer to it."""
    import yaml

    # The C loader is ~10x faster on the multi-megabyte file; both are safe loaders.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506
    except yaml.YAMLError as exc:
        # One line: where and what, not PyYAML's multi-line excerpt of the file.
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise AtlasError(f"{name} is not valid YAML{where}: {problem}") from exc
    if not isinstance(data, dict):
        raise AtlasError(f"{name} does not hold an ATLAS mapping")
    return parse_atlas(data, source=source)


def load_atlas(path: str | Path) -> AtlasCatalog:
    """Read and parse an ATLAS.yaml file."""
    p = Path(path)
    return parse_atlas_text(p.read_text(encoding="utf-8"), name=p.name, source=str(p))
