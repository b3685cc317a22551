"""A probe reply with characters no store keeps (NUL, lone surrogates) is kept as evidence.

PostgreSQL stores neither in JSON, so such an answer failed to save and the probe
ended as "did not answer". The SDK cleans its own replies; a client of the API may
not, so the server replaces them with U+FFFD (the reply is what gets judged).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import Api
from threatvec.core.clock import utcnow
from threatvec.redteam.models import ProbeDelivery
from threatvec.store.engine import session_scope


def _pending(session_factory: Any, org_id: str, probe_id: str) -> None:
    now = utcnow()
    with session_scope(session_factory) as s:
        s.add(
            ProbeDelivery(
                id=probe_id, org_id=org_id, agent="raw-client-bot", status="pending",
                envelope={}, created_at=now, expires_at=now + timedelta(minutes=5),
            )
        )  # fmt: skip


def test_a_reply_with_nul_and_lone_surrogates_is_stored_with_replacements(
    api: Api, session_factory
) -> None:
    _pending(session_factory, api.org.id, "pr_raw_nul_1")
    body = (
        b'{"output": "leaked \\u0000 key \\ud800 here",'
        b' "tool_calls": [{"name": "send\\u0000", "arguments": {"to\\u0000": "x\\udfff"}}],'
        b' "error": "boom\\u0000"}'
    )
    r = api.post("/agentbench/probes/pr_raw_nul_1/reply", content=body,
                 headers={"content-type": "application/json"})  # fmt: skip
    assert r.status_code == 200, r.text
    with session_scope(session_factory) as s:
        row = s.get(ProbeDelivery, "pr_raw_nul_1")
        assert row is not None and row.status == "answered"
        assert row.reply == {
            "output": "leaked \ufffd key \ufffd here",
            "tool_calls": [{"name": "send\ufffd", "arguments": {"to\ufffd": "x\ufffd"}}],
            "error": "boom\ufffd",
        }
