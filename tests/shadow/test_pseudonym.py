"""One pseudonym per person per org, whichever source reported them (extension, Copilot, ...)."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import OrgHandle, create_org
from tests.shadow.helpers import visit
from threatvec.integrations.connectors.common import UserHasher
from threatvec.shadow import m365
from threatvec.shadow.models import ShadowEvent, ShadowServiceUser
from threatvec.shadow.service import org_user_salt
from threatvec.store.engine import session_scope

EVENTS_JS = Path(__file__).resolve().parents[2] / "extension" / "src" / "events.js"
ADELE = "adele.vance@fabrikamdemo.onmicrosoft.com"  # a UserId of the Copilot sample
SAMPLE_USERS = 4  # distinct UserIds in copilot_audit_sample.json


def extension_hash(salt: str, identifier: str) -> str:
    """The user hash the extension itself sends (its own events.js, run by node)."""
    if shutil.which("node") is None:
        pytest.skip("node is needed to run the extension's own hashing code")
    code = (
        f"import {{ userHash }} from {json.dumps(EVENTS_JS.as_uri())};"
        "console.log(await userHash(process.argv[1], process.argv[2]));"
    )
    out = subprocess.run(
        ["node", "--input-type=module", "-e", code, salt, identifier],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return out.stdout.strip()


def post_events(url: str, org: OrgHandle, events: list[dict[str, Any]]) -> None:
    """Send a batch as the extension does: real HTTP, X-Org-Key, JSON body."""
    r = httpx.post(f"{url}/api/v1/shadow/events", json={"events": events}, headers=org.headers)
    assert r.status_code == 200 and r.json()["accepted"] == len(events), r.text


def copilot_users(factory, org_id: str) -> set[str]:
    with session_scope(factory) as s:
        rows = s.execute(
            select(ShadowServiceUser.user_hash)
            .join(ShadowEvent, ShadowEvent.service_id == ShadowServiceUser.service_id)
            .where(ShadowServiceUser.org_id == org_id, ShadowEvent.domain == m365.COPILOT_DOMAIN)
        )
        return {h for (h,) in rows}


def service_users(api_client, org: OrgHandle, domain: str) -> int:
    r = api_client.get("/api/v1/shadow/services", headers=org.headers)
    [svc] = [s for s in r.json()["items"] if s["domain"] == domain]
    return int(svc["users"])


@pytest.mark.db
def test_extension_and_copilot_count_one_person_once(
    live_server, client, session_factory, shared_data: Path
) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        # What `threatvec shadow user-id-salt` prints for the extension's policy.
        salt = org_user_salt(session=s, org_id=org.id).salt
    # The extension's user typed their address in another case, with a stray space.
    first = extension_hash(salt, "  Adele.Vance@FabrikamDemo.onmicrosoft.com ")
    post_events(live_server.url, org, [visit(m365.COPILOT_DOMAIN, user_hash=first)])
    records = json.loads((shared_data / "m365" / "copilot_audit_sample.json").read_text())
    with session_scope(session_factory) as s:
        result = m365.import_records(session=s, org_id=org.id, records=records)
    assert result.imported == 10

    # Adele came through both sources: she is one of the sample's four users, not a fifth.
    assert service_users(client, org, m365.COPILOT_DOMAIN) == SAMPLE_USERS
    assert len(copilot_users(session_factory, org.id)) == SAMPLE_USERS


@pytest.mark.db
def test_every_source_gives_the_same_keyed_pseudonym(live_server, session_factory) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        secrets = org_user_salt(session=s, org_id=org.id)
        from_connector = UserHasher(s, org.id)(ADELE.upper())
    first = extension_hash(secrets.salt, ADELE)
    post_events(live_server.url, org, [visit("chatgpt.com", user_hash=first)])
    with session_scope(session_factory) as s:
        [stored] = s.scalars(select(ShadowEvent.user_hash).where(ShadowEvent.org_id == org.id))

    # Keyed on the server with the org's own secret: the hash the browser sent (which
    # anyone holding the policy salt can compute from the staff list) is never stored.
    assert stored != first
    assert stored == hmac.new(secrets.key.encode(), first.encode(), hashlib.sha256).hexdigest()
    assert stored == from_connector == m365.user_pseudonym(secrets, f" {ADELE} ")
    assert secrets.key not in repr(secrets) and secrets.salt not in repr(secrets)


@pytest.mark.db
def test_two_orgs_never_share_a_pseudonym(live_server, session_factory) -> None:
    one, two = create_org(session_factory), create_org(session_factory)
    # Even one extension policy (one salt) for both orgs, the same person, the same hash sent.
    same = extension_hash("one-policy-salt-for-both-orgs", ADELE)
    for org in (one, two):
        post_events(live_server.url, org, [visit("claude.ai", user_hash=same)])
    with session_scope(session_factory) as s:
        stored = {
            org.id: s.scalar(select(ShadowEvent.user_hash).where(ShadowEvent.org_id == org.id))
            for org in (one, two)
        }
        by_identity = {
            org.id: m365.user_pseudonym(org_user_salt(session=s, org_id=org.id), ADELE)
            for org in (one, two)
        }
    assert stored[one.id] != stored[two.id]
    assert by_identity[one.id] != by_identity[two.id]


def test_extension_page_tells_admins_where_the_salt_comes_from(client, session_factory) -> None:
    from tests.conftest import dashboard_login

    org = create_org(session_factory)
    dashboard_login(client, org.key)
    page = client.get("/extension").text
    # The extension fetches the salt itself: the admin is told not to copy it.
    assert "Not needed: the extension fetches the organisation&#39;s user id salt" in page
