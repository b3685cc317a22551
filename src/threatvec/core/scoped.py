"""Org-scoped reads: fetch one row by id, or a page of rows, always within one org.

Org isolation is a security requirement, so the tenant filter lives here once
instead of in every domain's ``get`` / ``get_or_raise`` / ``list_page``. A row of
another org is indistinguishable from a missing one (``None`` or ``NotFound``),
so ids cannot be probed across tenants.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from threatvec.core.errors import NotFound
from threatvec.core.pagination import PageParams, SortSpec, paginate
from threatvec.store.base import OrgScoped

__all__ = ["get_scoped", "get_scoped_or_raise", "paginate_scoped"]

# Bound to the mixin, so a model without an org_id column cannot be passed at all.
M = TypeVar("M", bound=OrgScoped)


def _id_column(model: type[OrgScoped]) -> InstrumentedAttribute[str]:
    # Each model declares its own `id` primary key; the mixin only contributes org_id.
    column: InstrumentedAttribute[str] = model.id  # type: ignore[attr-defined]
    return column


def get_scoped(
    session: Session, model: type[M], org_id: str, obj_id: str, *where: ColumnElement[bool]
) -> M | None:
    """The ``model`` row with this id in this org that also matches ``where``, else None."""
    return session.scalar(
        select(model).where(model.org_id == org_id, _id_column(model) == obj_id, *where)
    )


def get_scoped_or_raise(
    session: Session,
    model: type[M],
    org_id: str,
    obj_id: str,
    detail: str,
    *where: ColumnElement[bool],
) -> M:
    """Like `get_scoped`, but a missing row raises ``NotFound(detail)``."""
    # The caller spells out the whole 404 text: domains word and truncate it differently,
    # clients may match on it, and it stays greppable at the call site.
    row = get_scoped(session, model, org_id, obj_id, *where)
    if row is None:
        raise NotFound(detail)
    return row


def paginate_scoped(
    session: Session,
    model: type[M],
    org_id: str,
    page: PageParams,
    sort_spec: SortSpec,
    *where: ColumnElement[bool],
) -> tuple[Sequence[M], str | None]:
    """One keyset page of this org's ``model`` rows that match ``where`` (see `paginate`)."""
    stmt = select(model).where(model.org_id == org_id, *where)
    return paginate(session, stmt, id_column=_id_column(model), sort_spec=sort_spec, params=page)
