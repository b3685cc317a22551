"""Shadow AI: record usage events, keep per-service counters, list and act on services."""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Select, Table, bindparam, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from threatvec.alerts import service as alert_rules
from threatvec.alerts.models import AlertRule
from threatvec.assets import service as assets
from threatvec.assets.models import Asset
from threatvec.assets.schemas import AssetCreate, AssetUpdate
from threatvec.core.clock import utcnow
from threatvec.core.errors import InvalidInput, PayloadTooLarge
from threatvec.core.pagination import PageParams, SortSpec, paginate
from threatvec.core.scoped import get_scoped_or_raise, paginate_scoped
from threatvec.detect.pii import CATEGORIES
from threatvec.orgs import service as orgs
from threatvec.orgs.models import OrgSetting
from threatvec.posture.dimensions import ShadowServiceInput
from threatvec.shadow import catalog as cat
from threatvec.shadow.models import (
    ShadowAlertIntent,
    ShadowCatalogEntry,
    ShadowDaily,
    ShadowEvent,
    ShadowService,
    ShadowServiceFacet,
    ShadowServicePii,
    ShadowServiceUser,
)
from threatvec.shadow.pseudonym import OrgUserSalt, rekey
from threatvec.shadow.risk import RiskVerdict, assess_service
from threatvec.shadow.schemas import (
    MAX_BATCH_EVENTS,
    CatalogEntryCreate,
    EventBatchResult,
    RejectedEvent,
    ShadowEventIn,
    ShadowRegister,
    ShadowServiceDetail,
    ShadowServiceRead,
    TrendPoint,
    error_loc,
    parse_event_id,
)
from threatvec.signals import service as signals

__all__ = [
    "DATA_EVENT_TYPES",
    "POSTURE_WINDOW",
    "SORTS",
    "add_alert_intent",
    "add_catalog_entry",
    "catalog_items",
    "get_or_raise",
    "ingest_batch",
    "list_alert_intents",
    "list_alert_page",
    "list_page",
    "org_summary",
    "org_trend",
    "org_user_salt",
    "posture_inputs",
    "record_events",
    "refresh_risk",
    "register_service",
    "service_detail",
    "service_reads",
]

DATA_EVENT_TYPES = ("paste", "upload", "submit")
POSTURE_WINDOW = timedelta(days=30)
USER_SALT_SETTING = "shadow.user_salt"  # the extension's userIdSalt: shown to admins
USER_KEY_SETTING = "shadow.user_key"  # the HMAC key of stored pseudonyms: never leaves
_TYPE_COLUMN = {"visit": "visits", "paste": "pastes", "upload": "uploads", "submit": "submits"}
_PII_TYPE_COLUMN = {
    "paste": "pii_in_pastes",
    "upload": "pii_in_uploads",
    "submit": "pii_in_submits",
}

SORTS = SortSpec(
    columns={
        "risk": ShadowService.risk_rank,
        "last_seen": ShadowService.last_seen,
        "first_seen": ShadowService.first_seen,
        "events": ShadowService.events,
        "users": ShadowService.users,
        "pii_uploads": ShadowService.pii_uploads,
        "name": ShadowService.name,
        "domain": ShadowService.domain,
    },
    default="-risk",
)


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


# ── recording events ──────────────────────────────────────────────────────


@dataclass
class _Tally:
    """What one batch adds to one service."""

    first: datetime
    last: datetime
    types: Counter[str] = field(default_factory=Counter)
    pii_uploads: int = 0
    pii_types: Counter[str] = field(default_factory=Counter)
    pii_events: Counter[str] = field(default_factory=Counter)
    pii_occurrences: Counter[str] = field(default_factory=Counter)
    days: dict[date, list[int]] = field(default_factory=dict)
    users: dict[str, datetime] = field(default_factory=dict)
    # Microsoft 365 Copilot: (facet, value) -> interactions (ShadowServiceFacet)
    facets: Counter[tuple[str, str]] = field(default_factory=Counter)


@dataclass(frozen=True)
class RecordResult:
    accepted: int
    duplicates: int
    new_services: list[str]


def _validate(payload: Any) -> tuple[list[ShadowEventIn], list[RejectedEvent], int]:
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise InvalidInput(("body", "events"), 'the body must be {"events": [...]}')
    extra = sorted(str(k)[:40] for k in payload if k != "events")
    if extra:
        raise InvalidInput(("body",), f"unknown field(s): {', '.join(extra)}")
    raw_events = payload["events"]
    if len(raw_events) > MAX_BATCH_EVENTS:
        raise PayloadTooLarge(f"at most {MAX_BATCH_EVENTS} events per batch")
    good: list[ShadowEventIn] = []
    rejected: list[RejectedEvent] = []
    for index, raw in enumerate(raw_events):
        try:
            good.append(ShadowEventIn.model_validate(raw))
        except ValidationError as exc:
            event_id = parse_event_id(raw.get("event_id")) if isinstance(raw, dict) else None
            # loc and msg only: pydantic's `input`/`ctx` would echo the rejected value.
            errors = [{"loc": list(error_loc(e)), "msg": _message(e)} for e in exc.errors()]
            rejected.append(RejectedEvent(index=index, event_id=event_id, errors=errors[:10]))
    return good, rejected, len(raw_events)


def _message(error: Any) -> str:
    msg = str(error.get("msg", "invalid"))
    if error.get("type") == "extra_forbidden":
        return "unknown field (the event contract has no such field)"
    return msg.removeprefix("Value error, ")[:300]


def ingest_batch(*, session: Session, org_id: str, payload: Any) -> EventBatchResult:
    """Validate each event of an extension batch; keep the good ones, report the bad ones."""
    good, rejected, received = _validate(payload)
    good = _keyed(session, org_id, good)
    result = record_events(session=session, org_id=org_id, events=good, source="extension")
    return EventBatchResult(
        received=received,
        accepted=result.accepted,
        duplicates=result.duplicates,
        rejected=rejected,
        new_services=len(result.new_services),
    )


def _keyed(session: Session, org_id: str, events: list[ShadowEventIn]) -> list[ShadowEventIn]:
    """Events with the browser's user hash keyed by the org's secret (what every source stores)."""
    if not any(ev.user_hash for ev in events):
        return events  # no secret lookup for nothing
    key = org_user_salt(session=session, org_id=org_id).key
    return [
        ev.model_copy(update={"user_hash": rekey(key, ev.user_hash)}) if ev.user_hash else ev
        for ev in events
    ]


def _ensure_services(
    session: Session,
    org_id: str,
    wanted: dict[str, tuple[cat.CatalogItem | None, datetime]],
    source: str,
) -> tuple[dict[str, ShadowService], list[ShadowService]]:
    """The service rows for these domains, created when first seen (race-safe)."""

    def load() -> dict[str, ShadowService]:
        rows = session.scalars(
            select(ShadowService).where(
                ShadowService.org_id == org_id, ShadowService.domain.in_(list(wanted))
            )
        )
        return {r.domain: r for r in rows}

    existing = load()
    missing = [d for d in wanted if d not in existing]
    if not missing:
        return existing, []
    rows: list[dict[str, Any]] = []
    for domain in missing:
        item, seen = wanted[domain]
        rows.append(
            {
                "id": secrets.token_hex(16),
                "org_id": org_id,
                "domain": domain,
                "name": item.service if item else domain,
                "vendor": item.vendor if item else None,
                "category": item.category if item else "unknown",
                "kind": item.kind if item else "unknown",
                "known": item is not None,
                "source": source,
                "first_seen": seen,
                "last_seen": seen,
                "risk": "HIGH" if item is None else "MEDIUM",
                "risk_rank": 3 if item is None else 2,
                "risk_reasons": [],
                "created_at": utcnow(),
            }
        )
    table = ShadowService.__table__
    stmt = _insert(session, table).on_conflict_do_nothing(index_elements=["org_id", "domain"])
    created_ids = {r["id"] for r in rows}
    session.connection().execute(stmt, rows)
    services = load()
    created = [s for s in services.values() if s.id in created_ids]
    return services, created


def record_events(
    *, session: Session, org_id: str, events: Sequence[ShadowEventIn], source: str
) -> RecordResult:
    """Store new events once per event_id and add them to the service counters."""
    unique: dict[str, ShadowEventIn] = {}
    for ev in events:
        unique.setdefault(ev.event_id, ev)
    duplicates = len(events) - len(unique)
    if not unique:
        return RecordResult(0, duplicates, [])
    catalog = cat.load_catalog(session=session, org_id=org_id)
    keyed: list[tuple[str, ShadowEventIn]] = []
    wanted: dict[str, tuple[cat.CatalogItem | None, datetime]] = {}
    for ev in unique.values():
        item = catalog.match(ev.domain)
        domain = item.domain if item else ev.domain
        keyed.append((domain, ev))
        prev = wanted.get(domain)
        if prev is None or ev.occurred_at < prev[1]:
            wanted[domain] = (item, ev.occurred_at)
    if _unknown_rows_under(session, org_id, [d for d, (i, _) in wanted.items() if i]):
        # Stored unknown by an older built-in list that names them now: fold them in
        # first, or they stay 'unknown, unclassified' beside the service's own row.
        _reclassify(session, org_id)
    services, created = _ensure_services(session, org_id, wanted, source)

    now = utcnow()
    rows = [
        {
            "org_id": org_id,
            "event_id": ev.event_id,
            "service_id": services[domain].id,
            "domain": ev.domain,
            "event_type": ev.event_type,
            "pii_categories": list(ev.pii_categories),
            "pii_counts": dict(ev.pii_counts),
            "occurred_at": ev.occurred_at,
            "received_at": now,
            "browser": ev.browser,
            "user_hash": ev.user_hash,
            "unknown_service": ev.unknown_service,
            "source": source,
            "signals": ev.signals,
        }
        for domain, ev in keyed
    ]
    table = ShadowEvent.__table__
    stmt = (
        _insert(session, table)
        .on_conflict_do_nothing(index_elements=["org_id", "event_id"])
        .returning(table.c.event_id)
    )
    new_ids = set(session.connection().execute(stmt, rows).scalars())
    duplicates += len(unique) - len(new_ids)
    tallies: dict[str, _Tally] = {}
    for domain, ev in keyed:
        if ev.event_id not in new_ids:
            continue
        sid = services[domain].id
        t = tallies.get(sid)
        if t is None:
            t = tallies[sid] = _Tally(first=ev.occurred_at, last=ev.occurred_at)
        t.first, t.last = min(t.first, ev.occurred_at), max(t.last, ev.occurred_at)
        t.types[ev.event_type] += 1
        has_pii = bool(ev.pii_counts)
        if has_pii and ev.event_type in DATA_EVENT_TYPES:
            t.pii_uploads += 1
            t.pii_types[ev.event_type] += 1
        for category, n in ev.pii_counts.items():
            t.pii_events[category] += 1
            t.pii_occurrences[category] += n
        day = t.days.setdefault(ev.occurred_at.date(), [0, 0])
        day[0] += 1
        day[1] += int(has_pii)
        if ev.user_hash:
            t.users[ev.user_hash] = min(t.users.get(ev.user_hash, ev.occurred_at), ev.occurred_at)
        if source == "m365":
            t.facets.update(_m365_facets(ev.signals))
    _apply_tallies(session, org_id, tallies)
    # Reload what the Core UPDATE changed underneath the ORM objects.
    touched = list(
        session.scalars(
            select(ShadowService)
            .where(ShadowService.org_id == org_id, ShadowService.id.in_(list(tallies)))
            .execution_options(populate_existing=True)
        )
    )
    refresh_risk(session=session, org_id=org_id, services=touched)
    _publish(session, org_id, touched, {s.id for s in created}, tallies)
    return RecordResult(len(new_ids), duplicates, [s.id for s in created])


def _unknown_rows_under(session: Session, org_id: str, domains: list[str]) -> bool:
    """Whether the org has a service stored as unknown at one of these catalog domains or
    under one. One read of the org's unknown hosts, matched here: about 1.5 ms a batch with
    20 of them, 6.5 ms with 500 (an OR of one LIKE per domain took 12 ms for 60 domains)."""
    if not domains:
        return False
    wanted = set(domains)
    for host in session.scalars(
        select(ShadowService.domain).where(
            ShadowService.org_id == org_id, ShadowService.known.is_(False)
        )
    ):
        labels = host.split(".")
        if any(".".join(labels[k:]) in wanted for k in range(len(labels) - 1)):
            return True
    return False


def _m365_facets(signals: dict[str, Any]) -> Counter[tuple[str, str]]:
    """What one Copilot interaction adds to its service's summary facets."""
    out: Counter[tuple[str, str]] = Counter({("m365", ""): 1})
    if isinstance(signals.get("app_host"), str):
        out[("app_host", signals["app_host"])] += 1
    for kind in signals.get("resource_types", []):
        out[("resource_type", kind)] += 1
    for label in set(signals.get("sensitivity_labels", [])):
        out[("label", label)] += 1
    return out


def _new_users(session: Session, org_id: str, tallies: dict[str, _Tally]) -> Counter[str]:
    """Insert first sightings of (service, user); return how many were new per service."""
    rows = [
        {"org_id": org_id, "service_id": sid, "user_hash": h, "first_seen": seen}
        for sid, t in tallies.items()
        for h, seen in t.users.items()
    ]
    if not rows:
        return Counter()
    table = ShadowServiceUser.__table__
    stmt = (
        _insert(session, table)
        .on_conflict_do_nothing(index_elements=["service_id", "user_hash"])
        .returning(table.c.service_id)
    )
    return Counter(session.connection().execute(stmt, rows).scalars())


# One statement for every touched service (executemany): compiled once, cached.
_SVC = cast(Table, ShadowService.__table__)  # declared as a FromClause; mapped to a Table
_COUNTERS = (
    "events",
    "visits",
    "pastes",
    "uploads",
    "submits",
    "pii_uploads",
    *_PII_TYPE_COLUMN.values(),
    "users",
)
_UPDATE_COUNTERS = (
    update(_SVC)
    .where(_SVC.c.id == bindparam("b_id"), _SVC.c.org_id == bindparam("b_org"))
    .values(
        **{c: _SVC.c[c] + bindparam(f"b_{c}") for c in _COUNTERS},
        first_seen=case(
            (
                _SVC.c.first_seen > bindparam("b_first", type_=_SVC.c.first_seen.type),
                bindparam("b_first", type_=_SVC.c.first_seen.type),
            ),
            else_=_SVC.c.first_seen,
        ),
        last_seen=case(
            (
                _SVC.c.last_seen < bindparam("b_last", type_=_SVC.c.last_seen.type),
                bindparam("b_last", type_=_SVC.c.last_seen.type),
            ),
            else_=_SVC.c.last_seen,
        ),
    )
)


def _apply_tallies(session: Session, org_id: str, tallies: dict[str, _Tally]) -> None:
    if not tallies:  # every event was a duplicate
        return
    conn = session.connection()
    new_users = _new_users(session, org_id, tallies)
    params = []
    for sid, t in sorted(tallies.items()):  # a fixed order avoids deadlocks between batches
        row: dict[str, Any] = {
            "b_id": sid,
            "b_org": org_id,
            "b_events": sum(t.types.values()),
            "b_pii_uploads": t.pii_uploads,
            "b_users": new_users.get(sid, 0),
            "b_first": t.first,
            "b_last": t.last,
        }
        for event_type, column in _TYPE_COLUMN.items():
            row[f"b_{column}"] = t.types.get(event_type, 0)
        for event_type, column in _PII_TYPE_COLUMN.items():
            row[f"b_{column}"] = t.pii_types.get(event_type, 0)
        params.append(row)
    conn.execute(_UPDATE_COUNTERS, params)

    pii_rows = [
        {
            "org_id": org_id,
            "service_id": sid,
            "category": category,
            "events": n,
            "occurrences": t.pii_occurrences[category],
        }
        for sid, t in sorted(tallies.items())
        for category, n in sorted(t.pii_events.items())
    ]
    if pii_rows:
        table = ShadowServicePii.__table__
        stmt = _insert(session, table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["service_id", "category"],
            set_={
                "events": table.c.events + stmt.excluded.events,
                "occurrences": table.c.occurrences + stmt.excluded.occurrences,
            },
        )
        conn.execute(stmt, pii_rows)

    day_rows = [
        {"org_id": org_id, "service_id": sid, "day": day, "events": n, "pii_events": p}
        for sid, t in sorted(tallies.items())
        for day, (n, p) in sorted(t.days.items())
    ]
    if day_rows:
        table = ShadowDaily.__table__
        stmt = _insert(session, table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["service_id", "day"],
            set_={
                "events": table.c.events + stmt.excluded.events,
                "pii_events": table.c.pii_events + stmt.excluded.pii_events,
            },
        )
        conn.execute(stmt, day_rows)

    facet_rows = [
        {"org_id": org_id, "service_id": sid, "facet": f, "value": v, "events": n}
        for sid, t in sorted(tallies.items())
        for (f, v), n in sorted(t.facets.items())
    ]
    if facet_rows:
        table = ShadowServiceFacet.__table__
        stmt = _insert(session, table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["service_id", "facet", "value"],
            set_={"events": table.c.events + stmt.excluded.events},
        )
        conn.execute(stmt, facet_rows)


def _publish(
    session: Session,
    org_id: str,
    touched: list[ShadowService],
    created: set[str],
    tallies: dict[str, _Tally],
) -> None:
    for s in touched:
        if s.id in created and not s.registered:
            signals.publish(
                session=session,
                org_id=org_id,
                kind="shadow.new_service",
                data={
                    "service_id": s.id,
                    "domain": s.domain,
                    "name": s.name,
                    "known": s.known,
                    "risk": s.risk,
                },
            )
        t = tallies[s.id]
        if t.pii_uploads:
            signals.publish(
                session=session,
                org_id=org_id,
                kind="shadow.pii",
                data={
                    "service_id": s.id,
                    "domain": s.domain,
                    "name": s.name,
                    "events": t.pii_uploads,
                    "categories": dict(sorted(t.pii_events.items())),
                    "registered": s.registered,
                    "risk": s.risk,
                },
            )


# ── risk and registration ─────────────────────────────────────────────────


@dataclass(frozen=True)
class _Registration:
    asset_id: str
    domain: str
    approved: bool
    allowed_pii: tuple[str, ...]


def _registrations(session: Session, org_id: str) -> list[_Registration]:
    out = []
    rows = session.scalars(select(Asset).where(Asset.org_id == org_id, Asset.kind == "ai_service"))
    catalog: cat.Catalog | None = None
    for asset in rows:
        meta = asset.meta if isinstance(asset.meta, dict) else {}
        domains = meta.get("domains")
        allowed = meta.get("allowed_pii")
        allowed_t = tuple(
            c for c in (allowed if isinstance(allowed, list) else []) if c in CATEGORIES
        )
        names = [d for d in domains if isinstance(d, str)] if isinstance(domains, list) else []
        if not names:
            # Registered by hand in Settings -> Assets with only a name: the
            # name is the domain ("gemini.google.com") or a catalogued
            # service's name ("Midjourney"), which stands for its domains.
            if catalog is None:
                catalog = cat.load_catalog(session=session, org_id=org_id)
            names = _domains_named(asset.name, catalog)
        for raw in names:
            domain = cat.normalize_domain(raw)
            if domain:
                out.append(_Registration(asset.id, domain, bool(asset.approved), allowed_t))
    return out


def _domains_named(name: str, catalog: cat.Catalog) -> list[str]:
    """The domains an asset name stands for: itself when it is one, else a service's."""
    domain = cat.normalize_domain(name)
    if domain is not None and "." in domain:
        return [domain]
    wanted = " ".join(name.split()).casefold()
    return [i.domain for i in catalog.items() if i.service.casefold() == wanted]


def _registration_for(domain: str, regs: Iterable[_Registration]) -> _Registration | None:
    """The registration naming this domain or a parent; most specific, then approved, wins."""
    best: tuple[int, int, str] | None = None
    found = None
    for reg in regs:
        if domain == reg.domain or domain.endswith("." + reg.domain):
            key = (len(reg.domain), int(reg.approved), reg.asset_id)
            if best is None or key > best:
                best, found = key, reg
    return found


def _pii_by_service(
    session: Session, org_id: str, service_ids: Sequence[str] | None
) -> dict[str, dict[str, tuple[int, int]]]:
    stmt = select(
        ShadowServicePii.service_id,
        ShadowServicePii.category,
        ShadowServicePii.events,
        ShadowServicePii.occurrences,
    ).where(ShadowServicePii.org_id == org_id)
    if service_ids is not None:
        stmt = stmt.where(ShadowServicePii.service_id.in_(list(service_ids)))
    out: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for sid, category, events, occurrences in session.execute(stmt):
        out[sid][category] = (int(events), int(occurrences))
    return out


def verdict_for(
    service: ShadowService, reg: _Registration | None, pii: dict[str, tuple[int, int]]
) -> RiskVerdict:
    return assess_service(
        known=service.known,
        registered=reg is not None,
        approved=bool(reg and reg.approved),
        pii_counts={c: e for c, (e, _) in pii.items()},
        allowed_pii=reg.allowed_pii if reg else (),
    )


def refresh_risk(
    *, session: Session, org_id: str, services: Sequence[ShadowService] | None = None
) -> list[ShadowService]:
    """Recompute the verdict (and registered flags) of these services, or of all the org's."""
    if services is None:
        services = list(
            session.scalars(select(ShadowService).where(ShadowService.org_id == org_id))
        )
    if not services:
        return []
    regs = _registrations(session, org_id)
    pii = _pii_by_service(
        session, org_id, [s.id for s in services] if len(services) < 500 else None
    )
    for s in services:
        reg = _registration_for(s.domain, regs)
        v = verdict_for(s, reg, pii.get(s.id, {}))
        values = {
            "risk": v.level,
            "risk_rank": v.rank,
            "risk_reasons": list(v.reasons),
            "registered": reg is not None,
            "approved": bool(reg and reg.approved),
            "asset_id": reg.asset_id if reg else None,
        }
        for key, value in values.items():
            if getattr(s, key) != value:
                setattr(s, key, value)
    session.flush()
    return list(services)


def get_or_raise(*, session: Session, org_id: str, service_id: str) -> ShadowService:
    return get_scoped_or_raise(
        session, ShadowService, org_id, service_id, f"shadow AI service {service_id[:64]} not found"
    )


def register_service(
    *, session: Session, org_id: str, service_id: str, data: ShadowRegister
) -> ShadowService:
    """Register the service as an ai_service asset (or add its domain to one of that name).

    With no name, the asset it is registered under already (named otherwise: "Grammarly
    Business" for grammarly.com) is the one updated: a second asset named after the
    service would be a second registration, and which of the two decides is arbitrary.
    """
    s = get_or_raise(session=session, org_id=org_id, service_id=service_id)
    refresh_risk(session=session, org_id=org_id, services=[s])
    name = (data.name or s.name).strip()[:200]
    allowed = sorted(set(data.allowed_pii))
    existing = None
    if data.name is None and s.asset_id is not None:
        existing = assets.get(session=session, org_id=org_id, asset_id=s.asset_id)
    if existing is None:
        existing = assets.get_by_name(session=session, org_id=org_id, kind="ai_service", name=name)
    if existing is None:
        assets.create(
            session=session,
            org_id=org_id,
            data=AssetCreate(
                kind="ai_service",
                name=name,
                owner=data.owner,
                description=data.description or f"{s.domain} (registered from Shadow AI)",
                tags=["shadow-ai"],
                approved=data.approved,
                metadata={
                    "domains": [s.domain],
                    "allowed_pii": allowed,
                    "vendor": s.vendor,
                    "category": s.category,
                    "source": "shadow",
                },
            ),
        )
    else:
        meta = dict(existing.meta or {})
        domains = [d for d in meta.get("domains", []) if isinstance(d, str)]
        if not domains:  # it stood for its name's domains: they stay registered
            catalog = cat.load_catalog(session=session, org_id=org_id)
            domains = _domains_named(existing.name, catalog)
        if s.domain not in domains:
            domains.append(s.domain)
        meta["domains"] = domains
        meta["allowed_pii"] = allowed
        fields: dict[str, Any] = {"approved": data.approved, "metadata": meta}
        if data.owner:  # left unset otherwise, so the asset keeps its owner
            fields["owner"] = data.owner
        assets.update(
            session=session,
            org_id=org_id,
            asset_id=existing.id,
            data=AssetUpdate.model_validate(fields),
        )
    refresh_risk(session=session, org_id=org_id, services=[s])
    return s


def add_alert_intent(
    *, session: Session, org_id: str, service_id: str, trigger: str, actor: str = "api"
) -> ShadowAlertIntent:
    """Create the alert rule for this service (idempotent per trigger) and remember the ask.

    The rule (alerts engine) does the alerting; the intent row links the service to it for
    the Shadow AI list's badges. The row gets a transient ``rule_id`` for the API reply.
    """
    s = get_or_raise(session=session, org_id=org_id, service_id=service_id)
    rule = alert_rules.ensure_shadow_service_rule(
        session=session,
        org_id=org_id,
        service_id=s.id,
        domain=s.domain,
        trigger=trigger,
        actor=actor,
    )
    row = session.scalar(
        select(ShadowAlertIntent).where(
            ShadowAlertIntent.org_id == org_id,
            ShadowAlertIntent.service_id == s.id,
            ShadowAlertIntent.trigger == trigger,
        )
    )
    if row is None:
        row = ShadowAlertIntent(
            org_id=org_id, service_id=s.id, trigger=trigger, created_by=actor[:200]
        )
        session.add(row)
        session.flush()
    row.rule_id = rule.id  # type: ignore[attr-defined]
    return row


ALERT_SORTS = SortSpec(columns={"created_at": ShadowAlertIntent.created_at}, default="created_at")


def list_alert_page(
    *, session: Session, org_id: str, page: PageParams
) -> tuple[Sequence[ShadowAlertIntent], str | None]:
    return paginate_scoped(session, ShadowAlertIntent, org_id, page, ALERT_SORTS)


def list_alert_intents(*, session: Session, org_id: str) -> list[ShadowAlertIntent]:
    return list(
        session.scalars(
            select(ShadowAlertIntent)
            .where(ShadowAlertIntent.org_id == org_id)
            .order_by(ShadowAlertIntent.created_at, ShadowAlertIntent.id)
        )
    )


# ── reading ───────────────────────────────────────────────────────────────


def _filtered(
    org_id: str,
    *,
    risk: str | None,
    registered: bool | None,
    known: bool | None,
    category: str | None,
    pii: bool | None,
    q: str | None,
) -> Select[ShadowService]:
    stmt = select(ShadowService).where(ShadowService.org_id == org_id)
    if risk:
        stmt = stmt.where(ShadowService.risk == risk)
    if registered is not None:
        stmt = stmt.where(ShadowService.registered.is_(registered))
    if known is not None:
        stmt = stmt.where(ShadowService.known.is_(known))
    if category:
        stmt = stmt.where(ShadowService.category == category)
    if pii is not None:
        stmt = stmt.where(ShadowService.pii_uploads > 0 if pii else ShadowService.pii_uploads == 0)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        stmt = stmt.where(
            ShadowService.name.ilike(pattern, escape="\\")
            | ShadowService.domain.ilike(pattern, escape="\\")
        )
    return stmt


def list_page(
    *,
    session: Session,
    org_id: str,
    page: PageParams,
    risk: str | None = None,
    registered: bool | None = None,
    known: bool | None = None,
    category: str | None = None,
    pii: bool | None = None,
    q: str | None = None,
) -> tuple[Sequence[ShadowService], str | None]:
    refresh_risk(session=session, org_id=org_id)
    stmt = _filtered(
        org_id, risk=risk, registered=registered, known=known, category=category, pii=pii, q=q
    )
    return paginate(session, stmt, id_column=ShadowService.id, sort_spec=SORTS, params=page)


def _allowed_pii(
    session: Session, org_id: str, rows: Sequence[ShadowService]
) -> dict[str, list[str]]:
    """Per service id, the PII categories its registration allows (as refresh_risk decides)."""
    if not any(s.registered for s in rows):
        return {}
    regs = _registrations(session, org_id)
    out: dict[str, list[str]] = {}
    for s in rows:
        reg = _registration_for(s.domain, regs)
        if reg is not None:
            out[s.id] = sorted(reg.allowed_pii)
    return out


def _read(
    s: ShadowService,
    pii: dict[str, tuple[int, int]],
    triggers: list[str],
    allowed: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "id": s.id,
        "domain": s.domain,
        "name": s.name,
        "vendor": s.vendor,
        "category": s.category,
        "kind": s.kind,
        "known": s.known,
        "source": s.source,
        "first_seen": s.first_seen,
        "last_seen": s.last_seen,
        "events": s.events,
        "visits": s.visits,
        "pastes": s.pastes,
        "uploads": s.uploads,
        "submits": s.submits,
        "pii_uploads": s.pii_uploads,
        **{column: getattr(s, column) for column in _PII_TYPE_COLUMN.values()},
        "users": s.users,
        "pii_counts": {c: e for c, (e, _) in sorted(pii.items())},
        "risk": s.risk,
        "risk_reasons": list(s.risk_reasons or []),
        "registered": s.registered,
        "approved": s.approved,
        "marker": "" if s.registered else "!",
        "asset_id": s.asset_id,
        "allowed_pii": list(allowed or []),
        "alert_triggers": sorted(triggers),
    }


def _triggers(session: Session, org_id: str, ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for sid, trigger in session.execute(
        select(ShadowAlertIntent.service_id, ShadowAlertIntent.trigger).where(
            ShadowAlertIntent.org_id == org_id, ShadowAlertIntent.service_id.in_(ids)
        )
    ):
        out[sid].append(trigger)
    return out


def service_reads(
    *, session: Session, org_id: str, rows: Sequence[ShadowService]
) -> list[ShadowServiceRead]:
    ids = [s.id for s in rows]
    pii = _pii_by_service(session, org_id, ids)
    triggers = _triggers(session, org_id, ids)
    allowed = _allowed_pii(session, org_id, rows)
    return [
        ShadowServiceRead.model_validate(
            _read(s, pii.get(s.id, {}), triggers.get(s.id, []), allowed.get(s.id))
        )
        for s in rows
    ]


def service_detail(
    *, session: Session, org_id: str, service_id: str, days: int = 30
) -> ShadowServiceDetail:
    s = get_or_raise(session=session, org_id=org_id, service_id=service_id)
    refresh_risk(session=session, org_id=org_id, services=[s])
    pii = _pii_by_service(session, org_id, [s.id]).get(s.id, {})
    start = utcnow().date() - timedelta(days=days - 1)
    by_day = {
        d: (e, p)
        for d, e, p in session.execute(
            select(ShadowDaily.day, ShadowDaily.events, ShadowDaily.pii_events).where(
                ShadowDaily.org_id == org_id,
                ShadowDaily.service_id == s.id,
                ShadowDaily.day >= start,
            )
        )
    }
    trend = [
        TrendPoint(day=d, events=by_day.get(d, (0, 0))[0], pii_events=by_day.get(d, (0, 0))[1])
        for d in (start + timedelta(days=i) for i in range(days))
    ]
    cutoff = utcnow() - timedelta(days=days)
    browsers = {
        str(b): int(n)
        for b, n in session.execute(
            select(ShadowEvent.browser, func.count())
            .where(
                ShadowEvent.org_id == org_id,
                ShadowEvent.service_id == s.id,
                ShadowEvent.occurred_at >= cutoff,
                ShadowEvent.browser.is_not(None),
            )
            .group_by(ShadowEvent.browser)
        )
    }
    m365 = _m365_summary(session, org_id, s.id)
    allowed = _allowed_pii(session, org_id, [s]).get(s.id)
    base = _read(s, pii, _triggers(session, org_id, [s.id]).get(s.id, []), allowed)
    return ShadowServiceDetail.model_validate(
        {
            **base,
            "pii_occurrences": {c: o for c, (_, o) in sorted(pii.items())},
            "trend": trend,
            "browsers": browsers,
            "m365": m365,
        }
    )


def _m365_summary(session: Session, org_id: str, service_id: str) -> dict[str, Any]:
    """Copilot interactions of one service from its facet counters: the raw events behind
    them are pruned after THREATVEC_EVENTS_KEEP_DAYS, the counters are kept."""
    by_facet: dict[str, Counter[str]] = defaultdict(Counter)
    for facet, value, n in session.execute(
        select(ShadowServiceFacet.facet, ShadowServiceFacet.value, ShadowServiceFacet.events).where(
            ShadowServiceFacet.org_id == org_id, ShadowServiceFacet.service_id == service_id
        )
    ):
        by_facet[facet][value] += n
    interactions = by_facet["m365"][""]
    if not interactions:
        return {}
    hosts, types, labels = by_facet["app_host"], by_facet["resource_type"], by_facet["label"]
    return {
        "interactions": interactions,
        "app_hosts": _most_first(hosts),
        "resource_types": _most_first(types),
        "sensitivity_labels": len(labels),
    }


def _most_first(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass(frozen=True)
class OrgSummary:
    """The Shadow AI page's headline: every service of the org, not one page of them."""

    total: int
    by_risk: dict[str, int]
    unregistered: int
    pii_events: dict[str, int]


def org_summary(*, session: Session, org_id: str) -> OrgSummary:
    """Counts by risk, unregistered services and PII events per category (verdicts as stored:
    call ``refresh_risk`` first, as ``list_page`` does)."""
    by_risk = {
        str(risk): int(n)
        for risk, n in session.execute(
            select(ShadowService.risk, func.count())
            .where(ShadowService.org_id == org_id)
            .group_by(ShadowService.risk)
        )
    }
    unregistered = session.scalar(
        select(func.count()).where(
            ShadowService.org_id == org_id, ShadowService.registered.is_(False)
        )
    )
    pii = {
        str(c): int(n or 0)
        for c, n in session.execute(
            select(ShadowServicePii.category, func.sum(ShadowServicePii.events))
            .where(ShadowServicePii.org_id == org_id)
            .group_by(ShadowServicePii.category)
        )
    }
    return OrgSummary(sum(by_risk.values()), by_risk, int(unregistered or 0), pii)


def org_trend(*, session: Session, org_id: str, days: int = 14) -> list[TrendPoint]:
    """Events and PII events per day over all services (for the page's chart)."""
    start = utcnow().date() - timedelta(days=days - 1)
    by_day = {
        d: (int(e or 0), int(p or 0))
        for d, e, p in session.execute(
            select(ShadowDaily.day, func.sum(ShadowDaily.events), func.sum(ShadowDaily.pii_events))
            .where(ShadowDaily.org_id == org_id, ShadowDaily.day >= start)
            .group_by(ShadowDaily.day)
        )
    }
    return [
        TrendPoint(day=d, events=by_day.get(d, (0, 0))[0], pii_events=by_day.get(d, (0, 0))[1])
        for d in (start + timedelta(days=i) for i in range(days))
    ]


def posture_inputs(
    *, session: Session, org_id: str, now: datetime, window: timedelta = POSTURE_WINDOW
) -> list[ShadowServiceInput] | None:
    """Services in recent use as posture inputs; None when the org has no shadow telemetry."""
    if (
        session.scalar(select(ShadowService.id).where(ShadowService.org_id == org_id).limit(1))
        is None
    ):
        return None
    rows = list(
        session.scalars(
            select(ShadowService).where(
                ShadowService.org_id == org_id, ShadowService.last_seen >= now - window
            )
        )
    )
    refresh_risk(session=session, org_id=org_id, services=rows)
    pii = _pii_by_service(session, org_id, [s.id for s in rows])
    regs = _registrations(session, org_id)
    out = []
    for s in rows:
        v = verdict_for(s, _registration_for(s.domain, regs), pii.get(s.id, {}))
        # A registered, approved service that received PII its registration does not
        # allow stays "registered" but carries those categories: the posture scores it
        # HIGH and its reason says what is true (not "unregistered").
        out.append(
            ShadowServiceInput(
                service_id=s.id,
                name=s.name,
                registered=s.registered and s.approved,
                known=s.known,
                pii_uploads=s.pii_uploads,
                pii_in_pastes=s.pii_in_pastes,
                pii_in_uploads=s.pii_in_uploads,
                pii_in_submits=s.pii_in_submits,
                events=s.events,
                users=s.users,
                disallowed_pii=tuple(v.disallowed_pii) if s.registered and s.approved else (),
                approval_pending=s.registered and not s.approved,
            )
        )
    return out


# ── catalog ───────────────────────────────────────────────────────────────


def catalog_items(*, session: Session, org_id: str) -> list[cat.CatalogItem]:
    return cat.load_catalog(session=session, org_id=org_id).items()


def _upsert_entry(session: Session, org_id: str, item: cat.CatalogItem) -> bool:
    row = session.scalar(
        select(ShadowCatalogEntry).where(
            ShadowCatalogEntry.org_id == org_id, ShadowCatalogEntry.domain == item.domain
        )
    )
    created = row is None
    if row is None:
        row = ShadowCatalogEntry(org_id=org_id, domain=item.domain)
        session.add(row)
    row.service, row.vendor, row.category, row.kind = (
        item.service,
        item.vendor,
        item.category,
        item.kind,
    )
    return created


def _reclassify(session: Session, org_id: str) -> None:
    """Services first seen as unknown become known once the org's catalog names them.

    An unknown service is kept per host (``app.foo.dev``, ``chat.foo.dev``), but a
    catalogued one under its catalog domain (``foo.dev``), which is where later events
    of those hosts are counted. So the hosts the new entry covers are folded into one
    service row for that domain; otherwise the service would show (and be scored)
    once per host and once more for everything that arrives after the classification.
    """
    catalog = cat.load_catalog(session=session, org_id=org_id)
    groups: dict[str, list[ShadowService]] = defaultdict(list)
    items: dict[str, cat.CatalogItem] = {}
    for s in session.scalars(
        select(ShadowService)
        .where(ShadowService.org_id == org_id, ShadowService.known.is_(False))
        .order_by(ShadowService.first_seen, ShadowService.id)
        .execution_options(populate_existing=True)
    ):
        item = catalog.match(s.domain)
        if item is not None:
            groups[item.domain].append(s)
            items[item.domain] = item
    if groups:
        existing = {
            s.domain: s
            for s in session.scalars(
                select(ShadowService)
                .where(ShadowService.org_id == org_id, ShadowService.domain.in_(list(groups)))
                .execution_options(populate_existing=True)
            )
        }
    for domain, rows in groups.items():
        target = existing.get(domain) or rows[0]
        target.domain = domain
        _describe(target, items[domain])
        session.flush()
        for s in rows:
            if s is not target:
                _fold_into(session, org_id, s, target)
    _redescribe_known(session, org_id, catalog)
    session.flush()
    refresh_risk(session=session, org_id=org_id)


def _describe(s: ShadowService, item: cat.CatalogItem) -> None:
    """Name, vendor, category and kind as the catalog entry says (only what changed)."""
    values = {
        "known": True,
        "name": item.service,
        "vendor": item.vendor,
        "category": item.category,
        "kind": item.kind,
    }
    for key, value in values.items():
        if getattr(s, key) != value:
            setattr(s, key, value)


def _redescribe_known(session: Session, org_id: str, catalog: cat.Catalog) -> None:
    """Known services take their entry's current description: an org entry replacing the
    built-in one ('Gemini for Workspace', enterprise) applies to a service seen before."""
    for s in session.scalars(
        select(ShadowService).where(ShadowService.org_id == org_id, ShadowService.known.is_(True))
    ):
        item = catalog.match(s.domain)
        if item is not None and item.domain == s.domain:
            _describe(s, item)


# Users are not added up: they are recounted from the folded service's rows.
_FOLDED_COUNTERS = tuple(c for c in _COUNTERS if c != "users")


def _fold_into(session: Session, org_id: str, src: ShadowService, dst: ShadowService) -> None:
    """Move one service row's events, rollups, users and alert asks onto another, then drop it."""
    conn = session.connection()
    for column in _FOLDED_COUNTERS:
        setattr(dst, column, getattr(dst, column) + getattr(src, column))
    dst.first_seen = min(dst.first_seen, src.first_seen)
    dst.last_seen = max(dst.last_seen, src.last_seen)
    session.flush()
    conn.execute(
        update(ShadowEvent)
        .where(ShadowEvent.org_id == org_id, ShadowEvent.service_id == src.id)
        .values(service_id=dst.id)
    )
    _fold_rollup(session, org_id, ShadowServicePii, "category", ("events", "occurrences"), src, dst)
    _fold_rollup(session, org_id, ShadowDaily, "day", ("events", "pii_events"), src, dst)
    _fold_rollup(session, org_id, ShadowServiceFacet, ("facet", "value"), ("events",), src, dst)
    _fold_users(session, org_id, src, dst)
    _fold_alert_asks(session, org_id, src, dst)
    session.delete(src)
    session.flush()


def _fold_rollup(
    session: Session,
    org_id: str,
    model: Any,
    key: str | tuple[str, ...],
    sums: tuple[str, ...],
    src: ShadowService,
    dst: ShadowService,
) -> None:
    table = model.__table__
    keys = (key,) if isinstance(key, str) else key
    mine = (table.c.org_id == org_id, table.c.service_id == src.id)
    conn = session.connection()
    rows = [
        {
            "org_id": org_id,
            "service_id": dst.id,
            **{k: r[k] for k in keys},
            **{c: r[c] for c in sums},
        }
        for r in conn.execute(select(table).where(*mine)).mappings()
    ]
    if not rows:
        return
    stmt = _insert(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["service_id", *keys],
        set_={c: table.c[c] + stmt.excluded[c] for c in sums},
    )
    conn.execute(stmt, rows)
    conn.execute(table.delete().where(*mine))


def _fold_users(session: Session, org_id: str, src: ShadowService, dst: ShadowService) -> None:
    table = ShadowServiceUser.__table__
    mine = (table.c.org_id == org_id, table.c.service_id == src.id)
    conn = session.connection()
    rows = [
        {"org_id": org_id, "service_id": dst.id, "user_hash": h, "first_seen": seen}
        for h, seen in conn.execute(select(table.c.user_hash, table.c.first_seen).where(*mine))
    ]
    if rows:
        stmt = _insert(session, table).on_conflict_do_nothing(
            index_elements=["service_id", "user_hash"]
        )
        conn.execute(stmt, rows)
    conn.execute(delete(ShadowServiceUser).where(*mine))
    dst.users = int(
        conn.execute(
            select(func.count()).where(table.c.org_id == org_id, table.c.service_id == dst.id)
        ).scalar_one()
    )


def _fold_alert_asks(session: Session, org_id: str, src: ShadowService, dst: ShadowService) -> None:
    """The alert buttons pressed on the folded row now mean the service it became part of."""
    have = set(
        session.scalars(
            select(ShadowAlertIntent.trigger).where(
                ShadowAlertIntent.org_id == org_id, ShadowAlertIntent.service_id == dst.id
            )
        )
    )
    for intent in session.scalars(
        select(ShadowAlertIntent).where(
            ShadowAlertIntent.org_id == org_id, ShadowAlertIntent.service_id == src.id
        )
    ):
        if intent.trigger in have:
            session.delete(intent)
        else:
            intent.service_id = dst.id
            have.add(intent.trigger)
    # A "PII sent to this service" rule names the service id; keep it firing.
    for rule in session.scalars(
        select(AlertRule).where(AlertRule.org_id == org_id, AlertRule.trigger == "pii_spike")
    ):
        cond = dict(rule.condition or {})
        ids = cond.get("service_ids")
        if isinstance(ids, list) and src.id in ids:
            cond["service_ids"] = list(dict.fromkeys(dst.id if i == src.id else i for i in ids))
            rule.condition = cond
    session.flush()


def add_catalog_entry(
    *, session: Session, org_id: str, data: CatalogEntryCreate
) -> tuple[cat.CatalogItem, bool]:
    item = cat.CatalogItem(data.domain, data.service, data.vendor, data.category, data.kind, "org")
    created = _upsert_entry(session, org_id, item)
    session.flush()
    _reclassify(session, org_id)
    return item, created


def import_catalog_csv(*, session: Session, org_id: str, text: str) -> tuple[int, int]:
    """Add or update the org's catalog entries from CSV; (added, updated)."""
    items = cat.parse_csv(text)
    added = updated = 0
    for item in {i.domain: i for i in items}.values():
        if _upsert_entry(session, org_id, item):
            added += 1
        else:
            updated += 1
        session.flush()
    _reclassify(session, org_id)
    return added, updated


def org_user_salt(*, session: Session, org_id: str) -> OrgUserSalt:
    """The org's pseudonym secrets (each created on first use).

    The salt goes into the extension's policy; the key never leaves the server.
    """
    return OrgUserSalt(
        salt=_org_secret(session, org_id, USER_SALT_SETTING, 16),
        key=_org_secret(session, org_id, USER_KEY_SETTING, 32),
    )


def _org_secret(session: Session, org_id: str, name: str, size: int) -> str:
    value = orgs.get_setting(session=session, org_id=org_id, name=name)
    if isinstance(value, str) and len(value) >= 16:
        return value
    # Two first batches at once must not pick two keys (one person, two ids): the first
    # insert wins, the other reads it back.
    row = {"org_id": org_id, "name": name, "value": secrets.token_hex(size), "updated_by": "shadow"}
    stmt = _insert(session, OrgSetting.__table__).on_conflict_do_nothing(
        index_elements=["org_id", "name"]
    )
    session.connection().execute(stmt, [row])
    value = orgs.get_setting(session=session, org_id=org_id, name=name)
    if not isinstance(value, str) or len(value) < 16:  # a broken value an admin stored
        value = row["value"]
        orgs.put_setting(session=session, org_id=org_id, name=name, value=value, by="shadow")
    return value
