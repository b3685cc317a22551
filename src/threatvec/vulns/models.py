"""Vulnerability tables: shared CVE facts, and each organisation's exposure to them.

Shared reference data (no ``org_id``; the same for every organisation):
``cves`` (one NVD record each, with the chosen CVSS and the AI verdict),
``cve_products`` (normalised product names, for stack matching and the
technology filter), ``epss_scores``, ``kev_entries``, ``osv_advisories`` +
``cve_osv_links`` and ``vuln_sync_state`` (watermarks).

Per organisation: ``tech_stack_entries``, ``cve_exposures`` (the "patch":
status, stack match, SLA clock and the priority precomputed so the default
list is an index scan) and ``cve_status_changes`` (who changed what, when).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from threatvec.core.clock import utcnow
from threatvec.store.base import Base, JSONType, OrgScoped, Timestamped, UTCDateTime, new_id

__all__ = [
    "ACTIVE_STATUSES",
    "FTS_TABLE",
    "PG_TEXT_INDEX",
    "PG_TEXT_TABLE",
    "PG_WORDS_TABLE",
    "STATUSES",
    "UNMANAGED_SCHEMA_NAMES",
    "Cve",
    "CveExposure",
    "CveOsvLink",
    "CveProduct",
    "CveStatusChange",
    "EpssRecord",
    "KevRecord",
    "OsvAdvisoryRecord",
    "StackImportJob",
    "TechStackEntry",
    "VulnSyncState",
    "VulnersRecord",
]

#: The full-text index over CVE descriptions is made by migration vulns_0002 with
#: raw DDL (an FTS5 virtual table on SQLite, a GIN expression index on
#: PostgreSQL): no ORM model can describe it, so the model/migration comparison
#: is told to skip these names (``metadata.info["unmanaged"]``, read by
#: ``store.migrate.include_name``).
#: On PostgreSQL (vulns_0005) the words live in a narrow side table
#: ``cves_tsv`` (cve_id, words tsvector) with a GIN index, kept by a trigger on
#: ``cves``: a phrase reads stored positions instead of re-parsing each
#: description, and a search reads small rows instead of whole CVE rows.
#: vulns_0006 adds ``cve_words`` (word, cve_id), one row per lexeme, whose
#: primary key answers a word's CVEs index-only (text_search.py).
FTS_TABLE = "cves_fts"
PG_TEXT_TABLE = "cves_tsv"
PG_TEXT_INDEX = "ix_cves_tsv_words"
PG_WORDS_TABLE = "cve_words"
UNMANAGED_SCHEMA_NAMES = frozenset(
    {
        FTS_TABLE,
        *(f"{FTS_TABLE}_{s}" for s in ("data", "idx", "docsize", "config")),
        PG_TEXT_TABLE,
        PG_TEXT_INDEX,
        PG_WORDS_TABLE,
        f"pk_{PG_WORDS_TABLE}",
    }
)
Base.metadata.info.setdefault("unmanaged", set()).update(UNMANAGED_SCHEMA_NAMES)

STATUSES = ("open", "investigating", "fixed", "deployed", "wont_fix")
#: Statuses whose SLA clock is running.
ACTIVE_STATUSES = ("open", "investigating")


class Cve(Base):
    """One CVE as NVD describes it, plus what ThreatVec derived from it."""

    __tablename__ = "cves"

    cve_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    published: Mapped[datetime] = mapped_column(index=True)
    last_modified: Mapped[datetime] = mapped_column(index=True)
    vuln_status: Mapped[str] = mapped_column(String(40))
    source_identifier: Mapped[str | None] = mapped_column(String(200), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    cvss_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    cvss_version: Mapped[str | None] = mapped_column(String(8), nullable=True)
    cvss_vector: Mapped[str | None] = mapped_column(String(300), nullable=True)
    cvss_source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cvss_reason: Mapped[str] = mapped_column(Text, default="")
    cvss_disagreement: Mapped[bool] = mapped_column(Boolean, default=False)
    severity: Mapped[str | None] = mapped_column(String(10), nullable=True)
    metrics: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    cwes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    references: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    has_cpe: Mapped[bool] = mapped_column(Boolean, default=False)
    ai_relevant: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    ai_reason: Mapped[str] = mapped_column(Text, default="")
    ai_rule: Mapped[str] = mapped_column(String(20), default="none")
    # KEV fields NVD copies into the record (the CISA catalog is kev_entries).
    nvd_kev_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    nvd_kev_added: Mapped[date | None] = mapped_column(Date, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    raw: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CveProduct(Base):
    """A normalised product name a CVE affects (from CPEs and OSV packages)."""

    __tablename__ = "cve_products"

    cve_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("cves.cve_id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)


class EpssRecord(Base):
    """FIRST EPSS score of one CVE (kept even before the CVE itself arrives)."""

    __tablename__ = "epss_scores"

    cve_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    epss: Mapped[float] = mapped_column(Float)
    percentile: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    score_date: Mapped[date | None] = mapped_column(Date, nullable=True)


class KevRecord(Base):
    """One CISA KEV catalog entry."""

    __tablename__ = "kev_entries"

    cve_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    vendor_project: Mapped[str] = mapped_column(String(200))
    product: Mapped[str] = mapped_column(String(200))
    vulnerability_name: Mapped[str] = mapped_column(String(500))
    date_added: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    required_action: Mapped[str] = mapped_column(Text)
    short_description: Mapped[str] = mapped_column(Text)
    known_ransomware_use: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    catalog_version: Mapped[str] = mapped_column(String(40), default="")


class OsvAdvisoryRecord(Base):
    """An OSV advisory: exact affected package ranges for the CVEs it aliases."""

    __tablename__ = "osv_advisories"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    modified: Mapped[datetime | None] = mapped_column(nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    cve_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    packages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # [{"package", "ecosystem", "events": [...], "versions": [...]}]
    ranges: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))


class CveOsvLink(Base):
    __tablename__ = "cve_osv_links"

    cve_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    advisory_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("osv_advisories.id", ondelete="CASCADE"), primary_key=True
    )


class VulnersRecord(Base):
    """What Vulners says about one CVE (only with THREATVEC_VULNERS_API_KEY set)."""

    __tablename__ = "vulners_enrichment"

    cve_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    href: Mapped[str | None] = mapped_column(String(500), nullable=True)
    cvss_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    exploited_in_wild: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    exploit_count: Mapped[int] = mapped_column(Integer, default=0)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class VulnSyncState(Base):
    """Where a source's sync stands: the committed watermark and resume point."""

    __tablename__ = "vuln_sync_state"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    watermark: Mapped[datetime | None] = mapped_column(nullable=True)
    next_start_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    full_started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TechStackEntry(OrgScoped, Timestamped, Base):
    """One technology the organisation runs."""

    __tablename__ = "tech_stack_entries"
    __table_args__ = (Index("ix_tech_stack_entries_org_name", "org_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    technology: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))  # normalised, aliases applied
    version: Mapped[str | None] = mapped_column(String(200), nullable=True)
    vendor: Mapped[str | None] = mapped_column(String(200), nullable=True)
    asset_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="csv")
    purl: Mapped[str | None] = mapped_column(String(500), nullable=True)


class CveExposure(OrgScoped, Base):
    """One organisation's view of one CVE: the patch to track.

    The sort keys are stored non-null (``cvss_sort``/``epss_sort`` are -1
    when missing) so keyset pagination on (key, id) never meets a NULL.
    """

    __tablename__ = "cve_exposures"
    __table_args__ = (
        UniqueConstraint("org_id", "cve_id"),
        # cve_id rides along in the priority indexes: a filter probing by CVE id
        # (technology, text) is checked from the index entry, and the table row
        # is read only for the rows that pass (SQLite's deferred seek).
        Index("ix_cve_exposures_rel_priority", "org_id", "relevant", "priority", "id", "cve_id"),
        Index("ix_cve_exposures_priority", "org_id", "priority", "id", "cve_id"),
        Index("ix_cve_exposures_rel_due", "org_id", "relevant", "due_at", "id"),
        Index("ix_cve_exposures_rel_published", "org_id", "relevant", "published", "id"),
        Index("ix_cve_exposures_rel_cvss", "org_id", "relevant", "cvss_sort", "id"),
        Index("ix_cve_exposures_rel_epss", "org_id", "relevant", "epss_sort", "id"),
        Index("ix_cve_exposures_stack_priority", "org_id", "in_stack", "priority", "id", "cve_id"),
        # The other way round: a text search that starts from the full-text
        # matches probes (org, CVE) and finds the sort key in the same entry.
        Index("ix_cve_exposures_cve_rank", "org_id", "cve_id", "relevant", "priority", "id"),
        # scope=all lists sorted by something else than priority.
        Index("ix_cve_exposures_due", "org_id", "due_at", "id"),
        Index("ix_cve_exposures_published", "org_id", "published", "id"),
        Index("ix_cve_exposures_cvss", "org_id", "cvss_sort", "id"),
        Index("ix_cve_exposures_epss", "org_id", "epss_sort", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    cve_id: Mapped[str] = mapped_column(String(32), ForeignKey("cves.cve_id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    status_changed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    status_changed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    justification: Mapped[str | None] = mapped_column(Text, nullable=True)
    wont_fix_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    clock_stopped_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the CVE first affected the org (AI-relevant or in its stack): the SLA start.
    affected_since: Mapped[datetime] = mapped_column(default=utcnow)
    ever_relevant: Mapped[bool] = mapped_column(Boolean, default=False)
    # Denormalised from cves/epss/kev so filters and sorts need no join.
    ai_relevant: Mapped[bool] = mapped_column(Boolean, default=False)
    in_stack: Mapped[bool] = mapped_column(Boolean, default=False)
    relevant: Mapped[bool] = mapped_column(Boolean, default=False)
    severity: Mapped[str | None] = mapped_column(String(10), nullable=True)
    cvss_sort: Mapped[float] = mapped_column(Float, default=-1.0)
    epss_sort: Mapped[float] = mapped_column(Float, default=-1.0)
    kev: Mapped[bool] = mapped_column(Boolean, default=False)
    published: Mapped[datetime] = mapped_column()
    stack_level: Mapped[str] = mapped_column(String(20), default="none")
    stack_reason: Mapped[str] = mapped_column(Text, default="")
    stack_entry_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    stack_matched_on: Mapped[str | None] = mapped_column(String(500), nullable=True)
    due_at: Mapped[datetime] = mapped_column()
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    scored_on: Mapped[date] = mapped_column(Date)


class CveStatusChange(OrgScoped, Base):
    """One status change of an exposure: from, to, who, when, why."""

    __tablename__ = "cve_status_changes"
    __table_args__ = (Index("ix_cve_status_changes_exposure", "exposure_id", "changed_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    exposure_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("cve_exposures.id", ondelete="CASCADE")
    )
    cve_id: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    justification: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class StackImportJob(OrgScoped, Base):
    """A tech-stack import running in the background: its progress and, at the end, its result.

    A 10,000-row upload scores every CVE against the new stack (seconds); the API
    answers 202 with this job and the page polls it (as AgentBench runs report theirs).
    """

    __tablename__ = "tech_stack_import_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(
        String(16), default="queued"
    )  # queued running completed failed
    phase: Mapped[str] = mapped_column(String(40), default="queued")
    percent: Mapped[float] = mapped_column(Float, default=0.0)
    filename: Mapped[str | None] = mapped_column(String(200), nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200), default="api")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
