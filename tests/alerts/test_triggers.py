"""Trigger matching on real signal rows: filters, windows, subjects."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import create_org
from threatvec.alerts import triggers
from threatvec.core.clock import pinned, utcnow
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope


def _cond(raw: dict):
    return triggers.parse_condition(raw)


def test_pii_spike_sums_a_window_with_filters(session_factory) -> None:
    org = create_org(session_factory)
    t0 = utcnow()
    with session_scope(session_factory) as s:

        def pii(at, domain, cats):
            with pinned(at):
                return signals.publish(
                    session=s,
                    org_id=org.id,
                    kind="shadow.pii",
                    data={
                        "service_id": domain,
                        "domain": domain,
                        "name": domain,
                        "events": sum(cats.values()),
                        "categories": cats,
                    },
                )

        pii(t0 - timedelta(minutes=90), "claude.ai", {"EMAIL": 5})  # outside a 60 min window
        pii(t0 - timedelta(minutes=30), "claude.ai", {"EMAIL": 1, "US_SSN": 1})
        pii(t0 - timedelta(minutes=20), "chat.openai.com", {"US_SSN": 2})
        last = pii(t0, "claude.ai", {"US_SSN": 1})
        s.flush()
        cond = _cond({"trigger": "pii_spike", "threshold": 5, "window_minutes": 60})
        m = triggers.match(cond, last, session=s)
        assert m is not None and m.title.startswith("5 PII detections") and m.subject == "pii"
        ssn = _cond({"trigger": "pii_spike", "threshold": 4, "categories": ["US_SSN"]})
        assert triggers.match(ssn, last, session=s).detail["total"] == 4
        claude_only = _cond({"trigger": "pii_spike", "threshold": 4, "domains": ["claude.ai"]})
        assert triggers.match(claude_only, last, session=s) is None  # 2 + 1 in the window
        other = _cond({"trigger": "pii_spike", "threshold": 1, "service_ids": ["chat.openai.com"]})
        assert triggers.match(other, last, session=s) is None  # this signal is not about it


def test_filters_of_the_other_triggers(session_factory) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        new = signals.publish(
            session=s,
            org_id=org.id,
            kind="shadow.new_service",
            data={
                "service_id": "x",
                "domain": "eu.chat.mistral.ai",
                "name": "Le Chat",
                "known": True,
                "risk": "MEDIUM",
            },
        )
        assert triggers.match(
            _cond({"trigger": "new_shadow_asset", "domains": ["mistral.ai"]}), new, session=s
        )
        assert not triggers.match(
            _cond({"trigger": "new_shadow_asset", "unknown_only": True}), new, session=s
        )
        assert not triggers.match(
            _cond({"trigger": "new_shadow_asset", "min_risk": "HIGH"}), new, session=s
        )
        cve = signals.publish(
            session=s,
            org_id=org.id,
            kind="vulns.new_critical",
            data={
                "cve_id": "CVE-2025-32434",
                "severity": "CRITICAL",
                "cvss": 9.3,
                "priority": 88,
                "due": "2026-12-01",
                "technology": "pytorch",
                "ai_relevant": False,
            },
        )
        assert not triggers.match(
            _cond({"trigger": "new_critical_cve", "ai_relevant_only": True}), cve, session=s
        )
        assert not triggers.match(
            _cond({"trigger": "new_critical_cve", "min_cvss": 9.5}), cve, session=s
        )
        assert (
            "pytorch"
            in triggers.match(_cond({"trigger": "new_critical_cve"}), cve, session=s).title
        )
        rug = signals.publish(
            session=s,
            org_id=org.id,
            kind="mcp.rug_pull",
            data={"server": "notes", "server_id": "s1"},
        )
        assert (
            triggers.match(
                _cond({"trigger": "mcp_rug_pull", "servers": ["s1"]}), rug, session=s
            ).subject
            == "server:s1"
        )
        assert not triggers.match(
            _cond({"trigger": "mcp_rug_pull", "servers": ["files"]}), rug, session=s
        )
        # a condition never matches another trigger's signal kind
        assert not triggers.match(_cond({"trigger": "mcp_rug_pull"}), cve, session=s)
        up = signals.publish(
            session=s, org_id=org.id, kind="posture.updated", data={"value": None, "previous": 80}
        )
        assert not triggers.match(_cond({"trigger": "score_drop", "points": 1}), up, session=s)


def test_pii_window_slides_to_the_same_sums_as_a_fresh_query(session_factory) -> None:
    """One pass keeps the window in memory; it must equal re-reading it for every signal."""
    import random

    org = create_org(session_factory)
    rnd = random.Random(7)
    t0 = utcnow() - timedelta(hours=6)
    domains = ["claude.ai", "chat.openai.com", "gemini.google.com"]
    cats = ["EMAIL", "US_SSN", "IBAN", "PHONE"]
    with session_scope(session_factory) as s:
        rows = []
        at = t0
        for i in range(240):
            # Mostly forward in time, sometimes a step back (two replicas' clocks).
            at += timedelta(minutes=rnd.choice([0, 1, 2, 5, 11, 17]))
            when = at - timedelta(minutes=25) if i % 37 == 36 else at
            found = {c: rnd.randint(1, 3) for c in rnd.sample(cats, rnd.randint(0, 2))}
            d = rnd.choice(domains)
            with pinned(when):
                rows.append(
                    signals.publish(
                        session=s,
                        org_id=org.id,
                        kind="shadow.pii",
                        data={
                            "service_id": d,
                            "domain": d,
                            "events": sum(found.values()),
                            "categories": found,
                        },
                    )
                )
        s.flush()
        conds = [
            _cond({"trigger": "pii_spike", "threshold": 1, "window_minutes": 30}),
            _cond({"trigger": "pii_spike", "threshold": 8, "window_minutes": 60}),
            _cond({"trigger": "pii_spike", "threshold": 2, "categories": ["US_SSN"]}),
            _cond({"trigger": "pii_spike", "threshold": 3, "domains": ["claude.ai"]}),
        ]
        memo: dict = {}
        fired = 0
        for sig in rows:
            for cond in conds:
                slid = triggers.match(cond, sig, session=s, memo=memo)
                fresh = triggers.match(cond, sig, session=s)
                assert slid == fresh, (sig.id, cond)
                fired += slid is not None
        assert fired > 100  # the stream really crosses the thresholds
