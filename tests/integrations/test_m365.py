"""Microsoft 365 as an integration: per-org credentials drive the Shadow AI Copilot importer."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.conftest import SHARED_DATA
from tests.integrations.conftest import create, sync
from tests.shadow.m365_server import CLIENT_ID, CLIENT_SECRET, TENANT, M365Server
from threatvec.shadow.models import ShadowEvent
from threatvec.store.engine import session_scope

SAMPLE = SHARED_DATA / "m365" / "copilot_audit_sample.json"


def test_m365_integration_imports_copilot_records_once(api, session_factory) -> None:
    if not SAMPLE.exists():
        pytest.skip(f"shared test data not found at {SAMPLE}")
    records = json.loads(SAMPLE.read_text(encoding="utf-8"))
    with M365Server([records[:5], records[5:]]) as server:
        made = create(
            api,
            {
                "kind": "m365",
                "tenant_id": TENANT,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "authority_url": server.url,
                "api_url": server.url,
            },
        )
        assert CLIENT_SECRET not in str(made)
        test = api.post(f"/integrations/{made['id']}/test").json()
        assert test["ok"] is True, test
        run = sync(api, made["id"])
        assert run["status"] == "ok" and run["ingested"] == len(records) and run["pages"] == 2
        with session_scope(session_factory) as s:
            n = s.scalar(
                select(func.count())
                .select_from(ShadowEvent)
                .where(ShadowEvent.org_id == api.org.id, ShadowEvent.source == "m365")
            )
        assert n == len(records)
        # The same window again (content is still listed): nothing is stored twice.
        api.patch(f"/integrations/{made['id']}", json={"settings": {"tenant_id": TENANT}})
        again = sync(api, made["id"])
        assert again["ingested"] == 0

        bad = create(
            api,
            {
                "kind": "m365",
                "tenant_id": TENANT,
                "client_id": CLIENT_ID,
                "client_secret": "wrong-secret-value",
                "authority_url": server.url,
                "api_url": server.url,
            },
            name="bad",
        )
        result = api.post(f"/integrations/{bad['id']}/test").json()
        assert result["ok"] is False and "wrong-secret-value" not in str(result)
