"""The organisation's tech stack: import (CSV, CycloneDX, requirements), list, delete.

Parsing and its limits live in ``stack.py``; this module stores the good
rows and re-scores the CVEs whose stack match can change. A byte-size limit
breach is a 413; too many rows or an unusable file a 422 naming the reason;
bad rows are listed with their line number and reason while the good ones
import — or nothing does, with ``strict``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from threatvec.core.errors import InvalidInput, NotFound, PayloadTooLarge
from threatvec.core.pagination import PageParams, SortSpec, paginate
from threatvec.orgs import service as orgs
from threatvec.vulns.exposures import refresh_exposures
from threatvec.vulns.models import Cve, CveExposure, CveProduct, TechStackEntry
from threatvec.vulns.schemas import RowErrorRead, TechStackImportResult
from threatvec.vulns.stack import (
    MAX_STACK_BYTES,
    StackEntry,
    StackFileError,
    StackFileTooLarge,
    StackParseResult,
    csv_delimiter,
    normalize_name,
    parse_cyclonedx,
    parse_requirements,
    parse_stack_csv,
)

__all__ = [
    "SORTS",
    "StackFormat",
    "delete_entry",
    "detect_format",
    "ensure_materialized",
    "import_stack",
    "list_page",
    "read_stack_file",
    "rescore_stack_matches",
]

StackFormat = Literal["csv", "cyclonedx", "requirements"]
SORTS = SortSpec(
    columns={"name": TechStackEntry.name, "created_at": TechStackEntry.created_at},
    default="name",
)


def detect_format(data: bytes, filename: str | None = None) -> StackFormat:
    """CycloneDX for a JSON object, CSV when the header names ``technology``, else requirements."""
    name = (filename or "").lower()
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if name.endswith(".json") or head.startswith(b"{"):
        return "cyclonedx"
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").strip().lower()
    if name.endswith(".csv") or ("technology" in first and csv_delimiter(first) in first):
        return "csv"
    return "requirements"


def _parse(data: bytes, fmt: StackFormat) -> StackParseResult:
    if fmt == "csv":
        return parse_stack_csv(data)
    if fmt == "cyclonedx":
        return parse_cyclonedx(data)
    return parse_requirements(data)


MATERIALIZED = "vulns.materialized"


#: ``progress(percent, phase)``: how far an import is (0-100) and what it is doing.
ImportProgress = Callable[[float, str], None]
# Share of an import's time before scoring starts (parse + store); scoring is the rest.
_STORED_AT = 15.0


def _scoring_progress(progress: ImportProgress | None) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(
        _STORED_AT + (100 - _STORED_AT) * done / max(total, 1), "scoring CVEs"
    )


def ensure_materialized(
    *, session: Session, org_id: str, progress: Callable[[int, int], None] | None = None
) -> int:
    """Score every CVE once for an org (e.g. created after the CVEs arrived); rows made."""
    if orgs.get_setting(session=session, org_id=org_id, name=MATERIALIZED):
        return 0
    created = refresh_exposures(session=session, org_id=org_id, progress=progress).created
    orgs.put_setting(session=session, org_id=org_id, name=MATERIALIZED, value=True, by="vulns")
    return created


def rescore_stack_matches(
    *,
    session: Session,
    org_id: str,
    names: Sequence[str],
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Re-score the CVEs whose stack match can change when entries named ``names`` change."""
    has_stack = (
        session.scalar(select(TechStackEntry.id).where(TechStackEntry.org_id == org_id).limit(1))
        is not None
    )
    # Only the reason text moves between "no stack" and "no match" (0 points either way):
    # a bulk update instead of re-scoring every CVE.
    if has_stack:
        session.execute(
            update(CveExposure)
            .where(CveExposure.org_id == org_id, CveExposure.stack_level == "no_stack")
            .values(stack_level="none", stack_reason="no stack entry matches this CVE's products")
        )
    else:
        session.execute(
            update(CveExposure)
            .where(CveExposure.org_id == org_id, CveExposure.stack_level == "none")
            .values(stack_level="no_stack", stack_reason="no tech stack imported")
        )
    wanted = sorted({normalize_name(n) for n in names if n})
    ids: set[str] = set()
    if wanted:
        ids |= set(session.scalars(select(CveProduct.cve_id).where(CveProduct.name.in_(wanted))))
    # CVEs already matched (their entry may be gone) and CVEs without CPEs (prose match).
    ids |= set(
        session.scalars(
            select(CveExposure.cve_id).where(
                CveExposure.org_id == org_id, CveExposure.stack_level.not_in(["none", "no_stack"])
            )
        )
    )
    ids |= set(session.scalars(select(Cve.cve_id).where(Cve.has_cpe.is_(False))))
    if not ids:
        return 0
    stats = refresh_exposures(session=session, org_id=org_id, cve_ids=ids, progress=progress)
    return stats.created + stats.updated + stats.unchanged


def read_stack_file(
    data: bytes, fmt: StackFormat | None, filename: str | None
) -> tuple[StackFormat, StackParseResult]:
    """The file's format and rows; a file that is unusable as a whole is a 413/422 naming why.

    Fast (no database): a background import calls it first, so such a file is
    refused at once instead of becoming a failed job.
    """
    if len(data) > MAX_STACK_BYTES:
        raise PayloadTooLarge(f"file is {len(data)} bytes; the limit is {MAX_STACK_BYTES}")
    if not data.strip():
        raise InvalidInput(("body", "file"), "the file is empty")
    chosen: StackFormat = fmt or detect_format(data, filename)
    try:
        return chosen, _parse(data, chosen)
    except StackFileTooLarge as exc:
        if "bytes" in str(exc):
            raise PayloadTooLarge(str(exc)) from None
        raise InvalidInput(("body", "file"), str(exc)) from None
    except StackFileError as exc:
        raise InvalidInput(("body", "file"), f"{chosen}: {exc}") from None


def import_stack(
    *,
    session: Session,
    org_id: str,
    data: bytes,
    fmt: StackFormat | None = None,
    filename: str | None = None,
    strict: bool = False,
    replace: bool = False,
    progress: ImportProgress | None = None,
) -> TechStackImportResult:
    """Store the good rows of a stack file (or nothing when ``strict`` and a row is bad)."""
    report = progress or (lambda percent, phase: None)
    report(0.0, "reading the file")
    chosen, parsed = read_stack_file(data, fmt, filename)
    rejected = [
        RowErrorRead(line=e.line, location=e.location, reason=e.reason) for e in parsed.errors
    ]
    existing_rows = list(
        session.scalars(select(TechStackEntry).where(TechStackEntry.org_id == org_id))
    )
    total_before = len(existing_rows)
    if strict and rejected:
        return TechStackImportResult(
            format=chosen,
            strict=True,
            applied=False,
            rows=len(parsed.entries),
            imported=0,
            updated=0,
            unchanged=0,
            rejected=rejected,
            entries=total_before,
            rescored=0,
        )
    report(5.0, "storing entries")
    existing: dict[tuple[str, str, str], TechStackEntry] = {
        (r.name, r.version or "", (r.vendor or "").lower()): r for r in existing_rows
    }
    imported = updated = unchanged = 0
    touched: set[str] = set()
    keep: set[int] = set()  # id() of the rows to keep
    # New entries go in as one multi-row INSERT below: 10,000 ORM objects cost more
    # than the rows themselves.
    new_rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for e in parsed.entries:
        key = (e.name, e.version or "", (e.vendor or "").lower())
        if key in new_rows:  # a second row for an entry this file adds
            changed = _update_new_row(new_rows[key], e)
            updated += changed
            unchanged += not changed
            continue
        row = existing.get(key)
        if row is None:
            new_rows[key] = _new_row(org_id, e)
            imported += 1
            touched.add(e.name)
            continue
        changed = False
        for attr, value in (
            ("asset_count", e.asset_count),
            ("purl", e.purl),
            ("technology", e.technology),
        ):
            if value is not None and getattr(row, attr) != value:
                setattr(row, attr, value)
                changed = True
        updated += changed
        unchanged += not changed
        if changed:
            touched.add(e.name)
        keep.add(id(row))
    if replace:
        for row in existing_rows:
            if id(row) not in keep:
                touched.add(row.name)
                session.delete(row)
    session.flush()
    rows = list(new_rows.values())
    table = cast(Table, TechStackEntry.__table__)  # declared as a FromClause; it is a Table
    for start in range(0, len(rows), 1000):
        # Core, not the ORM's bulk path: the column defaults (id, timestamps) still apply.
        session.connection().execute(insert(table), rows[start : start + 1000])
    entries = int(
        session.scalar(
            select(func.count()).select_from(TechStackEntry).where(TechStackEntry.org_id == org_id)
        )
        or 0
    )
    report(_STORED_AT, "scoring CVEs")
    scoring = _scoring_progress(progress)
    if not orgs.get_setting(session=session, org_id=org_id, name=MATERIALIZED):
        # The org's first scoring rates every CVE against the stack just stored: scoring
        # the touched ones again after it doubled the import's time for the same rows.
        stats = refresh_exposures(session=session, org_id=org_id, progress=scoring)
        orgs.put_setting(session=session, org_id=org_id, name=MATERIALIZED, value=True, by="vulns")
        rescored = stats.created + stats.updated + stats.unchanged
    elif touched:
        rescored = rescore_stack_matches(
            session=session, org_id=org_id, names=sorted(touched), progress=scoring
        )
    else:
        rescored = 0
    report(100.0, "done")
    return TechStackImportResult(
        format=chosen,
        strict=strict,
        applied=True,
        rows=len(parsed.entries),
        imported=imported,
        updated=updated,
        unchanged=unchanged,
        rejected=rejected,
        entries=entries,
        rescored=rescored,
    )


def _update_new_row(row: dict[str, Any], e: StackEntry) -> bool:
    """A later row of the file for an entry it adds: its values win, as for stored rows."""
    changed = False
    values = (("asset_count", e.asset_count), ("purl", e.purl), ("technology", e.technology))
    for attr, value in values:
        if value is not None and row[attr] != value:
            row[attr] = value
            changed = True
    return changed


def _new_row(org_id: str, e: StackEntry) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "technology": e.technology,
        "name": e.name[:200],
        "version": e.version,
        "vendor": e.vendor,
        "asset_count": e.asset_count,
        "source": e.source,
        "purl": (e.purl or None) and e.purl[:500],
    }


def list_page(
    *, session: Session, org_id: str, page: PageParams, q: str | None = None
) -> tuple[Sequence[TechStackEntry], str | None]:
    stmt = select(TechStackEntry).where(TechStackEntry.org_id == org_id)
    if q:
        stmt = stmt.where(TechStackEntry.name == normalize_name(q))
    return paginate(session, stmt, id_column=TechStackEntry.id, sort_spec=SORTS, params=page)


def delete_entry(*, session: Session, org_id: str, entry_id: str) -> None:
    row = session.scalar(
        select(TechStackEntry).where(TechStackEntry.org_id == org_id, TechStackEntry.id == entry_id)
    )
    if row is None:
        raise NotFound(f"tech stack entry {entry_id[:40]} not found")
    name = row.name
    session.delete(row)
    session.flush()
    rescore_stack_matches(session=session, org_id=org_id, names=[name])
