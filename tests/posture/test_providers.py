"""The provider protocol and registry: pluggable dimensions, failures isolated."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from threatvec.posture.dimensions import DimensionScore, ShadowServiceInput, shadow_dimension
from threatvec.posture.factors import Factor, Score
from threatvec.posture.providers import DimensionProvider, ProviderRegistry, run_providers

NOW = datetime(2025, 3, 1, tzinfo=UTC)


class Fixed:
    def __init__(self, name: str, value: float) -> None:
        self.name = name
        self.value = value
        self.calls: list[dict[str, Any]] = []

    def compute(self, *, session: Any, org_id: str, now: datetime) -> DimensionScore:
        self.calls.append({"session": session, "org_id": org_id, "now": now})
        return DimensionScore(self.name, Score.from_parts([Factor("all", self.value, 100)]))


class Broken:
    name = "mcp"

    def compute(self, *, session: Any, org_id: str, now: datetime) -> DimensionScore:
        raise RuntimeError("database said: secret-ish detail")


class ShadowFromList:
    name = "shadow"

    def compute(self, *, session: Any, org_id: str, now: datetime) -> DimensionScore:
        return shadow_dimension([ShadowServiceInput("s", "x", False, True)])


def test_registry_register_replace_unregister() -> None:
    reg = ProviderRegistry()
    a = Fixed("agent", 50)
    reg.register(a)
    assert isinstance(a, DimensionProvider)
    assert reg.names() == ("agent",) and "agent" in reg and len(reg) == 1
    with pytest.raises(ValueError, match="already registered"):
        reg.register(Fixed("agent", 60))
    b = Fixed("agent", 60)
    reg.register(b, replace=True)
    assert reg.get("agent") is b
    reg.unregister("agent")
    assert len(reg) == 0
    with pytest.raises(ValueError):
        reg.register(Fixed("", 1))
    with pytest.raises(TypeError):
        reg.register(type("NoCompute", (), {"name": "x"})())  # type: ignore[arg-type]


def test_run_providers_isolates_a_failure(caplog: pytest.LogCaptureFixture) -> None:
    reg = ProviderRegistry()
    agent = Fixed("agent", 50)
    reg.register(agent)
    reg.register(Broken())
    reg.register(ShadowFromList())
    session = object()
    p = run_providers(session=session, org_id="org-1", now=NOW, providers=reg)  # type: ignore[arg-type]
    assert agent.calls == [{"session": session, "org_id": "org-1", "now": NOW}]
    mcp = p.dimension("mcp")
    assert mcp.no_data and mcp.score.detail == "provider failed (RuntimeError)"
    # agent 50 and shadow 100·50/53, renormalised over 40 + 25
    assert p.value == pytest.approx((40 * 50 + 25 * 5000 / 53) / 65)
    assert "RuntimeError" in caplog.text and "secret-ish" not in caplog.text


def test_provider_returning_the_wrong_dimension_counts_as_failed() -> None:
    reg = ProviderRegistry()

    class Liar(Fixed):
        def compute(self, *, session: Any, org_id: str, now: datetime) -> DimensionScore:
            return DimensionScore("shadow", Score.from_parts([Factor("all", 1, 100)]))

    reg.register(Liar("agent", 0))
    p = run_providers(session=None, org_id="o", now=NOW, providers=reg)  # type: ignore[arg-type]
    assert p.dimension("agent").no_data
    assert p.value is None


def test_run_providers_with_custom_weights() -> None:
    reg = ProviderRegistry()
    reg.register(Fixed("agent", 20))
    reg.register(Fixed("mcp", 100))
    reg.register(Fixed("shadow", 100))
    p = run_providers(
        session=None,  # type: ignore[arg-type]
        org_id="o",
        now=NOW,
        weights={"agent": 80, "mcp": 10, "shadow": 10},
        providers=reg,
    )
    assert p.value == pytest.approx(36.0)
