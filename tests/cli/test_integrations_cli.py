"""`threatvec integrations list|sync`, run as a subprocess against a local Splunk HEC."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest

from tests.cli.conftest import CliStore
from tests.integrations.vendors import Reply, Request, vendor_server
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope

pytestmark = pytest.mark.db


class Hec:
    """Splunk's HTTP Event Collector, accepting one token; events arrive one JSON per line."""

    def __init__(self, token: str) -> None:
        self.token, self.events = token, []

    def __call__(self, req: Request) -> Reply:
        if req.headers.get("authorization") != f"Splunk {self.token}":
            return Reply(403, {"text": "Invalid token", "code": 4})
        self.events += [json.loads(line) for line in req.body.decode().splitlines() if line]
        return Reply(200, {"text": "Success", "code": 0})


def _leaks(secret: str, *texts: str) -> bool:
    # Any 8-character piece of the secret counts, not just the whole of it.
    pieces = {secret[i : i + 8] for i in range(len(secret) - 7)}
    return any(p in t for p in pieces for t in texts)


def _splunk(api: Any, url: str, token: str, name: str = "siem") -> dict[str, Any]:
    r = api.post(
        "/integrations",
        json={"name": name, "settings": {"kind": "splunk", "hec_url": url, "hec_token": token}},
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_list_and_sync_never_print_the_secret(cli_store: CliStore) -> None:
    org, api = cli_store.org("acme")
    token = "tok-" + secrets.token_hex(16)
    hec = Hec(token)
    with session_scope(cli_store.factory) as s:
        ids = [
            signals.publish(session=s, org_id=org.id, kind="posture.updated", data={"n": n}).id
            for n in range(3)
        ]
    with vendor_server(hec) as splunk:
        made = _splunk(api, splunk.url, token)

        listed = cli_store.run("integrations", "list", "--org", "acme")
        assert listed.returncode == 0, listed.stderr
        assert made["id"] in listed.stdout and "siem" in listed.stdout and "splunk" in listed.stdout
        assert "never run" in listed.stdout

        synced = cli_store.run("integrations", "sync", made["id"], "--org", "acme")
        assert synced.returncode == 0, synced.stderr
        assert "sync of 'siem' (splunk): ok" in synced.stdout and "forwarded 3" in synced.stdout
        assert [e["event"]["signal_id"] for e in hec.events] == ids

        # The run is the API's run: recorded with its trigger, the checkpoint moved.
        runs = api.get(f"/integrations/{made['id']}/runs").json()["items"]
        assert [(r["trigger"], r["status"], r["forwarded"]) for r in runs] == [("cli", "ok", 3)]
        as_json = cli_store.run("integrations", "list", "--org", org.id, "--json")
        assert as_json.returncode == 0, as_json.stderr
        rows = [json.loads(line) for line in as_json.stdout.splitlines()]
        assert rows == api.get("/integrations").json()["items"]
        assert rows[0]["checkpoint"] == f"signals after #{ids[-1]}"

        # A refused token fails the run: exit 1, the vendor's answer, still no secret.
        hec.token = "another-" + secrets.token_hex(8)
        for _ in range(2):  # something new to send
            with session_scope(cli_store.factory) as s:
                signals.publish(session=s, org_id=org.id, kind="posture.updated", data={})
        failed = cli_store.run("integrations", "sync", "siem", "--org", "acme", "--json")
        assert failed.returncode == 1
        run = json.loads(failed.stdout)
        assert run["status"] == "error" and "403" in run["error"]
        assert "error: sync failed: Splunk refused the HEC token" in failed.stderr

    outputs = [listed, synced, as_json, failed]
    assert not _leaks(token, *(o.stdout + o.stderr for o in outputs))


def test_unknown_integration_or_org_names_the_choices(cli_store: CliStore) -> None:
    org, api = cli_store.org("acme")
    _, other_api = cli_store.org("other")
    with vendor_server(Hec("t" * 16)) as splunk:
        mine = _splunk(api, splunk.url, "t" * 16, name="mine")
        theirs = _splunk(other_api, splunk.url, "t" * 16, name="theirs")

        missing = cli_store.run("integrations", "sync", "no-such-id", "--org", "acme")
        assert missing.returncode == 1 and missing.stdout == ""
        assert "no integration 'no-such-id' in org 'acme'" in missing.stderr
        assert mine["id"] in missing.stderr and "'mine'" in missing.stderr
        assert theirs["id"] not in missing.stderr  # another org's integrations stay hidden

        # Another org's integration is not reachable by id either.
        crossed = cli_store.run("integrations", "sync", theirs["id"], "--org", "acme")
        assert crossed.returncode == 1 and "no integration" in crossed.stderr
        assert api.get(f"/integrations/{mine['id']}").json()["last_status"] == "never"
        assert other_api.get(f"/integrations/{theirs['id']}").json()["last_status"] == "never"

        empty = cli_store.run("integrations", "sync", "x", "--org", "default")
        assert empty.returncode == 1 and "org 'default' has none" in empty.stderr

    nobody = cli_store.run("integrations", "list", "--org", "nope")
    assert nobody.returncode == 1 and "no organisation 'nope'" in nobody.stderr
    assert "'acme'" in nobody.stderr and "'other'" in nobody.stderr
    assert "Traceback" not in nobody.stderr + missing.stderr + crossed.stderr
    assert org.id in nobody.stderr
