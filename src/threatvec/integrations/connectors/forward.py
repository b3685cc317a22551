"""Pushing ThreatVec signals out, from a per-integration signal cursor.

The cursor is the id of the last signal handed to the SIEM. It moves only
after the SIEM accepted a batch (2xx), in its own commit, so a restart resumes
after the last accepted batch: nothing is lost, and nothing accepted is sent
again. (A crash in the instant between the SIEM's 2xx and our commit would
re-send that one batch; each event carries ``signal_id`` so the SIEM can drop
it with a dedup on that field.)

The cursor never passes an id that may still commit: on PostgreSQL a signal
with a lower id can commit after a higher one, so the read stops below such a
gap and the next run picks both up, in order (``signals.settled``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from threatvec.integrations.connectors.base import SyncContext
from threatvec.signals import settled
from threatvec.signals.models import Signal

__all__ = ["describe_cursor", "forward", "wanted"]


def wanted(kind: str, prefixes: Sequence[str]) -> bool:
    """Empty = every kind; otherwise an exact kind or a prefix ending in '.'."""
    if not prefixes:
        return True
    return any(kind == p or (p.endswith(".") and kind.startswith(p)) for p in prefixes)


def describe_cursor(cursor: dict[str, Any]) -> str | None:
    after = cursor.get("after_id")
    return f"signals after #{after}" if isinstance(after, int) else None


def forward(ctx: SyncContext, send: Callable[[list[Signal]], None]) -> None:
    """Send every new signal the settings select, one checkpointed batch at a time."""
    size = ctx.settings.batch_size
    after = ctx.cursor.get("after_id")
    after = after if isinstance(after, int) and after >= 0 else 0
    while True:
        if ctx.counts.pages >= ctx.max_pages:
            ctx.counts.more = True
            return
        batch = settled.list_settled(
            session=ctx.session, org_id=ctx.org_id, after_id=after, limit=size, now=ctx.now
        )
        if not batch:
            return
        chosen = [s for s in batch if wanted(s.kind, ctx.settings.kinds)]
        if chosen:
            send(chosen)
        ctx.counts.pages += 1
        ctx.counts.fetched += len(batch)
        ctx.counts.forwarded += len(chosen)
        after = batch[-1].id
        ctx.cursor["after_id"] = after
        ctx.checkpoint()
        if len(batch) < size:  # the end, or held back below an id still in flight
            return
