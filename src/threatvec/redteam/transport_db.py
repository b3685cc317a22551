"""The SDK probe transport on the database, so probes cross requests, processes and replicas.

A run (in a server thread, another replica or the CLI) inserts a pending
``ProbeDelivery`` and waits for its reply; ``GET .../probes/next`` claims the
oldest pending delivery for the agent with a conditional UPDATE (exactly one
poller wins it) and ``POST .../probes/{id}/reply`` stores the answer. Within
one process a wake-up counter spares the wait of the next database check;
across processes the waiting side re-reads the database every
``POLL_INTERVAL_S``. An unanswered probe expires and is withdrawn (ERROR).
One transport serves one organisation: agents of other orgs never see it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from threatvec.core.clock import utcnow
from threatvec.redteam.exchange import TargetReply
from threatvec.redteam.models import ProbeDelivery, ProbePoller
from threatvec.redteam.targets.sdk_probe import ProbeEnvelope, reply_from_sdk

__all__ = ["DELIVERY_KEEP_S", "DbProbeTransport", "agent_is_polling", "prune_deliveries"]

POLL_INTERVAL_S = 0.5  # how often a waiter re-reads the database (other processes)
_TICK_S = 0.02  # how often it looks at the in-process wake-up counter
POLLER_FRESH_S = 120.0  # an agent that polled this recently is serving probes
# How long a delivery stays after it expired: past its expiry nobody can claim or answer
# it and its run has stopped waiting, so it is only a mailbox entry (a probe's text and
# the agent's reply) kept a while for anyone debugging a run.
DELIVERY_KEEP_S = 3600.0

# In-process wake-ups: a counter per (org, agent) bumped on dispatch, per probe on reply.
_lock = threading.Lock()
_agent_bumps: dict[tuple[str, str], int] = defaultdict(int)
_reply_bumps: dict[str, int] = defaultdict(int)


def _bump_agent(org_id: str, agent: str) -> None:
    with _lock:
        _agent_bumps[(org_id, agent)] += 1


def _bump_reply(probe_id: str) -> None:
    with _lock:
        _reply_bumps[probe_id] += 1


def _agent_counter(org_id: str, agent: str) -> int:
    with _lock:
        return _agent_bumps.get((org_id, agent), 0)


def _reply_counter(probe_id: str) -> int:
    with _lock:
        return _reply_bumps.get(probe_id, 0)


def agent_is_polling(session: Session, *, org_id: str, agent: str) -> bool:
    """Has this agent long-polled for probes recently (is ``serve_probes`` running)?"""
    last = session.scalar(
        select(ProbePoller.last_poll_at).where(
            ProbePoller.org_id == org_id, ProbePoller.agent == agent
        )
    )
    return last is not None and utcnow() - last <= timedelta(seconds=POLLER_FRESH_S)


def prune_deliveries(session: Session, *, keep_s: float = DELIVERY_KEEP_S) -> int:
    """Delete every org's deliveries that expired more than ``keep_s`` ago; how many.

    Answered, expired or never claimed, a delivery past its ``expires_at`` is done: the
    claim and the reply both require ``expires_at > now``, and the run's wait ends there.
    The run's result is in ``redteam_results``; this table is only the mailbox.
    """
    cutoff = utcnow() - timedelta(seconds=keep_s)
    result = session.execute(delete(ProbeDelivery).where(ProbeDelivery.expires_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


class DbProbeTransport:
    """``ProbeTransport`` for one organisation, backed by ``redteam_probe_deliveries``."""

    def __init__(self, factory: sessionmaker[Session], org_id: str) -> None:
        self.factory = factory
        self.org_id = org_id

    # ── the runner's side ────────────────────────────────────────────────

    async def dispatch(self, envelope: ProbeEnvelope, timeout: float) -> TargetReply:
        now = utcnow()
        with self.factory() as session:
            session.add(
                ProbeDelivery(
                    id=envelope.probe_id,
                    org_id=self.org_id,
                    agent=envelope.agent,
                    status="pending",
                    envelope=envelope.as_json(),
                    created_at=now,
                    expires_at=now + timedelta(seconds=timeout),
                )
            )
            session.commit()
        _bump_agent(self.org_id, envelope.agent)
        deadline = time.monotonic() + timeout
        seen = _reply_counter(envelope.probe_id)
        next_check = 0.0
        try:
            while True:
                now_m = time.monotonic()
                counter = _reply_counter(envelope.probe_id)
                if counter != seen or now_m >= next_check:
                    seen = counter
                    next_check = now_m + POLL_INTERVAL_S
                    reply = self._answered(envelope.probe_id)
                    if reply is not None:
                        return reply_from_sdk(reply)
                if now_m >= deadline:
                    return TargetReply.failed(f"the agent did not answer within {timeout:.0f}s")
                await asyncio.sleep(_TICK_S)
        finally:
            self._withdraw(envelope.probe_id)

    def _answered(self, probe_id: str) -> dict[str, Any] | None:
        with self.factory() as session:
            row = session.get(ProbeDelivery, probe_id)
            if row is not None and row.status == "answered":
                return row.reply if isinstance(row.reply, dict) else {"output": ""}
        return None

    def _withdraw(self, probe_id: str) -> None:
        """Drop the delivery: answered (done) or not (an unanswered probe is never served late)."""
        with _lock:
            _reply_bumps.pop(probe_id, None)
        with self.factory() as session:
            session.execute(
                update(ProbeDelivery)
                .where(ProbeDelivery.id == probe_id, ProbeDelivery.status != "answered")
                .values(status="expired")
            )
            session.commit()

    # ── the agent's side (the two SDK endpoints) ────────────────────────

    def _touch_poller(self, agent: str) -> None:
        with self.factory() as session:
            touched = session.execute(
                update(ProbePoller)
                .where(ProbePoller.org_id == self.org_id, ProbePoller.agent == agent)
                .values(last_poll_at=utcnow())
            )
            if getattr(touched, "rowcount", 0) == 0:
                session.add(ProbePoller(org_id=self.org_id, agent=agent))
            try:
                session.commit()
            except IntegrityError:  # a concurrent first poll of the same agent inserted it
                session.rollback()

    def _claim(self, agent: str) -> ProbeEnvelope | None:
        now = utcnow()
        with self.factory() as session:
            candidates = session.scalars(
                select(ProbeDelivery.id)
                .where(
                    ProbeDelivery.org_id == self.org_id,
                    ProbeDelivery.agent == agent,
                    ProbeDelivery.status == "pending",
                    ProbeDelivery.expires_at > now,
                )
                .order_by(ProbeDelivery.created_at, ProbeDelivery.id)
                .limit(5)
            ).all()
            for probe_id in candidates:
                claimed = session.execute(
                    update(ProbeDelivery)
                    .where(ProbeDelivery.id == probe_id, ProbeDelivery.status == "pending")
                    .values(status="delivered", delivered_at=now)
                )
                if getattr(claimed, "rowcount", 0) == 1:
                    row = session.get(ProbeDelivery, probe_id)
                    session.commit()
                    assert row is not None
                    env = row.envelope
                    return ProbeEnvelope(
                        str(env.get("probe_id", probe_id)),
                        agent,
                        str(env.get("prompt", "")),
                        dict(env.get("context") or {}),
                    )
            session.commit()
        return None

    async def next_probe_async(self, agent: str, wait: float) -> ProbeEnvelope | None:
        """Long-poll without holding a worker thread: the endpoint awaits this."""
        await asyncio.to_thread(self._touch_poller, agent)
        deadline = time.monotonic() + max(0.0, wait)
        seen = _agent_counter(self.org_id, agent)
        next_check = 0.0
        while True:
            now_m = time.monotonic()
            counter = _agent_counter(self.org_id, agent)
            if counter != seen or now_m >= next_check:
                seen = counter
                next_check = now_m + POLL_INTERVAL_S
                envelope = await asyncio.to_thread(self._claim, agent)
                if envelope is not None:
                    return envelope
            if now_m >= deadline:
                return None
            await asyncio.sleep(_TICK_S)

    def next_probe(self, agent: str, wait: float) -> ProbeEnvelope | None:
        """Blocking form of :meth:`next_probe_async` (the ``ProbeTransport`` protocol)."""
        self._touch_poller(agent)
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            envelope = self._claim(agent)
            if envelope is not None or time.monotonic() >= deadline:
                return envelope
            time.sleep(min(POLL_INTERVAL_S / 5, max(0.0, deadline - time.monotonic())))

    def submit_reply(self, probe_id: str, body: Any) -> bool:
        """Store the SDK's answer; False if the probe is unknown, another org's, or expired."""
        with self.factory() as session:
            result = session.execute(
                update(ProbeDelivery)
                .where(
                    ProbeDelivery.id == probe_id,
                    ProbeDelivery.org_id == self.org_id,
                    ProbeDelivery.status.in_(("pending", "delivered")),
                    ProbeDelivery.expires_at > utcnow(),
                )
                .values(status="answered", reply=body, answered_at=utcnow())
            )
            session.commit()
        accepted = getattr(result, "rowcount", 0) == 1
        if accepted:
            _bump_reply(probe_id)
        return accepted
