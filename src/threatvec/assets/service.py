"""The assets registry: register, find, change and remove agents, MCP servers, AI services."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select, text, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from threatvec.assets.models import Asset
from threatvec.assets.schemas import AssetCreate, AssetUpdate
from threatvec.core.errors import Conflict
from threatvec.core.pagination import PageParams, SortSpec, paginate
from threatvec.core.scoped import get_scoped, get_scoped_or_raise

__all__ = [
    "SORTS",
    "create",
    "delete",
    "get",
    "get_by_name",
    "get_or_raise",
    "list_page",
    "update",
    "upsert_discovered",
]

SORTS = SortSpec(
    columns={"name": Asset.name, "created_at": Asset.created_at, "kind": Asset.kind},
    default="name",
)


def get(*, session: Session, org_id: str, asset_id: str) -> Asset | None:
    return get_scoped(session, Asset, org_id, asset_id)


def get_or_raise(*, session: Session, org_id: str, asset_id: str) -> Asset:
    return get_scoped_or_raise(session, Asset, org_id, asset_id, f"asset {asset_id} not found")


def get_by_name(*, session: Session, org_id: str, kind: str, name: str) -> Asset | None:
    return session.scalar(
        select(Asset).where(Asset.org_id == org_id, Asset.kind == kind, Asset.name == name)
    )


def _ensure_unique(session: Session, org_id: str, kind: str, name: str, own_id: str | None) -> None:
    existing = get_by_name(session=session, org_id=org_id, kind=kind, name=name)
    if existing is not None and existing.id != own_id:
        raise Conflict(f"a {kind} named {name!r} is already registered")


def create(*, session: Session, org_id: str, data: AssetCreate) -> Asset:
    _ensure_unique(session, org_id, data.kind, data.name, None)
    asset = Asset(
        org_id=org_id,
        kind=data.kind,
        name=data.name,
        owner=data.owner,
        description=data.description,
        tags=data.tags,
        approved=data.approved,
        meta=data.metadata,
    )
    session.add(asset)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # a concurrent insert of the same name
        raise Conflict(f"a {data.kind} named {data.name!r} is already registered") from None
    return asset


def update(*, session: Session, org_id: str, asset_id: str, data: AssetUpdate) -> Asset:
    asset = get_or_raise(session=session, org_id=org_id, asset_id=asset_id)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is not None:
        _ensure_unique(session, org_id, asset.kind, changes["name"].strip(), asset.id)
        asset.name = changes["name"].strip()
    for field in ("owner", "description"):
        if field in changes:
            setattr(asset, field, changes[field])
    if changes.get("tags") is not None:
        asset.tags = changes["tags"]
    if changes.get("approved") is not None:
        asset.approved = changes["approved"]
    if changes.get("metadata") is not None:
        asset.meta = changes["metadata"]
    session.flush()
    return asset


def delete(*, session: Session, org_id: str, asset_id: str) -> None:
    session.delete(get_or_raise(session=session, org_id=org_id, asset_id=asset_id))
    session.flush()


def _filtered(
    session: Session,
    org_id: str,
    *,
    kind: str | None,
    approved: bool | None,
    tag: str | None,
    q: str | None,
) -> Select[Asset]:
    stmt = select(Asset).where(Asset.org_id == org_id)
    if kind:
        stmt = stmt.where(Asset.kind == kind)
    if approved is not None:
        stmt = stmt.where(Asset.approved.is_(approved))
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Asset.name.ilike(f"%{escaped}%", escape="\\"))
    if tag:
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.where(type_coerce(Asset.tags, JSONB).contains([tag]))
        else:
            stmt = stmt.where(
                text(
                    "EXISTS (SELECT 1 FROM json_each(assets.tags) WHERE json_each.value = :tag)"
                ).bindparams(tag=tag)
            )
    return stmt


def list_page(
    *,
    session: Session,
    org_id: str,
    page: PageParams,
    kind: str | None = None,
    approved: bool | None = None,
    tag: str | None = None,
    q: str | None = None,
) -> tuple[Sequence[Asset], str | None]:
    stmt = _filtered(session, org_id, kind=kind, approved=approved, tag=tag, q=q)
    return paginate(session, stmt, id_column=Asset.id, sort_spec=SORTS, params=page)


def upsert_discovered(
    *, session: Session, org_id: str, kind: str, name: str, description: str | None = None
) -> tuple[Asset, bool]:
    """Register something seen for the first time as unapproved; return (asset, created)."""
    asset = get_by_name(session=session, org_id=org_id, kind=kind, name=name)
    if asset is not None:
        return asset, False
    asset = Asset(
        org_id=org_id,
        kind=kind,
        name=name[:200],
        description=description,
        approved=False,
        tags=["discovered"],
        meta={},
    )
    session.add(asset)
    session.flush()
    return asset, True
