"""Pluggable dimension providers: the extension point for everything that feeds the posture.

A provider computes one dimension for one organisation::

    class RedTeamProvider:
        name = "agent"
        def compute(self, *, session, org_id, now) -> DimensionScore: ...

    registry.register(RedTeamProvider(), replace=True)

The DB layer registers the built-in Agent, MCP and Shadow AI providers (each
gathers its inputs and calls the pure functions in `dimensions`); later
issues (red-team results, enforcement counts) register theirs or replace one.
`run_providers` calls each registered provider and combines the results with
`compute_posture`; a provider that raises makes its dimension ``no_data``
(the error class is kept in the detail) and never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from threatvec.posture.composite import PostureScore, compute_posture
from threatvec.posture.dimensions import DimensionScore
from threatvec.posture.factors import Score

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "DimensionProvider",
    "ProviderRegistry",
    "compute_posture",
    "registry",
    "run_providers",
]

log = logging.getLogger("threatvec.posture")


@runtime_checkable
class DimensionProvider(Protocol):
    """Computes one posture dimension for one organisation at one time."""

    name: str

    def compute(self, *, session: Session, org_id: str, now: datetime) -> DimensionScore: ...


class ProviderRegistry:
    """Providers by dimension name, in registration order."""

    def __init__(self) -> None:
        self._providers: dict[str, DimensionProvider] = {}

    def register(self, provider: DimensionProvider, *, replace: bool = False) -> None:
        name = getattr(provider, "name", None)
        if not isinstance(name, str) or not name:
            raise ValueError("a provider needs a non-empty string name")
        if not callable(getattr(provider, "compute", None)):
            raise TypeError(f"provider {name!r} has no compute()")
        if name in self._providers and not replace:
            raise ValueError(f"a provider for dimension {name!r} is already registered")
        self._providers[name] = provider

    def unregister(self, name: str) -> None:
        self._providers.pop(name, None)

    def get(self, name: str) -> DimensionProvider:
        return self._providers[name]

    def names(self) -> tuple[str, ...]:
        return tuple(self._providers)

    def __contains__(self, name: object) -> bool:
        return name in self._providers

    def __iter__(self) -> Iterator[DimensionProvider]:
        return iter(list(self._providers.values()))

    def __len__(self) -> int:
        return len(self._providers)


registry = ProviderRegistry()


def run_providers(
    *,
    session: Session,
    org_id: str,
    now: datetime,
    weights: Mapping[str, float] | None = None,
    providers: ProviderRegistry | None = None,
) -> PostureScore:
    """Call every provider (one failure never stops the others) and combine the results."""
    dims: list[DimensionScore] = []
    for provider in providers if providers is not None else registry:
        try:
            dim = provider.compute(session=session, org_id=org_id, now=now)
            if dim.name != provider.name:
                raise ValueError(f"provider returned dimension {dim.name!r}")
        except Exception as exc:
            # the class name only: messages can carry data we do not want in logs
            log.warning(
                "posture provider %s failed for org %s: %s",
                provider.name,
                org_id,
                type(exc).__name__,
            )
            dim = DimensionScore(
                provider.name, Score.missing(f"provider failed ({type(exc).__name__})")
            )
        dims.append(dim)
    return compute_posture(dims, weights)
