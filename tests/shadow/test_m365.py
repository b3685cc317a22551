"""Microsoft 365 Copilot: record conversion, file import, and the Management Activity API puller
against a local server speaking the documented API with the shared sample records."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import create_org
from tests.shadow.m365_server import CLIENT_ID, CLIENT_SECRET, TENANT, M365Server
from threatvec.shadow import m365, service
from threatvec.shadow.pseudonym import OrgUserSalt
from threatvec.store.engine import session_scope

S = OrgUserSalt(salt="s" * 32, key="k" * 64)  # two orgs: their own salt and key
T = OrgUserSalt(salt="t" * 32, key="l" * 64)


@pytest.fixture(scope="module")
def sample(shared_data: Path) -> list[dict]:
    return json.loads((shared_data / "m365" / "copilot_audit_sample.json").read_text())


def test_record_becomes_a_usage_event_without_names(sample) -> None:
    first = sample[0]
    ev = m365.record_to_event(first, salt=S)
    assert ev.event_id == first["Id"] and ev.domain == m365.COPILOT_DOMAIN
    assert ev.event_type == "submit" and ev.pii_categories == []
    assert ev.occurred_at == datetime(2026, 6, 1, 8, 2, 11, tzinfo=UTC)
    assert ev.signals == {
        "app_host": "Word",
        "prompts": 1,
        "resources": 1,
        "resource_types": ["docx"],
        "sensitivity_labels": ["5f3d2c1a-8b7e-4d6f-9a0b-1c2d3e4f5a6b"],
    }
    assert ev.user_hash and len(ev.user_hash) == 64
    text = ev.model_dump_json()
    assert first["UserId"] not in text and "Q3-board-memo" not in text and "sharepoint" not in text
    # the same user hashes the same within an org, differently across salts
    same_user = next(r for r in sample[1:] if r["UserId"] == first["UserId"])
    assert m365.record_to_event(same_user, salt=S).user_hash == ev.user_hash
    assert m365.record_to_event(first, salt=T).user_hash != ev.user_hash


def test_other_records_are_skipped_and_bad_ones_reported(sample) -> None:
    exchange = {"RecordType": 2, "Operation": "Send", "Id": "x"}
    broken = {**sample[0], "CreationTime": "yesterday"}
    events, result = m365.convert_records([exchange, broken, sample[1]], salt=S)
    assert len(events) == 1
    assert (result.records, result.copilot, result.skipped) == (3, 2, 2)
    assert "CreationTime" in result.errors[0]


def test_import_records_is_idempotent(session_factory, sample) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as session:
        first = m365.import_records(session=session, org_id=org.id, records=sample)
        again = m365.import_records(session=session, org_id=org.id, records=sample)
        rows, _ = service.list_page(
            session=session, org_id=org.id, page=service.PageParams(limit=10)
        )
        [svc] = service.service_reads(session=session, org_id=org.id, rows=rows)
        detail = service.service_detail(session=session, org_id=org.id, service_id=svc.id)
    assert (first.imported, again.imported, again.duplicates) == (10, 0, 10)
    assert svc.domain == m365.COPILOT_DOMAIN and svc.name == "Microsoft 365 Copilot"
    assert svc.source == "m365" and svc.events == 10 and svc.submits == 10
    assert svc.users == len({r["UserId"] for r in sample})
    assert detail.m365["interactions"] == 10
    assert detail.m365["app_hosts"]["Teams"] == 2
    assert detail.m365["resource_types"]["docx"] >= 4
    labels = {
        res["SensitivityLabelId"]
        for r in sample
        for res in r["CopilotEventData"]["AccessedResources"]
        if res.get("SensitivityLabelId")
    }
    assert detail.m365["sensitivity_labels"] == len(labels) == 3


def test_read_records_shapes(tmp_path: Path, sample) -> None:
    blob = tmp_path / "blob.json"
    blob.write_text(json.dumps(sample))
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"value": sample[:3]}))
    lines = tmp_path / "lines.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in sample[:2]))
    assert len(m365.read_records(blob)) == 10
    assert len(m365.read_records(wrapped)) == 3
    assert len(m365.read_records(lines)) == 2


def _client(server: M365Server, **kw) -> m365.ManagementActivityClient:
    config = m365.M365Config(TENANT, CLIENT_ID, kw.pop("secret", CLIENT_SECRET))
    return m365.ManagementActivityClient(
        config,
        authority_url=server.url,
        api_url=kw.pop("api_url", server.url),
        allow_private=True,
        sleep=lambda s: None,
        **kw,
    )


def test_puller_speaks_the_api_with_paging_and_retries(session_factory, sample) -> None:
    blobs = [sample[:4], sample[4:7], sample[7:]]
    org = create_org(session_factory)
    end = datetime.now(UTC)
    with M365Server(blobs, per_page=1) as server:
        server.fail_next = {
            f"/{TENANT}/oauth2": [503],
            f"/api/v1.0/{TENANT}/activity/feed/audit/blob-1": [429, 500],
        }
        with session_scope(session_factory) as session:
            result = m365.pull(
                session=session,
                org_id=org.id,
                client=_client(server),
                start=end - timedelta(hours=6),
                end=end,
            )
        assert (result.blobs, result.copilot, result.imported) == (3, 10, 10)
        assert server.content_type_seen == ["Audit.General"]
        listings = [p for m, p, _ in server.requests if "/subscriptions/content" in p]
        assert len(listings) == 3 and "page=2" in listings[-1]
        api_calls = [h for m, p, h in server.requests if p.startswith("/api/")]
        assert all(h.get("Authorization") == "Bearer local-access-token-123" for h in api_calls)
        blob_1 = [p for m, p, _ in server.requests if p.endswith("blob-1")]
        assert len(blob_1) == 3  # two failures, then success

        # a second pull: subscription already enabled (AF20024), nothing new
        with session_scope(session_factory) as session:
            again = m365.pull(session=session, org_id=org.id, client=_client(server))
        assert again.imported == 0 and again.duplicates == 10


def test_puller_refuses_wrong_credentials_and_foreign_urls(session_factory, sample) -> None:
    org = create_org(session_factory)
    with M365Server([sample]) as server:
        with session_scope(session_factory) as session, pytest.raises(m365.M365Error) as exc:
            m365.pull(session=session, org_id=org.id, client=_client(server, secret="wrong"))
        assert "token request refused" in str(exc.value) and "wrong" not in str(exc.value)

        # content URIs on another origin never get the bearer token
        other = server.url.replace("127.0.0.1", "localhost")
        with session_scope(session_factory) as session, pytest.raises(m365.M365Error) as exc:
            m365.pull(session=session, org_id=org.id, client=_client(server, api_url=other))
        assert "outside the configured API base" in str(exc.value)
        fetched = [p for m, p, _ in server.requests if "/audit/blob-" in p]
        assert fetched == []


def test_retries_give_up_with_a_clear_error(session_factory, sample) -> None:
    org = create_org(session_factory)
    with M365Server([sample]) as server:
        server.fail_next = {f"/{TENANT}/oauth2": [503] * 10}
        with session_scope(session_factory) as session, pytest.raises(m365.M365Error) as exc:
            m365.pull(session=session, org_id=org.id, client=_client(server, max_attempts=3))
        assert "after 3 tries: HTTP 503" in str(exc.value)


def test_configuration_is_encrypted_and_job_is_registered(session_factory) -> None:
    from threatvec.jobs.registry import load_all_jobs
    from threatvec.orgs import service as orgs

    org = create_org(session_factory)
    key = "k" * 48
    with session_scope(session_factory) as session:
        assert m365.load_config(session=session, org_id=org.id, secret_key=key) is None
        m365.configure(
            session=session,
            org_id=org.id,
            tenant_id=TENANT,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            secret_key=key,
        )
        stored = orgs.get_setting(session=session, org_id=org.id, name=m365.CONFIG_SETTING)
        assert CLIENT_SECRET not in json.dumps(stored)
        config = m365.load_config(session=session, org_id=org.id, secret_key=key)
        assert config is not None and config.client_secret == CLIENT_SECRET
        assert CLIENT_SECRET not in repr(config)
    job = load_all_jobs()["shadow.m365_pull"]
    assert job.per_org and job.interval_s == 900
    other = create_org(session_factory)
    with session_scope(session_factory) as session:
        assert job.run(session=session, org_id=other.id) == {"configured": False}


def test_skipped_records_are_named_by_position_and_id(sample) -> None:
    # With thousands of records, "record does not convert (event_id)" alone cannot be found.
    no_id = {k: v for k, v in sample[1].items() if k != "Id"}
    no_time = {**sample[2], "CreationTime": None}
    _, result = m365.convert_records([sample[0], no_id, no_time], salt=S)
    assert result.skipped == 2
    assert result.errors[0] == (
        "record 2: does not convert (event_id: Input should be a valid string)"
    )
    rid = sample[2]["Id"]
    assert result.errors[1] == f"record 3 (Id {rid}): CreationTime missing or not ISO 8601"
    assert not any(sample[1]["UserId"] in e for e in result.errors)


def test_a_malformed_content_blob_is_reported_and_the_others_imported(
    session_factory, sample
) -> None:
    # One bad blob used to fail the whole pull, every 15 minutes, for as long as the
    # API kept listing it (7 days): no Copilot record got in at all meanwhile.
    org = create_org(session_factory)
    blobs: list = [sample[:4], {"error": "not a list"}, sample[4:]]
    with M365Server(blobs, per_page=3) as server, session_scope(session_factory) as session:
        result = m365.pull(session=session, org_id=org.id, client=_client(server))
    assert (result.blobs, result.imported) == (2, 10)
    assert result.errors == ["content blob blob-1: content blob is not a JSON array"]


def test_copilot_summary_survives_retention_of_raw_events(session_factory, sample) -> None:
    """The summary is read from aggregates: pruning the raw Copilot events changes nothing."""
    from threatvec.retention.service import prune_events
    from threatvec.shadow.models import ShadowEvent

    org = create_org(session_factory)
    with session_scope(session_factory) as session:
        m365.import_records(session=session, org_id=org.id, records=sample)
        [svc] = service.list_page(session=session, org_id=org.id, page=service.PageParams())[0]
        before = service.service_detail(session=session, org_id=org.id, service_id=svc.id).m365
    with session_scope(session_factory) as session:
        later = datetime.now(UTC) + timedelta(days=31)
        counts = prune_events(session=session, org_id=org.id, keep_days=30, now=later)
    with session_scope(session_factory) as session:
        left = session.query(ShadowEvent).filter(ShadowEvent.org_id == org.id).count()
        after = service.service_detail(session=session, org_id=org.id, service_id=svc.id).m365
    assert counts["shadow_events"] == 10 and left == 0
    assert before["interactions"] == 10 and before["sensitivity_labels"] == 3
    assert after == before


def test_a_record_dated_before_any_audit_log_is_skipped_not_imported(sample) -> None:
    """A CreationTime of 0001-01-01 or 1970-01-01 (a corrupted or defaulted field) was
    imported as history: the service read 'first seen 0001-01-01' ever after."""
    old = [dict(sample[0], CreationTime="0001-01-01T00:00:00"), dict(sample[1])]
    old[1]["CreationTime"] = "1970-01-01T00:00:00Z"
    events, result = m365.convert_records([*old, sample[2]], salt=S)
    assert [e.event_id for e in events] == [sample[2]["Id"]]
    assert result.skipped == 2
    assert all("occurred_at: occurred_at is older than 10 years" in e for e in result.errors)
    recent = dict(sample[3], CreationTime=(datetime.now(UTC) - timedelta(days=9 * 365)).isoformat())
    assert len(m365.convert_records([recent], salt=S)[0]) == 1  # years of history still import
