"""The extension fetches its org's user id salt, and folds ids it made with its own salt.

Real server over real HTTP, the extension's own hashing code run by node, a real
database (SQLite file; PostgreSQL with ``-m db``).
"""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.conftest import create_org
from tests.shadow.helpers import visit
from tests.shadow.test_pseudonym import extension_hash, post_events, service_users
from threatvec.shadow.service import org_user_salt
from threatvec.store.engine import session_scope

SALT_PATH = "/api/v1/shadow/user-id-salt"
MERGE_PATH = "/api/v1/shadow/user-ids/merge"
ALICE = "alice@example.com"


@pytest.mark.db
def test_extension_gets_its_orgs_salt_with_its_ingest_key(
    live_server, session_factory, caplog
) -> None:
    one, two = create_org(session_factory), create_org(session_factory)
    caplog.set_level(logging.DEBUG)
    replies = {
        org.id: httpx.get(live_server.url + SALT_PATH, headers=org.headers) for org in (one, two)
    }
    with session_scope(session_factory) as s:
        secrets = {org.id: org_user_salt(session=s, org_id=org.id) for org in (one, two)}
    for org in (one, two):
        r = replies[org.id]
        assert r.status_code == 200, r.text
        # exactly what `threatvec shadow user-id-salt` prints for this org, and nothing else
        assert r.json() == {"salt": secrets[org.id].salt}
        assert "no-store" in r.headers["cache-control"]
        assert secrets[org.id].key not in r.text  # the HMAC key never leaves the server
    assert secrets[one.id].salt != secrets[two.id].salt
    # never logged, not even at DEBUG
    logged = "\n".join(rec.getMessage() + repr(rec.__dict__) for rec in caplog.records)
    for org in (one, two):
        assert secrets[org.id].salt not in logged


def test_salt_needs_a_valid_org_key(live_server, session_factory) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        salt = org_user_salt(session=s, org_id=org.id).salt
    for headers in ({"X-Org-Key": "tvk-not-a-key"}, {}):
        r = httpx.get(live_server.url + SALT_PATH, headers=headers)
        assert r.status_code == 401
        assert salt not in r.text


@pytest.mark.db
def test_ids_made_with_a_local_salt_fold_into_the_orgs_id(
    live_server, client, session_factory
) -> None:
    org, other = create_org(session_factory), create_org(session_factory)
    salt = httpx.get(live_server.url + SALT_PATH, headers=org.headers).json()["salt"]
    local = extension_hash("a-salt-this-install-made-up", ALICE)
    common = extension_hash(salt, ALICE)
    # Before the fetch, the install sent events under its own salt; afterwards under the
    # org's. Another org got the same local hash (one policy for both): it must not change.
    post_events(live_server.url, org, [visit("chatgpt.com", user_hash=local)])
    post_events(live_server.url, org, [visit("chatgpt.com", user_hash=common)])
    post_events(live_server.url, org, [visit("claude.ai", user_hash=local)])
    post_events(live_server.url, other, [visit("chatgpt.com", user_hash=local)])
    assert service_users(client, org, "chatgpt.com") == 2  # one person counted twice

    body = {"from_hash": local, "to_hash": common}
    r = httpx.post(live_server.url + MERGE_PATH, json=body, headers=org.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"events": 2, "service_users": 2}
    assert service_users(client, org, "chatgpt.com") == 1
    assert service_users(client, org, "claude.ai") == 1
    assert service_users(client, other, "chatgpt.com") == 1  # the other org is untouched

    # Retried (the reply was lost): nothing more to fold, same counts.
    again = httpx.post(live_server.url + MERGE_PATH, json=body, headers=org.headers)
    assert again.status_code == 200 and again.json() == {"events": 0, "service_users": 0}
    assert service_users(client, org, "chatgpt.com") == 1
    # The other org's rows keep their own id: a merge there folds one event.
    r = httpx.post(live_server.url + MERGE_PATH, json=body, headers=other.headers)
    assert r.json() == {"events": 1, "service_users": 1}


def test_merge_names_what_is_wrong(live_server, session_factory) -> None:
    org = create_org(session_factory)
    good = "a" * 64
    cases = {
        "from_hash": {"from_hash": "alice@example.com", "to_hash": good},
        "to_hash": {"from_hash": good, "to_hash": "B" * 64},
    }
    for field, body in cases.items():
        r = httpx.post(live_server.url + MERGE_PATH, json=body, headers=org.headers)
        assert r.status_code == 422, r.text
        assert field in r.text and "alice@example.com" not in r.text
    same = httpx.post(
        live_server.url + MERGE_PATH, json={"from_hash": good, "to_hash": good}, headers=org.headers
    )
    assert same.status_code == 422 and "to_hash" in same.text
    anon = httpx.post(
        live_server.url + MERGE_PATH, json={"from_hash": good, "to_hash": "b" * 64},
        headers={"X-Org-Key": "tvk-not-a-key"},
    )  # fmt: skip
    assert anon.status_code == 401
