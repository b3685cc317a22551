"""The extension's user id salt, and folding ids an install made with a salt of its own.

An install that hashed users with its own salt (no policy salt, or a wrong one)
sent ids that never match the same person's Copilot, Okta or proxy records. The
server cannot recompute them (it never had that salt nor the identity), but the
install can: once it has fetched the org's salt it sends both client hashes of
its user, and every stored row of the old id is moved to the org-salt id. Events
already delivered cannot be re-sent instead: ingest is idempotent by event id
and the extension does not keep what it delivered.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from threatvec.core.errors import InvalidInput
from threatvec.shadow.models import ShadowEvent, ShadowService, ShadowServiceUser
from threatvec.shadow.pseudonym import rekey
from threatvec.shadow.schemas import UserIdMerge, UserIdMergeResult
from threatvec.shadow.service import org_user_salt

__all__ = ["extension_salt", "merge_user_ids"]

log = logging.getLogger(__name__)


def extension_salt(*, session: Session, org_id: str) -> str:
    """The salt the org's extension installs hash users with (created on first use)."""
    return org_user_salt(session=session, org_id=org_id).salt


def merge_user_ids(*, session: Session, org_id: str, data: UserIdMerge) -> UserIdMergeResult:
    """Move the org's stored rows of one client hash to another (idempotent)."""
    if data.from_hash == data.to_hash:
        raise InvalidInput(("body", "to_hash"), "to_hash is the same id as from_hash")
    key = org_user_salt(session=session, org_id=org_id).key
    old, new = rekey(key, data.from_hash), rekey(key, data.to_hash)
    events = _move_events(session, org_id, old, new)
    service_users = _move_service_users(session, org_id, old, new)
    # Counts only: the ids themselves are pseudonyms of a person, not for logs.
    log.info("shadow user ids merged: %d events, %d service users", events, service_users)
    return UserIdMergeResult(events=events, service_users=service_users)


def _move_events(session: Session, org_id: str, old: str, new: str) -> int:
    stmt = (
        update(ShadowEvent)
        .where(ShadowEvent.org_id == org_id, ShadowEvent.user_hash == old)
        .values(user_hash=new)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def _move_service_users(session: Session, org_id: str, old: str, new: str) -> int:
    """Rename (service, old) rows; where (service, new) exists, keep the earlier first_seen."""
    table = ShadowServiceUser
    olds = session.execute(
        select(table.id, table.service_id, table.first_seen).where(
            table.org_id == org_id, table.user_hash == old
        )
    ).all()
    if not olds:
        return 0
    news = {
        sid: (rid, seen)
        for rid, sid, seen in session.execute(
            select(table.id, table.service_id, table.first_seen).where(
                table.org_id == org_id,
                table.user_hash == new,
                table.service_id.in_([sid for _, sid, _ in olds]),
            )
        )
    }
    for rid, sid, seen in olds:
        twin = news.get(sid)
        if twin is None:
            session.execute(
                update(table).where(table.id == rid, table.org_id == org_id).values(user_hash=new)
            )
            continue
        # The person is already counted on this service under the common id.
        session.execute(delete(table).where(table.id == rid, table.org_id == org_id))
        if seen < twin[1]:
            earlier = update(table).where(table.id == twin[0], table.org_id == org_id)
            session.execute(earlier.values(first_seen=seen))
    _recount_users(session, org_id, {sid for _, sid, _ in olds})
    return len(olds)


def _recount_users(session: Session, org_id: str, service_ids: set[str]) -> None:
    """Each touched service's distinct-user counter, from its rows."""
    counts = dict(
        session.execute(
            select(ShadowServiceUser.service_id, func.count())
            .where(
                ShadowServiceUser.org_id == org_id,
                ShadowServiceUser.service_id.in_(list(service_ids)),
            )
            .group_by(ShadowServiceUser.service_id)
        ).all()
    )
    for sid in service_ids:
        session.execute(
            update(ShadowService)
            .where(ShadowService.id == sid, ShadowService.org_id == org_id)
            .values(users=int(counts.get(sid, 0)))
        )
