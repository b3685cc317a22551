"""SIEM forwarders on PostgreSQL: a signal that commits after a higher id is still sent, once.

Two real transactions on two connections: one takes the lower id and holds it
uncommitted while another commits a higher id and the forwarder runs. The
forwarder must stop below the lower id (not skip it), and the next run must
send both, in order, without resending anything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import backend
from tests.integrations.conftest import create, signals_high_water, start_forwarder_at, sync
from tests.integrations.test_sentinel import CLIENT_ID, DCR, SECRET, TENANT, Azure
from tests.integrations.test_splunk import TOKEN, Hec
from tests.integrations.vendors import Reply, Request, vendor_server
from threatvec.core.clock import pinned, utcnow
from threatvec.signals import service as signals
from threatvec.signals.settled import GAP_GRACE_S
from threatvec.store.engine import session_scope

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if backend() != "postgres":
        pytest.skip("ids commit out of order only on PostgreSQL (SQLite has one writer)")


class Siem:
    """One forwarding target: its local server, its settings, and the signal ids it received."""

    def __init__(
        self,
        route: Callable[[Request], Reply],
        settings: Callable[[str], dict[str, Any]],
        received: Callable[[], list[int]],
    ) -> None:
        self.route, self.settings, self.received = route, settings, received


def splunk() -> Siem:
    hec = Hec()
    return Siem(
        hec,
        lambda url: {"kind": "splunk", "hec_url": url, "hec_token": TOKEN, "batch_size": 2},
        lambda: [e["event"]["signal_id"] for e in hec.events],
    )


def sentinel() -> Siem:
    azure = Azure()
    return Siem(
        azure,
        lambda url: {
            "kind": "sentinel",
            "authority_url": url,
            "tenant_id": TENANT,
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "dce_url": url,
            "dcr_immutable_id": DCR,
            "batch_size": 2,
        },
        lambda: [r["SignalId"] for r in azure.rows],
    )


def _commit_one(factory: sessionmaker[Session], org_id: str, kind: str) -> int:
    with session_scope(factory) as s:
        return signals.publish(session=s, org_id=org_id, kind=kind, data={"k": kind}).id


def _checkpoint(api: Any, integration_id: str) -> str:
    return str(api.get(f"/integrations/{integration_id}").json()["checkpoint"])


@pytest.mark.parametrize("siem", [splunk, sentinel])
def test_a_lower_id_that_commits_late_is_forwarded_once(
    siem: Callable[[], Siem], api: Any, session_factory: sessionmaker[Session]
) -> None:
    target = siem()
    with vendor_server(target.route) as srv:
        made = create(api, target.settings(srv.url))
        start_forwarder_at(session_factory, made["id"], signals_high_water(session_factory))
        early = _commit_one(session_factory, api.org.id, "posture.updated")

        holder = session_factory()  # its own connection and transaction
        try:
            late = signals.publish(
                session=holder, org_id=api.org.id, kind="shadow.pii", data={"k": "late"}
            ).id  # flushed: the id is taken, the row not yet committed
            later = _commit_one(session_factory, api.org.id, "mcp.rug_pull")
            assert early < late < later

            first = sync(api, made["id"])
            # `later` is committed but waits behind `late`, which may still commit.
            assert first["status"] == "ok" and first["forwarded"] == 1
            assert target.received() == [early]
            assert _checkpoint(api, made["id"]) == f"signals after #{early}"

            holder.commit()
        finally:
            holder.close()

        second = sync(api, made["id"])
        assert second["status"] == "ok" and second["forwarded"] == 2
        assert target.received() == [early, late, later]
        assert _checkpoint(api, made["id"]) == f"signals after #{later}"

        # Nothing new: nothing is sent again.
        assert sync(api, made["id"])["forwarded"] == 0
        assert target.received() == [early, late, later]


def test_an_id_rolled_back_holds_the_forwarder_only_for_the_grace_period(
    api: Any, session_factory: sessionmaker[Session]
) -> None:
    target = splunk()
    with vendor_server(target.route) as srv:
        made = create(api, target.settings(srv.url))
        start_forwarder_at(session_factory, made["id"], signals_high_water(session_factory))
        holder = session_factory()
        try:
            lost = signals.publish(
                session=holder, org_id=api.org.id, kind="shadow.pii", data={"k": "lost"}
            ).id
            after = _commit_one(session_factory, api.org.id, "mcp.rug_pull")
            holder.rollback()  # the id is never used: a permanent gap below `after`
        finally:
            holder.close()
        assert lost < after

        assert sync(api, made["id"])["forwarded"] == 0  # could still be in flight
        assert target.received() == []
        # Past the grace period the gap is taken as a rollback and passed.
        with pinned(utcnow() + timedelta(seconds=GAP_GRACE_S + 1)):
            assert sync(api, made["id"])["forwarded"] == 1
        assert target.received() == [after]
        assert sync(api, made["id"])["forwarded"] == 0
