"""alerts_0002 (a delivery's action) on a database that already holds deliveries: up, down, up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, Table, inspect, select, text

from tests.conftest import new_database_url
from threatvec.alerts.models import AlertDelivery
from threatvec.alerts.schemas import DeliveryRead
from threatvec.store.engine import make_engine, make_session_factory, session_scope
from threatvec.store.migrate import alembic_config, upgrade

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("alert_deliveries")}


def _old_rows(engine: Engine) -> None:
    """What a server at alerts_0001 wrote: an org, a channel, an alert and its delivery."""
    rows = {
        "orgs": {"id": "o1", "name": "old org", "is_default": False, "created_at": NOW},
        "alert_channels": {
            "id": "c1", "org_id": "o1", "name": "pd", "kind": "pagerduty", "enabled": True,
            "config": {}, "secrets_enc": "", "secret_hint": "", "created_at": NOW,
            "updated_at": NOW,
        },
        "alerts": {
            "id": "a1", "org_id": "o1", "rule_name": "r", "trigger": "mcp_rug_pull",
            "severity": "high", "title": "t", "summary": "s", "dedup_key": "k",
            "status": "open", "occurrences": 1, "details": {}, "first_signal_id": 1,
            "last_signal_id": 1, "first_seen_at": NOW, "last_seen_at": NOW, "fired_at": NOW,
        },
        "alert_deliveries": {
            "id": "d1", "org_id": "o1", "alert_id": "a1", "channel_id": "c1",
            "channel_kind": "pagerduty", "status": "sent", "attempts": 1,
            "next_attempt_at": NOW, "created_at": NOW,
        },
    }  # fmt: skip
    with engine.begin() as conn:
        for name, row in rows.items():
            # The table as the database has it at alerts_0001, not as the models say now.
            conn.execute(Table(name, MetaData(), autoload_with=conn).insert(), [row])


@pytest.mark.db
def test_action_migration_keeps_old_deliveries_and_downgrades_cleanly(tmp_path: Path) -> None:
    engine = make_engine(new_database_url(tmp_path))
    try:
        upgrade(engine, "alerts_0001")
        assert "action" not in _columns(engine)
        _old_rows(engine)

        upgrade(engine)
        factory = make_session_factory(engine)
        with session_scope(factory) as s:
            old = s.get(AlertDelivery, "d1")
            assert old is not None and old.action == "trigger"
            assert DeliveryRead.model_validate(old).action == "trigger"
            s.add_all(
                [
                    AlertDelivery(id="d2", org_id="o1", alert_id="a1", channel_id="c1",
                                  channel_kind="pagerduty", action="resolve", status="pending"),
                    AlertDelivery(id="d3", org_id="o1", alert_id="a1", channel_id="c1",
                                  channel_kind="pagerduty", status="cancelled"),
                ]
            )  # fmt: skip

        # Down: the older code would send a resolve row as a second "fired", and knows no
        # 'cancelled'. The rows it understands stay as they were.
        _downgrade(engine, "alerts_0001")
        assert "action" not in _columns(engine)
        with engine.connect() as conn:
            left = dict(conn.execute(text("SELECT id, status FROM alert_deliveries")).all())
        assert left == {"d1": "sent", "d3": "failed"}

        upgrade(engine)
        with engine.connect() as conn:
            actions = set(conn.execute(text("SELECT action FROM alert_deliveries")).scalars())
        assert actions == {"trigger"}
    finally:
        engine.dispose()


def _rules_at_0002(engine: Engine) -> None:
    base = {"org_id": "o1", "severity": "high", "enabled": True, "cooldown_minutes": 60,
            "channel_ids": [], "created_by": "api", "created_at": NOW,
            "updated_at": NOW}  # fmt: skip
    with engine.begin() as conn:
        rules = Table("alert_rules", MetaData(), autoload_with=conn)
        conn.execute(
            rules.insert(),
            [
                {**base, "id": "r1", "name": "drop", "trigger": "score_drop", "condition": {}},
                {**base, "id": "r2", "name": "pii", "trigger": "pii_spike", "condition": {}},
            ],
        )
        conn.execute(text("UPDATE alerts SET rule_id = 'r1' WHERE id = 'a1'"))


@pytest.mark.db
def test_auto_resolve_migration_defaults_by_trigger_and_downgrades_keeping_history(
    tmp_path: Path,
) -> None:
    engine = make_engine(new_database_url(tmp_path))
    try:
        upgrade(engine, "alerts_0001")
        _old_rows(engine)
        upgrade(engine, "alerts_0002")
        _rules_at_0002(engine)

        upgrade(engine)
        with engine.connect() as conn:
            auto = dict(conn.execute(text("SELECT id, auto_resolve FROM alert_rules")).all())
            why = conn.execute(text("SELECT resolution FROM alerts")).scalar_one()
        # A rule of a kind that can clear gets the default a new one gets; a one-off kind not.
        assert {k: bool(v) for k, v in auto.items()} == {"r1": True, "r2": False}
        assert why is None

        # Down: the columns go, and nothing else does (no delivery, no alert's rule link).
        _downgrade(engine, "alerts_0002")
        with engine.connect() as conn:
            deliveries = conn.execute(text("SELECT id FROM alert_deliveries")).scalars().all()
            rule_id = conn.execute(text("SELECT rule_id FROM alerts")).scalar_one()
        assert deliveries == ["d1"] and rule_id == "r1"
        cols = {c["name"] for c in inspect(engine).get_columns("alert_rules")}
        assert "auto_resolve" not in cols
        upgrade(engine)
    finally:
        engine.dispose()


@pytest.mark.db
def test_channel_deleted_at_downgrade_removes_only_deleted_channels(tmp_path: Path) -> None:
    engine = make_engine(new_database_url(tmp_path))
    try:
        upgrade(engine, "alerts_0001")
        _old_rows(engine)  # channel c1 with delivery d1 of alert a1
        upgrade(engine)
        with engine.begin() as conn:
            channels = Table("alert_channels", MetaData(), autoload_with=conn)
            conn.execute(
                channels.insert(),
                [{"id": "c2", "org_id": "o1", "name": "gone", "kind": "pagerduty",
                  "enabled": False, "config": {}, "secrets_enc": "", "secret_hint": "",
                  "created_at": NOW, "updated_at": NOW, "deleted_at": NOW}],
            )  # fmt: skip
            deliveries = Table("alert_deliveries", MetaData(), autoload_with=conn)
            conn.execute(
                deliveries.insert(),
                [{"id": "d2", "org_id": "o1", "alert_id": "a1", "channel_id": "c2",
                  "channel_kind": "pagerduty", "action": "trigger", "status": "sent",
                  "attempts": 1, "next_attempt_at": NOW, "created_at": NOW}],
            )  # fmt: skip

        # Down: the older code would list a deleted channel again and send through it.
        _downgrade(engine, "alerts_0003")
        with engine.connect() as conn:
            left = conn.execute(text("SELECT id FROM alert_channels")).scalars().all()
            rows = conn.execute(text("SELECT id FROM alert_deliveries")).scalars().all()
        assert left == ["c1"] and rows == ["d1"]
        upgrade(engine)
    finally:
        engine.dispose()


def _storm_alerts(engine: Engine) -> dict[str, dict[str, Any]]:
    """Alerts as alerts_0005 stored them: a storm's full subject list in its JSON, an older
    alert whose events are every match, one that folded more than it kept, a score drop."""
    ids = [f"{i:032x}" for i in range(2500)]
    ev = [{"service_id": sid, "domain": f"d{n}.example", "risk": "HIGH"}
          for n, sid in enumerate(ids[:20])]  # fmt: skip
    cves = [{"cve_id": f"CVE-2026-{n:04d}", "cvss": 9.8} for n in range(3)]
    base = {"rule_name": "r", "severity": "high", "title": "t", "summary": "s",
            "dedup_key": "k", "status": "open", "first_signal_id": 1, "last_signal_id": 1,
            "first_seen_at": NOW, "last_seen_at": NOW, "fired_at": NOW}  # fmt: skip
    alerts = {
        "storm": {"org_id": "o1", "trigger": "new_shadow_asset", "occurrences": 2500,
                  "details": {"signal_kind": "shadow.new_service", "events": ev,
                              "subjects": ids}},
        "whole": {"org_id": "o1", "trigger": "new_critical_cve", "occurrences": 3,
                  "details": {"signal_kind": "cve.new", "events": cves}},
        "partial": {"org_id": "o2", "trigger": "new_shadow_asset", "occurrences": 40,
                    "details": {"signal_kind": "shadow.new_service", "events": ev}},
        "score": {"org_id": "o1", "trigger": "score_drop", "occurrences": 1,
                  "details": {"events": [{"before": 80.0, "value": 60.0}]}},
    }  # fmt: skip
    with engine.begin() as conn:
        orgs = Table("orgs", MetaData(), autoload_with=conn)
        conn.execute(orgs.insert(), [
            {"id": o, "name": o, "is_default": False, "created_at": NOW} for o in ("o1", "o2")
        ])  # fmt: skip
        table = Table("alerts", MetaData(), autoload_with=conn)
        conn.execute(table.insert(), [{**base, "id": k, **v} for k, v in alerts.items()])
    return alerts


def _state(engine: Engine) -> tuple[dict[str, Any], dict[str, list[tuple[str, str, str, int]]]]:
    with engine.connect() as conn:
        table = Table("alerts", MetaData(), autoload_with=conn)
        details = {r.id: r.details for r in conn.execute(select(table.c.id, table.c.details))}
        rows: dict[str, list[tuple[str, str, str, int]]] = {}
        if "alert_subjects" in inspect(conn).get_table_names():
            got = conn.execute(text("SELECT alert_id, org_id, subject_id, kind, seq "
                                    "FROM alert_subjects ORDER BY alert_id, seq"))  # fmt: skip
            for a, org, sid, kind, seq in got:
                rows.setdefault(a, []).append((org, sid, kind, seq))
    return details, rows


@pytest.mark.db
def test_subjects_move_into_rows_and_back_without_losing_one(tmp_path: Path) -> None:
    engine = make_engine(new_database_url(tmp_path))
    try:
        upgrade(engine, "alerts_0005")
        old = _storm_alerts(engine)
        ids = old["storm"]["details"]["subjects"]

        upgrade(engine)
        details, rows = _state(engine)
        # Every subject is a row, in its order, in the alert's org; the JSON shows 20.
        assert rows["storm"] == [("o1", sid, "shadow_service", n) for n, sid in
                                 enumerate(ids, start=1)]  # fmt: skip
        assert details["storm"] == {**old["storm"]["details"], "subjects": ids[:20],
                                    "subjects_total": 2500}  # fmt: skip
        # An older alert whose events are every match: its subjects come from them.
        cves = [f"CVE-2026-{n:04d}" for n in range(3)]
        assert [r[1] for r in rows["whole"]] == cves
        assert details["whole"]["subjects_total"] == 3
        # One that folded more than it kept stays unknown; a score drop has no subjects.
        assert "partial" not in rows and details["partial"] == old["partial"]["details"]
        assert "score" not in rows and details["score"] == old["score"]["details"]
        first_up = (details, rows)

        _downgrade(engine, "alerts_0005")
        details, rows = _state(engine)
        assert rows == {}  # the table is gone, its rows back in the JSON, in order
        assert details["storm"] == old["storm"]["details"]
        assert details["whole"] == {**old["whole"]["details"], "subjects": cves}
        assert details["partial"] == old["partial"]["details"]
        assert details["score"] == old["score"]["details"]

        upgrade(engine)
        assert _state(engine) == first_up
    finally:
        engine.dispose()


@pytest.mark.db
def test_subject_ids_alike_in_their_first_100_characters_upgrade_as_one(tmp_path: Path) -> None:
    engine = make_engine(new_database_url(tmp_path))
    try:
        upgrade(engine, "alerts_0005")
        long_ids = ["a" * 100 + "x" * 20, "a" * 100 + "y" * 20]
        with engine.begin() as conn:
            org = {"id": "o1", "name": "o1", "is_default": False, "created_at": NOW}
            conn.execute(Table("orgs", MetaData(), autoload_with=conn).insert(), [org])
            conn.execute(Table("alerts", MetaData(), autoload_with=conn).insert(), [{
                "id": "a1", "org_id": "o1", "rule_name": "r", "trigger": "new_shadow_asset",
                "severity": "high", "title": "t", "summary": "s", "dedup_key": "k",
                "status": "open", "occurrences": 2, "first_signal_id": 1, "last_signal_id": 1,
                "first_seen_at": NOW, "last_seen_at": NOW, "fired_at": NOW,
                "details": {"events": [], "subjects": long_ids},
            }])  # fmt: skip
        upgrade(engine)
        details, rows = _state(engine)
        assert rows["a1"] == [("o1", "a" * 100, "shadow_service", 1)]
        assert details["a1"]["subjects_total"] == 1
    finally:
        engine.dispose()
