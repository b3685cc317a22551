"""CrowdStrike Falcon Discover connector against a local server speaking the documented API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.integrations.conftest import create, signals_of, sync
from tests.integrations.vendors import Reply, Request, vendor_server
from threatvec.integrations.connectors.ai_runtimes import match_runtime
from threatvec.shadow.models import ShadowService
from threatvec.store.engine import session_scope

CLIENT_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
SECRET = "falcon-secret-" + "S" * 26
BEARER = "falcon-bearer-token"


def _app(i: int, name: str, minutes_ago: int, hostname: str = "LAPTOP-7") -> dict[str, Any]:
    when = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {
        "id": f"app{i:04d}",
        "name": name,
        "vendor": "v",
        "version": "1.0",
        "last_updated_timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": {"id": f"h{i}", "aid": f"aid{i}", "hostname": hostname, "platform_name": "Windows"},
    }


class Falcon:
    def __init__(self) -> None:
        self.apps: list[dict[str, Any]] = []

    def __call__(self, req: Request) -> Reply:
        if req.path == "/oauth2/token":
            form = req.form()
            if form.get("client_id") != CLIENT_ID or form.get("client_secret") != SECRET:
                return Reply(
                    401, {"errors": [{"code": 401, "message": "access denied"}], "resources": []}
                )
            return Reply(201, {"access_token": BEARER, "token_type": "bearer", "expires_in": 1799})
        if req.headers.get("authorization") != f"Bearer {BEARER}":
            return Reply(401, {"errors": [{"code": 401, "message": "access denied"}]})
        if req.path == "/discover/queries/applications/v1":
            flt = req.q("filter") or ""
            since = flt.split("'")[1] if "'" in flt else ""
            rows = sorted(
                (a for a in self.apps if a["last_updated_timestamp"] >= since),
                key=lambda a: a["last_updated_timestamp"],
            )
            off, lim = int(req.q("offset") or 0), int(req.q("limit") or 100)
            ids = [a["id"] for a in rows[off : off + lim]]
            meta = {"pagination": {"offset": off, "limit": lim, "total": len(rows)}}
            return Reply(200, {"meta": meta, "resources": ids, "errors": []})
        if req.path == "/discover/entities/applications/v1":
            wanted = set(req.query.get("ids", []))
            return Reply(
                200, {"resources": [a for a in self.apps if a["id"] in wanted], "errors": []}
            )
        return Reply(404, {"errors": [{"code": 404}]})


def test_runtime_list_matches_tools_not_lookalikes() -> None:
    assert match_runtime("Ollama").name == "Ollama"
    assert match_runtime("LM Studio 0.3.5").name == "LM Studio"
    assert match_runtime("Claude").domain == "claude.ai"
    assert match_runtime("Jan").name == "Jan"
    assert match_runtime("January Planner") is None
    assert match_runtime("Microsoft Word") is None


def test_crowdstrike_ai_runtimes_become_signals_and_shadow_services(api, session_factory) -> None:
    falcon = Falcon()
    falcon.apps = [
        _app(1, "Ollama", 50),
        _app(2, "Microsoft Excel", 40),
        _app(3, "Claude", 30),
        _app(4, "LM Studio", 20),
        {"id": "app9999", "name": "Ollama", "last_updated_timestamp": "not-a-time"},
    ]
    with vendor_server(falcon) as cs:
        made = create(
            api,
            {
                "kind": "crowdstrike",
                "base_url": cs.url,
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "page_limit": 2,
            },
        )
        assert api.post(f"/integrations/{made['id']}/test").json()["ok"] is True
        cs.script = [429]
        run = sync(api, made["id"])
        assert run["ingested"] == 3 and run["retries"] == 1
        runtimes = sorted(
            s["runtime"]
            for s in signals_of(session_factory, api.org.id, "integration.crowdstrike.")
        )
        assert runtimes == ["Claude desktop", "LM Studio", "Ollama"]
        with session_scope(session_factory) as s:
            svc = s.scalar(
                select(ShadowService).where(
                    ShadowService.org_id == api.org.id, ShadowService.domain == "claude.ai"
                )
            )
            assert svc is not None and svc.source == "crowdstrike"
        again = sync(api, made["id"])
        assert again["ingested"] == 0
        assert len(signals_of(session_factory, api.org.id, "integration.crowdstrike.")) == 3
        falcon.apps.append(_app(5, "GPT4All", 1))
        assert sync(api, made["id"])["ingested"] == 1
