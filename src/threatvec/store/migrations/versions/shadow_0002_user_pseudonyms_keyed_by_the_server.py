"""user pseudonyms are keyed by a per-org server secret (one id per person, every source)

Revision ID: shadow_0002
Revises: shadow_0001
Create Date: 2026-11-28 05:40:00

Before: Microsoft 365 and connector imports stored SHA-256(org salt + "\\n" + identity);
extension events stored whatever the browser sent (SHA-256 of the extension's own salt).
After (``threatvec.shadow.pseudonym``): every stored id is HMAC-SHA-256(org user key,
that first hash), and the org salt is what the extension's policy uses.

The identities are not stored, so nothing can be recomputed; what can be done is
keying each stored id with the org's new key. That is one-to-one within an org, so no
row is lost and no count changes, and an import id made with the org salt becomes
exactly what the same person gets from now on. An id the extension made with its own
salt stays its own id (the server never had that salt nor the identity): once the
policy carries the org salt, that person's new events get the common id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

from threatvec.core.clock import utcnow
from threatvec.store.base import JSONType, new_id

revision = "shadow_0002"
down_revision = "shadow_0001"
branch_labels = None
depends_on = None

KEY_SETTING = "shadow.user_key"
_SETTINGS = sa.table(
    "org_settings",
    sa.column("id", sa.String),
    sa.column("org_id", sa.String),
    sa.column("name", sa.String),
    sa.column("value", JSONType),
    sa.column("updated_at", sa.DateTime),
    sa.column("updated_by", sa.String),
)
_HASHED = [
    sa.table(name, sa.column("org_id", sa.String), sa.column("user_hash", sa.String))
    for name in ("shadow_events", "shadow_service_users")
]


def _orgs_with_ids(conn: Connection) -> set[str]:
    found: set[str] = set()
    for table in _HASHED:
        query = sa.select(table.c.org_id).where(table.c.user_hash.is_not(None)).distinct()
        found.update(conn.execute(query).scalars())
    return found


def _new_key(conn: Connection, org_id: str) -> str:
    key = secrets.token_hex(32)
    row = {"id": new_id(), "org_id": org_id, "name": KEY_SETTING, "value": key,
           "updated_at": utcnow(), "updated_by": "migration shadow_0002"}  # fmt: skip
    conn.execute(_SETTINGS.insert(), [row])
    return key


def _hmac(key: str, first_layer: str) -> str:
    # threatvec.shadow.pseudonym.rekey as of this revision, written out so that a later
    # change there cannot change what this migration did.
    return hmac.new(key.encode(), first_layer.lower().encode(), hashlib.sha256).hexdigest()


def _rekey_org(conn: Connection, org_id: str, key: str) -> None:
    for table in _HASHED:
        mine = (table.c.org_id == org_id, table.c.user_hash.is_not(None))
        old = list(conn.execute(sa.select(table.c.user_hash).where(*mine).distinct()).scalars())
        if not old:
            continue
        stmt = (
            table.update()
            .where(table.c.org_id == org_id, table.c.user_hash == sa.bindparam("b_old"))
            .values(user_hash=sa.bindparam("b_new"))
        )
        conn.execute(stmt, [{"b_old": h, "b_new": _hmac(key, h)} for h in old])


def upgrade() -> None:
    conn = op.get_bind()
    keyed = set(
        conn.execute(sa.select(_SETTINGS.c.org_id).where(_SETTINGS.c.name == KEY_SETTING)).scalars()
    )
    # An org that already has a key was re-keyed before (an upgrade after a downgrade):
    # keying its ids twice would split every person from their new events.
    for org_id in sorted(_orgs_with_ids(conn) - keyed):
        _rekey_org(conn, org_id, _new_key(conn, org_id))


def downgrade() -> None:
    # An HMAC cannot be undone, and the key stays so that upgrading again does not key the
    # ids twice. The older code then gives a returning person a new id once per service.
    pass
