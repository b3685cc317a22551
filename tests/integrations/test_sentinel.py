"""Microsoft Sentinel forwarding through a local Entra ID token endpoint and Logs Ingestion API."""

from __future__ import annotations

from typing import Any

from tests.integrations.conftest import create, signals_high_water, start_forwarder_at, sync
from tests.integrations.vendors import Reply, Request, vendor_server
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
SECRET = "entra-secret-" + "E" * 24
DCR = "dcr-" + "0123456789abcdef" * 2
STREAM = "Custom-ThreatVecSignals_CL"
BEARER = "entra-bearer"


class Azure:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def __call__(self, req: Request) -> Reply:
        if req.path == f"/{TENANT}/oauth2/v2.0/token":
            f = req.form()
            if (f.get("client_id"), f.get("client_secret"), f.get("grant_type")) != (
                CLIENT_ID,
                SECRET,
                "client_credentials",
            ) or f.get("scope") != "https://monitor.azure.com/.default":
                return Reply(401, {"error": "invalid_client"})
            return Reply(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": BEARER})
        if req.path == f"/dataCollectionRules/{DCR}/streams/{STREAM}":
            if req.headers.get("authorization") != f"Bearer {BEARER}":
                return Reply(401, {"error": {"code": "InvalidToken"}})
            if req.q("api-version") != "2023-01-01":
                return Reply(400, {"error": {"code": "InvalidApiVersion"}})
            body = req.json()
            assert isinstance(body, list)
            self.rows.extend(body)
            return Reply(204)
        return Reply(404, {"error": {"code": "NotFound"}})


def test_sentinel_forwards_signals_once(api, session_factory) -> None:
    azure = Azure()
    start = signals_high_water(session_factory)
    with session_scope(session_factory) as s:
        ids = [
            signals.publish(session=s, org_id=api.org.id, kind="posture.updated", data={"v": i}).id
            for i in range(5)
        ]
    with vendor_server(azure) as srv:
        made = create(
            api,
            {
                "kind": "sentinel",
                "authority_url": srv.url,
                "tenant_id": TENANT,
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "dce_url": srv.url,
                "dcr_immutable_id": DCR,
                "batch_size": 2,
            },
        )
        start_forwarder_at(session_factory, made["id"], start)
        assert api.post(f"/integrations/{made['id']}/test").json()["ok"] is True
        srv.script = [503]
        run = sync(api, made["id"])
        assert run["status"] == "ok" and run["forwarded"] == 5 and run["retries"] == 1
        assert [r["SignalId"] for r in azure.rows] == ids
        assert azure.rows[0]["Kind"] == "posture.updated" and azure.rows[0][
            "TimeGenerated"
        ].endswith("Z")
        assert sync(api, made["id"])["forwarded"] == 0 and len(azure.rows) == 5
        bad = create(
            api,
            {
                "kind": "sentinel",
                "authority_url": srv.url,
                "tenant_id": TENANT,
                "client_id": CLIENT_ID,
                "client_secret": "not-it-" + "x" * 10,
                "dce_url": srv.url,
                "dcr_immutable_id": DCR,
            },
            name="bad",
        )
        result = api.post(f"/integrations/{bad['id']}/test").json()
        assert result["ok"] is False and result["status_code"] == 401
