"""Alert engine throughput: evaluate rules over a signal backlog, then drain the outbox.

    .venv/bin/python bench/alerts.py [--signals 5000] [--rules 12]

One org on a fresh SQLite database; a mix of the six watched signal kinds
(plus unwatched noise), ``--rules`` enabled rules spread over the triggers,
one Slack channel pointing at a local HTTP receiver on 127.0.0.1.
Prints signals/s for evaluation and notifications/s for delivery.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import create_org, make_migrated_engine

from threatvec.alerts import flows, service
from threatvec.alerts.schemas import ChannelCreate, RuleCreate
from threatvec.core.crypto import SecretBox
from threatvec.signals import service as signals
from threatvec.store.engine import make_session_factory, session_scope

CONDITIONS: list[dict[str, Any]] = [
    {"trigger": "score_drop", "points": 3},
    {"trigger": "new_shadow_asset"},
    {"trigger": "pii_spike", "threshold": 20, "window_minutes": 60},
    {"trigger": "red_team_bypass", "min_severity": "medium"},
    {"trigger": "new_critical_cve"},
    {"trigger": "mcp_rug_pull"},
]


def _signal(i: int) -> tuple[str, dict[str, Any]]:
    kind = i % 7
    if kind == 0:
        return "posture.updated", {"value": 70 - (i % 9), "previous": 72.0}
    if kind == 1:
        return "shadow.new_service", {
            "service_id": f"s{i}",
            "domain": f"ai{i}.example",
            "risk": "HIGH",
        }
    if kind == 2:
        return "shadow.pii", {
            "service_id": "s1",
            "domain": "claude.ai",
            "events": 2,
            "categories": {"EMAIL": 2},
        }
    if kind == 3:
        return "redteam.bypass", {"run_id": f"r{i // 50}", "agent": "bot", "severity": "high"}
    if kind == 4:
        return "vulns.new_critical", {"cve_id": f"CVE-2025-{i}", "cvss": 9.8}
    if kind == 5:
        return "mcp.rug_pull", {"server_id": f"m{i % 5}", "server": f"srv{i % 5}"}
    return "agent.events", {"n": i}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--signals", type=int, default=5000)
    ap.add_argument("--rules", type=int, default=12)
    ap.add_argument("--cooldown", type=int, default=60, help="minutes; 0 = every match alerts")
    args = ap.parse_args()

    class Ok(BaseHTTPRequestHandler):
        def log_message(self, *a: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    http = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    Thread(target=http.serve_forever, daemon=True).start()
    box = SecretBox("bench-" + "k" * 40)
    engine = make_migrated_engine(f"sqlite:///{tempfile.mkdtemp()}/alerts-bench.db")
    factory = make_session_factory(engine)
    org = create_org(factory)
    with session_scope(factory) as s:
        ch = service.create_channel(
            session=s,
            org_id=org.id,
            box=box,
            allow_private=True,
            data=ChannelCreate.model_validate(
                {
                    "name": "slack",
                    "settings": {
                        "kind": "slack",
                        "webhook_url": f"http://127.0.0.1:{http.server_address[1]}/s",
                    },
                }
            ),
        )
        for i in range(args.rules):
            cond = CONDITIONS[i % len(CONDITIONS)]
            service.create_rule(
                session=s,
                org_id=org.id,
                data=RuleCreate.model_validate(
                    {
                        "name": f"r{i}",
                        "condition": cond,
                        "channel_ids": [ch.id],
                        "cooldown_minutes": args.cooldown,
                    }
                ),
            )
    with session_scope(factory) as s:
        for i in range(args.signals):
            kind, data = _signal(i)
            signals.publish(session=s, org_id=org.id, kind=kind, data=data)
    started = time.perf_counter()
    total_created = 0
    while True:
        with session_scope(factory) as s:
            res = flows.evaluate(session=s, org_id=org.id)
        total_created += res.alerts_created
        if res.signals == 0:
            break
    eval_s = time.perf_counter() - started
    watched = sum(1 for i in range(args.signals) if i % 7 != 6)
    print(
        f"evaluate: {watched} watched signals × {args.rules} rules in {eval_s:.2f} s "
        f"= {watched / eval_s:,.0f} signals/s; {total_created} alerts"
    )
    started = time.perf_counter()
    sent = 0
    while True:
        with session_scope(factory) as s:
            st = flows.deliver_due(session=s, org_id=org.id, box=box, allow_private=True, limit=500)
        sent += st.sent
        if st.sent + st.retrying + st.failed == 0:
            break
    deliver_s = time.perf_counter() - started
    print(f"deliver: {sent} Slack notifications in {deliver_s:.2f} s = {sent / deliver_s:,.0f}/s")
    http.shutdown()


if __name__ == "__main__":
    main()
