"""Debounced recompute: many changes to the data behind the posture → one recompute.

Two halves:

* a **change tracker** — SQLAlchemy session hooks that notice, at flush time,
  rows written to the tables behind a dimension (``agents``/``agent_*``,
  ``mcp_*``, ``shadow_*``, ``redteam_*``, ``assets``) and signals published by
  the domains (``agent.events``, ``mcp.scan``, ...), and, once the transaction
  commits, hand ``{org: {dimension: object ids}}`` to the `Recomputer` of that
  engine. No domain has to call the posture engine; a rolled-back transaction
  marks nothing.
* a **Recomputer** per engine — a worker thread that waits until an org has
  been quiet for ``quiet_s`` (or dirty for ``max_wait_s`` under a constant
  stream) and recomputes it once, reusing the untouched dimensions.

The server starts one per app (router lifespan); a process without one (the
CLI) leaves fresh numbers to the next read or the hourly job.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from threatvec.store.engine import session_scope

__all__ = [
    "ALL_DIMENSIONS",
    "Recomputer",
    "attach",
    "changes_of",
    "detach",
    "recomputer_for",
    "take_pending",
]

log = logging.getLogger("threatvec.posture")

ALL_DIMENSIONS: tuple[str, ...] = ("agent", "mcp", "shadow")
_INFO_KEY = "threatvec_posture_changes"
# Table name prefixes → the dimensions whose inputs they hold (first match wins).
_TABLE_DIMENSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("posture_", ()),
    ("assets", ALL_DIMENSIONS),  # approval changes agent trust, MCP and shadow risk
    ("agent", ("agent",)),
    ("mcp_", ("mcp",)),
    ("shadow_", ("shadow",)),
    ("redteam_", ("agent",)),
    ("enforcement_", ("agent",)),  # enforcement coverage is a factor of the Agent dimension
)
# Signal kind prefixes → dimensions (ingest writes its rows with Core, so the signal is the cue).
_SIGNAL_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "agent": ("agent",),
    "mcp": ("mcp",),
    "shadow": ("shadow",),
    "redteam": ("agent",),
    "enforcement": ("agent",),
    "asset": ALL_DIMENSIONS,
}
_SETTING_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "agents": ("agent",),
    "mcp": ("mcp",),
    "shadow": ("shadow",),
}

# {org_id: {dimension: set of object ids, or None = anything}}
Pending = dict[str, dict[str, set[str] | None]]


def _add(out: Pending, org_id: str, dims: Iterable[str], obj: str | None) -> None:
    org = out.setdefault(org_id, {})
    for dim in dims:
        if obj is None:
            org[dim] = None
            continue
        ids = org.setdefault(dim, set())
        if ids is not None:
            ids.add(obj)


def _table_dims(table: str) -> tuple[str, ...]:
    for prefix, dims in _TABLE_DIMENSIONS:
        if table.startswith(prefix):
            return dims
    return ()


def changes_of(objects: Iterable[Any]) -> Pending:
    """What a set of flushed ORM objects changed, by org and dimension."""
    out: Pending = {}
    for obj in objects:
        table = getattr(getattr(obj, "__table__", None), "name", "")
        org_id = getattr(obj, "org_id", None)
        if not table or not isinstance(org_id, str):
            continue
        if table == "signals":
            kind = str(getattr(obj, "kind", ""))
            dims = _SIGNAL_DIMENSIONS.get(kind.split(".", 1)[0], ())
            data = getattr(obj, "data", None) or {}
            agent_id = data.get("agent_id") if isinstance(data, dict) else None
            if dims == ("agent",) and isinstance(agent_id, str):
                _add(out, org_id, dims, agent_id)
            elif dims:
                _add(out, org_id, dims, None)
            continue
        if table == "org_settings":
            name = str(getattr(obj, "name", ""))
            dims = _SETTING_DIMENSIONS.get(name.split(".", 1)[0], ())
            if dims:
                _add(out, org_id, dims, None)
            continue
        dims = _table_dims(table)
        if not dims:
            continue
        if dims == ("agent",):
            agent_id = obj.id if table == "agents" else getattr(obj, "agent_id", None)
            _add(out, org_id, dims, agent_id if isinstance(agent_id, str) else None)
        else:
            _add(out, org_id, dims, None)
    return out


def _merge(into: Pending, more: Pending) -> None:
    for org_id, dims in more.items():
        for dim, ids in dims.items():
            if ids is None:
                _add(into, org_id, (dim,), None)
            else:
                for i in ids:
                    _add(into, org_id, (dim,), i)


# ── session hooks (installed once, for every Session) ─────────────────────


def _after_flush(session: Session, _ctx: Any) -> None:
    found = changes_of([*session.new, *session.dirty, *session.deleted])
    if found:
        _merge(session.info.setdefault(_INFO_KEY, {}), found)


def _after_commit(session: Session) -> None:
    found: Pending | None = session.info.pop(_INFO_KEY, None)
    if not found:
        return
    try:
        bind = session.get_bind()
    except Exception:  # an unbound session has no engine to recompute on
        return
    engine = bind if isinstance(bind, Engine) else getattr(bind, "engine", None)
    rec = recomputer_for(engine) if engine is not None else None
    if rec is not None:
        for org_id, dims in found.items():
            rec.mark(org_id, dims)


def _after_rollback(session: Session) -> None:
    session.info.pop(_INFO_KEY, None)


if not event.contains(Session, "after_flush", _after_flush):
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)


# ── the recomputer ────────────────────────────────────────────────────────


@dataclass(slots=True)
class _Dirty:
    first: float
    last: float
    dims: dict[str, set[str] | None] = field(default_factory=dict)


class Recomputer:
    """Collects changes per org and recomputes each org once it has been quiet."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        quiet_s: float = 2.0,
        max_wait_s: float = 10.0,
    ) -> None:
        self.factory = factory
        self.quiet_s = quiet_s
        self.max_wait_s = max_wait_s
        self.runs = 0  # recomputes done (for tests and metrics)
        self._dirty: dict[str, _Dirty] = {}
        self._cond = threading.Condition()
        self._stop = False
        self._busy = 0
        self._thread: threading.Thread | None = None

    # called from commit hooks: must be cheap and never raise
    def mark(self, org_id: str, dims: dict[str, set[str] | None]) -> None:
        now = time.monotonic()
        with self._cond:
            d = self._dirty.get(org_id)
            if d is None:
                d = self._dirty[org_id] = _Dirty(now, now)
            d.last = now
            for dim, ids in dims.items():
                if ids is None or d.dims.get(dim, set()) is None:
                    d.dims[dim] = None
                else:
                    existing = d.dims.setdefault(dim, set())
                    assert existing is not None
                    existing.update(ids)
            self._cond.notify()

    def pending(self, org_id: str) -> dict[str, frozenset[str] | None] | None:
        """The changes waiting for this org (None: nothing waits)."""
        with self._cond:
            d = self._dirty.get(org_id)
            return None if d is None else _frozen(d.dims)

    def take(self, org_id: str) -> dict[str, frozenset[str] | None] | None:
        """Claim the waiting changes of an org (a read recomputes them itself)."""
        with self._cond:
            d = self._dirty.pop(org_id, None)
            return None if d is None else _frozen(d.dims)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, name="threatvec-posture-recompute", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None

    def _due(self, now: float) -> list[tuple[str, dict[str, frozenset[str] | None]]]:
        due = [
            org_id
            for org_id, d in self._dirty.items()
            if now - d.last >= self.quiet_s or now - d.first >= self.max_wait_s
        ]
        return [(org_id, _frozen(self._dirty.pop(org_id).dims)) for org_id in due]

    def _next_wake(self, now: float) -> float | None:
        if not self._dirty:
            return None
        return max(
            0.0,
            min(
                min(d.last + self.quiet_s, d.first + self.max_wait_s) - now
                for d in self._dirty.values()
            ),
        )

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stop:
                    now = time.monotonic()
                    due = self._due(now)
                    if due:
                        self._busy += 1
                        break
                    self._cond.wait(self._next_wake(now))
                if self._stop:
                    return
            try:
                for org_id, changed in due:
                    self.recompute_now(org_id, changed)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def recompute_now(self, org_id: str, changed: dict[str, frozenset[str] | None]) -> None:
        from threatvec.posture import service

        try:
            with session_scope(self.factory) as session:
                service.recompute(session=session, org_id=org_id, trigger="change", changed=changed)
            self.runs += 1
        except Exception:  # one org's failure never stops the others
            log.exception("posture recompute failed for org %s", org_id)

    def flush(self, timeout: float = 10.0) -> None:
        """Recompute everything waiting now, in this thread (tests, shutdown)."""
        with self._cond:
            items = [(o, _frozen(d.dims)) for o, d in self._dirty.items()]
            self._dirty.clear()
        for org_id, changed in items:
            self.recompute_now(org_id, changed)
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._busy and time.monotonic() < deadline:
                self._cond.wait(0.05)


def _frozen(dims: dict[str, set[str] | None]) -> dict[str, frozenset[str] | None]:
    return {k: (None if v is None else frozenset(v)) for k, v in dims.items()}


# One recomputer per engine, shared by the apps on it (tests run two on one database).
_BY_ENGINE: dict[int, tuple[Engine, Recomputer, int]] = {}
_REG_LOCK = threading.Lock()


def recomputer_for(engine: Engine) -> Recomputer | None:
    with _REG_LOCK:
        entry = _BY_ENGINE.get(id(engine))
    return entry[1] if entry is not None and entry[0] is engine else None


def attach(factory: sessionmaker[Session], **kwargs: float) -> Recomputer:
    """The engine's recomputer, started on first attach (reference-counted)."""
    engine: Engine = factory.kw["bind"]
    with _REG_LOCK:
        entry = _BY_ENGINE.get(id(engine))
        if entry is not None and entry[0] is engine:
            _BY_ENGINE[id(engine)] = (engine, entry[1], entry[2] + 1)
            return entry[1]
        rec = Recomputer(factory, **kwargs)
        _BY_ENGINE[id(engine)] = (engine, rec, 1)
    rec.start()
    return rec


def detach(rec: Recomputer) -> None:
    """Release one reference; the last one stops the worker."""
    with _REG_LOCK:
        for key, (engine, r, refs) in list(_BY_ENGINE.items()):
            if r is rec:
                if refs > 1:
                    _BY_ENGINE[key] = (engine, r, refs - 1)
                    return
                del _BY_ENGINE[key]
                break
    rec.stop()


def take_pending(app_state: Any, org_id: str) -> dict[str, frozenset[str] | None] | None:
    """Claim an org's changes waiting in the app's recomputer (none when it has none).

    Every read that shows the posture (GET /posture, the Overview, compliance evidence,
    the Board Pack) folds them in, so none shows an older score than another.
    """
    rec: Recomputer | None = getattr(app_state, "posture_recomputer", None)
    return rec.take(org_id) if rec is not None else None
