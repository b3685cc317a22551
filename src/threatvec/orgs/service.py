"""Organisations: the default org, key configuration and key lookup."""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from threatvec.core import keys
from threatvec.core.errors import Conflict, InvalidInput, NotFound
from threatvec.orgs.models import Org, OrgSetting

__all__ = [
    "DEFAULT_ORG_NAME",
    "auth_required",
    "create_org",
    "ensure_default_org",
    "find_org",
    "get_default_org",
    "get_setting",
    "issue_key",
    "keyless_orgs",
    "list_orgs",
    "org_for_key",
    "put_setting",
]

log = logging.getLogger("threatvec.orgs")
DEFAULT_ORG_NAME = "default"


def get_default_org(*, session: Session) -> Org | None:
    return session.scalar(select(Org).where(Org.is_default.is_(True)))


def ensure_default_org(*, session: Session, org_key: str | None) -> Org:
    """The org that ORG_KEY names (or that runs keyless); created on first start."""
    org = get_default_org(session=session)
    if org is None:
        org = Org(name=DEFAULT_ORG_NAME, is_default=True)
        session.add(org)
    if org_key:
        org.key_hash, org.key_prefix = keys.hash_key(org_key), keys.key_prefix(org_key)
    session.flush()
    return org


def create_org(*, session: Session, name: str) -> tuple[Org, str]:
    """Create an org and return it with its key (shown once, stored only hashed)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput(("name",), "org name must be 1–200 characters")
    # `org list` prints one org per line and terminals obey escape sequences
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise InvalidInput(("name",), "org name must not contain control characters")
    if session.scalar(select(Org).where(Org.name == name)) is not None:
        raise Conflict(f"an org named {name!r} already exists")
    key = keys.generate_key()
    org = Org(name=name, key_hash=keys.hash_key(key), key_prefix=keys.key_prefix(key))
    session.add(org)
    session.flush()
    return org, key


def list_orgs(*, session: Session) -> list[Org]:
    return list(session.scalars(select(Org).order_by(Org.created_at)))


def find_org(*, session: Session, ref: str) -> Org | None:
    """An org by its id or its exact name."""
    ref = ref.strip()
    return session.get(Org, ref) or session.scalar(select(Org).where(Org.name == ref))


def issue_key(*, session: Session, ref: str) -> tuple[Org, str]:
    """Give an org (by id or name) a new key, shown once; its old key stops working."""
    org = find_org(session=session, ref=ref)
    if org is None:
        raise NotFound(f"no org with the id or name {ref!r}")
    key = keys.generate_key()
    org.key_hash, org.key_prefix = keys.hash_key(key), keys.key_prefix(key)
    session.flush()
    return org, key


def keyless_orgs(*, session: Session) -> list[Org]:
    """Orgs with no key: unreachable over the API once any org has one."""
    return list(session.scalars(select(Org).where(Org.key_hash.is_(None)).order_by(Org.name)))


def auth_required(*, session: Session) -> bool:
    """Keys are required as soon as any org has one."""
    return bool(session.scalar(select(func.count()).where(Org.key_hash.is_not(None))))


def org_for_key(*, session: Session, key: str) -> Org | None:
    candidates = session.scalars(select(Org).where(Org.key_prefix == keys.key_prefix(key)))
    found = None
    for org in candidates:
        # Compare against every candidate so timing does not depend on position.
        if org.key_hash and keys.verify_key(key, org.key_hash):
            found = org
    return found


def get_setting(*, session: Session, org_id: str, name: str, default: Any = None) -> Any:
    row = session.scalar(
        select(OrgSetting).where(OrgSetting.org_id == org_id, OrgSetting.name == name)
    )
    return default if row is None else row.value


def put_setting(
    *, session: Session, org_id: str, name: str, value: Any, by: str | None = None
) -> OrgSetting:
    row = session.scalar(
        select(OrgSetting).where(OrgSetting.org_id == org_id, OrgSetting.name == name)
    )
    if row is None:
        row = OrgSetting(org_id=org_id, name=name, value=value, updated_by=by)
        session.add(row)
    else:
        row.value, row.updated_by = value, by
    session.flush()
    return row


def get_org_or_raise(*, session: Session, org_id: str) -> Org:
    org = session.get(Org, org_id)
    if org is None:
        raise NotFound("org not found")
    return org
