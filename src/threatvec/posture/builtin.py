"""The built-in Agent, MCP and Shadow AI providers, loaded lazily from the domains that own them.

Each domain ships its own provider (``threatvec.agents.posture.AgentProvider``,
``threatvec.mcp.posture.McpProvider``, ``threatvec.shadow.posture.ShadowProvider``).
The posture engine must not break while a domain is missing or still being
built, so a `LazyProvider` imports its candidates on first use and, when none
is installed, reports the dimension as **no data** (never a crash, never 0).
The Agent dimension falls back to `threatvec.posture.agent_provider`, built on
the agents domain's public service functions; the Shadow AI dimension uses
the shadow domain's.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from threatvec.posture.dimensions import DIMENSION_LABELS, DimensionScore
from threatvec.posture.factors import Score
from threatvec.posture.providers import DimensionProvider, ProviderRegistry, registry

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["BUILTIN_PROVIDERS", "LazyProvider", "register_builtin"]

log = logging.getLogger("threatvec.posture")

# dimension -> (module, attribute) candidates, first importable wins
BUILTIN_PROVIDERS: dict[str, tuple[tuple[str, str], ...]] = {
    "agent": (
        # wraps the next candidate and adds the enforcement factor (docs/scoring.md)
        ("threatvec.enforcement.posture", "AgentProvider"),
        ("threatvec.agents.posture", "AgentProvider"),
        ("threatvec.agents.posture", "AgentPostureProvider"),
        ("threatvec.posture.agent_provider", "AgentProvider"),
    ),
    "mcp": (
        ("threatvec.mcp.posture", "McpProvider"),
        ("threatvec.mcp.posture", "McpPostureProvider"),
    ),
    "shadow": (
        ("threatvec.shadow.posture", "ShadowProvider"),
        ("threatvec.shadow.posture", "ShadowPostureProvider"),
    ),
}
# the coverage a missing domain reports, so the weight advisor reads zeros
_EMPTY_COVERAGE = {"agent": {"agents": 0}, "mcp": {"servers": 0}, "shadow": {"services": 0}}
_MISSING = object()


def _is_missing_module(exc: ModuleNotFoundError, module: str) -> bool:
    """True when the module itself (or a parent package) is absent, not one of its imports."""
    missing = exc.name or ""
    return bool(missing) and (module == missing or module.startswith(missing + "."))


class LazyProvider:
    """A provider that imports the real one on first use; none installed means no data."""

    def __init__(self, name: str, candidates: Sequence[tuple[str, str]]) -> None:
        self.name = name
        self.candidates = tuple(candidates)
        self._loaded: Any = None
        self._lock = threading.Lock()

    def _load(self) -> DimensionProvider | None:
        if self._loaded is not None:
            return None if self._loaded is _MISSING else self._loaded
        with self._lock:
            if self._loaded is None:
                self._loaded = self._import() or _MISSING
        return None if self._loaded is _MISSING else self._loaded

    def _import(self) -> DimensionProvider | None:
        for module_name, attr in self.candidates:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if _is_missing_module(exc, module_name):
                    continue
                raise
            target = getattr(module, attr, None)
            if target is None:
                continue
            provider = target() if isinstance(target, type) else target
            if getattr(provider, "name", None) != self.name:
                raise ValueError(
                    f"{module_name}.{attr} provides {provider.name!r}, not {self.name!r}"
                )
            log.info("posture dimension %s provided by %s.%s", self.name, module_name, attr)
            return provider  # type: ignore[no-any-return]
        return None

    @property
    def source(self) -> str | None:
        """Which module provides the dimension (None: not installed)."""
        p = self._load()
        return None if p is None else f"{type(p).__module__}.{type(p).__name__}"

    def _missing(self) -> DimensionScore:
        label = DIMENSION_LABELS.get(self.name, self.name)
        return DimensionScore(
            self.name,
            Score.missing(f"no data: the {label} provider is not installed"),
            coverage=dict(_EMPTY_COVERAGE.get(self.name, {})),
        )

    def compute(self, *, session: Session, org_id: str, now: datetime) -> DimensionScore:
        provider = self._load()
        if provider is None:
            return self._missing()
        return provider.compute(session=session, org_id=org_id, now=now)

    def compute_incremental(
        self, *, session: Session, org_id: str, now: datetime, changed: frozenset[str]
    ) -> DimensionScore:
        """Recompute after changes to these objects only, when the provider can; else fully."""
        provider = self._load()
        if provider is None:
            return self._missing()
        incremental = getattr(provider, "compute_incremental", None)
        if incremental is None:
            return provider.compute(session=session, org_id=org_id, now=now)
        result: DimensionScore = incremental(
            session=session, org_id=org_id, now=now, changed=changed
        )
        return result


def register_builtin(reg: ProviderRegistry | None = None) -> ProviderRegistry:
    """Register the built-in providers for every dimension that has none yet (idempotent)."""
    target = registry if reg is None else reg
    for name, candidates in BUILTIN_PROVIDERS.items():
        if name not in target:
            target.register(LazyProvider(name, candidates))
    return target
