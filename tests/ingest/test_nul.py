"""NUL characters (\\u0000) in a batch: the event that carries one is rejected, by field.

PostgreSQL stores no NUL in text or JSON, so such a value used to fail the whole
transaction: every good event of the batch was lost behind a 422 that named no
record and no field (and SQLite stored it). Now both stores give the same,
per-event answer.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from tests.ingest.test_router import _post
from tests.ingest.wire import batch, llm, tool
from threatvec.agents.models import AgentEvent
from threatvec.store.engine import session_scope


def test_a_nul_in_one_event_rejects_that_event_naming_the_field(api, session_factory) -> None:
    good1, good2 = tool("web_search"), llm("gpt-4o")
    in_name = tool("read\x00file")
    in_meta = llm("m")
    in_meta["attributes"]["metadata"] = {"path": "a\x00b"}
    in_key = tool("t")
    in_key["attributes"]["metadata"] = {"k\x00": 1}
    agent = f"nul-{uuid.uuid4().hex[:8]}"
    r = _post(api, batch(agent, [good1, in_name, in_meta, good2, in_key]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == [good1["event_id"], good2["event_id"]]
    reasons = {b["index"]: b["reason"] for b in body["rejected"]}
    assert set(reasons) == {1, 2, 4}
    assert reasons[1].startswith("attributes.tool_name: ")
    assert reasons[2].startswith("attributes.metadata.path: ")
    assert reasons[4].startswith("attributes.metadata: ")
    assert all("NUL" in reason for reason in reasons.values())
    assert not any("\x00" in reason for reason in reasons.values())
    with session_scope(session_factory) as s:
        stored = set(
            s.scalars(
                select(AgentEvent.event_id).where(
                    AgentEvent.org_id == api.org.id,
                    AgentEvent.event_id.in_([e["event_id"] for e in (good1, good2, in_meta)]),
                )
            )
        )
    assert stored == {good1["event_id"], good2["event_id"]}


def test_a_nul_in_the_agent_name_is_a_422_naming_it(api) -> None:
    r = _post(api, batch("bad\x00agent", [tool("web_search")]))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["errors"][0]["loc"] == ["body", "agent", "name"]
    assert "NUL" in problem["errors"][0]["msg"]
