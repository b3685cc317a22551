"""One pagination convention for every list: ``limit`` + opaque ``cursor``.

Keyset pagination on (sort column, id): stable under inserts, O(limit) per page.
The cursor is base64url JSON of the last row's sort value and id; clients treat
it as opaque.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Select, TypeDecorator, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from threatvec.core.errors import InvalidInput

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "Page",
    "PageParams",
    "SortSpec",
    "paginate",
    "paginate_union",
]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page"
    )


@dataclass(frozen=True)
class PageParams:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    sort: str | None = None


@dataclass(frozen=True)
class SortSpec:
    """The columns a list may be sorted by, and its default (``-field`` = descending)."""

    columns: dict[str, InstrumentedAttribute[Any]]
    default: str


def _encode(value: Any, row_id: Any) -> str:
    if isinstance(value, datetime):
        value = {"dt": value.isoformat()}
    raw = json.dumps([value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid_cursor() -> InvalidInput:
    return InvalidInput(("query", "cursor"), "cursor is not valid")


def _decode(cursor: str) -> tuple[Any, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise _invalid_cursor() from None
    # exactly [value, id]: a two-key object would unpack as its keys
    if not isinstance(data, list) or len(data) != 2:
        raise _invalid_cursor()
    value, row_id = data
    if isinstance(value, dict) and set(value) == {"dt"}:
        try:
            value = datetime.fromisoformat(value["dt"])
        except (TypeError, ValueError):
            raise _invalid_cursor() from None
    return value, row_id


def _python_type(column: InstrumentedAttribute[Any]) -> type | None:
    """What the column holds in Python (through a TypeDecorator such as UTCDateTime)."""
    col_type = column.type
    if isinstance(col_type, TypeDecorator):
        col_type = col_type.impl_instance
    try:
        found: type = col_type.python_type
    except NotImplementedError:
        return None
    return found


def _nullable(column: InstrumentedAttribute[Any]) -> bool:
    return any(getattr(c, "nullable", False) for c in getattr(column.property, "columns", ()))


def _fits(value: Any, column: InstrumentedAttribute[Any]) -> bool:
    """Whether a cursor value can be compared with the column (else the driver raised: 500)."""
    if value is None:
        return _nullable(column)
    expected = _python_type(column)
    if isinstance(value, bool):
        return expected is bool
    if expected is datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            return False
        try:
            value.astimezone(UTC)  # year 1 at +01:00 is before year 1 in UTC
        except OverflowError:
            return False
        return True
    if expected is str:
        return isinstance(value, str)
    if expected in (int, float):
        return isinstance(value, int | float) and (expected is float or isinstance(value, int))
    return isinstance(value, str | int | float | datetime)


def _checked_cursor(
    cursor: str, column: InstrumentedAttribute[Any], id_column: InstrumentedAttribute[Any]
) -> tuple[Any, Any]:
    """The cursor's [value, id], each of its column's type: one issued for another sort
    (a name where a date goes) or hand-made is a 422, not a 500 from the driver."""
    value, row_id = _decode(cursor)
    if not _fits(value, column) or not _fits(row_id, id_column):
        raise _invalid_cursor()
    return value, row_id


def _sort(sort_spec: SortSpec, params: PageParams) -> tuple[InstrumentedAttribute[Any], bool]:
    if not 1 <= params.limit <= MAX_LIMIT:
        raise InvalidInput(("query", "limit"), f"limit must be between 1 and {MAX_LIMIT}")
    sort = params.sort or sort_spec.default
    name = sort.lstrip("-")
    column = sort_spec.columns.get(name)
    if column is None:
        allowed = ", ".join(sorted(sort_spec.columns))
        raise InvalidInput(("query", "sort"), f"cannot sort by {name!r}; use one of: {allowed}")
    return column, sort.startswith("-")


def _page_stmt(
    stmt: Select[Any],
    column: InstrumentedAttribute[Any],
    id_column: InstrumentedAttribute[Any],
    desc: bool,
    params: PageParams,
) -> Select[Any]:
    """``stmt`` past the cursor, in page order, one row more than a page (is there more?).

    Rows with no value in a nullable sort column come last in either direction (SQLite
    and PostgreSQL disagree on where NULL sorts), and the keyset steps over them
    explicitly: ``column < NULL`` is an error in SQLAlchemy, and ``column < value``
    alone never reaches a NULL row.
    """
    nullable = _nullable(column)
    if params.cursor:
        value, row_id = _checked_cursor(params.cursor, column, id_column)
        id_past = id_column < row_id if desc else id_column > row_id
        if value is None:
            stmt = stmt.where(and_(column.is_(None), id_past))
        else:
            past = column < value if desc else column > value
            keyset = or_(past, and_(column == value, id_past))
            stmt = stmt.where(or_(keyset, column.is_(None)) if nullable else keyset)
    col_order = column.desc() if desc else column.asc()
    if nullable:
        col_order = col_order.nulls_last()
    id_order = id_column.desc() if desc else id_column.asc()
    return stmt.order_by(col_order, id_order).limit(params.limit + 1)


def _cut(
    rows: list[Any],
    column: InstrumentedAttribute[Any],
    id_column: InstrumentedAttribute[Any],
    params: PageParams,
) -> tuple[Sequence[Any], str | None]:
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    last = rows[-1]
    return rows, _encode(getattr(last, column.key), getattr(last, id_column.key))


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    id_column: InstrumentedAttribute[Any],
    sort_spec: SortSpec,
    params: PageParams,
) -> tuple[Sequence[Any], str | None]:
    """Run ``stmt`` (already filtered, org-scoped) one page at a time."""
    column, desc = _sort(sort_spec, params)
    rows = list(session.scalars(_page_stmt(stmt, column, id_column, desc, params)))
    return _cut(rows, column, id_column, params)


def paginate_union(
    session: Session,
    stmts: Sequence[Select[Any]],
    *,
    id_column: InstrumentedAttribute[Any],
    sort_spec: SortSpec,
    params: PageParams,
) -> tuple[Sequence[Any], str | None]:
    """One page over the rows of several statements on one table (no row in two of them).

    Each part is read in its own index order, a page past the cursor, and the parts
    merged here: one statement with an OR of their filters makes the database read
    every matching row and sort them all for each page.
    """
    column, desc = _sort(sort_spec, params)
    rows = [
        row
        for stmt in stmts
        for row in session.scalars(_page_stmt(stmt, column, id_column, desc, params))
    ]
    valued = [r for r in rows if getattr(r, column.key) is not None]
    empty = [r for r in rows if getattr(r, column.key) is None]  # last, as in _page_stmt
    valued.sort(key=lambda r: (getattr(r, column.key), getattr(r, id_column.key)), reverse=desc)
    empty.sort(key=lambda r: getattr(r, id_column.key), reverse=desc)
    rows = valued + empty
    return _cut(rows[: params.limit + 1], column, id_column, params)
