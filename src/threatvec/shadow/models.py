"""Shadow AI tables: discovered services, their usage events and the rollups pages read.

Nothing here can hold a PII value, page text, a URL path or a file name: the
columns are a bare host name, fixed vocabularies (event type, PII category),
counts, times, a salted user hash and a small, whitelisted ``signals`` object
(see ``schemas.SIGNAL_SPEC``). Events are stored once per (org, event_id), so a
retried batch is safe; the counters are incremented from the events actually
inserted, in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from threatvec.core.clock import utcnow
from threatvec.store.base import Base, JSONType, OrgScoped, UTCDateTime, new_id

__all__ = [
    "ShadowAlertIntent",
    "ShadowCatalogEntry",
    "ShadowDaily",
    "ShadowEvent",
    "ShadowService",
    "ShadowServiceFacet",
    "ShadowServicePii",
    "ShadowServiceUser",
]

_BIGINT = BigInteger().with_variant(Integer, "sqlite")


class ShadowService(OrgScoped, Base):
    """One AI service (catalog domain, or the host of an unknown one) seen in one org."""

    __tablename__ = "shadow_services"
    __table_args__ = (
        UniqueConstraint("org_id", "domain"),
        Index("ix_shadow_services_org_last_seen", "org_id", "last_seen"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    domain: Mapped[str] = mapped_column(String(253))
    name: Mapped[str] = mapped_column(String(200))
    vendor: Mapped[str | None] = mapped_column(String(200), nullable=True)
    category: Mapped[str] = mapped_column(String(40), default="unknown")
    # consumer | enterprise | unknown
    kind: Mapped[str] = mapped_column(String(20), default="unknown")
    known: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20), default="extension")
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    events: Mapped[int] = mapped_column(Integer, default=0)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    pastes: Mapped[int] = mapped_column(Integer, default=0)
    uploads: Mapped[int] = mapped_column(Integer, default=0)
    submits: Mapped[int] = mapped_column(Integer, default=0)
    # events that sent data (paste, upload, submit) in which PII categories were seen
    pii_uploads: Mapped[int] = mapped_column(Integer, default=0)
    # the same split by event type, so a reason can say "pasted" or "uploaded" truly
    pii_in_pastes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pii_in_uploads: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pii_in_submits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    users: Mapped[int] = mapped_column(Integer, default=0)
    # The verdict as last computed (risk.assess_service); refreshed before every read
    # so a registration made through the assets API is reflected.
    risk: Mapped[str] = mapped_column(String(8), default="MEDIUM")
    risk_rank: Mapped[int] = mapped_column(Integer, default=2)
    risk_reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    registered: Mapped[bool] = mapped_column(Boolean, default=False)
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    asset_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ShadowEvent(OrgScoped, Base):
    """One usage event as received (extension) or derived (Microsoft 365 Copilot audit)."""

    __tablename__ = "shadow_events"
    __table_args__ = (
        UniqueConstraint("org_id", "event_id"),
        Index("ix_shadow_events_org_occurred", "org_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))
    service_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("shadow_services.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(253))
    event_type: Mapped[str] = mapped_column(String(10))
    pii_categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    pii_counts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    browser: Mapped[str | None] = mapped_column(String(24), nullable=True)
    user_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    unknown_service: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20), default="extension")
    signals: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class ShadowServicePii(OrgScoped, Base):
    """PII seen per service and category: events carrying it and occurrences counted."""

    __tablename__ = "shadow_service_pii"
    __table_args__ = (UniqueConstraint("service_id", "category"),)

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("shadow_services.id", ondelete="CASCADE")
    )
    category: Mapped[str] = mapped_column(String(20))
    events: Mapped[int] = mapped_column(Integer, default=0)
    occurrences: Mapped[int] = mapped_column(Integer, default=0)


class ShadowServiceUser(OrgScoped, Base):
    """A pseudonymous user (shadow.pseudonym) seen on a service; rows count distinct users."""

    __tablename__ = "shadow_service_users"
    __table_args__ = (UniqueConstraint("service_id", "user_hash"),)

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("shadow_services.id", ondelete="CASCADE")
    )
    user_hash: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())


class ShadowDaily(OrgScoped, Base):
    """Events per service and UTC day, for trends without scanning events."""

    __tablename__ = "shadow_daily"
    __table_args__ = (
        UniqueConstraint("service_id", "day"),
        Index("ix_shadow_daily_org_day", "org_id", "day"),
    )

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("shadow_services.id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column(Date)
    events: Mapped[int] = mapped_column(Integer, default=0)
    pii_events: Mapped[int] = mapped_column(Integer, default=0)


class ShadowServiceFacet(OrgScoped, Base):
    """Microsoft 365 Copilot interactions per service and facet value, counted as imported.

    ``facet`` is ``m365`` (value ``""``: all interactions), ``app_host``,
    ``resource_type`` or ``label`` (a sensitivity label id). The service detail's
    Copilot summary reads these, not the raw events, which retention prunes.
    """

    __tablename__ = "shadow_service_facets"
    __table_args__ = (UniqueConstraint("service_id", "facet", "value"),)

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("shadow_services.id", ondelete="CASCADE")
    )
    facet: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(64))
    events: Mapped[int] = mapped_column(Integer, default=0)


class ShadowCatalogEntry(OrgScoped, Base):
    """An org's own catalog entry; it wins over the built-in entry for the same domain."""

    __tablename__ = "shadow_catalog_entries"
    __table_args__ = (UniqueConstraint("org_id", "domain"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    domain: Mapped[str] = mapped_column(String(253))
    service: Mapped[str] = mapped_column(String(120))
    vendor: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ShadowAlertIntent(OrgScoped, Base):
    """An alert rule asked for from the Shadow AI list, kept until an alerts engine consumes it.

    ``trigger`` is ``pii`` (alert on PII sent to the service) or ``any_use``.
    The ``shadow.pii`` / ``shadow.new_service`` signals carry the service id
    these intents refer to.
    """

    __tablename__ = "shadow_alert_intents"
    __table_args__ = (UniqueConstraint("service_id", "trigger"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("shadow_services.id", ondelete="CASCADE")
    )
    trigger: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(200), default="api")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
