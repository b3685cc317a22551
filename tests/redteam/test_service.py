"""The red-team service on the real database: agents, secrets, pass counts, ATLAS, coverage, job."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.redteam.conftest import shared
from threatvec.assets import service as assets
from threatvec.assets.schemas import AssetCreate
from threatvec.core.crypto import SecretBox
from threatvec.core.errors import Conflict, InvalidInput, NotFound
from threatvec.core.pagination import PageParams
from threatvec.redteam import service
from threatvec.redteam.atlas import load_atlas
from threatvec.redteam.demo import DemoAgent
from threatvec.redteam.runner import RunOptions, run_mode
from threatvec.redteam.verdicts import Verdict

BOX = SecretBox("service-test-key-" + "k" * 30)


def agent(session: Any, org_id: str, name: str, **meta: Any) -> service.AgentRef:
    asset = assets.create(
        session=session, org_id=org_id, data=AssetCreate(kind="agent", name=name, metadata=meta)
    )
    return service.resolve_agent(session=session, org_id=org_id, agent_id=asset.id)


def stored_run(session: Any, org_id: str, ref: service.AgentRef, demo: DemoAgent) -> Any:
    result = asyncio.run(run_mode("full", demo, options=RunOptions(k=1)))
    run = service.create_run(
        session=session, org_id=org_id, agent=ref, mode="full", k=1, target_type="demo"
    )
    service.store_results(session=session, org_id=org_id, run=run, result=result)
    run.status = "completed"
    session.flush()
    return run, result


def test_pass_counts_untested_then_counts_decided_results_only(session_factory, org) -> None:
    with session_factory() as s:
        ref = agent(s, org.id, "leaky-support", components=["langchain"])
        assert ref.components == ("langchain",)
        assert service.pass_counts(session=s, org_id=org.id, agent_id=ref.id) is None
        _, result = stored_run(s, org.id, ref, DemoAgent("leaky", obeys_documents=True))
        expected = (
            sum(r.verdict is Verdict.PASS for r in result.results),
            sum(r.verdict is Verdict.FAIL for r in result.results),
        )
        assert expected[1] > 0 and expected[0] > 0
        assert any(r.verdict is Verdict.NOT_APPLICABLE for r in result.results)
        assert service.pass_counts(session=s, org_id=org.id, agent_id=ref.id) == expected
        # Another org asking about the same id sees nothing.
        assert service.pass_counts(session=s, org_id="0" * 32, agent_id=ref.id) is None
        service.create_run(session=s, org_id=org.id, agent=ref, mode="quick", k=1,
                           target_type=None)  # fmt: skip
        with pytest.raises(Conflict):  # one AgentBench run per agent at a time
            service.create_run(session=s, org_id=org.id, agent=ref, mode="quick", k=1,
                               target_type=None)  # fmt: skip
        s.rollback()


def test_secrets_are_encrypted_merged_and_resolved_only_at_call_time(session_factory, org) -> None:
    config = {"type": "openai_chat", "base_url": "https://agent.example.com/v1",
              "model": "m", "api_key_ref": "k1"}  # fmt: skip
    with session_factory() as s:
        ref = agent(s, org.id, "vaulted")
        with pytest.raises(InvalidInput):
            service.put_target(session=s, org_id=org.id, agent_id=ref.id, config=config,
                               secrets={}, box=BOX)  # fmt: skip
        target = service.put_target(session=s, org_id=org.id, agent_id=ref.id, config=config,
                                    secrets={"k1": "sk-first-value"}, box=BOX)  # fmt: skip
        assert "sk-first-value" not in json.dumps(target.secrets_enc)
        assert service.secret_resolver(target, BOX)("k1") == "sk-first-value"
        # A later PUT without the secret keeps it; null removes it (then the ref is invalid).
        target = service.put_target(session=s, org_id=org.id, agent_id=ref.id, config=config,
                                    secrets={}, box=BOX)  # fmt: skip
        assert service.secret_resolver(target, BOX)("k1") == "sk-first-value"
        with pytest.raises(InvalidInput):
            service.put_target(session=s, org_id=org.id, agent_id=ref.id, config=config,
                               secrets={"k1": None}, box=BOX)  # fmt: skip
        read = service.target_read(target)
        assert read["secret_names"] == ["k1"] and "sk-first" not in json.dumps(read, default=str)
        with pytest.raises(NotFound):
            service.resolve_agent(session=s, org_id=org.id, agent_id="f" * 32)
        s.rollback()


def test_literal_credentials_are_refused_wherever_they_hide() -> None:
    base = {"type": "http", "base_url": "https://a.example", "reply_path": "$.r"}
    ok_steps = [{"url": "/send", "headers": {"Authorization": "Bearer {{token}}"},
                 "captures": {"token": "$.token"}, "body": {"text": "{{prompt}}"}}]  # fmt: skip
    service.validate_config({**base, "steps": ok_steps}, [])
    for bad in (
        {**base, "steps": ok_steps, "headers": {"Authorization": "Bearer abc123"}},
        {**base, "steps": [{"url": "/l", "body": {"password": "hunter2"}}]},
        {"type": "openai_chat", "base_url": "https://x", "model": "m", "api_key": "sk-1"},
    ):
        with pytest.raises(InvalidInput, match="credentials"):
            service.validate_config(bad, [])


def test_atlas_import_counts_come_from_the_data(session_factory) -> None:
    catalog = load_atlas(shared("atlas", "ATLAS.yaml"))
    with session_factory() as s:
        record = service.import_catalog(session=s, catalog=catalog)
        assert (record.tactic_count, record.technique_count, record.subtechnique_count) == (
            len(catalog.tactics), catalog.technique_count, catalog.subtechnique_count,
        )  # fmt: skip
        again = service.current_catalog(session=s)
        assert again is not None and again.version == catalog.version
        assert again.techniques_of("AML.TA0005") == catalog.techniques_of("AML.TA0005")
        assert again.tactics_of("AML.T0051.001") == catalog.tactics_of("AML.T0051.001")
        s.commit()


def test_supplied_nvd_records_keep_only_ai_relevant_cves(nvd_records) -> None:
    kept, dropped = service.ai_relevant_from_nvd(nvd_records)
    assert kept and dropped > 0 and len(kept) + dropped == len(nvd_records)
    assert any("langchain" in (c.description.lower()) for c in kept)
    with pytest.raises(InvalidInput):
        service.ai_relevant_from_nvd([{"not": "a cve"}])


def test_a_bad_supplied_nvd_record_is_named_by_position_and_field(nvd_records) -> None:
    # It said only "body.cves: not an NVD API 2.0 cve object (NvdRecordError)".
    bad = {**nvd_records[0], "published": "notadate"}
    with pytest.raises(InvalidInput) as caught:
        service.ai_relevant_from_nvd([nvd_records[1], bad])
    (error,) = caught.value.errors
    assert tuple(error.loc) == ("body", "cves", 1)
    assert "published: bad timestamp 'notadate'" in error.msg
    assert nvd_records[0]["id"] in error.msg


def _stalled_run(s: Any, org_id: str, ref: Any) -> Any:
    """A run left 'running' with no progress for 16 minutes, as when its process died."""
    from datetime import timedelta

    from threatvec.core.clock import utcnow

    run = service.create_run(session=s, org_id=org_id, agent=ref, mode="quick", k=1,
                             target_type=None)  # fmt: skip
    run.status = "running"
    run.updated_at = utcnow() - timedelta(minutes=16)
    s.flush()
    return run


def test_a_run_whose_process_died_does_not_block_the_agent_forever(session_factory, org) -> None:
    with session_factory() as s:
        ref = agent(s, org.id, "restarted-bot")
        stuck = _stalled_run(s, org.id, ref)
        fresh = service.create_run(session=s, org_id=org.id, agent=ref, mode="quick", k=1,
                                   target_type=None)  # fmt: skip
        assert fresh.id != stuck.id and stuck.status == "failed"
        assert stuck.error is not None and "interrupted" in stuck.error
        s.rollback()


def test_cancelling_a_run_whose_process_died_ends_it_at_once(session_factory, org) -> None:
    # Nobody is left to notice the cancel flag: the run showed 'running' (and the
    # dashboard its Cancel button) until the next run of the agent cleared it.
    with session_factory() as s:
        stuck = _stalled_run(s, org.id, agent(s, org.id, "orphan-bot"))
        alive = service.create_run(session=s, org_id=org.id, agent=agent(s, org.id, "busy-bot"),
                                   mode="quick", k=1, target_type=None)  # fmt: skip
        alive.status = "running"
        s.flush()
        service.request_cancel(session=s, org_id=org.id, run_id=stuck.id)
        service.request_cancel(session=s, org_id=org.id, run_id=alive.id)
        assert stuck.status == "cancelled" and stuck.finished_at is not None
        assert stuck.error is not None and "interrupted" in stuck.error
        assert alive.status == "running" and alive.cancel_requested  # its runner stops it
        s.rollback()


def _cycle(s: Any, org_id: str, *, minutes_idle: float = 0, status: str = "running") -> Any:
    """A learning cycle row as a server left it: ``status``, last written ``minutes_idle`` ago."""
    from datetime import timedelta

    from threatvec.core.clock import utcnow

    cycle = service.create_cycle(session=s, org_id=org_id, trigger="api")
    cycle.status = status
    cycle.updated_at = utcnow() - timedelta(minutes=minutes_idle)
    s.flush()
    return cycle


def test_one_learning_cycle_per_org_at_a_time(session_factory, org) -> None:
    # Two cycles at once ran every scenario twice against the same agents; the
    # CLI and the page could not tell the user one was already going.
    from tests.conftest import create_org

    other = create_org(session_factory)
    with session_factory() as s:
        running = _cycle(s, org.id)
        with pytest.raises(Conflict) as exc:
            service.create_cycle(session=s, org_id=org.id, trigger="cli")
        assert f"a learning cycle is already running: {running.id}" in exc.value.detail
        # Another organisation's cycle is not in the way.
        assert service.create_cycle(session=s, org_id=other.id, trigger="cli").status == "queued"
        running.status = "completed"
        s.flush()
        assert service.create_cycle(session=s, org_id=org.id, trigger="cli").status == "queued"
        s.rollback()


def test_a_cycle_whose_process_died_does_not_read_running_for_ever(session_factory, org) -> None:
    # Killed without cleanup (SIGKILL, out of memory), a cycle stayed 'running' with no
    # end: the Red Team page refreshed itself for ever and no new cycle could start.
    from datetime import timedelta

    from threatvec.core.clock import utcnow

    with session_factory() as s:
        ref = agent(s, org.id, "cycle-bot")
        stuck = _cycle(s, org.id, minutes_idle=16)
        (listed,), _ = service.list_cycles(session=s, org_id=org.id, page=PageParams())
        assert listed.id == stuck.id and stuck.status == "failed"
        assert stuck.error == service.STALE_ERROR and stuck.finished_at is not None
        # A cycle whose run still makes progress is alive, however old its own row is.
        busy = _cycle(s, org.id, minutes_idle=40)
        run = service.create_run(session=s, org_id=org.id, agent=ref, mode="cycle", k=1,
                                 target_type=None, kind="cycle", cycle_id=busy.id)  # fmt: skip
        run.status, run.updated_at = "running", utcnow() - timedelta(minutes=1)
        s.flush()
        assert service.get_cycle_or_raise(session=s, org_id=org.id, cycle_id=busy.id).status == (
            "running"
        )
        with pytest.raises(Conflict):
            service.create_cycle(session=s, org_id=org.id, trigger="cli")
        run.updated_at = utcnow() - timedelta(minutes=16)
        s.flush()
        fresh = service.create_cycle(session=s, org_id=org.id, trigger="cli")
        assert fresh.status == "queued" and busy.status == "failed"
        s.rollback()
