"""No PII value, page text, URL path or file name ever reaches storage.

1. Events that (illegally) carry values in the wrong fields are rejected.
2. After a realistic run (demo data, extension batches with planted values,
   the Microsoft 365 Copilot sample with names, file names, URLs and IPs),
   every row of every table is dumped and searched for the planted values.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select

from tests.shadow.helpers import event

PLANTED_EMAIL = "jane.planted@example.com"
PLANTED_CARD = "4111 1111 1111 1111"
PLANTED_PHONE = "+1 415 555 0199"
PLANTED_TEXT = "Project Falcon acquisition memo"
PLANTED_PATH = "/c/6a1f-private-chat"

ILLEGAL = {
    "email as domain": event(domain=PLANTED_EMAIL),
    "url with path as domain": event(domain=f"chatgpt.com{PLANTED_PATH}"),
    "url with scheme": event(domain=f"https://chatgpt.com{PLANTED_PATH}"),
    "card as category": event(pii_categories=[PLANTED_CARD], pii_counts={}),
    "value as count": event(pii_counts={"EMAIL": PLANTED_EMAIL}),
    "email as user hash": event(user_hash=PLANTED_EMAIL),
    "email as browser": event(browser=PLANTED_EMAIL),
    "email as event id": event(event_id=PLANTED_EMAIL),
    "page text field": event(text=PLANTED_TEXT),
    "file name field": event(file_name="salaries-2026.xlsx"),
    "url field": event(url=f"https://chatgpt.com{PLANTED_PATH}"),
    "card in unknown signal": event(signals={"snippet": f"pay with {PLANTED_CARD}"}),
    "email in host terms": event(signals={"host_terms": [PLANTED_EMAIL]}),
    "phone as app host": event(signals={"app_host": PLANTED_PHONE}),
    "email as via": event(signals={"via": PLANTED_EMAIL}),
    "text in title terms": event(signals={"title_terms": [PLANTED_TEXT]}),
    "visit with pii": event(event_type="visit"),
}


@pytest.mark.parametrize("name", sorted(ILLEGAL))
def test_event_carrying_a_value_is_rejected(api, name: str) -> None:
    r = api.post("/shadow/events", json={"events": [ILLEGAL[name]]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 0 and len(body["rejected"]) == 1, name
    for value in (PLANTED_EMAIL, PLANTED_CARD, PLANTED_PHONE, PLANTED_TEXT, PLANTED_PATH):
        assert value not in r.text, f"{name}: the reply echoes a planted value"


def _dump(engine) -> str:
    """Every row of every table, as text."""
    meta = MetaData()
    meta.reflect(engine)
    lines = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                lines.append(f"{table.name}: {json.dumps(list(row), default=str)}")
    return "\n".join(lines)


def _m365_planted(records: list[dict]) -> set[str]:
    values: set[str] = set()
    for r in records:
        values |= {r["UserId"], r.get("ClientIP", "")}
        data = r["CopilotEventData"]
        for res in data.get("AccessedResources", []):
            values |= {res.get("Name", ""), res.get("SiteUrl", "")}
        for ctx in data.get("Contexts", []):
            values.add(ctx.get("Id", ""))
        values.add(data.get("ThreadId", ""))
    return {v for v in values if v}


def test_nothing_planted_reaches_any_table(fresh_app, shared_data: Path) -> None:
    from threatvec.shadow import demo, m365
    from threatvec.store.engine import session_scope

    app = fresh_app()
    sample = json.loads((shared_data / "m365" / "copilot_audit_sample.json").read_text())
    with TestClient(app) as c:
        factory = app.state.session_factory
        with session_scope(factory) as session:
            from threatvec.orgs import service as orgs

            org_id = orgs.get_default_org(session=session).id
            demo.seed(session=session, org_id=org_id)
            result = m365.import_records(session=session, org_id=org_id, records=sample)
            assert result.imported == len(sample)
        legal = [
            event(domain="claude.ai", signals={"via": "paste", "note": PLANTED_TEXT}),
            event(domain="chatgpt.com", event_type="upload", signals={"files": 1}),
        ]
        batch = {"events": legal + list(ILLEGAL.values())}
        r = c.post("/api/v1/shadow/events", json=batch)
        assert r.status_code == 200
        assert r.json()["accepted"] == 2 and len(r.json()["rejected"]) == len(ILLEGAL)
        assert c.get("/api/v1/shadow/services").status_code == 200

    dump = _dump(app.state.engine)
    assert "shadow_events" in dump and "copilot.cloud.microsoft" in dump
    planted = {
        PLANTED_EMAIL,
        PLANTED_CARD,
        PLANTED_PHONE,
        PLANTED_TEXT,
        PLANTED_PATH,
        "salaries-2026.xlsx",
    }
    planted |= _m365_planted(sample)
    planted |= set(demo.USERS)
    leaked = sorted(v for v in planted if v in dump)
    assert not leaked, f"stored: {leaked[:5]}"
    # the card number without spaces, too
    assert PLANTED_CARD.replace(" ", "") not in dump
