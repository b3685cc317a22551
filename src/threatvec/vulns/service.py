"""Patches: an organisation's CVEs with priority, SLA and status — list, read, change, count.

A "patch" is one ``cve_exposures`` row (see exposures.py). Lists default to
the CVEs that matter to the org — AI-relevant or matched to its tech stack —
and ``scope="all"`` shows every CVE kept. Status workflow::

    open → investigating → fixed → deployed
      └──────────┴──→ wont_fix (justification; optional expiry reopens it)

Every change is recorded with who and when; fixed, deployed and wont_fix
stop the SLA clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import InstrumentedAttribute, Session, defer

from threatvec.core.clock import utcnow
from threatvec.core.errors import Conflict, InvalidInput, NotFound
from threatvec.core.pagination import MAX_LIMIT, PageParams, SortSpec, paginate
from threatvec.core.pagination import _decode as decode_cursor
from threatvec.vulns.exposures import ScoreInputs, kev_due_of, priority_of, refresh_exposures
from threatvec.vulns.models import (
    ACTIVE_STATUSES,
    Cve,
    CveExposure,
    CveOsvLink,
    CveProduct,
    CveStatusChange,
    EpssRecord,
    KevRecord,
    OsvAdvisoryRecord,
    TechStackEntry,
)
from threatvec.vulns.priority import compute_sla
from threatvec.vulns.schemas import (
    CveFactsRead,
    CvssRead,
    EpssRead,
    KevRead,
    OsvRead,
    PatchDetail,
    PatchRead,
    PatchStats,
    PatchStatusUpdate,
    PriorityComponentRead,
    SlaRead,
    StackMatchRead,
    StatusChangeRead,
)
from threatvec.vulns.stack import normalize_name
from threatvec.vulns.text_search import (
    TextPlan,
    count_matches,
    parse_text_query,
    rank_words,
    text_condition,
)

__all__ = [
    "SORTS",
    "TRANSITIONS",
    "PatchFilters",
    "count",
    "cve_facts",
    "get_detail",
    "get_exposure_or_raise",
    "in_stack_ai_cves",
    "list_page",
    "read_many",
    "record_status_change",
    "reopen_expired",
    "stats",
    "update_status",
]

SORTS = SortSpec(
    columns={
        "priority": CveExposure.priority,
        "cvss": CveExposure.cvss_sort,
        "epss": CveExposure.epss_sort,
        "published": CveExposure.published,
        "due": CveExposure.due_at,
    },
    default="-priority",
)

TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"investigating", "fixed", "wont_fix"}),
    "investigating": frozenset({"open", "fixed", "wont_fix"}),
    "fixed": frozenset({"deployed", "investigating", "open"}),
    "deployed": frozenset({"open"}),
    "wont_fix": frozenset({"open", "investigating", "wont_fix"}),
}
_STOPPED = ("fixed", "deployed", "wont_fix")
_CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,19}$", re.I)


@dataclass(frozen=True)
class PatchFilters:
    severity: Sequence[str] = ()
    status: Sequence[str] = ()
    scope: str = "relevant"  # relevant (AI or in stack) | all
    ai_only: bool = False
    stack_only: bool = False
    kev: bool | None = None
    overdue: bool | None = None
    technology: str | None = None
    text: str | None = None
    published_since: datetime | None = None
    cve_ids: Sequence[str] = field(default=())


def _today() -> date:
    return utcnow().date()


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


#: Above this many CVEs for one product, walking the sort index and probing
#: cve_products beats collecting the product's CVEs and sorting them.
_DENSE_PRODUCT = 2000


def _dense(session: Session, f: PatchFilters) -> bool:
    if not f.technology:
        return False
    n = session.scalar(
        select(func.count()).select_from(
            select(CveProduct.cve_id)
            .where(CveProduct.name == normalize_name(f.technology))
            .limit(_DENSE_PRODUCT + 1)
            .subquery()
        )
    )
    return int(n or 0) > _DENSE_PRODUCT


def _filtered(
    session: Session,
    org_id: str,
    f: PatchFilters,
    *,
    text_plan: TextPlan = "probe",
    rarest_first: Sequence[str] = (),
) -> Select[CveExposure]:
    dense = _dense(session, f)
    stmt = select(CveExposure).where(CveExposure.org_id == org_id)
    if f.scope != "all" or f.ai_only or f.stack_only:
        # AI-relevant and in-stack rows are both "relevant": keeping the condition lets
        # the (org_id, relevant, sort key) indexes serve those lists too.
        stmt = stmt.where(CveExposure.relevant.is_(True))
    if f.ai_only:
        stmt = stmt.where(CveExposure.ai_relevant.is_(True))
    if f.stack_only:
        stmt = stmt.where(CveExposure.in_stack.is_(True))
    if f.severity:
        wanted = [s.upper() for s in f.severity]
        cond: ColumnElement[bool] = CveExposure.severity.in_(wanted)
        if "NONE" in wanted:
            # An unscored CVE has no severity (NULL); stats() counts it as NONE.
            cond = or_(cond, CveExposure.severity.is_(None))
        stmt = stmt.where(cond)
    if f.status:
        stmt = stmt.where(CveExposure.status.in_(list(f.status)))
    if f.kev is not None:
        stmt = stmt.where(CveExposure.kev.is_(f.kev))
    if f.overdue is not None:
        late = CveExposure.status.in_(ACTIVE_STATUSES) & (CveExposure.due_at < _day_start(_today()))
        stmt = stmt.where(late if f.overdue else ~late)
    if f.technology:
        name = normalize_name(f.technology)
        if dense:
            stmt = stmt.where(
                exists().where(CveProduct.cve_id == CveExposure.cve_id, CveProduct.name == name)
            )
        else:
            stmt = stmt.where(
                CveExposure.cve_id.in_(select(CveProduct.cve_id).where(CveProduct.name == name))
            )
    if f.text:
        # Full-text index (text_search.py): words, "phrases", prefix*, CVE ids.
        stmt = stmt.where(
            text_condition(
                session,
                parse_text_query(f.text),
                CveExposure.cve_id,
                outer_table=CveExposure.__tablename__,
                plan=text_plan,
                rarest_first=rarest_first,
            )
        )
    if f.published_since is not None:
        stmt = stmt.where(CveExposure.published >= f.published_since)
    if f.cve_ids:
        stmt = stmt.where(CveExposure.cve_id.in_(list(f.cve_ids)))
    return stmt


def count(*, session: Session, org_id: str, filters: PatchFilters) -> int:
    sub = _filtered(session, org_id, filters).with_only_columns(CveExposure.id).subquery()
    return int(session.scalar(select(func.count()).select_from(sub)) or 0)


def _summary(description: str) -> str:
    first = description.split(". ", 1)[0].strip()
    return first if len(first) <= 300 else first[:297] + "..."


def read_many(
    session: Session, exposures: Sequence[CveExposure], *, today: date | None = None
) -> list[PatchRead]:
    """PatchRead for each exposure (shared facts loaded in three queries)."""
    if not exposures:
        return []
    ids = [x.cve_id for x in exposures]
    # The raw NVD JSON is not needed for a list row (and is the bulk of a CVE row).
    cves = {
        c.cve_id: c
        for c in session.scalars(
            select(Cve)
            .options(defer(Cve.raw), defer(Cve.metrics), defer(Cve.references))
            .where(Cve.cve_id.in_(ids))
        )
    }
    epss = {
        e.cve_id: e for e in session.scalars(select(EpssRecord).where(EpssRecord.cve_id.in_(ids)))
    }
    kevs = {
        k.cve_id: k for k in session.scalars(select(KevRecord).where(KevRecord.cve_id.in_(ids)))
    }
    entry_ids = {x.stack_entry_id for x in exposures if x.stack_entry_id}
    entries = (
        {
            e.id: e
            for e in session.scalars(select(TechStackEntry).where(TechStackEntry.id.in_(entry_ids)))
        }
        if entry_ids
        else {}
    )
    now = today or _today()
    out = []
    for x in exposures:
        cve = cves[x.cve_id]
        e = epss.get(x.cve_id)
        kev_due = kev_due_of(cve, kevs.get(x.cve_id))
        inputs = ScoreInputs(
            cve.cvss_score,
            cve.severity,
            e.epss if e else None,
            e.percentile if e else None,
            kev_due,
            cve.published,
        )
        pr = priority_of(x, inputs)
        stopped = x.clock_stopped_on
        live_day = stopped if stopped is not None else now
        scored_day = min(x.scored_on, stopped) if stopped is not None else x.scored_on
        sla = pr.sla
        if live_day != scored_day:
            # Scored on another day: the SLA (overdue, days left) is judged on today.
            sla = compute_sla(
                severity=cve.severity,
                first_affected=x.affected_since,
                today=live_day,
                kev_due=kev_due,
            )
        entry = entries.get(x.stack_entry_id or "")
        out.append(
            PatchRead(
                id=x.id,
                cve_id=x.cve_id,
                summary=_summary(cve.description),
                status=x.status,  # type: ignore[arg-type]
                severity=cve.severity,
                cvss_score=cve.cvss_score,
                cvss_version=cve.cvss_version,
                epss=e.epss if e else None,
                epss_percentile=e.percentile if e else None,
                kev=kev_due is not None,
                kev_due=kev_due,
                ai_relevant=cve.ai_relevant,
                ai_reason=cve.ai_reason,
                in_stack=x.in_stack,
                stack=StackMatchRead(
                    level=x.stack_level,  # type: ignore[arg-type]
                    reason=x.stack_reason,
                    entry_id=entry.id if entry else None,
                    technology=entry.technology if entry else None,
                    version=entry.version if entry else None,
                    matched_on=x.stack_matched_on,
                ),
                published=x.published,
                priority=pr.score,
                components=[PriorityComponentRead(**c.to_dict()) for c in pr.components],  # type: ignore[arg-type]
                sla=SlaRead(
                    severity=sla.severity,
                    window_days=sla.window_days,
                    starts=sla.starts,
                    due=sla.due,
                    basis=sla.basis,  # type: ignore[arg-type]
                    overdue=sla.overdue,
                    days_open=sla.days_open,
                    days_remaining=sla.days_remaining,
                    clock_stopped=stopped is not None,
                    reason=sla.reason
                    + (
                        f"; clock stopped {stopped.isoformat()} ({x.status})"
                        if stopped is not None
                        else ""
                    ),
                ),
                scored_on=x.scored_on,
                status_changed_at=x.status_changed_at,
                status_changed_by=x.status_changed_by,
                justification=x.justification,
                wont_fix_until=x.wont_fix_until,
            )
        )
    return out


#: How many rows, in the list's order, a text search checks against the
#: full-text matches before it starts from the matches instead (issue #5).
_WALK_BUDGET = 2000
#: On SQLite, above this many full-text matches a text search walks the
#: list's order with no budget (measured on 300,000 CVEs: text=remote code
#: execution, 27,273 matches, 43 ms walking vs 60 ms from the matches).
_SQLITE_WALK_MATCHES = 20_000
#: On PostgreSQL, up to this many matches a text search starts from them;
#: above it, it hashes them and walks the order.
_PG_DRIVE_MATCHES = 1000
#: On PostgreSQL, when the rarest plain word of a search has at most this many
#: CVEs, hashing them (index-only, from cve_words; about 0.35 us each, so
#: 35 ms at this bound on the bench machine) and walking the order is cheap
#: enough to skip the budgeted walk; above it the budgeted walk goes first.
_PG_HASH_WORDS = 100_000
#: The index a match-driven text search probes (org, CVE -> relevant, priority, id).
_RANK_INDEX = "ix_cve_exposures_cve_rank"


@dataclass(frozen=True)
class _Order:
    column: InstrumentedAttribute[Any]  # one of SORTS.columns
    desc: bool

    def by(
        self, key: SQLColumnExpression[Any], row_id: SQLColumnExpression[Any]
    ) -> tuple[Any, Any]:
        return (key.desc(), row_id.desc()) if self.desc else (key.asc(), row_id.asc())


def _keyset(stmt: Select[Any], page: PageParams) -> tuple[Select[Any], _Order] | None:
    """``stmt`` restricted to the rows after the page's cursor, and the page's order.

    The same order and cursor test as core.pagination.paginate (None for a
    sort or limit paginate will refuse), for the inner queries that find a
    text page's ids before paginate reads the page.
    """
    sort = page.sort or SORTS.default
    desc = sort.startswith("-")
    col = SORTS.columns.get(sort.lstrip("-"))
    if col is None or not 1 <= page.limit <= MAX_LIMIT:
        return None
    if page.cursor:
        value, row_id = decode_cursor(page.cursor)
        after = (col < value) if desc else (col > value)
        same = (CveExposure.id < row_id) if desc else (CveExposure.id > row_id)
        stmt = stmt.where(or_(after, and_(col == value, same)))
    return stmt, _Order(col, desc)


def _walked_matches(
    session: Session,
    org_id: str,
    page: PageParams,
    filters: PatchFilters,
    rarest_first: Sequence[str] = (),
) -> list[str] | None:
    """Ids of the page's rows if they lie within the first ``_WALK_BUDGET`` rows of the order.

    When matches are common near the top (``vulnerab*`` matches a third of all
    CVEs), reading the top of the sort index and keeping the rows that pass
    every filter finds a page at once. When they are rare there (a word whose
    CVEs all rank low), this gives up after the budget and returns None. The
    budget counts index entries, before the other filters, so its cost is
    bounded whatever those filters are.
    """
    scoped = PatchFilters(scope=filters.scope, ai_only=filters.ai_only)
    walk = _keyset(_filtered(session, org_id, scoped), page)
    if walk is None:
        return None
    inner, order = walk
    w = (
        inner.with_only_columns(CveExposure.id, CveExposure.cve_id, order.column.label("sort_key"))
        .order_by(*order.by(order.column, CveExposure.id))
        .limit(_WALK_BUDGET)
        .subquery("w")
    )
    cond = text_condition(
        session,
        parse_text_query(filters.text or ""),
        w.c.cve_id,
        outer_table="w",
        rarest_first=rarest_first,
    )
    stmt = (
        _filtered(session, org_id, replace(filters, text=None))
        .with_only_columns(CveExposure.id)
        .join(w, w.c.id == CveExposure.id)
        .where(cond)
        .order_by(*order.by(w.c.sort_key, w.c.id))
        .limit(page.limit + 1)
    )
    ids = list(session.scalars(stmt))
    # Fewer than a page plus one: later rows (beyond the budget) may still match.
    return ids if len(ids) > page.limit else None


def _driven_matches(
    session: Session,
    org_id: str,
    page: PageParams,
    filters: PatchFilters,
    rarest_first: Sequence[str] = (),
) -> list[str] | None:
    """Ids of the page's rows, starting from the full-text matches.

    One probe of the (org, CVE) index per match, then a top-N sort of those
    that pass. The matching rows are selected in a subquery fenced with
    ``OFFSET 0`` and sorted outside it: given the ORDER BY ... LIMIT directly,
    both planners prefer to walk the sort index and test each row (52,000
    rows, 0.65 s on PostgreSQL for text=deserialization). SQLite is also told
    which index to probe. Only ids and the sort key are read, so with the
    default order the index covers the query and no table row is read.
    """
    stmt = _filtered(
        session, org_id, filters, text_plan="drive", rarest_first=rarest_first
    ).with_hint(CveExposure, f"INDEXED BY {_RANK_INDEX}", "sqlite")
    driven = _keyset(stmt, page)
    if driven is None:
        return None
    inner, order = driven
    d = (
        inner.with_only_columns(CveExposure.id, order.column.label("sort_key"))
        .offset(0)
        .subquery("d")
    )
    top = select(d.c.id).order_by(*order.by(d.c.sort_key, d.c.id)).limit(page.limit + 1)
    return list(session.scalars(top))


def _set_walked_matches(
    session: Session,
    org_id: str,
    page: PageParams,
    filters: PatchFilters,
    rarest_first: Sequence[str] = (),
) -> list[str] | None:
    """Ids of the page's rows, walking the whole order against the matches collected once.

    Only ids are selected, so PostgreSQL can test each index entry's CVE id
    without reading its table row (an index-only scan); selecting whole rows
    made it fetch all 52,000 rows it walked for text=deserialization.
    """
    walk = _keyset(
        _filtered(
            session, org_id, filters, text_plan="set", rarest_first=rarest_first
        ).with_only_columns(CveExposure.id),
        page,
    )
    if walk is None:
        return None
    stmt, order = walk
    ordered = stmt.order_by(*order.by(order.column, CveExposure.id))
    return list(session.scalars(ordered.limit(page.limit + 1)))


def _page_statement(
    session: Session, org_id: str, page: PageParams, filters: PatchFilters
) -> Select[CveExposure]:
    q = parse_text_query(filters.text) if filters.text else None
    if q is None or not q.terms:
        return _filtered(session, org_id, filters)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # psycopg prepares a statement after five runs, and PostgreSQL may then
        # reuse a generic plan that cannot see the search words (how many rows
        # match) or the org: measured 15 ms -> 30 ms for "path traversal" and
        # 20 -> 240 ms with technology=linux. Plan these with the real values.
        # No parallel workers either: each would build its own hash of the
        # matches (3 x 42 ms for "path traversal" on 2 vCPUs) to return 51 ids.
        # Both for this transaction only (set_config(..., true) = SET LOCAL).
        session.execute(
            sql_text(
                "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
                " set_config('max_parallel_workers_per_gather', '0', true)"
            )
        )
    ids: list[str] | None = None
    ranked = rank_words(session, q, _PG_DRIVE_MATCHES + 1) if postgres else []
    rarest = [w for w, _ in ranked]
    if ranked:
        # A plain word (cve_words, vulns_0006): its CVEs come index-only from
        # a btree, so the rarest word's count bounds the matches. Few: start
        # from them. Up to _PG_HASH_WORDS: hash them and walk the order at
        # once (text=deserialization, 9,092 CVEs all ranked low: 63 index
        # pages and a walk of 52,000 index entries, no table page). More: the
        # budgeted walk first, as its matches are then usually near the top.
        fewest = ranked[0][1]
        if fewest > _PG_HASH_WORDS:
            ids = _walked_matches(session, org_id, page, filters, rarest)
        if ids is None and fewest > _PG_DRIVE_MATCHES:
            ids = _set_walked_matches(session, org_id, page, filters, rarest)
    elif postgres:
        # No plain word (a prefix, say): the GIN index of cves_tsv.
        # Few matches (or none): starting from them costs a few ms, less than
        # the budgeted walk. Many: try the walk, then hash them and walk on.
        if count_matches(session, q, _PG_DRIVE_MATCHES + 1) > _PG_DRIVE_MATCHES:
            ids = _walked_matches(session, org_id, page, filters)
            if ids is None:
                # Each match costs a heap page of cves_tsv whichever way;
                # hashing them once and walking the order (index only, a hash
                # probe per entry) beats probing the (org, CVE) index per
                # match: text=remote code execution 115 ms vs 200 ms,
                # technology=linux&text=kernel 84 ms vs 240 ms (300,000 CVEs).
                ids = _set_walked_matches(session, org_id, page, filters)
    elif count_matches(session, q, _SQLITE_WALK_MATCHES + 1) > _SQLITE_WALK_MATCHES:
        # SQLite tests a walked row against the matches in about 0.6 us (an
        # integer looked up in an ephemeral table), a third of what starting
        # from a match costs; with this many matches (7 % of 300,000 CVEs) a
        # page is usually near, so walk the order without a budget.
        ids = _set_walked_matches(session, org_id, page, filters)
    else:
        ids = _walked_matches(session, org_id, page, filters)
    if ids is None:
        ids = _driven_matches(session, org_id, page, filters, rarest)
    if ids is None:
        return _filtered(session, org_id, filters)
    # paginate reads exactly these rows, in order, and makes the next cursor.
    return _filtered(session, org_id, replace(filters, text=None)).where(CveExposure.id.in_(ids))


def list_page(
    *, session: Session, org_id: str, page: PageParams, filters: PatchFilters
) -> tuple[list[PatchRead], str | None]:
    stmt = _page_statement(session, org_id, page, filters)
    rows, cursor = paginate(session, stmt, id_column=CveExposure.id, sort_spec=SORTS, params=page)
    return read_many(session, rows), cursor


def in_stack_ai_cves(
    *,
    session: Session,
    org_id: str,
    since_days: int = 365,
    limit: int = 50,
    open_only: bool = True,
) -> list[PatchRead]:
    """Recent AI-relevant CVEs whose product is in the org's tech stack, highest priority first.

    For the red-team learning cycle: "CVEs in components this org's agents use".
    """
    filters = PatchFilters(
        ai_only=True,
        stack_only=True,
        status=ACTIVE_STATUSES if open_only else (),
        published_since=utcnow() - timedelta(days=since_days),
    )
    rows, _ = list_page(
        session=session,
        org_id=org_id,
        page=PageParams(limit=max(1, min(limit, 500)), sort="-priority"),
        filters=filters,
    )
    return rows


def get_exposure(*, session: Session, org_id: str, patch_id: str) -> CveExposure | None:
    """By CVE id (``CVE-2024-1086``) or by the org's patch id."""
    if _CVE_ID.match(patch_id):
        cond = CveExposure.cve_id == patch_id.upper()
    else:
        cond = CveExposure.id == patch_id
    return session.scalar(select(CveExposure).where(CveExposure.org_id == org_id, cond))


def get_exposure_or_raise(*, session: Session, org_id: str, patch_id: str) -> CveExposure:
    x = get_exposure(session=session, org_id=org_id, patch_id=patch_id)
    if x is None:
        raise NotFound(f"patch {patch_id[:40]} not found")
    return x


def cve_facts(*, session: Session, cve_id: str) -> CveFactsRead:
    """The shared facts about one CVE (not org data)."""
    cve = session.get(Cve, cve_id.upper()) if _CVE_ID.match(cve_id) else None
    if cve is None:
        raise NotFound(f"CVE {cve_id[:40]} not found")
    e = session.get(EpssRecord, cve.cve_id)
    k = session.get(KevRecord, cve.cve_id)
    kev_due = kev_due_of(cve, k)
    products = sorted(
        session.scalars(select(CveProduct.name).where(CveProduct.cve_id == cve.cve_id))
    )
    osv = session.execute(
        select(OsvAdvisoryRecord.id, OsvAdvisoryRecord.packages, OsvAdvisoryRecord.summary)
        .join(CveOsvLink, CveOsvLink.advisory_id == OsvAdvisoryRecord.id)
        .where(CveOsvLink.cve_id == cve.cve_id)
        .order_by(OsvAdvisoryRecord.id)
    ).all()
    return CveFactsRead(
        cve_id=cve.cve_id,
        published=cve.published,
        last_modified=cve.last_modified,
        vuln_status=cve.vuln_status,
        description=cve.description,
        cvss=CvssRead(
            score=cve.cvss_score,
            version=cve.cvss_version,
            vector=cve.cvss_vector,
            source=cve.cvss_source,
            severity=cve.severity,
            reason=cve.cvss_reason,
            large_disagreement=cve.cvss_disagreement,
        ),
        metrics=list(cve.metrics),
        cwes=list(cve.cwes),
        references=list(cve.references),
        products=products,
        ai_relevant=cve.ai_relevant,
        ai_reason=cve.ai_reason,
        ai_rule=cve.ai_rule,
        kev=None
        if kev_due is None
        else KevRead(
            listed=True,
            due_date=kev_due,
            date_added=k.date_added if k else cve.nvd_kev_added,
            required_action=k.required_action if k else None,
            ransomware=k.known_ransomware_use if k else None,
            vulnerability_name=k.vulnerability_name if k else None,
        ),
        epss=None
        if e is None
        else EpssRead(
            epss=e.epss,
            percentile=e.percentile,
            model_version=e.model_version,
            score_date=e.score_date,
        ),
        osv=[OsvRead(advisory=a, packages=list(p or []), summary=s) for a, p, s in osv],
    )


def _history(session: Session, org_id: str, exposure_id: str) -> list[StatusChangeRead]:
    rows = session.scalars(
        select(CveStatusChange)
        .where(CveStatusChange.org_id == org_id, CveStatusChange.exposure_id == exposure_id)
        .order_by(CveStatusChange.changed_at, CveStatusChange.id)
    )
    # Validated from the row: the stored statuses are plain strings, checked
    # against PatchStatus here as the constructor would.
    return [StatusChangeRead.model_validate(r, from_attributes=True) for r in rows]


def get_detail(*, session: Session, org_id: str, patch_id: str) -> PatchDetail:
    x = get_exposure_or_raise(session=session, org_id=org_id, patch_id=patch_id)
    base = read_many(session, [x])[0]
    return PatchDetail(
        **base.model_dump(),
        cve=cve_facts(session=session, cve_id=x.cve_id),
        history=_history(session, org_id, x.id),
    )


def record_status_change(
    session: Session,
    x: CveExposure,
    to: str,
    *,
    by: str,
    justification: str | None,
    expires: date | None,
) -> None:
    """Move ``x`` to ``to`` and keep the change (from, to, who, when, why)."""
    now = utcnow()
    session.add(
        CveStatusChange(
            org_id=x.org_id,
            exposure_id=x.id,
            cve_id=x.cve_id,
            from_status=x.status,
            to_status=to,
            justification=justification,
            expires_on=expires,
            changed_by=by[:200],
            changed_at=now,
        )
    )
    x.status = to
    x.status_changed_at, x.status_changed_by = now, by[:200]
    x.justification = justification if to == "wont_fix" else None
    x.wont_fix_until = expires if to == "wont_fix" else None
    if to in _STOPPED:
        if x.clock_stopped_on is None:
            x.clock_stopped_on = now.date()
    else:
        x.clock_stopped_on = None


def update_status(
    *, session: Session, org_id: str, patch_id: str, data: PatchStatusUpdate, actor: str
) -> PatchDetail:
    """Move a patch through the workflow; the change is recorded with who and when."""
    x = get_exposure_or_raise(session=session, org_id=org_id, patch_id=patch_id)
    allowed = TRANSITIONS[x.status]
    if data.status not in allowed:
        if data.status == x.status:
            raise Conflict(f"{x.cve_id} is already {x.status}")
        raise Conflict(
            f"cannot go from {x.status} to {data.status}; allowed: {', '.join(sorted(allowed))}"
        )
    if data.expires_on is not None and data.expires_on <= _today():
        raise InvalidInput(("body", "expires_on"), "expires_on must be a future date")
    record_status_change(
        session, x, data.status, by=actor, justification=data.justification, expires=data.expires_on
    )
    session.flush()
    # The age component freezes (or resumes) with the clock: re-score this one row.
    refresh_exposures(session=session, org_id=org_id, cve_ids=[x.cve_id], publish_signals=False)
    return get_detail(session=session, org_id=org_id, patch_id=x.id)


def reopen_expired(*, session: Session, org_id: str, today: date | None = None) -> int:
    """Reopen wont_fix patches whose expiry has come; returns how many."""
    day = today or _today()
    rows = list(
        session.scalars(
            select(CveExposure).where(
                CveExposure.org_id == org_id,
                CveExposure.status == "wont_fix",
                CveExposure.wont_fix_until.is_not(None),
                CveExposure.wont_fix_until <= day,
            )
        )
    )
    for x in rows:
        expired = x.wont_fix_until
        record_status_change(
            session,
            x,
            "open",
            by="system",
            justification=f"wont_fix expired on {expired.isoformat() if expired else '?'}",
            expires=None,
        )
    session.flush()
    if rows:
        refresh_exposures(
            session=session, org_id=org_id, cve_ids=[x.cve_id for x in rows], publish_signals=False
        )
    return len(rows)


def stats(*, session: Session, org_id: str) -> PatchStats:
    x = CveExposure
    active = x.status.in_(ACTIVE_STATUSES)
    rel = x.relevant.is_(True)
    overdue = active & rel & (x.due_at < _day_start(_today()))

    def n(cond: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    row = session.execute(
        select(
            n(active & rel & (x.severity == "CRITICAL")),
            n(overdue),
            n(active & x.in_stack.is_(True)),
            n(active & rel & x.kev.is_(True)),
            n(rel),
            func.count(),
        ).where(x.org_id == org_id)
    ).one()
    by_sev: dict[str, int] = {}
    for sev, n_sev in session.execute(
        select(x.severity, func.count()).where(x.org_id == org_id, rel, active).group_by(x.severity)
    ).all():
        key = sev or "NONE"
        by_sev[key] = by_sev.get(key, 0) + int(n_sev)
    entries = session.scalar(
        select(func.count()).select_from(TechStackEntry).where(TechStackEntry.org_id == org_id)
    )
    return PatchStats(
        open_critical=int(row[0]),
        overdue=int(row[1]),
        in_stack=int(row[2]),
        kev=int(row[3]),
        relevant=int(row[4]),
        total=int(row[5]),
        by_severity={str(k): int(v) for k, v in by_sev.items()},
        stack_entries=int(entries or 0),
    )
