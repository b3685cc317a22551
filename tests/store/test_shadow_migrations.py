"""shadow_0002 (pseudonyms keyed by the server) on a database that already holds users."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table, func, select

from tests.conftest import new_database_url
from threatvec.shadow import m365
from threatvec.shadow.models import ShadowEvent, ShadowService, ShadowServiceUser
from threatvec.shadow.service import org_user_salt, service_detail
from threatvec.store.engine import make_engine, make_session_factory, session_scope
from threatvec.store.migrate import upgrade

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SALT = "0123456789abcdef0123456789abcdef"  # the org salt a shadow_0001 server made
EXTENSION_SALT = "the-extension-policy-salt"  # the server never had this one
ADELE, LEE = "adele.vance@fabrikamdemo.onmicrosoft.com", "lee.gu@fabrikamdemo.onmicrosoft.com"


def old_hash(salt: str, who: str) -> str:
    return hashlib.sha256(f"{salt}\n{who}".encode()).hexdigest()


def _old_rows(engine) -> None:
    """What a server at shadow_0001 wrote: Copilot imports of Adele and Lee (org salt) and
    one extension visit of Adele (the extension's own salt), on Microsoft 365 Copilot."""
    ids = [old_hash(SALT, ADELE), old_hash(SALT, LEE), old_hash(EXTENSION_SALT, ADELE)]
    service = {
        "id": "s1", "org_id": "o1", "domain": m365.COPILOT_DOMAIN, "name": "Microsoft 365 Copilot",
        "category": "chat", "kind": "enterprise", "known": True, "source": "m365",
        "first_seen": NOW, "last_seen": NOW, "events": 3, "visits": 1, "pastes": 0,
        "uploads": 0, "submits": 2, "pii_uploads": 0, "users": 3, "risk": "MEDIUM",
        "risk_rank": 2, "risk_reasons": [], "registered": False, "approved": False,
        "created_at": NOW,
    }  # fmt: skip
    events = [
        {"org_id": "o1", "event_id": f"e{n}", "service_id": "s1", "domain": m365.COPILOT_DOMAIN,
         "event_type": "visit" if n == 2 else "submit", "pii_categories": [], "pii_counts": {},
         "occurred_at": NOW, "received_at": NOW, "user_hash": h, "unknown_service": False,
         "source": "extension" if n == 2 else "m365", "signals": {}}
        for n, h in enumerate(ids)
    ]  # fmt: skip
    rows = {
        "orgs": [{"id": o, "name": o, "is_default": False, "created_at": NOW}
                 for o in ("o1", "o2")],
        "org_settings": [{"id": "st1", "org_id": "o1", "name": "shadow.user_salt", "value": SALT,
                          "updated_at": NOW}],
        "shadow_services": [service],
        "shadow_events": events,
        "shadow_service_users": [
            {"org_id": "o1", "service_id": "s1", "user_hash": h, "first_seen": NOW} for h in ids
        ],
    }  # fmt: skip
    with engine.begin() as conn:
        for name, table_rows in rows.items():
            # The table as the database has it at shadow_0001, not as the models say now.
            conn.execute(Table(name, MetaData(), autoload_with=conn).insert(), table_rows)


@pytest.mark.db
def test_old_pseudonyms_are_rekeyed_so_a_returning_user_is_not_counted_twice(
    tmp_path: Path, shared_data: Path
) -> None:
    engine = make_engine(new_database_url(tmp_path))
    try:
        upgrade(engine, "shadow_0001")
        _old_rows(engine)
        upgrade(engine)
        factory = make_session_factory(engine)
        with session_scope(factory) as s:
            secrets = org_user_salt(session=s, org_id="o1")
            assert secrets.salt == SALT  # the extension policy now takes the old org salt
            kept = set(s.scalars(select(ShadowServiceUser.user_hash)))
            assert len(kept) == 3  # nothing lost
            assert {m365.user_pseudonym(secrets, ADELE), m365.user_pseudonym(secrets, LEE)} < kept
            assert s.scalar(select(func.count()).select_from(ShadowEvent)) == 3
            # o2 had no users: it gets its secrets on first use, not from the migration.
            assert org_user_salt(session=s, org_id="o2").key != secrets.key

        # Adele and Lee come back through a Copilot import: the same ids as before.
        records = json.loads((shared_data / "m365" / "copilot_audit_sample.json").read_text())
        back = [r for r in records if r["UserId"] in (ADELE, LEE)]
        with session_scope(factory) as s:
            m365.import_records(session=s, org_id="o1", records=back)
        with session_scope(factory) as s:
            assert s.scalar(select(func.count()).select_from(ShadowServiceUser)) == 3
            assert s.get(ShadowService, "s1").users == 3  # no fourth or fifth user
    finally:
        engine.dispose()


@pytest.mark.db
def test_pii_split_by_event_type_is_filled_from_stored_events(tmp_path: Path) -> None:
    engine = make_engine(new_database_url(tmp_path))
    try:
        upgrade(engine, "shadow_0002")
        _old_rows(engine)  # three events without PII
        pii = {"pii_categories": ["EMAIL"], "pii_counts": {"EMAIL": 2}}
        more = [
            {"org_id": "o1", "event_id": f"p{n}", "service_id": "s1", "domain": "claude.ai",
             "event_type": kind, "pii_categories": [], "pii_counts": {}, "occurred_at": NOW,
             "received_at": NOW, "unknown_service": False, "source": "extension", "signals": {},
             **(pii if with_pii else {})}
            for n, (kind, with_pii) in enumerate(
                [("paste", True), ("paste", True), ("paste", False), ("upload", True)]
            )
        ]  # fmt: skip
        with engine.begin() as conn:
            conn.execute(Table("shadow_events", MetaData(), autoload_with=conn).insert(), more)
        upgrade(engine)
        with session_scope(make_session_factory(engine)) as s:
            svc = s.get(ShadowService, "s1")
            assert (svc.pii_in_pastes, svc.pii_in_uploads, svc.pii_in_submits) == (2, 1, 0)
    finally:
        engine.dispose()


@pytest.mark.db
def test_copilot_summary_counters_are_filled_from_stored_events(tmp_path: Path) -> None:
    """shadow_0004: the Copilot events still stored become the summary's counters."""
    engine = make_engine(new_database_url(tmp_path))
    try:
        upgrade(engine, "shadow_0003")
        _old_rows(engine)  # two Copilot submits (no signals) and one extension visit
        signals = [
            {"app_host": "Word", "resource_types": ["docx"], "sensitivity_labels": ["l1", "l2"]},
            {"app_host": "Teams", "resource_types": ["docx", "xlsx"], "sensitivity_labels": ["l1"]},
        ]
        with engine.begin() as conn:
            events = Table("shadow_events", MetaData(), autoload_with=conn)
            for n, sig in enumerate(signals):
                conn.execute(events.update().where(events.c.event_id == f"e{n}"), {"signals": sig})
        upgrade(engine)
        with session_scope(make_session_factory(engine)) as s:
            detail = service_detail(session=s, org_id="o1", service_id="s1")
        assert detail.m365 == {
            "interactions": 2,
            "app_hosts": {"Teams": 1, "Word": 1},
            "resource_types": {"docx": 2, "xlsx": 1},
            "sensitivity_labels": 2,
        }
    finally:
        engine.dispose()
