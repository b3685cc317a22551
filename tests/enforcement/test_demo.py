"""The demo: a gateway source whose decisions cover most, not all, of the demo agents' risk."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

from tests.conftest import create_org
from threatvec.demo import DEMO_MODULES
from threatvec.enforcement import service
from threatvec.store.engine import session_scope


def test_demo_gives_the_card_the_gap_scan_and_live_traffic_content(session_factory):
    org = create_org(session_factory)
    assert DEMO_MODULES.index("threatvec.enforcement.demo") < DEMO_MODULES.index(
        "threatvec.posture.demo"
    )
    with session_scope(session_factory) as s:
        # only what the enforcement demo builds on (the full demo runs in tests/server)
        for name in ("assets", "mcp", "agents", "enforcement"):
            importlib.import_module(f"threatvec.{name}.demo").seed(session=s, org_id=org.id)
    with session_scope(session_factory) as s:
        scan = service.gap_scan(session=s, org_id=org.id, now=datetime.now(UTC))
        stats = service.stats(session=s, org_id=org.id)
        from threatvec.signals import service as signals

        live = signals.list_since(
            session=s, org_id=org.id, after_id=0, kinds=("enforcement.event",)
        )
    assert scan.sources_total == 1 and scan.pairs and 0 < scan.covered < len(scan.pairs)
    assert any(p.agent_name == "ops-runbook" and not p.covered for p in scan.pairs)
    assert {c.key for c in stats.by_action if c.last_24h} >= {"blocked", "redacted", "allowed"}
    assert len(live) == 8
